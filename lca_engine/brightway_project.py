"""The engine's offline Brightway project: ``biosphere3`` and the IPCC 2021 climate methods.

Every footprint is calculated in a real Brightway 2.5 project named ``gscdm`` that lives in
``<home>/brightway`` (see :class:`lca_engine.home.EngineHome`), so a practitioner can open it in
Activity Browser by pointing ``BRIGHTWAY2_DIR`` at that folder.

``bw2io.bw2setup()`` is not used: with bw2data 4.x it fails on the bundled LCIA file, which stores
flow keys as JSON lists where bw2data wants tuples (upstream brightway2-io#277). Instead
:func:`setup_project` builds, offline, from the data files that bw2io ships:

* ``biosphere3`` from ``bw2io/data/lci/ecoinvent elementary flows 3.9.xml`` (read with bw2io's
  own ``Ecospold2BiosphereImporter`` and its strategies, so the flows are exactly the ones
  ``bw2setup`` would have created), and
* the IPCC 2021 (AR6) climate-change methods from ``bw2io/data/lcia/lcia_39_ecoinvent.zip``: GWP100
  total, fossil, biogenic and land use, plus the same four for GWP20. Flow keys are converted to
  tuples and resolved to node ids in one query.

State is process-global, as it is in bw2data: :func:`activate` switches the whole process to one
home. Two homes can be used one after the other in the same process (tests do), not at the same
time from two threads.

Brightway's feedback messages are sent to stderr, never stdout, so ``gscdm ... --json`` keeps a
clean stdout: when this module is the first to import bw2data it sets ``BRIGHTWAY_NO_STRUCTLOG``
and imports with stdout redirected; when bw2data was imported earlier with structlog, an
unconfigured structlog is pointed at stderr.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import math
import os
import sys
import time
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType, ModuleType
from typing import Any, Final, Literal

from lca_engine.home import EngineHome

__all__ = [
    "ALL_METHODS",
    "BIOSPHERE",
    "FGAS_CARRIER",
    "GHG_FLOWS",
    "GWP20",
    "METHODS",
    "METHODS_GWP20",
    "PROJECT_NAME",
    "BrightwayProjectError",
    "FlowKey",
    "FlowNotFoundError",
    "FlowSpec",
    "MethodName",
    "SetupReport",
    "activate",
    "characterization_factor",
    "fgas_carrier_amount",
    "flow_key",
    "ghg_flow_keys",
    "is_set_up",
    "methods_for",
    "setup_project",
    "verify_factors",
]

log = logging.getLogger(__name__)

PROJECT_NAME: Final = "gscdm"
BIOSPHERE: Final = "biosphere3"
#: Version of the elementary-flow list and LCIA implementation shipped with bw2io 0.9.17.
ECOINVENT_VERSION: Final = "3.9"
LCIA_ARCHIVE: Final = "lcia_39_ecoinvent.zip"
#: Bump when what :func:`setup_project` builds changes; an older build is then rebuilt.
SETUP_SCHEMA: Final = 1
#: Metadata key (on ``databases["biosphere3"]`` and on each method) recording our build.
_MARKER: Final = "gscdm_setup"

MethodName = tuple[str, str, str]
FlowKey = tuple[str, str]
Horizon = Literal["GWP100", "GWP20"]

_IPCC: Final = "IPCC 2021"
_INDICATOR: Final[Mapping[str, str]] = MappingProxyType(
    {
        "GWP100": "global warming potential (GWP100)",
        "GWP20": "global warming potential (GWP20)",
    }
)
_CATEGORY: Final[Mapping[str, str]] = MappingProxyType(
    {
        "total": "climate change",
        "fossil": "climate change: fossil",
        "biogenic": "climate change: biogenic",
        "land_use": "climate change: land use",
    }
)


def _ipcc_methods(horizon: Horizon) -> Mapping[str, MethodName]:
    indicator = _INDICATOR[horizon]
    return MappingProxyType({role: (_IPCC, cat, indicator) for role, cat in _CATEGORY.items()})


#: The IPCC 2021 GWP100 methods the engine reports: ``total`` (= fossil + biogenic + land use in
#: the ecoinvent implementation), and the three ISO 14067 sub-totals.
METHODS: Final[Mapping[str, MethodName]] = _ipcc_methods("GWP100")
#: The same four methods with a 20-year horizon (an option; not the default).
METHODS_GWP20: Final[Mapping[str, MethodName]] = _ipcc_methods("GWP20")
#: IPCC 2021 GWP20 total climate change.
GWP20: Final[MethodName] = METHODS_GWP20["total"]
#: Every method :func:`setup_project` registers.
ALL_METHODS: Final[tuple[MethodName, ...]] = (*METHODS.values(), *METHODS_GWP20.values())


def methods_for(horizon: Horizon = "GWP100") -> Mapping[str, MethodName]:
    """The four method tuples (total, fossil, biogenic, land_use) for a time horizon."""
    if horizon == "GWP100":
        return METHODS
    if horizon == "GWP20":
        return METHODS_GWP20
    raise ValueError(f"unknown horizon {horizon!r}; expected 'GWP100' or 'GWP20'")


@dataclass(frozen=True, slots=True)
class FlowSpec:
    """A biosphere flow the background builder emits, with its GWP100 factors as shipped."""

    name: str
    compartment: tuple[str, ...]
    #: Characterisation factor per role of :data:`METHODS` (kg CO2e per kg of flow).
    gwp100: Mapping[str, float]
    note: str = ""


def _cf(
    total: float, fossil: float = 0.0, biogenic: float = 0.0, land_use: float = 0.0
) -> Mapping[str, float]:
    return MappingProxyType(
        {"total": total, "fossil": fossil, "biogenic": biogenic, "land_use": land_use}
    )


_AIR: Final = ("air",)

#: The biosphere flows the background builder needs, keyed by role. All emissions go to the
#: unspecified air compartment: the background factors do not know where the emission happens.
#: Factors are the IPCC AR6 GWP100 values as ecoinvent 3.9 implements them.
GHG_FLOWS: Final[Mapping[str, FlowSpec]] = MappingProxyType(
    {
        "co2_fossil": FlowSpec("Carbon dioxide, fossil", _AIR, _cf(1.0, fossil=1.0)),
        "ch4_fossil": FlowSpec("Methane, fossil", _AIR, _cf(29.8, fossil=29.8)),
        "n2o": FlowSpec(
            "Dinitrogen monoxide",
            _AIR,
            _cf(273.0, fossil=273.0),
            note="ecoinvent counts all N2O in the fossil sub-total, agricultural N2O included",
        ),
        "co2_non_fossil": FlowSpec(
            "Carbon dioxide, non-fossil",
            _AIR,
            _cf(0.0),
            note="biogenic CO2 emission; 0 in every method (0/0 convention): report from inventory",
        ),
        "ch4_non_fossil": FlowSpec("Methane, non-fossil", _AIR, _cf(27.0, biogenic=27.0)),
        "co2_land_use": FlowSpec(
            "Carbon dioxide, from soil or biomass stock",
            _AIR,
            _cf(1.0, land_use=1.0),
            note="direct land-use change CO2 (there is no 'land transformation' flow in 3.9)",
        ),
        "co2_uptake": FlowSpec(
            "Carbon dioxide, in air",
            ("natural resource", "in air"),
            _cf(0.0),
            note="biogenic CO2 uptake (resource); 0 in every method: report from inventory",
        ),
        "fgas_co2e": FlowSpec(
            "Sulfur hexafluoride",
            _AIR,
            _cf(25200.0, fossil=25200.0),
            note=(
                "carrier for 'other fluorinated gases' given in kg CO2e: emit "
                "kg_co2e / CF(SF6) kg SF6, see fgas_carrier_amount(); exact for GWP100 total and "
                "fossil, but under GWP20 it scales with SF6's GWP20 (18300), not the real gas mix"
            ),
        ),
    }
)
#: Role in :data:`GHG_FLOWS` of the carrier flow for fluorinated gases given in kg CO2e.
FGAS_CARRIER: Final = "fgas_co2e"


class BrightwayProjectError(RuntimeError):
    """The Brightway project is missing, not active, or not in the expected state."""


class FlowNotFoundError(LookupError):
    """No (or more than one) biosphere flow matches a name and compartment."""


@dataclass(frozen=True, slots=True)
class SetupReport:
    """What :func:`setup_project` found and did."""

    project: str
    brightway_dir: Path
    #: Flows in ``biosphere3`` after setup.
    biosphere_flows: int
    #: Every method the engine registered (all present after setup).
    methods: tuple[MethodName, ...]
    #: ``biosphere3`` was (re)written by this call.
    built_biosphere: bool
    #: Methods (re)written by this call.
    built_methods: tuple[MethodName, ...]
    #: True when nothing needed doing (the quick path).
    skipped: bool
    seconds: float
    #: Where the data came from (package version and file names).
    source: str
    #: Characterisation factors in the shipped file whose flow is not in ``biosphere3``.
    unlinked_cfs: int = 0
    #: Other databases reprocessed / other methods re-linked after ``biosphere3`` was replaced.
    reprocessed_databases: tuple[str, ...] = field(default=())
    relinked_methods: tuple[MethodName, ...] = field(default=())


# --------------------------------------------------------------------------------------------
# Activation


def _quiet_brightway_feedback() -> None:
    """Send Brightway's 'stdout feedback' to stderr (see the module docstring)."""
    feedback = logging.getLogger("brightway-stdout-feedback")
    for handler in feedback.handlers:
        if isinstance(handler, logging.StreamHandler) and handler.stream is sys.__stdout__:
            handler.setStream(sys.stderr)
    if not os.environ.get("BRIGHTWAY_NO_STRUCTLOG"):
        import structlog

        if not structlog.is_configured():
            structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))


