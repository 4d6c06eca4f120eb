"""One chat completion over real HTTP on loopback: what is sent, and every bad reply as one line."""

from __future__ import annotations

import json
import time

import pytest
from tests.llm_server import LLMServer, Reply

from plugsmith.synth._llm_config import LLMEndpoint
from plugsmith.synth._llm_http import MAX_REPLY_BYTES, EndpointFailure, chat, describe_error

SECRET = "sk-test-0123456789abcdef"
HI = [{"role": "user", "content": "hi"}]


def _endpoint(url: str, key: str | None = SECRET) -> LLMEndpoint:
    return LLMEndpoint(id="local", kind="OpenAILike", base_url=url, model="tiny-coder", api_key=key,
                       priority=1, extra={})


def _chat(server: LLMServer, timeout_s: float = 10.0) -> str:
    return chat(_endpoint(server.base_url), HI, max_tokens=256, temperature=0.5, timeout_s=timeout_s).text


def test_chat_sends_max_tokens_temperature_and_the_key_only_in_the_header() -> None:
    with LLMServer([Reply("hello")]) as server:
        reply = chat(_endpoint(server.base_url), HI, max_tokens=256, temperature=0.5, timeout_s=10)
    assert reply.text == "hello" and reply.finish_reason == "stop"
    assert (reply.prompt_tokens, reply.completion_tokens) == (0, 1)     # the server's own counts
    [sent] = server.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["Authorization"] == f"Bearer {SECRET}"
    assert sent.body == {"model": "tiny-coder", "messages": HI, "max_tokens": 256, "temperature": 0.5,
                         "stream": False}


def test_an_http_error_carries_the_servers_explanation_and_never_the_key() -> None:
    too_long = {"error": {"message": "This model's maximum context length is 1024 tokens. However, you "
                                     "requested 1342 tokens.", "type": "invalid_request_error",
                          "code": "context_length_exceeded"}}
    with LLMServer([Reply(status=400, error=too_long), Reply(f"bad key {SECRET}", status=401)]) as server:
        with pytest.raises(EndpointFailure) as first:
            _chat(server)
        with pytest.raises(EndpointFailure) as second:
            _chat(server)
    assert str(first.value).startswith("HTTP 400: context_length_exceeded: This model's maximum context")
    assert (first.value.kind, first.value.status, first.value.context_tokens) == ("http", 400, 1024)
    assert "HTTP 401" in str(second.value) and "\n" not in str(second.value)


@pytest.mark.parametrize(("body", "said", "context"), [
    (b'{"error": {"code": 400, "message": "the request exceeds the available context size", '
     b'"type": "exceed_context_size_error", "n_prompt_tokens": 1500, "n_ctx": 1024}}',
     "exceed_context_size_error: the request exceeds the available context size", 1024),      # llama.cpp
    (b'{"object": "error", "message": "bad model", "type": "BadRequestError", "code": 400}',
     "BadRequestError: bad model", None),                                                     # vLLM
    (b'{"detail": "Not authenticated"}', "Not authenticated", None),                        # FastAPI
    (b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
     "(an HTML page: 502 Bad Gateway)", None),
    (b"upstream went away", "upstream went away", None),
])
def test_error_bodies_of_the_usual_servers_become_one_line(body: bytes, said: str,
                                                           context: int | None) -> None:
    assert describe_error(body, "") == (said, context)


MEGABYTES = b'{"choices": [{"message": {"content": "' + b"x" * (3 * MAX_REPLY_BYTES) + b'"}}]}'


