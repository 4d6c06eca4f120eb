"""The ``llm`` strategy's rounds against a real HTTP server on loopback: what each round sends, what it
does after a failure, and that every failure is on the record."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from tests.llm_server import LLMServer, Reply, fenced, last_user, prompt_chars

from plugsmith.errors import ConfigError
from plugsmith.spec import parse_spec
from plugsmith.synth import Candidate, LLMStrategy, SynthContext, Verdict
from plugsmith.synth._llm_config import LLMEndpoint, load_llm_config
from plugsmith.synth._llm_prompt import plain_details

SECRET = "sk-test-0123456789abcdef"
GOOD = 'def run(inputs: dict) -> dict:\n    return {"n": len(inputs["items"])}\n'
BUGGY = 'def run(inputs: dict) -> dict:\n    return {"n": len(inputs["items"]) + 1}\n'
OTHER = 'def run(inputs: dict) -> dict:\n    return {"n": sum(1 for _ in inputs["items"]) + 2}\n'


@pytest.fixture(autouse=True)
def no_llm_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("BASE_URL", "MODEL", "API_KEY", "CONFIG", "", "MAX_TOKENS", "TEMPERATURE", "PROMPT_TOKENS",
                "TIMEOUT", "REPAIR_ROUNDS", "BUDGET", "STREAM"):
        monkeypatch.delenv(f"PLUGSMITH_LLM_{var}".rstrip("_"), raising=False)


def _endpoint(url: str, eid: str = "local", **extra: object) -> LLMEndpoint:
    return LLMEndpoint(id=eid, kind="OpenAILike", base_url=url, model="tiny-coder", api_key=SECRET,
                       priority=1, extra=extra)


def _ctx(cases: int = 2, progress: list[str] | None = None) -> SynthContext:
    tests = [{"name": "three", "input": {"items": [1, 2, 3]}, "expected": {"n": 3}},
             {"name": "none", "input": {"items": []}, "expected": {"n": 0}}]
    tests += [{"name": f"long{i}", "input": {"items": list(range(40 + i))}, "expected": {"n": 40 + i}}
              for i in range(max(0, cases - 2))]
    spec = parse_spec({"name": "count_items", "description": "How many items there are.",
                       "inputs": {"items": {"type": "array"}}, "outputs": {"n": {"type": "integer"}},
                       "tests": tests})
    return SynthContext(spec=spec, hub=None, sandbox=None, guide_cases=spec.cases, holdout_count=1,
                        progress=None if progress is None else progress.append)


def _reject(gen: Iterator[Candidate], ctx: SynthContext, reasons: list[str],
            feedback: str = "") -> list[Candidate]:
    """Drive the loop as the flow does, rejecting every candidate."""
    seen = []
    for candidate in gen:
        seen.append(candidate)
        ctx.last_verdict = Verdict(candidate, False, "guide", reasons, feedback)
    return seen


def test_repair_rounds_send_the_spec_and_only_the_latest_candidate_with_its_feedback() -> None:
    ctx = _ctx()
    script = [Reply(fenced(BUGGY)), Reply(fenced(OTHER)),
              Reply(fenced(GOOD), when=lambda req: "got {\"n\": 2}" in last_user(req), otherwise="no")]
    with LLMServer(script) as server:
        gen = LLMStrategy([_endpoint(server.base_url)], repair_rounds=3).candidates(ctx)
        first = next(gen)
        ctx.last_verdict = Verdict(first, False, "guide", ["fails 1 of 2 guide cases"],
                                   '- case three: input {"items": [1, 2, 3]}: got {"n": 4}, '
                                   'expected {"n": 3}')
        second = next(gen)
        ctx.last_verdict = Verdict(second, False, "guide", ["fails 2 of 2 guide cases"],
                                   '- case none: input {"items": []}: got {"n": 2}, expected {"n": 0}')
        third = next(gen)
        ctx.last_verdict = Verdict(third, True, "accepted")
        assert list(gen) == []
    assert [c.source for c in (first, second, third)] == [BUGGY, OTHER, GOOD]
    assert third.label == "llm local round 3" and third.provenance["round"] == 3
    assert SECRET not in str(third.provenance) + str(third.record)
    first_ask, _, third_ask = (r.body["messages"] for r in server.requests)
    assert [m["role"] for m in first_ask] == ["system", "user"]
    assert "count_items" in first_ask[1]["content"] and '"items": [1, 2, 3]' in first_ask[1]["content"]
    assert "1 more checks are held back" in first_ask[1]["content"]
    # the third round: the spec, round 2's code and round 2's feedback; nothing of round 1
    assert [m["role"] for m in third_ask] == ["system", "user", "assistant", "user"]
    assert third_ask[1] == first_ask[1]
    assert third_ask[2]["content"] == f"```python\n{OTHER.rstrip()}\n```"
    assert "fails 2 of 2 guide cases" in third_ask[3]["content"] and "got {\"n\": 4}" not in str(third_ask)
    assert prompt_chars(server.requests[2].body) < prompt_chars(server.requests[0].body) + 1500
    assert all(r.body["max_tokens"] == 1024 and r.body["temperature"] == 0 for r in server.requests)
    assert third.record["prompt_tokens_estimate"] > 0 and third.record["completion_tokens"] is not None


def test_the_loop_stops_after_the_configured_repair_rounds() -> None:
    ctx = _ctx()
    with LLMServer([Reply(fenced(BUGGY.replace("1", str(i)))) for i in range(1, 11)]) as server:
        strategy = LLMStrategy([_endpoint(server.base_url)], repair_rounds=2)
        seen = _reject(strategy.candidates(ctx), ctx, ["wrong"])
    assert len(seen) == 3 and len(server.requests) == 3      # the first try plus two repairs


def test_a_reply_without_code_raises_the_temperature_and_changes_the_instruction() -> None:
    progress: list[str] = []
    ctx = _ctx(progress=progress)
    prose = "I think you should count them."
    with LLMServer([Reply(prose), Reply(prose), Reply(fenced(GOOD))]) as server:
        gen = LLMStrategy([_endpoint(server.base_url)], repair_rounds=3).candidates(ctx)
        cand = next(gen)
    assert cand.source == GOOD and cand.provenance["round"] == 3
    temperatures = [r.body["temperature"] for r in server.requests]
    assert temperatures == [0, 0.4, 0.8]
    second, third = (last_user(r.body) for r in server.requests[1:])
    assert "no ```python block" in second and "skeleton" not in second
    assert "Fill in this skeleton" in third and 'return {"n": ...}' in third
    no_code = [s for s in ctx.skipped if s["kind"] == "no_code"]
    assert [s["round"] for s in no_code] == [1, 2]
    assert all(s["strategy"] == "llm" and "count them" in s["reason"] for s in no_code)
    assert any("round 1: local replied without a ```python block" in line for line in progress)
    assert cand.record["temperature"] == 0.8


def test_a_repeated_candidate_is_not_gated_again_and_the_next_round_is_told() -> None:
    ctx = _ctx()
    respaced = BUGGY.replace("    ", "  ")
    with LLMServer([Reply(fenced(BUGGY)), Reply(fenced(respaced)), Reply(fenced(GOOD))]) as server:
        seen = _reject(LLMStrategy([_endpoint(server.base_url)], repair_rounds=2).candidates(ctx), ctx,
                       ["fails 1 of 2 guide cases"])
    assert [c.source for c in seen] == [BUGGY, GOOD]            # the repeat was never offered to the gates
    [repeat] = [s for s in ctx.skipped if s["kind"] == "repeat"]
    assert repeat["round"] == 2 and "same code as round 1" in repeat["reason"]
    third = server.requests[2].body
    assert third["temperature"] == 0.4
    assert "same code as in round 1" in last_user(third) and "fails 1 of 2 guide cases" in last_user(third)


def test_a_failing_endpoint_falls_back_to_the_next_one_and_both_are_on_the_record() -> None:
    ctx = _ctx()
    overloaded = {"error": {"message": "server overloaded, retry later", "type": "server_error"}}
    with LLMServer([Reply(status=503, error=overloaded)]) as bad, LLMServer([Reply(fenced(GOOD))]) as good:
        strategy = LLMStrategy([_endpoint(bad.base_url, "primary"), _endpoint(good.base_url, "backup")])
        cand = next(strategy.candidates(ctx))
    assert cand.provenance["endpoint"] == "backup" and len(bad.requests) == 1
    [failure] = ctx.skipped
    assert failure["kind"] == "http" and failure["status"] == 503 and failure["endpoint"] == "primary"
    assert "HTTP 503: server_error: server overloaded" in failure["reason"]
    assert failure["reason"].endswith("trying backup")


@pytest.mark.parametrize("reply", [
    Reply(raw=b"<html><title>Login</title></html>", content_type="text/html"),
    Reply(raw=b'data: {"choices": []}\n\n', content_type="text/event-stream"),
    Reply(raw=b""),
    Reply(raw=b'{"choices": []}'),
    Reply(raw=b'{"choices": [{"message": {"content": "' + b"y" * (2 << 20) + b'"}}]}'),
    Reply(status=500, raw=b"Internal Server Error", content_type="text/plain"),
])
def test_a_bad_reply_is_one_line_on_the_record_and_the_next_endpoint_answers(reply: Reply) -> None:
    progress: list[str] = []
    ctx = _ctx(progress=progress)
    with LLMServer([reply]) as bad, LLMServer([Reply(fenced(GOOD))]) as good:
        strategy = LLMStrategy([_endpoint(bad.base_url, "odd"), _endpoint(good.base_url, "sane")])
        cand = next(strategy.candidates(ctx))
    assert cand.source == GOOD
    [entry] = ctx.skipped
    assert entry["endpoint"] == "odd" and "\n" not in entry["reason"] and len(entry["reason"]) < 500
    assert any(line.startswith("llm: round 1/4: odd: ") for line in progress)


def test_the_only_endpoint_failing_ends_the_strategy_without_promising_another() -> None:
    ctx = _ctx()
    with LLMServer([Reply("model not found", status=404)]) as server:
        assert list(LLMStrategy([_endpoint(server.base_url)]).candidates(ctx)) == []
    [entry] = ctx.skipped
    assert "HTTP 404: model not found" in entry["reason"]
    assert "no other endpoint configured" in entry["reason"] and "trying" not in entry["reason"]


def test_a_stalled_server_is_given_up_when_the_budget_ends_and_sees_the_connection_close() -> None:
    ctx = _ctx()
    with LLMServer([Reply(fenced(GOOD), stall_s=30)]) as server:
        started = time.monotonic()
        found = list(LLMStrategy([_endpoint(server.base_url)], budget_s=3).candidates(ctx))
        elapsed = time.monotonic() - started
        deadline = time.monotonic() + 2
        while not server.hangups and time.monotonic() < deadline:
            time.sleep(0.02)
    assert found == [] and elapsed < 4.5
    [entry] = ctx.skipped
    assert entry["kind"] == "timeout" and "request cancelled (connection closed)" in entry["reason"]
    assert server.hangups and server.hangups[0] - started < 4.5


def test_a_round_is_not_started_when_too_little_budget_is_left() -> None:
    ctx = _ctx()
    ctx.deadline = time.monotonic() + 0.5
    with LLMServer([Reply(fenced(GOOD))]) as server:
        assert list(LLMStrategy([_endpoint(server.base_url)]).candidates(ctx)) == []
    assert server.requests == []
    assert ctx.skipped[0]["kind"] == "budget" and "not started" in ctx.skipped[0]["reason"]


def test_prompts_are_kept_under_the_configured_token_estimate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGSMITH_LLM_PROMPT_TOKENS", "700")
    ctx = _ctx(cases=30)
    with LLMServer([Reply(fenced(BUGGY)), Reply(fenced(GOOD))]) as server:
        seen = _reject(LLMStrategy([_endpoint(server.base_url)], repair_rounds=1).candidates(ctx), ctx,
                       ["fails 1 of 30 guide cases"], "- case long3: " + "x" * 5000)
    assert len(seen) == 2
    for request, cand in zip(server.requests, seen, strict=True):
        assert prompt_chars(request.body) <= 700 * 3
        assert cand.record["prompt_tokens_estimate"] <= 700
        assert "of 30 examples" in cand.record["prompt_trimmed"]
    assert "more example(s) left out for length" in server.requests[0].body["messages"][1]["content"]


def test_the_estimate_is_scaled_up_when_the_server_counts_more_tokens(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGSMITH_LLM_PROMPT_TOKENS", "1500")
    ctx = _ctx(cases=30)
    with LLMServer([Reply(fenced(BUGGY)), Reply(fenced(GOOD))], chars_per_token=1.0) as server:
        strategy = LLMStrategy([_endpoint(server.base_url)], repair_rounds=1)
        seen = _reject(strategy.candidates(ctx), ctx, ["fails 1 of 30 guide cases"])
    counted = [server.tokens(r.body) for r in server.requests]
    assert counted[0] > 1500 >= seen[0].record["prompt_tokens_estimate"]   # the first estimate was low
    assert counted[1] <= 1500                                               # the second round fits
    assert seen[1].record["prompt_tokens_estimate"] <= 1500


def test_a_context_length_refusal_is_recorded_and_the_round_asked_again_smaller() -> None:
    ctx = _ctx(cases=30)
    with LLMServer([Reply(fenced(GOOD))], context_tokens=1000) as server:
        endpoint = _endpoint(server.base_url, max_tokens=256)
        cand = next(LLMStrategy([endpoint]).candidates(ctx))
    first, second = server.requests
    assert prompt_chars(second.body) < prompt_chars(first.body)
    [refused] = ctx.skipped
    assert "context_length_exceeded: This model's maximum context length is 1000 tokens" in refused["reason"]
    assert f"under {1000 - 256 - 64} tokens" in refused["reason"]
    assert cand.record["prompt_tokens_estimate"] <= 1000 - 256 - 64


def test_max_tokens_and_temperature_come_from_the_environment_or_the_entry(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGSMITH_LLM_MAX_TOKENS", "300")
    monkeypatch.setenv("PLUGSMITH_LLM_TEMPERATURE", "0.2")
    with LLMServer([Reply(fenced(GOOD)), Reply(fenced(GOOD))]) as server:
        next(LLMStrategy([_endpoint(server.base_url)]).candidates(_ctx()))
        next(LLMStrategy([_endpoint(server.base_url, max_tokens=900, temperature=0.7)]).candidates(_ctx()))
    from_env, from_entry = (r.body for r in server.requests)
    assert (from_env["max_tokens"], from_env["temperature"]) == (300, 0.2)
    assert (from_entry["max_tokens"], from_entry["temperature"]) == (900, 0.7)


@pytest.mark.parametrize(("var", "value"), [("PLUGSMITH_LLM_MAX_TOKENS", "lots"),
                                            ("PLUGSMITH_LLM_TEMPERATURE", "9"),
                                            ("PLUGSMITH_LLM_PROMPT_TOKENS", "-1"),
                                            ("PLUGSMITH_LLM_BUDGET", "0")])
def test_a_bad_setting_is_a_config_error_naming_it(monkeypatch: pytest.MonkeyPatch, var: str,
                                                   value: str) -> None:
    monkeypatch.setenv(var, value)
    strategy = LLMStrategy([_endpoint("http://127.0.0.1:9/v1")])
    with pytest.raises(ConfigError) as info:
        strategy.own_budget(_ctx())
        list(strategy.candidates(_ctx()))
    assert info.value.exit_code == 2 and var in info.value.one_line() and repr(value) in info.value.one_line()


def test_the_budget_is_its_own_ten_minutes_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    assert LLMStrategy().own_budget(_ctx()) == 600
    monkeypatch.setenv("PLUGSMITH_LLM_BUDGET", "90")
    assert LLMStrategy().own_budget(_ctx()) == 90
    assert LLMStrategy(budget_s=5).own_budget(_ctx()) == 5


def test_strategy_is_off_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "no LLM endpoint configured" in (LLMStrategy().unavailable(_ctx()) or "")
    monkeypatch.setenv("PLUGSMITH_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("PLUGSMITH_LLM_MODEL", "m")
    assert load_llm_config() and LLMStrategy().unavailable(_ctx()) is None


def test_feedback_is_plain_words() -> None:
    raw = ("- case three: input {\"items\": [1]} raised not run: load_error: SyntaxError: invalid syntax "
           "(plugin.py, line 3)\n- case none: input {\"items\": []} raised not run: load_error: SyntaxError: "
           "invalid syntax (plugin.py, line 3)")
    assert plain_details(raw) == ("plugin.py could not be imported, so no example ran: SyntaxError: invalid "
                                  "syntax (plugin.py, line 3)")
    mixed = "- case a: input {} raised KeyError: 'items'\n- case b: input {} raised not run: timeout"
    assert plain_details(mixed) == ("- case a: input {} raised an error: KeyError: 'items'\n"
                                    "- case b: input {} did not run: it ran too long and was stopped")


def test_a_stream_is_asked_for_unless_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    with LLMServer([Reply(fenced(GOOD)), Reply(fenced(GOOD))]) as server:
        streamed = next(LLMStrategy([_endpoint(server.base_url)]).candidates(_ctx()))
        monkeypatch.setenv("PLUGSMITH_LLM_STREAM", "0")
        plain = next(LLMStrategy([_endpoint(server.base_url)]).candidates(_ctx()))
    assert streamed.source == plain.source == GOOD
    assert [r.body["stream"] for r in server.requests] == [True, False]
    assert server.requests[0].body["stream_options"] == {"include_usage": True}
    assert streamed.record["completion_tokens"] == plain.record["completion_tokens"] > 0
    monkeypatch.setenv("PLUGSMITH_LLM_STREAM", "sometimes")
    with pytest.raises(ConfigError) as info:
        list(LLMStrategy([_endpoint("http://127.0.0.1:9/v1")]).candidates(_ctx()))
    assert info.value.one_line().startswith("PLUGSMITH_LLM_STREAM: must be 1 or 0")


def test_every_llm_setting_read_by_the_code_is_documented() -> None:
    import re
    from pathlib import Path

    import plugsmith.synth as synth

    root = Path(synth.__file__).parent
    code = "".join((root / name).read_text() for name in ("_llm.py", "_llm_settings.py", "_llm_config.py"))
    docs = Path(__file__).parents[1] / "docs"
    documented = (docs / "synthesis.md").read_text() + (docs / "planexe.md").read_text()
    settings = set(re.findall(r"PLUGSMITH_LLM(?:_[A-Z_]+)?\b", code))
    assert {"PLUGSMITH_LLM_MAX_TOKENS", "PLUGSMITH_LLM_BUDGET", "PLUGSMITH_LLM_STREAM"} <= settings
    assert sorted(s for s in settings if s not in documented) == []
