"""Bring your own LCI data: import an EcoSpold 2 release (e.g. licensed ecoinvent) into the project.

The engine ships its own cited background data and needs no licence. A user who holds an ecoinvent
licence can import the release's ``datasets`` folder into the engine's Brightway project and then
point material classes at its activities in ``<home>/mapping_overrides.yaml`` with
``dataset: "<database>::<activity code>"`` (see :mod:`lca_engine.mapping`).

The import is bw2io's own ``SingleOutputEcospold2Importer`` with its default strategies, linked to
the engine's ``biosphere3``. That database is built by
:func:`lca_engine.brightway_project.setup_project` from the ecoinvent 3.9 elementary-flow list
bw2io ships, and its codes are the elementary-flow UUIDs, so bw2io's ``link_biosphere_by_flow_uuid``
links every exchange of an ecoinvent 3.9 / 3.9.1 release offline; no ``bw2setup``, no network.

What this module adds around bw2io, and why:

* **Nothing partial is written.** bw2io's default strategies *delete* technosphere exchanges they
  cannot link (``delete_exchanges_missing_activity`` and ``delete_ghost_exchanges`` only write a
  log file), so an incomplete folder would silently lose inputs and under-report footprints. The
  exchanges those two strategies drop are recorded and count as unlinked, like biosphere flows
  that are not in ``biosphere3`` (e.g. a flow that a later ecoinvent release introduced). Any
  unlinked exchange refuses the whole import, naming the files and exchanges, before anything is
  written.
* **Errors name the file.** Datasets are read one file at a time (in worker processes for large
  folders), so a malformed or unexpected ``.spold`` file is reported by name and line instead of
  as a bare ``ValueError`` from deep inside bw2io. A DOCTYPE is refused before parsing, as for
  every other XML input of the engine.
* **Names are checked.** ``biosphere3``, ``gscdm-background`` and other names starting with
  ``gscdm`` belong to the engine; ``::`` would break the mapping syntax; an existing database is
  only replaced on request.
* **stdout stays clean.** bw2io prints progress with ``print``; it is sent to stderr so that
  ``gscdm ... --json`` prints one JSON document only.

A completed import records ``gscdm_byo`` metadata on the database last; a database without it was
interrupted (or created outside the engine) and :func:`list_user_databases` says so.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import multiprocessing
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Final

from fmd_parsers.errors import FmdError

from .background import DATABASE as BACKGROUND_DATABASE
from .brightway_project import BIOSPHERE, ECOINVENT_VERSION, BrightwayProjectError, is_set_up
from .home import EngineHome

__all__ = [
    "BYO_MARKER",
    "EcospoldImportError",
    "EcospoldImportReport",
    "UserDatabase",
    "UserDatabaseError",
    "import_ecospold",
    "list_user_databases",
]

#: Metadata key written on a database once its import has completed.
BYO_MARKER: Final = "gscdm_byo"
#: Databases with these names, or whose name starts with ``gscdm``, belong to the engine.
RESERVED_NAMES: Final = frozenset({BIOSPHERE, BACKGROUND_DATABASE})
_RESERVED_PREFIX: Final = "gscdm"
#: bw2io strategies that delete unlinked technosphere exchanges instead of reporting them.
_PURGING_STRATEGIES: Final = frozenset({"delete_exchanges_missing_activity",
                                        "delete_ghost_exchanges"})
_TECHNOSPHERE_TYPES: Final = frozenset({"technosphere", "production", "substitution"})
#: Folders with at least this many files are read by worker processes.
_PARALLEL_FROM: Final = 200
#: How many unlinked exchanges the error message lists (the error object keeps them all).
_SHOWN: Final = 5
_PROLOG_SCAN_BYTES: Final = 64 * 1024


class UserDatabaseError(ValueError):
    """The database name cannot be used (reserved, malformed, or taken without ``replace``).

    A usage problem rather than bad input: the CLI exits with 2.
    """


class EcospoldImportError(FmdError):
    """The EcoSpold 2 folder was rejected; nothing was written. ``str()`` names file and reason.

    A subclass of :class:`fmd_parsers.errors.FmdError` so that the CLI reports it like any other
    rejected input file (exit code 1, ``as_dict()`` as the ``--json`` document).
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 field: str | None = None, code: str = "ecospold-rejected",
                 unlinked: list[str] | None = None) -> None:
        super().__init__(message, path=path, line=line, field=field, code=code)
        #: Every unlinked exchange, as ``"<file>: <description>"`` (the message shows a few).
        self.unlinked: list[str] = list(unlinked or [])

    def as_dict(self) -> dict[str, object]:
        return {**super().as_dict(), "unlinked": self.unlinked}


