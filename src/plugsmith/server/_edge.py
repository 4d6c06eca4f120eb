"""What every request and every response passes at the server's edge, before any route sees it.

* **Security headers on every response**: ``nosniff`` (an archive or a JSON body is never sniffed
  into HTML), a Content-Security-Policy that allows no script, no external asset, no plugin, forms
  only to this hub and no framing (the review screen cannot be clickjacked), ``X-Frame-Options`` for
  browsers without ``frame-ancestors``, and a same-origin ``Referrer-Policy``.
* **No NUL character in the path or the query**: PostgreSQL stores no NUL in text, and no plugin
  name, version, capability or search needs one, so ``%00`` is a 400 here rather than a database
  error deep inside a read.
"""

from __future__ import annotations

import json
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)


class EdgeMiddleware:
    """Security headers on every response; 400 for a NUL character in the path or query."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *(h for h in SECURITY_HEADERS if h[0] not in present)]
            await send(message)

        if _has_nul(scope):
            await _bad_request(scope, with_headers, "the path or query holds a NUL (\\x00) character")
            return
        await self.app(scope, receive, with_headers)


def _has_nul(scope: Scope) -> bool:
    path: str = scope.get("path", "")
    query: bytes = scope.get("query_string", b"")
    return "\x00" in path or b"\x00" in unquote_to_bytes(query)


async def _bad_request(scope: Scope, send: Send, message: str) -> None:
    """A 400 in the shape the route would have answered: JSON under /api, a short page elsewhere."""
    if scope.get("path", "").startswith("/api"):
        error = {"status": 400, "slug": "bad-request", "message": message, "hint": None}
        body, kind = json.dumps({"error": error}).encode(), b"application/json"
    else:
        from plugsmith.server._html import error_page

        body, kind = error_page(400, message).encode(), b"text/html; charset=utf-8"
    await send({"type": "http.response.start", "status": 400,
                "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


__all__ = ["CONTENT_SECURITY_POLICY", "SECURITY_HEADERS", "EdgeMiddleware"]