#: Brightway warnings that say nothing about the user's data: optional importers not installed,
#: databases without regionalised locations (the engine does not regionalise).
_BENIGN = ("SimaProBlockCSVImporter", "geocollections")


def _user_relevant(record: logging.LogRecord) -> bool:
    message = record.getMessage()
    return record.levelno >= logging.WARNING and not any(text in message for text in _BENIGN)


def _bw2data() -> ModuleType:
    """Import bw2data (quietly, the first time). ``BRIGHTWAY2_DIR`` must be set before."""
    module = sys.modules.get("bw2data")
    if module is None:
        os.environ.setdefault("BRIGHTWAY_NO_STRUCTLOG", "1")
        if not os.environ.get("GSCDM_VERBOSE"):
            # bw2data announces its data directory at INFO on import; keep stderr for what
            # the user needs (warnings and errors). GSCDM_VERBOSE=1 shows everything.
            logging.getLogger("brightway-stdout-feedback").addFilter(_user_relevant)
        with contextlib.redirect_stdout(sys.stderr):
            module = importlib.import_module("bw2data")
    _quiet_brightway_feedback()
    return module


def activate(home: EngineHome) -> None:
    """Point Brightway at ``home.brightway_dir`` and select the ``gscdm`` project.

    Works both before bw2data is imported (bw2data reads ``BRIGHTWAY2_DIR`` at import time) and
    after, when the process already used another directory: the project registry, the project's
    SQLite files and bw2data's metadata stores and caches are then switched with
    ``projects.change_base_directories``. Creates the directory and the (empty) project if needed.
    """
    bw_dir = home.brightway_dir.expanduser().resolve()
    logs_dir = bw_dir / "logs"
    logs_dir.mkdir(parents=True, exist_ok=True)
    fresh_registry = not (bw_dir / "projects.db").exists()
    # bw2data 4.x reads BRIGHTWAY2_DIR (not BRIGHTWAY_DIR); also inherited by subprocesses.
    os.environ["BRIGHTWAY2_DIR"] = str(bw_dir)

    bd = _bw2data()
    projects = bd.projects
    current_base = Path(projects.dir).parent.resolve()
    if current_base != bw_dir:
        projects.change_base_directories(
            bw_dir, base_logs_dir=logs_dir, project_name=PROJECT_NAME, update=True
        )
    elif projects.current != PROJECT_NAME:
        projects.set_current(PROJECT_NAME)

    # Importing bw2data with a new directory creates an empty "default" project; drop it so the
    # home holds only the engine's project.
    if fresh_registry and "default" in projects and len(projects) > 1:
        with contextlib.redirect_stdout(sys.stderr):
            projects.delete_project("default", delete_dir=True)


