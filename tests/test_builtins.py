"""Built-in plugins: golden cases in the real sandbox, the real gates, publishing to a real hub."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from plugsmith.builtins import NAMES, builtin_dirs, builtin_spec, builtin_specs, install_builtins, spec_for
from plugsmith.plan import load_plan
from plugsmith.spec import Origin, Status, Tier, load_manifest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _run(plugin: str, plan: dict[str, Any]) -> Any:
    from plugsmith.sandbox import get_sandbox

    sandbox = get_sandbox()
    try:
        outcome = sandbox.run(next(d for d in builtin_dirs() if d.name == plugin), [{"plan_json": plan}])
    finally:
        sandbox.close()
    assert outcome.completed, outcome.reason
    return outcome.runs[0]


def test_specs_match_the_plugin_directories() -> None:
    assert [s.name for s in builtin_specs()] == ["cost_estimation", "labour_cost", "critical_path",
                                                 "risk_matrix", "resource_load", "budget_check",
                                                 "pert_schedule", "schedule_simulation", "resource_demand"]
    for directory in builtin_dirs():
        manifest = load_manifest(directory)
        spec = builtin_spec(manifest.capability)
        assert manifest.origin == Origin.builtin
        assert set(spec.outputs) == set(manifest.outputs)
        assert len(spec.cases) >= 3, f"{directory.name} needs at least three golden cases"
        assert (directory / "README.md").read_text().startswith(f"# {manifest.name}")


@pytest.mark.parametrize("name", NAMES)
def test_golden_cases_pass_in_the_real_sandbox(name: str) -> None:
    from plugsmith.gates import run_cases

    directory = next(d for d in builtin_dirs() if d.name == name)
    checks = run_cases(directory, spec_for(directory).cases)
    failed = [(c.name, c.diff, c.error) for c in checks if not c.passed]
    assert checks and not failed, failed


def test_schedule_of_the_renovation_example() -> None:
    """Critical path derived by hand from examples/renovation.json (durations in days)."""
    plan = load_plan(EXAMPLES / "renovation.json").model_dump(mode="json")
    run = _run("core_schedule", plan)
    assert run.ok, run.error
    schedule = run.output["schedule"]
    assert schedule["project_duration_days"] == 47.0
    assert schedule["critical_path"] == ["survey", "design", "permit", "stripout", "plumbing", "inspection",
                                         "plaster", "tiling", "fit", "decorate", "handover"]
    assert schedule["tasks"]["electrics"]["slack"] == 1.0
    assert schedule["tasks"]["order"]["slack"] == 9.0
    assert schedule["tasks"]["handover"]["finish_date"] == "2026-04-18"


def test_budget_check_of_the_renovation_example() -> None:
    """Direct costs 21,530 + labour 19,040 = 40,570 against a budget of 48,000 (summed by hand)."""
    plan = load_plan(EXAMPLES / "renovation.json").model_dump(mode="json")
    run = _run("core_budget_check", plan)
    assert run.ok, run.error
    assert run.output["budget_check"] == {"currency": "EUR", "total": 40570.0, "budget": 48000.0,
                                          "variance": 7430.0, "variance_pct": 15.48, "status": "under"}


def test_schedule_plugin_refuses_a_cycle_with_a_clear_error() -> None:
    plan = {"title": "t", "tasks": [{"id": "a", "depends_on": ["b"], "duration_days": 1},
                                    {"id": "b", "depends_on": ["a"], "duration_days": 1}]}
    run = _run("core_schedule", plan)
    assert not run.ok
    assert "cycle" in (run.error or "")


@pytest.mark.slow
def test_install_builtins_passes_the_gates_and_is_idempotent() -> None:
    from plugsmith.hub import Hub

    hub = Hub.open()
    try:
        first = install_builtins(hub)
        assert [r.name for r in first] == list(NAMES)
        for release in first:
            assert release.origin == Origin.builtin
            assert release.status == Status.approved
            assert release.tier == Tier.tier0
            assert release.gate_report and release.gate_report["verdict"] == "approved"
        assert {c.name for c in hub.benchmark_cases("critical_path")} == {
            c.name for c in builtin_spec("critical_path").cases}
        again = install_builtins(hub)
        assert [(r.plugin_id, r.version, r.checksum) for r in again] == [
            (r.plugin_id, r.version, r.checksum) for r in first]
        assert all(len(hub.versions(name)) == 1 for name in NAMES)
        assert hub.lookup("cost_estimation")[0].name == "core_cost_rollup"
    finally:
        hub.close()
