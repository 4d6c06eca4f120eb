"""Inverse lookups: solve ``map`` and ``to_dict`` outputs by reading the wanted body out of a bank.

When the output is a list as long as a source list (``plan_json.tasks``) in every example, the body of
``map(source, body)`` must produce, element by element, exactly the expected items. That value vector is
known, so instead of enumerating every ``map`` the search looks it up among the bodies already built in
the source's scope (observational equivalence makes the bank a dictionary from value vectors to
expressions). Dictionaries work the same way once a key body (``task.id``) reproduces the expected keys.
Records (``{"id": ..., "end": ...}``) are looked up field by field, with field names from the output
schema only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from plugsmith.synth.enumerate._constants import relevance
from plugsmith.synth.enumerate._dsl import Node
from plugsmith.synth.enumerate._hof import usable_source
from plugsmith.synth.enumerate._scope import Entry, Scope
from plugsmith.synth.enumerate._solve import solve
from plugsmith.synth.enumerate._types import is_list, is_map
from plugsmith.synth.enumerate._values import ERR, canon, is_key

if TYPE_CHECKING:
    from plugsmith.synth.enumerate._search import Search

BODY_MAX = 7
SOURCE_MAX = 2  # sizes of the source lists tried (plan_json.tasks, plan_json.tasks[]*resources)
MAP_SOURCE_MAX = 5  # sizes of the groupings whose values a dictionary output may transform
MAP_SOURCES = 6  # groupings tried
MAP_BODY_MAX = 3  # size to which the scope of a grouping's values is grown


def lookup(search: Search, sub: Scope, needed: list[Any], fields: list[str] | None) -> Node | None:
    """A body in ``sub`` whose values on the labelled elements are ``needed`` (a record built field by
    field when ``fields``)."""
    if fields and all(isinstance(v, dict) and sorted(v) == fields for v in needed):
        parts = [lookup(search, sub, [v[f] for v in needed], None) for f in fields]
        if any(p is None for p in parts):
            return None
        return Node("record", tuple(p for p in parts if p is not None), tuple(fields))
    if search.all_labelled:
        entry = sub.seen.get(canon(needed))
        if entry is not None and (entry.src is not None or any(v is ERR for v in entry.vec)):
            entry = None
    else:
        entry = sub.index(search.positions_version).get(canon(needed))
    if entry is not None and entry.dep:
        return entry.node
    return solve(search, sub, needed)


def _sources(search: Search) -> Iterator[tuple[Entry, Scope, list[list[int]]]]:
    top = search.top
    for size in range(1, SOURCE_MAX + 1):
        for t, entries in list(top.at(size).items()):
            if not is_list(t):
                continue
            for lst in entries:
                found = search.child(top, lst) if usable_source(top, lst) else None
                if found is None:
                    continue
                sub, idx = found
                if [i for ids in idx for i in ids] == list(range(sub.n)):
                    yield lst, sub, idx


def inverse_candidates(search: Search, port: str, target: list[Any], fields: list[str] | None,
                       size: int) -> Iterator[Node]:
    """Programs ``map(source, body)`` / ``to_dict(source, key, body)`` that reproduce ``target`` on the
    labelled environments."""
    envs = search.labelled
    for lst, sub, idx in _sources(search):
        search.ensure(sub, 1)
        if not _may_fit(sub, idx, target, envs):
            continue  # grow a list's scope only when the output's shape can come from that list
        search.ensure(sub, min(size, BODY_MAX))
        if all(isinstance(target[e], list) and len(target[e]) == len(idx[e]) for e in envs):
            body = lookup(search, sub, [x for e in envs for x in target[e]], fields)
            if body is not None and body.op != "var":
                yield Node("map", (lst.node, body), var=sub.var)
        yield from _select_by_key(search, lst, sub, idx, target)
        if not all(isinstance(target[e], dict) and len(target[e]) == len(idx[e]) for e in envs):
            continue
        for key, text in _dict_keys(sub):
            keys = {e: [text(key.vec[i]) for i in idx[e]] for e in envs}
            if any(set(keys[e]) != set(target[e]) or len(set(keys[e])) != len(keys[e]) for e in envs):
                continue
            body = lookup(search, sub, [target[e][k] for e in envs for k in keys[e]], fields)
            if body is not None:
                param = "text" if key.type == "num" else None
                yield Node("to_dict", (lst.node, key.node, body), param, var=sub.var)
    yield from _map_values(search, target, fields, size)


def _dict_keys(sub: Scope) -> Iterator[tuple[Entry, Callable[[Any], Any]]]:
    """Fields that can key a dictionary output: strings, or integers (an employee number), which a JSON
    object holds as text (``"17"``)."""
    for key in sub.at(1).get("str", []):
        if key.dep and all(isinstance(v, str) for v in key.vec):
            yield key, _same_key
    for key in sub.at(1).get("num", []):
        if key.dep and key.node.op == "path" and all(is_key(v) for v in key.vec):
            yield key, str


def _same_key(value: Any) -> Any:
    return value


def _may_fit(sub: Scope, idx: list[list[int]], target: list[Any], envs: list[int]) -> bool:
    """Can ``map``/``to_dict``/a selection over this list give the target (lengths, keys)?"""
    if all(isinstance(target[e], list) and len(target[e]) == len(idx[e]) for e in envs):
        return True
    keys = sub.at(1).get("str", [])
    if all(isinstance(target[e], list) and all(isinstance(x, str) for x in target[e]) for e in envs):
        return any(all(set(target[e]) <= {k.vec[i] for i in idx[e]} for e in envs) for k in keys if k.dep)
    if all(isinstance(target[e], dict) and len(target[e]) == len(idx[e]) for e in envs):
        return any(all(set(target[e]) == {text(k.vec[i]) for i in idx[e]} for e in envs)
                   for k, text in _dict_keys(sub))
    return False


def _map_values(search: Search, target: list[Any], fields: list[str] | None, size: int) -> Iterator[Node]:
    """``map_values(M, value -> body)`` for a dictionary output keyed like a grouping ``M`` already
    built (the share of each phase: ``map_values(group(...), value -> percent(value, total))``)."""
    envs = search.labelled
    if not all(isinstance(target[e], dict) and target[e] for e in envs):
        return
    groupings = [m for s in range(1, min(search.top.done, MAP_SOURCE_MAX) + 1)
                 for t, entries in search.top.at(s).items() if is_map(t) for m in entries
                 if m.node.op == "group" and all(isinstance(v, dict) for v in m.vec)
                 and all(set(m.vec[e]) == set(target[e]) for e in envs)]
    # the groupings closest to the description first: each one tried costs a scope of its own
    groupings.sort(key=lambda m: (-relevance(m.node, search.consts)[0], relevance(m.node, search.consts)[1]))
    for m in groupings[:MAP_SOURCES]:
        found = search.child(search.top, m)
        if found is None:
            continue
        sub, _ = found
        search.ensure(sub, min(size, MAP_BODY_MAX))  # larger bodies come from the solvers (ratio, ...)
        body = lookup(search, sub, [target[e][k] for e in envs for k in m.vec[e]], fields)
        if body is not None and body.op != "var":
            yield Node("map_values", (m.node, body), var=sub.var)


def _select_by_key(search: Search, lst: Entry, sub: Scope, idx: list[list[int]],
                   target: list[Any]) -> Iterator[Node]:
    """``map(selection, key)`` where ``key`` is a unique field: the selection is then known exactly
    (the elements with those keys, in that order), so it is looked up among the lists already built."""
    envs = search.labelled
    if not all(isinstance(target[e], list) and all(isinstance(x, str) for x in target[e]) for e in envs):
        return
    for key in sub.at(1).get("str", []):
        if not key.dep:
            continue
        chosen: list[tuple[int, ...]] = []
        for e in envs:
            where = {key.vec[i]: i for i in idx[e]}
            if len(where) != len(idx[e]) or any(x not in where for x in target[e]):
                break
            chosen.append(tuple(where[x] for x in target[e]))
        else:
            if chosen == [tuple(idx[e]) for e in envs]:
                continue
            found = search.selection(sub, tuple(chosen))
            if found is not None:
                yield Node("map", (found.node, key.node), var=sub.var)
            elif all(list(c) == sorted(c) for c in chosen):  # kept in order: a filter, solve its condition
                kept = {i for c in chosen for i in c}
                pred = solve(search, sub, [i in kept for e in envs for i in idx[e]])
                if pred is not None:
                    yield Node("map", (Node("filter", (lst.node, pred), var=sub.var), key.node), var=sub.var)


__all__ = ["inverse_candidates", "lookup"]