def _active() -> ModuleType:
    """bw2data, after checking that :func:`activate` selected the engine's project."""
    module = sys.modules.get("bw2data")
    if module is None or module.projects.current != PROJECT_NAME:
        raise BrightwayProjectError(
            f"the Brightway project {PROJECT_NAME!r} is not active; call activate(home) first"
        )
    return module


# --------------------------------------------------------------------------------------------
# State checks


def _biosphere_state(bd: ModuleType) -> str:
    """One of: missing, empty, foreign, outdated, damaged, ok."""
    if BIOSPHERE not in bd.databases:
        return "missing"
    flows = len(bd.Database(BIOSPHERE))
    marker = bd.databases[BIOSPHERE].get(_MARKER)
    if not isinstance(marker, dict):
        return "empty" if flows == 0 else "foreign"
    if marker.get("schema") != SETUP_SCHEMA:
        return "outdated"
    # ">=": flows added later (e.g. by an ecoinvent import through bw2io) are fine.
    if flows < int(marker.get("flows", 0)):
        return "damaged"
    return "ok"


def _method_ok(bd: ModuleType, name: MethodName) -> bool:
    if name not in bd.methods:
        return False
    if bd.methods[name].get(_MARKER) != SETUP_SCHEMA:
        return False
    return bool(bd.Method(name).filepath_processed().exists())


