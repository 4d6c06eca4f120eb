"""``import_planexe``: a PlanExe run directory (or its WBS files) → a plugsmith ``Plan``.

Leaves of the WBS become tasks; every other node below the project becomes a phase (with its parent),
so nothing of the hierarchy is lost. Phase-level estimates, delay risks and dependency explanations go
to ``plan.meta["planexe"]["phases"]``; the import report to ``plan.meta["import_report"]``. The output
depends only on the input files: same files, same plan.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import json
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from plugsmith.errors import PlanError
from plugsmith.planexe._mapping import (
    DAY_FIELDS,
    Allotment,
    allot_durations,
    resolve_dependencies,
    risk_register,
)
from plugsmith.planexe._report import ImportReport
from plugsmith.planexe._sources import Sources, collect
from plugsmith.planexe._wbs import (
    WbsNode,
    add_dependencies,
    add_durations,
    add_level3,
    drop_duplicates,
    name_unnamed,
    prune_too_deep,
    tree_from_levels,
    tree_from_project,
)
from plugsmith.spec import Phase, Plan, Resource, Risk, Task

log = logging.getLogger(__name__)

_KNOWN_FIELDS = {"depends_on_task_ids", "depends_on_task_explanations", "delay_risks", "mitigation_strategy",
                 "resources_needed", "detailed_description", "final_deliverable", *DAY_FIELDS}


def import_planexe(path: Path | Sequence[Path]) -> Plan:
    """Import a PlanExe plan; the import report is kept in ``plan.meta["import_report"]`` and logged."""
    plan, report = import_planexe_with_report(path)
    for line in report.lines()[1:]:
        log.info("%s", line.strip())
    return plan


def import_planexe_with_report(path: Path | Sequence[Path]) -> tuple[Plan, ImportReport]:
    """Import a PlanExe plan and return the report of what could not be mapped beside it.

    ``path`` is a run directory, a whole-tree file (``wbs_project.json``,
    ``023-3-wbs_project_level1_and_level2_and_level3.json``) or the separate level-1/2/3, dependency,
    duration (and risk register) files.
    """
    source = str(path) if isinstance(path, str | Path) else ", ".join(str(p) for p in path)
    report = ImportReport(source=source)
    found = collect(path, report)
    root = build_tree(found, report)
    report.files = {role: file.name for role, file in sorted(found.files.items())}
    report.ignored_files = sorted(found.ignored)
    plan = _assemble(root, found, report)
    return plan, report


def build_tree(found: Sources, report: ImportReport) -> WbsNode:
    """The WBS tree with everything known about each node, whatever combination of files is present.

    The tree comes from the best file there is: the whole tree (023-3), else level 1 + 2 as one file
    (019), else the level-1 and level-2 files. Level-3 tasks, dependencies (021) and estimates (022-2)
    are then added to each node the tree says nothing about: in a current run directory the whole-tree
    file is the tree *only*, and durations and dependencies live in their own files.
    """
    with _named(found):
        root, base = _base_tree(found, report)
    if not root.children:
        tree_file = found.files["level2" if base == "levels" else base]
        raise PlanError("the work breakdown structure has no phases or tasks below the project",
                        subject=str(tree_file), hint="re-run the PlanExe step that writes it (WBS level 2)")
    drop_duplicates(root, report)
    used = {"project": (), "project12": (), "levels": ("level1", "level2")}[base]
    for role in ("project12", "level1", "level2"):
        if role in found.files and role != base and role not in used:
            report.add("note", found.files[role].name, "already part of the WBS tree; not read")
            found.ignored.append(found.files.pop(role).name)
            found.data.pop(role)
    whole = found.files["project"].name if base == "project" else None
    steps = (("level3", functools.partial(add_level3, whole_tree=whole)), ("dependencies", add_dependencies),
             ("durations", add_durations))
    for role, add in steps:
        if role in found.data:
            with _named(found):
                add(root, found.data[role], found.files[role].name, report)
        if role == "level3":
            prune_too_deep(root, report)
    _report_missing(root, found, report)
    name_unnamed(root, report)
    return root


@contextlib.contextmanager
def _named(found: Sources) -> Iterator[None]:
    """A file of the wrong shape is named by its path in the error (findings name it by its file name)."""
    try:
        yield
    except PlanError as exc:
        paths = {file.name: file for file in found.files.values()}
        if exc.subject in paths:
            exc.subject = str(paths[exc.subject])
            exc.hint = exc.hint or "re-run the PlanExe step that writes it, or remove the file"
        raise


def _base_tree(found: Sources, report: ImportReport) -> tuple[WbsNode, str]:
    if "project" in found.data:
        return tree_from_project(found.data["project"], found.files["project"].name, report), "project"
    if "project12" in found.data:
        return tree_from_project(found.data["project12"], found.files["project12"].name, report), "project12"
    if "level1" in found.data and "level2" in found.data:
        return tree_from_levels(found.data["level1"], found.data["level2"], found.files["level1"].name,
                                found.files["level2"].name, report), "levels"
    if found.runs_below:  # an unpacked run archive: the run directory is one level down
        below = ", ".join(str(Path(report.source) / name) for name in found.runs_below[:3])
        raise PlanError("no PlanExe work breakdown structure here, but in a directory below it",
                        subject=report.source, hint=f"give the run directory itself: {below}")
    raise PlanError("no PlanExe work breakdown structure found", subject=report.source,
                    hint="expected 023-3-wbs_project_level1_and_level2_and_level3.json, "
                    "wbs_project.json, or WBS level 1 and level 2 files (with level 3, dependency and "
                    "duration files)")


# role -> (what the plan loses without it, PlanExe's file name)
_NEEDED = {"durations": ("no duration estimates: every task gets PlanExe's minimum of 1 day",
                         "022-2-task_durations.json"),
           "dependencies": ("no dependencies: every task can start on day 0",
                            "021-task_dependencies_raw.json")}


def _report_missing(root: WbsNode, found: Sources, report: ImportReport) -> None:
    """Say which of the files a schedule needs are absent (and not made up for by the tree)."""
    has = {"durations": any("days_realistic" in n.fields for n in root.walk()),
           "dependencies": any("depends_on_task_ids" in n.fields for n in root.walk())}
    for role, (why, name) in _NEEDED.items():
        if not has[role]:
            entries = found.data.get(role)
            if isinstance(entries, dict):
                entries = entries.get("task_dependency_details")
            state = ("is missing" if role not in found.files else
                     f"has no entry for any task of this WBS (its {len(entries)} entries name other ids: "
                     "a file of another run, or of an earlier tree?)" if entries else "has no entries")
            report.add("unmapped", found.files[role].name if role in found.files else name,
                       f"{state}; {why}", "missing_file")
    if not any(n.depth >= 3 for n in root.walk()) and "level3" not in found.files:
        report.add("note", "023-2-wbs_level3.json", "is missing; tasks are PlanExe's level-2 subtasks, not "
                   "their decomposition", "missing_optional")
    if "risks" not in found.files:
        report.add("note", "003-1-identify_risks_raw.json", "is missing; the plan has no risk register",
                   "missing_optional")
    if found.directory and "start" not in found.files:  # PlanExe before August 2025 wrote no start time
        report.add("note", "001-1-start_time.json", "is missing; the schedule counts days from day 0 instead "
                   "of dates", "missing_optional")


def _assemble(root: WbsNode, found: Sources, report: ImportReport) -> Plan:
    title = _title(found, report) or root.title
    if not title:
        report.add("unmapped", root.id, "the project has no title; 'PlanExe plan' used")
    durations = allot_durations(root, report)
    edges = resolve_dependencies(root, report)
    tasks = [_task(leaf, root, durations[leaf.id], edges.depends_on[leaf.id], edges.notes.get(leaf.id, []),
                   report)
             for leaf in root.leaves() if leaf is not root]
    phases = [Phase(id=n.id, name=n.title, parent=_parent_id(n, root))
              for n in root.walk() if n.children and n is not root]
    risks: list[Risk] = []
    planexe: dict[str, Any] = {"root_id": root.id, "phases": _phase_meta(root)}
    if "risks" in found.data:
        risks, planexe["risk_register"] = risk_register(found.data["risks"], found.files["risks"].name,
                                                        report)
    if "prompt" in found.data:
        planexe["prompt"] = found.data["prompt"].strip()
    start = _start(found, report)
    # PlanExe's own Gantt chart runs every node's children one after another and does not read 021, so it
    # spans the sum of all task days; kept so the report can say why its date differs from ours
    planexe["sequential_days"] = sum(t.duration_days for t in tasks)
    report.name_subjects({n.id: n.title for n in root.walk() if n.title})
    # every finding is in the report by now: it goes into meta complete
    meta = {"source": "planexe", "planexe": planexe, "import_report": report.to_dict()}
    return Plan(title=title or "PlanExe plan", goal=str(root.fields.get("final_deliverable") or ""),
                start=start, tasks=tasks, phases=phases, risks=risks, meta=meta)


def _title(found: Sources, report: ImportReport) -> str:
    """``018-3-wbs_level1_project_title.json``: PlanExe writes the bare title (a JSON string also works)."""
    raw = str(found.data.get("title") or "").strip()
    if raw.startswith('"'):
        try:
            raw = str(json.loads(raw)).strip()
        except json.JSONDecodeError:
            report.add("unmapped", found.files["title"].name, "not a title; the WBS project's own used")
            return ""
    return " ".join(raw.split())[:300]


def _start(found: Sources, report: ImportReport) -> str | None:
    """The plan's start date: the day PlanExe's pipeline started (``001-1-start_time.json``)."""
    if "start" not in found.data:
        return None
    raw = found.data["start"].get("server_iso_utc") if isinstance(found.data["start"], dict) else None
    try:
        return _dt.datetime.fromisoformat(str(raw).replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        report.add("unmapped", f"{found.files['start'].name}/server_iso_utc",
                   f"{raw!r} is not an ISO timestamp; the plan has no start date")
        return None


def _parent_id(node: WbsNode, root: WbsNode) -> str | None:
    return node.parent.id if node.parent is not None and node.parent is not root else None


def _task(leaf: WbsNode, root: WbsNode, allot: Allotment, depends_on: list[str], notes: list[dict[str, str]],
          report: ImportReport) -> Task:
    attributes: dict[str, Any] = {"wbs_depth": leaf.depth, "duration_source": allot.source}
    if leaf.fields.get("detailed_description"):
        attributes["description"] = leaf.fields["detailed_description"]
    if notes:
        attributes["dependency_notes"] = notes
    extra = {k: v for k, v in leaf.fields.items() if k not in _KNOWN_FIELDS}
    if extra:
        attributes["planexe_fields"] = extra
    risk = None
    if leaf.fields.get("delay_risks") or leaf.fields.get("mitigation_strategy"):
        risk = Risk(description=str(leaf.fields.get("delay_risks") or ""),
                    mitigation=str(leaf.fields.get("mitigation_strategy") or ""))
    return Task(id=leaf.id, name=leaf.title, phase=_parent_id(leaf, root),
                duration_days=allot.days["days_realistic"] or 1.0, days_min=allot.days["days_min"],
                days_max=allot.days["days_max"], depends_on=depends_on,
                resources=_resources(leaf, report), risk=risk, attributes=attributes)


def _resources(leaf: WbsNode, report: ImportReport) -> list[Resource]:
    raw = leaf.fields.get("resources_needed")
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for item in items:
        if isinstance(item, str) and item.strip():
            out.append(Resource(role=item.strip()))
        else:
            report.add("unmapped", leaf.id, f"resource {item!r} is not a name; skipped")
    return out


def _phase_meta(root: WbsNode) -> dict[str, dict[str, Any]]:
    """What a phase carries that the ``Phase`` model has no field for: estimates, risks, dependencies."""
    meta: dict[str, dict[str, Any]] = {}
    for node in root.walk():
        if not node.children or node is root:
            continue
        kept = {k: v for k, v in node.fields.items() if v not in (None, [], "")}
        if kept:
            meta[node.id] = kept
    return meta


__all__ = ["build_tree", "import_planexe", "import_planexe_with_report"]
