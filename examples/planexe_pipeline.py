"""A PlanExe-style Luigi pipeline that computes capabilities with plugsmith.

Like PlanExe's ``run_plan_pipeline.py``: every task shares ``run_id_dir`` (from ``RUN_ID_DIR``), writes
numbered JSON and Markdown files into it, and a finished task is skipped when the pipeline is resumed.
The pipeline imports PlanExe's solar-farm sample (``PLANEXE_SOURCE`` points elsewhere, e.g. at a real
PlanExe run directory) and runs three capability tasks:

- ``critical_path`` and ``resource_demand`` (tasks needing each role at once, over time): built-in
  plugins, found in the hub;
- ``tasks_per_phase``: built into nothing — the first run synthesizes it from the examples below (the
  offline ``enumerate`` strategy), gates it, publishes it to the hub; later runs reuse it.

    RUN_ID_DIR=/tmp/solar python examples/planexe_pipeline.py

Files written: ``1000-plugsmith_plan.json`` (+ import report), ``1001-critical_path.json/.md``,
``1001-resource_demand.json/.md``, ``1001-tasks_per_phase.json/.md`` (four-digit numbers: PlanExe's own
files have three, so they never collide). Inside PlanExe's real ``run_plan_pipeline.py`` use
``plugsmith.planexe.derive_tasks(PlanTask, …)`` instead (see docs/planexe.md).
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import luigi

from plugsmith.planexe import CapabilityTask, PlanExeImportTask
from plugsmith.spec import CapabilitySpec

SAMPLE = Path(__file__).resolve().parents[1] / "tests" / "data" / "planexe" / "solarfarm"
SOURCE = Path(os.environ.get("PLANEXE_SOURCE") or SAMPLE)


def _plan(*tasks: tuple[str, str]) -> dict[str, Any]:
    return {"title": "example", "tasks": [{"id": tid, "phase": phase} for tid, phase in tasks]}


# The spec in the seed's form: ports, constraints and golden cases (the synthesizer learns from these).
TASKS_PER_PHASE = CapabilitySpec.model_validate({
    "name": "tasks_per_phase",
    "description": "Number of tasks in each phase (tasks grouped by their phase id).",
    "inputs": ["plan_json"],
    "outputs": {"tasks_per_phase": {"type": "object", "additionalProperties": {"type": "integer"}}},
    "constraints": ["deterministic", "schema_validated"],
    "tests": [
        {"name": "two_phases", "input": {"plan_json": _plan(("a", "p1"), ("b", "p1"), ("c", "p2"))},
         "expected": {"tasks_per_phase": {"p1": 2, "p2": 1}}},
        {"name": "one_phase", "input": {"plan_json": _plan(("x", "build"))},
         "expected": {"tasks_per_phase": {"build": 1}}},
        {"name": "no_tasks", "input": {"plan_json": _plan()}, "expected": {"tasks_per_phase": {}}},
        {"name": "interleaved", "input": {"plan_json": _plan(("a", "q"), ("b", "r"), ("c", "q"), ("d", "s"),
                                                             ("e", "q"))},
         "expected": {"tasks_per_phase": {"q": 3, "r": 1, "s": 1}}},
    ],
})


class ImportPlan(PlanExeImportTask):
    """PlanExe's plan as plugsmith's ``plan_json`` (``1000-plugsmith_plan.json``)."""

    source = luigi.OptionalPathParameter(default=str(SOURCE))


class Schedule(CapabilityTask):
    capability = "critical_path"
    upstream = (ImportPlan,)


class ResourceDemand(CapabilityTask):
    capability = "resource_demand"
    upstream = (ImportPlan,)


class TasksPerPhase(CapabilityTask):
    capability = TASKS_PER_PHASE
    upstream = (ImportPlan,)


class FullPlan(luigi.WrapperTask):
    """The end of the pipeline: everything above."""

    run_id_dir = luigi.PathParameter()

    def requires(self) -> list[luigi.Task]:
        return [cls(run_id_dir=self.run_id_dir) for cls in (Schedule, ResourceDemand, TasksPerPhase)]


def main() -> int:
    run_dir = Path(os.environ.get("RUN_ID_DIR") or Path("run") / datetime.now().strftime("%Y%m%d_%H%M%S"))
    run_dir.mkdir(parents=True, exist_ok=True)
    ok = luigi.build([FullPlan(run_id_dir=run_dir)], local_scheduler=True, workers=1)
    print(f"{'done' if ok else 'FAILED'}: {run_dir}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
