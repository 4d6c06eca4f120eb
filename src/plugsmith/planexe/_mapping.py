"""Mapping PlanExe's estimates, dependencies and risks onto leaf tasks.

Durations follow PlanExe's own schedule (``plugsmith.planexe._estimate``), so each task gets the days
PlanExe's Gantt chart shows. Each leaf also gets a range: its days scaled by the min/realistic and
max/realistic ratios of the nearest node (itself or an ancestor) whose estimate has them, which is what
a three-point (PERT) schedule and a Monte Carlo simulation need.

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

from plugsmith.planexe._estimate import estimate_durations
from plugsmith.planexe._report import ImportReport
from plugsmith.planexe._wbs import WbsNode, near_miss
from plugsmith.spec import Risk

DAY_FIELDS = ("days_min", "days_max", "days_realistic")
_DAYS = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(?:days?|d)?\s*$", re.IGNORECASE)


def parse_days(value: Any) -> float | None:
    """A non-negative number of days from a number or a string like ``"12"`` / ``"12 days"``; else None."""
    number = _number(value)
    return number if number is not None and number >= 0 else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str) and (m := _DAYS.match(value)):
        return float(m.group(1))
    return None


def estimates(node: WbsNode, report: ImportReport) -> dict[str, float | None]:
    """The node's own min/max/realistic days. A negative realistic estimate counts as 1 day (as in
    PlanExe's schedule); anything else that is not a number of days is treated as absent. Both are
    reported."""
    out: dict[str, float | None] = {}
    said: list[str] = []  # one finding per node, however many of its fields are off
    ignored: list[str] = []
    for key in DAY_FIELDS:
        raw = node.fields.get(key)
        number = None if raw is None else _number(raw)
        out[key] = number if number is None or number >= 0 else None
        if raw is None:
            continue
        if number is None:
            said.append(f"{key} {raw!r} is not a number of days; ignored")
        elif number < 0 and key == "days_realistic":
            out[key] = 1.0
            said.insert(0, f"{key} {raw!r} is negative; 1 day used (as PlanExe's schedule does)")
        elif number < 0:
            ignored.append(f"{key} {raw!r}")
    if ignored:
        said.append(f"{' and '.join(ignored)} {'is' if len(ignored) == 1 else 'are'} negative; ignored")
    if said:
        report.add("unmapped", node.id, "; ".join(said), "estimate_invalid")
    return out


@dataclass
class Allotment:
    days: dict[str, float | None]
    source: str  # "estimate" | "share of <id>" | "even split of <id>" | "minimum"


def allot_durations(root: WbsNode, report: ImportReport) -> dict[str, Allotment]:
    """Days (and a min-max range) for every leaf, by PlanExe's rules; findings go to the report."""
    own = {n.id: estimates(n, report) for n in root.walk()}
    resolved = estimate_durations(root, {k: v["days_realistic"] for k, v in own.items()})
    _report_overruns(root, own, report)
    ratios = _ratios(root, own, report)
    result: dict[str, Allotment] = {}
    for leaf in root.leaves():
        if leaf is root:
            continue
        got = resolved[leaf.id]
        days: dict[str, float | None] = {"days_realistic": float(got.days), "days_min": None,
                                         "days_max": None}
        if got.source == "minimum":
            why = ("an estimate of 0 days" if own[leaf.id]["days_realistic"] is not None else
                   "no estimate for the task or its share of its phase")
            report.add("unmapped", leaf.id, f"{why}; PlanExe's minimum of 1 day used", "no_estimate")
        else:
            days["days_min"], days["days_max"] = _range(leaf, float(got.days), ratios)
        if got.source.startswith("even split"):
            report.add("note", leaf.id, f"its own estimate is replaced by an even split of its phase "
                       f"({got.days:g} days), as PlanExe's schedule does", "estimate_overridden")
        result[leaf.id] = Allotment(days, got.source)
    return result


Ratios = dict[str, tuple[float | None, float | None]]


