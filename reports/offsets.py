"""Retired carbon credits: reading the user's ledger file and the engine's record of used serials.

A declaration retires credits identified by registry, serial prefix (the registry's block id)
and a numeric serial range; one credit is one tonne of CO2e. ``<home>/offsets/ledger.json``
records the serials every issued neutrality declaration used, so the engine refuses a second
declaration that tries to use any of them again. The ledger lives in the engine home, not in the
material database; writes are locked (``fcntl``) and atomic.
"""

from __future__ import annotations

import csv
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from .model import LedgerEntry, ReportError

LEDGER_DIR = "offsets"
LEDGER_FILE = "ledger.json"
CREDIT_TYPES = ("removal", "avoidance")
#: Registries the report names without a warning (others are accepted with a warning).
KNOWN_REGISTRIES = {
    "verra": "Verra (VCS)", "verra vcs": "Verra (VCS)", "vcs": "Verra (VCS)",
    "gold standard": "Gold Standard", "gs": "Gold Standard",
    "ccer": "CCER (China)", "chinese certified emission reduction": "CCER (China)",
    "acr": "American Carbon Registry", "american carbon registry": "American Carbon Registry",
    "car": "Climate Action Reserve", "climate action reserve": "Climate Action Reserve",
    "puro.earth": "Puro.earth", "puro": "Puro.earth", "isometric": "Isometric",
    "cdm": "CDM (UNFCCC)", "article 6.4": "Paris Agreement Art. 6.4 mechanism",
    "global carbon council": "Global Carbon Council", "gcc": "Global Carbon Council",
}
COLUMNS = ("registry", "project_id", "project_name", "credit_type", "vintage", "serial_prefix",
           "serial_from", "serial_to", "quantity_tco2e", "retired_on", "retirement_id")
OPTIONAL = ("beneficiary", "declaration", "methodology", "country")


@dataclass(slots=True)
class Credit:
    """One block of retired credits (a contiguous serial range of one registry block)."""

    registry: str
    project_id: str
    project_name: str
    credit_type: str  # "removal" or "avoidance"
    vintage: int
    serial_prefix: str
    serial_from: int
    serial_to: int
    quantity_tco2e: float
    retired_on: str
    retirement_id: str
    beneficiary: str | None = None
    declaration: str | None = None
    methodology: str | None = None
    country: str | None = None
    where: str = ""

    @property
    def registry_key(self) -> str:
        return self.registry.strip().lower()

    @property
    def serials(self) -> str:
        return f"{self.serial_prefix}-{self.serial_from}…{self.serial_to}"

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("where")
        data["registry_name"] = KNOWN_REGISTRIES.get(self.registry_key, self.registry)
        return data

    def ledger_row(self) -> dict[str, Any]:
        return {"registry": self.registry_key, "serial_prefix": self.serial_prefix,
                "from": self.serial_from, "to": self.serial_to,
                "quantity_tco2e": self.quantity_tco2e, "project_id": self.project_id,
                "vintage": self.vintage}


def _text(raw: dict[str, Any], key: str, where: str, *, required: bool = True) -> str | None:
    value = raw.get(key)
    if value is None or str(value).strip() == "":
        if required:
            raise ReportError(f"{where}: field {key!r} is missing", code="credit-rejected")
        return None
    return str(value).strip()


def _int(raw: dict[str, Any], key: str, where: str) -> int:
    text = _text(raw, key, where)
    try:
        return int(str(text))
    except ValueError:
        raise ReportError(f"{where}: field {key!r} = {text!r} is not a whole number",
                          code="credit-rejected") from None


