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
- **concatenation**: ``concat(a, sep, b)``: a prefix ``a`` from the bank, a separator, and the rest looked
  up.

Each solver caches its work per scope and needed vector, so repeated calls as the bank grows only look at
what is new.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from plugsmith.synth.enumerate import _dsl as dsl
from plugsmith.synth.enumerate._constants import plausibility, relevance
from plugsmith.synth.enumerate._deduce import Wrapper, decimals, meet
from plugsmith.synth.enumerate._dsl import Node
from plugsmith.synth.enumerate._scope import Entry, Scope
from plugsmith.synth.enumerate._values import ERR, canon, is_num

if TYPE_CHECKING:
    from plugsmith.synth.enumerate._search import Search

CLASSIFY_MAX = 5        # largest number (body size) whose order is tried as the classifying quantity
COND_PART_MAX = 3       # largest condition joined with another by and/or
COMPARE_MAX = 4         # largest top-level numbers compared with each other
RATIO_MAX = 3           # largest numbers of a scope joined by ratio()
COMPARE_COUNT = 60      # how many of them (the first found)
BOUNDARY_MAX = 2        # largest such body when the threshold comes from the examples' boundary
MAX_WEIGHT = 12
MAX_DIVISOR = 12
LINEAR_TERMS = 3        # fields in a weighted sum
LINEAR_FIELDS = 12      # numeric fields considered
TOL = 1e-9


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
            found = ratio(search, sub, needed)
    if found is not None:
        search.solved.add(found)
    return found


def _cached(sub: Scope, key: Any) -> tuple[int, Node | None]:
    """(size of the scope the answer was computed at, the answer) for a solver's cache key."""
    done, found = sub.cache.get(key, (0, None))
    return int(done), found if isinstance(found, Node) else None


def _const(sub: Scope, value: Any) -> Node:
    return Node("const" if sub.parent is not None else "literal", param=value)


def _values(sub: Scope, positions: list[int], entry: Entry) -> list[Any] | None:
    vals = [entry.vec[i] for i in positions]
    return None if any(v is ERR for v in vals) or any(v is ERR for v in entry.vec) else vals


def _entries(sub: Scope, sizes: range, t: str) -> Iterator[Entry]:
    for size in sizes:
        for entry in sub.at(size).get(t, []):
            if entry.dep or sub.parent is None:
                yield entry


def condition(search: Search, sub: Scope, needed: list[bool]) -> Node | None:
    """A condition true exactly where ``needed`` is: one from the bank, two joined by ``and``/``or``
    (each at most ``COND_PART_MAX`` nodes), or at the top a comparison of two numbers the description
    talks about. Among several, the one closest to the description's words, then the smallest."""
    index = sub.seen if search.all_labelled else sub.index(search.positions_version)
    entry = index.get(canon(needed))
    exact = entry if entry is not None and entry.type == "bool" and entry.src is None and (
        entry.dep or sub.parent is None) else None
    key = ("condition", canon(needed), search.positions_version)
    done, found = _cached(sub, key)
    if found is not None or done >= min(sub.done, COND_PART_MAX):
        return found or (exact.node if exact else None)
    positions = sub.positions(search.positions_version) if not search.all_labelled else list(range(sub.n))
    want = sum(1 << i for i, v in enumerate(needed) if v)
    full = (1 << len(needed)) - 1
    masks: list[tuple[int, Node]] = []
    for entry in _entries(sub, range(1, min(sub.done, COND_PART_MAX) + 1), "bool"):
        vals = _values(sub, positions, entry)
        if vals is not None and entry.free and entry.src is None:
            masks.append((sum(1 << i for i, v in enumerate(vals) if v), entry.node))
    if sub.parent is None:
        masks += _comparisons(search, sub, positions)
    options = [n for m, n in masks if m == want] + ([exact.node] if exact else [])
    supersets = [(m, n) for m, n in masks if m & want == want and m not in (want, full)]
    subsets = [(m, n) for m, n in masks if m & ~want == 0 and m not in (0, want)]
    pairs = itertools.combinations(supersets, 2)
    options += [Node("and", (a, b)) for (ma, a), (mb, b) in pairs if ma & mb == want]
    pairs = itertools.combinations(subsets, 2)
    options += [Node("or", (a, b)) for (ma, a), (mb, b) in pairs if ma | mb == want]
    if options:
        found = min(options, key=lambda n: _rank(search, n))
    sub.cache[key] = (min(sub.done, COND_PART_MAX), found)
    return found