def _ratios(root: WbsNode, own: dict[str, dict[str, float | None]], report: ImportReport) -> Ratios:
    """min/realistic and max/realistic of every estimate that has a range; a range that does not
    contain its realistic estimate is widened to contain it (and reported)."""
    out: Ratios = {}
    for node in root.walk():
        est = own[node.id]
        real, lo, hi = est["days_realistic"], est["days_min"], est["days_max"]
        if not real or (lo is None and hi is None):
            continue
        if (lo is not None and lo > real) or (hi is not None and hi < real):
            shown = "-".join("?" if v is None else f"{v:g}" for v in (lo, hi))
            report.add("note", node.id, f"range {shown} days does not contain its realistic estimate "
                       f"{real:g}; widened to contain it", "estimate_invalid")
        out[node.id] = (min(lo, real) / real if lo is not None else None,
                        max(hi, real) / real if hi is not None else None)
    return out


def _range(leaf: WbsNode, days: float, ratios: Ratios) -> tuple[float | None, float | None]:
    """The leaf's min and max: its days scaled by the nearest estimate (itself or above) with a range."""
    for node in (leaf, *leaf.ancestors()):
        if node.id in ratios:
            lo, hi = ratios[node.id]
            return (round(days * lo, 2) if lo is not None else None,
                    round(days * hi, 2) if hi is not None else None)
    return None, None


def _report_overruns(root: WbsNode, own: dict[str, dict[str, float | None]], report: ImportReport) -> None:
    """A phase whose parts are estimated at more than the phase itself (PlanExe then uses the parts)."""
    for node in root.walk():
        total = own[node.id]["days_realistic"]
        parts = [own[c.id]["days_realistic"] for c in node.children]
        given = sum(math.ceil(v) for v in parts if v is not None)
        if node.children and total is not None and given > math.ceil(total):
            report.add("note", node.id, f"its parts are estimated at {given:g} days, more than its own "
                       f"{total:g}; the parts are used", "exceeds_phase")


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
            text = why[i] if i < len(why) else why[0] if len(why) == 1 else ""  # one reason for them all
            _add_edge(node, target_id, str(text or ""), index, edges, report)
    for leaf, deps in edges.depends_on.items():
        edges.depends_on[leaf] = sorted(set(deps), key=order.__getitem__)
    break_cycles(edges.depends_on, report, {n.id: n.title for n in index.values()})
    return edges


def _add_edge(node: WbsNode, target_id: Any, why: str, index: dict[str, WbsNode], edges: Edges,
              report: ImportReport) -> None:
    target = index.get(target_id) if isinstance(target_id, str) else None
    if target is None:
        hint = near_miss(target_id, index)
        report.add("unmapped", node.id, f"depends on unknown task id {target_id!r}{hint}; dependency ignored",
                   "unknown_id")
        return
    if target is node or target in node.ancestors() or node in target.ancestors():
        relation = "itself" if target is node else "a phase that contains it" if target in \
            node.ancestors() else "a task inside it"
        report.add("dropped", node.id, f"depends on {target_id} ({relation}); cannot be scheduled",
                   "dependency_dropped")
        return
    providers = [leaf.id for leaf in target.leaves()]
    for leaf in node.leaves():
        edges.depends_on[leaf.id].extend(providers)
        edges.notes.setdefault(leaf.id, []).append(
            {"on": target.id, "via": node.id, "why": why} if node.children else {"on": target.id, "why": why})


def break_cycles(depends_on: dict[str, list[str]], report: ImportReport,
                 names: dict[str, str] | None = None) -> None:
    """Drop each dependency that closes a cycle (a back edge of a DFS in document order), in place;
    ``names`` (id -> task name) lets the finding name the task the dropped edge pointed to."""
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
                name = (names or {}).get(dep)
                report.add("dropped", task, f"dependency on {dep}{f' ({name})' if name else ''} would close "
                           "a cycle; dropped", "cycle")
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
