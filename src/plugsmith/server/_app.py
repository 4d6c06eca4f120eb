"""The application factory: one hub, one server store, one signing key, two routers.

``create_app`` is what ``plugsmith serve`` runs under uvicorn and what tests drive in-process over
``httpx.ASGITransport``::

    app = create_app(ServerSettings(db_url="sqlite:///hub.db"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://hub") as c:
        (await c.get("/api/v1/search", params={"q": "cost"})).json()
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from plugsmith.server import _errors
from plugsmith.server._edge import EdgeMiddleware
from plugsmith.server._limits import BodyLimitMiddleware, RateLimits, install_rate_limits
from plugsmith.server._service import ReadService, ServerSettings
from plugsmith.server._store import ServerStore


def _engine_of(hub: Any) -> Any:
    """Share the hub's engine when it exposes one (same pool, same SQLite locking discipline)."""
    return getattr(hub, "engine", None) or getattr(hub, "_engine", None)


def create_app(settings: ServerSettings | None = None, *, hub: Any = None) -> FastAPI:
    """Build the FastAPI app. ``hub`` defaults to ``Hub.open(settings.db_url)`` (migrated to head)."""
    from plugsmith.governance._keys import signing_key
    from plugsmith.server._api import router
    from plugsmith.server._pages import pages
    from plugsmith.server._writes import WriteService

    settings = settings or ServerSettings()
    owns_hub = hub is None
    if hub is None:
        from plugsmith.hub import Hub

        hub = Hub.open(settings.db_url)
    engine = _engine_of(hub)
    store = (
        ServerStore(settings.db_url, engine=engine) if engine is not None else ServerStore(settings.db_url)
    )
    reads = ReadService(hub=hub, store=store, settings=settings)
    key = signing_key(hub, secret=settings.key_secret, directory=settings.key_dir, require_database=True)
    writes = WriteService(reads=reads, key=key)
    if settings.sign_on_first_serve and not store.any_signature():
        writes.sign_existing()  # first serve: from now on every release of this hub carries a signature

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        reads.flush_downloads()
        writes.close()
        if owns_hub:
            hub.close()
        if engine is None:
            store.close()

    app = FastAPI(
        title="plugsmith hub",
        version=_version(),
        lifespan=lifespan,
        description="The shared plugsmith hub: search, download, publish and review plugins.",
        docs_url=None,  # Swagger UI and ReDoc load scripts from a CDN; the hub serves no external assets
        redoc_url=None,
    )
    app.state.hub, app.state.store, app.state.reads, app.state.writes = hub, store, reads, writes
    app.state.settings = settings
    _errors.install(app)
    install_rate_limits(app, RateLimits(store.engine, settings.rates))
    app.include_router(router)
    app.include_router(pages)
    app.add_middleware(
        BodyLimitMiddleware,
        default_limit=settings.body_limit,
        archive_limit=settings.archive_limit,
        idle_timeout_s=settings.body_timeout_s,
    )
    app.add_middleware(EdgeMiddleware)  # outermost: its headers go on every answer, 413s included
    return app


def _version() -> str:
    from plugsmith import __version__

    return __version__


__all__ = ["create_app"]
