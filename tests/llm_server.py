"""A real OpenAI-compatible chat-completions server on 127.0.0.1, for tests.

It speaks ``POST /v1/chat/completions`` and ``GET /v1/models`` over real HTTP (stdlib ``http.server``
in a thread, on a free port). Replies come from a scripted queue the test gives it; each entry is a
:class:`Reply` (text, optionally only when the request matches a predicate, else a fallback) or an HTTP
error status. Every request is recorded (path, headers, JSON body) so tests can assert on prompts::

    with LLMServer([Reply(BUGGY), Reply(FIXED, when=lambda req: "fails" in last_user(req))]) as srv:
        ... srv.base_url ...   # "http://127.0.0.1:PORT/v1"
        assert len(srv.requests) == 2
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Request = dict[str, Any]


@dataclass
class Reply:
    """One scripted answer. With ``when``, it is given only if ``when(request_body)`` is true; otherwise
    ``otherwise`` is sent (and this entry stays queued)."""

    text: str = ""
    when: Callable[[Request], bool] | None = None
    otherwise: str = "I cannot help with that."
    status: int = 200


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: Request = field(default_factory=dict)


def last_user(body: Request) -> str:
    """The last user message of a chat request."""
    users = [m.get("content", "") for m in body.get("messages", []) if m.get("role") == "user"]
    return users[-1] if users else ""


def fenced(code: str) -> str:
    """A reply the way models write them: a sentence and a ```python block."""
    return f"Here is the plugin.\n\n```python\n{code.strip()}\n```\n"


class LLMServer:
    """The server; use as a context manager (starts and stops the thread)."""

    def __init__(self, script: list[Reply], model: str = "test-model") -> None:
        self.script = list(script)
        self.model = model
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
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
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _next(self, body: Request) -> tuple[int, str]:
        with self._lock:
            if not self.script:
                return 200, "The script is empty."
            reply = self.script[0]
            if reply.when is not None and not reply.when(body):
                return 200, reply.otherwise
            self.script.pop(0)
            return reply.status, reply.text

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def _send(self, status: int, payload: Any) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

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
                status, text = server._next(body)
                if status != 200:
                    self._send(status, {"error": {"message": text or "scripted failure"}})
                    return
                self._send(200, {
                    "id": f"chatcmpl-{len(server.requests)}", "object": "chat.completion",
                    "model": body.get("model", server.model),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": text}}],
                    "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}})

        return Handler


__all__ = ["LLMServer", "Recorded", "Reply", "fenced", "last_user"]
