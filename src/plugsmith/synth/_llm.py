"""The ``llm`` strategy: ask an OpenAI-compatible chat-completions endpoint, then test and repair.

Works with anything that speaks ``POST {base_url}/chat/completions`` (a hosted API, Ollama, vLLM, a
llama.cpp server). Endpoints come from ``_llm_config.load_llm_config()`` in priority order; the strategy
is off when none is configured. Each round sends a bounded prompt (``_llm_prompt``: the spec and guide
cases, then the latest candidate and why it failed, not the whole conversation) with ``max_tokens``
always set and a timeout that is what is left of the strategy's own budget (``_llm_settings``). The
code is taken from the reply's ```python fence and gated like any candidate.

Nothing a round does goes unrecorded: an endpoint that fails (with the server's own error text), a
timeout, a reply without code or one that repeats earlier code each become an entry in the record's
``skipped`` list and a progress line. A round that changed nothing makes the next one different: a
higher temperature and a changed instruction. On an endpoint failure the next endpoint is tried, if
there is one. API keys are sent only in the Authorization header and never appear in messages,
records or provenance.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from plugsmith.spec import CODE_FILE
from plugsmith.synth._llm_config import redact
from plugsmith.synth._llm_http import ChatReply, Endpoint, EndpointFailure, chat
from plugsmith.synth._llm_prompt import Attempt, Prompt, compose, instruction
from plugsmith.synth._llm_settings import (
    CONTEXT_MARGIN,
    RoundSettings,
    budget_s,
    repair_rounds,
    round_settings,
)
from plugsmith.synth._strategy import Candidate, SynthContext

if TYPE_CHECKING:
    from plugsmith.hub import Release

log = logging.getLogger(__name__)

MIN_ROUND_S = 2.0          # a round is not started with less of the budget left than this
TEMPERATURE_STEP = 0.4     # added after each round that changed nothing (no code, same code)
MAX_TEMPERATURE = 1.0


def load_endpoints() -> list[Endpoint]:
    """Configured endpoints in priority order ([] when none, or when the config module is absent)."""
    try:
        from plugsmith.synth._llm_config import load_llm_config
    except ImportError:
        return []
    return list(load_llm_config())


_FENCE = re.compile(r"```([A-Za-z0-9_+-]*)[ \t]*\n(.*?)```", re.DOTALL)
_UNCLOSED = re.compile(r"```(?:python|py)?[ \t]*\n(.*)\Z", re.DOTALL | re.IGNORECASE)


def extract_code(reply: str) -> str | None:
    """The plugin source from a reply: the last ```python block defining run (any block, else bare)."""
    blocks: list[tuple[str, str]] = [(str(m.group(1)).lower(), str(m.group(2)))
                                     for m in _FENCE.finditer(reply)]
    for wanted in (("python", "py"), ("",)):
        found = [code for lang, code in blocks if lang in wanted and "def run" in code]
        if found:
            return found[-1].strip() + "\n"
    if not blocks:
        unclosed = _UNCLOSED.search(reply)       # a fence that was never closed (a cut-off reply)
        body = unclosed.group(1) if unclosed else reply
        if "def run" in body:
            return body.strip() + "\n"
    return None


def _digest(code: str) -> str:
    """The same code whatever its spacing: a repeat is recognised, not gated again."""
    return hashlib.sha256("".join(code.split()).encode()).hexdigest()


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


def _excerpt(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[:limit] + "...") if flat else "an empty reply"


@dataclass(frozen=True, slots=True)
class _Asked:
    """One round's exchange: who was asked, with what, and the reply."""

    endpoint: Endpoint
    settings: RoundSettings
    prompt: Prompt
    temperature: float
    reply: ChatReply


class _Rounds:
    """The test-and-repair loop of one synthesis: asks, records, and changes what it asks."""

    def __init__(self, ctx: SynthContext, endpoints: list[Endpoint], rounds: int, budget: float) -> None:
        self.ctx, self.endpoints, self.rounds = ctx, endpoints, rounds
        self.deadline = min(ctx.deadline, time.monotonic() + budget)
        self.settings = {ep.id: round_settings(ep) for ep in endpoints}   # bad settings fail here, early
        self.limits = {ep.id: self.settings[ep.id].prompt_tokens for ep in endpoints}
        self.scale = {ep.id: 1.0 for ep in endpoints}   # server's token count / our estimate, when higher
        self.current = 0
        self.bumps = 0              # rounds so far that changed nothing: each raises the temperature
        self.no_code = 0            # such rounds in a row without code: the instruction gets firmer
        self.problem: str | None = None
        self.latest: Attempt | None = None
        self.seen: dict[str, Attempt] = {}
        self.nearest = _nearest_code(ctx)

    def time_left(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def note(self, reason: str, **detail: Any) -> None:
        self.ctx.note_skipped("llm", redact(reason, self.endpoints), **detail)

    def run(self) -> Iterator[Candidate]:
        for round_no in range(1, self.rounds + 2):
            asked = self.ask(round_no)
            if asked is None:
                return
            code = self.take(round_no, asked)
            if code is None:
                continue
            candidate = self.candidate(round_no, asked, code)
            yield candidate
            verdict = self.ctx.last_verdict
            if verdict is None or verdict.accepted:
                return
            self.latest = self.seen[_digest(code)] = Attempt(round_no, code, verdict)

    def temperature(self, settings: RoundSettings) -> float:
        if not self.bumps:
            return settings.temperature
        raised = settings.temperature + TEMPERATURE_STEP * self.bumps
        return round(min(max(MAX_TEMPERATURE, settings.temperature), raised), 2)

    def ask(self, round_no: int) -> _Asked | None:
        """Ask the endpoints from the current one on; None (noted) when none could answer."""
        tag = f"round {round_no}/{self.rounds + 1}"
        for index in range(self.current, len(self.endpoints)):
            endpoint, settings = self.endpoints[index], self.settings[self.endpoints[index].id]
            for retry in (False, True):
                left = self.time_left()
                timeout = min(settings.timeout_s or left, left)
                if timeout < MIN_ROUND_S:
                    self.note(f"{tag}: not started: {left:.0f} s of the llm budget left", kind="budget",
                              round=round_no)
                    return None
                extra = instruction(self.problem, self.ctx, repeats=self.no_code,
                                    max_tokens=settings.max_tokens,
                                    first_round=self.latest.round if self.latest else None)
                prompt = compose(self.ctx, limit=self.limits[endpoint.id], nearest=self.nearest,
                                 latest=self.latest, extra=extra, scale=self.scale[endpoint.id])
                temperature = self.temperature(settings)
                self.say_asking(tag, endpoint, settings, prompt, temperature, timeout)
                try:
                    reply = chat(endpoint, prompt.messages, max_tokens=settings.max_tokens,
                                 temperature=temperature, timeout_s=timeout, stream=settings.stream)
                except EndpointFailure as failure:
                    if not retry and self.shrink(endpoint, settings, failure):
                        self.note(f"{tag}: {endpoint.id}: {failure}; asking again with the prompt under "
                                  f"{self.limits[endpoint.id]} tokens", kind=failure.kind, round=round_no,
                                  endpoint=endpoint.id, status=failure.status)
                        continue
                    self.failed(tag, round_no, index, failure)
                    break
                self.current = index
                self.calibrate(endpoint, prompt, reply)
                return _Asked(endpoint, settings, prompt, temperature, reply)
        return None

    def say_asking(self, tag: str, endpoint: Endpoint, settings: RoundSettings, prompt: Prompt,
                   temperature: float, timeout: float) -> None:
        size = f"prompt ~{prompt.tokens} tokens (limit {prompt.limit}"
        size += f"; {prompt.trimmed})" if prompt.trimmed else ")"
        if prompt.over_limit:
            size += " - over the limit even at its shortest"
        line = (f"llm {tag}: asking {endpoint.id} ({endpoint.model}): {size}, max_tokens "
                f"{settings.max_tokens}, temperature {temperature:g}, waiting up to {timeout:.0f} s")
        log.info("%s", line)
        self.ctx.say(line)

    def calibrate(self, endpoint: Endpoint, prompt: Prompt, reply: ChatReply) -> None:
        """When the server counts more prompt tokens than the estimate, estimate higher from now on."""
        if reply.prompt_tokens and prompt.tokens and reply.prompt_tokens > prompt.tokens:
            self.scale[endpoint.id] = max(self.scale[endpoint.id], reply.prompt_tokens / prompt.tokens)

    def shrink(self, endpoint: Endpoint, settings: RoundSettings, failure: EndpointFailure) -> bool:
        """After 'the prompt does not fit my context of N', lower the endpoint's prompt limit to fit."""
        if failure.context_tokens is None:
            return False
        fits = failure.context_tokens - settings.max_tokens - CONTEXT_MARGIN
        if fits < 200 or fits >= self.limits[endpoint.id]:
            return False
        self.limits[endpoint.id] = fits
        return True

    def failed(self, tag: str, round_no: int, index: int, failure: EndpointFailure) -> None:
        endpoint = self.endpoints[index]
        reason = f"{tag}: {endpoint.id}: {failure}"
        if failure.context_tokens is not None or "context" in str(failure).lower():
            reason += ("; the prompt plus max_tokens must fit the server's context: lower "
                       "PLUGSMITH_LLM_PROMPT_TOKENS or PLUGSMITH_LLM_MAX_TOKENS, or give the server more")
        nxt = self.endpoints[index + 1].id if index + 1 < len(self.endpoints) else None
        reason += f"; trying {nxt}" if nxt else "; no other endpoint configured, so the llm strategy stops"
        self.note(reason, kind=failure.kind, round=round_no, endpoint=endpoint.id, status=failure.status)

    def take(self, round_no: int, asked: _Asked) -> str | None:
        """The reply's new code, or None after noting why the round gave nothing to gate."""
        reply, endpoint = asked.reply, asked.endpoint
        made = (str(reply.completion_tokens) if reply.completion_tokens is not None
                else f"~{reply.chunks}" if reply.chunks is not None else "?")
        read = "?" if reply.prompt_tokens is None else str(reply.prompt_tokens)
        self.ctx.say(f"llm round {round_no}: {endpoint.id} replied in {reply.seconds:.1f} s (prompt/reply "
                     f"tokens {read}/{made}, finish {reply.finish_reason or '?'})")
        cut = reply.finish_reason == "length" and reply.text.count("```") % 2 == 1
        code = None if cut else extract_code(reply.text)
        detail = self.detail(round_no, asked)
        if code is None:
            self.problem = "cut_off" if cut else "no_code"
            self.bumps, self.no_code = self.bumps + 1, self.no_code + 1
            self.note(f"round {round_no}: {endpoint.id} replied without a ```python block defining run"
                      + (f" (cut off at max_tokens {asked.settings.max_tokens})" if cut else "")
                      + f": {_excerpt(reply.text)}", kind=self.problem, **detail)
            return None
        self.no_code = 0
        earlier = self.seen.get(_digest(code))
        if earlier is not None:
            self.problem, self.latest, self.bumps = "repeat", earlier, self.bumps + 1
            self.note(f"round {round_no}: {endpoint.id} sent the same code as round {earlier.round}; "
                      "not gated again", kind="repeat", **detail)
            return None
        self.problem = None
        return code

    def detail(self, round_no: int, asked: _Asked) -> dict[str, Any]:
        """What the record keeps about a round: sizes, time, how it was asked."""
        reply, prompt = asked.reply, asked.prompt
        found = {"round": round_no, "endpoint": asked.endpoint.id, "model": asked.endpoint.model,
                 "seconds": reply.seconds, "prompt_tokens_estimate": prompt.tokens,
                 "prompt_tokens": reply.prompt_tokens, "completion_tokens": reply.completion_tokens,
                 "max_tokens": asked.settings.max_tokens, "temperature": asked.temperature,
                 "finish_reason": reply.finish_reason, "prompt_hash": prompt.hash}
        if reply.chunks is not None:
            found["stream_chunks"] = reply.chunks
        if prompt.trimmed:
            found["prompt_trimmed"] = prompt.trimmed
        return found

    def candidate(self, round_no: int, asked: _Asked, code: str) -> Candidate:
        endpoint = asked.endpoint
        return Candidate(
            strategy="llm", label=f"llm {endpoint.id} round {round_no}", source=code,
            provenance={"model": endpoint.model, "endpoint": endpoint.id, "prompt_hash": asked.prompt.hash,
                        "round": round_no},
            record=self.detail(round_no, asked),
            readme_notes=(f"written by model `{endpoint.model}` ({endpoint.id}) in round {round_no} of a "
                          "test-and-repair loop",))