def is_set_up(home: EngineHome) -> bool:
    """True when the project holds the engine's ``biosphere3`` and every method (activates)."""
    activate(home)
    bd = _bw2data()
    return _biosphere_state(bd) == "ok" and all(_method_ok(bd, m) for m in ALL_METHODS)


# --------------------------------------------------------------------------------------------
# Building


def _bw2io_data_dir() -> tuple[Path, str]:
    with contextlib.redirect_stdout(sys.stderr):
        import bw2io
    return Path(bw2io.__file__).resolve().parent / "data", str(bw2io.__version__)


def _source(version: str) -> str:
    return (
        f"bw2io {version}: lci/ecoinvent elementary flows {ECOINVENT_VERSION}.xml, "
        f"lcia/{LCIA_ARCHIVE}"
    )


def _biosphere_ids(bd: ModuleType) -> dict[str, int]:
    """``code -> node id`` for every flow in ``biosphere3`` (one query)."""
    dataset = bd.backends.ActivityDataset
    query = dataset.select(dataset.code, dataset.id).where(dataset.database == BIOSPHERE)
    return dict(query.tuples())


def _build_biosphere(bd: ModuleType, data_dir: Path, source: str) -> None:
    with contextlib.redirect_stdout(sys.stderr):
        from bw2io.importers.ecospold2_biosphere import Ecospold2BiosphereImporter

        xml = data_dir / "lci" / f"ecoinvent elementary flows {ECOINVENT_VERSION}.xml"
        importer = Ecospold2BiosphereImporter(name=BIOSPHERE, filepath=xml)
        flows: list[dict[str, Any]] = importer.data
        for strategy in importer.strategies:  # normalise units, drop 'unspecified', tuples
            flows = strategy(flows)
        if BIOSPHERE in bd.databases:
            del bd.databases[BIOSPHERE]
        database = bd.Database(BIOSPHERE)
        database.register(
            format=importer.format, description=f"ecoinvent {ECOINVENT_VERSION} elementary flows"
        )
        database.write(flows, searchable=True, check_typos=False)
    written = len(database)
    # Marker last: an interrupted build is detected and redone by the next setup.
    bd.databases[BIOSPHERE][_MARKER] = {"schema": SETUP_SCHEMA, "flows": written, "source": source}
    bd.databases.flush()


