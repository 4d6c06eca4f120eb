"""The leaves of a scope: variables, field paths, projections, constants; and element names.

Leaves are the size-1 (and, for projections, size-2) expressions every scope starts from: the input ports
at the top, the element a lambda is bound to (``task``) and the enclosing ones, their fields
(``task.risk.likelihood``), a field over a list (``plan_json.tasks[].cost``) or lists joined
(``plan_json.tasks[]*.resources``), and the constants the spec allows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from plugsmith.synth.enumerate import _dsl as dsl
from plugsmith.synth.enumerate._dsl import Node
from plugsmith.synth.enumerate._scope import Entry, Scope
from plugsmith.synth.enumerate._types import is_list, is_rec
from plugsmith.synth.enumerate._values import ERR, SCALARS, infer_type, singular

if TYPE_CHECKING:
    from plugsmith.synth.enumerate._search import Search

PATH_DEPTH = 2  # task.risk.likelihood
RESERVED = frozenset({"inputs", "group", "vals", "item", "items", "sub", "best",
                      "mean", "slack", "schedule", "sum", "len", "min", "max", "sorted", "list", "dict",
                      "round", "date", "timedelta", "add_days", "days_between", "group_by", "key_of_max",
                      "key_of_min", "topological_order", "critical_path", "critical_length",
                      "earliest_start", "earliest_finish", "run", "id", "type", "map", "filter", "all",
                      "any", "str", "int", "float", "set", "next", "iter", "format", "hash", "input",
                      "object", "range", "zip", "vars", "open", "print", "result", "k", "v", "x", "xs"})


def var_name(search: Search, node: Node, scope: Scope) -> str:
    """A readable element name, distinct from the ports and every enclosing element name."""
    base = "item"
    if node.op == "path":
        last = node.param[1][-1]
        base = singular(last)
        if last == "depends_on":
            base = "dep"
    elif node.op in ("values", "map_values", "group", "graph", "to_dict"):
        base = "value"
    elif node.op == "var":
        name = str(node.param)
        base = singular(name) if singular(name) != name else f"{name}_item"
    base = "".join(c if c.isalnum() or c == "_" else "_" for c in base).lower() or "item"
    if not base[0].isalpha():
        base = "x_" + base
    taken = set(search.port_names)
    outer: Scope | None = scope
    while outer is not None:
        taken.add(outer.var or "")
        outer = outer.parent
    name = base
    n = 2
    while name in RESERVED or name in taken:
        name = f"{base}{n}"
        n += 1
    return name


def scope_leaves(search: Search, scope: Scope) -> Iterator[Entry]:
    for name, vec, own in scope.var_vectors():
        t = infer_type(vec)
        if t is None:
            continue
        if own or scope.parent is None or t in SCALARS:  # a scalar port (a date) is usable in lambdas too
            yield Entry(Node("var", param=name), t, vec, own, True)
        yield from _paths(search, name, vec, t, own, (), only_scalars=not own and scope.parent is not None)
        if scope.parent is None and is_list(t) and is_rec(t[1]):  # a port that is a bare list: orders[].qty
            yield from _list_paths(search, name, vec, t[1], own, ())
    const = "literal" if scope.parent is None else "const"
    for number in search.numbers:
        yield Entry(Node(const, param=number), "num", [number] * scope.n, False, False)
    for text in search.enums:
        yield Entry(Node(const, param=text), "str", [text] * scope.n, False, False)

def _paths(search: Search, name: str, vec: list[Any], t: Any, own: bool, fields: tuple[str, ...],
           only_scalars: bool) -> Iterator[Entry]:
    if not is_rec(t) or len(fields) >= PATH_DEPTH:
        return
    for f in t[1]:
        sub = [v[f] if isinstance(v, dict) and f in v else ERR for v in vec]
        ft = infer_type(sub)
        if ft is None or (own is False and ERR in sub) or all(v is ERR for v in sub):
            continue
        path = (*fields, f)
        if ft in SCALARS or not only_scalars:
            yield Entry(Node("path", param=(name, path)), ft, sub, own, True)
        yield from _paths(search, name, sub, ft, own, path, only_scalars)
        if not only_scalars and not fields and is_list(ft) and is_rec(ft[1]):
            yield from _list_paths(search, name, sub, ft[1], own, (f,))

def _list_paths(search: Search, name: str, vec: list[Any], et: Any, own: bool,
                prefix: tuple[str, ...]) -> Iterator[Entry]:
    """``tasks[].cost`` (a field of every element) and ``tasks[]*resources`` (lists joined), of a list
    at ``prefix`` (``()``: the port itself is the list)."""
    for g in et[1]:
        sub: list[Any] = []
        for lst in vec:
            if lst is ERR or not isinstance(lst, list):
                sub.append(ERR)
                continue
            vals = [e.get(g, ERR) if isinstance(e, dict) else ERR for e in lst]
            sub.append(ERR if any(v is ERR for v in vals) else vals)
        if all(v is ERR for v in sub):
            continue
        flat = all(isinstance(x, list) for v in sub if v is not ERR for x in v)
        if flat:
            sub = [v if v is ERR else [x for part in v for x in part] for v in sub]
        t = infer_type(sub)
        if t is None or not is_list(t) or t[1] == "any":
            continue
        marker = dsl.FLATTEN if flat else dsl.PROJECT
        yield Entry(Node("path", param=(name, (*prefix, marker, g))), t, sub, own, True)


__all__ = ["RESERVED", "scope_leaves", "var_name"]
