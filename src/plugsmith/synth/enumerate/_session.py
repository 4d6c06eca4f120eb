"""A synthesis session: one search kept alive across candidates, for counterexample-guided synthesis.

``synthesize_program`` answers once. A session answers again: after a candidate failed a case it was not
built from, the caller *labels* that case (gives the search its expected output) and asks for the
:meth:`~SynthesisSession.next` program. The search resumes where it stopped, with its banks kept, because
the held-back cases' inputs were environments of the search from the start (their outputs were not)::

    session = SynthesisSession(guide, spec.inputs, spec.outputs, unlabelled=[c.input for c in held_back])
    program = session.next(budget_s=10)
    while program is not None and (failed := first_failing(program, held_back)) is not None:
        session.label(failed)               # a counterexample: the search now has to fit it too
        program = session.next(budget_s=10)

Generated edge inputs have no expected output; :meth:`~SynthesisSession.avoid_error` asks the search for
a program that at least does not fail on one.
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from plugsmith.spec import JsonSchema, TestCase
from plugsmith.synth.enumerate._constants import Constants
from plugsmith.synth.enumerate._dsl import DSLError, Node, evaluate
from plugsmith.synth.enumerate._program import Program
from plugsmith.synth.enumerate._search import Search
from plugsmith.synth.enumerate._values import FIELD_RANK, same

SEP = "\x00"  # joins an object output's port and one of its properties into one search target
EDGE_SIZE_SLACK = 2


class _NoMatch:
    """The target of a labelled case whose output lacks what the port needs: nothing can fit it."""

    def __repr__(self) -> str:
        return "NO_MATCH"


NO_MATCH: Any = _NoMatch()


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _item_fields(schema: JsonSchema) -> list[str] | None:
    """Declared properties of the items of an array output or the values of a dictionary output."""
    if not isinstance(schema, dict):
        return None
    inner = schema.get("items") if schema.get("type") == "array" else schema.get("additionalProperties")
    props = inner.get("properties") if isinstance(inner, dict) else None
    return sorted(props) if isinstance(props, dict) and props else None


def _record_keys(schema: JsonSchema, values: list[Any]) -> list[str] | None:
    """The declared properties of an object output, when every example has exactly those keys."""
    props = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(props, dict) or not props:
        return None
    keys = sorted(props)
    if all(isinstance(v, dict) and sorted(v) == keys for v in values):
        return keys
    return None


@contextmanager
def _quiet_gc() -> Iterator[None]:
    """The banks are many small objects: collecting while they grow costs time."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


