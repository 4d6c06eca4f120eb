"""Mapping PlanExe's estimates, dependencies and risks onto leaf tasks.

Durations. PlanExe estimates durations for major phases and subtasks (``022-2-task_durations.json``)
and decomposes subtasks afterwards (level 3), so most leaves have no estimate of their own. A leaf takes
its own ``days_realistic`` (and min/max) when it has one; otherwise it takes an even share of the
nearest estimated ancestor's days left over after that ancestor's estimated children, rounded *up* to
whole days — the rule of PlanExe's own ``HierarchyEstimatorWBS``, so the numbers match PlanExe's Gantt
chart. A leaf with neither gets 0 days and is reported.

Dependencies. Ids may name a phase or a leaf; a phase stands for all of its leaf tasks, on either side
of the edge. A dependency between a node and its own ancestor or descendant (a subtask "after" the
phase that contains it) cannot be scheduled and is dropped and reported, as is any edge that would
close a cycle (found by a depth-first walk in document order, so the choice is deterministic).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from plugsmith.planexe._report import ImportReport
from plugsmith.planexe._wbs import WbsNode
from plugsmith.spec import Risk

DAY_FIELDS = ("days_min", "days_max", "days_realistic")
_DAYS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:days?|d)?\s*$", re.IGNORECASE)


def parse_days(value: Any) -> float | None:
    """A non-negative number of days from a number or a string like ``"12"`` / ``"12 days"``; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if value >= 0 and math.isfinite(value) else None
    if isinstance(value, str) and (m := _DAYS.match(value)):
        return float(m.group(1))
    return None


def estimates(node: WbsNode, report: ImportReport) -> dict[str, float | None]:
    """The node's own min/max/realistic days; an unparsable value is reported and treated as absent."""
    out: dict[str, float | None] = {}
    for key in DAY_FIELDS:
        raw = node.fields.get(key)
        out[key] = None if raw is None else parse_days(raw)
        if raw is not None and out[key] is None:
            report.add("unmapped", node.id, f"{key} {raw!r} is not a number of days; ignored")
    return out


@dataclass
class Allotment:
    days: dict[str, float | None]
    source: str  # "estimate" | "share of <id>" | "missing"


def _ceil(x: float) -> float:
    return float(math.ceil(round(x, 9)))


def allot_durations(root: WbsNode, report: ImportReport) -> dict[str, Allotment]:
    """Durations for every leaf, by the rule in the module docstring."""
    own = {n.id: estimates(n, report) for n in root.walk()}
    result: dict[str, Allotment] = {}

    def visit(node: WbsNode, inherited: dict[str, float | None], origin: str | None) -> None:
        mine = own[node.id]
        days = {k: mine[k] if mine[k] is not None else inherited[k] for k in DAY_FIELDS}
        here = node.id if mine["days_realistic"] is not None else origin
        if not node.children:
            source = ("estimate" if mine["days_realistic"] is not None
                      else f"share of {origin}" if days["days_realistic"] is not None else "missing")
            result[node.id] = Allotment(days, source)
            return
        shares = _shares(node, days, own, report)
        for child in node.children:
            visit(child, shares, here)

    visit(root, dict.fromkeys(DAY_FIELDS), None)
    return result


def _shares(node: WbsNode, days: dict[str, float | None], own: dict[str, dict[str, float | None]],
            report: ImportReport) -> dict[str, float | None]:
    shares: dict[str, float | None] = {}
    for key in DAY_FIELDS:
        pool = days[key]
        given = [own[c.id][key] for c in node.children if own[c.id][key] is not None]
        rest = len(node.children) - len(given)
        if pool is None or rest == 0:
            shares[key] = None
        else:
            shares[key] = _ceil(max(pool - sum(v for v in given if v is not None), 0.0) / rest)
        if key == "days_realistic" and pool is not None and given and sum(
                v for v in given if v is not None) > pool:
            report.add("note", node.id, f"its parts are estimated at {sum(v for v in given if v):g} days, "
                       f"more than its own {pool:g}")
    return shares


@dataclass
class Edges:
    depends_on: dict[str, list[str]] = field(default_factory=dict)
    notes: dict[str, list[dict[str, str]]] = field(default_factory=dict)


