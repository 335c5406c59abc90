"""The shipped background dataset: cited factor rows → the Brightway database ``gscdm-background``.

Each CSV row in ``data/background/`` (columns in its README) becomes one Brightway activity whose
code is the row's key and whose reference unit is the row's unit. Its biosphere exchanges carry
the greenhouse gases:

- a row with a gas split (CO2, CH4, N2O, other F-gases in CO2e) emits those gases, so Brightway
  characterises them with IPCC 2021 (AR6) factors; a published total on an AR4/AR5 basis may
  then differ slightly from Brightway's, and ``gscdm data show`` prints both;
- a row without a split (or whose split does not cover the published total) carries the total, or
  the uncovered rest, as fossil CO2 — "CO2-equivalent carried as CO2", so that the published total
  is reproduced exactly; a CO2-only source stays CO2-only (its ``gwp_basis`` says so);
- land-use-change CO2, biogenic CO2 and biogenic carbon stored in the product go to their own flows
  (``Carbon dioxide, from soil or biomass stock``, ``Carbon dioxide, non-fossil`` and the uptake
  ``Carbon dioxide, in air``), so ISO 14067's separate reporting can read them from the inventory.

Every exchange carries the row's uncertainty in stats_arrays form (lognormal: ``loc = ln|amount|``,
``scale = ln(GSD)``; uniform and triangular: bounds scaled from the row's total to each gas), so
Brightway's Monte Carlo samples the cited ranges.
"""

from __future__ import annotations

import csv
import hashlib
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).with_name("data") / "background"
DATABASE = "gscdm-background"

#: Reference units of the CSV files → the unit names Brightway and ecoinvent use.
UNITS = {
    "kg": "kilogram",
    "kWh": "kilowatt hour",
    "MJ": "megajoule",
    "tkm": "ton kilometer",
    "m2": "square meter",
    "cm2": "square centimeter",
    "unit": "unit",
    "GB": "gigabyte",
    "kWh_capacity": "kilowatt hour (storage capacity)",
}
GWP_BASES = frozenset({"AR4", "AR5", "AR6", "CO2-only"})
UNCERTAINTY_TYPES = frozenset({"lognormal", "uniform", "triangular"})
_REQUIRED = ("key", "name", "category", "unit", "gwp100_kg_co2e", "gwp_basis", "scope",
             "geography", "year", "uncertainty_type", "uncertainty_basis", "source")


class BackgroundDataError(ValueError):
    """A background data row is incomplete or inconsistent (message names file, line, column)."""


@dataclass(frozen=True, slots=True)
class BackgroundFactor:
    """One cited factor: kg CO2e (and its gas split) per ``unit`` of ``key``."""

    key: str
    name: str
    category: str
    unit: str
    gwp100_kg_co2e: float
    gwp_basis: str
    scope: str
    geography: str
    year: int
    uncertainty_type: str
    uncertainty_basis: str
    source: str
    source_detail: str
    url: str
    derivation: str
    file: str
    line: int
    co2_fossil_kg: float | None = None
    ch4_fossil_kg: float | None = None
    n2o_kg: float | None = None
    other_kg_co2e: float | None = None
    co2_biogenic_kg: float | None = None
    biogenic_carbon_content_kg_co2: float | None = None
    land_use_kg_co2e: float | None = None
    gsd: float | None = None
    min: float | None = None
    max: float | None = None

    @property
    def has_gas_split(self) -> bool:
        return any(v is not None for v in (self.co2_fossil_kg, self.ch4_fossil_kg, self.n2o_kg))

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


_FLOAT_COLUMNS = {f.name for f in fields(BackgroundFactor) if "float" in str(f.type)}


