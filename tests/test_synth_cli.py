"""``plugsmith synth``: end to end as a real subprocess, and its exit codes for bad specs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.test_synth_helpers import write_spec

from plugsmith.cli import main

TASKS = [{"id": "a", "cost": 10}, {"id": "b", "cost": 5.5}]
TOTAL_COST: dict[str, Any] = {
    "name": "total_cost", "description": "Sum of the cost of every task in the plan.",
    "inputs": ["plan_json"], "outputs": {"total": {"type": "number"}},
    "constraints": ["deterministic", "pure"],
    "tests": [
        {"name": "two", "input": {"plan_json": {"title": "p", "tasks": TASKS}}, "expected": {"total": 15.5}},
        {"name": "one", "input": {"plan_json": {"title": "p", "tasks": [{"id": "a", "cost": 7}]}},
         "expected": {"total": 7}},
        {"name": "three", "input": {"plan_json": {"title": "p", "tasks": [
            {"id": "a", "cost": 1}, {"id": "b", "cost": 2}, {"id": "c", "cost": 3}]}},
         "expected": {"total": 6}},
        {"name": "none", "input": {"plan_json": {"title": "p", "tasks": []}}, "expected": {"total": 0}},
    ],
}


def _plugsmith(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLUGSMITH_LLM")}
    return subprocess.run([sys.executable, "-m", "plugsmith", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def _exit(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(args)
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


@pytest.mark.slow
def test_synth_publishes_then_plugin_run_uses_it_then_synth_reuses_it(tmp_path: Path) -> None:
    spec = write_spec(tmp_path / "total_cost.json", TOTAL_COST)
    first = _plugsmith("synth", str(spec), "--json")
    assert first.returncode == 0, first.stderr
    outcome = json.loads(first.stdout)
    assert (outcome["status"], outcome["strategy"], outcome["version"]) == ("approved", "enumerate", "1.0.0")
    assert (outcome["guide_cases"], outcome["holdout_cases"]) == (2, 2)
    assert outcome["checksum"].startswith("sha256:") and outcome["gates"]["contract"] == "pass"
    assert "sum" in outcome["record"]["candidates"][0]["dsl_program"]
    assert "enumerate" in first.stderr           # progress lines go to stderr, JSON alone to stdout

    plan = {"plan_json": {"title": "unseen", "tasks": [{"id": "x", "cost": 2.25}, {"id": "y", "cost": 40}]}}
    inputs = tmp_path / "in.json"
    inputs.write_text(json.dumps(plan))
    ran = _plugsmith("plugin", "run", "total_cost@1.0.0", "--input", str(inputs))
    if "No such command 'plugin'" in ran.stderr + ran.stdout:
        pytest.skip("`plugsmith plugin run` is not in this checkout yet (cli/plugin.py)")
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == {"total": 42.25}

    again = _plugsmith("synth", str(spec), "--json")
    assert again.returncode == 0, again.stderr
    reused = json.loads(again.stdout)
    assert reused["status"] == "reused" and reused["plugin_id"] == outcome["plugin_id"]


def test_synth_exits_1_when_nothing_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("PLUGSMITH_LLM_BASE_URL", "PLUGSMITH_LLM_MODEL", "PLUGSMITH_LLM_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    spec = write_spec(tmp_path / "total_cost.json", TOTAL_COST)
    code, out, err = _exit(["synth", str(spec), "--json", "--strategy", "llm", "-q"], capsys)
    assert code == 1
    assert json.loads(out)["status"] == "failed"
    assert "error:" in err and "no strategy produced a candidate" in err
    assert "run again with --json to see each candidate" in err
    code, out, _ = _exit(["synth", str(spec), "--strategy", "llm", "-q"], capsys)
    assert code == 1 and "rate-limited" in out


@pytest.mark.parametrize(("data", "message"), [
    ({"name": "x", "outputs": ["y"]}, "spec has no test cases; add inline cases or bad.cases.json"),
    ({"name": "x", "outputs": ["y"], "tests": ["golden_case_1"]}, "test case(s) not found: golden_case_1"),
    ({"name": "x", "outputs": {"y": {"type": "nonsense"}}, "tests": []}, "not valid JSON Schema"),
    ({"name": "x", "outputs": ["y"], "constraints": ["fast"], "tests": []}, "unknown constraint"),
])
def test_malformed_specs_exit_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              data: dict[str, object], message: str) -> None:
    spec = write_spec(tmp_path / "bad.json", data)
    code, _, err = _exit(["synth", str(spec)], capsys)
    assert code == 2
    assert message in err and "Traceback" not in err
    assert err.startswith("error: ")


def test_named_cases_found_nowhere_say_where_they_were_looked_for(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    spec = write_spec(tmp_path / "seed.json", {"name": "cost_estimation", "inputs": ["plan_json"],
                                               "outputs": ["cost_breakdown"],
                                               "tests": ["golden_case_1", "edge_case_2"]})
    code, _, err = _exit(["synth", str(spec)], capsys)
    assert code == 2 and "test case(s) not found: golden_case_1, edge_case_2" in err
    assert "seed.cases.json" in err and "hub's benchmark cases for 'cost_estimation'" in err
    assert '"input"' in err and '"expected"' in err   # the file format, in one line


SEED_SPEC = {"name": "cost_estimation", "description": "Total cost per task kind.",
             "inputs": ["plan_json"], "outputs": ["cost_breakdown"],
             "constraints": ["deterministic", "schema_validated"],
             "tests": ["golden_case_1", "edge_case_2"]}
KIND_TASKS = [{"id": "a", "kind": "build", "cost": 100}, {"id": "b", "kind": "test", "cost": 30},
              {"id": "c", "kind": "build", "cost": 20}]
SEED_CASES = [{"name": "golden_case_1", "input": {"plan_json": {"title": "t", "tasks": KIND_TASKS}},
               "expected": {"cost_breakdown": {"build": 120, "test": 30}}},
              {"name": "edge_case_2", "input": {"plan_json": {"title": "empty", "tasks": []}},
               "expected": {"cost_breakdown": {}}}]


@pytest.mark.slow
def test_the_seeds_template_as_written_works_once_the_hub_holds_its_cases(tmp_path: Path) -> None:
    (tmp_path / "spec").mkdir()
    spec = write_spec(tmp_path / "spec" / "cost_estimation.json", SEED_SPEC)
    missing = _plugsmith("synth", str(spec))
    assert missing.returncode == 2, missing.stderr
    assert "test case(s) not found: golden_case_1, edge_case_2" in missing.stderr
    assert "cost_estimation.cases.json" in missing.stderr and "(it holds none)" in missing.stderr
    assert "plugsmith hub cases add cost_estimation FILE" in missing.stderr and '"expected"' in missing.stderr

    cases = tmp_path / "elsewhere" / "seed_cases.json"  # not beside the spec: only the hub can supply them
    cases.parent.mkdir()
    cases.write_text(json.dumps(SEED_CASES))
    added = _plugsmith("hub", "cases", "add", "cost_estimation", str(cases))
    assert added.returncode == 0, added.stderr
    assert "added 2 golden case(s)" in added.stdout and "ports were not checked" in added.stderr

    made = _plugsmith("synth", str(spec), "--json")
    assert made.returncode == 0, made.stderr
    outcome = json.loads(made.stdout)
    assert (outcome["capability"], outcome["status"], outcome["guide_cases"]) == ("cost_estimation",
                                                                                   "approved", 2)
    shipped = _plugsmith("hub", "show", "cost_estimation", "--file", "tests/cases.json")
    names = [c["name"] for c in json.loads(shipped.stdout)]
    assert names[:2] == ["golden_case_1", "edge_case_2"]   # the hub's cases, by the names the spec gave

    wrong = tmp_path / "elsewhere" / "wrong.json"     # now a plugin is published, its ports are the rule
    wrong.write_text(json.dumps({"name": "x", "input": {"tasks": []}, "expected": {"cost_breakdown": {}}}))
    refused = _plugsmith("hub", "cases", "add", "cost_estimation", str(wrong))
    assert refused.returncode == 2 and "its input lacks the port(s) plan_json" in refused.stderr


def test_unparsable_spec_and_unknown_strategy_exit_2(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    code, _, err = _exit(["synth", str(broken)], capsys)
    assert code == 2 and "not valid JSON" in err
    spec = write_spec(tmp_path / "total_cost.json", TOTAL_COST)
    code, _, err = _exit(["synth", str(spec), "--strategy", "magic"], capsys)
    assert code == 2 and "unknown strategy" in err and "enumerate" in err


def test_named_cases_beside_the_spec_are_used(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = dict(TOTAL_COST, tests=[c["name"] for c in TOTAL_COST["tests"]])
    spec = write_spec(tmp_path / "total_cost.json", data)
    (tmp_path / "total_cost.cases.json").write_text(json.dumps(TOTAL_COST["tests"]))
    code, out, _ = _exit(["synth", str(spec), "--strategy", "enumerate", "--no-publish", "-q"], capsys)
    assert code == 0
    assert "not published" in out and "status" in out and "approved" in out


COUNT = ('"""Count the items."""\n\n\ndef run(inputs: dict) -> dict:\n'
         '    return {"n": len(inputs["items"])}\n')


@pytest.mark.slow
def test_synth_with_an_llm_endpoint_from_the_environment(tmp_path: Path) -> None:
    from tests.llm_server import LLMServer, Reply, fenced

    spec = write_spec(tmp_path / "count_items.json", {
        "name": "count_items", "inputs": {"items": {"type": "array"}}, "outputs": {"n": {"type": "integer"}},
        "tests": [{"name": f"c{k}", "input": {"items": list(range(k))}, "expected": {"n": k}}
                  for k in (0, 2, 5)]})
    with LLMServer([Reply(fenced(COUNT))]) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PLUGSMITH_LLM")}
        env.update(PLUGSMITH_LLM_BASE_URL=server.base_url, PLUGSMITH_LLM_MODEL="tiny-coder",
                   PLUGSMITH_LLM_API_KEY="sk-cli-secret-7")
        done = subprocess.run([sys.executable, "-m", "plugsmith", "synth", str(spec), "--strategy", "llm",
                               "--json"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    assert (outcome["status"], outcome["strategy"]) == ("approved", "llm")
    assert server.requests[0].headers["Authorization"] == "Bearer sk-cli-secret-7"
    assert "sk-cli-secret-7" not in done.stdout + done.stderr


@pytest.mark.parametrize("digits", [400, 5000])
def test_an_integer_beyond_a_double_in_a_case_exits_2_without_a_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], digits: int) -> None:
    spec = tmp_path / "big.json"
    text = json.dumps(TOTAL_COST).replace('"cost": 7}', '"cost": 7, "serial": ' + "9" * digits + "}", 1)
    spec.write_text(text)
    code, _, err = _exit(["synth", str(spec)], capsys)
    assert code == 2, err
    assert "Traceback" not in err and err.startswith("error: ") and "digits" in err
    assert "1.8e308" in err   # the hint says what range is fine


def test_an_enum_of_ten_thousand_strings_is_refused_before_any_search(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    labels = [f"band{i}" for i in range(10_000)]
    data = dict(TOTAL_COST, outputs={"total": {"type": "string", "enum": labels}},
                tests=[dict(c, expected={"total": "band1"}) for c in TOTAL_COST["tests"]])
    code, _, err = _exit(["synth", str(write_spec(tmp_path / "enum.json", data))], capsys)
    assert code == 2 and "Traceback" not in err
    assert "/outputs/total lists 10,000 enum values" in err and '"pattern"' in err
