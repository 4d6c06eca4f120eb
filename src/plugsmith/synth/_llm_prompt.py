"""What the ``llm`` strategy sends: a bounded prompt for each round, never the whole history.

Every round's messages are built afresh: the system rules, the spec with its guide cases (never the
held-back ones), and then either the nearest plugins' code (before there is a candidate) or the latest
candidate and why it was rejected, in plain words. So a prompt does not grow with the rounds. Its size is
estimated (characters / 2.5: code and JSON run at about 2.6-4 characters a token, digits often one
each, so this errs high; when a server reports counting more, later rounds scale the estimate up) and
kept under the round's limit by shortening, in order, the related plugins' code, the feedback details,
the examples and the port schemas; what was shortened is said in the result::

    prompt = compose(ctx, limit=1500, nearest=[], latest=None, problem=None)
    prompt.tokens <= 1500 or prompt.over_limit
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from plugsmith.spec import JsonSchema

if TYPE_CHECKING:
    from plugsmith.synth._strategy import SynthContext, Verdict

ALLOWED_IMPORTS = ("json, math, statistics, datetime, re, collections, itertools, functools, decimal, "
                   "fractions, dataclasses, typing, heapq, bisect, operator")

SYSTEM_PROMPT = f"""You write plugins for plugsmith. A plugin is one Python module, plugin.py, that \
defines `run(inputs: dict) -> dict`. `inputs` maps input port names to JSON values; the returned dict \
must map exactly the output port names to JSON-serialisable values.
Rules: use only the standard library modules {ALLOWED_IMPORTS}. No file, network, process or \
environment access (no os, sys, subprocess, socket, open, eval, exec, __import__). Be deterministic. \
Compute the answer from the inputs; never hard-code the example outputs. Keep it short, readable and \
ruff-clean, with a module docstring.
Reply with the complete plugin.py in one ```python fenced block."""

CHARS_PER_TOKEN = 2.5        # SmolLM2's tokenizer: 2.6 (numeric plan JSON) to 3.2 chars a token
MESSAGE_OVERHEAD = 4          # tokens a chat template adds around each message

PLAN_SCHEMA = ("a plan document, every field present with defaults filled in: {title, goal, kind, budget "
               "(number|null), currency, start (ISO date|null), tasks: [{id, name, kind, owner, phase, "
               "duration_days, days_min, days_max, cost, start, depends_on: [task id], resources: "
               "[{role, hours, rate}], risk: {id, description, likelihood 1-5, impact 1-5, mitigation}"
               "|null, attributes: {}}], phases: [{id, name, parent}], risks: [risk], requires, meta}")


@dataclass(frozen=True, slots=True)
class Attempt:
    """The latest gated candidate: its code and the verdict on it."""

    round: int
    code: str
    verdict: Verdict


@dataclass(frozen=True, slots=True)
class Prompt:
    """One round's messages, their estimated size, and what was shortened to fit the limit."""

    messages: list[dict[str, str]]
    tokens: int
    limit: int
    trimmed: str = ""
    over_limit: bool = False

    @property
    def hash(self) -> str:
        canonical = json.dumps(self.messages, sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class _Fit:
    """How much of each part a prompt may carry; the ladder below goes from all to little."""

    examples: int
    example_chars: int
    schema_chars: int
    nearest: int
    nearest_chars: int
    details_chars: int
    says: str


_LADDER = (
    _Fit(50, 3000, 1200, 2, 4000, 6000, ""),
    _Fit(50, 3000, 1200, 1, 2000, 3000, "related plugins' code shortened"),
    _Fit(20, 1500, 800, 0, 0, 1500, "related plugins' code left out, examples and details shortened"),
    _Fit(4, 800, 600, 0, 0, 800, "related code left out, examples and details shortened"),
    _Fit(2, 400, 300, 0, 0, 400, "related code left out, examples, schemas and details shortened"),
    _Fit(1, 300, 200, 0, 0, 200, "related code left out, examples, schemas and details cut short"),
)


def estimate_tokens(messages: list[dict[str, str]]) -> int:
    """A deliberately high estimate of the prompt's size in tokens (no tokenizer needed)."""
    chars = sum(len(m.get("content", "")) for m in messages)
    return int(chars / CHARS_PER_TOKEN) + 1 + MESSAGE_OVERHEAD * len(messages)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 3)] + "..."


def describe_schema(schema: JsonSchema, limit: int = 1200) -> str:
    """A port schema for the prompt; the (large) plan schema becomes a compact field list."""
    if schema.get("$id") == "plugsmith:plan":
        return PLAN_SCHEMA
    return _cut(json.dumps(schema, sort_keys=True), limit)


def spec_text(ctx: SynthContext, fit: _Fit) -> str:
    """The spec, its ports and its guide cases, as much of them as ``fit`` allows."""
    spec = ctx.spec
    parts = [f"Capability: {spec.name}", f"Description: {spec.description or '(none)'}", "Inputs:"]
    parts += [f"- {name}: {describe_schema(s, fit.schema_chars)}" for name, s in spec.inputs.items()]
    parts += ["Outputs:"] + [f"- {name}: {describe_schema(s, fit.schema_chars)}"
                             for name, s in spec.outputs.items()]
    parts += [f"Constraints: {', '.join(c.value for c in spec.constraints) or 'none'}", "",
              "Examples (run(input) must return expected):"]
    shown = ctx.guide_cases[: fit.examples]
    for case in shown:
        text = json.dumps({"input": case.input, "expected": case.expected}, sort_keys=True)
        parts.append(f"- {case.name}: {_cut(text, fit.example_chars)}")
    if len(shown) < len(ctx.guide_cases):
        parts.append(f"({len(ctx.guide_cases) - len(shown)} more example(s) left out for length.)")
    if ctx.holdout_count:
        parts.append(f"({ctx.holdout_count} more checks are held back: the code must generalise.)")
    return "\n".join(parts)


_NOT_RUN = re.compile(r"raised not run: (\w+)(?:: (.*))?$")
_WHY_NOT_RUN = {"load_error": "plugin.py could not be imported", "timeout": "it ran too long and was stopped",
                "memory": "it used too much memory and was stopped", "crashed": "the process crashed",
                "output_too_large": "its output was too large", "protocol": "the process misbehaved"}


def plain_details(details: str) -> str:
    """The judge's details in plain words: "raised not run: load_error: X" becomes "plugin.py could not
    be imported: X", said once when it is why no case ran."""
    lines = details.splitlines()
    found = [(line, _NOT_RUN.search(line)) for line in lines]
    loads = {m.group(2) or "" for _, m in found if m and m.group(1) == "load_error"}
    case_lines = [m for line, m in found if line.startswith("- case")]
    if loads and case_lines and all(m and m.group(1) == "load_error" for m in case_lines):
        return "plugin.py could not be imported, so no example ran: " + "; ".join(sorted(loads))
    out = []
    for line, match in found:
        if match:
            why = _WHY_NOT_RUN.get(match.group(1), match.group(1))
            line = line[: match.start()] + "did not run: " + why + (f": {match.group(2)}" if match.group(2)
                                                                   else "")
        out.append(line.replace(" raised ", " raised an error: "))
    return "\n".join(out)


def repair_text(attempt: Attempt, details_chars: int) -> str:
    """What the model is told about its rejected candidate, in plain words."""
    verdict = attempt.verdict
    lines = ["The plugin.py above was rejected.", "", "Why:"]
    lines += [f"- {reason}" for reason in verdict.reasons] or ["- (no reason given)"]
    if verdict.feedback:
        lines += ["", "Details:", _cut(plain_details(verdict.feedback), details_chars)]
    lines += ["", "Fix it and reply with the complete corrected plugin.py in one ```python block."]
    return "\n".join(lines)


