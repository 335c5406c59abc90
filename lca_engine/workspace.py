"""The engine's Python API in one object: a home directory with its database and LCA project.

The CLI is a thin layer over this class; everything a command does can be done from Python:

    >>> ws = Workspace.open(home="~/gscdm")            # doctest: +SKIP
    >>> ws.init()                                      # doctest: +SKIP
    >>> ws.database.import_paths(["fmd/"], bom="bom.csv")  # doctest: +SKIP
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .db import MaterialDatabase
from .home import EngineHome, resolve_home


@dataclass(slots=True)
class InitReport:
    home: str
    database: str
    schema_revision: str
    brightway: dict[str, Any] | None
    seconds: float

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


class Workspace:
    """A home directory: the material database and the Brightway project inside it."""

    def __init__(self, home: EngineHome) -> None:
        self.home = home
        self.database = MaterialDatabase(home.db_url)

    @classmethod
    def open(cls, home: str | Path | None = None, db_url: str | None = None) -> Workspace:
        return cls(resolve_home(home, db_url))

    def init(self, *, rebuild: bool = False, brightway: bool = True) -> InitReport:
        """Create or migrate the database and build the offline Brightway project (idempotent)."""
        started = time.perf_counter()
        revision = self.database.initialise()
        bw_report: dict[str, Any] | None = None
        if brightway:
            # heavy imports, only when needed
            from .background import build_background
            from .brightway_project import setup_project

            bw_report = _jsonable(asdict(setup_project(self.home, rebuild=rebuild)))
            bw_report["background"] = asdict(build_background(rebuild=rebuild))
        return InitReport(
            home=str(self.home.path),
            database=_redact(self.home.db_url),
            schema_revision=revision,
            brightway=bw_report,
            seconds=round(time.perf_counter() - started, 3),
        )

    def close(self) -> None:
        self.database.dispose()


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _jsonable(value: Any) -> Any:
    """Tuples (Brightway method names) and paths as JSON-friendly lists and strings."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value
