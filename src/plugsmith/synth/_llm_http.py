"""One chat completion over HTTP: bounded in time and in size, every failure one line.

``chat()`` posts ``{model, messages, max_tokens, temperature, stream}`` to ``{base_url}/chat/completions``
and reads the reply as a stream of bytes, so that it can stop at ``MAX_REPLY_BYTES`` (plus 512 bytes a
token for a stream) and at the deadline. Each call has its own connection, closed when the call ends: a
request that is given up (timeout, reply too large) is cancelled on our side by closing the connection.
What the server does then is the server's (docs/synthesis.md): vLLM aborts the request; llama.cpp's
server and llama-cpp-python stop a *streamed* reply at their next write, but may finish a non-streamed
one, which is why the strategy streams by default and always sends ``max_tokens``.

With ``stream`` (the strategy's default; ``PLUGSMITH_LLM_STREAM=0`` turns it off) the reply comes as
server-sent events and is joined here; a server that answers a plain completion anyway is read too.
A reply that is not a usable chat completion (an HTTP error, HTML, a stream that was not asked for, an
empty body, no ``choices``, megabytes) raises :class:`EndpointFailure` with one line that says what came
back, including the server's own error text (``context_length_exceeded: …``); the key is never in it.
"""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

MAX_REPLY_BYTES = 1 << 20          # a chat completion of a plugin is a few KiB
MAX_ERROR_BYTES = 64 << 10
STREAM_BYTES_PER_TOKEN = 512       # a streamed event per token, with its id, model and timestamps
CONNECT_TIMEOUT_S = 10.0
_CONTEXT = re.compile(r"context(?: window| length| size|_length)\D{0,16}?(\d{3,})", re.IGNORECASE)


class Endpoint(Protocol):
    """What a request needs of ``plugsmith.synth._llm_config.LLMEndpoint``."""

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


@dataclass(frozen=True, slots=True)
class ChatReply:
    """The assistant's text and what the server said about it (token counts when it gives them)."""

    text: str
    finish_reason: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    seconds: float
    chunks: int | None = None      # events of a streamed reply (about one a token): a count without usage


class EndpointFailure(Exception):
    """The endpoint gave no usable reply.

    ``kind`` is ``timeout``, ``transport``, ``http`` or ``bad_reply``; ``context_tokens`` is the
    server's context size when its error says the prompt did not fit. The text never holds a key.
    """

    def __init__(self, kind: str, message: str, *, status: int | None = None,
                 context_tokens: int | None = None) -> None:
        super().__init__(message)
        self.kind, self.status, self.context_tokens = kind, status, context_tokens


def chat(endpoint: Endpoint, messages: list[dict[str, str]], *, max_tokens: int, temperature: float,
         timeout_s: float, stream: bool = False) -> ChatReply:
    """One chat completion within ``timeout_s`` seconds, or :class:`EndpointFailure`.

    With ``stream`` the reply is asked for as server-sent events: the deadline is then checked at
    every token, and a server that only notices a closed connection when it writes (llama-cpp-python,
    llama.cpp) stops generating as soon as the request is given up.
    """
    url = endpoint.base_url.rstrip("/") + "/chat/completions"
    headers = {"Authorization": f"Bearer {endpoint.api_key}"} if endpoint.api_key else {}
    body: dict[str, Any] = {"model": endpoint.model, "messages": messages, "max_tokens": max_tokens,
                            "temperature": temperature, "stream": stream}
    if stream:
        body["stream_options"] = {"include_usage": True}     # the token counts, in the last event
    started = time.monotonic()
    deadline = started + timeout_s
    timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, CONNECT_TIMEOUT_S))
    try:
        with httpx.Client(timeout=timeout) as client, \
                client.stream("POST", url, json=body, headers=headers) as response:
            limit = MAX_ERROR_BYTES if response.status_code != 200 else MAX_REPLY_BYTES + (
                STREAM_BYTES_PER_TOKEN * max_tokens if stream else 0)
            raw, complete = _read(response, limit, deadline)
            status, content_type = response.status_code, response.headers.get("content-type", "")
    except httpx.TimeoutException:
        raise EndpointFailure("timeout", f"no reply within {timeout_s:.0f} s; request cancelled "
                              "(connection closed)") from None
    except httpx.HTTPError as exc:
        raise EndpointFailure("transport", _one_line(f"{type(exc).__name__}: {exc}")) from None
    if time.monotonic() > deadline and not complete:
        raise EndpointFailure("timeout", f"the reply was still arriving after {timeout_s:.0f} s; "
                              "request cancelled (connection closed)")
    if status != 200:
        message, context = describe_error(raw, content_type)
        raise EndpointFailure("http", f"HTTP {status}" + (f": {message}" if message else ""), status=status,
                              context_tokens=context)
    if not complete:
        raise EndpointFailure("bad_reply", f"the reply is larger than {limit >> 10} KiB; "
                              "stopped reading it (connection closed)")
    seconds = round(time.monotonic() - started, 3)
    if stream and _is_stream(raw, content_type):
        return parse_stream(raw, seconds)
    return parse_completion(raw, content_type, seconds)


