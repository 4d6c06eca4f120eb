"""The built-ins made for PlanExe plans (PERT, Monte Carlo, resource demand) on real plans, in the sandbox.

Their golden cases (``tests/cases.json`` of each plugin) pin exact outputs on small plans; these tests
check what must hold on a real 200-task plan: determinism under a seed, that another seed gives other
draws, the percentile order, bounds every draw must respect, and agreement with the schedule.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from plugsmith.builtins import builtin_dirs
from plugsmith.planexe import import_planexe

SILO = Path(__file__).parent / "data" / "planexe" / "runs" / "20250321_silo"


@pytest.fixture(scope="module")
def silo() -> dict[str, Any]:
    return import_planexe(SILO).model_dump(mode="json")


def run_plugins(name: str, plans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run one built-in on several plans in one sandboxed process; its outputs, in order."""
    from plugsmith.sandbox import get_sandbox

    sandbox = get_sandbox()
    try:
        outcome = sandbox.run(next(d for d in builtin_dirs() if d.name == name),
                              [{"plan_json": p} for p in plans])
    finally:
        sandbox.close()
    assert outcome.completed, outcome.reason
    assert all(r.ok for r in outcome.runs), [r.error for r in outcome.runs]
    return [dict(r.output or {}) for r in outcome.runs]


def longest(plan: dict[str, Any], days: dict[str, float]) -> float:
    by_id = {t["id"]: t for t in plan["tasks"]}
    memo: dict[str, float] = {}

    def end(tid: str) -> float:
        if tid not in memo:
            memo[tid] = max((end(d) for d in by_id[tid]["depends_on"]), default=0.0) + days[tid]
        return memo[tid]

    return max(end(t) for t in by_id)


def test_simulation_is_seeded_bounded_and_ordered(silo: dict[str, Any]) -> None:
    other = copy.deepcopy(silo)
    other["meta"]["simulation"] = {"seed": 7, "iterations": 300}
    same = copy.deepcopy(silo)
    same["meta"]["simulation"] = {"iterations": 300}
    base = copy.deepcopy(same)
    a, b, c = (out["simulation"] for out in run_plugins("core_schedule_simulation", [base, same, other]))
    assert a == b  # the same seed, the same numbers
    assert a["percentiles"] != c["percentiles"] and c["seed"] == 7
    p = a["percentiles"]
    assert a["min"] <= p["p50"] <= p["p80"] <= p["p95"] <= a["max"] and a["iterations"] == 300
    # every draw lies in [days_min, days_max], so every run lies between the all-min and all-max plans
    tasks = silo["tasks"]
    low = {t["id"]: t["days_min"] if t["days_min"] is not None else t["duration_days"] for t in tasks}
    high = {t["id"]: t["days_max"] if t["days_max"] is not None else t["duration_days"] for t in tasks}
    assert longest(silo, low) <= a["min"] and a["max"] <= longest(silo, high)
    assert sum(a["histogram"]["counts"]) == 300
    top = {ph["id"] for ph in silo["phases"] if ph["parent"] is None}
    assert set(a["phase_criticality"]) == {ph["id"] for ph in silo["phases"]}
    assert max(a["phase_criticality"][ph] for ph in top) == 1.0  # some top phase is on every path
    assert all(0 < v <= 1 for v in a["task_criticality"].values())


def test_pert_agrees_with_the_deterministic_schedule_when_ranges_are_symmetric(silo: dict[str, Any]) -> None:
    plan = copy.deepcopy(silo)
    for task in plan["tasks"]:  # symmetric ranges: PERT's expected days equal the realistic ones
        task["days_min"], task["days_max"] = task["duration_days"] * 0.5, task["duration_days"] * 1.5
    symmetric, real = (out["pert"] for out in run_plugins("core_pert_schedule", [plan, silo]))
    assert symmetric["expected_days"] == 931.0  # the longest path of the real plan (expected.jsonl)
    assert symmetric["percentiles"]["p50"] == 931.0 < symmetric["percentiles"]["p80"]
    # every task has a range: the subtask whose estimates were all -1 takes its phase's min/max ratios
    assert real["tasks_with_range"] == 200
    chain = real["critical_path"]
    assert all(real["tasks"][t]["critical"] for t in chain)
    assert real["expected_days"] == pytest.approx(
        sum(real["tasks"][t]["expected_days"] for t in chain), abs=0.05)


def test_resource_demand_counts_every_role_booking(silo: dict[str, Any]) -> None:
    (out,) = run_plugins("core_resource_demand", [silo])
    demand = out["resource_demand"]
    bookings = sum(len({" ".join(r["role"].split()) for r in t["resources"]}) for t in silo["tasks"])
    assert sum(r["tasks"] for r in demand["roles"].values()) == bookings
    assert demand["horizon_days"] == 931.0 and demand["period_days"] == 21  # 931 days in 52 periods or fewer
    assert demand["periods"] == 45 and demand["tasks_without_roles"] == 0
    days = list(demand["roles"].values())
    assert [r["task_days"] for r in days] == sorted((r["task_days"] for r in days), reverse=True)
    for role in days:
        # average load per period times the period, summed, is the role's task-days
        assert sum(role["series"]) * demand["period_days"] == pytest.approx(role["task_days"], abs=0.5)
        assert 1 <= role["peak"] <= role["tasks"]
