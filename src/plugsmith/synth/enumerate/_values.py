"""Value-level helpers: JSON types of observed values, canonical keys and tolerant equality.

The search never trusts a schema alone: a field's type is what its values are on the examples. Types
are plain strings or tuples so they hash and compare cheaply::

    "num" | "str" | "date" | "bool" | "any"
    ("list", T)        a JSON array of T
    ("rec", fields)    a JSON object read from an input (fields may be accessed)
    ("map", T)         a JSON object built by the program (string keys; never field-accessed, because its
                       keys are example data, and reading them back would be memorisation)
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

Type = Any  # str or tuple, see the module docstring

# Field order for ties between equally small programs: the input schemas' property order (set by
# synthesize_program), then alphabetical. Never the examples' key order, so reordering keys changes nothing.
FIELD_RANK: ContextVar[dict[str, int]] = ContextVar("FIELD_RANK", default={})  # noqa: B039 - read-only default

SCALARS = frozenset({"num", "str", "date", "bool"})
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _Missing:
    """The marker for "this expression has no value here" (an operation failed on this element)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ERR"


ERR: Any = _Missing()


def is_num(value: Any) -> bool:
    """True for JSON numbers (bools are not numbers here, unlike in Python)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def singular(word: str) -> str:
    """A plural English noun's singular, for element names and for matching the description's words to
    field names: ``entries`` -> ``entry``, ``batches`` -> ``batch``, ``tasks`` -> ``task``; words of three
    letters or fewer and ``-ss``, ``-us``, ``-is`` words (``status``, ``basis``) are left alone."""
    if len(word) <= 3 or not word.endswith("s") or word.endswith(("ss", "us", "is", "series")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    return word[:-1]


def is_key(value: Any) -> bool:
    """True for values that can identify a record: strings and integers (``"t1"``, employee ``17``)."""
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def infer_type(values: Iterable[Any]) -> Type | None:
    """The common type of some observed values (``None`` entries ignored); None when there is none."""
    seen = [v for v in values if v is not None and v is not ERR]
    if not seen:
        return None
    if all(isinstance(v, bool) for v in seen):
        return "bool"
    if all(is_num(v) for v in seen):
        return "num"
    if all(isinstance(v, str) for v in seen):
        return "date" if all(_ISO_DATE.match(v) for v in seen) else "str"
    if all(isinstance(v, list) for v in seen):
        inner = infer_type(x for v in seen for x in v)
        return ("list", inner if inner is not None else "any")
    if all(isinstance(v, dict) for v in seen):
        rank = FIELD_RANK.get()
        fields = sorted({k for v in seen for k in v}, key=lambda k: (rank.get(k, len(rank)), k))
        return ("rec", tuple(fields))
    return None


_TRUE = ("b", True)
_FALSE = ("b", False)


def canon(value: Any) -> Any:
    """A hashable key equal for values the JSON output cannot tell apart (3 == 3.0, key order).

    Floats are rounded to 9 decimals so that sums taken in another order still compare equal; bools
    are kept apart from the numbers 0 and 1. This runs for every candidate, so it is kept lean.
    """
    t = type(value)
    if t is str or t is int or value is None:
        return value
    if t is float:
        if value != value or value in (float("inf"), float("-inf")):
            return ("f", repr(value))
        return round(value, 9) + 0.0
    if t is bool:
        return _TRUE if value else _FALSE
    if t is list or t is tuple:
        return ("l", tuple([canon(v) for v in value]))
    if t is dict:
        return ("d", tuple(sorted([(str(k), canon(v)) for k, v in value.items()])))
    if value is ERR:
        return ("?", "ERR")
    return ("?", repr(value))


def same(a: Any, b: Any, rel: float = 1e-9) -> bool:
    """Equality of JSON values with a small relative tolerance on numbers; bools are not numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if is_num(a) and is_num(b):
        try:
            return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=1e-9)
        except OverflowError:  # an integer beyond a double: only exact equality is meaningful
            return bool(a == b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y, rel) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], rel) for k in a)
    return type(a) is type(b) and a == b


def constants_in(value: Any) -> set[Any]:
    """Every scalar inside a JSON value (used to show outputs cannot be copied into programs)."""
    if isinstance(value, dict):
        return {c for v in value.values() for c in constants_in(v)} | set(value)
    if isinstance(value, list):
        return {c for v in value for c in constants_in(v)}
    return {value}


__all__ = ["ERR", "FIELD_RANK", "SCALARS", "Type", "canon", "constants_in", "infer_type", "is_key", "is_num",
           "same", "singular"]
