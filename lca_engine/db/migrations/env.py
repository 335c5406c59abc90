"""Alembic environment: runs on the connection the engine hands over (see engine.upgrade)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from lca_engine.db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # command-line use: alembic -x url=sqlite:///…
        url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
            "sqlalchemy.url"
        )
        if not url:
            raise RuntimeError("no database URL: run alembic -x url=sqlite:///PATH or set "
                               "sqlalchemy.url")
        engine = create_engine(url)
        with engine.begin() as connection:
            _configure_and_run(connection)
        return
    _configure_and_run(connection)


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