def _iter_json_array(text: str) -> Iterator[Any]:
    """Decode a JSON array one element at a time (the LCIA file is 40 MB of JSON; keeping only
    the few methods we need this way peaks at a fraction of the memory of ``json.loads``)."""
    decoder = json.JSONDecoder()
    index = text.index("[") + 1
    length = len(text)
    while True:
        while index < length and text[index] in " \t\r\n,":
            index += 1
        if index >= length or text[index] == "]":
            return
        element, index = decoder.raw_decode(text, index)
        yield element


def _load_lcia(data_dir: Path, wanted: Iterable[MethodName]) -> dict[MethodName, dict[str, Any]]:
    names = set(wanted)
    with zipfile.ZipFile(data_dir / "lcia" / LCIA_ARCHIVE) as archive:
        text = archive.read("data.json").decode("utf-8")
    found: dict[MethodName, dict[str, Any]] = {}
    for method in _iter_json_array(text):
        name = tuple(method["name"])  # the shipped file stores lists (brightway2-io#277)
        if name in names:
            found[name] = method
    missing = names - set(found)
    if missing:
        raise BrightwayProjectError(f"methods not in bw2io's {LCIA_ARCHIVE}: {sorted(missing)}")
    return found


def _write_methods(
    bd: ModuleType, names: tuple[MethodName, ...], data_dir: Path, source: str
) -> int:
    """(Re)write ``names`` from the shipped LCIA file; returns the number of unlinked CFs."""
    shipped = _load_lcia(data_dir, names)
    ids = _biosphere_ids(bd)
    unlinked = 0
    for name in names:
        method = shipped[name]
        cfs: list[tuple[int, float]] = []
        for exchange in method["exchanges"]:
            database, code = tuple(exchange["input"])  # list -> tuple
            node_id = ids.get(code) if database == BIOSPHERE else None
            if node_id is None:
                unlinked += 1
                continue
            cfs.append((node_id, float(exchange["amount"])))
        if name in bd.methods:
            del bd.methods[name]
        lcia = bd.Method(name)
        lcia.register(
            unit=method.get("unit", "kg CO2-Eq"),
            description=method.get("description", ""),
            filename=method.get("filename", LCIA_ARCHIVE),
            source=source,
        )
        with contextlib.redirect_stdout(sys.stderr):
            lcia.write(cfs)  # also processes
        bd.methods[name][_MARKER] = SETUP_SCHEMA
        bd.methods.flush()
    return unlinked


def _relink_after_replace(
    bd: ModuleType, old_codes: Mapping[int, str]
) -> tuple[tuple[str, ...], tuple[MethodName, ...]]:
    """After ``biosphere3`` got new node ids: reprocess other databases, re-link other methods.

    Databases store links by key and only need reprocessing; methods store node ids, which are
    mapped old id -> code -> new id (CFs of flows that no longer exist are dropped).
    """
    new_ids = _biosphere_ids(bd)
    databases = tuple(sorted(name for name in bd.databases if name != BIOSPHERE))
    with contextlib.redirect_stdout(sys.stderr):
        for name in databases:
            try:
                bd.Database(name).process()
            except Exception as exc:
                raise BrightwayProjectError(
                    f"{BIOSPHERE} was rebuilt, but database {name!r} could not be reprocessed "
                    f"(does it use flows that are not in the shipped {BIOSPHERE}?): {exc}"
                ) from exc
    relinked: list[MethodName] = []
    for name in sorted(tuple(m) for m in bd.methods):
        if name in ALL_METHODS:
            continue
        rows = []
        for row in bd.Method(name).load():
            flow = row[0]
            if isinstance(flow, int) and flow in old_codes:
                new = new_ids.get(old_codes[flow])
                if new is None:
                    continue
                row = (new, *row[1:])
            rows.append(tuple(row))
        with contextlib.redirect_stdout(sys.stderr):
            bd.Method(name).write(rows)
        relinked.append(name)
    return databases, tuple(relinked)


