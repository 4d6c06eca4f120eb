"""The typed DSL: program nodes, what each operation computes, and the trusted interpreter.

A program is a tree of ``Node``s. Leaves are variables (input ports, or the element bound by a
higher-order operation), field paths on them (``task.risk.likelihood``) and a fixed set of small
constants. There is deliberately no way to write an arbitrary literal: constants come only from
``NUMBERS``, ``SEPARATORS`` and the input schemas' ``enum`` values, so a program can never copy a value
out of an example's expected output (no lookup tables by construction).

The scalar operations are defined once in ``SCALAR_OPS`` as plain Python functions; the interpreter
calls them and the code emitter writes the same expression, so both agree on every input.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from plugsmith.synth.enumerate import _runtime as rt

NUMBERS: tuple[float, ...] = (0, 1, 2, 3, 5, 7, 8, 10, 24, 100, 1000, 0.5)
SEPARATORS: tuple[str, ...] = (", ", ",", " ", "-", "/", ": ", "; ", " - ")
SPLIT_SEPARATORS: tuple[str, ...] = (",", " ", "-", "/", ";")
JOIN_SEPARATORS: tuple[str, ...] = (", ", ",", " ", "; ", " -> ")
CONCAT_SEPARATORS: tuple[str, ...] = (" ", "-", ": ", " - ", "/", ", ")
REPLACEMENTS: tuple[tuple[str, str], ...] = ((" ", "-"), (" ", "_"), ("-", " "), ("_", " "), (" ", ""),
                                             ("_", "-"), ("-", "_"))
ROUND_DIGITS: tuple[int, ...] = (0, 1, 2, 3)
TAKE_COUNTS: tuple[int, ...] = (1, 2, 3, 4, 5, 10)
AGGREGATES: tuple[str, ...] = ("sum", "count", "mean", "min", "max", "list")
GRAPH_KINDS: tuple[str, ...] = ("critical_length", "critical_path", "earliest_start", "earliest_finish",
                                "slack", "topological_order")


# Path markers: ``tasks[].cost`` projects a field over a list, ``tasks[]*resources`` flattens lists.
PROJECT = "[]"
FLATTEN = "[]*"

# A constant in the top scope is a "literal" and costs 2: with few examples, a comparison with a constant
# fits by chance far more often than one between fields. Inside lambdas (many elements) it costs 1.
CONSTANT_OPS = frozenset({"const", "literal"})

# Node cost of operations that should lose against plainer programs of similar size.
# A join (``find``: a record by id in another list) costs as much as a field path through it; ``rel`` (an
# aggregate over the records pointing here) as one operation on it.
OP_COST: dict[str, int] = {"literal": 2, "graph": 2, "concat": 2, "split": 2, "join": 2, "map_values": 2,
                           "find": 0}


class DSLError(Exception):
    """A DSL operation does not apply to its argument values (a wrong type, a missing key, ...)."""


@dataclass(frozen=True, slots=True)
class Node:
    """One DSL operation applied to argument nodes; ``var`` names the element a body is evaluated on."""

    op: str
    args: tuple[Node, ...] = ()
    param: Any = None
    var: str | None = None
    size: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        cost = OP_COST.get(self.op, 1)
        if self.op == "path":
            cost += sum(1 for f in self.param[1] if f in (PROJECT, FLATTEN))
        object.__setattr__(self, "size", cost + sum(a.size for a in self.args))


def _join(sep: str, items: Any) -> Any:
    return sep.join(items)


# name -> (arity, function(args..., param)). Each function is exactly the Python the emitter writes.
SCALAR_OPS: dict[str, tuple[int, Callable[..., Any]]] = {
    "add": (2, lambda a, b, p: a + b),
    "sub": (2, lambda a, b, p: a - b),
    "mul": (2, lambda a, b, p: a * b),
    "div": (2, lambda a, b, p: a / b),
    "pct": (2, lambda a, b, p: a / b * 100),
    "round": (1, lambda a, p: round(a, p)),
    "lt": (2, lambda a, b, p: a < b),
    "le": (2, lambda a, b, p: a <= b),
    "eq": (2, lambda a, b, p: a == b),
    "ne": (2, lambda a, b, p: a != b),
    "and": (2, lambda a, b, p: a and b),
    "or": (2, lambda a, b, p: a or b),
    "not": (1, lambda a, p: not a),
    "notnull": (1, lambda a, p: a is not None),
    "upper": (1, lambda a, p: a.upper()),
    "lower": (1, lambda a, p: a.lower()),
    "title": (1, lambda a, p: a.title()),
    "split": (1, lambda a, p: a.split(p)),
    "replace": (1, lambda a, p: a.replace(p[0], p[1])),
    "join": (1, lambda a, p: _join(p, a)),
    "concat": (2, lambda a, b, p: a + p + b),
    "len": (1, lambda a, p: len(a)),
    "empty": (1, lambda a, p: not a),
    "sum": (1, lambda a, p: sum(a)),
    "mean": (1, lambda a, p: rt.mean(a)),
    "min": (1, lambda a, p: min(a)),
    "max": (1, lambda a, p: max(a)),
    "flatten": (1, lambda a, p: [x for xs in a for x in xs]),
    "sorted": (1, lambda a, p: sorted(a, reverse=p)),
    "unique": (1, lambda a, p: list(dict.fromkeys(a))),
    "take": (1, lambda a, p: a[:p]),
    "first": (1, lambda a, p: a[0]),
    "last": (1, lambda a, p: a[-1]),
    "keys": (1, lambda a, p: list(a)),
    "values": (1, lambda a, p: list(a.values())),
    "argmax_key": (1, lambda a, p: rt.key_of_max(a)),
    "argmin_key": (1, lambda a, p: rt.key_of_min(a)),
    "max2": (2, lambda a, b, p: max(a, b)),
    "min2": (2, lambda a, b, p: min(a, b)),
    "date_add": (2, lambda a, b, p: rt.add_days(a, b)),
    "days_between": (2, lambda a, b, p: rt.days_between(a, b)),
}

HIGHER_ORDER = frozenset({"map", "filter", "sort_by", "best", "group", "to_dict", "graph", "map_values",
                          "find", "rel"})

GRAPH_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "critical_length": rt.critical_length,
    "critical_path": rt.critical_path,
    "earliest_start": rt.earliest_start,
    "earliest_finish": rt.earliest_finish,
    "slack": rt.slack,
    "topological_order": rt.topological_order,
}


def aggregate(values: list[Any], how: str) -> Any:
    """One group's aggregate, as the emitted dict comprehension computes it."""
    if how == "sum":
        return sum(values)
    if how == "count":
        return len(values)
    if how == "mean":
        return rt.mean(values)
    if how == "min":
        return min(values)
    if how == "max":
        return max(values)
    return values


