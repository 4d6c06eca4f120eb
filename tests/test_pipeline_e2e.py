"""End to end: fresh hub → synthesis of two gaps → reuse by another plan; recovery; resume; bad plans."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from plugsmith.pipeline import run_plan_pipeline
from plugsmith.spec import Origin, Status
from test_pipeline_helpers import EXAMPLES, builtin_home_template, seeded_home  # noqa: F401

pytestmark = pytest.mark.slow


def _events(kind: str) -> list[dict]:  # type: ignore[type-arg]
    from plugsmith.hub import Hub

    hub = Hub.open()
    try:
        return hub.events(kind=kind)
    finally:
        hub.close()


def test_two_gaps_are_synthesized_then_reused_by_another_plan(tmp_path: Path) -> None:
    """A fresh PLUGSMITH_HOME: the first run installs the built-ins, then synthesizes the two gaps."""
    first = run_plan_pipeline(EXAMPLES / "renovation.json", tmp_path / "renovation")
    resolution = json.loads((tmp_path / "renovation" / "003-resolution.json").read_text())
    assert len(resolution["builtins_installed"]) == 9
    m = first.metrics
    assert (m["capabilities_required"], m["synthesized"], m["failed"]) == (11, 2, 0)
    # the plan has no min-max ranges: the PERT and simulation capabilities say so instead of running
    assert m["without_data"] == ["pert_schedule", "schedule_simulation"]
    assert m["missing_capability_failures"] == 2 and m["recovery_rate"] == 1.0
    assert set(m["time_to_add_capability_s"]) == {"cost_per_owner", "tasks_per_phase"}
    synth = json.loads((tmp_path / "renovation" / "004-synthesis.json").read_text())
    assert {s["capability"]: s["status"] for s in synth["syntheses"]} == {
        "cost_per_owner": "approved", "tasks_per_phase": "approved"}
    owners = json.loads((tmp_path / "renovation" / "015-cost_per_owner.json").read_text())
    # Ana: 400+0+650+180+0 direct; Ben: 14500+900+1400+600+450; Carla: 1200+950+300 (summed by hand)
    assert owners["output"] == {"cost_per_owner": {"Ana": 1230.0, "Ben": 17850.0, "Carla": 2450.0}}
    assert owners["release"]["origin"] == Origin.synthesized.value
    syntheses_after_first = len(_events("synthesis"))

    second = run_plan_pipeline(EXAMPLES / "event.yaml", tmp_path / "event")
    m2 = second.metrics
    assert (m2["synthesized"], m2["failed"], m2["resolved_from_hub"]) == (0, 0, 11)
    assert m2["reuse"]["previously_synthesized"] == 2
    assert json.loads((tmp_path / "event" / "004-synthesis.json").read_text())["syntheses"] == []
    assert len(_events("synthesis")) == syntheses_after_first
    assert sorted(e["capability"] for e in _events("reuse")) == ["cost_per_owner", "tasks_per_phase"]
    assert sorted(e["capability"] for e in _events("gap")) == ["cost_per_owner", "tasks_per_phase"]

    from plugsmith.hub import Hub
    from plugsmith.pipeline import hub_metrics

    hub = Hub.open()
    try:
        totals = hub_metrics(hub)
    finally:
        hub.close()
    assert totals["runs"] == 2 and totals["synthesized"] == 2 and totals["reuse_lift"] == 1.0
    assert totals["first_run_met_without_synthesis"] == round(9 / 11, 4)  # all but the 2 synthesized
    assert set(totals["task_coverage_by_plan_kind"]) == {"building_renovation", "event"}

    html = (tmp_path / "event" / "report.html").read_text()
    assert 'aria-label="Risk matrix"' in html and 'class="gantt"' in html and "cost_per_owner" in html


@pytest.mark.usefixtures("seeded_home")
def test_run_resumes_after_being_killed_mid_way(tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "plugsmith", "run", str(EXAMPLES / "renovation.json"),
                             "--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while not (out / "003-resolution.json").exists():
        assert proc.poll() is None and time.monotonic() < deadline, "the run ended before it could be killed"
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in out.glob("[0-9][0-9][0-9]-*.json")}
    assert "001-plan.json" in done and "018-metrics.json" not in done
    assert not (out / "report.html").exists()

    result = run_plan_pipeline(EXAMPLES / "renovation.json", out)
    assert sorted(result.stages_skipped) == sorted(done)
    assert set(result.stages_run).isdisjoint(done) and "018-metrics.json" in result.stages_run
    for name, (mtime, data) in done.items():
        assert (out / name).stat().st_mtime_ns == mtime and (out / name).read_bytes() == data, name
    assert result.metrics["failed"] == 0 and (out / "report.html").is_file()

    again = run_plan_pipeline(EXAMPLES / "renovation.json", out)  # everything done: nothing re-runs
    assert again.stages_run == [] and len(again.stages_skipped) == 18


@pytest.mark.usefixtures("seeded_home")
def test_runtime_crash_is_recovered_by_a_synthesized_replacement(tmp_path: Path) -> None:
    from plugsmith.gates import validate
    from plugsmith.hub import Hub
    from plugsmith.spec import load_spec

    spec = load_spec(EXAMPLES / "specs" / "cost_per_owner.json")
    flaky = tmp_path / "flaky_cost_per_owner"
    (flaky / "tests").mkdir(parents=True)
    (flaky / "plugin.json").write_text(json.dumps({
        "name": "flaky_cost_per_owner", "capability": "cost_per_owner", "version": "1.0.0",
        "description": "Cost per owner; breaks on plans with more than five tasks.", "inputs": ["plan_json"],
        "outputs": {k: v for k, v in spec.outputs.items()}, "constraints": ["deterministic"],
        "origin": "handwritten"}))
    (flaky / "plugin.py").write_text(
        '"""Cost per owner that only copes with small plans."""\n\n\n'
        "def run(inputs: dict) -> dict:\n"
        '    tasks = inputs["plan_json"]["tasks"]\n'
        "    if len(tasks) > 5:\n"
        '        raise ValueError("too many tasks")\n'
        "    out: dict = {}\n"
        "    for t in tasks:\n"
        '        out[t["owner"]] = out.get(t["owner"], 0) + t["cost"]\n'
        '    return {"cost_per_owner": out}\n')
    (flaky / "tests" / "cases.json").write_text(json.dumps([c.model_dump() for c in spec.cases]))
    (flaky / "README.md").write_text("# flaky_cost_per_owner\n")
    hub = Hub.open()
    try:
        report = validate(flaky, spec=spec, hub=hub)
        assert report.verdict == "approved"
        hub.publish(flaky, status=Status.approved, tier=report.tier, gate_report=report)
    finally:
        hub.close()

    result = run_plan_pipeline(EXAMPLES / "renovation.json", tmp_path / "run")
    record = json.loads((tmp_path / "run" / "015-cost_per_owner.json").read_text())
    assert record["status"] == "ok" and record["recovered"] is True
    assert record["attempts"][0]["ref"] == "flaky_cost_per_owner@1.0.0"
    assert record["attempts"][0]["ok"] is False and "too many tasks" in record["attempts"][0]["reason"]
    assert record["release"]["name"] != "flaky_cost_per_owner"
    assert record["output"] == {"cost_per_owner": {"Ana": 1230.0, "Ben": 17850.0, "Carla": 2450.0}}
    assert result.metrics["recovery_rate"] == 1.0 and result.metrics["failed"] == 0
    assert len(_events("failure")) == 1 and len(_events("recovery")) == 1
    hub = Hub.open()
    try:
        assert hub.get("flaky_cost_per_owner@1.0.0").status == Status.deprecated
    finally:
        hub.close()


@pytest.mark.usefixtures("seeded_home")
def test_unrecoverable_gap_fails_its_stage_but_report_is_produced(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = run_plan_pipeline(EXAMPLES / "product_launch.json", out, synthesize=False)
    assert [f["capability"] for f in result.failed] == ["most_expensive_task"]
    assert "could not be computed" in result.failed[0]["error"]
    assert result.metrics["failed"] == 1 and result.metrics["recovery_rate"] == 0.0
    html = (out / "report.html").read_text()
    assert "Some capabilities failed" in html and 'class="gantt"' in html
    assert "most_expensive_task" in (out / "report.md").read_text()

    # A re-run retries only the failed capability (and the report), now with synthesis allowed.
    kept = {p.name: p.stat().st_mtime_ns for p in out.glob("0[01]*-*.json") if int(p.name[:3]) < 15}
    assert len(kept) == 14  # 001-005 and the nine built-in capabilities; 015 failed, 016/017 follow it
    again = run_plan_pipeline(EXAMPLES / "product_launch.json", out)
    assert again.failed == [] and again.metrics["failed"] == 0
    assert {p: (out / p).stat().st_mtime_ns for p in kept} == kept
    record = json.loads((out / "015-most_expensive_task.json").read_text())
    assert record["output"] == {"most_expensive_task": "campaign"}


@pytest.mark.usefixtures("seeded_home")
def test_parallel_workers_give_the_same_outputs(tmp_path: Path) -> None:
    serial = run_plan_pipeline(EXAMPLES / "software_migration.json", tmp_path / "one")
    parallel = run_plan_pipeline(EXAMPLES / "software_migration.json", tmp_path / "two", workers=2)
    for name in serial.stages_run:
        if name[:3].isdigit() and 6 <= int(name[:3]) <= 14:
            a = json.loads((tmp_path / "one" / name).read_text())["output"]
            b = json.loads((tmp_path / "two" / name).read_text())["output"]
            assert a == b, name
    assert parallel.metrics["failed"] == 0


def _cli(*args: str, env_home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PLUGSMITH_HOME": str(env_home)}
    return subprocess.run([sys.executable, "-m", "plugsmith", *args], capture_output=True, text=True,
                          env=env, timeout=300)


def test_bad_plans_exit_2_with_one_clear_line(tmp_path: Path, plugsmith_home: Path) -> None:
    cycle = tmp_path / "cycle.json"
    cycle.write_text(json.dumps({"title": "loop", "tasks": [{"id": "a", "depends_on": ["b"]},
                                                            {"id": "b", "depends_on": ["a"]}]}))
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: bad\ntasks:\n  - id: a\n    duration_days: soon\n")
    for plan, expected in ((cycle, "/tasks: dependency cycle"), (bad, "/tasks/0/duration_days:"),
                           (tmp_path / "missing.json", "plan file not found")):
        proc = _cli("run", str(plan), "--out", str(tmp_path / "out"), env_home=plugsmith_home)
        assert proc.returncode == 2, proc.stderr
        first = proc.stderr.splitlines()[0]
        assert first.startswith("error: ") and expected in first, proc.stderr
        assert "Traceback" not in proc.stderr
    assert not list((tmp_path / "out").glob("*.json")) if (tmp_path / "out").exists() else True


@pytest.mark.usefixtures("seeded_home")
def test_cli_run_prints_json_and_metrics_aggregate(tmp_path: Path, plugsmith_home: Path) -> None:
    proc = _cli("run", str(EXAMPLES / "research_grant.yaml"), "--out", str(tmp_path / "out"), "--json",
                env_home=plugsmith_home)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["ok"] is True and result["metrics"]["resolved_from_hub"] == 9
    assert result["report_html"] == str(tmp_path / "out" / "report.html")
    metrics = _cli("metrics", "--json", env_home=plugsmith_home)
    assert metrics.returncode == 0 and json.loads(metrics.stdout)["runs"] == 1


@pytest.mark.usefixtures("seeded_home")
def test_planexe_run_directory_is_a_plan(tmp_path: Path) -> None:
    source = Path(__file__).parent / "data" / "planexe" / "tv-remote"
    result = run_plan_pipeline(source, tmp_path / "run")
    plan_stage = json.loads((tmp_path / "run" / "001-plan.json").read_text())
    assert plan_stage["source"] == str(source.resolve()) and len(plan_stage["plan"]["tasks"]) == 7
    assert result.metrics["failed"] == 0
    schedule = json.loads((tmp_path / "run" / "008-critical_path.json").read_text())["output"]["schedule"]
    assert set(schedule["tasks"]) == {t["id"] for t in plan_stage["plan"]["tasks"]}


@pytest.mark.usefixtures("seeded_home")
def test_central_luigid_scheduler(tmp_path: Path) -> None:
    import shutil
    import socket

    luigid = shutil.which("luigid")
    assert luigid, "luigid is installed with luigi"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [luigid, "--port", str(port), "--address", "127.0.0.1",
               "--state-path", str(tmp_path / "luigi-state.pickle"), "--logdir", str(tmp_path)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "luigid did not start"
                time.sleep(0.1)
        result = run_plan_pipeline(EXAMPLES / "research_grant.yaml", tmp_path / "run",
                                   scheduler_url=f"http://127.0.0.1:{port}/")
        assert result.metrics["failed"] == 0 and (tmp_path / "run" / "report.html").is_file()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)


@pytest.mark.usefixtures("seeded_home")
def test_cli_exit_codes_for_failed_capabilities_and_failed_runs(tmp_path: Path, plugsmith_home: Path) -> None:
    partial = _cli("run", str(EXAMPLES / "product_launch.json"), "--out", str(tmp_path / "partial"),
                   "--no-synth", env_home=plugsmith_home)
    assert partial.returncode == 0, partial.stderr
    assert "warning: capability most_expensive_task failed: capability 'most_expensive_task' could not be " \
           "computed" in partial.stderr
    assert (tmp_path / "partial" / "report.html").is_file()

    broken = _cli("--db", f"sqlite:///{tmp_path}/missing-dir/hub.db", "run", str(EXAMPLES / "event.yaml"),
                  "--out", str(tmp_path / "broken"), env_home=plugsmith_home)
    assert broken.returncode == 1
    error = [line for line in broken.stderr.splitlines() if line.startswith("error: ")]
    assert len(error) == 1 and "the run failed: stage resolution:" in error[0]
    assert "Traceback" not in broken.stderr
    assert (tmp_path / "broken" / "002-requirements.json").is_file()  # kept for the resume
