"""Who is calling: a bearer token (API) or the same token in an HttpOnly cookie (web pages).

The cookie signs in the pages, whose POST forms carry a CSRF token (``_csrf``). The API checks no such
token, so it takes the cookie for reads only: a write (``POST`` …) needs the ``Authorization`` header,
which no form on another page can send — otherwise an empty form posted to ``/api/v1/plugins/X/yank``
from a same-site page (or any page, in a browser without ``SameSite``) would act as the signed-in
reviewer or admin.
"""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from plugsmith.server._errors import forbidden, unauthorized
from plugsmith.server._limits import client_address, limits_of
from plugsmith.server._store import Role, ServerStore, TokenInfo

COOKIE = "plugsmith_token"
bearer = HTTPBearer(auto_error=False, description="A token from `plugsmith token create`.")


def store_of(request: Request) -> ServerStore:
    store: ServerStore = request.app.state.store
    return store


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def token_from_request(
    request: Request, credentials: HTTPAuthorizationCredentials | None, *, cookie: bool = True
) -> TokenInfo | None:
    """The live token the request carries (header first, then, if ``cookie``, the cookie), or None.

    Unknown or revoked tokens count against the caller's address (``auth-failure``, shared by every
    replica); past that limit the address gets 429 before its token is looked up.
    """
    secret = credentials.credentials if credentials else request.cookies.get(COOKIE) if cookie else None
    if not secret:
        return None
    return authenticate(request, secret)


def authenticate(request: Request, secret: str) -> TokenInfo | None:
    """``ServerStore.authenticate`` under the shared ``auth-failure`` rate limit."""
    limits, address = limits_of(request), client_address(request)
    if limits is not None:
        limits.check("auth-failure", address)
    info = store_of(request).authenticate(secret) if len(secret) <= 200 else None
    if info is None and limits is not None:
        limits.hit("auth-failure", address)
    return info


def require_token(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
) -> TokenInfo:
    """FastAPI dependency: any live token; 401 otherwise. Writes take the header only (see above)."""
    token = token_from_request(request, credentials, cookie=request.method in SAFE_METHODS)
    if token is None:
        if credentials:
            raise unauthorized("a valid bearer token is required")
        if request.cookies.get(COOKIE):
            raise unauthorized("API writes need the token in the Authorization header; the sign-in "
                               "cookie is for the web pages, whose forms carry a CSRF token")
        raise unauthorized("a bearer token is required")
    limits = limits_of(request)
    if limits is not None and request.method not in SAFE_METHODS:
        limits.hit("publish" if request.url.path.endswith("/publish") else "write", token.id)
    return token


def require_role(token: TokenInfo, role: Role) -> TokenInfo:
    if token.role.level < role.level:
        raise forbidden(f"this needs a {role} token; yours is a {token.role} token")
    return token


__all__ = ["COOKIE", "authenticate", "bearer", "require_role", "require_token", "token_from_request"]
