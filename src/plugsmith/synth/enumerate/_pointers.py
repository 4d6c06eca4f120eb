"""Pointer outputs: a string that names one element or one group (an id, an owner) is solved for.

When every expected value is among the values of a field of some list's elements (``task.id``,
``task.owner``), the program picks an element or a group by a criterion. Rather than enumerate
``argmax_key(group(tasks, task -> task.owner, sum, task -> task.likelihood * task.impact))`` (size 7),
the criteria already in the list's scope are tried directly:

- ``argmax(L, x -> key, x -> field)`` / ``argmin``: the element with the largest (smallest) key;
- ``argmax_key(group(L, x -> field, how, x -> value))`` / ``argmin_key``: the group with the largest
  (smallest) sum, count, mean, minimum or maximum.

``L`` is an input list or one filtered from it (``filter(tasks, task -> task.status != "done")``), so
``argmin(filter(...), task -> task.cost, task -> task.id)`` is within reach too.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from plugsmith.synth.enumerate import _dsl as dsl
from plugsmith.synth.enumerate import _runtime as rt
from plugsmith.synth.enumerate._deduce import decimals
from plugsmith.synth.enumerate._dsl import Node
from plugsmith.synth.enumerate._scope import Entry, Scope
from plugsmith.synth.enumerate._types import is_list, is_rec
from plugsmith.synth.enumerate._values import ERR, canon, is_num

if TYPE_CHECKING:
    from plugsmith.synth.enumerate._search import Search

LIST_MAX = 5        # largest list expression (a filter of an input list) a pointer is taken from
KEY_MAX = 3         # largest criterion on an input list (task.likelihood * task.impact)
FILTERED_KEY_MAX = 1  # ... on a filtered list (task.cost)
GROUP_HOW = ("sum", "count", "mean", "max", "min")
COUNT_COND_MAX = 5  # largest condition counted
SHARE_COND_MAX = 4  # largest condition of a share's part


def pointers(search: Search, port: str) -> Iterator[Node]:
    """Programs picking an element or a group whose name is the port's expected value everywhere."""
    target = search.target_known[port]
    if not any(isinstance(v, str) for v in target):
        return
    if not all(v is None or isinstance(v, str) for v in target):
        return
    for size in range(1, min(search.top.done, LIST_MAX) + 1):
        for t, entries in list(search.top.at(size).items()):
            if not (is_list(t) and is_rec(t[1])):
                continue
            for lst in entries:
                if lst.node.op not in ("path", "var", "filter"):
                    continue  # (a sorted list differs from its source only in how ties break)
                if any(not isinstance(v, list) for v in lst.vec):
                    continue
                found = search.child(search.top, lst)
                if found is not None:
                    yield from _from_list(search, port, lst, *found)


def _from_list(search: Search, port: str, lst: Entry, sub: Scope, idx: list[list[int]]) -> Iterator[Node]:
    target = search.target_known[port]
    envs = search.labelled
    plain = lst.node.op in ("path", "var")
    if plain:  # criteria up to KEY_MAX are cheap to have: grow an input list's scope that far at once
        search.ensure(sub, KEY_MAX)
    top_size = min(sub.done, KEY_MAX if plain else FILTERED_KEY_MAX)
    key = ("pointers", port, search.positions_version, lst.node)
    done = sub.cache.get(key, 0)
    if done >= top_size:
        return
    sub.cache[key] = top_size
    for pick in sub.at(1).get("str", []):
        if not pick.dep or pick.node.op != "path":
            continue
        if not all(want is None or want in {pick.vec[i] for i in idx[e]}
                   for want, e in zip(target, envs, strict=True)):
            continue
        for size in range(done + 1, top_size + 1):
            for value in sub.at(size).get("num", []):
                if not value.dep or any(value.vec[i] is ERR for e in envs for i in idx[e]):
                    continue
                search.tick()
                for largest in (True, False):
                    if _best_fits(value, pick, idx, envs, target, largest):
                        yield Node("best", (lst.node, value.node, pick.node), largest, sub.var)
                    if plain:
                        for how in GROUP_HOW[:1] + GROUP_HOW[2:]:
                            if _group_fits(value, pick, idx, envs, target, how, largest):
                                group = Node("group", (lst.node, pick.node, value.node), how, sub.var)
                                yield Node("argmax_key" if largest else "argmin_key", (group,))
        if plain and done == 0:
            for largest in (True, False):
                if _group_fits(None, pick, idx, envs, target, "count", largest):
                    group = Node("group", (lst.node, pick.node), "count", sub.var)
                    yield Node("argmax_key" if largest else "argmin_key", (group,))


def counts(search: Search, port: str) -> Iterator[Node]:
    """``len(filter(L, x -> cond))`` for a count output, with the condition from the list's scope (the
    number of tasks whose likelihood x impact is at least 10)."""
    target = search.target_known[port]
    if not target or not all(is_num(v) and float(v).is_integer() and v >= 0 for v in target):
        return
    envs = search.labelled
    for lst, sub, idx in _plain_lists(search):
        # a count with a threshold in the description: its condition is worth growing for at once
        thresholds = any(c in search.consts.numbers for c in search.consts.comparisons)
        search.ensure(sub, COUNT_COND_MAX if thresholds else min(search.top.done, COUNT_COND_MAX))
        key = ("counts", port, search.positions_version, lst.node)
        done, top_size = sub.cache.get(key, 0), min(sub.done, COUNT_COND_MAX)
        sub.cache[key] = max(done, top_size)
        for cond_size in range(done + 1, top_size + 1):
            for pred in sub.at(cond_size).get("bool", []):
                if pred.dep and all(sum(1 for i in idx[e] if pred.vec[i] is True) == want
                                    for want, e in zip(target, envs, strict=True)):
                    yield Node("len", (Node("filter", (lst.node, pred.node), var=sub.var),))


