"""Bottom-up, type-directed enumeration with observational-equivalence pruning.

``Search.run`` builds expressions in order of size (number of DSL nodes) in the top scope. An operation
with a lambda (map, filter, group, ...) takes a list from the current scope and bodies from the list's
own scope, whose bank is grown lazily to the sizes needed. Every new top-level expression is compared
with the expected outputs; the first (smallest, then first generated) one that fits a port wins.
Iteration follows lists and sorted keys only, so the result never depends on dict order or chance.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from plugsmith.synth.enumerate import _dsl as dsl
from plugsmith.synth.enumerate._constants import Constants, plausibility, relevance
from plugsmith.synth.enumerate._deduce import Deducer
from plugsmith.synth.enumerate._dsl import Node
from plugsmith.synth.enumerate._first_order import binary, unary
from plugsmith.synth.enumerate._joins import join_leaves, top_finds
from plugsmith.synth.enumerate._leaves import scope_leaves, var_name
from plugsmith.synth.enumerate._pointers import counts, pointers, shares
from plugsmith.synth.enumerate._scope import Entry, Scope
from plugsmith.synth.enumerate._solve import solve
from plugsmith.synth.enumerate._types import (
    coarse,
    is_map,
    is_rec,
)
from plugsmith.synth.enumerate._values import ERR, SCALARS, canon, infer_type, same

MAX_DEPTH = 2  # top -> tasks -> resources
BODY_MAX = 7  # largest lambda body
LIFT_MAX = 4  # top-level aggregates (sum of task costs) usable inside lambdas
INVERSE_SLACK = 3  # accept a looked-up program this much larger than the sizes fully enumerated
DEDUCED_SLACK = 1000  # programs deduced or solved for: their size says little (see ``propose``)
WAIT_LEVEL_ENTRIES = 8000  # estimated top-level entries of the next size beyond which it is not waited for
PATIENCE = 1
MAX_PENDING = 2000
LIFTABLE = frozenset({"sum", "len"})
SOURCE_OPS = frozenset({"path", "flatten", "values", "keys", "var", "filter", "sort_by", "take"})


class OutOfTime(Exception):
    """The time budget ran out."""


class Search:
    """One synthesis problem: environments, per-port targets, and the scopes built for them.

    The environments are the case inputs; only the *labelled* ones (``labelled``: their indices) have
    expected outputs in ``targets``. The others are inputs whose outputs the search must not see (held-back
    cases): expressions are evaluated and told apart on them too, so when one of them is labelled later
    (a counterexample) the banks already hold every expression's value there and the search resumes
    where it stopped instead of starting again.
    """

    def __init__(self, inputs: list[dict[str, Any]], targets: dict[str, list[Any]],
                 consts: Constants, deadline: float,
                 record_fields: dict[str, list[str]] | None = None,
                 labelled: list[int] | None = None) -> None:
        self.record_fields = record_fields or {}
        self.pending: dict[str, list[tuple[Node, int, int]]] = {}
        self.found_now: dict[str, list[Node]] = {}  # enumerated this size; ranked with the looked-up ones
        self.solved: set[Node] = set()      # bodies built by a solver (``_solve``)
        self.deadline = deadline
        self.ticks = 0
        self.consts = consts
        self.numbers = [*dsl.NUMBERS, *(n for n in consts.numbers if n not in dsl.NUMBERS)]
        self.described = frozenset(n for n in consts.numbers if n not in dsl.NUMBERS)
        self.enums = consts.strings
        self.scopes: list[Scope] = []
        self.inputs = inputs
        self.top = self._new_scope(None, None, list(range(len(inputs))), inputs, 0)
        self.ports = list(targets)
        self.targets = targets
        self.solutions: dict[str, list[Node]] = {p: [] for p in self.ports}
        self.dropped: set[tuple[str, Node]] = set()
        self.port_names = frozenset(inputs[0]) if inputs else frozenset()
        self.set_labelled(list(range(len(inputs))) if labelled is None else labelled)
        self.deducer = Deducer(self)

    def set_labelled(self, labelled: list[int]) -> None:
        """Which environments have expected outputs now (a counterexample adds one)."""
        self.labelled = sorted(labelled)
        self.all_labelled = len(self.labelled) == len(self.inputs)
        known = {p: [v[i] for i in self.labelled] for p, v in self.targets.items()}
        self.target_keys = {p: canon(v) for p, v in known.items()}
        self.target_known = known
        self.target_kind = {p: _kind(v) for p, v in known.items()}
        self.wanted = {k for k in self.target_kind.values()} | ({"num", "str", "bool", "list", "dict"}
                                                                if "null" in self.target_kind.values()
                                                                else set())
        self.positions_version = tuple(self.labelled)
        answers = set(self.consts.answers)
        self.labels = any(vals and all(isinstance(v, str) and v in answers for v in vals)
                          for vals in known.values())
        self._selections: dict[Any, Entry] = {}
        for by_type in self.top.bank:
            for entries in by_type.values():
                for entry in entries:
                    self._register_selection(entry)

    def _register_selection(self, entry: Entry) -> None:
        if entry.src is not None:
            sub, idx = entry.src
            self._selections.setdefault((sub.sid, tuple(tuple(idx[e]) for e in self.labelled)), entry)

    def selection(self, sub: Scope, chosen: tuple[tuple[int, ...], ...]) -> Entry | None:
        """A top-level list keeping exactly the ``chosen`` elements of ``sub`` on the labelled
        environments (built by filtering, sorting or cutting), if one was built."""
        return self._selections.get((sub.sid, chosen))

    def known(self, vec: list[Any]) -> list[Any]:
        """A top-level value vector restricted to the labelled environments."""
        return vec if self.all_labelled else [vec[i] for i in self.labelled]

    # -- driving ---------------------------------------------------------------------------------
    def live(self, port: str) -> list[Node]:
        """The port's solutions that still fit every labelled environment, in the order found."""
        return [n for n in self.solutions[port] if (port, n) not in self.dropped]

    def complete(self) -> bool:
        return all(self.live(p) for p in self.ports)

    def run(self, max_size: int = 40) -> dict[str, Node]:
        """Grow the top scope until every port has a live solution, the size cap or the deadline.

        Resumable: a later call continues from the size reached (an interrupted size is grown again;
        what it already added is recognised as seen). Returns the first live solution per port.
        """
        try:
            while self.top.done < max_size and not self.complete():
                self.ensure(self.top, self.top.done + 1)
                self._inverse(self.top.done)
        except OutOfTime:
            pass
        for port in self.ports:
            direct = self.found_now.pop(port, [])
            if not self.live(port):
                for node in self._ranked(direct + [n for n, _, _ in self.pending.pop(port, [])]):
                    self.add_solution(port, node)
            else:
                for node in self._ranked(direct):
                    self.add_solution(port, node)
        return {p: self.live(p)[0] for p in self.ports if self.live(p)}

    def add_solution(self, port: str, node: Node) -> None:
        if node not in self.solutions[port] and (port, node) not in self.dropped:
            self.solutions[port].append(node)

    def _inverse(self, size: int) -> None:
        """Programs built around the targets once a size is complete: map/to_dict bodies looked up for
        list and dictionary outputs (``_inverse``), numbers by meet in the middle (``_deduce``),
        conditions, weighted sums and concatenations solved for (``_solve``)."""
        from plugsmith.synth.enumerate._inverse import inverse_candidates
        for port, node in self.deducer.sync():
            self.propose(port, node, DEDUCED_SLACK)
        for port in self.ports:
            if self.live(port) or self.target_kind[port] not in ("list", "dict"):
                continue
            for node in inverse_candidates(self, port, self.targets[port], self.record_fields.get(port),
                                           size):
                self.propose(port, node, DEDUCED_SLACK if self._uses_solved(node) else INVERSE_SLACK)
        for port, node in self.deducer.meet(size):
            self.propose(port, node, DEDUCED_SLACK)
        for port in self.ports:
            if not self.live(port) and self.target_kind[port] in ("str", "num"):
                solved = solve(self, self.top, self.target_known[port])
                if solved is not None:
                    self.propose(port, solved, DEDUCED_SLACK)
            if not self.live(port) and self.target_kind[port] in ("str", "null"):
                for node in pointers(self, port):
                    self.propose(port, node, DEDUCED_SLACK)
            if not self.live(port) and self.target_kind[port] == "num":
                for node in counts(self, port):
                    self.propose(port, node, DEDUCED_SLACK)
                for node in shares(self, port):
                    self.propose(port, node, DEDUCED_SLACK)
        # waiting for the next size is worth it when that size is cheap; judged by the bank's growth, not
        # the clock, so that the answer does not depend on the machine's speed
        # the next size costs about this one times its growth; judged by the bank, not the clock, so
        # that the answer does not depend on the machine's speed
        now, before = (sum(len(v) for v in self.top.at(n).values()) for n in (size, size - 1))
        costly = now * now / max(1, before) > WAIT_LEVEL_ENTRIES
        for port in self.ports:
            direct = self.found_now.pop(port, [])
            if self.live(port):
                for node in self._ranked(direct):
                    self.add_solution(port, node)
                continue
            for node in direct:  # enumerated ones wait like looked-up ones (below)
                self.propose(port, node, 0)
            # a program waits for the next size when that size is cheap, so that one a size larger but
            # closer to the description can still compete with it
            ready = [n for n, slack, step in self.pending.get(port, [])
                     if n.size - slack <= size and (costly or step + self._patience(n) <= size)]
            if ready:
                eligible = [n for n, slack, _ in self.pending.pop(port) if n.size - slack <= size]
                for node in self._ranked(eligible):
                    self.add_solution(port, node)

    def _patience(self, node: Node) -> int:
        """Sizes to wait (while they are cheap) before accepting ``node``: one, or ``PATIENCE`` when it
        reads a field or constant the description never mentions (``empty(plan_json.phases)`` for
        "whether the total task cost exceeds the plan budget")."""
        return PATIENCE if self.consts.mentions and relevance(node, self.consts)[1] else 1

    def _ranked(self, candidates: list[Node]) -> list[Node]:
        """Programs that fit, the most plausible reading of the description first (``plausibility``);
        ties keep the order they were found in (smallest first)."""
        return sorted(candidates, key=lambda n: -plausibility(n, self.consts))

    def _uses_solved(self, node: Node) -> bool:
        """Was part of this program solved for rather than enumerated (its size says little then)?"""
        return node in self.solved or any(self._uses_solved(a) for a in node.args)

    def propose(self, port: str, node: Node, slack: int = INVERSE_SLACK) -> None:
        """A program built by lookup, kept until enumeration has reached ``slack`` below its size (a
        smaller program found meanwhile wins); deduced ones wait one more size when that size is cheap, so
        that a program closer to the description can still turn up."""
        if (port, node) in self.dropped or self.live(port):
            return
        pending = self.pending.setdefault(port, [])
        if all(node != n for n, _, _ in pending) and len(pending) < MAX_PENDING:
            pending.append((node, slack, self.top.done))

    def tick(self, force: bool = False) -> None:
        """Raise OutOfTime once the deadline has passed (checked every 256 calls, or when forced)."""
        self.ticks += 1
        if (force or self.ticks % 256 == 0) and time.monotonic() > self.deadline:
            raise OutOfTime

    def ensure(self, scope: Scope, size: int) -> None:
        """Grow ``scope``'s bank up to ``size``; a size cut short by the deadline is grown again later."""
        while scope.done < size:
            scope.done += 1
            try:
                self._grow(scope, scope.done)
            except OutOfTime:
                scope.done -= 1
                raise

    def useful(self, scope: Scope, t: Any, op: str, size: int) -> bool:
        """Can a top-level expression of type ``t`` still lead to some output port's kind?

        Only the top scope is pruned this way: e.g. a number is useless for a dictionary output unless
        it is a small aggregate that lambdas may use (``task.cost / sum(costs)``).
        """
        if scope is not self.top:
            return True
        kinds = self.wanted
        kind = coarse(t)
        if kind in kinds or is_rec(t):
            return True
        if kind == "num":
            return bool(kinds & {"bool", "str"}) or (size <= LIFT_MAX and op in LIFTABLE)
        if kind == "str":
            return bool(kinds & {"bool", "num"})
        if kind == "bool":  # a condition picks a label: if(cond, "late", "on_time")
            return self.labels
        if kind == "list":
            if op in ("sort_by", "take", "sorted"):  # order matters only to lists, sums of the top k, text
                scalar_kinds = {"list", "num", "str"} if t[1] in SCALARS else {"list", "str"}
                return bool(kinds & scalar_kinds)
            if op == "map" and t[1] in SCALARS:  # a list of numbers sums, of text joins
                return bool(kinds & {"list", "bool", coarse(t[1])})
            if t[1] not in SCALARS or op in SOURCE_OPS:
                return True
            return bool(kinds & {"num", "str", "bool"})
        if kind == "dict":  # values/keys of a grouping feed numbers and lists; argmax_key a string
            return op in ("graph", "path", "var") or bool(kinds & {"str"}) or (
                op in ("group", "to_dict") and bool(kinds & {"num", "list"}))
        return True

    def _offer(self, scope: Scope, size: int, entry: Entry) -> None:
        self.tick()
        if scope is self.top and (any(v is ERR for v in entry.vec)
                                  or not self.useful(scope, entry.type, entry.node.op, size)):
            return
        if not scope.add(size, entry):
            self._prefer(scope, entry)
            return
        if scope is not self.top:
            return
        self._register_selection(entry)
        kind = coarse(entry.type)
        for port in self.ports:
            if self.target_kind[port] not in (kind, "null") or not entry.free:
                continue
            vec = self.known(entry.vec)
            if canon(vec) == self.target_keys[port] or (
                    kind == "num" and _close(vec, self.target_known[port])):
                node = self._rounded(entry.node, vec, port) if kind == "num" else entry.node
                self.found_now.setdefault(port, []).append(node)
        if kind == "num":
            for port, node in self.deducer.offer(entry):
                self.propose(port, node)

    def _prefer(self, scope: Scope, entry: Entry) -> None:
        """An expression equivalent to one kept (same values everywhere) replaces it when it is built
        from what the description talks about and is hardly larger: ``len(filter(tasks, status ==
        "done"))`` over ``min(values(group(tasks, status, count)))`` when the task says "done"."""
        if self._bound_as_worded(scope, entry):
            return
        if not self.consts.mentions or (scope is not self.top and not any(
                a.op in dsl.CONSTANT_OPS and str(a.param).lower() in self.consts.mentions
                for a in entry.node.args)):
            return
        if entry.src is not None:
            return  # a list that keeps the same elements here may still order or cut them differently
        kept = scope.seen.get(entry.key())
        if kept is None or kept is entry or entry.node.size > kept.node.size + 1:
            return
        new, old = relevance(entry.node, self.consts), relevance(kept.node, self.consts)
        if (new[0] > old[0] and new[1] <= old[1]) or (new[0] == old[0] and new[1] < old[1]):
            replaced, kept.node = kept.node, entry.node
            if scope is self.top and kept.type == "num":
                self.deducer.renamed.append(kept)
            if scope is self.top:  # the kept one may already fit a target: let the new reading compete
                for found in self.found_now.values():
                    if replaced in found:
                        found.append(entry.node)

    def _bound_as_worded(self, scope: Scope, entry: Entry) -> bool:
        """``a <= b`` replaces an equivalent ``a < b`` (no example sits on the bound) when the description
        words the bound as included ("reach the pass mark"), and the other way round ("exceeds"). True
        when it did."""
        ops = self.consts.operators
        if entry.node.op not in ("lt", "le") or entry.node.op not in ops or entry.src is not None:
            return False
        kept = scope.seen.get(entry.key())
        if kept is None or kept is entry or kept.node.op not in ("lt", "le") or kept.node.op in ops:
            return False
        if kept.node.args != entry.node.args:
            return False
        kept.node = entry.node
        return True

    def _rounded(self, node: Node, vec: list[Any], port: str) -> Node:
        """A number the description says is rounded ("rounded to 2 decimals") is emitted rounded, also
        when the examples happen not to need it."""
        for digits in self.consts.rounding:
            try:
                if canon([round(v, digits) for v in vec]) == self.target_keys[port]:
                    return node if node.op == "round" else Node("round", (node,), digits)
            except (TypeError, ValueError):
                break
        return node

    # -- scopes ----------------------------------------------------------------------------------
    def _new_scope(self, parent: Scope | None, var: str | None, parent_of: list[int],
                   elements: list[Any], depth: int) -> Scope:
        scope = Scope(len(self.scopes), parent, var, parent_of, elements, depth)
        self.scopes.append(scope)
        return scope

    def child(self, scope: Scope, entry: Entry) -> tuple[Scope, list[list[int]]] | None:
        """The scope of a list's elements (created on first use) and the list's element indices."""
        if entry.src is not None:
            return entry.src
        if scope.depth >= MAX_DEPTH:
            return None
        values = list(entry.vec)
        if is_map(entry.type):
            values = [list(m.values()) for m in values]
        key = canon(values)
        sub = scope.children.get(key)
        if sub is None:
            parent_of = [i for i, lst in enumerate(values) for _ in lst]
            elements = [x for lst in values for x in lst]
            sub = self._new_scope(scope, var_name(self, entry.node, scope), parent_of, elements,
                                  scope.depth + 1)
            scope.children[key] = sub
        idx: list[list[int]] = []
        start = 0
        for lst in values:
            idx.append(list(range(start, start + len(lst))))
            start += len(lst)
        if not is_map(entry.type):
            entry.src = (sub, idx)
        return sub, idx

    # -- growing ---------------------------------------------------------------------------------
    def _grow(self, scope: Scope, size: int) -> None:
        if size == 1:
            leaves = list(scope_leaves(self, scope))
            scope.cache["leaves"] = [*leaves, *join_leaves(self, scope, leaves)]
        for entry in scope.cache["leaves"]:
            if entry.node.size == size:
                self._offer(scope, size, entry)
        if size == 1:
            return
        if scope.parent is self.top and size <= LIFT_MAX:
            for entry in _entries(self.top.at(size)):
                if entry.type == "num" and entry.node.op in LIFTABLE and entry.free:
                    self._offer(scope, size, Entry(entry.node, "num", scope.lift(entry.vec), False, True))
        for entry in unary(self, scope, size):
            self._offer(scope, size, entry)
        if scope is self.top:
            for entry in top_finds(self, size):
                self._offer(scope, size, entry)
        for entry in binary(self, scope, size):
            self._offer(scope, size, entry)
        if scope.depth < MAX_DEPTH:
            for entry in self._higher_order(scope, size):
                self._offer(scope, size, entry)

    def _higher_order(self, scope: Scope, size: int) -> Iterator[Entry]:
        from plugsmith.synth.enumerate._hof import higher_order
        yield from higher_order(self, scope, size)


def _entries(by_type: dict[Any, list[Entry]]) -> Iterator[Entry]:
    for entries in by_type.values():
        yield from entries


def _kind(values: list[Any]) -> str:
    t = infer_type(values)
    return "null" if t is None else coarse(t)


def _close(vec: list[Any], target: list[Any]) -> bool:
    return len(vec) == len(target) and all(same(a, b) for a, b in zip(vec, target, strict=True))


__all__ = ["OutOfTime", "Search"]
