"""Shared set-up of the supplier-portal tests: a workspace with accounts, a TestClient login,
and a real uvicorn server on loopback (for concurrency, SIGKILL and browser tests)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from lca_engine.portal import Portal
from lca_engine.workspace import Workspace

PASSWORD = "correct horse battery staple"
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class PortalSetup:
    """A portal with an admin, an engineer and two suppliers (ACME, BETA) with tokens."""

    workspace: Workspace
    portal: Portal
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def home(self) -> Path:
        return self.workspace.home.path

    @property
    def db_url(self) -> str:
        return self.workspace.home.db_url


def make_setup(home: Path, db_url: str) -> PortalSetup:
    workspace = Workspace.open(home, db_url)
    workspace.database.initialise()
    portal = Portal(workspace)
    setup = PortalSetup(workspace, portal)
    for name, role, org in (("root", "admin", None), ("eng", "engineer", None),
                            ("acme", "supplier", "ACME"), ("acme2", "supplier", "ACME"),
                            ("beta", "supplier", "BETA")):
        portal.add_user(name, role, PASSWORD, supplier=org)
        setup.tokens[name] = portal.issue_token(name)
    return setup


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def browser_login(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Log in through the form like a browser; returns the session's CSRF token."""
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    response = client.post("/login", data={"username": name, "password": password,
                                           "csrf_token": token.group(1), "next": "/portal"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    home = client.get("/portal/requests")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', home.text)
    assert csrf is not None
    return csrf.group(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(setup: PortalSetup, log: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``uvicorn --factory gscdm.portal.asgi:app_from_env`` on a loopback port, in its own
    process (so that a test can SIGKILL it)."""
    port = free_port()
    env = {**os.environ, "GSCDM_HOME": str(setup.home), "GSCDM_DB_URL": setup.db_url,
           "PYTHONPATH": str(ROOT)}
    with log.open("ab") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "gscdm.portal.asgi:app_from_env",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            env=env, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield url, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def use_cheap_password_hashing(monkeypatch: object) -> None:
    """argon2id with 8 MiB and one pass instead of 64 MiB and three: the tests create five
    accounts each, and the production cost (~0.1 s idle, 0.7 s on a loaded CI core) would
    dominate their run time. The hashing code path is the same."""
    from argon2 import PasswordHasher

    from lca_engine.portal import accounts

    cheap = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    monkeypatch.setattr(accounts, "_hasher", cheap)  # type: ignore[attr-defined]
    monkeypatch.setattr(accounts, "_DUMMY_HASH", cheap.hash("dummy"))  # type: ignore[attr-defined]
