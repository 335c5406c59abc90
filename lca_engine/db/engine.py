"""Database connections and schema migrations (Alembic), for SQLite and PostgreSQL alike."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


class DatabaseError(RuntimeError):
    """The database cannot be reached or is not initialised; the message says what to do."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:  # DB-API objects: untyped
    cursor = dbapi_connection.cursor()
    # WAL lets readers (footprints, reports) run while an import writes; a killed writer's
    # uncommitted frames are discarded on the next open, so a kill loses nothing committed.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL, foreign keys and a busy timeout."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseError(f"not a database URL: {url!r}") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextlib.contextmanager
def read_snapshot(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose reads all see one committed state of the database.

    A product view takes several queries; an import committing between them must not mix the
    old and the new declaration of a part. PostgreSQL: REPEATABLE READ. SQLite: an explicit
    read transaction (in WAL mode it pins the snapshot of its first read).
    """
    with sessions() as session:
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        elif connection.dialect.name == "sqlite" and not connection.connection.in_transaction:
            connection.exec_driver_sql("BEGIN")
        try:
            yield session
        finally:
            session.rollback()


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade(engine: Engine) -> str:
    """Bring the schema to the newest migration; returns the revision now in force."""
    config = _alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except OperationalError as exc:
        raise DatabaseError(f"cannot reach the database: {exc.orig}") from None
    return head_revision()


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except OperationalError as exc:
        raise DatabaseError(f"cannot reach the database: {exc.orig}") from None


def require_current_schema(engine: Engine) -> None:
    """Fail with a clear message when ``gscdm init`` has not been run on this database."""
    revision = current_revision(engine)
    if revision is None:
        raise DatabaseError(
            f"database {engine.url.render_as_string(hide_password=True)} is not initialised: "
            "run 'gscdm init' first")
    if revision != head_revision():
        raise DatabaseError(
            f"database schema is at revision {revision}, the engine needs {head_revision()}: "
            "run 'gscdm init' to migrate it")
