"""Who is calling: a bearer token (API) or the same token in an HttpOnly cookie (web pages)."""

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


def token_from_request(
    request: Request, credentials: HTTPAuthorizationCredentials | None
) -> TokenInfo | None:
    """The live token the request carries (header first, then cookie), or None.

    Unknown or revoked tokens count against the caller's address (``auth-failure``, shared by every
    replica); past that limit the address gets 429 before its token is looked up.
    """
    secret = credentials.credentials if credentials else request.cookies.get(COOKIE)
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
    """FastAPI dependency: any live token; 401 otherwise."""
    token = token_from_request(request, credentials)
    if token is None:
        raise unauthorized(
            "a valid bearer token is required" if credentials else "a bearer token is required"
        )
    limits = limits_of(request)
    if limits is not None and request.method not in ("GET", "HEAD", "OPTIONS"):
        limits.hit("publish" if request.url.path.endswith("/publish") else "write", token.id)
    return token


def require_role(token: TokenInfo, role: Role) -> TokenInfo:
    if token.role.level < role.level:
        raise forbidden(f"this needs a {role} token; yours is a {token.role} token")
    return token


__all__ = ["COOKIE", "authenticate", "bearer", "require_role", "require_token", "token_from_request"]
