"""Solving for conditions and classifications (see ``_solve``).

A condition true exactly where a needed boolean vector is: one from the bank, two joined by ``and``/``or``,
or at the top a comparison of two numbers the description mentions. A classification onto allowed
labels: ``if(cond, A, B)`` for two, thresholds between runs of a number for two or more.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from plugsmith.synth.enumerate import _dsl as dsl
from plugsmith.synth.enumerate._constants import plausibility, relevance
from plugsmith.synth.enumerate._dsl import Node
from plugsmith.synth.enumerate._needs import cached, const, entries, known_index, known_positions, values_at
from plugsmith.synth.enumerate._scope import Scope
from plugsmith.synth.enumerate._values import canon

if TYPE_CHECKING:
    from plugsmith.synth.enumerate._search import Search

CLASSIFY_MAX = 5        # largest number (body size) whose order is tried as the classifying quantity
COND_PART_MAX = 3       # largest condition joined with another by and/or
COMPARE_MAX = 4         # largest top-level numbers compared with each other
COMPARE_COUNT = 60      # how many of them (the first found)
BOUNDARY_MAX = 2        # largest such body when the threshold comes from the examples' boundary


def condition(search: Search, sub: Scope, needed: list[bool]) -> Node | None:
    """A condition true exactly where ``needed`` is: one from the bank, two joined by ``and``/``or``
    (each at most ``COND_PART_MAX`` nodes), or at the top a comparison of two numbers the description
    talks about. Among several, the one closest to the description's words, then the smallest."""
    index = known_index(search, sub)
    entry = index.get(canon(needed))
    exact = entry if entry is not None and entry.type == "bool" and entry.src is None and (
        entry.dep or sub.parent is None) else None
    key = ("condition", canon(needed), search.positions_version)
    done, found = cached(sub, key)
    if found is not None or done >= min(sub.done, COND_PART_MAX):
        return found or (exact.node if exact else None)
    positions = known_positions(search, sub)
    want = sum(1 << i for i, v in enumerate(needed) if v)
    full = (1 << len(needed)) - 1
    masks: list[tuple[int, Node]] = []
    for entry in entries(sub, range(1, min(sub.done, COND_PART_MAX) + 1), "bool"):
        vals = values_at(sub, positions, entry)
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
    numbers = [e for e in entries(sub, range(1, COMPARE_MAX + 1), "num")
               if e.free and relevance(e.node, search.consts)[0] > 0]
    out: list[tuple[int, Node]] = []
    for a, b in itertools.permutations(numbers[:COMPARE_COUNT], 2):
        va, vb = values_at(sub, positions, a), values_at(sub, positions, b)
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
        return const(sub, labels[0])
    key = ("classify", canon(needed), search.positions_version)
    done, found = cached(sub, key)
    if found is not None or done >= sub.done:
        return found
    positions = known_positions(search, sub)
    order = sorted(labels, key=answers.index)
    # two labels: a condition, or a threshold the description states on a number; the reading closer to
    # the description wins (a condition that fits two examples by chance ignores the stated threshold)
    options = [_by_condition(search, sub, needed, order)] if len(labels) == 2 else []
    options.append(_by_thresholds(search, sub, positions, needed, done, examples=False))
    found = min((n for n in options if n is not None), key=lambda n: _rank(search, n), default=None)
    if found is None and sub.done >= CLASSIFY_MAX and sub.parent is not None:
        found = _by_thresholds(search, sub, positions, needed, 0, examples=True)
    sub.cache[key] = (sub.done, found)
    return found


def _by_condition(search: Search, sub: Scope, needed: list[str], order: list[str]) -> Node | None:
    """``if(cond, A, B)`` with a condition true exactly where ``A`` is wanted (see ``condition``)."""
    for first, second in (order, order[::-1]):
        cond = condition(search, sub, [v == first for v in needed])
        if cond is not None:
            return Node("if", (cond, const(sub, first), const(sub, second)))
    return None


def _by_thresholds(search: Search, sub: Scope, positions: list[int], needed: list[str], done: int,
                   examples: bool) -> Node | None:
    """Thresholds from the description on numbers of the new sizes; with ``examples``, a boundary the
    examples show on a plain field (the last resort: many elements must vouch for it)."""
    sizes = range(1, BOUNDARY_MAX + 1) if examples else range(done + 1, min(sub.done, CLASSIFY_MAX) + 1)
    for entry in entries(sub, sizes, "num"):
        if not entry.free or (examples and entry.node.op not in ("path", "find")):
            continue
        xs = values_at(sub, positions, entry)
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
    node = const(sub, labels[0])
    for label, (c, inclusive) in zip(labels[1:], cuts, strict=True):
        cond = Node("le" if inclusive else "lt", (const(sub, c), x))
        node = Node("if", (cond, const(sub, label), node))
    return node


__all__ = ["classify", "condition"]