def _read(response: httpx.Response, limit: int, deadline: float) -> tuple[bytes, bool]:
    """At most ``limit`` bytes of the body, stopping at the deadline; (bytes, whether that was all)."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit or time.monotonic() > deadline:
            return b"".join(chunks)[:limit], False
    return b"".join(chunks), True


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _looks_like_html(raw: bytes, content_type: str) -> bool:
    return "html" in content_type or raw.lstrip()[:1] == b"<"


def _text_of_html(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    body = title.group(1) if title else re.sub(r"<[^>]+>", " ", text)
    return _one_line(html.unescape(body), 160)


def describe_error(raw: bytes, content_type: str) -> tuple[str, int | None]:
    """The server's own explanation of an error reply (OpenAI, vLLM, llama.cpp, FastAPI shapes), and
    the context size when it says the prompt did not fit."""
    try:
        data: Any = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        if _looks_like_html(raw, content_type):
            return f"(an HTML page: {_text_of_html(raw)})", None
        text = raw.decode("utf-8", "replace")
        return _one_line(text), _context(text)
    error = data.get("error", data) if isinstance(data, dict) else data
    if isinstance(error, dict):
        message = error.get("message") or error.get("detail") or ""
        code = error.get("code") if isinstance(error.get("code"), str) else error.get("type")
        n_ctx = error.get("n_ctx")
    else:
        message, code, n_ctx = str(error), None, None
    text = f"{code}: {message}" if code and str(code) not in str(message) else str(message)
    context = n_ctx if isinstance(n_ctx, int) and not isinstance(n_ctx, bool) else _context(str(message))
    return _one_line(text), context


def _context(text: str) -> int | None:
    found = _CONTEXT.search(text)
    return int(found.group(1)) if found else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _is_stream(raw: bytes, content_type: str) -> bool:
    return "event-stream" in content_type or raw.lstrip().startswith(b"data:")


def parse_stream(raw: bytes, seconds: float) -> ChatReply:
    """A streamed reply (``data: {chunk}`` lines up to ``data: [DONE]``) joined into one reply."""
    parts: list[str] = []
    finish: str | None = None
    usage: dict[str, Any] = {}
    chunks = 0
    for line in raw.decode("utf-8", "replace").splitlines():
        payload = line[5:].strip() if line.startswith("data:") else ""
        if not payload or payload == "[DONE]":
            continue
        try:
            chunk = json.loads(payload)
        except ValueError:
            continue
        if isinstance(chunk, dict) and "error" in chunk:
            said = describe_error(payload.encode(), "")[0]
            raise EndpointFailure("http", f"error in the stream: {said}")
        choices = chunk.get("choices") if isinstance(chunk, dict) else None
        usage = chunk["usage"] if isinstance(chunk, dict) and isinstance(chunk.get("usage"), dict) else usage
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            continue
        delta = choices[0].get("delta") or choices[0].get("message") or {}
        text = delta.get("content") if isinstance(delta, dict) else None
        parts.append(text if isinstance(text, str) else "")
        chunks += bool(text)
        finish = choices[0].get("finish_reason") or finish
    if not parts:
        raise EndpointFailure("bad_reply", "a stream without chat completion chunks")
    return ChatReply(text="".join(parts), finish_reason=finish if isinstance(finish, str) else None,
                     prompt_tokens=_int(usage.get("prompt_tokens")),
                     completion_tokens=_int(usage.get("completion_tokens")), seconds=seconds, chunks=chunks)


def parse_completion(raw: bytes, content_type: str, seconds: float) -> ChatReply:
    """A 200 reply's text, or :class:`EndpointFailure` saying what came back instead."""
    if not raw.strip():
        raise EndpointFailure("bad_reply", "the reply body is empty")
    if _is_stream(raw, content_type):
        raise EndpointFailure("bad_reply", "the reply is a stream of server-sent events, not one chat "
                              "completion (plugsmith asks with stream: false)")
    try:
        data: Any = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        if _looks_like_html(raw, content_type):
            raise EndpointFailure("bad_reply", f"the reply is an HTML page ({_text_of_html(raw)}), not a "
                                  "chat completion: is base_url the API's address (often ending /v1)?"
                                  ) from None
        raise EndpointFailure("bad_reply", "the reply is not JSON: "
                              + _one_line(raw.decode("utf-8", "replace"), 120)) from None
    choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        said = describe_error(raw, content_type)[0] if isinstance(data, dict) and "error" in data else ""
        raise EndpointFailure("bad_reply", "a 200 reply without choices" + (f": {said}" if said else ""))
    choice = choices[0]
    message = choice.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, list):      # content as parts: [{"type": "text", "text": ...}]
        content = "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
    finish = choice.get("finish_reason")
    return ChatReply(text=content if isinstance(content, str) else "",
                     finish_reason=finish if isinstance(finish, str) else None,
                     prompt_tokens=_int(usage.get("prompt_tokens")),
                     completion_tokens=_int(usage.get("completion_tokens")), seconds=seconds)


__all__ = ["MAX_REPLY_BYTES", "ChatReply", "Endpoint", "EndpointFailure", "chat", "describe_error",
           "parse_completion", "parse_stream"]
