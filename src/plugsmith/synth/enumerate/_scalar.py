"""First-order candidates: which compositions are worth building, and their values on a whole scope.

The rules here prune compositions that never help (``upper(lower(x))``, ``split`` of a computed string,
``(x + 1) * 7``: constants appear only in the outermost arithmetic, and each arithmetic operation takes
only the constants that make sense for it). ``apply`` evaluates an operation on every environment at
once; an environment where it does not apply gets ERR instead of a value.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from plugsmith.synth.enumerate import _dsl as dsl
from plugsmith.synth.enumerate._dsl import Node
from plugsmith.synth.enumerate._scope import Entry
from plugsmith.synth.enumerate._values import ERR, is_num

_STRING_OPS = frozenset({"upper", "lower", "title", "replace", "split", "join", "concat"})


def unary_ok(op: str, arg: Node, wants_list: bool) -> bool:
    """Prune unary compositions that never help: ``upper(lower(x))``, ``split`` of a computed string."""
    if op in ("upper", "lower", "title"):
        return arg.op not in _STRING_OPS
    if op == "split":
        return arg.op in ("path", "var")
    if op == "replace":  # "Site survey" -> "site-survey": after a change of case, not before
        return arg.op in ("path", "var", "find", "lower", "upper", "title")
    if op == "join":
        return arg.op in ("path", "map", "sorted", "unique", "var")
    if op in ("keys", "values"):
        return arg.op in ("path", "var", "graph", "group", "to_dict")
    if op in ("sorted", "unique"):
        return arg.op in ("path", "map", "keys", "values", "flatten", "unique", "var") and (
            arg.op != "map" or wants_list)
    if op == "take":
        return arg.op in ("sort_by", "sorted")
    if op in ("first", "last"):  # first(map(L, f)) is f of L's first element: map that instead
        return arg.op in ("split", "sorted", "path", "graph", "unique")
    if op == "empty":
        return arg.op in ("path", "filter", "var")
    if op == "round":
        return arg.op in ("div", "mul", "pct", "mean", "sum", "var", "path")
    return True


# Which of the fixed constants each arithmetic or comparison operation may take (None: any).
_OP_CONSTANTS: dict[str, tuple[frozenset[float], frozenset[float]]] = {
    "add": (frozenset(), frozenset({1})),
    "sub": (frozenset({1, 100}), frozenset({1})),
    "mul": (frozenset(), frozenset({2, 7, 8, 24, 100, 1000, 0.5})),
    "div": (frozenset(), frozenset({2, 7, 8, 24, 100, 1000})),
    "pct": (frozenset(), frozenset()),
    "date_add": (frozenset(), frozenset({1, 7})),
}


ARITH = frozenset({"add", "sub", "mul", "div", "pct"})


def const_arith(node: Node) -> bool:
    return node.op in ARITH and any(a.op in dsl.CONSTANT_OPS for a in node.args)


# Comparisons that put a threshold's own value on the upper side (x >= c, x < c) or the lower (x > c, x <= c).
UPPER_CLOSED = frozenset({"ge", "lt"})


def consts_ok(op: str, a: Node, b: Node, described: frozenset[float] = frozenset(),
              comparisons: dict[float, str] | None = None) -> bool:
    """May ``op`` take these constant arguments? Fixed constants only where they make sense for the
    operation; numbers from the description anywhere, but a threshold the description words as
    "at least 15" only in the comparisons that agree with it (``15 <= x``, ``x < 15``)."""
    a_const, b_const = a.op in dsl.CONSTANT_OPS, b.op in dsl.CONSTANT_OPS
    if op in ("lt", "le") and comparisons and (a_const or b_const):
        value = a.param if a_const else b.param
        kind = comparisons.get(value)
        if kind is not None:
            # lt(c, x) is x > c; lt(x, c) is x < c; le(c, x) is x >= c; le(x, c) is x <= c
            upper = (op == "lt") != a_const
            return upper == (kind in UPPER_CLOSED)
    if (a_const and a.param in described) or (b_const and b.param in described):
        return not (a_const and b_const)
    allowed = _OP_CONSTANTS.get(op)
    if allowed is None:
        return True
    if a_const and a.param not in allowed[0]:
        return False
    return not (b_const and b.param not in allowed[1])


def params(op: str, separators: tuple[str, ...] = ()) -> tuple[Any, ...]:
    """The parameters an operation is tried with: the DSL's fixed ones, then for text operations the
    separators the description names (``separators``: "replaced by a dot" allows ``replace(s, " ", ".")``)."""
    if op == "round":
        return dsl.ROUND_DIGITS
    if op == "split":
        return tuple(dict.fromkeys([*dsl.SPLIT_SEPARATORS, *(s.strip() or s for s in separators)]))
    if op == "replace":
        extra = [pair for s in separators for pair in ((" ", s), (s, " ")) if s != " "]
        return tuple(dict.fromkeys([*dsl.REPLACEMENTS, *extra]))
    if op == "join":
        return tuple(dict.fromkeys([*dsl.JOIN_SEPARATORS, *separators]))
    if op == "sorted":
        return (False, True)
    if op == "take":
        return dsl.TAKE_COUNTS
    return (None,)


def apply(op: str, args: tuple[Entry, ...], param: Any, out: Any, dep: bool) -> Iterator[Entry]:
    """Evaluate a scalar operation on every environment; nothing when it fails anywhere."""
    fn = dsl.SCALAR_OPS[op][1]
    vec: list[Any] = []
    if len(args) == 1:
        for a in args[0].vec:
            try:
                vec.append(ERR if a is ERR else fn(a, param))
            except Exception:  # the operation does not apply to this element
                vec.append(ERR)
    else:
        for a, b in zip(args[0].vec, args[1].vec, strict=True):
            try:
                vec.append(ERR if a is ERR or b is ERR else fn(a, b, param))
            except Exception:  # the operation does not apply to this element
                vec.append(ERR)
    if all(v is ERR for v in vec):
        return
    if op == "take" and args[0].src is not None:
        scope, idx = args[0].src
        new_idx = [i[:param] for i in idx]
        if new_idx == idx:
            return
        yield Entry(Node(op, args=(args[0].node,), param=param), out, vec, dep, True, (scope, new_idx))
        return
    if op == "take" and all(not isinstance(a, list) or len(a) <= param for a in args[0].vec):
        return
    if out == "num" and not all(is_num(v) or v is ERR for v in vec):
        return
    if op == "notnull" and all(v is True for v in vec):
        return
    if out == "str" and not all(isinstance(v, str) or v is ERR for v in vec):
        return
    yield Entry(Node(op, args=tuple(a.node for a in args), param=param), out, vec, dep, True)


__all__ = ["ARITH", "apply", "const_arith", "consts_ok", "params", "unary_ok"]
