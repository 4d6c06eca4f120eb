"""A real OpenAI-compatible chat-completions server on 127.0.0.1, for tests.

It speaks ``POST /v1/chat/completions`` and ``GET /v1/models`` over real HTTP (stdlib ``http.server``
in a thread, on a free port). Replies come from a scripted queue the test gives it; each entry is a
:class:`Reply`: text (optionally only when the request matches a predicate, else a fallback), an HTTP
error with an error body, raw bytes of any content type (HTML, a stream, megabytes), a stall that
watches for the client hanging up, or a reply cut off at the length limit. With ``context_tokens`` it
refuses prompts that do not fit, as llama-cpp-python does (HTTP 400, ``context_length_exceeded``).
Every request is recorded (path, headers, JSON body) so tests can assert on what was sent::

    with LLMServer([Reply(BUGGY), Reply(FIXED, when=lambda req: "fails" in last_user(req))]) as srv:
        ... srv.base_url ...   # "http://127.0.0.1:PORT/v1"
        assert len(srv.requests) == 2
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Request = dict[str, Any]


@dataclass
class Reply:
    """One scripted answer. With ``when``, it is given only if ``when(request_body)`` is true; otherwise
    ``otherwise`` is sent (and this entry stays queued).

    ``status`` other than 200 sends ``error`` (default: OpenAI's shape around ``text``) as the body.
    ``raw`` sends those bytes as they are, with ``content_type``. ``stall_s`` waits that long before
    answering, and gives up (answers nothing) as soon as the client hangs up. A request that asks for
    ``stream: true`` gets ``text`` as server-sent events, 8 characters each, ``chunk_delay_s`` apart,
    until the client hangs up.
    """

    text: str = ""
    when: Callable[[Request], bool] | None = None
    otherwise: str = "I cannot help with that."
    status: int = 200
    error: dict[str, Any] | None = None
    raw: bytes | None = None
    content_type: str = "application/json"
    stall_s: float = 0.0
    finish_reason: str = "stop"
    chunk_delay_s: float = 0.0      # between the pieces of a streamed reply (a request with stream: true)


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: Request = field(default_factory=dict)


def last_user(body: Request) -> str:
    """The last user message of a chat request."""
    users = [m.get("content", "") for m in body.get("messages", []) if m.get("role") == "user"]
    return users[-1] if users else ""


def prompt_chars(body: Request) -> int:
    """How many characters of messages a request carries."""
    return sum(len(m.get("content", "")) for m in body.get("messages", []))


def fenced(code: str) -> str:
    """A reply the way models write them: a sentence and a ```python block."""
    return f"Here is the plugin.\n\n```python\n{code.strip()}\n```\n"


class LLMServer:
    """The server; use as a context manager (starts and stops the thread).

    ``hangups`` holds the ``time.monotonic()`` of each stalled request whose client closed the
    connection; ``context_tokens`` makes it refuse prompts that are too long; ``chars_per_token`` is how
    its "tokenizer" counts the prompt (for ``usage`` and the context check).
    """

    def __init__(self, script: list[Reply], model: str = "test-model", *,
                 context_tokens: int | None = None, chars_per_token: float = 4.0) -> None:
        self.script = list(script)
        self.model = model
        self.context_tokens = context_tokens
        self.chars_per_token = chars_per_token
        self.requests: list[Recorded] = []
        self.hangups: list[float] = []
        self.chunks_sent = 0
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def base_url(self) -> str:
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}/v1"

    def __enter__(self) -> LLMServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _next(self, body: Request) -> Reply:
        with self._lock:
            if not self.script:
                return Reply("The script is empty.")
            reply = self.script[0]
            if reply.when is not None and not reply.when(body):
                return Reply(reply.otherwise)
            self.script.pop(0)
            return reply

    def tokens(self, body: Request) -> int:
        """The prompt's size in this server's tokens."""
        return int(prompt_chars(body) / self.chars_per_token)

    def _too_long(self, body: Request) -> dict[str, Any] | None:
        """llama-cpp-python's refusal of a prompt longer than its context, or None."""
        if self.context_tokens is None:
            return None
        prompt = self.tokens(body) + 8 * len(body.get("messages", []))
        if prompt < self.context_tokens:
            return None
        return {"error": {"message": f"This model's maximum context length is {self.context_tokens} tokens. "
                                     f"However, you requested {prompt} tokens ({prompt} in the messages, "
                                     f"{body.get('max_tokens')} in the completion). Please reduce the length "
                                     "of the messages or completion.",
                          "type": "invalid_request_error", "param": "messages",
                          "code": "context_length_exceeded"}}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def _send_raw(self, status: int, data: bytes, content_type: str) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    server.hangups.append(time.monotonic())   # the client stopped reading

            def _send(self, status: int, payload: Any) -> None:
                self._send_raw(status, json.dumps(payload).encode(), "application/json")

            def _stall(self, seconds: float) -> bool:
                """Wait, watching the socket; False as soon as the client hangs up."""
                end = time.monotonic() + seconds
                while time.monotonic() < end and not server._closing.is_set():
                    readable, _, _ = select.select([self.connection], [], [], 0.02)
                    if readable:
                        try:
                            peeked = self.connection.recv(1, socket.MSG_PEEK)
                        except OSError:
                            peeked = b""
                        if not peeked:
                            server.hangups.append(time.monotonic())
                            return False
                        time.sleep(0.02)
                return not server._closing.is_set()

            def _stream(self, body: Request, reply: Reply) -> None:
                """The reply as server-sent events, piece by piece, until done or the client hangs up."""
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                pieces = [reply.text[i:i + 8] for i in range(0, len(reply.text), 8)]
                done = completion(body, reply, server.model, len(server.requests), server.tokens(body))
                events = [{"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                          for piece in pieces]
                events.append({"choices": [{"index": 0, "delta": {}, "finish_reason": reply.finish_reason}],
                               "usage": done["usage"]})
                try:
                    for event in events:
                        self.wfile.write(b"data: " + json.dumps(event).encode() + b"\n\n")
                        self.wfile.flush()
                        server.chunks_sent += 1
                        if server._closing.wait(reply.chunk_delay_s):
                            return
                    self.wfile.write(b"data: [DONE]\n\n")
                except (BrokenPipeError, ConnectionResetError):
                    server.hangups.append(time.monotonic())

            def do_GET(self) -> None:
                server.requests.append(Recorded(self.path, dict(self.headers)))
                if self.path.rstrip("/") == "/v1/models":
                    self._send(200, {"object": "list", "data": [{"id": server.model, "object": "model"}]})
                else:
                    self._send(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except json.JSONDecodeError:
                    self._send(400, {"error": {"message": "bad JSON"}})
                    return
                server.requests.append(Recorded(self.path, dict(self.headers), body))
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send(404, {"error": {"message": "not found"}})
                    return
                refusal = server._too_long(body)
                if refusal is not None:
                    self._send(400, refusal)
                    return
                reply = server._next(body)
                if reply.stall_s and not self._stall(reply.stall_s):
                    return
                if reply.raw is not None:
                    self._send_raw(reply.status, reply.raw, reply.content_type)
                elif reply.status == 200 and body.get("stream"):
                    self._stream(body, reply)
                elif reply.status != 200:
                    self._send(reply.status, reply.error or {"error": {"message": reply.text or "failure"}})
                else:
                    self._send(200, completion(body, reply, server.model, len(server.requests),
                                               server.tokens(body)))

        return Handler


def completion(body: Request, reply: Reply, model: str, number: int, prompt: int) -> dict[str, Any]:
    """A chat.completion object as OpenAI-compatible servers send it."""
    reply_tokens = len(reply.text) // 4
    return {"id": f"chatcmpl-{number}", "object": "chat.completion", "model": body.get("model", model),
            "choices": [{"index": 0, "finish_reason": reply.finish_reason,
                         "message": {"role": "assistant", "content": reply.text}}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": reply_tokens,
                      "total_tokens": prompt + reply_tokens}}


__all__ = ["LLMServer", "Recorded", "Reply", "completion", "fenced", "last_user", "prompt_chars"]