def _credit(raw: dict[str, Any], where: str, today: date) -> Credit:
    credit_type = str(_text(raw, "credit_type", where)).lower()
    if credit_type not in CREDIT_TYPES:
        raise ReportError(f"{where}: field 'credit_type' = {credit_type!r} must be 'removal' or "
                          "'avoidance' (ISO 14068-1 reports the two separately)",
                          code="credit-rejected")
    try:
        quantity = float(str(_text(raw, "quantity_tco2e", where)))
    except ValueError:
        raise ReportError(f"{where}: field 'quantity_tco2e' is not a number",
                          code="credit-rejected") from None
    serial_from, serial_to = _int(raw, "serial_from", where), _int(raw, "serial_to", where)
    if serial_from < 0 or serial_to < serial_from:
        raise ReportError(f"{where}: serial range {serial_from}–{serial_to} is empty or "
                          "reversed", code="credit-rejected")
    count = serial_to - serial_from + 1
    if abs(count - quantity) > 1e-9:
        raise ReportError(f"{where}: the serial range {serial_from}–{serial_to} holds {count} "
                          f"credits (1 t CO2e each) but 'quantity_tco2e' says {quantity:g}",
                          code="credit-rejected")
    vintage = _int(raw, "vintage", where)
    if not 1990 <= vintage <= today.year:
        raise ReportError(f"{where}: vintage {vintage} is not between 1990 and {today.year}",
                          code="credit-rejected")
    retired = _text(raw, "retired_on", where, required=False)
    if retired is None:
        raise ReportError(f"{where}: the credits have no 'retired_on' date: only credits retired "
                          "(cancelled) in the registry can back a neutrality claim",
                          code="credit-not-retired")
    try:
        retired_on = date.fromisoformat(retired[:10])
    except ValueError:
        raise ReportError(f"{where}: 'retired_on' = {retired!r} is not a date (YYYY-MM-DD)",
                          code="credit-rejected") from None
    if retired_on > today:
        raise ReportError(f"{where}: 'retired_on' {retired_on} is after the report date "
                          f"{today}: credits must be retired before the claim is made",
                          code="credit-not-retired")
    return Credit(
        registry=str(_text(raw, "registry", where)), project_id=str(_text(raw, "project_id",
                                                                          where)),
        project_name=str(_text(raw, "project_name", where)), credit_type=credit_type,
        vintage=vintage, serial_prefix=str(_text(raw, "serial_prefix", where)),
        serial_from=serial_from, serial_to=serial_to, quantity_tco2e=quantity,
        retired_on=retired_on.isoformat(), retirement_id=str(_text(raw, "retirement_id", where)),
        beneficiary=_text(raw, "beneficiary", where, required=False),
        declaration=_text(raw, "declaration", where, required=False),
        methodology=_text(raw, "methodology", where, required=False),
        country=_text(raw, "country", where, required=False), where=where)


def load_credits(path: Path, today: date) -> list[Credit]:
    """Credits from a CSV (one row per serial block; header = COLUMNS) or a YAML file
    (``credits:`` list of mappings with the same keys)."""
    path = Path(path)
    rows: list[tuple[str, dict[str, Any]]] = []
    try:
        if path.suffix.lower() in {".yaml", ".yml"}:
            from .input_schemas import CreditsFile, read_checked

            content = read_checked(path, "credits file", CreditsFile, code="credit-rejected")
            items = content.get("credits")
            if not isinstance(items, list):
                raise ReportError(f"{path}: expected a 'credits:' list", code="credit-rejected")
            for index, item in enumerate(items):
                if not isinstance(item, dict):
                    raise ReportError(f"{path}: credits[{index}] is not a mapping",
                                      code="credit-rejected")
                rows.append((f"{path}: credits[{index}]", item))
        else:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                header = [h.strip().lower() for h in reader.fieldnames or []]
                missing = [c for c in COLUMNS if c not in header]
                if missing:
                    raise ReportError(f"{path}:1: missing column(s) {', '.join(missing)}",
                                      code="credit-rejected")
                for line, row in enumerate(reader, start=2):
                    clean = {(k or "").strip().lower(): v for k, v in row.items()}
                    if not any((v or "").strip() for v in clean.values() if isinstance(v, str)):
                        continue
                    rows.append((f"{path}:{line}", clean))
    except OSError as exc:
        raise ReportError(f"{path}: cannot read the credits file: {exc.strerror}",
                          code="credit-rejected") from None
    except yaml.YAMLError as exc:
        raise ReportError(f"{path}: not valid YAML: {exc}", code="credit-rejected") from None
    if not rows:
        raise ReportError(f"{path}: no credits listed", code="credit-rejected")
    return [_credit(raw, where, today) for where, raw in rows]