def resolve_dependencies(root: WbsNode, report: ImportReport) -> Edges:
    """Leaf-to-leaf ``depends_on`` lists in document order, by the rule in the module docstring."""
    index = {n.id: n for n in root.walk()}
    order = {leaf.id: i for i, leaf in enumerate(root.leaves())}
    edges = Edges({leaf: [] for leaf in order})
    for node in root.walk():
        targets = node.fields.get("depends_on_task_ids")
        if targets is None:
            continue
        if isinstance(targets, str):
            targets = [targets]
        if not isinstance(targets, list):
            report.add("unmapped", node.id, f"depends_on_task_ids {targets!r} is not a list; ignored")
            continue
        why = node.fields.get("depends_on_task_explanations") or []
        why = why if isinstance(why, list) else [why]
        for i, target_id in enumerate(targets):
            _add_edge(node, target_id, str(why[i]) if i < len(why) else "", index, edges, report)
    for leaf, deps in edges.depends_on.items():
        edges.depends_on[leaf] = sorted(set(deps), key=order.__getitem__)
    break_cycles(edges.depends_on, report)
    return edges


def _add_edge(node: WbsNode, target_id: Any, why: str, index: dict[str, WbsNode], edges: Edges,
              report: ImportReport) -> None:
    target = index.get(target_id) if isinstance(target_id, str) else None
    if target is None:
        report.add("unmapped", node.id, f"depends on unknown task id {target_id!r}; dependency ignored")
        return
    if target is node or target in node.ancestors() or node in target.ancestors():
        relation = "itself" if target is node else "a phase that contains it" if target in \
            node.ancestors() else "a task inside it"
        report.add("dropped", node.id, f"depends on {target_id} ({relation}); cannot be scheduled")
        return
    providers = [leaf.id for leaf in target.leaves()]
    for leaf in node.leaves():
        edges.depends_on[leaf.id].extend(providers)
        edges.notes.setdefault(leaf.id, []).append(
            {"on": target.id, "via": node.id, "why": why} if node.children else {"on": target.id, "why": why})


def break_cycles(depends_on: dict[str, list[str]], report: ImportReport) -> None:
    """Drop each dependency that closes a cycle (a back edge of a DFS in document order), in place."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    for start in depends_on:
        if start in state:
            continue
        state[start] = 1
        stack: list[tuple[str, int]] = [(start, 0)]
        while stack:
            task, i = stack[-1]
            deps = depends_on[task]
            if i == len(deps):
                state[task] = 2
                stack.pop()
                continue
            stack[-1] = (task, i + 1)
            dep = deps[i]
            if state.get(dep) == 1:
                deps.pop(i)
                stack[-1] = (task, i)
                report.add("dropped", task, f"dependency on {dep} would close a cycle")
            elif dep not in state:
                state[dep] = 1
                stack.append((dep, 0))


LEVELS = {"low": 1, "medium": 3, "high": 5}


def risk_register(data: Any, source: str, report: ImportReport) -> tuple[list[Risk], dict[str, Any]]:
    """``003-1-identify_risks_raw.json`` → plan risks (low/medium/high → 1/3/5) plus what they leave out."""
    if not isinstance(data, dict) or not isinstance(data.get("risks"), list):
        report.add("unmapped", source, "not a PlanExe risk register (no 'risks' list); skipped")
        return [], {}
    risks: list[Risk] = []
    extra: list[dict[str, Any]] = []
    for i, raw in enumerate(data["risks"], start=1):
        if not isinstance(raw, dict):
            report.add("unmapped", f"{source}/risks/{i - 1}", "not an object; skipped")
            continue
        rid = f"risk-{i}"
        levels = {}
        for ours, theirs in (("likelihood", "likelihood"), ("impact", "severity")):
            value = str(raw.get(theirs, "")).strip().lower()
            levels[ours] = LEVELS.get(value, 1)
            if value not in LEVELS:
                report.add("unmapped", rid, f"{theirs} {raw.get(theirs)!r} is not low/medium/high; 1 used")
        risks.append(Risk(id=rid, description=str(raw.get("risk_description") or ""),
                          mitigation=str(raw.get("action") or ""), **levels))
        extra.append({"id": rid, "risk_area": raw.get("risk_area", ""),
                      "potential_impact": raw.get("potential_impact", "")})
    meta = {"risks": extra, "summary": data.get("risk_assessment_summary", "")}
    return risks, meta


__all__ = ["Allotment", "Edges", "allot_durations", "break_cycles", "estimates", "parse_days",
           "resolve_dependencies", "risk_register"]