@dataclass(slots=True)
class EcospoldImportReport:
    """What :func:`import_ecospold` wrote."""

    database: str
    #: Activities (datasets) written.
    activities: int
    #: Exchanges written, production exchanges included.
    exchanges: int
    #: Always empty after a successful import: any unlinked exchange raises
    #: :class:`EcospoldImportError` instead (kept so the JSON shape can report it).
    unlinked: list[str]
    seconds: float
    directory: str = ""
    #: An existing database of the same name was replaced.
    replaced: bool = False
    #: Where bw2io linked the exchanges: ``{database: exchanges}``.
    linked_to: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class UserDatabase:
    """A Brightway database in the engine's project that is not one of the engine's own."""

    name: str
    activities: int
    #: ``False`` for a database without the completion marker: interrupted, or made elsewhere
    #: (e.g. in Activity Browser). Such a database is usable, but its origin is not recorded.
    imported_by_engine: bool
    format: str | None = None
    source: str | None = None
    imported_at: str | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------------------------
# Brightway / bw2io access (imported only after activate(), as brightway_project requires)


def _bw2data() -> ModuleType:
    module = sys.modules.get("bw2data")
    if module is None:  # pragma: no cover - activate() imports it
        raise BrightwayProjectError("bw2data is not imported; call activate(home) first")
    return module


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """bw2io prints progress to stdout; send it to stderr. Silence one irrelevant warning:
    the pre-3.5 flow fix needs an optional migration that ecoinvent 3.9 data never uses."""
    with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Skipping migration 'fix-ecoinvent-flows-pre-35'")
        yield


# --------------------------------------------------------------------------------------------
# Reading the .spold files


def _spold_files(directory: Path) -> list[str]:
    names = sorted(
        entry.name for entry in os.scandir(directory)
        if entry.is_file() and entry.name.lower().endswith(".spold")
    )
    if not names:
        hint = ""
        if (directory / "datasets").is_dir():
            hint = f"; the datasets of a release are in {directory / 'datasets'}"
        raise EcospoldImportError(f"no .spold files in this directory{hint}",
                                  path=str(directory), code="ecospold-empty")
    return names


def _refuse_doctype(path: Path) -> None:
    """EcoSpold 2 uses XSD, never a DTD: refuse any DOCTYPE before lxml sees the file, as the
    engine does for every XML input (entity expansion, external entities)."""
    with path.open("rb") as handle:
        head = handle.read(_PROLOG_SCAN_BYTES)
    if not head.strip():
        raise EcospoldImportError("file is empty", path=str(path), code="empty-file")
    upper = head.upper()
    if b"<!DOCTYPE" in upper or b"<!DOCTYPE" in upper.replace(b"\x00", b""):
        line = head[: max(upper.find(b"<!DOCTYPE"), 0)].count(b"\n") + 1
        raise EcospoldImportError("DOCTYPE declarations are not allowed in EcoSpold 2 files",
                                  path=str(path), line=line, code="xml-doctype-refused")


_Problem = tuple[str, int | None, str]  # message, line, error code


