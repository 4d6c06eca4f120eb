"""PlanExe's work breakdown structure as a tree, built from either of the forms PlanExe writes.

PlanExe keeps a plan as a WBS tree (``WBSProject``): the root is the project (level 1), its children are
the major phases, their children the subtasks (both written in the level-2 file), and level 3 decomposes
subtasks further. Extra data — dependencies, duration estimates, delay risks, resources — sits in each
node's ``extra_fields``. We rebuild that tree from the whole-tree file or from the separate level,
dependency and duration files, recording anything we cannot place in the ``ImportReport``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from plugsmith.errors import PlanError
from plugsmith.planexe._report import ImportReport


@dataclass
class WbsNode:
    """One WBS node: PlanExe's ``WBSTask`` (id, description, extra_fields, task_children)."""

    id: str
    title: str
    fields: dict[str, Any] = field(default_factory=dict)
    children: list[WbsNode] = field(default_factory=list)
    parent: WbsNode | None = field(default=None, repr=False)

    def add(self, child: WbsNode) -> WbsNode:
        child.parent = self
        self.children.append(child)
        return child

    def walk(self) -> Iterator[WbsNode]:
        """This node and every descendant, depth first in document order."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def leaves(self) -> list[WbsNode]:
        return [n for n in self.walk() if not n.children]

    def ancestors(self) -> Iterator[WbsNode]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    @property
    def depth(self) -> int:
        return sum(1 for _ in self.ancestors())


def near_miss(ident: Any, index: dict[str, WbsNode]) -> str:
    """`` (did you mean <id>, "<name>"?)`` when an unknown id is one typo away from exactly one id in
    the tree (an LLM dropped or swapped a character); else ``""``. Only said, never applied."""
    if not isinstance(ident, str) or len(ident) < 8:
        return ""
    # A close match (ratio >= 0.9: at most three edits in a UUID's 36 characters) keeps at least one of
    # the id's dash-separated blocks intact, so only ids sharing one are compared: a stale 022-2 of 600
    # ids against a 2600-node tree took 7 s with the full comparison, well under 1 s this way.
    blocks = [b for b in ident.split("-") if len(b) >= 4]
    pool = [k for k in index if any(b in k for b in blocks)] if len(blocks) >= 2 else list(index)
    close = difflib.get_close_matches(ident, pool, n=2, cutoff=0.9)
    if len(close) != 1:
        return ""
    return f' (did you mean {close[0]}, "{index[close[0]].title}"?)'


def _text(raw: Any) -> str:
    """A name as PlanExe writes it (a string); a number is taken as text, anything else is no name."""
    if isinstance(raw, str):
        return raw if raw.strip() else ""
    return str(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else ""


UNNAMED = "(unnamed)"


def name_unnamed(root: WbsNode, report: ImportReport) -> None:
    """Every task and phase gets a name a reader can see: one without a name in PlanExe's files is
    ``(unnamed)``, and the report says which (by id)."""
    for node in root.walk():
        if node is not root and not node.title:
            node.title = UNNAMED
            report.add("note", node.id, "has no name in the WBS files; shown as '(unnamed)'", "no_name")


def _id_of(raw: Any) -> str | None:
    return raw.strip() if isinstance(raw, str) and raw.strip() else None


def tree_from_project(data: Any, source: str, report: ImportReport) -> WbsNode:
    """The whole tree (``wbs_project.json`` / ``023-3-wbs_project_level1_and_level2_and_level3.json``)."""
    if not isinstance(data, dict) or not isinstance(data.get("wbs_project"), dict):
        raise PlanError("not a PlanExe WBS project: expected an object with 'wbs_project'", subject=source)
    root = _node_from_dict(data["wbs_project"], "/wbs_project", source, report)
    if root is None:
        raise PlanError("/wbs_project: the project root has no id", subject=source)
    return root


def _node_from_dict(raw: Any, pointer: str, source: str, report: ImportReport) -> WbsNode | None:
    """The node at ``pointer`` and everything under it, in document order (a walk, not a recursion: a
    file nested deeper than Python's stack must not crash the import)."""
    top = WbsNode("", "")
    stack: list[tuple[Any, str, WbsNode]] = [(raw, pointer, top)]
    while stack:
        here, where, parent = stack.pop()
        node_id = _id_of(here.get("id")) if isinstance(here, dict) else None
        if node_id is None or not isinstance(here, dict):
            report.add("unmapped", f"{source}{where}", "WBS node without an id; it and its subtasks skipped",
                       "skipped")
            continue
        extra = here.get("extra_fields")
        node = parent.add(WbsNode(node_id, _text(here.get("description")),
                                  dict(extra) if isinstance(extra, dict) else {}))
        children = here.get("task_children") or []
        if not isinstance(children, list):
            report.add("unmapped", f"{source}{where}/task_children", "not a list; subtasks skipped",
                       "skipped")
            children = []
        for i in reversed(range(len(children))):
            stack.append((children[i], f"{where}/task_children/{i}", node))
    if not top.children:
        return None
    root = top.children[0]
    root.parent = None
    return root


# PlanExe's schedule stops on a tree deeper than this (its HierarchyEstimatorWBS: "Depth limit reached");
# its own trees are 3 or 4 levels deep
MAX_DEPTH = 10


def prune_too_deep(root: WbsNode, report: ImportReport) -> None:
    """Leave out what lies deeper than ``MAX_DEPTH`` below the project, each cut subtree reported."""
    for node in list(root.walk()):
        if node.children and node.depth == MAX_DEPTH:
            for child in node.children:
                under = sum(1 for _ in child.walk())
                report.add("unmapped", child.id, f"{child.title!r} is deeper than {MAX_DEPTH} levels below "
                           "the project (PlanExe's own schedule stops there); skipped with the "
                           f"{under - 1} tasks under it", "skipped")
            node.children = []


def tree_from_levels(level1: Any, level2: Any, source1: str, source2: str, report: ImportReport) -> WbsNode:
    """Level 1 (the project) and level 2 (major phases with their subtasks), as ``WBSPopulate`` does."""
    if not isinstance(level1, dict) or _id_of(level1.get("id")) is None:
        raise PlanError("not a PlanExe WBS level 1: expected an object with 'id' and 'project_title'",
                        subject=source1)
    root = WbsNode(str(_id_of(level1["id"])), _text(level1.get("project_title")))
    if level1.get("final_deliverable"):
        root.fields["final_deliverable"] = level1["final_deliverable"]
    if not isinstance(level2, list):
        raise PlanError("not a PlanExe WBS level 2: expected a list of major phases", subject=source2)
    for i, phase in enumerate(level2):
        phase_id = _id_of(phase.get("id")) if isinstance(phase, dict) else None
        if phase_id is None:
            report.add("unmapped", f"{source2}/{i}", "major phase without an id; skipped with its subtasks",
                       "skipped")
            continue
        node = root.add(WbsNode(phase_id, _text(phase.get("major_phase_title"))))
        subtasks = phase.get("subtasks") or []
        if not isinstance(subtasks, list):
            report.add("unmapped", f"{source2}/{i}/subtasks", "not a list; subtasks skipped", "skipped")
            subtasks = []
        for j, sub in enumerate(subtasks):
            sub_id = _id_of(sub.get("id")) if isinstance(sub, dict) else None
            if sub_id is None:
                report.add("unmapped", f"{source2}/{i}/subtasks/{j}", "subtask without an id; skipped",
                           "skipped")
                continue
            node.add(WbsNode(sub_id, _text(sub.get("description"))))
    return root


def add_level3(root: WbsNode, level3: Any, source: str, report: ImportReport, *,
               whole_tree: str | None = None) -> None:
    """Decomposed tasks (``023-2-wbs_level3.json``): each names its ``parent_id``.

    ``whole_tree``: the name of the whole-tree file the tree came from. PlanExe builds that file from
    level 1 + 2 and this one, and its schedule reads only the whole tree, so a task here goes only under
    a node that has no subtasks there: one the tree left out (a stale tree, or an id PlanExe's
    ``WBSPopulate`` refused) is said, not added.
    """
    if not isinstance(level3, list):
        raise PlanError("not a PlanExe WBS level 3: expected a list of tasks", subject=source)
    index = {n.id: n for n in root.walk()}
    closed = {n.id for n in root.walk() if n.children} if whole_tree else set()
    left_out: list[str] = []
    for i, raw in enumerate(level3):
        task_id = _id_of(raw.get("id")) if isinstance(raw, dict) else None
        if task_id is None or not isinstance(raw, dict):
            report.add("unmapped", f"{source}/{i}", "level-3 task without an id; skipped", "skipped")
            continue
        parent = index.get(_id_of(raw.get("parent_id")) or "")
        if parent is None:
            report.add("unmapped", task_id, f"level-3 task's parent_id {raw.get('parent_id')!r} is not in "
                       "the WBS; task skipped (as PlanExe does)", "unknown_id")
            continue
        if task_id in index:
            if index[task_id].parent is not parent:  # the same task already in the tree is no news
                report.add("unmapped", task_id, "duplicate task id in level 3; later copy skipped",
                           "duplicate_id")
            continue
        if parent.id in closed:
            left_out.append(_text(raw.get("name")) or task_id)
            continue
        node = parent.add(WbsNode(task_id, _text(raw.get("name")) or _text(raw.get("description"))))
        if raw.get("description"):
            node.fields["detailed_description"] = raw["description"]
        if raw.get("resources_needed") is not None:
            node.fields["resources_needed"] = raw["resources_needed"]
        index[task_id] = node
    if left_out:
        shown = ", ".join(repr(n) for n in left_out[:3]) + (f" and {len(left_out) - 3} more"
                                                           if len(left_out) > 3 else "")
        report.add("unmapped", source, f"holds {len(left_out)} tasks that {whole_tree} does not ({shown}); "
                   "PlanExe's schedule reads the whole tree, so they are not used", "ambiguous_file")


def add_dependencies(root: WbsNode, data: Any, source: str, report: ImportReport) -> int:
    """``021-task_dependencies_raw.json`` onto the nodes whose tree entry has no dependencies.

    Entries for the same task are merged, not overwritten: older PlanExe versions write one entry per
    dependency (the solar-farm sample lists "Design Solar Farm Layout" twice), so replacing would drop
    real constraints. Returns how many nodes got dependencies from this file.
    """
    if not isinstance(data, dict) or not isinstance(data.get("task_dependency_details"), list):
        raise PlanError("/task_dependency_details: not a PlanExe task dependency file (expected a list "
                        "under 'task_dependency_details')", subject=source)
    index = {n.id: n for n in root.walk()}
    from_tree = {n.id for n in root.walk() if "depends_on_task_ids" in n.fields}
    done: set[str] = set()
    for i, raw in enumerate(data["task_dependency_details"]):
        node = index.get(_id_of(raw.get("dependent_task_id")) or "") if isinstance(raw, dict) else None
        if node is None or not isinstance(raw, dict):
            what = raw.get("dependent_task_id") if isinstance(raw, dict) else raw
            report.add("unmapped", f"{source}/task_dependency_details/{i}",
                       f"dependent_task_id {what!r} is not in the WBS{near_miss(what, index)}; dependency "
                       "skipped", "unknown_id")
            continue
        if node.id in from_tree:
            continue
        if node.id in done:
            report.add("note", node.id, f"listed again at {source}/task_dependency_details/{i}; the "
                       "dependencies of every entry are used", "duplicate")
        ids = node.fields.setdefault("depends_on_task_ids", [])
        why = node.fields.setdefault("depends_on_task_explanations", [])
        new_ids = raw.get("depends_on_task_id_list") or []
        new_ids = new_ids if isinstance(new_ids, list) else [new_ids]
        new_why = raw.get("depends_on_task_explanation_list") or []
        new_why = new_why if isinstance(new_why, list) else [new_why]
        if len(new_why) == 1 and len(new_ids) > 1:  # one reason given for all of them
            new_why = new_why * len(new_ids)
        ids.extend(new_ids)
        why.extend(new_why[:len(new_ids)] + [""] * (len(new_ids) - len(new_why)))
        done.add(node.id)
    return len(done)


DURATION_FIELDS = ("delay_risks", "mitigation_strategy", "days_min", "days_max", "days_realistic")


def add_durations(root: WbsNode, data: Any, source: str, report: ImportReport) -> int:
    """``022-2-task_durations.json`` (estimates, delay risks, mitigations) onto the nodes whose tree entry
    has no estimate; a later entry for the same id wins, as in PlanExe's schedule. Returns the count."""
    if not isinstance(data, list):
        raise PlanError("/: not a PlanExe task duration file (expected a list of estimates)", subject=source)
    index = {n.id: n for n in root.walk()}
    from_tree = {n.id for n in root.walk() if any(k in n.fields for k in ("days_min", "days_max",
                                                                         "days_realistic"))}
    done: set[str] = set()
    for i, raw in enumerate(data):
        node = index.get(_id_of(raw.get("task_id")) or "") if isinstance(raw, dict) else None
        if node is None or not isinstance(raw, dict):
            what = raw.get("task_id") if isinstance(raw, dict) else raw
            report.add("unmapped", f"{source}/{i}", f"estimate for task_id {what!r}, which is not in the "
                       f"WBS{near_miss(what, index)}; skipped", "unknown_id")
            continue
        if node.id in from_tree:
            continue
        if node.id in done:
            report.add("note", node.id, f"estimated again at {source}/{i}; the later estimate is used, as in "
                       "PlanExe", "duplicate")
        if raw.get("days_realistic") is None:  # PlanExe's own schedule stops on either
            what = "days_realistic is null" if "days_realistic" in raw else "no days_realistic"
            report.add("unmapped", node.id, f"{what} in its estimate at {source}/{i}; not estimated by this "
                       "entry", "estimate_invalid")
        for key in DURATION_FIELDS:
            if raw.get(key) is not None:
                node.fields[key] = raw[key]
        done.add(node.id)
    return len(done)


def drop_duplicates(root: WbsNode, report: ImportReport) -> None:
    """Keep one node per id — siblings before their children, in document order — and remove the other
    copies with their subtrees, so task ids stay unique (a deterministic choice, always reported)."""
    seen = {root.id}
    stack = [root]
    while stack:
        node = stack.pop()
        kept = []
        for child in node.children:
            if child.id in seen:
                report.add("unmapped", child.id, "duplicate id in the WBS; the later copy (and its "
                           "subtasks) skipped", "duplicate_id")
                continue
            seen.add(child.id)
            kept.append(child)
        node.children = kept
        stack.extend(reversed(kept))


__all__ = ["UNNAMED", "WbsNode", "add_dependencies", "add_durations", "add_level3", "drop_duplicates",
           "name_unnamed", "near_miss", "prune_too_deep", "tree_from_levels", "tree_from_project"]
