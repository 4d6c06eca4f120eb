"""The entry point: examples in, the smallest fitting ``Program`` (or None) out."""

from __future__ import annotations

import gc
from typing import Any

from plugsmith.spec import JsonSchema, TestCase
from plugsmith.synth.enumerate._constants import spec_constants
from plugsmith.synth.enumerate._dsl import NUMBERS
from plugsmith.synth.enumerate._program import Program
from plugsmith.synth.enumerate._session import SynthesisSession


def field_rank(inputs: dict[str, JsonSchema]) -> dict[str, int]:
    """Property names of the input schemas in the order each ``properties`` declares them.

    Only ties between equally small programs use this order (e.g. ``duration_days`` before ``days_max``
    for the plan schema); everything else in the schemas is walked in sorted order, and the examples' own
    key order is never used.
    """
    rank: dict[str, int] = {}

    def walk(schema: Any) -> None:
        if isinstance(schema, dict):
            props = schema.get("properties")
            if isinstance(props, dict):
                for name in props:
                    rank.setdefault(name, len(rank))
            for key in sorted(k for k in schema if k != "properties"):
                walk(schema[key])
            if isinstance(props, dict):
                for value in props.values():
                    walk(value)
        elif isinstance(schema, list):
            for value in schema:
                walk(value)

    for port in sorted(inputs):
        walk(inputs[port])
    return rank


def allowed_constants(inputs: dict[str, JsonSchema], outputs: dict[str, JsonSchema] | None = None,
                      description: str = "", cases: list[TestCase] | None = None) -> list[Any]:
    """Every literal a program may contain: the fixed small numbers, the input schemas' enum strings,
    the output schemas' enum strings (answers of a classification), and the numbers and quoted words of
    the description that are not copied from the ``cases``' expected outputs (see ``_constants``).

    Nothing here comes from the examples, so no program can copy an expected output value.
    """
    consts = spec_constants(description, inputs, outputs or {}, cases)
    numbers = [*NUMBERS, *(n for n in consts.numbers if n not in NUMBERS)]
    return [*numbers, *dict.fromkeys([*consts.strings, *consts.answers])]


def synthesize_program(cases: list[TestCase], inputs: dict[str, JsonSchema], outputs: dict[str, JsonSchema],
                       budget_s: float = 20.0, description: str = "") -> Program | None:
    """The smallest DSL program that maps every case's input to its expected output, or None.

    Each output port is searched for separately (an object output whose schema lists ``properties`` is
    split into one search target per property). Returns None when no program fits within ``budget_s``
    seconds, when there are no cases, or when a case lacks an output port. For counterexample-guided
    search (held-back cases, more than one answer) use :class:`SynthesisSession`.
    """
    session = open_session(cases, inputs, outputs, description=description)
    try:
        return session.next(budget_s)
    finally:
        del session
        gc.collect()  # the search's cyclic garbage is freed now, on this call's clock


def open_session(cases: list[TestCase], inputs: dict[str, JsonSchema], outputs: dict[str, JsonSchema], *,
                 unlabelled: list[dict[str, Any]] | None = None, description: str = "") -> SynthesisSession:
    """A :class:`SynthesisSession` over the spec's ports, with the constants the spec allows."""
    consts = spec_constants(description, inputs, outputs, cases)
    return SynthesisSession(cases, inputs, outputs, unlabelled=unlabelled, field_rank=field_rank(inputs),
                            constants=consts)


__all__ = ["allowed_constants", "open_session", "synthesize_program"]