def _read_one(directory: str, filename: str, db_name: str
              ) -> tuple[str, dict[str, Any] | None, _Problem | None]:
    """One dataset through bw2io's extractor: ``(filename, data, None)`` or
    ``(filename, None, (message, line, code))``. Module level, so worker processes can run it."""
    from bw2io.extractors.ecospold2 import Ecospold2DataExtractor
    from lxml import etree

    try:
        _refuse_doctype(Path(directory) / filename)
        return filename, Ecospold2DataExtractor.extract_activity(directory, filename, db_name), None
    except EcospoldImportError as exc:
        return filename, None, (exc.message, exc.line, exc.code)
    except etree.XMLSyntaxError as exc:
        return filename, None, (f"malformed XML: {exc.msg}", exc.lineno or None, "xml-malformed")
    except Exception as exc:  # bw2io raises bare ValueError, AttributeError, KeyError ...
        what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return filename, None, (f"bw2io cannot read this dataset ({what}); is it EcoSpold 2 "
                                "as ecoinvent publishes it? (bw2io also fails on XML comments "
                                "inside flowData)", None, "ecospold-unreadable")


def _extractor(workers: int | None) -> type:
    """bw2io's ``Ecospold2DataExtractor`` with file-by-file error reports (see module doc)."""
    from bw2io.extractors.ecospold2 import Ecospold2DataExtractor

    class CheckedExtractor(Ecospold2DataExtractor):
        @classmethod
        def extract(cls, dirpath: Path, db_name: str, use_mp: bool = True, cache: bool = False,
                    collapse_comments: bool = True) -> list[dict[str, Any]]:
            directory = Path(dirpath)
            names = _spold_files(directory)
            count = workers if workers is not None else (
                min(os.cpu_count() or 1, 8) if len(names) >= _PARALLEL_FROM else 1)
            jobs = [(str(directory), name, db_name) for name in names]
            if count > 1:
                with multiprocessing.get_context().Pool(processes=count) as pool:
                    results = pool.starmap(_read_one, jobs, chunksize=64)
            else:
                results = [_read_one(*job) for job in jobs]
            data: list[dict[str, Any]] = []
            for name, dataset, problem in results:
                if problem is not None:
                    raise EcospoldImportError(problem[0], path=str(directory / name),
                                              line=problem[1], code=problem[2])
                assert dataset is not None
                data.append(dataset)
            return data

    return CheckedExtractor


# --------------------------------------------------------------------------------------------
# Linking


def _describe(exchange: dict[str, Any]) -> str:
    kind = exchange.get("type", "?")
    text = f"{kind} exchange {exchange.get('name')!r}"
    unit = exchange.get("unit")
    if unit:
        text += f" ({unit})"  # not [unit]: the CLI prints messages with rich markup
    if kind == "biosphere":
        text += (f": elementary flow {exchange.get('flow')} is not in {BIOSPHERE} (the ecoinvent "
                 f"{ECOINVENT_VERSION} elementary-flow list)")
    else:
        link = exchange.get("activity")
        text += (f": activityLinkId {link} (product {exchange.get('flow')}) is not a dataset "
                 "in this directory" if link else
                 f": no activityLinkId, and no dataset in this directory produces "
                 f"{exchange.get('flow')}")
    return text


def _apply_strategies(importer: Any) -> list[tuple[str, str]]:
    """Run the importer's default strategies; return ``(filename, description)`` of every
    exchange that stays unlinked, including those bw2io's purging strategies would delete."""
    dropped: list[tuple[str, str]] = []
    for strategy in importer.strategies:
        name = getattr(strategy, "__name__", None) or strategy.func.__name__
        before: dict[int, tuple[str, dict[str, Any]]] = {}
        if name in _PURGING_STRATEGIES:
            before = {id(exc): (ds.get("filename", "?"), exc)
                      for ds in importer.data for exc in ds.get("exchanges", [])
                      if not exc.get("input") and exc.get("type") in _TECHNOSPHERE_TYPES}
        applied = len(getattr(importer, "applied_strategies", []))
        importer.apply_strategy(strategy, verbose=False)
        if len(importer.applied_strategies) == applied:  # bw2io printed a StrategyError
            raise EcospoldImportError(f"bw2io strategy {name} failed (see the messages above)",
                                      code="ecospold-strategy-failed")
        if before:
            kept = {id(exc) for ds in importer.data for exc in ds.get("exchanges", [])}
            dropped.extend((filename, _describe(exc)) for key, (filename, exc) in before.items()
                           if key not in kept)
    remaining = [(ds.get("filename", "?"), _describe(exc))
                 for ds in importer.data for exc in ds.get("exchanges", [])
                 if not exc.get("input")]
    return remaining + dropped


