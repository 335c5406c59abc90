"""Shared fixtures: a fresh database per test on SQLite, and on PostgreSQL when one is reachable.

PostgreSQL: ``source scripts/pg_test_cluster.sh`` (``.ci/run`` does) exports GSCDM_TEST_PG_URL;
each test gets a database of its own, dropped afterwards. Without a server the PostgreSQL
variants skip with the reason shown by ``pytest -ra``; in CI (GSCDM_REQUIRE_PG=1) they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from gscdm.cli import main
from lca_engine.db import MaterialDatabase
from lca_engine.home import default_sqlite_url
from lca_engine.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures"
NOTEBOOK_BOM = Path(__file__).resolve().parents[1] / "bom_samples" / "notebook14" / "bom.csv"
IPC = FIXTURES / "ipc"


def _postgres_url() -> str:
    base = os.environ.get("GSCDM_TEST_PG_URL")
    if not base:
        reason = "no PostgreSQL server: set GSCDM_TEST_PG_URL (source scripts/pg_test_cluster.sh)"
        if os.environ.get("GSCDM_REQUIRE_PG"):
            pytest.fail(reason)
        pytest.skip(reason)
    return base


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    base = _postgres_url()
    name = f"gscdm_t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'gscdm.sqlite'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def db(db_url: str) -> Iterator[MaterialDatabase]:
    database = MaterialDatabase(db_url)
    database.initialise()
    yield database
    database.dispose()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A home whose database schema exists (the Brightway part of init is tested separately)."""
    path = tmp_path / "home"
    path.mkdir()
    database = MaterialDatabase(default_sqlite_url(path))
    database.initialise()
    database.dispose()
    return path


def run_cli(home: Path, *args: str) -> tuple[int, str, str]:
    """``gscdm --home HOME ARGS…`` in-process: (exit code, stdout, stderr)."""
    result = CliRunner().invoke(main, ["--home", str(home), *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def notebook_workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """An initialised engine home with the sample notebook imported (one per test module)."""
    workspace = Workspace.open(tmp_path_factory.mktemp("notebook") / "home")
    workspace.init()
    assert workspace.database.import_paths([], bom=NOTEBOOK_BOM).counts()["rejected"] == 0
    yield workspace
    workspace.close()
