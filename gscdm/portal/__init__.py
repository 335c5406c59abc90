"""The supplier portal over HTTP: a FastAPI router and the auth dependencies the server shares.

Mount it on the workbench's app (or any FastAPI app) with one line::

    install_portal(app, Portal(workspace))

call ``check_bind(host, allow_remote=..., portal=...)`` before ``gscdm serve`` binds, and
protect the workbench's own routes with ``Depends(current_user)`` (or
``require_role("engineer", "admin")``): anonymous requests then get 401 (API) or a redirect to
``/login`` (browsers).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, FastAPI

from lca_engine.portal import Actor, Portal

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
    """A stand-alone app serving only the portal (tests, benches, a portal-only deployment).

    Nothing but the login page is public: the OpenAPI document needs a login too, and there is
    no Swagger page (its scripts would come from a CDN; the workbench serves docs offline)."""
    app = FastAPI(title="GSCDM supplier portal", docs_url=None, redoc_url=None,
                  openapi_url=None)
    install_portal(app, portal)

    @app.get("/openapi.json", include_in_schema=False)
    def openapi(actor: Annotated[Actor, Depends(current_user)]) -> dict[str, Any]:
        return app.openapi()

    return app
