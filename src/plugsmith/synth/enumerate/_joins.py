"""Joins between lists: a record by id in another list (``find``) and aggregates over the records of
another list that point here (``rel``).

Inside a lambda over tasks, ``find(project.phases, phase -> phase.id == task.phase).name`` is the name
of the task's phase; inside a lambda over phases, ``sum(map(filter(project.tasks, task -> task.phase ==
phase.id), task -> task.cost))`` is what the phase's tasks cost. Both are *leaves* of the lambda's scope
(sizes 2 and 3), offered only where the data says they join: the key's values are ids of the other list
in every example. At the top, ``find`` also turns a computed id (``argmax_key(...)``) into that record's
field.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from plugsmith.synth.enumerate import _dsl as dsl
from plugsmith.synth.enumerate._dsl import Node
from plugsmith.synth.enumerate._scope import Entry, Scope
from plugsmith.synth.enumerate._types import is_list, is_rec
from plugsmith.synth.enumerate._values import ERR, SCALARS, infer_type, is_key, is_num, singular

if TYPE_CHECKING:
    from plugsmith.synth.enumerate._search import Search

RECORD_LIST_MAX = 2                  # sizes of the top-level lists that can be joined (project.phases)
POINTERS = frozenset({"argmax_key", "argmin_key", "best", "first", "last"})
REL_AGGREGATES = ("sum", "max", "min", "mean")


@dataclass(frozen=True)
class RecordList:
    """A top-level list of records with a unique id field (strings or integers), indexed per example."""

    entry: Entry
    id_field: str
    by_id: tuple[dict[str, Any], ...]      # per top-level environment: id -> record
    fields: tuple[str, ...]


def record_lists(search: Search) -> list[RecordList]:
    """Top-level lists of records (sizes 1-2: ports and their fields) with a unique id field: strings
    (``"t1"``) or integers (an employee number ``17``), whatever the field is called."""
    cached: list[RecordList] | None = search.top.cache.get("record_lists")
    if cached is not None and search.top.cache.get("record_lists_at") == search.top.done:
        return cached
    found: list[RecordList] = []
    for size in range(1, min(search.top.done, RECORD_LIST_MAX) + 1):
        for t, entries in search.top.at(size).items():
            if not (is_list(t) and is_rec(t[1])):
                continue
            for entry in entries:
                if entry.node.op not in ("path", "var") or any(not isinstance(v, list) for v in entry.vec):
                    continue
                for id_field in _id_fields(entry.vec, t[1][1]):
                    by_id = tuple({r[id_field]: r for r in lst} for lst in entry.vec)
                    found.append(RecordList(entry, id_field, by_id, tuple(t[1][1])))
    search.top.cache["record_lists"] = found
    search.top.cache["record_lists_at"] = search.top.done
    return found


def _id_fields(lists: list[Any], fields: tuple[str, ...]) -> list[str]:
    out = []
    for f in fields:
        ok = all(isinstance(r, dict) and is_key(r.get(f)) for lst in lists for r in lst)
        if ok and all(len({r[f] for r in lst}) == len(lst) for lst in lists) and any(lists):
            out.append(f)
    return out


def join_leaves(search: Search, scope: Scope, own: list[Entry]) -> Iterator[Entry]:
    """``find`` and ``rel`` leaves for a lambda's scope (``own``: its other leaves)."""
    if scope.parent is None:
        return
    lists = record_lists(search)
    keys = [e for e in own if e.dep and e.type in ("str", "num") and e.node.op in ("var", "path")
            and (e.node.op == "var" or len(e.node.param[1]) == 1)
            and all(is_key(v) for v in e.vec if v is not ERR)]
    for key in keys:
        for rl in lists:
            yield from _finds(scope, key, rl)
    if scope.depth == 1:
        for key in keys:
            yield from _rels(search, scope, key, lists)