def _refuse_unlinked(directory: Path, unlinked: list[tuple[str, str]]) -> None:
    if not unlinked:
        return
    files = sorted({filename for filename, _ in unlinked})
    lines = [f"{filename}: {text}" for filename, text in unlinked]
    # One file: the error's path names it, so the message lists the exchanges alone.
    listed = [text for _, text in unlinked] if len(files) == 1 else lines
    shown = "; ".join(listed[:_SHOWN]) + (f"; … and {len(listed) - _SHOWN} more"
                                           if len(listed) > _SHOWN else "")
    kinds = {text.split(" ", 1)[0] for _, text in unlinked}
    field_name = ("elementaryExchange/@elementaryExchangeId" if kinds == {"biosphere"} else
                  "intermediateExchange/@activityLinkId" if "biosphere" not in kinds else None)
    raise EcospoldImportError(
        f"{len(lines)} exchange(s) in {len(files)} file(s) cannot be linked, so nothing was "
        f"imported: {shown}. The engine's {BIOSPHERE} holds the ecoinvent {ECOINVENT_VERSION} "
        "elementary flows, and technosphere inputs must be datasets of the same directory "
        "(import the whole release).",
        path=str(directory / files[0]) if len(files) == 1 else str(directory),
        field=field_name, code="ecospold-unlinked", unlinked=lines)


# --------------------------------------------------------------------------------------------
# Public API


def _check_name(bd: ModuleType, name: str, replace: bool) -> bool:
    """Refuse unusable names; return whether a database of this name exists."""
    if not name or name != name.strip() or any(ord(c) < 32 for c in name):
        raise UserDatabaseError(f"database name {name!r} is empty, padded or has control "
                                "characters")
    if "::" in name:
        raise UserDatabaseError(f"database name {name!r} contains '::', which separates "
                                "database and code in mapping rules")
    if name in RESERVED_NAMES or name.lower().startswith(_RESERVED_PREFIX):
        raise UserDatabaseError(f"database name {name!r} is reserved for the engine "
                                f"({BIOSPHERE}, {BACKGROUND_DATABASE}, names starting with "
                                f"{_RESERVED_PREFIX!r})")
    exists = name in bd.databases
    if exists and not replace:
        complete = isinstance(bd.databases[name].get(BYO_MARKER), dict)
        state = "" if complete else " (its import did not complete, or it was made elsewhere)"
        raise UserDatabaseError(f"a database named {name!r} already exists{state}; choose "
                                "another name, or replace it (replace=True, --replace)")
    return exists


