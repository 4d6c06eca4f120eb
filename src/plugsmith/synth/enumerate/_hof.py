"""Higher-order operations: a list from the current scope, lambda bodies from the list's own scope.

Bodies were evaluated once on every element of every example (in the list's scope); each operation
here just gathers the body values at the list's element indices. A body value that is missing (ERR)
on an element the operation needs makes that environment's result missing too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from plugsmith.synth.enumerate import _dsl as dsl
from plugsmith.synth.enumerate import _runtime as rt
from plugsmith.synth.enumerate._dsl import Node
from plugsmith.synth.enumerate._scope import Entry, Scope
from plugsmith.synth.enumerate._types import is_list, is_map, is_rec
from plugsmith.synth.enumerate._values import ERR, SCALARS

if TYPE_CHECKING:
    from plugsmith.synth.enumerate._search import Search

BODY_MAX = 7
NESTED_BODY_MAX = 4  # a lambda inside a lambda (resource -> resource.hours * resource.rate)
KEY_MAX = 1  # group and dictionary keys: a field
GRAPH_WEIGHT_MAX = 2
LIST_VALUE_MAX = 2
SORT_KEY_MAX = 3
SUM_VALUE_MAX = 4  # group(..., sum, value): a field, or a product of fields, ...
AGG_VALUE_MAX = 3  # mean/min/max per group: a field or a product of fields
GROUP_VALUE_OPS = frozenset({"mul", "sum", "len", "max", "min", "mean", "path", "var"})
PICK_MAX = 1  # the projection of argmax/argmin: a field such as task.id
KEY_TYPES = ("str", "date")
ORDER_TYPES = ("num", "date", "str")


def higher_order(search: Search, scope: Scope, size: int) -> Iterator[Entry]:
    """Every higher-order expression of ``size`` in ``scope``, in a fixed order."""
    want_maps = search.useful(scope, ("map", "num"), "group", size)
    want_lists = True  # decided per body type in _one_body
    want_scalar = search.useful(scope, "str", "best", size) or search.useful(scope, "num", "best", size)
    for a in range(1, size):
        r = size - 1 - a
        for lt, lists in list(scope.at(a).items()):
            if not (is_list(lt) or is_map(lt)):
                continue
            if is_map(lt):
                continue  # map_values comes from inverse lookups only (a scope per dictionary is costly)
            for lst in list(lists):
                search.tick(force=True)
                if not usable_source(scope, lst):
                    continue
                found = search.child(scope, lst)
                if found is None:
                    continue
                sub, idx = found
                graph_ok = lst.node.op in ("path", "var") and is_rec(lst.type[1]) and scope.parent is None
                rg = r - dsl.OP_COST["graph"] + 1
                if graph_ok and rg == 0:
                    yield from _graph(lst, sub, idx, None, "topological_order")
                if graph_ok and 1 <= rg <= GRAPH_WEIGHT_MAX:
                    search.ensure(sub, rg)
                    for weight in _bodies(sub, rg, ("num",)):
                        for kind in dsl.GRAPH_KINDS[:-1]:
                            yield from _graph(lst, sub, idx, weight, kind)
                nested = scope.parent is not None  # inside a lambda: map, filter and argmax only
                if not 1 <= r <= (NESTED_BODY_MAX if nested else BODY_MAX):
                    continue
                search.ensure(sub, r)
                yield from _one_body(search, scope, lst, sub, idx, r, want_lists, want_maps and not nested,
                                     nested)
                yield from _two_bodies(search, lst, sub, idx, r, want_maps and not nested, want_scalar)


SCALAR_SOURCES = frozenset({"path", "flatten", "values", "keys", "var"})


def usable_source(scope: Scope, lst: Entry) -> bool:
    """May ``lst`` feed a higher-order operation here (a list of records, or of raw scalars)?"""
    if is_map(lst.type):
        return scope.parent is None and lst.node.op in ("graph", "group", "to_dict")
    projected = lst.node.op == "path" and dsl.PROJECT in lst.node.param[1]
    if lst.type[1] in SCALARS and lst.src is None and (lst.node.op not in SCALAR_SOURCES or projected):
        return False  # lists of computed or projected scalars: transform their source instead
    if scope.parent is not None and not lst.dep:
        return False  # a loop-invariant list inside a lambda: compute it outside instead
    if any(not isinstance(v, list | dict) for v in lst.vec):
        return False  # missing (ERR) or null somewhere
    if lst.node.op == "map" and lst.src is None and lst.type[1] in SCALARS:
        return False  # mapping a mapped list again is the same as mapping once
    if is_rec(lst.type[1]) and not lst.type[1][1]:
        return False  # records without fields
    return not all(len(v) == 0 for v in lst.vec)


def _groupable(lst: Entry) -> bool:
    return lst.node.op in ("path", "filter", "flatten", "var", "values", "keys", "split")


def _bodies(sub: Scope, size: int, types: tuple[Any, ...] | None = None) -> Iterator[Entry]:
    for t, entries in sub.at(size).items():
        if types is not None and t not in types:
            continue
        for e in entries:
            if e.dep:
                yield e


def _keys(sub: Scope, size: int) -> Iterator[Entry]:
    """Group keys: a field, or a field of the record an id points at (``find(...).name``)."""
    for key in _bodies(sub, size, KEY_TYPES):
        if size <= KEY_MAX or key.node.op == "find":
            yield key


def _gather(body: Entry, idx: list[list[int]]) -> list[list[Any] | Any]:
    out: list[Any] = []
    for ids in idx:
        vals = [body.vec[i] for i in ids]
        out.append(ERR if any(v is ERR for v in vals) else vals)
    return out


def _one_body(search: Search, scope: Scope, lst: Entry, sub: Scope, idx: list[list[int]], r: int,
              want_lists: bool, want_maps: bool, nested: bool) -> Iterator[Entry]:
    var = sub.var
    list_out = "list" in search.wanted or scope is not search.top
    for body in _bodies(sub, r):
        if body.node.op == "var" or (not want_lists and body.type in SCALARS):
            continue
        if not list_out and (body.type == "bool" or lst.node.op == "sort_by"):
            continue  # order and per-element flags only matter to list outputs
        if not search.useful(scope, ("list", body.type), "map", r + 1 + lst.node.size):
            continue
        vec = _gather(body, idx)
        yield Entry(Node("map", (lst.node, body.node), var=var), ("list", body.type), vec, lst.dep, True)
    for pred in _bodies(sub, r, ("bool",)):
        new_idx = []
        for ids in idx:
            if any(pred.vec[i] is ERR for i in ids):
                break
            new_idx.append([i for i in ids if pred.vec[i]])
        else:
            if new_idx != idx:
                vec = [[sub.elements[i] for i in ids] for ids in new_idx]
                yield Entry(Node("filter", (lst.node, pred.node), var=var), lst.type, vec, lst.dep, True,
                            (sub, new_idx))
    sorts = not nested and r <= SORT_KEY_MAX and search.useful(scope, lst.type, "sort_by",
                                                                r + 1 + lst.node.size)
    for key in _bodies(sub, r, ORDER_TYPES) if sorts else ():
        for desc in (False, True):
            try:
                new_idx = [sorted(ids, key=key.vec.__getitem__, reverse=desc) for ids in idx]
            except TypeError:  # ERR or None among the keys
                break
            if new_idx != idx:
                vec = [[sub.elements[i] for i in ids] for ids in new_idx]
                yield Entry(Node("sort_by", (lst.node, key.node), desc, var), lst.type, vec, lst.dep, True,
                            (sub, new_idx))
    if r <= KEY_MAX + 1 and _groupable(lst) and want_maps:
        for key in _keys(sub, r):
            yield from _group(lst, sub, idx, key, None, "count")


def _two_bodies(search: Search, lst: Entry, sub: Scope, idx: list[list[int]], r: int, want_maps: bool,
                want_scalar: bool) -> Iterator[Entry]:
    for r1 in range(1, r):
        r2 = r - r1
        keys = list(_keys(sub, r1)) if r1 <= KEY_MAX + 1 and _groupable(lst) and want_maps else []
        if keys:
            aggs = ("sum", "mean", "min", "max") if r2 <= AGG_VALUE_MAX else ("sum",)
            for value in _bodies(sub, r2, ("num",)) if r2 <= SUM_VALUE_MAX else ():
                if r2 >= 3 and value.node.op not in GROUP_VALUE_OPS:
                    continue  # sums of (a + b) are sums of a plus sums of b: products and aggregates only
                for key in keys:
                    for how in aggs:
                        yield from _group(lst, sub, idx, key, value, how)
            for value in _bodies(sub, r2):
                if value.type in SCALARS and r2 <= LIST_VALUE_MAX:
                    for key in keys:
                        yield from _group(lst, sub, idx, key, value, "list")
                if r2 == 1 and (value.type in SCALARS or (is_list(value.type) and value.type[1] in SCALARS)):
                    for key in keys:  # larger dictionaries come from inverse lookups
                        yield from _to_dict(lst, sub, idx, key, value)
        if r2 <= PICK_MAX and want_scalar and lst.node.op != "sort_by":  # order only breaks ties
            picks = [p for p in _bodies(sub, r2) if p.type in SCALARS]
            for key in _bodies(sub, r1, ORDER_TYPES):
                for pick in picks:
                    for largest in (True, False):
                        yield from _best(lst, sub, idx, key, pick, largest)


def _group(lst: Entry, sub: Scope, idx: list[list[int]], key: Entry, value: Entry | None,
           how: str) -> Iterator[Entry]:
    out: list[Any] = []
    distinct = 0
    for ids in idx:
        keys = [key.vec[i] for i in ids]
        vals = [1] * len(ids) if value is None else [value.vec[i] for i in ids]
        if any(not isinstance(k, str) for k in keys) or any(v is ERR for v in vals):
            out.append(ERR)
            continue
        distinct += len(set(keys)) < len(keys)
        groups = rt.group_by(range(len(ids)), keys.__getitem__, vals.__getitem__)
        try:
            out.append({k: dsl.aggregate(vs, how) for k, vs in groups.items()})
        except Exception:  # e.g. min of mixed types
            out.append(ERR)
    if all(v is ERR for v in out) or not distinct:
        return  # no group has two members anywhere: that is a dictionary, not a grouping
    args = (lst.node, key.node) if value is None else (lst.node, key.node, value.node)
    vt: Any = "num" if how != "list" else ("list", value.type if value else "num")
    yield Entry(Node("group", args, how, sub.var), ("map", vt), out, lst.dep, True)


def _to_dict(lst: Entry, sub: Scope, idx: list[list[int]], key: Entry, value: Entry) -> Iterator[Entry]:
    out: list[Any] = []
    for ids in idx:
        keys = [key.vec[i] for i in ids]
        vals = [value.vec[i] for i in ids]
        bad = any(not isinstance(k, str) for k in keys) or any(v is ERR for v in vals)
        out.append(ERR if bad or len(set(keys)) != len(keys) else dict(zip(keys, vals, strict=True)))
    if not all(v is ERR for v in out):
        yield Entry(Node("to_dict", (lst.node, key.node, value.node), var=sub.var), ("map", value.type),
                    out, lst.dep, True)


def _best(lst: Entry, sub: Scope, idx: list[list[int]], key: Entry, pick: Entry,
          largest: bool) -> Iterator[Entry]:
    out: list[Any] = []
    for ids in idx:
        try:
            found = rt.best(ids, key.vec.__getitem__, pick.vec.__getitem__, largest)
        except TypeError:
            found = ERR
        if any(key.vec[i] is ERR for i in ids):
            found = ERR
        out.append(found)
    if not all(v is ERR for v in out):
        yield Entry(Node("best", (lst.node, key.node, pick.node), largest, sub.var), pick.type, out,
                    lst.dep, True)


def _graph(lst: Entry, sub: Scope, idx: list[list[int]], weight: Entry | None,
           kind: str) -> Iterator[Entry]:
    if not is_rec(lst.type[1]):
        return
    for id_field, deps_field in _graph_fields(sub, idx):
        def ident(i: int, f: str = id_field) -> Any:
            return sub.elements[i][f]

        def deps(i: int, f: str = deps_field) -> Any:
            return sub.elements[i][f]

        out: list[Any] = []
        for ids in idx:
            try:
                if weight is None:
                    out.append(rt.topological_order(ids, ident, deps))
                else:
                    if any(weight.vec[i] is ERR for i in ids):
                        raise ValueError("no weight")
                    out.append(dsl.GRAPH_FUNCTIONS[kind](ids, ident, deps, weight.vec.__getitem__))
            except (ValueError, TypeError, KeyError):
                out.append(ERR)
        if all(v is ERR for v in out):
            continue
        t: Any = {"critical_length": "num", "critical_path": ("list", "str"),
                  "topological_order": ("list", "str")}.get(kind, ("map", "num"))
        args = (lst.node,) if weight is None else (lst.node, weight.node)
        yield Entry(Node("graph", args, (kind, id_field, deps_field), sub.var), t, out, lst.dep, True)


def _graph_fields(sub: Scope, idx: list[list[int]]) -> list[tuple[str, str]]:
    """(id field, dependency field) pairs: unique string ids, and lists of ids."""
    key = ("graph", tuple(tuple(i) for i in idx))
    if key not in sub.cache:
        sub.cache[key] = _find_graph_fields(sub, idx)
    result: list[tuple[str, str]] = sub.cache[key]
    return result


def _find_graph_fields(sub: Scope, idx: list[list[int]]) -> list[tuple[str, str]]:
    if not sub.elements or not all(isinstance(e, dict) for e in sub.elements):
        return []
    fields = sorted(set.intersection(*(set(e) for e in sub.elements)))
    ids = [f for f in fields if all(isinstance(e[f], str) for e in sub.elements)
           and all(len({sub.elements[i][f] for i in ids_}) == len(ids_) for ids_ in idx)]
    deps = [f for f in fields if all(isinstance(e[f], list) and all(isinstance(x, str) for x in e[f])
                                     for e in sub.elements)]
    return [(i, d) for i in ids for d in deps]


def _map_values(mp: Entry, sub: Scope, idx: list[list[int]], r: int) -> Iterator[Entry]:
    for body in _bodies(sub, r):
        out: list[Any] = []
        for m, ids in zip(mp.vec, idx, strict=True):
            vals = [body.vec[i] for i in ids]
            out.append(ERR if any(v is ERR for v in vals) else dict(zip(m, vals, strict=True)))
        yield Entry(Node("map_values", (mp.node, body.node), var=sub.var), ("map", body.type), out, mp.dep,
                    True)
