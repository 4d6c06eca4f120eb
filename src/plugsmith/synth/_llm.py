"""The ``llm`` strategy: ask an OpenAI-compatible chat-completions endpoint, then test and repair.

Works with anything that speaks ``POST {base_url}/chat/completions`` (a hosted API, Ollama, vLLM, a
llama.cpp server). The prompt carries the spec, the guide cases (never the held-back ones) and the code of
the nearest plugins; the code is taken from the reply's ```python fence and gated like any candidate.
When it fails, the failure (test diffs, lint and security findings) goes back to the model in the same
conversation, for up to ``repair_rounds`` rounds. Endpoints come from ``_llm_config.load_llm_config()``
in priority order; on a transport or protocol failure the next endpoint is tried. The strategy is off
when no endpoint is configured. API keys are sent only in the Authorization header and never appear in
messages, records or provenance.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from plugsmith.spec import CODE_FILE, JsonSchema
from plugsmith.synth._strategy import Candidate, SynthContext

if TYPE_CHECKING:
    from plugsmith.hub import Release

DEFAULT_REPAIR_ROUNDS = 3
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


class Endpoint(Protocol):
    """What the strategy needs of ``plugsmith.synth._llm_config.LLMEndpoint``."""

    @property
    def id(self) -> str: ...
    @property
    def base_url(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def api_key(self) -> str | None: ...
    @property
    def extra(self) -> Mapping[str, Any]: ...


class LLMError(Exception):
    """An endpoint failed (transport, HTTP status or a reply without content); the text holds no key."""


def load_endpoints() -> list[Endpoint]:
    """Configured endpoints in priority order ([] when none, or when the config module is absent)."""
    try:
        from plugsmith.synth._llm_config import load_llm_config
    except ImportError:
        return []
    return list(load_llm_config())


def _redact(text: str, endpoints: Sequence[Endpoint]) -> str:
    for endpoint in endpoints:
        if endpoint.api_key:
            text = text.replace(endpoint.api_key, "***")
    return text


def chat(client: httpx.Client, endpoint: Endpoint, messages: list[dict[str, str]]) -> str:
    """One chat completion; returns the assistant's text or raises LLMError (never with the key in it)."""
    url = endpoint.base_url.rstrip("/") + "/chat/completions"
    headers = {"Authorization": f"Bearer {endpoint.api_key}"} if endpoint.api_key else {}
    extra = endpoint.extra or {}
    body: dict[str, Any] = {"model": endpoint.model, "messages": messages,
                            "temperature": extra.get("temperature", 0)}
    if "max_tokens" in extra:
        body["max_tokens"] = extra["max_tokens"]
    try:
        response = client.post(url, json=body, headers=headers)
    except httpx.HTTPError as exc:
        raise LLMError(_redact(f"{endpoint.id}: {type(exc).__name__}: {exc}", [endpoint])) from None
    if response.status_code != 200:
        raise LLMError(f"{endpoint.id}: HTTP {response.status_code}")
    try:
        content = response.json()["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise LLMError(f"{endpoint.id}: reply is not a chat completion") from None
    if not isinstance(content, str) or not content.strip():
        raise LLMError(f"{endpoint.id}: empty reply")
    return content


_FENCE = re.compile(r"```([A-Za-z0-9_+-]*)[ \t]*\n(.*?)```", re.DOTALL)


def extract_code(reply: str) -> str | None:
    """The plugin source from a reply: the last ```python block defining run (any block, else bare)."""
    blocks: list[tuple[str, str]] = [(str(m.group(1)).lower(), str(m.group(2)))
                                     for m in _FENCE.finditer(reply)]
    for wanted in (("python", "py"), ("",)):
        found = [code for lang, code in blocks if lang in wanted and "def run" in code]
        if found:
            return found[-1].strip() + "\n"
    if not blocks and "def run" in reply:
        return reply.strip() + "\n"
    return None


def describe_schema(schema: JsonSchema, limit: int = 1200) -> str:
    """A port schema for the prompt; the (large) plan schema becomes a compact field list."""
    if schema.get("$id") == "plugsmith:plan":
        return ("a plan document, every field present with defaults filled in: {title, goal, kind, budget "
                "(number|null), currency, start (ISO date|null), tasks: [{id, name, kind, owner, phase, "
                "duration_days, days_min, days_max, cost, start, depends_on: [task id], resources: "
                "[{role, hours, rate}], risk: {id, description, likelihood 1-5, impact 1-5, mitigation}"
                "|null, attributes: {}}], phases: [{id, name, parent}], risks: [risk], requires, meta}")
    text = json.dumps(schema, sort_keys=True)
    return text if len(text) <= limit else text[:limit] + "..."


def build_prompt(ctx: SynthContext, nearest: list[tuple[str, str]]) -> list[dict[str, str]]:
    """The first messages: the spec, the guide cases and the nearest plugins' code."""
    spec = ctx.spec
    parts = [f"Capability: {spec.name}", f"Description: {spec.description or '(none)'}", "Inputs:"]
    parts += [f"- {name}: {describe_schema(s)}" for name, s in spec.inputs.items()]
    parts += ["Outputs:"] + [f"- {name}: {describe_schema(s)}" for name, s in spec.outputs.items()]
    parts += [f"Constraints: {', '.join(c.value for c in spec.constraints) or 'none'}", "",
              "Examples (run(input) must return expected):"]
    for case in ctx.guide_cases:
        text = json.dumps({"input": case.input, "expected": case.expected}, sort_keys=True)
        parts.append(f"- {case.name}: {text[:3000]}")
    if ctx.holdout_count:
        parts.append(f"({ctx.holdout_count} more checks are held back: the code must generalise.)")
    for ref, code in nearest:
        parts += ["", f"A related existing plugin ({ref}), for reference; its ports may differ:",
                  "```python", code[:4000].rstrip(), "```"]
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": "\n".join(parts)}]


def prompt_hash(messages: list[dict[str, str]]) -> str:
    canonical = json.dumps(messages, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def _nearest_code(ctx: SynthContext, limit: int = 2) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    releases: list[Release] = [*ctx.not_adequate, *(m.release for m in ctx.near_matches)]
    for release in releases[:limit]:
        if ctx.hub is None:
            break
        try:
            found.append((release.ref, (ctx.hub.checkout(release) / CODE_FILE).read_text(encoding="utf-8")))
        except Exception:  # reference code is optional; a bad artifact must not stop synthesis
            continue
    return found


class LLMStrategy:
    """Chat-completions synthesis with a test-and-repair loop; the most expensive strategy."""

    name = "llm"
    cost = 30

    def __init__(self, endpoints: Sequence[Endpoint] | None = None, *, repair_rounds: int | None = None,
                 timeout_s: float = 120.0, transport: httpx.BaseTransport | None = None) -> None:
        self._endpoints = list(endpoints) if endpoints is not None else None
        self._repair_rounds = repair_rounds
        self.timeout_s = timeout_s
        self.transport = transport

    @property
    def repair_rounds(self) -> int:
        """Repair rounds after the first try: the constructor's, else PLUGSMITH_LLM_REPAIR_ROUNDS, else 3."""
        if self._repair_rounds is not None:
            return self._repair_rounds
        raw = os.environ.get("PLUGSMITH_LLM_REPAIR_ROUNDS", "")
        return int(raw) if raw.isdigit() else DEFAULT_REPAIR_ROUNDS

    def endpoints(self) -> list[Endpoint]:
        return self._endpoints if self._endpoints is not None else load_endpoints()

    def unavailable(self, ctx: SynthContext) -> str | None:
        if not self.endpoints():
            return ("no LLM endpoint configured (llm_config.json, PLUGSMITH_LLM_CONFIG or "
                    "PLUGSMITH_LLM_BASE_URL/PLUGSMITH_LLM_MODEL)")
        return None

    def _ask(self, client: httpx.Client, endpoints: list[Endpoint], start: int,
             messages: list[dict[str, str]], ctx: SynthContext) -> tuple[int, str] | None:
        """Ask the endpoints from ``start`` on; (index used, reply) or None when all failed."""
        for index in range(start, len(endpoints)):
            try:
                return index, chat(client, endpoints[index], messages)
            except LLMError as exc:
                ctx.say(f"llm: {_redact(str(exc), endpoints)}; trying the next endpoint")
        return None

    def candidates(self, ctx: SynthContext) -> Iterator[Candidate]:
        endpoints = self.endpoints()
        messages = build_prompt(ctx, _nearest_code(ctx))
        current = 0
        with httpx.Client(timeout=min(self.timeout_s, max(ctx.time_left(), 1.0)),
                          transport=self.transport) as client:
            for round_no in range(1, self.repair_rounds + 2):
                if ctx.time_left() <= 0:
                    return
                sent_hash = prompt_hash(messages)
                answer = self._ask(client, endpoints, current, messages, ctx)
                if answer is None:
                    return
                current, reply = answer
                messages = [*messages, {"role": "assistant", "content": reply}]
                code = extract_code(reply)
                if code is None:
                    messages.append({"role": "user", "content": "Your reply had no ```python block defining "
                                     "run(inputs). Reply with the complete plugin.py in one block."})
                    continue
                endpoint = endpoints[current]
                yield Candidate(
                    strategy=self.name, label=f"llm {endpoint.id} round {round_no}", source=code,
                    provenance={"model": endpoint.model, "endpoint": endpoint.id, "prompt_hash": sent_hash,
                                "round": round_no},
                    record={"model": endpoint.model, "endpoint": endpoint.id, "round": round_no,
                            "prompt_hash": sent_hash},
                    readme_notes=(f"written by model `{endpoint.model}` ({endpoint.id}) in round "
                                  f"{round_no} of a test-and-repair loop",))
                verdict = ctx.last_verdict
                if verdict is None or verdict.accepted:
                    return
                messages.append({"role": "user", "content": repair_message(verdict.feedback,
                                                                           verdict.reasons)})


def repair_message(feedback: str, reasons: list[str]) -> str:
    """What the model is told about its failed candidate."""
    lines = ["The plugin you wrote was rejected. Fix it and reply with the complete corrected plugin.py.",
             "", "Why it was rejected:"]
    lines += [f"- {reason}" for reason in reasons]
    if feedback:
        lines += ["", "Details:", feedback[:6000]]
    return "\n".join(lines)


__all__ = ["LLMError", "LLMStrategy", "build_prompt", "chat", "extract_code", "load_endpoints",
           "repair_message"]
