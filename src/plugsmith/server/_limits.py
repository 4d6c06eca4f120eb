"""Request body size limits, enforced while the body streams in (not after it is buffered).

A plain ASGI middleware: it rejects a too-large ``Content-Length`` up front with 413, and counts the
bytes of chunked bodies as they arrive, so a client cannot make the server buffer an unbounded upload.
Archive uploads get a larger allowance than JSON bodies.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyTooLarge(HTTPException):
    """Raised from ``receive``; an HTTPException so FastAPI's body parsing passes it through as 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes")


class BodyLimitMiddleware:
    """413 for bodies above ``limit_for(path)`` bytes."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        default_limit: int,
        archive_limit: int,
        archive_paths: tuple[str, ...] = ("/api/v1/publish",),
    ) -> None:
        self.app, self.default_limit, self.archive_limit = app, default_limit, archive_limit
        self.archive_paths = archive_paths

    def limit_for(self, path: str) -> int:
        return self.archive_limit if path.startswith(self.archive_paths) else self.default_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > limit or declared < 0:
                    await _reject(send, limit, bad=declared < 0)
                    return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _reject(send, limit)


async def _reject(send: Send, limit: int, *, bad: bool = False) -> None:
    status = 400 if bad else 413
    message = "invalid Content-Length header" if bad else f"request body larger than {limit} bytes"
    body = json.dumps(
        {
            "error": {
                "status": status,
                "slug": "too-large" if not bad else "bad-request",
                "message": message,
                "hint": None,
            }
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


__all__ = ["BodyLimitMiddleware"]
