"""`gscdm serve` is one server: the workbench, the supplier portal and the PACT host API.

Before login is configured the workbench is a single user's loopback tool and needs no login;
once an enabled admin exists, every workbench page and `/api/` route needs an engineer's or
admin's session or token, suppliers get 403, and anonymous browsers go to the login page.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from gscdm.cli import main
from gscdm.web import create_app
from lca_engine.workspace import Workspace

from .portal_support import PASSWORD, bearer, use_cheap_password_hashing


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_password_hashing(monkeypatch)


def test_the_workbench_needs_a_login_once_login_is_configured(home: Path) -> None:
    from lca_engine.portal import Portal

    workspace = Workspace.open(home)
    client = TestClient(create_app(workspace), base_url="http://127.0.0.1",
                        raise_server_exceptions=False)
    # no account yet: the loopback workbench answers without a login
    assert client.get("/api/products").status_code == 200
    assert 'href="/portal/coverage"' not in client.get("/factors").text

    portal = Portal(workspace)
    portal.add_user("root", "admin", PASSWORD)
    portal.add_user("eng", "engineer", PASSWORD)
    portal.add_user("acme", "supplier", PASSWORD, supplier="ACME")
    tokens = {name: portal.issue_token(name) for name in ("root", "eng", "acme")}

    assert client.get("/api/products").status_code == 401
    page = client.get("/", headers={"Accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=%2F"
    assert client.get("/api/products", headers=bearer(tokens["eng"])).json() == {"products": []}
    assert client.get("/api/products", headers=bearer(tokens["root"])).status_code == 200
    # a logged-in engineer's pages link to the portal's coverage; an anonymous one's do not
    assert 'href="/portal/coverage"' in client.get("/factors", headers=bearer(tokens["eng"])).text
    refused = client.get("/api/products", headers=bearer(tokens["acme"]))
    assert refused.status_code == 403 and "products" not in refused.text
    # the portal's own routes are on the same server, for the supplier too
    assert client.get("/api/me", headers=bearer(tokens["acme"])).json()["role"] == "supplier"
    assert client.get("/login").status_code == 200
    workspace.close()


def test_the_pact_host_api_is_served_by_the_same_app(home: Path) -> None:
    workspace = Workspace.open(home)
    client = TestClient(create_app(workspace), base_url="http://127.0.0.1",
                        raise_server_exceptions=False)
    # PACT's token endpoint exists and, over plain HTTP, answers with an OAuth error (the
    # router refuses tokens without TLS), not the workbench's 404
    response = client.post("/auth/token", data={"grant_type": "client_credentials"},
                           auth=("nobody", "secret"))
    assert response.status_code in (400, 401, 403)
    assert "error" in response.json()
    workspace.close()


def test_serve_binds_remotely_only_with_allow_remote_and_a_login(home: Path) -> None:
    from lca_engine.portal import Portal

    result = CliRunner().invoke(main, ["--home", str(home), "serve", "--host", "0.0.0.0",
                                       "--allow-remote"])
    assert result.exit_code == 2 and "no login is configured" in result.stderr
    workspace = Workspace.open(home)
    Portal(workspace).add_user("root", "admin", PASSWORD)
    workspace.close()
    # with login configured the bind check passes; the command then stops at the missing
    # Brightway project (exit 2 with the 'gscdm init' hint) instead of serving in a test
    result = CliRunner().invoke(main, ["--home", str(home), "serve", "--host", "0.0.0.0",
                                       "--allow-remote"])
    assert "no login is configured" not in result.stderr
    assert "gscdm init" in result.stderr
