"""The server's limits: request body sizes, and request rates shared by every replica of a hub.

Body sizes: a plain ASGI middleware rejects a too-large ``Content-Length`` up front with 413, and counts
the bytes of chunked bodies as they arrive, so a client cannot make the server buffer an unbounded
upload. Archive uploads get a larger allowance than JSON bodies. A body that stops arriving (a client
that sends a ``Content-Length`` and then trickles or nothing) is cut off with 408 once it has been idle
for ``idle_timeout_s``, instead of holding its request open for as long as the client likes.

Rates: ``RateLimits`` counts in the hub database (``server_rate_counters``, migration 0006), not in
process memory, so a limit holds however many replicas share the hub and whichever one a load balancer
picks: fixed windows, one row per (kind, subject, window), bumped by one atomic ``INSERT … ON
CONFLICT DO UPDATE … RETURNING``. Kinds: ``publish`` (per token: each publish runs the gates),
``write`` (every other write, per token) and ``auth-failure`` (requests with an unknown or revoked
token, per client address; past the limit that address is refused before its token is even looked
up). Reads are not counted here: they are cheap, cached and meant to scale; limit them in front of
the hub if you must.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI, Request, Response
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from plugsmith.errors import BadInput
from plugsmith.server._store import metadata


class BodyTooLarge(HTTPException):
    """Raised from ``receive``; an HTTPException so FastAPI's body parsing passes it through as 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes")


class BodyTimeout(HTTPException):
    """Raised from ``receive`` when the body stalls; passed through FastAPI's body parsing as 408."""

    def __init__(self, seconds: float) -> None:
        super().__init__(408, f"the request body stopped arriving for {seconds:g} s")


class BodyLimitMiddleware:
    """413 for bodies above ``limit_for(path)`` bytes; 408 for a body idle longer than ``idle_timeout_s``."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        default_limit: int,
        archive_limit: int,
        archive_paths: tuple[str, ...] = ("/api/v1/publish",),
        idle_timeout_s: float = 30.0,
    ) -> None:
        self.app, self.default_limit, self.archive_limit = app, default_limit, archive_limit
        self.archive_paths, self.idle_timeout_s = archive_paths, idle_timeout_s

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
        started = complete = False

        async def counting_receive() -> Message:
            nonlocal received, complete
            if complete:  # after the body only a disconnect can come, whenever it comes: no timeout
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.idle_timeout_s)
            except TimeoutError:
                raise BodyTimeout(self.idle_timeout_s) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                complete = not message.get("more_body", False)
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
        except BodyTimeout as exc:
            if not started:
                await _reject(send, limit, status=408, message=str(exc.detail))


async def _reject(send: Send, limit: int, *, bad: bool = False, status: int = 413, message: str = "") -> None:
    status = 400 if bad else status
    message = "invalid Content-Length header" if bad else message or f"request body larger than {limit} bytes"
    slug = "bad-request" if bad else {408: "body-timeout"}.get(status, "too-large")
    body = json.dumps(
        {
            "error": {
                "status": status,
                "slug": slug,
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


counters = sa.Table(
    "server_rate_counters",
    metadata,
    sa.Column("bucket", sa.String(200), primary_key=True),
    sa.Column("window_start", sa.BigInteger, primary_key=True),
    sa.Column("hits", sa.Integer, nullable=False),
    sa.Index("ix_server_rate_counters_window_start", "window_start"),
)


@dataclass(frozen=True)
class Rate:
    """At most ``count`` events per ``per_s`` seconds (a fixed window)."""

    count: int
    per_s: int

    def __str__(self) -> str:
        return f"{self.count}/{self.per_s}s"


KINDS = ("publish", "write", "auth-failure")
DEFAULT_RATES = {"publish": Rate(30, 60), "write": Rate(600, 60), "auth-failure": Rate(20, 60)}
_RATE = re.compile(r"^(?P<kind>[a-z-]+)=(?P<count>\d{1,9})/(?P<per>\d{1,7})s?$")


def parse_rate(text: str) -> tuple[str, Rate]:
    """``publish=30/60`` (30 per 60 seconds) -> ("publish", Rate(30, 60)); BadInput otherwise."""
    match = _RATE.match(text.strip())
    if not match or match["kind"] not in KINDS or int(match["per"]) < 1:
        raise BadInput(f"not a rate: {text!r}", subject="--rate",
                       hint=f"KIND=COUNT/SECONDS with KIND one of {', '.join(KINDS)}, e.g. publish=30/60")
    return match["kind"], Rate(int(match["count"]), int(match["per"]))


RATES_ENV = "PLUGSMITH_RATES"


def rates_from_env() -> dict[str, Rate] | None:
    """``PLUGSMITH_RATES`` (``publish=30/60,write=600/60``: how ``serve --rate`` reaches its workers)."""
    import os

    raw = os.environ.get(RATES_ENV, "").strip()
    if not raw:
        return None
    return dict(parse_rate(part) for part in raw.split(",") if part.strip()) or None


class RateLimited(Exception):
    """Over a limit; the server answers 429 with ``Retry-After``."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.message, self.retry_after_s = message, retry_after_s