def _number(text: str, column: str, where: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise BackgroundDataError(f"{where}: column {column!r}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise BackgroundDataError(f"{where}: column {column!r}: {text!r} is not finite")
    return value


def _factor(row: dict[str, str], file: str, line: int) -> BackgroundFactor:
    where = f"{file}:{line}"
    for column in _REQUIRED:
        if not (row.get(column) or "").strip():
            raise BackgroundDataError(f"{where}: column {column!r} is empty")
    if not (row.get("url") or "").strip() and not (row.get("source_detail") or "").strip():
        raise BackgroundDataError(f"{where}: give a url or a source_detail (table, page)")
    numbers = {c: _number(row.get(c) or "", c, where) for c in _FLOAT_COLUMNS}
    factor = BackgroundFactor(
        key=row["key"].strip(), name=row["name"].strip(), category=row["category"].strip(),
        unit=row["unit"].strip(), gwp_basis=row["gwp_basis"].strip(),
        scope=row["scope"].strip(), geography=row["geography"].strip(),
        year=int(float(row["year"])), uncertainty_type=row["uncertainty_type"].strip(),
        uncertainty_basis=row["uncertainty_basis"].strip(), source=row["source"].strip(),
        source_detail=(row.get("source_detail") or "").strip(),
        url=(row.get("url") or "").strip(), derivation=(row.get("derivation") or "").strip(),
        file=file, line=line, **numbers,  # type: ignore[arg-type]
    )
    _check(factor, where)
    return factor


def _check(f: BackgroundFactor, where: str) -> None:
    if f.unit not in UNITS:
        raise BackgroundDataError(f"{where}: unit {f.unit!r} is not one of {sorted(UNITS)}")
    if f.gwp_basis not in GWP_BASES:
        raise BackgroundDataError(f"{where}: gwp_basis {f.gwp_basis!r} not in {sorted(GWP_BASES)}")
    if f.gwp100_kg_co2e < 0:
        raise BackgroundDataError(
            f"{where}: gwp100_kg_co2e {f.gwp100_kg_co2e} is negative; biogenic uptake belongs in "
            "biogenic_carbon_content_kg_co2, not in the emission total")
    if f.uncertainty_type not in UNCERTAINTY_TYPES:
        raise BackgroundDataError(f"{where}: uncertainty_type {f.uncertainty_type!r} unknown")
    if f.uncertainty_type == "lognormal" and not (f.gsd and f.gsd > 1.0):
        raise BackgroundDataError(f"{where}: lognormal uncertainty needs a gsd above 1")
    bounded = f.min is not None and f.max is not None and f.min <= f.gwp100_kg_co2e <= f.max
    if f.uncertainty_type != "lognormal" and not bounded:
        raise BackgroundDataError(
            f"{where}: {f.uncertainty_type} uncertainty needs min ≤ value ≤ max")
    if not 1950 <= f.year <= 2030:
        raise BackgroundDataError(f"{where}: year {f.year} is implausible")


@cache
def load_factors(data_dir: Path = DATA_DIR) -> tuple[BackgroundFactor, ...]:
    """Every factor of every file listed in ``dataset.yaml``, validated; keys are unique."""
    files = manifest(data_dir)["files"]
    factors: list[BackgroundFactor] = []
    seen: dict[str, str] = {}
    for name in files:
        path = data_dir / name
        with path.open(encoding="utf-8", newline="") as handle:
            for line, row in enumerate(csv.DictReader(handle), start=2):
                factor = _factor(row, name, line)
                if factor.key in seen:
                    raise BackgroundDataError(
                        f"{name}:{line}: key {factor.key!r} already defined at {seen[factor.key]}")
                seen[factor.key] = f"{name}:{line}"
                factors.append(factor)
    return tuple(factors)


@cache
def manifest(data_dir: Path = DATA_DIR) -> dict[str, Any]:
    with (data_dir / "dataset.yaml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def data_version(data_dir: Path = DATA_DIR) -> str:
    return str(manifest(data_dir)["version"])


def factors_document(category: str | None = None, query: str | None = None) -> dict[str, Any]:
    """``gscdm data list --json`` and ``GET /api/factors``: the data version and the factors of
    one category (all when None) whose key, name, source or geography contains ``query``
    (case-insensitive; all when None or empty)."""
    needle = (query or "").strip().casefold()
    factors = [f for f in load_factors()
               if (category is None or f.category == category)
               and (not needle or any(needle in text.casefold() for text in
                                      (f.key, f.name, f.source, f.geography, f.category)))]
    return {"version": data_version(), "factors": [f.as_json() for f in factors]}


def data_hash(data_dir: Path = DATA_DIR) -> str:
    """SHA-256 over the manifest and every data file, to tell whether a rebuild is needed."""
    digest = hashlib.sha256()
    for name in ["dataset.yaml", *manifest(data_dir)["files"]]:
        digest.update(name.encode())
        digest.update((data_dir / name).read_bytes())
    return digest.hexdigest()


def factor_index(data_dir: Path = DATA_DIR) -> dict[str, BackgroundFactor]:
    return {f.key: f for f in load_factors(data_dir)}


# -- to Brightway ----------------------------------------------------------------------------

def gas_amounts(factor: BackgroundFactor, fgas_per_kg_co2e: float) -> dict[str, float]:
    """Biosphere flow role → kg per reference unit, as described in the module docstring."""
    amounts: dict[str, float] = {}
    land_use = factor.land_use_kg_co2e or 0.0
    if land_use:
        amounts["co2_land_use"] = land_use
    if factor.has_gas_split:
        covered = land_use
        for role, value, cf in (("co2_fossil", factor.co2_fossil_kg, 1.0),
                                ("ch4_fossil", factor.ch4_fossil_kg, 29.8),
                                ("n2o", factor.n2o_kg, 273.0)):
            if value:
                amounts[role] = value
                covered += value * cf
        if factor.other_kg_co2e:
            amounts["fgas_co2e"] = factor.other_kg_co2e * fgas_per_kg_co2e
            covered += factor.other_kg_co2e
        rest = factor.gwp100_kg_co2e - covered
        # A split that leaves more than 1 % of the published total uncovered (e.g. a CO2 column
        # beside a CO2e total) carries the rest as CO2; small differences are AR-basis changes.
        if rest > 0.01 * factor.gwp100_kg_co2e:
            amounts["co2_fossil"] = amounts.get("co2_fossil", 0.0) + rest
    else:
        other = factor.other_kg_co2e or 0.0
        if other:
            amounts["fgas_co2e"] = other * fgas_per_kg_co2e
        fossil = factor.gwp100_kg_co2e - land_use - other
        if fossil > 0:
            amounts["co2_fossil"] = fossil
    if factor.co2_biogenic_kg:
        amounts["co2_non_fossil"] = factor.co2_biogenic_kg
    if factor.biogenic_carbon_content_kg_co2:
        amounts["co2_uptake"] = factor.biogenic_carbon_content_kg_co2
    return amounts


def uncertainty(factor: BackgroundFactor, amount: float) -> dict[str, Any]:
    """stats_arrays fields for one exchange of ``amount`` (same relative spread as the row)."""
    if amount == 0:
        return {"uncertainty type": 0, "loc": 0.0}
    if factor.uncertainty_type == "lognormal":
        assert factor.gsd is not None
        return {"uncertainty type": 2, "loc": math.log(abs(amount)),
                "scale": math.log(factor.gsd), "negative": amount < 0}
    assert factor.min is not None and factor.max is not None
    ratio = amount / factor.gwp100_kg_co2e if factor.gwp100_kg_co2e else 1.0
    low, high = sorted((factor.min * ratio, factor.max * ratio))
    if factor.uncertainty_type == "uniform":
        return {"uncertainty type": 4, "loc": amount, "minimum": low, "maximum": high}
    return {"uncertainty type": 5, "loc": amount, "minimum": low, "maximum": high}


def activity_data(factors: Iterable[BackgroundFactor], flow_keys: dict[str, tuple[str, str]],
                  fgas_per_kg_co2e: float) -> dict[tuple[str, str], dict[str, Any]]:
    """The ``Database.write`` payload for the background database."""
    data: dict[tuple[str, str], dict[str, Any]] = {}
    for f in factors:
        exchanges: list[dict[str, Any]] = [
            {"input": (DATABASE, f.key), "amount": 1.0, "type": "production"}]
        for role, amount in gas_amounts(f, fgas_per_kg_co2e).items():
            exchanges.append({"input": flow_keys[role], "amount": amount, "type": "biosphere",
                              **uncertainty(f, amount)})
        data[(DATABASE, f.key)] = {
            "name": f.name,
            "reference product": f.name,
            "unit": UNITS[f.unit],
            "location": f.geography,
            "type": "process",
            "exchanges": exchanges,
            "comment": f"{f.source}; {f.source_detail}; {f.url}".strip("; "),
            "gscdm": {"category": f.category, "year": f.year, "gwp_basis": f.gwp_basis,
                      "scope": f.scope, "published_kg_co2e": f.gwp100_kg_co2e,
                      "csv_unit": f.unit, "file": f.file, "line": f.line},
        }
    return data


@dataclass(frozen=True, slots=True)
class BackgroundReport:
    database: str
    version: str
    activities: int
    built: bool
    seconds: float


def build_background(*, rebuild: bool = False, data_dir: Path = DATA_DIR) -> BackgroundReport:
    """Write ``gscdm-background`` into the active Brightway project unless it is current.

    Needs :func:`lca_engine.brightway_project.activate` and ``setup_project`` first.
    """
    import time

    from .brightway_project import _active, fgas_carrier_amount, ghg_flow_keys

    started = time.perf_counter()
    bd = _active()
    factors = load_factors(data_dir)
    fingerprint = data_hash(data_dir)
    meta = bd.databases.get(DATABASE) if DATABASE in bd.databases else None
    if not rebuild and meta and meta.get("gscdm_data_hash") == fingerprint:
        return BackgroundReport(DATABASE, data_version(data_dir), len(factors), False,
                                round(time.perf_counter() - started, 3))
    payload = activity_data(factors, ghg_flow_keys(), fgas_carrier_amount(1.0))
    database = bd.Database(DATABASE)
    if DATABASE in bd.databases:
        database.delete(warn=False)
        database = bd.Database(DATABASE)
    database.register(gscdm_data_hash=fingerprint, gscdm_version=data_version(data_dir),
                      description=manifest(data_dir).get("description", ""))
    database.write(payload)
    bd.databases[DATABASE] = {**bd.databases[DATABASE], "gscdm_data_hash": fingerprint,
                              "gscdm_version": data_version(data_dir)}
    return BackgroundReport(DATABASE, data_version(data_dir), len(factors), True,
                            round(time.perf_counter() - started, 3))
