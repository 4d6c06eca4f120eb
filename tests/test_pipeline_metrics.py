"""Aggregated metrics across runs: reuse lift, recovery, gate pass rate, coverage per plan kind."""

from __future__ import annotations

from typing import Any

from plugsmith.pipeline import aggregate


def _run(kind: str, required: int, synthesized: int, *, failed: int = 0, missing: int = 0, recovered: int = 0,
         tried: int = 0, tasks: int = 10, covered: int = 10, times: dict[str, float] | None = None,
         previous: int = 0) -> dict[str, Any]:
    return {"run_id": f"r{id(times)}{kind}{required}{synthesized}", "plan_kind": kind,
            "capabilities_required": required, "resolved_from_hub": required - synthesized - failed,
            "synthesized": synthesized, "failed": failed, "missing_capability_failures": missing,
            "recovered": recovered, "candidates_tried": tried, "candidates_approved": synthesized,
            "time_to_add_capability_s": times or {}, "met_without_synthesis": required - synthesized - failed,
            "reuse": {"previously_synthesized": previous}, "tasks": tasks, "tasks_covered": covered}


def test_reuse_lift_is_the_share_of_later_requirements_met_without_synthesis() -> None:
    runs = [_run("renovation", 8, 2, missing=2, recovered=2, tried=3, times={"a": 2.0, "b": 1.0}),
            _run("event", 8, 0, previous=2),
            _run("launch", 7, 1, missing=2, recovered=1, failed=1, tried=1, times={"c": 4.0}, covered=5)]
    totals = aggregate(runs)
    assert totals["runs"] == 3
    assert totals["reuse_lift"] == round((8 + 5) / (8 + 7), 4)
    assert totals["first_run_met_without_synthesis"] == 0.75
    assert totals["recovery_rate"] == 0.75  # 3 of 4 missing-capability failures recovered
    assert totals["gate_pass_rate"] == 0.75  # 3 approved of 4 candidates
    assert totals["time_to_add_capability_s"] == {"count": 3, "mean": round(7 / 3, 4), "max": 4.0}
    assert totals["previously_synthesized_reused"] == 2
    assert totals["task_coverage_by_plan_kind"]["launch"] == {"runs": 1, "tasks": 10, "tasks_covered": 5,
                                                              "coverage": 0.5}


def test_no_runs_gives_empty_rates_not_errors() -> None:
    totals = aggregate([])
    assert totals["runs"] == 0
    assert totals["reuse_lift"] is None and totals["recovery_rate"] is None
    assert totals["first_run_met_without_synthesis"] is None


def test_a_single_run_has_no_later_plans() -> None:
    assert aggregate([_run("x", 5, 1)])["reuse_lift"] is None