def import_ecospold(home: EngineHome, directory: Path, database_name: str, *,
                    replace: bool = False, workers: int | None = None,
                    progress: Callable[[str], None] | None = None) -> EcospoldImportReport:
    """Import a folder of EcoSpold 2 ``.spold`` files as the Brightway database ``database_name``.

    ``directory`` holds the ``.spold`` files (an ecoinvent release's ``datasets`` folder; its
    sibling ``MasterData`` folder, when present, adds bw2io's product information). The project
    must be set up (``gscdm init``). Every check runs before anything is written: a rejected
    folder leaves the project as it was. ``workers`` sets the number of reading processes
    (default: one per core for folders of 200 files or more). ``progress`` receives one line
    per stage (for a CLI's stderr).

    Raises :class:`UserDatabaseError` (name reserved or taken without ``replace``),
    :class:`lca_engine.brightway_project.BrightwayProjectError` (project not set up) and
    :class:`EcospoldImportError` (unreadable file, unlinked exchange; names the file).
    """
    started = time.perf_counter()
    say = progress or (lambda _message: None)
    directory = Path(directory).expanduser().resolve()
    if not directory.is_dir():
        raise EcospoldImportError("not a directory", path=str(directory), code="not-a-directory")
    if not is_set_up(home):  # also activates the home's project
        raise BrightwayProjectError(f"the Brightway project in {home.brightway_dir} is not set "
                                    "up; run 'gscdm init' first")
    bd = _bw2data()
    existed = _check_name(bd, database_name, replace)
    _spold_files(directory)  # refuse an empty folder before bw2io says so on stdout

    with _quiet():
        from bw2io.importers.ecospold2 import SingleOutputEcospold2Importer

        say(f"reading {directory}")
        master = directory.parent / "MasterData" / "IntermediateExchanges.xml"
        try:
            importer = SingleOutputEcospold2Importer(
                str(directory), database_name, biosphere_database_name=BIOSPHERE,
                extractor=_extractor(workers), use_mp=False,
                add_product_information=master.is_file())
        except (KeyError, IndexError) as exc:  # product information lookup in MasterData
            raise EcospoldImportError(f"the datasets do not match {master} ({exc!r}); import "
                                      "a release's datasets folder with its own MasterData",
                                      path=str(directory), code="ecospold-masterdata") from None
        say(f"linking {len(importer.data)} datasets")
        _refuse_unlinked(directory, _apply_strategies(importer))

        activities = len(importer.data)
        exchanges = sum(len(ds.get("exchanges", [])) for ds in importer.data)
        linked_to: dict[str, int] = {}
        for ds in importer.data:
            for exchange in ds.get("exchanges", []):
                linked_to[exchange["input"][0]] = linked_to.get(exchange["input"][0], 0) + 1

        say(f"writing {activities} activities and {exchanges} exchanges")
        try:
            importer.write_database(delete_existing=True, searchable=True, check_typos=False)
        except BaseException:
            # bw2data purges the data of a failed write but keeps its registration (and, on a
            # replace, the old data is gone by then): remove the name, never leave it half-made.
            if database_name in bd.databases:
                del bd.databases[database_name]
            raise
    meta = dict(bd.databases[database_name])
    meta[BYO_MARKER] = {
        "format": "EcoSpold2",
        "source": str(directory),
        "imported_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "activities": activities,
        "exchanges": exchanges,
        "bw2io": _bw2io_version(),
        "biosphere": f"{BIOSPHERE} (ecoinvent {ECOINVENT_VERSION} elementary flows)",
    }
    bd.databases[database_name] = meta  # last: marks the import as complete
    return EcospoldImportReport(
        database=database_name, activities=activities, exchanges=exchanges, unlinked=[],
        seconds=round(time.perf_counter() - started, 3), directory=str(directory),
        replaced=existed, linked_to=dict(sorted(linked_to.items())))


def _bw2io_version() -> str:
    import bw2io

    return str(bw2io.__version__)


def list_user_databases(home: EngineHome) -> list[UserDatabase]:
    """Databases in the home's project other than the engine's own, sorted by name (activates)."""
    from .brightway_project import activate

    activate(home)
    bd = _bw2data()
    found: list[UserDatabase] = []
    for name in sorted(bd.databases):
        if name in RESERVED_NAMES or name.lower().startswith(_RESERVED_PREFIX):
            continue
        meta = bd.databases[name]
        marker = meta.get(BYO_MARKER)
        done = isinstance(marker, dict)
        found.append(UserDatabase(
            name=name, activities=len(bd.Database(name)), imported_by_engine=done,
            format=str(marker.get("format")) if done else meta.get("format"),
            source=str(marker.get("source")) if done else None,
            imported_at=str(marker.get("imported_at")) if done else None))
    return found
