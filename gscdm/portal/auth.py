"""Authentication for every route of the server: dependencies the portal and the workbench share.

``current_user`` accepts an API token (``Authorization: Bearer TOKEN``) or the session cookie
and answers an anonymous request with 401 (API, non-HTML clients) or a redirect to the login page
(browsers). ``require_role("engineer", "admin")`` also checks the role (403). ``check_csrf``
guards every state-changing request made with a session cookie: the form field ``csrf_token`` or
the header ``X-CSRF-Token`` must carry the session's token. Token-authenticated requests carry no
ambient credentials, so they need none.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from urllib.parse import quote

from fastapi import HTTPException, Request

from lca_engine.portal import Actor, Portal

SESSION_COOKIE = "gscdm_session"
LOGIN_CSRF_COOKIE = "gscdm_login_csrf"
#: Force the Secure flag on cookies (e.g. behind a TLS proxy that does not send
#: X-Forwarded-Proto); otherwise it is set whenever the request came over https.
FORCE_SECURE_COOKIES = os.environ.get("GSCDM_SECURE_COOKIES", "") not in ("", "0", "false")


def portal_of(request: Request) -> Portal:
    portal = getattr(request.state, "portal", None) or getattr(request.app.state, "portal", None)
    if portal is None:  # pragma: no cover - a wiring error, not a request error
        raise RuntimeError("the portal is not installed on this app (use install_portal)")
    return portal


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def secure_cookies(request: Request) -> bool:
    return FORCE_SECURE_COOKIES or request.url.scheme == "https"


def wants_html(request: Request) -> bool:
    if request.url.path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "")


def optional_user(request: Request) -> Actor | None:
    """The caller, or None when the request carries no credentials. A token that is wrong or
    revoked is an error (401), not an anonymous request."""
    cached = getattr(request.state, "actor", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return,unused-ignore]
    portal = portal_of(request)
    client = client_address(request)
    header = request.headers.get("authorization")
    actor: Actor | None = None
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise HTTPException(401, "Authorization must be 'Bearer TOKEN'",
                                headers={"WWW-Authenticate": "Bearer"})
        actor = portal.actor_for_token(token.strip(), client)
        if actor is None:
            raise HTTPException(401, "invalid or revoked token",
                                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    else:
        secret = request.cookies.get(SESSION_COOKIE)
        if secret:
            actor = portal.actor_for_session(secret, client)
    request.state.actor = actor
    return actor


def current_user(request: Request) -> Actor:
    """The authenticated caller; anonymous browsers are sent to the login page."""
    actor = optional_user(request)
    if actor is None:
        if wants_html(request):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise HTTPException(303, "login required",
                                headers={"Location": f"/login?next={quote(target, safe='')}"})
        raise HTTPException(401, "login required", headers={"WWW-Authenticate": "Bearer"})
    return actor


def require_role(*roles: str) -> Callable[[Request], Actor]:
    """A dependency that lets only these roles through (403 for the others)."""

    def dependency(request: Request) -> Actor:
        actor = current_user(request)
        if actor.role not in roles:
            raise HTTPException(403, f"this needs the role {' or '.join(roles)}")
        return actor

    dependency.__name__ = f"require_role_{'_'.join(roles)}"
    return dependency


def check_csrf(request: Request, actor: Actor, submitted: str | None) -> None:
    """Refuse a session-authenticated state change without the session's CSRF token."""
    if actor.via != "session":
        return
    token = submitted or request.headers.get("x-csrf-token") or ""
    if not actor.csrf_token or not secrets.compare_digest(token, actor.csrf_token):
        raise HTTPException(403, "CSRF token missing or wrong: reload the page and try again")