class LLMStrategy:
    """Chat-completions synthesis with a test-and-repair loop; the most expensive strategy."""

    name = "llm"
    cost = 30

    def __init__(self, endpoints: Sequence[Endpoint] | None = None, *, repair_rounds: int | None = None,
                 budget_s: float | None = None) -> None:
        self._endpoints = list(endpoints) if endpoints is not None else None
        self._repair_rounds = repair_rounds
        self._budget_s = budget_s

    @property
    def repair_rounds(self) -> int:
        """Repair rounds after the first try: the constructor's, else PLUGSMITH_LLM_REPAIR_ROUNDS, else 3."""
        return self._repair_rounds if self._repair_rounds is not None else repair_rounds()

    def own_budget(self, ctx: SynthContext) -> float:
        """Its own budget, apart from the offline search's: the constructor's, else
        PLUGSMITH_LLM_BUDGET, else 600 s."""
        return self._budget_s if self._budget_s is not None else budget_s()

    def endpoints(self) -> list[Endpoint]:
        return self._endpoints if self._endpoints is not None else load_endpoints()

    def unavailable(self, ctx: SynthContext) -> str | None:
        if not self.endpoints():
            return ("no LLM endpoint configured (llm_config.json, PLUGSMITH_LLM_CONFIG or "
                    "PLUGSMITH_LLM_BASE_URL/PLUGSMITH_LLM_MODEL)")
        return None

    def candidates(self, ctx: SynthContext) -> Iterator[Candidate]:
        yield from _Rounds(ctx, self.endpoints(), self.repair_rounds, self.own_budget(ctx)).run()


__all__ = ["LLMStrategy", "extract_code", "load_endpoints"]
