"""CSRF protection for the web pages' POST forms (sign in, sign out, review decisions).

The session cookie is already ``SameSite=Strict`` and ``HttpOnly``; on top of that every form carries a
token another site cannot know:

* signed in: ``session_token(secret)``, an HMAC of a fixed label keyed by the session's own bearer
  secret. Only a browser holding the cookie can have it, it needs no server-side state (so every
  ``serve --workers`` process agrees), and it does not reveal the secret;
* signing in (no session yet): a random value in a short-lived ``plugsmith_csrf`` cookie, repeated in
  the form (double submit, with the cookie ``SameSite=Strict`` too).

(No ``Origin`` check: behind a reverse proxy that rewrites ``Host`` it would refuse honest forms, and
the token already proves the form was rendered for this browser.)
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request

LOGIN_COOKIE = "plugsmith_csrf"
_LABEL = b"plugsmith-csrf-v1"


def session_token(secret: str) -> str:
    """The form token for a signed-in session whose bearer secret is ``secret``."""
    return hmac.new(secret.encode("utf-8"), _LABEL, hashlib.sha256).hexdigest()[:40]


def new_login_token() -> str:
    return secrets.token_urlsafe(24)


def valid(request: Request, submitted: str | None, *, session_secret: str | None) -> bool:
    """Whether a POST's ``csrf`` form field is right for this browser."""
    if not submitted:
        return False
    if session_secret:
        return hmac.compare_digest(submitted, session_token(session_secret))
    expected = request.cookies.get(LOGIN_COOKIE) or ""
    return bool(expected) and hmac.compare_digest(submitted, expected)


__all__ = ["LOGIN_COOKIE", "new_login_token", "session_token", "valid"]
