"""The ``enumerate`` strategy: offline program synthesis from the guide cases.

A thin wrapper over :func:`plugsmith.synth.enumerate.synthesize_program` (the DSL search lives in that
subpackage). The search sees only the guide cases; the program it returns is emitted as readable Python
and then gated like any other candidate. The DSL program text goes into the provenance.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Iterator

from plugsmith.synth._strategy import Candidate, SynthContext

MAX_CANDIDATES = 12   # programs offered by one search before the strategy gives up
EDGE_SLICE_S = 2.0    # an edge round searches at most this long, or twice the time spent so far


def edge_slice(spent: float) -> float:
    """How long to look for a program that also handles an edge input before settling for the one that
    does not: the spec does not say what edges should give, so this is worth a little time only."""
    return max(EDGE_SLICE_S, 2 * spent)


class EnumerateStrategy:
    """Bottom-up enumeration over a typed DSL: deterministic, offline, smallest program first.

    One search session serves every candidate: after a rejection the strategy reads what the flow
    learnt (a held-back case that joined the guide cases, an edge input to handle) into the session and
    asks for the next program; the search resumes with its banks kept.
    """

    name = "enumerate"
    cost = 20

    def __init__(self, max_budget_s: float = 60.0) -> None:
        self.max_budget_s = max_budget_s

    def unavailable(self, ctx: SynthContext) -> str | None:
        if importlib.util.find_spec("plugsmith.synth.enumerate") is None:
            return "the offline program synthesizer (plugsmith.synth.enumerate) is not installed"
        if not ctx.guide_cases:
            return "no guide cases"
        from plugsmith.synth._bounds import too_many_elements

        return too_many_elements([*(c.input for c in ctx.guide_cases), *ctx.unlabelled_inputs])

    def candidates(self, ctx: SynthContext) -> Iterator[Candidate]:
        from plugsmith.synth.enumerate import open_session

        started = time.monotonic()
        budget = min(self.max_budget_s, ctx.search_budget())
        if budget <= 0:
            return
        ctx.say(f"enumerate: searching programs ({budget:.0f} s budget, {len(ctx.guide_cases)} cases)")
        session = open_session(list(ctx.guide_cases), dict(ctx.spec.inputs), dict(ctx.spec.outputs),
                               unlabelled=list(ctx.unlabelled_inputs), description=ctx.spec.description)
        for note in session.notes:
            ctx.say(f"enumerate: {note}")
        labelled, avoided, slice_s = len(ctx.guide_cases), 0, float("inf")
        for _ in range(MAX_CANDIDATES):
            left = min(budget - (time.monotonic() - started), ctx.search_budget(), slice_s)
            program = session.next(left) if left > 0 else None
            if program is None:
                ctx.say("enumerate: no further program fits the guide cases within the budget")
                return
            described = program.describe()
            rounds = f", round {session.rounds + 1}" if session.rounds else ""
            yield Candidate(
                strategy=self.name,
                label=f"enumerate program of size {program.size}{rounds}",
                source=program.to_python(),
                provenance={"dsl_program": described, "program_size": program.size},
                record={"dsl_program": described, "program_size": program.size, "round": session.rounds},
                readme_notes=(f"found by enumerating DSL programs (size {program.size}): `{described}`",),
            )
            verdict = ctx.last_verdict
            if verdict is None or verdict.accepted:
                return
            moved = [session.label(case) for case in ctx.guide_cases[labelled:]]
            labelled = len(ctx.guide_cases)
            if not all(moved):  # a guide case the session never saw: it cannot resume, start again
                return
            for inputs in ctx.avoid_inputs[avoided:]:
                session.avoid_error(inputs, instead_of=program)
            if len(ctx.avoid_inputs) > avoided:
                slice_s = edge_slice(time.monotonic() - started)
            avoided = len(ctx.avoid_inputs)
            session.reject(program)


__all__ = ["EnumerateStrategy"]