def _rank(search: Search, node: Node) -> float:
    return -plausibility(node, search.consts)


def _comparisons(search: Search, sub: Scope, positions: list[int]) -> list[tuple[int, Node]]:
    """``a < b`` / ``a <= b`` for top-level numbers naming something the description mentions."""
    numbers = [e for e in _entries(sub, range(1, COMPARE_MAX + 1), "num")
               if e.free and relevance(e.node, search.consts)[0] > 0]
    out: list[tuple[int, Node]] = []
    for a, b in itertools.permutations(numbers[:COMPARE_COUNT], 2):
        va, vb = _values(sub, positions, a), _values(sub, positions, b)
        if va is None or vb is None:
            continue
        out.append((sum(1 << i for i, (x, y) in enumerate(zip(va, vb, strict=True)) if x < y),
                    Node("lt", (a.node, b.node))))
    return out


# -- classification --------------------------------------------------------------------------------
def classify(search: Search, sub: Scope, needed: list[str]) -> Node | None:
    answers = search.consts.answers
    labels = list(dict.fromkeys(needed))
    if not set(labels) <= set(answers) or len(labels) > 8:
        return None
    if len(labels) == 1:
        return _const(sub, labels[0])
    key = ("classify", canon(needed), search.positions_version)
    done, found = _cached(sub, key)
    if found is not None or done >= sub.done:
        return found
    positions = sub.positions(search.positions_version) if not search.all_labelled else list(range(sub.n))
    order = sorted(labels, key=answers.index)
    if len(labels) == 2:
        found = _by_condition(search, sub, needed, order)
    if found is None:
        found = _by_thresholds(search, sub, positions, needed, done, examples=False)
    if found is None and sub.done >= CLASSIFY_MAX and sub.parent is not None:
        found = _by_thresholds(search, sub, positions, needed, 0, examples=True)
    sub.cache[key] = (sub.done, found)
    return found


def _by_condition(search: Search, sub: Scope, needed: list[str], order: list[str]) -> Node | None:
    """``if(cond, A, B)`` with a condition true exactly where ``A`` is wanted (see ``condition``)."""
    for first, second in (order, order[::-1]):
        cond = condition(search, sub, [v == first for v in needed])
        if cond is not None:
            return Node("if", (cond, _const(sub, first), _const(sub, second)))
    return None


def _by_thresholds(search: Search, sub: Scope, positions: list[int], needed: list[str], done: int,
                   examples: bool) -> Node | None:
    """Thresholds from the description on numbers of the new sizes; with ``examples``, a boundary the
    examples show on a plain field (the last resort: many elements must vouch for it)."""
    sizes = range(1, BOUNDARY_MAX + 1) if examples else range(done + 1, min(sub.done, CLASSIFY_MAX) + 1)
    for entry in _entries(sub, sizes, "num"):
        if not entry.free or (examples and entry.node.op not in ("path", "find")):
            continue
        xs = _values(sub, positions, entry)
        if xs is None:
            continue
        runs = _runs(xs, needed)
        if runs is None:
            continue
        cuts = []
        for (lo, _), (hi, _) in zip(runs, runs[1:], strict=False):
            cut = _threshold(search, lo[1], hi[0], allow_examples=examples)
            if cut is None:
                break
            cuts.append(cut)
        else:
            return _piecewise(sub, entry.node, [label for _, label in runs], cuts)
    return None


def _runs(xs: list[float], labels: list[str]) -> list[tuple[tuple[float, float], str]] | None:
    """((lowest x, highest x), label) per run of one label in the order of ``xs``; None when a label
    shows up in two runs or one value carries two labels."""
    pairs = sorted(zip(xs, labels, strict=True))
    runs: list[tuple[tuple[float, float], str]] = []
    for x, label in pairs:
        if runs and runs[-1][1] == label:
            runs[-1] = ((runs[-1][0][0], x), label)
            continue
        if runs and runs[-1][0][1] == x:
            return None
        runs.append(((x, x), label))
    if len({label for _, label in runs}) != len(runs) or len(runs) < 2:
        return None
    return runs


