"""The ``llm`` strategy's client and repair loop against a real HTTP server on loopback."""

from __future__ import annotations

import httpx
import pytest
from tests.llm_server import LLMServer, Reply, fenced, last_user

from plugsmith.spec import parse_spec
from plugsmith.synth import LLMStrategy, SynthContext, Verdict
from plugsmith.synth._llm import LLMError, chat, repair_message
from plugsmith.synth._llm_config import LLMEndpoint, load_llm_config

SECRET = "sk-test-0123456789abcdef"
GOOD = 'def run(inputs: dict) -> dict:\n    return {"n": len(inputs["items"])}\n'
BUGGY = 'def run(inputs: dict) -> dict:\n    return {"n": len(inputs["items"]) + 1}\n'


def _endpoint(url: str, eid: str = "local", key: str | None = SECRET) -> LLMEndpoint:
    return LLMEndpoint(id=eid, kind="OpenAILike", base_url=url, model="tiny-coder", api_key=key,
                       priority=1, extra={})


def _ctx() -> SynthContext:
    spec = parse_spec({"name": "count_items", "description": "How many items there are.",
                       "inputs": {"items": {"type": "array"}}, "outputs": {"n": {"type": "integer"}},
                       "tests": [{"name": "three", "input": {"items": [1, 2, 3]}, "expected": {"n": 3}},
                                 {"name": "none", "input": {"items": []}, "expected": {"n": 0}}]})
    return SynthContext(spec=spec, hub=None, sandbox=None, guide_cases=spec.cases, holdout_count=1)


def test_chat_speaks_the_openai_protocol_with_the_key_only_in_the_header() -> None:
    with LLMServer([Reply("hello")]) as server, httpx.Client() as client:
        answer = chat(client, _endpoint(server.base_url), [{"role": "user", "content": "hi"}])
        models = httpx.get(server.base_url + "/models").json()
    assert answer == "hello"
    sent = server.requests[0]
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["Authorization"] == f"Bearer {SECRET}"
    assert sent.body["model"] == "tiny-coder" and sent.body["messages"][0]["content"] == "hi"
    assert SECRET not in str(sent.body)
    assert models["data"][0]["id"] == "test-model"


def test_chat_errors_are_one_line_and_never_carry_the_key() -> None:
    with LLMServer([Reply("boom", status=503)]) as server, httpx.Client() as client, \
            pytest.raises(LLMError, match="HTTP 503") as info:
        chat(client, _endpoint(server.base_url), [{"role": "user", "content": "hi"}])
    assert SECRET not in str(info.value)


def test_repair_loop_sends_the_failure_back_and_offers_the_fixed_code() -> None:
    script = [Reply(fenced(BUGGY)),
              Reply(fenced(GOOD), when=lambda req: "expected" in last_user(req) and "three" in last_user(req),
                    otherwise=fenced(BUGGY))]
    ctx = _ctx()
    with LLMServer(script) as server:
        strategy = LLMStrategy([_endpoint(server.base_url)], repair_rounds=3)
        gen = strategy.candidates(ctx)
        first = next(gen)
        assert first.source == BUGGY and first.label == "llm local round 1"
        ctx.last_verdict = Verdict(first, False, "guide", ["fails 1 of 2 guide cases"],
                                   "- case three: got {\"n\": 4}, expected {\"n\": 3}")
        second = next(gen)
        ctx.last_verdict = Verdict(second, True, "accepted")
        assert list(gen) == []
    assert second.source == GOOD
    assert second.provenance["model"] == "tiny-coder" and second.provenance["round"] == 2
    assert second.provenance["prompt_hash"].startswith("sha256:")
    assert SECRET not in str(second.provenance) + str(second.record)
    first_prompt = server.requests[0].body["messages"][-1]["content"]
    assert "count_items" in first_prompt and '"items": [1, 2, 3]' in first_prompt
    assert "1 more checks are held back" in first_prompt
    repair = server.requests[1].body["messages"]
    assert repair[-2] == {"role": "assistant", "content": fenced(BUGGY)}
    assert "fails 1 of 2 guide cases" in repair[-1]["content"]
    assert "got {\"n\": 4}" in repair[-1]["content"]


def test_loop_stops_after_the_configured_repair_rounds() -> None:
    ctx = _ctx()
    with LLMServer([Reply(fenced(BUGGY)) for _ in range(10)]) as server:
        gen = LLMStrategy([_endpoint(server.base_url)], repair_rounds=2).candidates(ctx)
        seen = 0
        for cand in gen:
            seen += 1
            ctx.last_verdict = Verdict(cand, False, "guide", ["wrong"])
    assert seen == 3 and len(server.requests) == 3      # the first try plus two repairs


def test_a_failing_endpoint_falls_back_to_the_next_one() -> None:
    ctx = _ctx()
    with LLMServer([Reply("down", status=500)]) as bad, LLMServer([Reply(fenced(GOOD))]) as good:
        strategy = LLMStrategy([_endpoint(bad.base_url, "primary"), _endpoint(good.base_url, "backup")])
        cand = next(strategy.candidates(ctx))
    assert cand.provenance["endpoint"] == "backup" and len(bad.requests) == 1


def test_a_reply_without_code_is_asked_again() -> None:
    ctx = _ctx()
    with LLMServer([Reply("I think you should count them."), Reply(fenced(GOOD))]) as server:
        cand = next(LLMStrategy([_endpoint(server.base_url)]).candidates(ctx))
    assert cand.source == GOOD and cand.provenance["round"] == 2
    assert "no ```python block" in server.requests[1].body["messages"][-1]["content"]


def test_strategy_is_off_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("PLUGSMITH_LLM_BASE_URL", "PLUGSMITH_LLM_MODEL", "PLUGSMITH_LLM_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    assert "no LLM endpoint configured" in (LLMStrategy().unavailable(_ctx()) or "")
    monkeypatch.setenv("PLUGSMITH_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("PLUGSMITH_LLM_MODEL", "m")
    assert load_llm_config() and LLMStrategy().unavailable(_ctx()) is None


def test_repair_message_lists_reasons_and_details() -> None:
    text = repair_message("- security: import of os", ["gate security failed: forbidden import"])
    assert "gate security failed" in text and "import of os" in text
