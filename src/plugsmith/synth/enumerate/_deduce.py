"""Deduction at the top scope: numeric programs larger than enumeration reaches, built around the target.

Enumeration grows every expression of a size; the top scope's bank grows about sixfold per size, so a
program like ``round(percent(max(values(group(...))), sum(tasks[].cost)), 1)`` (size 12) is out of its
reach. Both steps here are *lookups* instead:

- **wrappers**: ``round(e, d)`` and ``max(e, c)``/``min(e, c)`` around an expression ``e`` already in the
  bank. Every top-level number is indexed by its wrapped values, so the lookup of a target is one
  dictionary access. ``d`` comes from the description ("rounded to 1 decimal") or from the decimals the
  expected values show; ``c`` from 0 and the description's numbers.
- **meet in the middle**: ``t = a op b`` (``+ - * / percent``, optionally wrapped). Given ``a`` and the
  target, the ``b`` that is needed is known on one example up to the wrapper's rounding, so it is found
  by bisection in the bank sorted by that example's value, then checked on every example.

The results are candidates like the inverse lookups': accepted once enumeration has reached a size close
enough to theirs (``INVERSE_SLACK``), so a smaller enumerated program still wins.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from plugsmith.synth.enumerate._constants import relevance
from plugsmith.synth.enumerate._dsl import Node
from plugsmith.synth.enumerate._scope import Entry
from plugsmith.synth.enumerate._values import canon, is_num

if TYPE_CHECKING:
    from plugsmith.synth.enumerate._search import Search

MIM_MAX = 6          # largest operand size joined by meet in the middle
MIM_CANDIDATES = 40  # operands checked per lookup (a degenerate range could match many)
_OPS: dict[str, Callable[[float, float], float]] = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "pct": lambda a, b: a / b * 100,
}


@dataclass(frozen=True)
class Wrapper:
    """``round(e, d)`` (kind "round"), ``max(e, c)`` ("max2") or ``min(e, c)`` ("min2"); "id": none."""

    kind: str
    param: float = 0

    def apply(self, value: Any) -> Any:
        if self.kind == "round":
            return round(value, int(self.param))
        if self.kind == "max2":
            return max(value, self.param)
        if self.kind == "min2":
            return min(value, self.param)
        return value

    def node(self, inner: Node) -> Node:
        if self.kind == "round":
            return Node("round", (inner,), int(self.param))
        if self.kind in ("max2", "min2"):
            return Node(self.kind, (inner, Node("literal", param=self.param)))
        return inner

    def preimage(self, t: float) -> tuple[float, float] | None:
        """The range of unwrapped values that give ``t`` (None: too wide to pivot on)."""
        if self.kind == "round":
            half = 0.5 * 10 ** -int(self.param)
            return t - half, t + half
        if self.kind in ("max2", "min2") and t == self.param:
            return None
        return t, t


def decimals(value: Any) -> int:
    """Decimal places a JSON number shows (4 for anything with more than 3)."""
    if not is_num(value) or float(value).is_integer():
        return 0
    text = repr(float(value))
    if "e" in text:
        return 4
    return min(4, len(text.split(".")[1]))


class Deducer:
    """Wrapper indexes and meet-in-the-middle for the search's numeric targets."""

    def __init__(self, search: Search) -> None:
        self.search = search
        self.version: tuple[int, ...] | None = None
        self.wrappers: dict[str, list[Wrapper]] = {}
        self.index: dict[Wrapper, dict[Any, Entry]] = {}
        self.renamed: list[Entry] = []   # kept numbers given a closer-to-the-description expression

    # -- wrappers ------------------------------------------------------------------------------------
    def _refresh(self) -> None:
        """Rebuild the indexes when the labelled environments changed (a CEGIS round)."""
        search = self.search
        if self.version == search.positions_version:
            return
        self.version = search.positions_version
        self.wrappers = {p: self._wrappers_for(search.target_known[p]) for p in search.ports
                         if search.target_kind[p] == "num"}
        self.index = {w: {} for ws in self.wrappers.values() for w in ws}
        for by_type in search.top.bank:
            for entry in by_type.get("num", []):
                self._index(entry)

    def _wrappers_for(self, target: list[Any]) -> list[Wrapper]:
        if not target or not all(is_num(v) for v in target):
            return []
        consts = self.search.consts
        shown = max(decimals(v) for v in target)
        digits = [d for d in consts.rounding if d >= shown] or ([shown] if 1 <= shown <= 3 else [])
        out = [Wrapper("round", d) for d in digits]
        for c in dict.fromkeys([0, *consts.numbers]):
            hits = [v for v in target if v == c]
            if hits and any(v > c for v in target) and all(v >= c for v in target):
                out.append(Wrapper("max2", c))
            if hits and any(v < c for v in target) and all(v <= c for v in target):
                out.append(Wrapper("min2", c))
        return out

    def sync(self) -> Iterator[tuple[str, Node]]:
        """After the labelled environments changed: wrapped numbers already in the bank that fit now."""
        if self.version == self.search.positions_version:
            return
        self._refresh()
        for port, wrappers in self.wrappers.items():
            for wrapper in wrappers:
                entry = self.index[wrapper].get(self.search.target_keys[port])
                if entry is not None:
                    yield port, wrapper.node(entry.node)

    def _index(self, entry: Entry) -> None:
        if not entry.free or entry.node.op == "round":
            return
        vec = self.search.known(entry.vec)
        for wrapper, table in self.index.items():
            try:
                key = canon([wrapper.apply(v) for v in vec])
            except (TypeError, ValueError, OverflowError):
                continue
            table.setdefault(key, entry)

    def offer(self, entry: Entry) -> Iterator[tuple[str, Node]]:
        """A new top-level number: index it, and say which targets it fits once wrapped."""
        self._refresh()
        if entry.type != "num" or not entry.free or entry.node.op == "round":
            return
        vec = self.search.known(entry.vec)
        for port, wrappers in self.wrappers.items():
            for wrapper in wrappers:
                try:
                    wrapped = [wrapper.apply(v) for v in vec]
                except (TypeError, ValueError, OverflowError):
                    continue
                self.index[wrapper].setdefault(canon(wrapped), entry)
                if canon(wrapped) == self.search.target_keys[port]:
                    yield port, wrapper.node(entry.node)

    # -- meet in the middle --------------------------------------------------------------------------
    def meet(self, size: int) -> Iterator[tuple[str, Node]]:
        """``wrapper(a op b)`` fitting a numeric target, ``a`` of ``size`` and ``b`` of any size so far."""
        self._refresh()
        search = self.search
        if size > MIM_MAX:
            return
        ports = [p for p in self.wrappers if not search.live(p)]
        if not ports:
            return
        operands = [e for s in range(1, min(size, MIM_MAX) + 1) for e in search.top.at(s).get("num", [])
                    if e.free]
        newest = [e for e in search.top.at(size).get("num", []) if e.free] + self.renamed
        self.renamed = []
        for port in ports:
            for node in meet(newest, operands, search.labelled, search.target_known[port],
                             self.wrappers[port], search.tick):
                if node.op in ("round", "max2", "min2") or self._both_mentioned(node):
                    yield port, node

    def _both_mentioned(self, node: Node) -> bool:
        """An unwrapped ``a op b`` fits a few small numbers by chance all too often: both operands must
        name something the description talks about (``budget - sum(tasks[].cost)``)."""
        if not self.search.consts.mentions:
            return True
        return all(relevance(arg, self.search.consts)[0] > 0 for arg in node.args)