def overlaps(credits: list[Credit]) -> list[str]:
    """Serial ranges listed twice within the user's own file."""
    problems = []
    seen: dict[tuple[str, str], list[Credit]] = {}
    for credit in credits:
        key = (credit.registry_key, credit.serial_prefix)
        for other in seen.get(key, []):
            if credit.serial_from <= other.serial_to and other.serial_from <= credit.serial_to:
                problems.append(
                    f"{credit.where}: serials {credit.serial_prefix} {credit.serial_from}–"
                    f"{credit.serial_to} ({credit.registry}) overlap {other.where} "
                    f"({other.serial_from}–{other.serial_to}): a serial can be retired only once")
        seen.setdefault(key, []).append(credit)
    return problems


# -- the engine's ledger ---------------------------------------------------------------------

def ledger_path(home: Path) -> Path:
    return Path(home) / LEDGER_DIR / LEDGER_FILE


def load_ledger(home: Path) -> dict[str, Any]:
    path = ledger_path(home)
    if not path.exists():
        return {"version": 1, "declarations": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ReportError(f"{path}: the offset ledger cannot be read ({exc}); it records which "
                          "credit serials earlier declarations used — restore it from backup",
                          code="ledger-unreadable") from None
    if not isinstance(data, dict) or not isinstance(data.get("declarations"), dict):
        raise ReportError(f"{path}: the offset ledger is not in the expected format",
                          code="ledger-unreadable")
    return data


def used_elsewhere(home: Path, declaration_id: str, credits: list[Credit]) -> list[str]:
    """Serials of ``credits`` that another declaration in the ledger already used."""
    ledger = load_ledger(home)
    problems = []
    for other_id, entry in sorted(ledger["declarations"].items()):
        if other_id == declaration_id:
            continue  # re-issuing the same declaration (another format, a correction)
        for used in entry.get("serials", []):
            for credit in credits:
                if (credit.registry_key == used["registry"]
                        and credit.serial_prefix == used["serial_prefix"]
                        and credit.serial_from <= used["to"]
                        and used["from"] <= credit.serial_to):
                    first = max(credit.serial_from, used["from"])
                    last = min(credit.serial_to, used["to"])
                    problems.append(
                        f"{credit.where}: serials {credit.serial_prefix} {first}–{last} "
                        f"({credit.registry}) were already used by declaration {other_id!r} "
                        f"({entry.get('product')}, {entry.get('batch')}, "
                        f"{entry.get('report_date')})")
    return problems


@contextmanager
def _locked(home: Path) -> Iterator[None]:
    directory = Path(home) / LEDGER_DIR
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def record(home: Path, entry: LedgerEntry) -> Path:
    """Add (or replace) a declaration's serials; refuses if another declaration took them in
    the meantime (checked again under the lock)."""
    path = ledger_path(home)
    with _locked(home):
        ledger = load_ledger(home)
        for other_id, other in ledger["declarations"].items():
            if other_id == entry.declaration_id:
                continue
            for used in other.get("serials", []):
                for mine in entry.serials:
                    if (mine["registry"], mine["serial_prefix"]) == (used["registry"],
                                                                     used["serial_prefix"]) \
                            and mine["from"] <= used["to"] and used["from"] <= mine["to"]:
                        raise ReportError(
                            f"serials {mine['serial_prefix']} {mine['from']}–{mine['to']} were "
                            f"recorded for declaration {other_id!r} meanwhile",
                            code="serial-reused")
        previous = ledger["declarations"].get(entry.declaration_id) or {}
        markets = dict(previous.get("markets") or {})
        markets[entry.market] = {"claim_made": entry.claim_made,
                                 "report_date": entry.report_date}
        ledger["declarations"][entry.declaration_id] = {
            "product": entry.product, "batch": entry.batch, "report_date": entry.report_date,
            "markets": markets, "serials": entry.serials}
        text = json.dumps(ledger, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        handle, tmp = tempfile.mkstemp(prefix=".ledger.", dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    return path


__all__ = ["CREDIT_TYPES", "KNOWN_REGISTRIES", "Credit", "ledger_path", "load_credits",
           "load_ledger", "overlaps", "record", "used_elsewhere"]
