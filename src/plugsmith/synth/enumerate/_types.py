"""Type rules: which DSL operation applies to which argument types, and what type it yields."""

from __future__ import annotations

from typing import Any

from plugsmith.synth.enumerate._values import SCALARS, Type

NUM_LIST = ("list", "num")
TEXT = frozenset({"str", "date"})

UNARY_OPS: tuple[str, ...] = ("round", "upper", "lower", "title", "replace", "split", "notnull", "not", "len",
                              "sum", "mean", "min", "max", "flatten", "sorted", "unique", "take", "join",
                              "keys", "values", "argmax_key", "argmin_key", "empty", "first", "last")
BINARY_OPS: tuple[str, ...] = ("add", "sub", "mul", "div", "pct", "date_add", "days_between", "lt", "le",
                               "eq", "ne", "and", "or", "concat")
COMMUTATIVE = frozenset({"add", "mul", "eq", "ne", "and", "or"})


def is_list(t: Type) -> bool:
    return isinstance(t, tuple) and t[0] == "list"


def is_map(t: Type) -> bool:
    return isinstance(t, tuple) and t[0] == "map"


def is_rec(t: Type) -> bool:
    return isinstance(t, tuple) and t[0] == "rec"


def unary_type(op: str, t: Type) -> Type | None:
    """Result type of a unary operation on an argument of type ``t`` (None: does not apply)."""
    if op == "round":
        return "num" if t == "num" else None
    if op in ("upper", "lower", "title", "replace"):
        return "str" if t == "str" else None
    if op == "split":
        return ("list", "str") if t == "str" else None
    if op == "notnull":
        return "bool" if t != "bool" else None
    if op == "not":
        return "bool" if t == "bool" else None
    if not (is_list(t) or is_map(t)):
        return None
    inner = t[1]
    table: dict[str, Any] = {
        "len": "num" if is_list(t) else None,
        "empty": "bool" if is_list(t) else None,
        "sum": "num" if t == NUM_LIST else None,
        "mean": "num" if t == NUM_LIST else None,
        "min": inner if is_list(t) and inner in ("num", "date") else None,
        "max": inner if is_list(t) and inner in ("num", "date") else None,
        "flatten": inner if is_list(t) and is_list(inner) else None,
        "sorted": t if is_list(t) and inner in ("num", "str", "date") else None,
        "unique": t if is_list(t) and inner in ("num", "str", "date") else None,
        "take": t if is_list(t) else None,
        "first": inner if is_list(t) and inner in SCALARS else None,
        "last": inner if is_list(t) and inner in SCALARS else None,
        "join": "str" if is_list(t) and inner in TEXT else None,
        "keys": ("list", "str") if is_map(t) else None,
        "values": ("list", inner) if is_map(t) else None,
        "argmax_key": "str" if is_map(t) and inner == "num" else None,
        "argmin_key": "str" if is_map(t) and inner == "num" else None,
    }
    return table.get(op)


def binary_type(op: str, a: Type, b: Type) -> Type | None:
    """Result type of a binary operation (None: does not apply)."""
    if op in ("add", "sub", "mul", "div", "pct"):
        return "num" if a == b == "num" else None
    if op == "date_add":
        return "date" if (a, b) == ("date", "num") else None
    if op == "days_between":
        return "num" if a == b == "date" else None
    if op in ("lt", "le"):
        return "bool" if a == b and a in ("num", "date") else None
    if op in ("eq", "ne"):
        return "bool" if a == b and a in SCALARS else None
    if op in ("and", "or"):
        return "bool" if a == b == "bool" else None
    if op == "concat":
        return "str" if a in TEXT and b in TEXT else None
    return None


def coarse(t: Type) -> str:
    """The JSON kind of a type: what an expected output value can be compared against."""
    if isinstance(t, tuple):
        return "list" if t[0] == "list" else "dict"
    return "str" if t == "date" else str(t)


__all__ = ["BINARY_OPS", "COMMUTATIVE", "UNARY_OPS", "binary_type", "coarse", "is_list", "is_map",
           "is_rec", "unary_type"]