def meet(newest: list[Entry], operands: list[Entry], positions: list[int], target: list[Any],
         wrappers: list[Wrapper], tick: Callable[[], None] | None = None) -> Iterator[Node]:
    """``wrapper(a op b)`` equal to ``target`` on ``positions`` (indices into the entries' vectors), with
    ``a`` from ``newest`` and ``b`` from ``operands``; every element must have a value (no failure)."""
    for wrapper in [Wrapper("id"), *wrappers]:
        pivot = _pivot(positions, target, wrapper)
        if pivot is None:
            continue
        env, (lo, hi) = pivot
        order = sorted(range(len(operands)), key=lambda i: _at(operands[i], env))
        values = [_at(operands[i], env) for i in order]
        for a in newest:
            if tick is not None:
                tick()
            for op, a_left, b_lo, b_hi in _needed(_at(a, env), lo, hi):
                start = bisect.bisect_left(values, b_lo - 1e-9 * (1 + abs(b_lo)))
                stop = bisect.bisect_right(values, b_hi + 1e-9 * (1 + abs(b_hi)))
                for i in order[start:min(stop, start + MIM_CANDIDATES)]:
                    b = operands[i]
                    left, right = (a, b) if a_left else (b, a)
                    node = _check(op, left, right, wrapper, positions, target)
                    if node is not None:
                        yield node


def _at(entry: Entry, env: int) -> float:
    value = entry.vec[env]
    return float(value) if is_num(value) else math.inf


def _pivot(positions: list[int], target: list[Any],
           wrapper: Wrapper) -> tuple[int, tuple[float, float]] | None:
    """A position whose target value pins the unwrapped value down."""
    for pos, env in enumerate(positions):
        value = target[pos]
        if is_num(value) and value != 0:
            window = wrapper.preimage(float(value))
            if window is not None:
                return env, window
    return None


def _check(op: str, a: Entry, b: Entry, wrapper: Wrapper, positions: list[int],
           target: list[Any]) -> Node | None:
    if a is b and op in ("sub", "div", "pct", "add"):
        return None
    fn = _OPS[op]
    out: list[Any] = []
    for x, y in zip(a.vec, b.vec, strict=True):
        try:
            out.append(wrapper.apply(fn(x, y)))
        except (TypeError, ZeroDivisionError, ValueError, OverflowError):
            return None  # a program must work on every input, held-back ones too
    known = [out[i] for i in positions]
    if canon(known) != canon(target):
        return None
    if op in ("add", "sub") and all(abs(y) < 1e-6 * (1 + abs(x)) for x, y in zip(a.vec, b.vec, strict=True)):
        return None  # adding next to nothing only fits by rounding noise
    return wrapper.node(Node(op, (a.node, b.node)))


def _needed(a: float, lo: float, hi: float) -> Iterator[tuple[str, bool, float, float]]:
    """(op, a is the left operand, lowest b, highest b) for ``lo <= a op b <= hi`` (or ``b op a``)."""
    if not math.isfinite(a):
        return
    yield "add", True, lo - a, hi - a
    yield "sub", True, a - hi, a - lo
    yield "sub", False, lo + a, hi + a
    if a != 0:
        yield "mul", True, min(lo / a, hi / a), max(lo / a, hi / a)
        yield "div", False, min(lo * a, hi * a), max(lo * a, hi * a)
        yield "pct", False, min(lo * a, hi * a) / 100, max(lo * a, hi * a) / 100
        if lo > 0 or hi < 0:
            yield "div", True, min(a / lo, a / hi), max(a / lo, a / hi)
            yield "pct", True, min(a * 100 / lo, a * 100 / hi), max(a * 100 / lo, a * 100 / hi)


__all__ = ["MIM_MAX", "Deducer", "Wrapper", "decimals", "meet"]