_WHAT = {"publish": "publishes from this token", "write": "write requests from this token",
         "auth-failure": "requests with an unknown or revoked token from this address"}


class RateLimits:
    """Shared rate counters in the hub database. ``hit`` counts and may raise ``RateLimited``."""

    def __init__(self, engine: Engine, rates: dict[str, Rate] | None = None) -> None:
        self.engine = engine
        self.rates = {**DEFAULT_RATES, **(rates or {})}
        self._swept = 0.0
        self._lock = threading.Lock()

    def _window(self, rate: Rate, now: float) -> int:
        return int(now // rate.per_s) * rate.per_s

    def _refuse(self, kind: str, rate: Rate, window: int, now: float) -> RateLimited:
        retry = max(1, int(window + rate.per_s - now + 0.999))
        return RateLimited(f"too many {_WHAT[kind]}: the limit is {rate.count} per {rate.per_s} s "
                           f"across every replica; try again in {retry} s", retry)

    def hit(self, kind: str, subject: str) -> int:
        """Count one event of ``kind`` by ``subject``; RateLimited when that makes it too many."""
        rate, now = self.rates[kind], time.time()
        window = self._window(rate, now)
        with self.engine.execution_options(plugsmith_write=True).begin() as conn:
            insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(counters)
            hits = conn.execute(
                insert.values(bucket=f"{kind}:{subject}"[:200], window_start=window, hits=1)
                .on_conflict_do_update(index_elements=["bucket", "window_start"],
                                       set_={"hits": counters.c.hits + 1})
                .returning(counters.c.hits)).scalar_one()
        self._sweep(now)
        if hits > rate.count:
            raise self._refuse(kind, rate, window, now)
        return int(hits)

    def check(self, kind: str, subject: str) -> None:
        """RateLimited when ``subject`` is already over the limit (counts nothing)."""
        rate, now = self.rates[kind], time.time()
        window = self._window(rate, now)
        with self.engine.connect() as conn:
            hits = conn.execute(sa.select(counters.c.hits).where(
                counters.c.bucket == f"{kind}:{subject}"[:200], counters.c.window_start == window)).scalar()
        if hits is not None and hits >= rate.count:
            raise self._refuse(kind, rate, window, now)

    def _sweep(self, now: float) -> None:
        """Drop windows that ended long ago (at most once a minute per process)."""
        with self._lock:
            if now - self._swept < 60:
                return
            self._swept = now
        oldest = int(now) - 2 * max(rate.per_s for rate in self.rates.values())
        with self.engine.execution_options(plugsmith_write=True).begin() as conn:
            conn.execute(counters.delete().where(counters.c.window_start < oldest))



def install_rate_limits(app: FastAPI, limits: RateLimits) -> None:
    """Keep ``limits`` on the app and answer ``RateLimited`` with 429 and ``Retry-After``."""
    from plugsmith.server._errors import render

    app.state.limits = limits

    @app.exception_handler(RateLimited)
    async def _limited(request: Request, exc: RateLimited) -> Response:
        response = render(request, 429, "rate-limited", exc.message, "wait, or ask the hub's admin to raise "
                          "the limit (`plugsmith serve --rate KIND=COUNT/SECONDS`)",
                          {"retry_after_s": exc.retry_after_s})
        response.headers["Retry-After"] = str(exc.retry_after_s)
        return response


def limits_of(request: Any) -> RateLimits | None:
    """The app's shared rate limits (None for an app built without them)."""
    return getattr(request.app.state, "limits", None)


def client_address(request: Any) -> str:
    """The caller's address as uvicorn reports it (behind a proxy: from X-Forwarded-For when
    ``--forwarded-allow-ips`` trusts that proxy)."""
    return request.client.host if request.client else "unknown"


__all__ = ["DEFAULT_RATES", "KINDS", "RATES_ENV", "BodyLimitMiddleware", "Rate", "RateLimited", "RateLimits",
           "client_address", "counters", "install_rate_limits", "limits_of", "parse_rate", "rates_from_env"]
