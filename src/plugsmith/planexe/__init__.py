"""Working with PlanExe: import its plans and run directories, and plug into its Luigi pipeline.

    >>> from plugsmith.planexe import import_planexe_with_report
    >>> plan, report = import_planexe_with_report(Path("run/PlanExe_20250216_150332"))  # doctest: +SKIP

The Luigi tasks — ``CapabilityTask`` and ``PlanExeImportTask`` (stand-alone), ``derive_tasks`` (the same
tasks made from PlanExe's own ``PlanTask``, the drop-in for ``run_plan_pipeline.py``) — are imported
lazily, so importing a plan does not pay for Luigi.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plugsmith.planexe._importer import build_tree, import_planexe, import_planexe_with_report
from plugsmith.planexe._mapping import parse_days
from plugsmith.planexe._report import ImportReport, ReportItem

if TYPE_CHECKING:
    from plugsmith.planexe._host import DerivedTasks, derive_tasks
    from plugsmith.planexe._task import CapabilityMixin, CapabilityTask, PlanExeImportMixin, PlanExeImportTask

_LAZY = {"CapabilityMixin": "_task", "CapabilityTask": "_task", "PlanExeImportMixin": "_task",
         "PlanExeImportTask": "_task", "DerivedTasks": "_host", "derive_tasks": "_host"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"plugsmith.planexe.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CapabilityMixin",
    "CapabilityTask",
    "DerivedTasks",
    "ImportReport",
    "PlanExeImportMixin",
    "PlanExeImportTask",
    "ReportItem",
    "build_tree",
    "derive_tasks",
    "import_planexe",
    "import_planexe_with_report",
    "parse_days",
]
