"""An ASGI factory for serving the portal alone, e.g. behind a TLS reverse proxy::

    GSCDM_DB_URL=postgresql+psycopg://gscdm@db/gscdm \\
    uvicorn --factory gscdm.portal.asgi:app_from_env --host 127.0.0.1 --port 8000 \\
            --proxy-headers --forwarded-allow-ips 127.0.0.1 --workers 4

The home and database come from GSCDM_HOME and GSCDM_DB_URL, as for the CLI. It refuses to start
until an admin account exists (``gscdm users add NAME --role admin``): a portal nobody can log in
to is a misconfiguration, and there is no default account to fall back on.
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from lca_engine.portal import open_portal

from . import create_portal_app


class LoginNotConfiguredError(RuntimeError):
    """No enabled admin account: the portal will not start."""


def app_from_env() -> FastAPI:
    portal = open_portal(os.environ.get("GSCDM_HOME"), os.environ.get("GSCDM_DB_URL"))
    if not portal.login_configured():
        raise LoginNotConfiguredError(
            "login is not configured: create the first admin with "
            "'gscdm users add NAME --role admin' before serving the portal")
    return create_portal_app(portal)
