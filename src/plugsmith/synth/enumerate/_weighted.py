"""Solving for numbers: weighted sums of a scope's fields and ratios of two of its numbers (``_solve``)."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from plugsmith.synth.enumerate import _dsl as dsl
from plugsmith.synth.enumerate._deduce import Wrapper, decimals, meet
from plugsmith.synth.enumerate._dsl import Node
from plugsmith.synth.enumerate._needs import cached, const, entries, known_positions, values_at
from plugsmith.synth.enumerate._scope import Entry, Scope
from plugsmith.synth.enumerate._values import ERR, canon, is_num

if TYPE_CHECKING:
    from plugsmith.synth.enumerate._search import Search

MAX_WEIGHT = 12
MAX_DIVISOR = 12
LINEAR_TERMS = 3        # fields in a weighted sum
LINEAR_FIELDS = 12      # numeric fields considered
RATIO_MAX = 3           # largest numbers of a scope joined by ratio()
TOL = 1e-9
EXACT_SLACK = 0.05      # how far a fitted weight (times the divisor) may be from its integer
ROUNDED_SLACK = 0.3     # ... when the needed values are rounded


def linear(search: Search, sub: Scope, needed: list[float]) -> Node | None:
    top = sub.parent is None
    reach = min(sub.done, 3 if top else 2)   # the sizes of the terms: fields, or totals at the top
    key = ("linear", canon(needed), search.positions_version)
    done, found = cached(sub, key)
    if found is not None or done >= reach or sub.done < 2:
        return found
    positions = known_positions(search, sub)
    fields = []
    kinds = ("path", "var", "sum", "len") if top else ("path", "find", "var")
    for entry in entries(sub, range(1, reach + 1), "num"):
        vals = values_at(sub, positions, entry) if entry.free and entry.node.op in kinds else None
        if vals is not None:
            fields.append((entry, vals))
        if len(fields) >= LINEAR_FIELDS:
            break
    shown = max(decimals(v) for v in needed)
    digits = [d for d in search.consts.rounding if d >= shown] or ([shown] if 1 <= shown <= 3 else [])
    found = None
    for k in range(2, LINEAR_TERMS + 1):
        if len(positions) < k + (0 if top else 1):  # at the top: integer weights are the check
            break
        for chosen in itertools.combinations(fields, k):
            found = _fit(sub, chosen, needed, digits)
            if found is not None:
                break
        if found is not None:
            break
    sub.cache[key] = (reach, found)
    return found


def _fit(sub: Scope, chosen: tuple[tuple[Entry, list[Any]], ...], needed: list[float],
         digits: list[int]) -> Node | None:
    coeffs = _least_squares([vals for _, vals in chosen], needed)
    if coeffs is None:
        return None
    # Rounded answers (to 1 decimal: off by up to 0.05 each) pull the fitted weights off their integers
    # further than exact ones do; every weighting let through is then checked exactly, as emitted.
    slack = ROUNDED_SLACK if digits else EXACT_SLACK
    for divisor in range(1, MAX_DIVISOR + 1):
        weights = [round(c * divisor) for c in coeffs]
        if any(w == 0 or abs(w) > MAX_WEIGHT for w in weights):
            continue
        if any(abs(c * divisor - w) > slack for c, w in zip(coeffs, weights, strict=True)):
            continue
        node = _weighted(sub, [e.node for e, _ in chosen], weights, divisor)
        for wrap in [None, *digits]:
            candidate = node if wrap is None else Node("round", (node,), wrap)
            if _reproduces(sub, candidate, chosen, weights, divisor, wrap, needed):
                return candidate
    return None


def _weighted(sub: Scope, terms: list[Node], weights: list[int], divisor: int) -> Node:
    def term(node: Node, w: int) -> Node:
        return node if abs(w) == 1 else Node("mul", (const(sub, abs(w)), node))

    ordered = sorted(zip(terms, weights, strict=True), key=lambda tw: tw[1] < 0)
    total = term(*ordered[0]) if ordered[0][1] > 0 else Node("sub", (const(sub, 0), term(*ordered[0])))
    for node, w in ordered[1:]:
        total = Node("add" if w > 0 else "sub", (total, term(node, w)))
    return total if divisor == 1 else Node("div", (total, const(sub, divisor)))


def _reproduces(sub: Scope, node: Node, chosen: tuple[tuple[Entry, list[Any]], ...], weights: list[int],
                divisor: int, wrap: int | None, needed: list[float]) -> bool:
    """Evaluate the weighted sum exactly as the emitted code will, on every labelled element."""
    env_names = [f"x{i}" for i in range(len(chosen))]
    plain = _weighted(sub, [Node("var", param=n) for n in env_names], weights, divisor)
    if wrap is not None:
        plain = Node("round", (plain,), wrap)
    for pos, want in enumerate(needed):
        env = {n: vals[pos] for n, (_, vals) in zip(env_names, chosen, strict=True)}
        try:
            got = dsl.evaluate(plain, env)
        except dsl.DSLError:
            return False
        if not (is_num(got) and abs(float(got) - float(want)) <= TOL * (1 + abs(float(want)))):
            return False
    return True


def _least_squares(columns: list[list[Any]], target: list[float]) -> list[float] | None:
    """Coefficients minimising the squared error of ``sum(c_i * column_i)`` against ``target``."""
    k = len(columns)
    a = [[sum(float(x) * float(y) for x, y in zip(columns[i], columns[j], strict=True)) for j in range(k)]
         for i in range(k)]
    b = [sum(float(x) * float(t) for x, t in zip(columns[i], target, strict=True)) for i in range(k)]
    for col in range(k):
        pivot = max(range(col, k), key=lambda r: abs(a[r][col]))
        if abs(a[pivot][col]) < 1e-9:
            return None
        a[col], a[pivot], b[col], b[pivot] = a[pivot], a[col], b[pivot], b[col]
        for r in range(k):
            if r != col:
                f = a[r][col] / a[col][col]
                a[r] = [x - f * y for x, y in zip(a[r], a[col], strict=True)]
                b[r] -= f * b[col]
    return [b[i] / a[i][i] for i in range(k)]


# -- two numbers of the scope ----------------------------------------------------------------------
def ratio(search: Search, sub: Scope, needed: list[float]) -> Node | None:
    """``round(a op b, d)`` of two numbers of a lambda's scope (fields, lifted totals), by meet in the
    middle: ``percent(value, sum(tasks[].cost))`` for each phase's share."""
    key = ("ratio", canon(needed), search.positions_version)
    done, found = cached(sub, key)
    if found is not None or done >= min(sub.done, RATIO_MAX):
        return found
    positions = known_positions(search, sub)
    operands = [e for size in range(1, min(sub.done, RATIO_MAX) + 1) for e in sub.at(size).get("num", [])
                if e.free and not any(v is ERR for v in e.vec)]  # the element's numbers and lifted totals
    shown = max(decimals(v) for v in needed)
    digits = [d for d in search.consts.rounding if d >= shown] or ([shown] if 1 <= shown <= 3 else [])
    wrappers = [Wrapper("round", d) for d in digits]
    for node in meet(operands, operands, positions, needed, wrappers, search.tick):
        if _depends(node, sub):
            found = node
            break
    sub.cache[key] = (min(sub.done, RATIO_MAX), found)
    return found


def _depends(node: Node, sub: Scope) -> bool:
    """Does the expression read the scope's own element (not only outer values)?"""
    if node.op == "var" and node.param == sub.var:
        return True
    if node.op == "path" and node.param[0] == sub.var:
        return True
    return any(_depends(a, sub) for a in node.args)


__all__ = ["linear", "ratio"]