def read_path(value: Any, fields: tuple[str, ...]) -> Any:
    """Follow a field path; a missing field or a non-object on the way is a DSLError."""
    for pos, name in enumerate(fields):
        if name in (PROJECT, FLATTEN):
            if not isinstance(value, list):
                raise DSLError("not a list")
            rest = fields[pos + 1:]
            parts = [read_path(item, rest) for item in value]
            if name == FLATTEN:
                return [x for part in parts for x in part]
            return parts
        if not isinstance(value, dict) or name not in value:
            raise DSLError(f"no field {name!r}")
        value = value[name]
    return value


def _int_text(value: Any) -> str:
    if not isinstance(value, int) or isinstance(value, bool):
        raise DSLError("not an integer key")
    return str(value)


def _lookup(node: Node, items: list[Any], key: Any) -> Any:
    """``find``: a field of the record whose id is ``key``; ``rel``: an aggregate over the records whose
    foreign key is ``key`` (0 for a sum or count over none)."""
    if node.op == "find":
        id_field, fields = node.param
        found = rt.find(items, id_field, key)
        if found is None:
            raise DSLError(f"no item with {id_field} {key!r}")
        return read_path(found, fields)
    foreign, how, value = node.param
    values = [read_path(x, (value,)) if value else 1 for x in items if read_path(x, (foreign,)) == key]
    return aggregate(values, "sum" if how == "count" else how)


def evaluate(node: Node, env: dict[str, Any]) -> Any:
    """The trusted interpreter: the value of ``node`` with variables bound by ``env``.

    Raises DSLError for any operation that does not apply (the search treats that as "no value").
    """
    try:
        return _eval(node, env)
    except DSLError:
        raise
    except Exception as exc:  # a Python error inside an operation means the program does not apply
        raise DSLError(f"{type(exc).__name__}: {exc}") from None


def _eval(node: Node, env: dict[str, Any]) -> Any:
    op = node.op
    if op == "var":
        return env[node.param]
    if op == "path":
        return read_path(env[node.param[0]], node.param[1])
    if op in CONSTANT_OPS:
        return node.param
    if op in SCALAR_OPS:
        return SCALAR_OPS[op][1](*(_eval(a, env) for a in node.args), node.param)
    if op == "if":  # only the branch taken is evaluated, as in the emitted conditional expression
        return _eval(node.args[1] if _eval(node.args[0], env) else node.args[2], env)
    if op == "record":
        return {k: _eval(a, env) for k, a in zip(node.param, node.args, strict=True)}
    items = _eval(node.args[0], env)
    var = node.var or "item"
    if op == "map_values":
        return {k: _eval(node.args[1], {**env, var: v}) for k, v in items.items()}
    if not isinstance(items, list):
        raise DSLError("not a list")
    if op in ("find", "rel"):
        return _lookup(node, items, _eval(node.args[1], env))

    def body(i: int) -> Callable[[Any], Any]:
        return lambda item: _eval(node.args[i], {**env, var: item})

    if op == "map":
        return [body(1)(x) for x in items]
    if op == "filter":
        return [x for x in items if body(1)(x)]
    if op == "sort_by":
        return sorted(items, key=body(1), reverse=node.param)
    if op == "best":
        return rt.best(items, body(1), body(2), node.param)
    if op == "group":
        value = body(2) if len(node.args) > 2 else (lambda item: 1)
        groups = rt.group_by(items, body(1), value)
        return {k: aggregate(vs, node.param) for k, vs in groups.items()}
    if op == "to_dict":  # param "text": integer keys written as JSON object keys are, as text
        if node.param == "text":
            return {_int_text(body(1)(x)): body(2)(x) for x in items}
        return {body(1)(x): body(2)(x) for x in items}
    if op == "graph":
        kind, id_field, deps_field = node.param
        fn = GRAPH_FUNCTIONS[kind]
        ident = lambda item: item[id_field]  # noqa: E731
        deps = lambda item: item[deps_field]  # noqa: E731
        if kind == "topological_order":
            return fn(items, ident, deps)
        return fn(items, ident, deps, body(1))
    raise DSLError(f"unknown operation {op!r}")


__all__ = [
    "AGGREGATES", "CONCAT_SEPARATORS", "CONSTANT_OPS", "FLATTEN", "GRAPH_KINDS", "HIGHER_ORDER",
    "JOIN_SEPARATORS", "NUMBERS", "OP_COST", "PROJECT", "REPLACEMENTS", "ROUND_DIGITS", "SCALAR_OPS",
    "SEPARATORS",
    "SPLIT_SEPARATORS", "TAKE_COUNTS", "DSLError", "Node", "aggregate", "evaluate", "read_path",
]
