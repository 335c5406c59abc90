"""Where the engine keeps its state: the home directory and the database URL.

Resolution order (highest first): explicit argument (CLI ``--home`` / ``--db``), environment
(``GSCDM_HOME`` / ``GSCDM_DB_URL``), then a per-user data directory. The default database is a
SQLite file inside the home; the Brightway project lives in ``<home>/brightway``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

BRIGHTWAY_SUBDIR = "brightway"
SQLITE_FILENAME = "gscdm.sqlite"


@dataclass(frozen=True, slots=True)
class EngineHome:
    """The engine's home directory and the database it uses."""

    path: Path
    db_url: str

    @property
    def brightway_dir(self) -> Path:
        return self.path / BRIGHTWAY_SUBDIR

    @property
    def is_default_sqlite(self) -> bool:
        return self.db_url == default_sqlite_url(self.path)


def default_sqlite_url(home: Path) -> str:
    return f"sqlite:///{(home / SQLITE_FILENAME).as_posix()}"


def resolve_home(
    home: str | os.PathLike[str] | None = None, db_url: str | None = None
) -> EngineHome:
    """Resolve the home directory and database URL; creates the home directory."""
    raw = home or os.environ.get("GSCDM_HOME") or platformdirs.user_data_dir("gscdm-lca")
    path = Path(raw).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    url = db_url or os.environ.get("GSCDM_DB_URL") or default_sqlite_url(path)
    return EngineHome(path=path, db_url=url)