def _finds(scope: Scope, key: Entry, rl: RecordList) -> Iterator[Entry]:
    found: list[Any] = []
    hits = same = 0
    for i, k in enumerate(key.vec):
        rec = rl.by_id[scope.top_env[i]].get(k) if is_key(k) else None
        found.append(ERR if rec is None else rec)
        hits += rec is not None
        same += rec is scope.elements[i]
    if hits < max(1, (scope.n + 1) // 2) or same == hits:
        return  # the key does not point into that list (or points at the element itself)
    for f in rl.fields:
        if f == rl.id_field:
            continue
        vec = [r[f] if r is not ERR and f in r else ERR for r in found]
        t = infer_type(vec)
        if t is None or t not in SCALARS or (scope.depth > 1 and t != "str"):
            continue  # inside a nested lambda (a dependency of a task): names only, the bank stays small
        node = Node("find", (rl.entry.node, key.node), (rl.id_field, (f,)), _var(rl, scope))
        yield Entry(node, t, vec, key.dep, True)


def _rels(search: Search, scope: Scope, key: Entry, lists: list[RecordList]) -> Iterator[Entry]:
    """Aggregates over the records of another list whose field points at this element's ``key``."""
    own_ids: list[set[Any]] = [set() for _ in search.inputs]
    for i, k in enumerate(key.vec):
        if not is_key(k):
            return
        own_ids[scope.top_env[i]].add(k)
    if any(len(ids) != sum(1 for e in scope.top_env if e == env) for env, ids in enumerate(own_ids)):
        return  # the key is not unique among the elements: not an id
    seen: set[tuple[Any, ...]] = set()
    for rl in lists:
        if (rl.entry.node,) in seen:
            continue
        seen.add((rl.entry.node,))
        records = [list(by_id.values()) for by_id in rl.by_id]
        if any(r is e for recs in records for r in recs for e in scope.elements[:1]):
            continue  # the scope's own list
        for foreign in rl.fields:
            pairs = [(env, r.get(foreign)) for env, recs in enumerate(records) for r in recs]
            if not pairs or any(not is_key(v) for _, v in pairs):
                continue
            inside = sum(1 for env, v in pairs if v in own_ids[env])
            if inside * 5 < len(pairs) * 4 or inside == 0:
                continue
            yield from _rel_entries(scope, key, rl, foreign, records)


def _rel_entries(scope: Scope, key: Entry, rl: RecordList, foreign: str,
                 records: list[list[dict[str, Any]]]) -> Iterator[Entry]:
    var = _var(rl, scope)
    numeric = [f for f in rl.fields if f != foreign
               and all(is_num(r.get(f)) for recs in records for r in recs)]
    groups = [[r for r in records[scope.top_env[i]] if r.get(foreign) == k] for i, k in enumerate(key.vec)]
    count = [len(g) for g in groups]
    yield Entry(Node("rel", (rl.entry.node, key.node), (foreign, "count", None), var), "num", count, True,
                True)
    for value in numeric:
        for how in REL_AGGREGATES:
            vec = [dsl.aggregate([r[value] for r in g], how) if g or how == "sum" else ERR for g in groups]
            yield Entry(Node("rel", (rl.entry.node, key.node), (foreign, how, value), var), "num", vec, True,
                        True)


def _var(rl: RecordList, scope: Scope) -> str:
    """The name of the other list's element in emitted code, clear of the enclosing lambdas' names."""
    node = rl.entry.node
    last = node.param[1][-1] if node.op == "path" else str(node.param)
    base = singular(last) if singular(last) != last else f"{last}_item"
    taken = set()
    outer: Scope | None = scope
    while outer is not None:
        taken.add(outer.var or "")
        outer = outer.parent
    name, n = base, 2
    while name in taken:
        name, n = f"{base}{n}", n + 1
    return name


def top_finds(search: Search, size: int) -> Iterator[Entry]:
    """At the top: a field of the record a computed id points at (``find(phases, ...).name``)."""
    lists = record_lists(search)
    if not lists:
        return
    for entry in search.top.at(size - 1).get("str", []):
        if entry.node.op not in POINTERS:
            continue
        for rl in lists:
            found = [rl.by_id[env].get(k) if is_key(k) else None for env, k in enumerate(entry.vec)]
            recs = [r for r in found if r is not None]
            if len(recs) != len(found):
                continue
            for f in rl.fields:
                if f == rl.id_field:
                    continue
                vec = [r.get(f, ERR) for r in recs]
                t = infer_type(vec)
                if t in SCALARS and ERR not in vec:
                    var = _var(rl, search.top)
                    yield Entry(Node("find", (rl.entry.node, entry.node), (rl.id_field, (f,)), var), t, vec,
                                False, True)


__all__ = ["RecordList", "join_leaves", "record_lists", "top_finds"]
