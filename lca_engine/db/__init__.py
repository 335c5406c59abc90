"""The material database (SQLAlchemy; SQLite by default, PostgreSQL for teams)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from sqlalchemy import Engine

from .engine import (
    DatabaseError,
    make_engine,
    read_snapshot,
    require_current_schema,
    session_factory,
    upgrade,
)
from .importer import FileOutcome, ImportReport, import_paths
from .queries import (
    PartView,
    ProductSummary,
    ProductView,
    list_products,
    part_view,
    product_view,
    product_views,
)

__all__ = [
    "DatabaseError",
    "FileOutcome",
    "ImportReport",
    "MaterialDatabase",
    "PartView",
    "ProductSummary",
    "ProductView",
]


class MaterialDatabase:
    """One database, with the operations the CLI and the LCA engine need."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = make_engine(url)
        self.sessions = session_factory(self.engine)

    def initialise(self) -> str:
        """Create or migrate the schema (idempotent); returns the schema revision."""
        return upgrade(self.engine)

    def require_schema(self) -> None:
        require_current_schema(self.engine)

    def import_paths(self, paths: Iterable[str | Path], *,
                     bom: str | Path | Sequence[str | Path] | None = None,
                     lenient: bool = False,
                     progress: Callable[[FileOutcome, int], None] | None = None,
                     workers: int = 1, decimal_separator: str = "auto") -> ImportReport:
        """Import FMD files/folders and a BoM; ``workers`` > 1 parses and stores files in that
        many processes (each file still one transaction). ``decimal_separator`` ("auto",
        "point" or "comma") states how the files write numbers; "auto" refuses "1,500"."""
        self.require_schema()
        return import_paths(self.sessions, paths, bom=bom, lenient=lenient, progress=progress,
                            workers=workers, decimal_separator=decimal_separator)

    def products(self) -> list[ProductSummary]:
        self.require_schema()
        with read_snapshot(self.sessions) as session:
            return list_products(session)

    def show(self, key: str) -> ProductView | PartView:
        """A product (by product number) or else a part (by part number)."""
        self.require_schema()
        with read_snapshot(self.sessions) as session:
            view: ProductView | PartView | None = product_view(session, key)
            if view is None:
                view = part_view(session, key)
        if view is None:
            raise KeyError(key)
        return view

    def products_by_number(self, product_numbers: Sequence[str], *, exemptions: bool = True
                           ) -> dict[str, ProductView]:
        """Several products read in one snapshot, a few queries for the whole batch
        (``exemptions=False``: the substances' declared exemptions are left unread)."""
        self.require_schema()
        with read_snapshot(self.sessions) as session:
            return product_views(session, product_numbers, exemptions=exemptions)

    def dispose(self) -> None:
        self.engine.dispose()