def setup_project(home: EngineHome, *, rebuild: bool = False) -> SetupReport:
    """Create (idempotently) the ``gscdm`` project with ``biosphere3`` and the IPCC 2021 methods.

    Offline: reads only files shipped inside the bw2io package. A second call finds everything in
    place and returns quickly with ``skipped=True``. Parts that are missing, interrupted or built
    by an older engine are (re)built; ``rebuild=True`` recreates everything. When ``biosphere3`` is
    replaced, other databases are reprocessed and other methods re-linked (node ids change).

    Raises :class:`BrightwayProjectError` when ``biosphere3`` exists but was not built by this
    function (e.g. imported by hand) and ``rebuild`` is false, or when a flow of
    :data:`GHG_FLOWS` does not have its expected characterisation factor after a build.
    """
    started = time.perf_counter()
    activate(home)
    bd = _bw2data()

    state = _biosphere_state(bd)
    if state == "foreign" and not rebuild:
        raise BrightwayProjectError(
            f"{BIOSPHERE} in {home.brightway_dir} was not created by the engine's setup; "
            "rebuild=True replaces it (other databases are reprocessed against the new one)"
        )
    build_biosphere = rebuild or state != "ok"
    if build_biosphere:
        stale = ALL_METHODS
    else:
        stale = tuple(m for m in ALL_METHODS if not _method_ok(bd, m))

    marker = bd.databases[BIOSPHERE].get(_MARKER) if state == "ok" else None
    source = str(marker.get("source", "")) if isinstance(marker, dict) else ""
    unlinked = 0
    reprocessed: tuple[str, ...] = ()
    relinked: tuple[MethodName, ...] = ()
    if build_biosphere or stale:
        data_dir, version = _bw2io_data_dir()
        source = _source(version)
        replaced = build_biosphere and state not in ("missing", "empty")
        old_codes = {v: k for k, v in _biosphere_ids(bd).items()} if replaced else {}
        if build_biosphere:
            log.info("building %s from %s", BIOSPHERE, source)
            _build_biosphere(bd, data_dir, source)
        log.info("writing %d IPCC 2021 methods", len(stale))
        unlinked = _write_methods(bd, stale, data_dir, source)
        if replaced:
            reprocessed, relinked = _relink_after_replace(bd, old_codes)
        problems = verify_factors()
        if problems:
            raise BrightwayProjectError(
                "unexpected characterisation factors: " + "; ".join(problems)
            )

    return SetupReport(
        project=PROJECT_NAME,
        brightway_dir=home.brightway_dir,
        biosphere_flows=len(bd.Database(BIOSPHERE)),
        methods=ALL_METHODS,
        built_biosphere=build_biosphere,
        built_methods=stale,
        skipped=not (build_biosphere or stale),
        seconds=time.perf_counter() - started,
        source=source,
        unlinked_cfs=unlinked,
        reprocessed_databases=reprocessed,
        relinked_methods=relinked,
    )


# --------------------------------------------------------------------------------------------
# Flows and characterisation factors


def _normalise_compartment(compartment: Iterable[str]) -> tuple[str, ...]:
    parts = tuple(str(part) for part in compartment)
    while parts and parts[-1] == "unspecified":  # bw2io drops 'unspecified' subcompartments
        parts = parts[:-1]
    if not parts:
        raise ValueError("compartment must name at least the top-level compartment, e.g. ('air',)")
    return parts