class SynthesisSession:
    """The search for one spec, resumable after counterexamples (see the module docstring).

    ``cases`` are the labelled cases (expected outputs known); ``unlabelled`` the inputs of cases whose
    outputs the search must not see yet. ``usable`` is False when there is nothing to search for (no
    cases, or a case without an output port); ``next`` then returns None.
    """

    def __init__(self, cases: list[TestCase], inputs: dict[str, JsonSchema], outputs: dict[str, JsonSchema],
                 *, unlabelled: list[dict[str, Any]] | None = None, field_rank: dict[str, int] | None = None,
                 constants: Constants | None = None) -> None:
        self.rounds = 0
        self.usable = bool(cases) and all(port in c.expected for c in cases for port in outputs)
        self.ports = sorted(inputs) or sorted({k for c in cases for k in c.input})
        self.outputs = outputs
        self.rank = field_rank or {}
        self.avoided: list[dict[str, Any]] = []
        self.size_limit: int | None = None
        self.constants = constants or Constants()
        self.notes = list(self.constants.notes)
        self.proposed: set[str] = set()
        envs = [{p: c.input.get(p) for p in self.ports} for c in cases]
        seen = {_canonical(e) for e in envs}
        for raw in unlabelled or []:
            env = {p: raw.get(p) for p in self.ports}
            if _canonical(env) not in seen:
                seen.add(_canonical(env))
                envs.append(env)
        self.envs = envs
        self.split: dict[str, list[str]] = {}
        targets: dict[str, list[Any]] = {}
        for port in sorted(outputs):
            values = [c.expected.get(port) for c in cases]
            keys = _record_keys(outputs[port], values) if self.usable else None
            if keys is None:
                targets[port] = values + [None] * (len(envs) - len(cases))
            else:
                self.split[port] = keys
                for key in keys:
                    known = [v[key] if isinstance(v, dict) else NO_MATCH for v in values]
                    targets[port + SEP + key] = known + [None] * (len(envs) - len(cases))
        fields = {p: keys for p in targets if SEP not in p and (keys := _item_fields(outputs[p])) is not None}
        with self._ranked():
            self.search = Search(envs, targets, self.constants, time.monotonic(), fields,
                                 labelled=list(range(len(cases))))

    @contextmanager
    def _ranked(self) -> Iterator[None]:
        token = FIELD_RANK.set(self.rank)
        try:
            yield
        finally:
            FIELD_RANK.reset(token)

    # -- feedback --------------------------------------------------------------------------------
    def label(self, case: TestCase) -> bool:
        """A held-back case becomes a guide case: the search must fit its expected output from now on.

        Returns False when its input was not one of the session's inputs (nothing can be resumed then).
        """
        key = _canonical({p: case.input.get(p) for p in self.ports})
        env = next((i for i, e in enumerate(self.envs) if _canonical(e) == key), None)
        if env is None or env in self.search.labelled:
            return False
        for target, values in self.search.targets.items():
            port, _, field = target.partition(SEP)
            value = case.expected.get(port, NO_MATCH)
            if field:
                value = value.get(field, NO_MATCH) if isinstance(value, dict) else NO_MATCH
            values[env] = value
        self.search.set_labelled([*self.search.labelled, env])
        for target in self.search.ports:
            for node in self.search.live(target):
                if not self._fits(node, env, self.search.targets[target][env]):
                    self.search.dropped.add((target, node))
        self.search.pending.clear()
        self.rounds += 1
        return True

    def avoid_error(self, inputs: dict[str, Any], instead_of: Program | None = None) -> None:
        """From now on, prefer programs that do not fail on ``inputs`` (a generated edge input).

        With ``instead_of`` (the program that failed there), only a program at most ``EDGE_SIZE_SLACK``
        nodes larger will do: a much larger one that merely avoids the failure is likelier to be wrong
        than the failure is (the spec says nothing about that input).
        """
        self.avoided.append({p: inputs.get(p) for p in self.ports})
        if instead_of is not None:
            limit = instead_of.size + EDGE_SIZE_SLACK
            self.size_limit = limit if self.size_limit is None else min(self.size_limit, limit)

    def reject(self, program: Program) -> None:
        """The caller turned ``program`` down for a reason of its own: do not propose it again."""
        self.proposed.add(program.describe())

    # -- answers ---------------------------------------------------------------------------------
    def next(self, budget_s: float) -> Program | None:
        """The next program fitting every labelled case (and failing on no avoided input), or None
        when none is found within ``budget_s`` seconds."""
        if not self.usable:
            return None
        deadline = time.monotonic() + budget_s
        self.search.deadline = deadline
        with _quiet_gc(), self._ranked():
            while True:
                program = self._current()
                if program is not None and self.size_limit is not None and program.size > self.size_limit:
                    return None
                if program is not None:
                    if program.describe() not in self.proposed:
                        self.proposed.add(program.describe())
                        return program
                    self._drop_one(program)
                    continue
                if time.monotonic() > deadline:
                    return None
                before = self.search.top.done
                self.search.run()
                if not self.search.complete() and self.search.top.done == before:
                    return None

    def _current(self) -> Program | None:
        """The program made of each target's first live solution (dropping those failing an avoided
        input), or None when some target has none yet."""
        chosen: dict[str, Node] = {}
        for target in self.search.ports:
            for node in self.search.live(target):
                if all(self._runs(node, env, self._schema(target)) for env in self.avoided):
                    chosen[target] = node
                    break
                self.search.dropped.add((target, node))
            if target not in chosen:
                return None
        programs: dict[str, Node] = {p: chosen[p] for p in chosen if SEP not in p}
        for port, keys in self.split.items():
            programs[port] = Node("record", tuple(chosen[port + SEP + k] for k in keys), tuple(keys))
        return Program(tuple(sorted(programs.items())), tuple(self.ports))

    def _drop_one(self, program: Program) -> None:
        """Drop the solution of the first target that has another one to offer (or of the first)."""
        targets = self.search.ports
        choice = next((t for t in targets if len(self.search.live(t)) > 1), targets[0])
        self.search.dropped.add((choice, self.search.live(choice)[0]))

    def _fits(self, node: Node, env: int, expected: Any) -> bool:
        try:
            return bool(same(evaluate(node, self.envs[env]), expected))
        except DSLError:
            return False

    def _schema(self, target: str) -> JsonSchema:
        port, _, field = target.partition(SEP)
        schema = self.outputs.get(port, {})
        if field:
            schema = schema.get("properties", {}).get(field, {}) if isinstance(schema, dict) else {}
        return schema if isinstance(schema, dict) else {}

    @staticmethod
    def _runs(node: Node, env: dict[str, Any], schema: JsonSchema) -> bool:
        """Does ``node`` give a value on ``env`` that its output schema accepts?"""
        import jsonschema

        from plugsmith.spec import port_validator

        try:
            value = evaluate(node, env)
        except DSLError:
            return False
        try:  # offline, and patterns in linear time: the schema is the spec writer's
            return bool(port_validator(schema).is_valid(value))
        except (jsonschema.SchemaError, RecursionError):
            return True


__all__ = ["NO_MATCH", "SynthesisSession"]
