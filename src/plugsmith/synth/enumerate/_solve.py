"""Solvers for a *needed* value vector: what a lambda body (or the top-level program) must produce on
every labelled element is known, so instead of enumerating the body it is solved for.

- **classification**: the needed values are labels the program may answer with (the output schema's
  ``enum``, quoted words of the description). Two labels: a condition already in the bank that is true
  exactly where the first label is wanted, ``if(cond, A, B)``. Two or more labels: a number in the bank
  whose order separates them into runs, ``if(x >= 15, "high", if(x >= 8, "medium", "low"))``, with each
  threshold a description number between the runs (the comparison its wording asks for), else (inside
  lambdas only, where many elements vouch for it) the smallest value of the upper run seen in the inputs.
  No label is ever taken from an expected output: a label outside the allowed strings is not solved.
- **weighted sums**: ``(optimistic + 4 * realistic + pessimistic) / 6``: least squares over two to four
  numeric fields, then small integer weights (up to ``MAX_WEIGHT``) over a small divisor (up to
  ``MAX_DIVISOR``), checked exactly, rounded when the needed values are rounded.
- **bounds**: ``max(days_between(a, b), 0)`` inside a lambda, where the needed values stop at 0 or at a
  number of the description.
- **concatenation**: ``concat(a, sep, b)``: a prefix ``a`` from the bank, a separator, and the rest looked
  up.

Each solver caches its work per scope and needed vector, so repeated calls as the bank grows only look at
what is new.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plugsmith.synth.enumerate import _dsl as dsl
from plugsmith.synth.enumerate._classify import classify, condition
from plugsmith.synth.enumerate._dsl import Node
from plugsmith.synth.enumerate._needs import cached, const, entries, known_index, known_positions, values_at
from plugsmith.synth.enumerate._scope import Scope
from plugsmith.synth.enumerate._values import canon, is_num
from plugsmith.synth.enumerate._weighted import linear, ratio

if TYPE_CHECKING:
    from plugsmith.synth.enumerate._search import Search


def solve(search: Search, sub: Scope, needed: list[Any]) -> Node | None:
    """A body for ``needed`` by one of the solvers (None when none applies)."""
    if not needed:
        return None
    found = None
    if all(isinstance(v, str) for v in needed):
        found = classify(search, sub, needed) or concat(search, sub, needed)
    elif all(isinstance(v, bool) for v in needed):
        found = condition(search, sub, needed)
    elif all(is_num(v) for v in needed):
        found = linear(search, sub, needed)
        if found is None and sub.parent is not None:
            found = ratio(search, sub, needed) or bounded(search, sub, needed)
    if found is not None:
        search.solved.add(found)
    return found


# -- bounds ----------------------------------------------------------------------------------------
BOUND_SIZE_MAX = 5  # sizes of the expressions a bound is put around


def bounded(search: Search, sub: Scope, needed: list[Any]) -> Node | None:
    """``max(e, c)`` / ``min(e, c)`` inside a lambda: "0 when on time" is the days late, floored at 0.

    ``c`` is 0 or a number of the description that some needed values equal and none passes (the top
    level does the same by deduction, ``_deduce``); ``e`` is an expression of the bank equal to the
    needed values wherever they are not ``c`` and on the far side of ``c`` where they are."""
    key = ("bounded", canon(needed), search.positions_version)
    done, found = cached(sub, key)
    if found is not None or done >= sub.done:
        return found
    positions = known_positions(search, sub)
    for c in dict.fromkeys([0, *search.consts.numbers]):
        at = [v == c for v in needed]
        if not any(at) or all(at):
            continue
        if all(v >= c for v in needed):
            op, sign = "max2", 1
        elif all(v <= c for v in needed):
            op, sign = "min2", -1
        else:
            continue
        for entry in entries(sub, range(1, min(sub.done, BOUND_SIZE_MAX) + 1), "num"):
            vals = values_at(sub, positions, entry)
            if vals is None or not all(sign * (v - c) <= 0 if a else v == n  # past c where c is needed
                                       for v, n, a in zip(vals, needed, at, strict=True)):
                continue
            if all(v == c for v, a in zip(vals, at, strict=True) if a):
                continue  # the expression is already the answer; no bound needed
            found = Node(op, (entry.node, const(sub, c)))
            break
        if found is not None:
            break
    sub.cache[key] = (sub.done, found)
    return found


# -- concatenation ---------------------------------------------------------------------------------
def concat(search: Search, sub: Scope, needed: list[str]) -> Node | None:
    key = ("concat", canon(needed), search.positions_version)
    done, found = cached(sub, key)
    if found is not None or done >= sub.done:
        return found
    positions = known_positions(search, sub)
    index = known_index(search, sub)
    consts = search.consts
    separators = list(dict.fromkeys([*dsl.CONCAT_SEPARATORS, *consts.words, *consts.separators]))
    for prefix in entries(sub, range(1, min(sub.done, 3) + 1), "str"):
        vals = values_at(sub, positions, prefix)
        pairs = list(zip(needed, vals or [], strict=False))
        if vals is None or not all(n.startswith(v) and len(n) > len(v) for n, v in pairs):
            continue
        rests = [n[len(v):] for n, v in zip(needed, vals, strict=True)]
        for sep in separators:
            if not all(r.startswith(sep) for r in rests):
                continue
            tail = index.get(canon([r[len(sep):] for r in rests]))
            if tail is not None and tail.type == "str" and tail.src is None and tail is not prefix:
                found = Node("concat", (prefix.node, tail.node), sep)
                break
        if found is not None:
            break
    sub.cache[key] = (sub.done, found)
    return found


__all__ = ["bounded", "classify", "concat", "condition", "linear", "ratio", "solve"]