@pytest.mark.parametrize(("reply", "expected"), [
    (Reply(raw=b"<!doctype html><html><title>Welcome</title></html>", content_type="text/html"),
     "an HTML page (Welcome)"),
    (Reply(raw=b'data: {"choices": [{"delta": {"content": "hi"}}]}\n\ndata: [DONE]\n\n',
           content_type="text/event-stream"), "a stream of server-sent events"),
    (Reply(raw=b""), "the reply body is empty"),
    (Reply(raw=b'{"id": "x", "choices": []}'), "a 200 reply without choices"),
    (Reply(raw=b'{"error": {"message": "model is loading"}}'), "without choices: model is loading"),
    (Reply(raw=b"Service starting", content_type="text/plain"), "the reply is not JSON: Service starting"),
    (Reply(raw=MEGABYTES), "larger than 1024 KiB"),
])
def test_a_reply_that_is_not_a_chat_completion_is_one_line(reply: Reply, expected: str) -> None:
    with LLMServer([reply]) as server, pytest.raises(EndpointFailure) as info:
        _chat(server)
    assert info.value.kind == "bad_reply"
    assert expected in str(info.value) and "\n" not in str(info.value) and len(str(info.value)) < 400


def test_content_as_parts_and_a_null_content_are_read() -> None:
    text = [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]
    parts = {"choices": [{"message": {"content": text}, "finish_reason": "stop"}]}
    empty = {"choices": [{"message": {"content": None}, "finish_reason": "length"}]}
    with LLMServer([Reply(raw=json.dumps(parts).encode()), Reply(raw=json.dumps(empty).encode())]) as server:
        assert _chat(server) == "ab"
        reply = chat(_endpoint(server.base_url), HI, max_tokens=16, temperature=0, timeout_s=10)
    assert (reply.text, reply.finish_reason, reply.prompt_tokens) == ("", "length", None)


def test_a_stalled_request_is_given_up_at_its_timeout_and_the_connection_closed() -> None:
    with LLMServer([Reply("late", stall_s=20)]) as server:
        started = time.monotonic()
        with pytest.raises(EndpointFailure) as info:
            _chat(server, timeout_s=1.0)
        gave_up = time.monotonic()
        deadline = gave_up + 2
        while not server.hangups and time.monotonic() < deadline:
            time.sleep(0.02)
    assert info.value.kind == "timeout" and "no reply within 1 s" in str(info.value)
    assert "connection closed" in str(info.value)
    assert 0.9 <= gave_up - started < 2.5
    assert server.hangups and server.hangups[0] - gave_up < 1.0    # the server saw us hang up at once


def test_nothing_listening_is_a_transport_failure() -> None:
    with LLMServer([]) as server:
        url = server.base_url
    with pytest.raises(EndpointFailure) as info:
        chat(_endpoint(url), HI, max_tokens=16, temperature=0, timeout_s=5)
    assert info.value.kind == "transport" and "ConnectError" in str(info.value)


def test_a_streamed_reply_is_joined_with_its_finish_reason_and_usage() -> None:
    text = "```python\ndef run(inputs: dict) -> dict:\n    return {}\n```"
    with LLMServer([Reply(text)]) as server:
        reply = chat(_endpoint(server.base_url), HI, max_tokens=64, temperature=0, timeout_s=10, stream=True)
    assert reply.text == text and reply.finish_reason == "stop"
    assert reply.completion_tokens == len(text) // 4 and reply.chunks == -(-len(text) // 8)
    assert server.requests[0].body["stream"] is True and server.chunks_sent == len(text) // 8 + 2


def test_a_stream_given_up_at_the_deadline_stops_the_server_sending() -> None:
    with LLMServer([Reply("x" * 8 * 200, chunk_delay_s=0.05)]) as server:
        started = time.monotonic()
        with pytest.raises(EndpointFailure) as info:
            chat(_endpoint(server.base_url), HI, max_tokens=64, temperature=0, timeout_s=1.0, stream=True)
        gave_up = time.monotonic()
        deadline = gave_up + 2
        while not server.hangups and time.monotonic() < deadline:
            time.sleep(0.02)
    assert info.value.kind == "timeout" and "still arriving after 1 s" in str(info.value)
    assert gave_up - started < 1.6
    assert server.hangups and server.hangups[0] - gave_up < 0.5   # the server's next write failed
    assert server.chunks_sent < 60                                  # of 201: it stopped generating
