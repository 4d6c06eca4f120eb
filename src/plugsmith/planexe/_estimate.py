"""Task durations the way PlanExe's own schedule derives them (its ``HierarchyEstimatorWBS``).

PlanExe's LLM estimates the major phases and their subtasks (``022-2-task_durations.json``), then the
subtasks are decomposed into level-3 tasks that have no estimate of their own. PlanExe's schedule turns
that into one whole number of days per WBS node, and the Gantt chart it exports shows exactly those
numbers. To give the same figures we apply the same rules (written from its documented behaviour, our
own code):

1. A node's own estimate is its ``days_realistic``; a negative one counts as 1 day (PlanExe's schedule
   does that before estimating). Every value is rounded *up* to whole days.
2. Bottom-up, children before their parent. A leaf without an estimate starts at 0 days. A parent
   without an estimate becomes the sum of its children.
3. A parent with an estimate larger than the sum of its children hands out the difference, one level
   down only: when every child has an estimate of its own, each child gets an even share of the parent
   (rounded up; their own estimates are overridden); otherwise the children without an estimate share
   what the estimated ones leave (rounded up). A parent at or below the sum of its children changes
   nothing (its parts simply take longer than it).
4. Last, no leaf takes less than 1 day (PlanExe's "minimum duration"), and each parent is the sum of
   its children.

Where a leaf's number came from is kept (``source``) so the report can say which figures were
estimated, shared out, overridden or made up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from plugsmith.planexe._wbs import WbsNode


@dataclass
class Resolved:
    """One node's days and where they came from."""

    days: int
    source: str  # "estimate" | "share of <id>" | "even split of <id>" | "minimum" | "sum"
    own: bool  # the node had an estimate of its own (PlanExe: the duration was not None)


def _up(value: float) -> int:
    """Round up to whole days, never below 0 (exact for the binary floats JSON gives)."""
    return max(0, math.ceil(value))


def _post_order(root: WbsNode) -> list[WbsNode]:
    """Children before their parents (reversed pre-order), without recursion."""
    return list(reversed(list(root.walk())))


def estimate_durations(root: WbsNode, own: dict[str, float | None]) -> dict[str, Resolved]:
    """Whole days for every node of the tree from the nodes' own estimates (``None``: no estimate)."""
    out: dict[str, Resolved] = {}
    for node in _post_order(root):
        mine = own.get(node.id)
        if not node.children:
            out[node.id] = Resolved(_up(mine) if mine is not None else 0,
                                    "estimate" if mine is not None else "minimum", mine is not None)
            continue
        kids = [out[c.id] for c in node.children]
        if mine is not None:
            _hand_out(node, _up(mine), kids)
        out[node.id] = Resolved(sum(k.days for k in kids), "estimate" if mine is not None else "sum",
                                mine is not None)
    for node in _post_order(root):  # PlanExe's minimum of one day per leaf; parents are their sum
        here = out[node.id]
        if node.children:
            here.days = sum(out[c.id].days for c in node.children)
        elif here.days < 1:
            here.days, here.source = 1, "minimum"
    return out


def _hand_out(parent: WbsNode, total: int, kids: list[Resolved]) -> None:
    """Rule 3: the parent's surplus over its children's sum goes one level down."""
    if total <= sum(k.days for k in kids):
        return
    unestimated = [k for k in kids if not k.own]
    if not unestimated:
        share = -(-total // len(kids))
        for kid in kids:
            kid.days, kid.source = share, f"even split of {parent.id}"
        return
    left = max(0, total - sum(k.days for k in kids if k.own))
    share = -(-left // len(unestimated))
    for kid in unestimated:
        kid.days, kid.source = share, f"share of {parent.id}"


__all__ = ["Resolved", "estimate_durations"]
