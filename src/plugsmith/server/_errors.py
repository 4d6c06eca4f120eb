"""HTTP errors, and the one place that renders every error as JSON (API) or HTML (pages).

Library errors (``plugsmith.errors``) map to a status by class (a ``ConfigError`` at request time is
the server's own database or settings failing: 503, details only in the log — the database URL is never
shown to a client); request validation errors become 422
with the first offending field; anything unexpected becomes a 500 whose body says nothing internal. The
body is always ``{"error": {"status", "slug", "message", "hint"}}`` under ``/api``.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from plugsmith import errors

log = logging.getLogger("plugsmith.server")

_STATUS: list[tuple[type[errors.PlugsmithError], int]] = [
    (errors.NotFound, 404),
    (errors.VersionConflict, 409),
    (errors.StateConflict, 409),
    (errors.BadInput, 400),
    (errors.GateFailed, 422),
    (errors.PolicyDenied, 403),
    (errors.TamperedArtifact, 500),
    (errors.WorkFailed, 500),
]


class ApiError(Exception):
    """An HTTP error with a status, a slug and a one-line message (and optionally a hint)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        slug: str = "error",
        hint: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.slug, self.hint = status, message, slug, hint
        self.extra = extra or {}


def unauthorized(message: str = "a bearer token is required") -> ApiError:
    return ApiError(
        401, message, slug="unauthorized", hint="create one with `plugsmith token create --role publisher`"
    )


def forbidden(message: str) -> ApiError:
    return ApiError(403, message, slug="forbidden")


def _status_of(exc: errors.PlugsmithError) -> int:
    return next((status for cls, status in _STATUS if isinstance(exc, cls)), 500)


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api") and request.url.path != "/openapi.json"


def render(
    request: Request,
    status: int,
    slug: str,
    message: str,
    hint: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    """The error as the client expects it: JSON under /api, an HTML page elsewhere."""
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if _wants_html(request):
        from plugsmith.server._html import error_page

        return HTMLResponse(error_page(status, message, hint), status_code=status, headers=headers)
    body: dict[str, Any] = {"status": status, "slug": slug, "message": message, "hint": hint}
    body.update(extra or {})
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def _validation_message(exc: RequestValidationError) -> str:
    errs = exc.errors()
    if not errs:
        return "invalid request"
    first = errs[0]
    where = "/".join(str(p) for p in first.get("loc", ()))
    more = f" (and {len(errs) - 1} more)" if len(errs) > 1 else ""
    return f"{where}: {first.get('msg', 'invalid')}{more}"


def install(app: FastAPI) -> None:
    """Register the handlers; every error leaves the server through ``render``."""

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> Response:
        return render(request, exc.status, exc.slug, exc.message, exc.hint, exc.extra)

    @app.exception_handler(errors.PlugsmithError)
    async def _lib(request: Request, exc: errors.PlugsmithError) -> Response:
        if isinstance(exc, errors.ConfigError):  # the server's own setup (its database): not the client's
            log.error("%s %s: %s", request.method, request.url.path, exc.one_line())
            return render(request, 503, "unavailable", "the hub cannot reach its database or read its "
                          "configuration; the server log has details", "try again shortly")
        return render(request, _status_of(exc), exc.slug, exc.one_line(), exc.hint)

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> Response:  # e.g. a NUL in a body's text
        first = str(exc.orig).strip().splitlines()[0][:200] if exc.orig else "invalid value"
        return render(request, 400, "bad-input", f"the hub database cannot store a value of this "
                      f"request: {first}", "remove NUL (\\x00) characters and other bytes text cannot hold")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return render(request, 422, "invalid-request", _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        return render(request, exc.status_code, slug, str(exc.detail))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return render(request, 500, "internal", "internal server error; the server log has details")


__all__ = ["ApiError", "forbidden", "install", "render", "unauthorized"]
