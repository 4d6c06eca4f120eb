"""Helper functions shared by the DSL interpreter and the emitted plugins.

Every function here is copied verbatim (``inspect.getsource``) into a ``plugin.py`` that uses
it, so the search and the published plugin run literally the same code. Rules for this module:
standard library only (``datetime``), no I/O, no state, deterministic (ties keep the input
order), ruff-clean, lines of at most 88 characters (the emitted plugin's lint gate).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any


def add_days(day: str, days: float) -> str:
    """The ISO date ``days`` after ``day`` (timedelta drops fractions of a day)."""
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def days_between(first: str, last: str) -> int:
    """Whole days from ISO date ``first`` to ISO date ``last`` (negative if earlier)."""
    return (date.fromisoformat(last) - date.fromisoformat(first)).days


def mean(values: list[Any]) -> Any:
    """Arithmetic mean; an empty list is an error, as it has no meaningful mean."""
    return sum(values) / len(values)


def find(items: Any, field: str, value: Any) -> Any:
    """The first item whose ``field`` is ``value`` (a record by id), else None."""
    for item in items:
        if item[field] == value:
            return item
    return None


def group_by(items: Any, key: Any, value: Any) -> dict[Any, list[Any]]:
    """Lists of ``value(item)`` per ``key(item)``; keys keep their first-seen order."""
    groups: dict[Any, list[Any]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(value(item))
    return groups


def best(items: Any, key: Any, pick: Any, largest: bool) -> Any:
    """``pick`` of the item with the largest (or smallest) key.

    The first such item wins a tie; None when there are no items.
    """
    choose = max if largest else min
    found = choose(items, key=key, default=None)
    return None if found is None else pick(found)


def key_of_max(mapping: dict[Any, Any]) -> Any:
    """The key holding the largest value (first key on a tie), None if empty."""
    return max(mapping, key=lambda k: mapping[k], default=None)


def key_of_min(mapping: dict[Any, Any]) -> Any:
    """The key holding the smallest value (first key on a tie), None if empty."""
    return min(mapping, key=lambda k: mapping[k], default=None)


def topological_order(items: Any, ident: Any, deps: Any) -> list[Any]:
    """Ids in dependency order.

    Repeatedly places the first item (in input order) whose dependencies are placed.
    Dependencies on unknown ids are ignored; a cycle raises ValueError.
    """
    ids = [ident(item) for item in items]
    known = set(ids)
    needs = {ident(item): [d for d in deps(item) if d in known] for item in items}
    placed: list[Any] = []
    done: set[Any] = set()
    while len(placed) < len(ids):
        ready = [i for i in ids if i not in done and all(d in done for d in needs[i])]
        if not ready:
            raise ValueError("dependency cycle")
        placed.append(ready[0])
        done.add(ready[0])
    return placed


def schedule(
    items: Any, ident: Any, deps: Any, weight: Any
) -> tuple[dict[Any, Any], dict[Any, Any]]:
    """Earliest start and finish of every item (longest weighted dependency path)."""
    by_id = {ident(item): item for item in items}
    start: dict[Any, Any] = {}
    finish: dict[Any, Any] = {}
    for item_id in topological_order(items, ident, deps):
        item = by_id[item_id]
        start[item_id] = max((finish[d] for d in deps(item) if d in finish), default=0)
        finish[item_id] = start[item_id] + weight(item)
    return start, finish


def earliest_start(items: Any, ident: Any, deps: Any, weight: Any) -> dict[Any, Any]:
    """Earliest start of every item (0 without dependencies), in input order."""
    start = schedule(items, ident, deps, weight)[0]
    return {ident(item): start[ident(item)] for item in items}


def earliest_finish(items: Any, ident: Any, deps: Any, weight: Any) -> dict[Any, Any]:
    """Earliest finish of every item (earliest start plus own weight)."""
    finish = schedule(items, ident, deps, weight)[1]
    return {ident(item): finish[ident(item)] for item in items}


def critical_length(items: Any, ident: Any, deps: Any, weight: Any) -> Any:
    """Length of the longest weighted dependency chain (0 for no items)."""
    return max(schedule(items, ident, deps, weight)[1].values(), default=0)


def critical_path(items: Any, ident: Any, deps: Any, weight: Any) -> list[Any]:
    """Ids on the longest weighted chain, first to last; ties go to the first listed."""
    start, finish = schedule(items, ident, deps, weight)
    by_id = {ident(item): item for item in items}
    current = max(by_id, key=lambda i: finish[i], default=None)
    path: list[Any] = []
    while current is not None:
        path.append(current)
        needs = deps(by_id[current])
        before = [d for d in needs if d in finish and finish[d] == start[current]]
        current = before[0] if before and start[current] > 0 else None
    return path[::-1]


def slack(items: Any, ident: Any, deps: Any, weight: Any) -> dict[Any, Any]:
    """How long each item can slip without delaying the end.

    That is its latest start minus its earliest start.
    """
    start, finish = schedule(items, ident, deps, weight)
    end = max(finish.values(), default=0)
    by_id = {ident(item): item for item in items}
    latest: dict[Any, Any] = {}
    for item_id in reversed(topological_order(items, ident, deps)):
        after = [latest[ident(i)] for i in items if item_id in deps(i)]
        latest[item_id] = min(after, default=end) - weight(by_id[item_id])
    return {ident(item): latest[ident(item)] - start[ident(item)] for item in items}
