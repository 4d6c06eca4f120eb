"""A second, independent statement of PlanExe's duration rules, used as the tests' reference.

plugsmith's importer (``plugsmith.planexe``) implements PlanExe's schedule rules for production; this
module restates the same rules in a different shape (a plain post-order over dicts, exact fractions) so
that a test comparing the two catches a slip in either. It is written from PlanExe's documented
behaviour (its schedule's "initial estimator"), not copied from PlanExe:

1. Resolve children first. A leaf's days are its estimate (0 when it has none), clamped at 0 and
   rounded up to a whole day.
2. A node with children and no estimate of its own takes the sum of its children.
3. A node with an estimate *larger* than the sum of its children hands the difference down one level:
   when every child has an estimate, the node's days are split evenly over all children (each share
   rounded up, replacing what the child had); otherwise what remains after the estimated children is
   split evenly over the children without an estimate (rounded up). Either way the node then takes the
   sum of its children — its own estimate never wins over its parts.
4. Finally every task is at least one day: bottom-up, a leaf under 1 becomes 1 and a parent is the sum
   of its (raised) children.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any


def _days(value: Fraction) -> int:
    """Clamp at zero and round up to a whole day."""
    return math.ceil(max(Fraction(0), value))


def reference_days(tree: dict[str, Any], given: dict[str, Fraction]) -> dict[str, int]:
    """Days per node id of a WBS ``tree`` (``id``, ``task_children``) under estimates ``given``."""
    days: dict[str, int] = {}
    children: dict[str, list[str]] = {}
    order: list[dict[str, Any]] = []
    stack = [tree]
    while stack:  # pre-order; reversed, it visits children before parents
        node = stack.pop()
        order.append(node)
        kids = node.get("task_children") or []
        children[node["id"]] = [k["id"] for k in kids]
        stack.extend(kids)

    for node in reversed(order):  # rules 1-3
        nid, kids = node["id"], children[node["id"]]
        own = given.get(nid)
        if not kids:
            days[nid] = _days(own if own is not None else Fraction(0))
            continue
        total = sum(days[k] for k in kids)
        if own is not None and _days(own) > total:
            target = _days(own)
            unestimated = [k for k in kids if k not in given]
            if not unestimated:
                for k in kids:
                    days[k] = _days(Fraction(target, len(kids)))
            else:
                rest = target - sum(days[k] for k in kids if k in given)
                for k in unestimated:
                    days[k] = _days(Fraction(max(0, rest), len(unestimated)))
        days[nid] = sum(days[k] for k in kids)

    for node in reversed(order):  # rule 4
        nid, kids = node["id"], children[node["id"]]
        if kids:
            days[nid] = sum(max(1, days[k]) for k in kids)
        days[nid] = max(1, days[nid])
    return days
