"""``CapabilityTask`` in a PlanExe-style Luigi pipeline: the example end to end, failures, resume."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

import luigi
import pytest

from plugsmith.errors import CapabilityFailure
from plugsmith.planexe import CapabilityTask, PlanExeImportTask
from plugsmith.spec import CapabilitySpec

ROOT = Path(__file__).resolve().parents[1]
SOLAR = ROOT / "tests" / "data" / "planexe" / "solarfarm"
EIA2, LAYOUT = "aba85c55-284a-4905-84b8-e68682fbb7f1", "9180ee65-d7cf-47fe-ad75-b4bf073b4a16"
FUND, STAFF = "d82ca21a-e022-48b7-9376-9c9b0db5b812", "27ae8461-08a1-4718-b450-c255a8e08866"
IMPLEMENT = "3a3add9b-6edd-464b-970a-c4cab9a2b366"
# by hand (see test_planexe_import): 7570's tasks (8 d) -> 9180 (30 d) -> d82c -> 27ae -> 3a3a (1 d each)
SOLAR_CRITICAL_PATH = [EIA2, LAYOUT, FUND, STAFF, IMPLEMENT]
# leaves per phase, counted by hand in the level-2/3 files: 6e6e and 7570 were decomposed into 3 tasks each;
# 1d3a keeps both subtasks; the 5 other major phases keep 2 subtasks each; 303c has no direct leaf
TASKS_PER_PHASE = {
    "6e6e7e83-8db9-4ac9-88d3-0aeda252a19e": 3, "7570b5c4-50bc-4ba8-bb80-db193521759a": 3,
    "1d3a023b-9c92-401a-9010-70e08109b0a3": 2, "44fd780c-3052-4323-94c7-bdd86ca6d12f": 2,
    "74d93fb2-6d2d-4ef8-b91a-ce496860faae": 2, "d5d79ebd-c7eb-47ed-b955-48c85541259d": 2,
    "c518c687-b757-4ba1-8af4-08b3e61dff67": 2, "99b2720a-d390-43b4-af18-da889d974a1a": 2,
}


def run_example(run_dir: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RUN_ID_DIR": str(run_dir), "PLUGSMITH_HOME": str(home)}
    env.pop("PLUGSMITH_DB", None)
    return subprocess.run([sys.executable, str(ROOT / "examples" / "planexe_pipeline.py")], env=env,
                          capture_output=True, text=True, timeout=240)


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


@pytest.mark.slow
def test_example_pipeline_end_to_end(tmp_path: Path) -> None:
    home, first, second = tmp_path / "fresh-home", tmp_path / "run1", tmp_path / "run2"
    proc = run_example(first, home)
    assert proc.returncode == 0, proc.stderr[-3000:]
    names = sorted(p.name for p in first.iterdir())
    assert names == ["1000-plugsmith_plan.json", "1000-plugsmith_plan_import_report.md",
                     "1001-critical_path.json", "1001-critical_path.md",
                     "1001-resource_demand.json", "1001-resource_demand.md",
                     "1001-tasks_per_phase.json", "1001-tasks_per_phase.md"]
    schedule = load(first / "1001-critical_path.json")
    assert schedule["resolved_by"] == "hub" and schedule["plugin"]["origin"] == "builtin"
    assert schedule["outputs"]["schedule"]["critical_path"] == SOLAR_CRITICAL_PATH
    per_phase = load(first / "1001-tasks_per_phase.json")
    assert (per_phase["resolved_by"], per_phase["strategy"]) == ("synthesized", "enumerate")
    assert per_phase["plugin"]["origin"] == "synthesized" and per_phase["plugin"]["tier"] == "Tier 1"
    assert per_phase["outputs"] == {"tasks_per_phase": TASKS_PER_PHASE}
    assert "| 6e6e7e83-8db9-4ac9-88d3-0aeda252a19e | 3 |" in (first / "1001-tasks_per_phase.md").read_text()
    demand = load(first / "1001-resource_demand.json")["outputs"]["resource_demand"]
    # only the 6 level-3 tasks list resources; the 12 undecomposed subtasks have none
    assert demand["roles"]["Land permit"]["tasks"] == 1 and demand["tasks_without_roles"] == 12

    # a second plan run against the same hub reuses the synthesized plugin
    proc = run_example(second, home)
    assert proc.returncode == 0, proc.stderr[-3000:]
    again = load(second / "1001-tasks_per_phase.json")
    assert again["resolved_by"] == "hub" and again["plugin"]["checksum"] == per_phase["plugin"]["checksum"]

    # resuming a finished run redoes nothing
    before = {p.name: p.stat().st_mtime_ns for p in first.iterdir()}
    proc = run_example(first, home)
    assert proc.returncode == 0 and {p.name: p.stat().st_mtime_ns for p in first.iterdir()} == before


class SolarPlan(PlanExeImportTask):
    source = luigi.OptionalPathParameter(default=SOLAR)


CONTRADICTORY = CapabilitySpec(
    name="impossible_thing", inputs=["plan_json"], outputs={"answer": {"type": "integer"}},
    constraints=["deterministic"],
    tests=[{"name": f"case_{i}", "input": {"plan_json": {"title": "same", "tasks": []}},
            "expected": {"answer": i}} for i in range(4)],
)


class Impossible(CapabilityTask):
    capability = CONTRADICTORY
    upstream = (SolarPlan,)
    time_budget_s: ClassVar[float] = 3.0


def test_unresolvable_capability_fails_with_the_synthesis_record_beside_it(tmp_path: Path) -> None:
    task = Impossible(run_id_dir=tmp_path)
    assert not luigi.build([task], local_scheduler=True, workers=1, log_level="ERROR")
    assert (tmp_path / "1000-plugsmith_plan.json").is_file()  # the upstream task still ran
    assert not (tmp_path / "1001-impossible_thing.json").exists()
    record = load(tmp_path / "1001-impossible_thing-synthesis.json")
    assert record["capability"] == "impossible_thing" and record["error"]
    assert record["outcome"]["status"] in {"failed", "rejected"}
    with pytest.raises(CapabilityFailure) as info:
        task.run()
    assert "1001-impossible_thing-synthesis.json" in (info.value.hint or "")


class NoUpstream(CapabilityTask):
    capability = "critical_path"


def test_missing_input_port_is_a_capability_failure(tmp_path: Path) -> None:
    with pytest.raises(CapabilityFailure, match="plan_json"):
        NoUpstream(run_id_dir=tmp_path).run()


def write_plugin(folder: Path, name: str, capability: str, code: str) -> Path:
    folder.mkdir(parents=True)
    manifest = {"name": name, "capability": capability, "version": "1.0.0", "origin": "handwritten",
                "inputs": ["plan_json"], "outputs": {"answer": {"type": "integer"}},
                "constraints": ["deterministic"]}
    (folder / "plugin.json").write_text(json.dumps(manifest))
    (folder / "plugin.py").write_text(code)
    (folder / "tests").mkdir()
    (folder / "tests" / "cases.json").write_text("[]")
    (folder / "README.md").write_text(f"# {name}\n")
    return folder


class Answer(CapabilityTask):
    capability = CapabilitySpec(name="answer_cap", inputs=["plan_json"],
                                outputs={"answer": {"type": "integer"}},
                                tests=[{"name": "a", "input": {"plan_json": {"title": "t"}},
                                        "expected": {"answer": 1}}])
    upstream = (SolarPlan,)
    synthesize_on_gap: ClassVar[bool] = False


def test_runtime_failure_falls_back_to_the_next_plugin_and_records_it(tmp_path: Path) -> None:
    from plugsmith.hub import Hub
    from plugsmith.spec import Status, Tier

    hub = Hub.open()
    try:
        crashing = write_plugin(tmp_path / "p1", "answer_crash", "answer_cap",
                                "def run(inputs):\n    raise ValueError('boom')\n")
        wrong = write_plugin(tmp_path / "p2", "answer_wrong", "answer_cap",
                             "def run(inputs):\n    return {'answer': 'not a number'}\n")
        good = write_plugin(tmp_path / "p3", "answer_good", "answer_cap",
                            "def run(inputs):\n    return {'answer': len(inputs['plan_json']['tasks'])}\n")
        for plugin in (crashing, wrong):
            hub.publish(plugin, status=Status.approved, tier=Tier.tier1)
        run_dir = tmp_path / "run"
        run_dir.mkdir()
        assert not luigi.build([Answer(run_id_dir=run_dir)], local_scheduler=True, log_level="ERROR")
        record = load(run_dir / "1001-answer_cap-synthesis.json")
        assert "ValueError: boom" in record["error"] and "breaks its schema" in record["error"]
        assert len(hub.events("failure", capability="answer_cap")) == 2
        hub.publish(good, status=Status.approved, tier=Tier.tier1)
        assert luigi.build([Answer(run_id_dir=run_dir)], local_scheduler=True, log_level="ERROR")
        result = load(run_dir / "1001-answer_cap.json")
        assert result["outputs"] == {"answer": 18} and result["plugin"]["name"] == "answer_good"
        assert hub.events("use", capability="answer_cap")
    finally:
        hub.close()


def test_no_gap_synthesis_when_off(tmp_path: Path) -> None:
    with pytest.raises(CapabilityFailure, match="synthesis is off"):
        luigi.build([SolarPlan(run_id_dir=tmp_path)], local_scheduler=True, log_level="ERROR")
        Answer(run_id_dir=tmp_path).run()
    assert load(tmp_path / "1001-answer_cap-synthesis.json")["outcome"] is None


@pytest.mark.slow
def test_plugsmith_run_accepts_a_planexe_run_directory(tmp_path: Path) -> None:
    from test_planexe_import import make_run_dir

    run = make_run_dir(tmp_path)  # PlanExe's own file names (018-2-wbs_level1.json, ...)
    env = {**os.environ, "PLUGSMITH_HOME": str(tmp_path / "home")}
    argv = [sys.executable, "-m", "plugsmith", "run", str(run), "--out", str(tmp_path / "out")]
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    stage = next((tmp_path / "out").glob("*-critical_path.json"))
    assert load(stage)["output"]["schedule"]["critical_path"] == SOLAR_CRITICAL_PATH
    assert load(stage)["output"]["schedule"]["project_duration_days"] == 41


def test_policy_refusal_is_a_capability_failure(tmp_path: Path, plugsmith_home: Path) -> None:
    from plugsmith.hub import Hub
    from plugsmith.spec import Status, Tier

    (plugsmith_home / "policy.toml").write_text('allowed_tiers = ["Tier 0"]\n')
    good = write_plugin(tmp_path / "p", "answer_tier1", "answer_cap",
                        "def run(inputs):\n    return {'answer': 1}\n")
    with Hub.open() as hub:
        hub.publish(good, status=Status.approved, tier=Tier.tier1)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    assert not luigi.build([Answer(run_id_dir=run_dir)], local_scheduler=True, log_level="ERROR")
    error = load(run_dir / "1001-answer_cap-synthesis.json")["error"]
    assert "answer_tier1@1.0.0" in error and "Tier 1 is not allowed" in error
    assert not (run_dir / "1001-answer_cap.json").exists()