def instruction(problem: str | None, ctx: SynthContext, *, repeats: int, max_tokens: int,
                first_round: int | None = None) -> str:
    """The extra instruction after a round that changed nothing; stronger the more such rounds."""
    if problem == "repeat":
        return (f"You sent the same code as in round {first_round}, which was already rejected for the "
                "reasons below. Write a different implementation that fixes them.")
    if problem == "cut_off":
        return (f"Your last reply was cut off at the length limit ({max_tokens} tokens) before the code "
                "ended. Reply with a shorter plugin.py: only the ```python block, no explanation.")
    if problem != "no_code":
        return ""
    text = ("Your last reply had no ```python block defining run(inputs). Reply with only the complete "
            "plugin.py in one ```python fenced block, with no explanation before or after it.")
    if repeats >= 2:
        outputs = ", ".join(f'"{name}": ...' for name in ctx.spec.outputs)
        text += ("\nFill in this skeleton:\n```python\n"
                 f'"""{ctx.spec.description or ctx.spec.name}"""\n\n\n'
                 f"def run(inputs: dict) -> dict:\n    ...\n    return {{{outputs}}}\n```")
    return text


def _messages(ctx: SynthContext, fit: _Fit, nearest: list[tuple[str, str]], latest: Attempt | None,
              extra: str) -> list[dict[str, str]]:
    first = [spec_text(ctx, fit)]
    if latest is None:
        for ref, code in nearest[: fit.nearest]:
            first += ["", f"A related existing plugin ({ref}), for reference; its ports may differ:",
                      "```python", _cut(code, fit.nearest_chars).rstrip(), "```"]
        if extra:
            first += ["", extra]
    messages = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": "\n".join(first)}]
    if latest is not None:
        repair = repair_text(latest, fit.details_chars)
        messages += [{"role": "assistant", "content": f"```python\n{latest.code.rstrip()}\n```"},
                     {"role": "user", "content": f"{extra}\n\n{repair}" if extra else repair}]
    return messages


def compose(ctx: SynthContext, *, limit: int, nearest: list[tuple[str, str]], latest: Attempt | None,
            extra: str = "", scale: float = 1.0) -> Prompt:
    """The round's prompt: the largest rung of the ladder that fits ``limit`` (else the smallest).

    ``scale`` corrects the estimate for a server whose tokenizer counted more than it (its reported
    ``prompt_tokens`` over the estimate in an earlier round).
    """
    messages: list[dict[str, str]] = []
    tokens = 0
    for fit in _LADDER:
        messages = _messages(ctx, fit, nearest, latest, extra)
        tokens = math.ceil(estimate_tokens(messages) * scale)
        if tokens <= limit:
            return Prompt(messages, tokens, limit, _says(ctx, fit))
    return Prompt(messages, tokens, limit, _says(ctx, _LADDER[-1]), over_limit=True)


def _says(ctx: SynthContext, fit: _Fit) -> str:
    """What a rung of the ladder left out, for the progress line and the record."""
    shown, total = min(fit.examples, len(ctx.guide_cases)), len(ctx.guide_cases)
    if shown == total:
        return fit.says
    return f"{fit.says}; {shown} of {total} examples" if fit.says else f"{shown} of {total} examples"


__all__ = ["SYSTEM_PROMPT", "Attempt", "Prompt", "compose", "describe_schema", "estimate_tokens",
           "instruction", "plain_details", "repair_text", "spec_text"]
