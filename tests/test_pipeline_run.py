"""Run-directory rules that need no Luigi: refusing another plan's directory, retrying failed stages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plugsmith.errors import BadInput, ConfigError, PlanError
from plugsmith.pipeline import run_plan_pipeline
from plugsmith.pipeline._files import read_json, stage_files, write_json
from plugsmith.pipeline._run import _prepare

PLAN = {"title": "p", "tasks": [{"id": "a"}]}


def _stage_dir(tmp_path: Path, statuses: dict[str, str]) -> Path:
    write_json(tmp_path / "001-plan.json", {"plan_id": "plan_1"})
    write_json(tmp_path / "002-requirements.json", {"requirements": [{"capability": c} for c in statuses]})
    for i, (cap, status) in enumerate(statuses.items()):
        write_json(tmp_path / f"{6 + i:03d}-{cap}.json", {"status": status})
    n = 6 + len(statuses)
    write_json(tmp_path / f"{n:03d}-report.json", {})
    write_json(tmp_path / f"{n + 1:03d}-metrics.json", {})
    return tmp_path


def test_failed_capabilities_and_the_report_are_dropped_for_a_retry(tmp_path: Path) -> None:
    run_dir = _stage_dir(tmp_path, {"x": "ok", "y": "failed", "z": "ok"})
    _prepare(run_dir, "plan_1")
    assert [p.name for p in stage_files(run_dir)] == ["001-plan.json", "002-requirements.json", "006-x.json",
                                                      "008-z.json"]


def test_a_finished_run_is_left_alone(tmp_path: Path) -> None:
    run_dir = _stage_dir(tmp_path, {"x": "ok"})
    before = [p.name for p in stage_files(run_dir)]
    _prepare(run_dir, "plan_1")
    assert [p.name for p in stage_files(run_dir)] == before == ["001-plan.json", "002-requirements.json",
                                                                "006-x.json", "007-report.json",
                                                                "008-metrics.json"]


def test_a_directory_of_another_plan_is_refused(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(PLAN))
    run_dir = _stage_dir(tmp_path / "run", {"x": "ok"})
    with pytest.raises(BadInput, match="holds a run of a different plan") as err:
        run_plan_pipeline(plan, run_dir)
    assert err.value.exit_code == 2
    assert read_json(run_dir / "001-plan.json") == {"plan_id": "plan_1"}  # nothing touched


def test_bad_input_is_refused_before_any_stage_runs(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({**PLAN, "requires": ["no_such_capability"]}))
    with pytest.raises(PlanError, match="/requires/0: unknown capability"):
        run_plan_pipeline(plan, tmp_path / "out")
    plan.write_text(json.dumps(PLAN))
    with pytest.raises(ConfigError, match="unsupported database URL"):
        run_plan_pipeline(plan, tmp_path / "out", db="mysql://nope")
    assert not (tmp_path / "out").exists()


def test_progress_counts_against_the_real_total_from_the_first_stage(tmp_path: Path) -> None:
    """The first stage file appears before the requirements say how many stages follow: "(1/14)", not
    "(1/?)", because the run passes the total it knows from checking the plan."""
    from plugsmith.pipeline import StageWatcher

    lines: list[str] = []
    watcher = StageWatcher(tmp_path, lines.append, total=14)
    write_json(tmp_path / "001-plan.json", {})
    watcher.poll()
    write_json(tmp_path / "002-requirements.json", {"requirements": [{"capability": "x"}]})
    watcher.poll()
    assert lines == ["stage 001-plan done (1/14)", "stage 002-requirements done (2/14)"]
    unknown: list[str] = []
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    blind = StageWatcher(fresh, unknown.append)  # without a total it can only count what it sees
    write_json(fresh / "001-plan.json", {})
    blind.poll()
    assert unknown == ["stage 001-plan done (1/?)"]
