"""The supplier portal over HTTP: a FastAPI router and the auth dependencies the server shares.

Mount it on the workbench's app (or any FastAPI app) with one line::

    install_portal(app, Portal(workspace))

call ``check_bind(host, allow_remote=..., portal=...)`` before ``gscdm serve`` binds, and
protect the workbench's own routes with ``Depends(current_user)`` (or
``require_role("engineer", "admin")``): anonymous requests then get 401 (API) or a redirect to
``/login`` (browsers).
"""

from __future__ import annotations

from fastapi import FastAPI

from lca_engine.portal import Portal

from .auth import check_csrf, current_user, optional_user, require_role
from .binding import RemoteBindRefusedError, check_bind
from .router import create_portal_router

__all__ = [
    "RemoteBindRefusedError",
    "check_bind",
    "check_csrf",
    "create_portal_app",
    "create_portal_router",
    "current_user",
    "install_portal",
    "optional_user",
    "require_role",
]


def install_portal(app: FastAPI, portal: Portal) -> None:
    """Make the portal known to the app (for the shared dependencies) and add its routes."""
    app.state.portal = portal
    app.include_router(create_portal_router(portal))


def create_portal_app(portal: Portal) -> FastAPI:
    """A stand-alone app serving only the portal (tests, benches, a portal-only deployment)."""
    app = FastAPI(title="GSCDM supplier portal", docs_url="/docs", redoc_url=None)
    install_portal(app, portal)
    return app