def _threshold(search: Search, below: float, above: float, allow_examples: bool) -> tuple[float, bool] | None:
    """(threshold c, True for ``x >= c`` / False for ``x > c``) between a run ending at ``below`` and the
    next starting at ``above``: a description number if one fits, else the upper run's smallest value."""
    for c in search.consts.numbers + tuple(dsl.NUMBERS):
        hint = search.consts.comparisons.get(c)
        ge_ok, gt_ok = below < c <= above, below <= c < above
        if hint in ("ge", "lt") and ge_ok:
            return c, True
        if hint in ("gt", "le") and gt_ok:
            return c, False
        if hint is None and c in search.consts.numbers and (ge_ok or gt_ok):
            return c, ge_ok
    return (above, True) if allow_examples else None


def _piecewise(sub: Scope, x: Node, labels: list[str], cuts: list[tuple[float, bool]]) -> Node:
    """``if(x >= c_k, L_k, if(..., L_0))`` from the highest run down."""
    node = _const(sub, labels[0])
    for label, (c, inclusive) in zip(labels[1:], cuts, strict=True):
        cond = Node("le" if inclusive else "lt", (_const(sub, c), x))
        node = Node("if", (cond, _const(sub, label), node))
    return node


# -- weighted sums ---------------------------------------------------------------------------------
def linear(search: Search, sub: Scope, needed: list[float]) -> Node | None:
    top = sub.parent is None
    reach = min(sub.done, 3 if top else 2)   # the sizes of the terms: fields, or totals at the top
    key = ("linear", canon(needed), search.positions_version)
    done, found = _cached(sub, key)
    if found is not None or done >= reach or sub.done < 2:
        return found
    positions = sub.positions(search.positions_version) if not search.all_labelled else list(range(sub.n))
    fields = []
    kinds = ("path", "var", "sum", "len") if top else ("path", "find", "var")
    for entry in _entries(sub, range(1, reach + 1), "num"):
        vals = _values(sub, positions, entry) if entry.free and entry.node.op in kinds else None
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
    for divisor in range(1, MAX_DIVISOR + 1):
        weights = [round(c * divisor) for c in coeffs]
        if any(w == 0 or abs(w) > MAX_WEIGHT for w in weights):
            continue
        if any(abs(c * divisor - w) > 0.05 for c, w in zip(coeffs, weights, strict=True)):
            continue
        node = _weighted(sub, [e.node for e, _ in chosen], weights, divisor)
        for wrap in [None, *digits]:
            candidate = node if wrap is None else Node("round", (node,), wrap)
            if _reproduces(sub, candidate, chosen, weights, divisor, wrap, needed):
                return candidate
    return None


def _weighted(sub: Scope, terms: list[Node], weights: list[int], divisor: int) -> Node:
    def term(node: Node, w: int) -> Node:
        return node if abs(w) == 1 else Node("mul", (_const(sub, abs(w)), node))

    ordered = sorted(zip(terms, weights, strict=True), key=lambda tw: tw[1] < 0)
    total = term(*ordered[0]) if ordered[0][1] > 0 else Node("sub", (_const(sub, 0), term(*ordered[0])))
    for node, w in ordered[1:]:
        total = Node("add" if w > 0 else "sub", (total, term(node, w)))
    return total if divisor == 1 else Node("div", (total, _const(sub, divisor)))


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
    done, found = _cached(sub, key)
    if found is not None or done >= min(sub.done, RATIO_MAX):
        return found
    positions = sub.positions(search.positions_version) if not search.all_labelled else list(range(sub.n))
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


# -- concatenation ---------------------------------------------------------------------------------
def concat(search: Search, sub: Scope, needed: list[str]) -> Node | None:
    key = ("concat", canon(needed), search.positions_version)
    done, found = _cached(sub, key)
    if found is not None or done >= sub.done:
        return found
    positions = sub.positions(search.positions_version) if not search.all_labelled else list(range(sub.n))
    index = sub.seen if search.all_labelled else sub.index(search.positions_version)
    separators = list(dict.fromkeys([*dsl.CONCAT_SEPARATORS, *search.consts.words]))
    for prefix in _entries(sub, range(1, min(sub.done, 3) + 1), "str"):
        vals = _values(sub, positions, prefix)
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


__all__ = ["classify", "concat", "linear", "solve"]
