"""Loading and validating plan documents (JSON, YAML, or a PlanExe run directory).

Every error is a ``PlanError`` (exit 2) whose message starts with the JSON pointer of the offending
field, e.g. ``/tasks/3/duration_days: Input should be greater than or equal to 0``.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from plugsmith.errors import BadInput, NotFound, PlanError
from plugsmith.plan._graph import check_acyclic, check_ids
from plugsmith.plan._specs import parse_spec_cached
from plugsmith.spec import Plan, format_validation_error, load_spec, read_document

_YAML = {".yaml", ".yml"}
SPEC_SUFFIXES = (".json", ".yaml", ".yml")


def load_plan(path: Path) -> Plan:
    """Load a plan from a JSON/YAML file, or import a PlanExe run directory.

    A directory goes to ``plugsmith.planexe.import_planexe`` (imported lazily: it is optional and
    heavier), and the imported plan is validated like any other.
    """
    path = Path(path)
    if path.is_dir():
        try:
            from plugsmith.planexe import import_planexe
        except ModuleNotFoundError:
            raise PlanError("PlanExe import is not available in this installation", subject=str(path),
                            hint="give a plan JSON/YAML file instead") from None
        plan = import_planexe(path)
        return validate_plan(plan.model_dump(mode="json"), str(path))
    if not path.is_file():
        raise NotFound("plan file not found", subject=str(path), hint="check the path")
    return validate_plan(_inline_spec_files(_parse(path), path), str(path))


def _is_spec_path(item: Any) -> bool:
    return isinstance(item, str) and (item.endswith(SPEC_SUFFIXES) or "/" in item)


def _inline_spec_files(data: Any, path: Path) -> Any:
    """Replace ``requires`` entries that are spec file paths (relative to the plan) by the specs.

    A plan can then share one spec file with other plans (``"requires": ["specs/cost_per_owner.json"]``)
    while the run directory keeps a self-contained copy of the plan.
    """
    if not isinstance(data, dict) or not isinstance(data.get("requires"), list):
        return data
    requires = list(data["requires"])
    for i, item in enumerate(requires):
        if not _is_spec_path(item):
            continue
        spec_path = (path.parent / item).resolve()
        if not spec_path.is_file():
            raise PlanError(f"/requires/{i}: spec file {item!r} not found", subject=str(path),
                            hint="paths in 'requires' are relative to the plan file")
        try:
            requires[i] = load_spec(spec_path).model_dump(mode="json")
        except BadInput as exc:
            raise PlanError(f"/requires/{i}: {exc.one_line()}", subject=str(path)) from None
    return {**data, "requires": requires}


def _parse(path: Path) -> Any:
    """The parsed file; not UTF-8, not JSON/YAML or nested absurdly deep is a one-line PlanError."""
    return read_document(path, "plan")


def validate_plan(data: Any, source: str) -> Plan:
    """Validate parsed plan data: the model, dates, unique ids, dependencies and inline ``requires``."""
    if not isinstance(data, dict):
        raise PlanError("/: a plan must be a JSON object with at least a title", subject=source,
                        hint="see `plugsmith schema plan`")
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        raise PlanError(format_validation_error(exc), subject=source,
                        hint="see `plugsmith schema plan` for the expected shape") from None
    _check_dates(plan, source)
    check_ids(plan.tasks, source)
    check_acyclic(plan.tasks, source)
    _check_requires(plan, source)
    return plan


def _check_dates(plan: Plan, source: str) -> None:
    where = [("/start", plan.start)] + [(f"/tasks/{i}/start", t.start) for i, t in enumerate(plan.tasks)]
    for pointer, value in where:
        if value is None:
            continue
        try:
            _dt.date.fromisoformat(value)
        except ValueError:
            raise PlanError(f"{pointer}: {value!r} is not an ISO date (YYYY-MM-DD)", subject=source) from None


def _check_requires(plan: Plan, source: str) -> None:
    for i, item in enumerate(plan.requires):
        if isinstance(item, str):
            continue
        if not isinstance(item, dict):
            raise PlanError(f"/requires/{i}: must be a capability name or an inline capability spec",
                            subject=source)
        try:
            parse_spec_cached(item)
        except ValidationError as exc:
            raise PlanError(f"/requires/{i}" + format_validation_error(exc), subject=source,
                            hint="see `plugsmith schema spec`") from None


__all__ = ["load_plan", "validate_plan"]
