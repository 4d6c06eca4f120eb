"""Working with PlanExe: import its plans and run directories, and plug into its Luigi pipeline.

    >>> from plugsmith.planexe import import_planexe_with_report
    >>> plan, report = import_planexe_with_report(Path("run/PlanExe_20250216_150332"))  # doctest: +SKIP

``CapabilityTask`` (a Luigi task base class) is imported lazily, so importing a plan does not pay for
Luigi.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plugsmith.planexe._importer import build_tree, import_planexe, import_planexe_with_report
from plugsmith.planexe._mapping import parse_days
from plugsmith.planexe._report import ImportReport, ReportItem

if TYPE_CHECKING:
    from plugsmith.planexe._task import CapabilityTask, PlanExeImportTask

_LAZY = {"CapabilityTask", "PlanExeImportTask"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from plugsmith.planexe import _task

        return getattr(_task, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CapabilityTask",
    "ImportReport",
    "PlanExeImportTask",
    "ReportItem",
    "build_tree",
    "import_planexe",
    "import_planexe_with_report",
    "parse_days",
]