def shares(search: Search, port: str) -> Iterator[Node]:
    """The part of a list's total whose elements meet a condition, as a share of the whole:
    ``round(percent(sum(map(filter(L, x -> cond), x -> x.f)), sum(L[].f)), d)`` (the share of the story
    points that are done), or of the count (``len``), in percent or as a fraction. The condition comes
    from the list's scope, as for ``counts``; the whole must be non-zero on every input."""
    target = search.target_known[port]
    if not target or not all(is_num(v) for v in target):
        return
    envs = search.labelled
    shown = max(decimals(v) for v in target)
    digits = [d for d in search.consts.rounding if d >= shown] or ([shown] if 1 <= shown <= 3 else [])
    wanted = canon(target)
    for lst, sub, idx in _plain_lists(search):
        search.ensure(sub, min(search.top.done, SHARE_COND_MAX))
        key = ("shares", port, search.positions_version, lst.node)
        done, top_size = sub.cache.get(key, 0), min(sub.done, SHARE_COND_MAX)
        sub.cache[key] = max(done, top_size)
        if done >= top_size:
            continue
        fields: list[Entry | None] = [f for f in sub.at(1).get("num", []) if f.dep and f.node.op == "path"
                                      and not any(v is ERR for v in f.vec)]
        for field in [*fields, None]:
            each = [1] * sub.n if field is None else field.vec
            wholes = [sum(each[i] for i in ids) for ids in idx]
            if any(w == 0 for w in wholes):
                continue  # a share of nothing: the program would fail on that input
            preds = [p for size in range(done + 1, top_size + 1) for p in sub.at(size).get("bool", [])
                     if p.dep and not any(v is ERR for v in p.vec)]
            for pred in preds:
                search.tick()
                parts = [sum(each[i] for i in idx[e] if pred.vec[i] is True) for e in envs]
                whole = [wholes[e] for e in envs]
                for op, digit in itertools.product(("pct", "div"), [None, *digits]):
                    got = [_share(a, b, op, digit) for a, b in zip(parts, whole, strict=True)]
                    if canon(got) == wanted:
                        yield _share_node(lst, sub, field, pred, op, digit)


def _plain_lists(search: Search) -> Iterator[tuple[Entry, Scope, list[list[int]]]]:
    """Input lists of records (ports and their fields, sizes 1-2) with their scopes."""
    for size in range(1, min(search.top.done, 2) + 1):
        for t, entries in list(search.top.at(size).items()):
            if not (is_list(t) and is_rec(t[1])):
                continue
            for lst in entries:
                if lst.node.op not in ("path", "var") or any(not isinstance(v, list) for v in lst.vec):
                    continue
                found = search.child(search.top, lst)
                if found is not None:
                    yield lst, *found


def _share(part: float, whole: float, op: str, digits: int | None) -> float:
    value = part / whole * 100 if op == "pct" else part / whole
    return value if digits is None else round(value, digits)


def _share_node(lst: Entry, sub: Scope, field: Entry | None, pred: Entry, op: str,
                digits: int | None) -> Node:
    chosen = Node("filter", (lst.node, pred.node), var=sub.var)
    if field is None:
        part, whole = Node("len", (chosen,)), Node("len", (lst.node,))
    else:
        part = Node("sum", (Node("map", (chosen, field.node), var=sub.var),))
        whole = Node("sum", (Node("map", (lst.node, field.node), var=sub.var),))
        if lst.node.op == "path" and field.node.op == "path" and len(field.node.param[1]) == 1:
            name, path = lst.node.param
            whole = Node("sum", (Node("path", param=(name, (*path, dsl.PROJECT, field.node.param[1][0]))),))
    node = Node(op, (part, whole))
    return node if digits is None else Node("round", (node,), digits)


def _best_fits(value: Entry, pick: Entry, idx: list[list[int]], envs: list[int], target: list[Any],
               largest: bool) -> bool:
    for want, e in zip(target, envs, strict=True):
        try:
            got = rt.best(idx[e], value.vec.__getitem__, pick.vec.__getitem__, largest)
        except TypeError:
            return False
        if got != want:
            return False
    return True


def _group_fits(value: Entry | None, pick: Entry, idx: list[list[int]], envs: list[int],
                target: list[Any], how: str, largest: bool) -> bool:
    from plugsmith.synth.enumerate._dsl import aggregate

    for want, e in zip(target, envs, strict=True):
        groups = rt.group_by(idx[e], pick.vec.__getitem__,
                             (lambda i: 1) if value is None else value.vec.__getitem__)
        if any(not isinstance(k, str) for k in groups):
            return False
        try:
            totals = {k: aggregate(vs, "sum" if how == "count" else how) for k, vs in groups.items()}
        except (TypeError, ValueError, ZeroDivisionError):
            return False
        if not all(is_num(v) for v in totals.values()):
            return False
        got = rt.key_of_max(totals) if largest else rt.key_of_min(totals)
        if got != want:
            return False
    return True


__all__ = ["counts", "pointers", "shares"]