def _matching_flows(bd: ModuleType, name: str) -> Iterator[tuple[str, tuple[str, ...]]]:
    dataset = bd.backends.ActivityDataset
    query = dataset.select(dataset.code, dataset.data).where(
        (dataset.database == BIOSPHERE) & (dataset.name == name)
    )
    for row in query:
        yield row.code, tuple(row.data.get("categories") or ())


def flow_key(name: str, compartment: tuple[str, ...]) -> FlowKey:
    """Key ``("biosphere3", code)`` of the flow with this exact name and compartment.

    ``compartment`` is e.g. ``("air",)`` (unspecified sub-compartment; ``("air", "unspecified")``
    means the same) or ``("natural resource", "in air")``. Needs an active project
    (:func:`activate`). Raises :class:`FlowNotFoundError` naming the compartments that exist.
    """
    bd = _active()
    wanted = _normalise_compartment(compartment)
    candidates = list(_matching_flows(bd, name))
    codes = [code for code, categories in candidates if categories == wanted]
    if len(codes) == 1:
        return (BIOSPHERE, codes[0])
    if not candidates:
        raise FlowNotFoundError(f"no flow named {name!r} in {BIOSPHERE}")
    if not codes:
        known = ", ".join(sorted(str(c) for _, c in candidates))
        raise FlowNotFoundError(f"{name!r} has no compartment {wanted}; it has: {known}")
    raise FlowNotFoundError(f"{len(codes)} flows named {name!r} in {wanted}: {codes}")


def ghg_flow_keys() -> dict[str, FlowKey]:
    """Keys of every flow in :data:`GHG_FLOWS`, by role (needs an active project)."""
    return {role: flow_key(spec.name, spec.compartment) for role, spec in GHG_FLOWS.items()}


def _node_id(bd: ModuleType, flow: FlowKey) -> int:
    dataset = bd.backends.ActivityDataset
    row = (
        dataset.select(dataset.id)
        .where((dataset.database == flow[0]) & (dataset.code == flow[1]))
        .first()
    )
    if row is None:
        raise FlowNotFoundError(f"no flow {flow}")
    return int(row.id)


def characterization_factor(method: MethodName, flow: FlowKey) -> float:
    """The method's factor for ``flow`` (0.0 when the method does not characterise it)."""
    bd = _active()
    if method not in bd.methods:
        raise BrightwayProjectError(f"method {method} is not in the project; run setup_project")
    flow_id = _node_id(bd, flow)
    total = 0.0
    for row in bd.Method(method).load():
        node = row[0]
        if node == flow_id or (isinstance(node, tuple) and tuple(node) == tuple(flow)):
            amount = row[1]
            total += float(amount["amount"] if isinstance(amount, dict) else amount)
    return total


def fgas_carrier_amount(kg_co2e: float, method: MethodName = METHODS["total"]) -> float:
    """kg of the carrier flow (SF6) that represents ``kg_co2e`` of other fluorinated gases.

    Exact under the GWP100 total and fossil methods; under GWP20 the result scales with SF6's own
    GWP20 instead of that of the real gas mix.
    """
    spec = GHG_FLOWS[FGAS_CARRIER]
    factor = characterization_factor(method, flow_key(spec.name, spec.compartment))
    if factor == 0.0:
        raise BrightwayProjectError(f"{spec.name} has no factor in {method}")
    return kg_co2e / factor


def verify_factors() -> list[str]:
    """Compare each flow of :data:`GHG_FLOWS` with its expected GWP100 factors.

    Returns human-readable problems (empty when all match). Needs an active, set-up project.
    """
    problems: list[str] = []
    for role, spec in GHG_FLOWS.items():
        try:
            key = flow_key(spec.name, spec.compartment)
        except FlowNotFoundError as exc:
            problems.append(f"{role}: {exc}")
            continue
        for method_role, expected in spec.gwp100.items():
            actual = characterization_factor(METHODS[method_role], key)
            if not math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-12):
                problems.append(
                    f"{role} ({spec.name}) in {method_role}: expected {expected}, got {actual}"
                )
    return problems
