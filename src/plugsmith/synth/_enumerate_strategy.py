"""The ``enumerate`` strategy: offline program synthesis from the guide cases.

A thin wrapper over :func:`plugsmith.synth.enumerate.synthesize_program` (the DSL search lives in that
subpackage). The search sees only the guide cases; the program it returns is emitted as readable Python
and then gated like any other candidate. The DSL program text goes into the provenance.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator

from plugsmith.synth._strategy import Candidate, SynthContext


class EnumerateStrategy:
    """Bottom-up enumeration over a typed DSL: deterministic, offline, smallest program first."""

    name = "enumerate"
    cost = 20

    def __init__(self, max_budget_s: float = 60.0) -> None:
        self.max_budget_s = max_budget_s

    def unavailable(self, ctx: SynthContext) -> str | None:
        if importlib.util.find_spec("plugsmith.synth.enumerate") is None:
            return "the offline program synthesizer (plugsmith.synth.enumerate) is not installed"
        if not ctx.guide_cases:
            return "no guide cases"
        return None

    def candidates(self, ctx: SynthContext) -> Iterator[Candidate]:
        from plugsmith.synth.enumerate import synthesize_program

        budget = min(self.max_budget_s, ctx.search_budget())
        if budget <= 0:
            return
        ctx.say(f"enumerate: searching programs ({budget:.0f} s budget, {len(ctx.guide_cases)} cases)")
        program = synthesize_program(ctx.guide_cases, dict(ctx.spec.inputs), dict(ctx.spec.outputs),
                                     budget)
        if program is None:
            ctx.say("enumerate: no program fits the guide cases within the budget")
            return
        described = program.describe()
        yield Candidate(
            strategy=self.name,
            label=f"enumerate program of size {program.size}",
            source=program.to_python(),
            provenance={"dsl_program": described, "program_size": program.size},
            record={"dsl_program": described, "program_size": program.size},
            readme_notes=(f"found by enumerating DSL programs (size {program.size}): `{described}`",),
        )


__all__ = ["EnumerateStrategy"]
