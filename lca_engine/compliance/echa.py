"""Loading a newer REACH Candidate List from the export a user downloads from ECHA.

ECHA's candidate-list table (https://echa.europa.eu/candidate-list-table) exports the list with one
row per entry and the columns "Substance name", "EC No.", "CAS No.", "Reason for inclusion" and
"Date of inclusion" (plus description, decision and remarks columns this engine ignores); title
rows may come first. Reading is tolerant of what spreadsheets do to it: comma, semicolon or tab
separators, UTF-8 (with or without BOM) or Windows-1252, dates as 25/06/2025, 25-Jun-2025,
25.06.2025 or 2025-06-25, several EC or CAS numbers in one cell, "-" for none. An ``.xlsx`` export
is read too.

``update_svhc`` writes the list, normalised, to ``<home>/substance_lists/svhc_candidate_list.csv``,
which then replaces the shipped list in every screening.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fmd_parsers.cas import cas_checksum_ok, normalise_cas

from .lists import (
    OVERRIDE_SUBDIR,
    SVHC_FILE,
    SubstanceListError,
    SvhcEntry,
    SvhcList,
    install_list,
    list_path,
    read_svhc_csv,
)

ECHA_URL = "https://echa.europa.eu/candidate-list-table"
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_COLUMNS = {
    "name": re.compile(r"^(substance\s*name|name)\b", re.I),
    "ec": re.compile(r"^ec\b|\bec\s*(no|number|/)", re.I),
    "cas": re.compile(r"\bcas\b", re.I),
    "date": re.compile(r"date\s*of\s*inclusion|inclusion\s*date|^date\b", re.I),
    "reason": re.compile(r"reason", re.I),
}


@dataclass(slots=True)
class SvhcUpdate:
    """What ``update_svhc`` did."""

    source: str
    written: str
    list_date: date
    entries: int
    previous_entries: int | None
    previous_date: date | None
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"source": self.source, "written": self.written,
                "list_date": self.list_date.isoformat(), "entries": self.entries,
                "previous": {"entries": self.previous_entries,
                             "list_date": self.previous_date.isoformat()
                             if self.previous_date else None},
                "warnings": self.warnings}


def _parse_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text or text == "-":
        return None
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if match:
        return date(int(match[1]), int(match[2]), int(match[3]))
    match = re.fullmatch(r"(\d{1,2})[./](\d{1,2})[./](\d{4})", text)
    if match:  # ECHA writes day first
        return date(int(match[3]), int(match[2]), int(match[1]))
    match = re.fullmatch(r"(\d{1,2})[- ]([A-Za-z]{3})[A-Za-z]*[- ,]+(\d{4})", text)
    if match and match[2].lower() in _MONTHS:
        return date(int(match[3]), _MONTHS[match[2].lower()], int(match[1]))
    raise ValueError(f"{text!r} is not a date")


def _ids(cell: Any) -> list[str]:
    return [p.strip() for p in re.split(r"[,;\n\r]+|\s{2,}", str(cell or ""))
            if p.strip() and p.strip() not in {"-", "--"}]


def _rows(path: Path) -> list[list[Any]]:
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            return [list(r) for r in workbook.worksheets[0].iter_rows(values_only=True)]
        finally:
            workbook.close()
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    sample = "\n".join(text.splitlines()[:40])
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [list(r) for r in csv.reader(io.StringIO(text), dialect)]


def read_echa_export(path: str | Path, *, list_date: date | None = None) -> SvhcList:
    """The Candidate List from ECHA's export; the list date is ``list_date`` or the latest
    date of inclusion in the file."""
    path = Path(path)
    try:
        rows = _rows(path)
    except OSError as exc:
        raise SubstanceListError(f"cannot read: {exc}", path=path) from exc
    header_at, columns = None, {}
    for index, row in enumerate(rows[:50]):
        found = {}
        for col, value in enumerate(row):
            label = str(value or "").strip()
            for key, pattern in _COLUMNS.items():
                if key not in found and pattern.search(label):
                    found[key] = col
                    break
        if {"name", "cas"} <= set(found) and ("ec" in found or "date" in found):
            header_at, columns = index, found
            break
    if header_at is None:
        raise SubstanceListError(
            "no header row with 'Substance name', 'EC No.', 'CAS No.' and 'Date of inclusion' "
            "columns in the first 50 rows: not an ECHA candidate-list export", path=path,
            field="header")
    entries: list[SvhcEntry] = []
    skipped: list[str] = []

    def cell(row: list[Any], key: str) -> Any:
        col = columns.get(key)
        return row[col] if col is not None and col < len(row) else None

    for offset, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        name = " ".join(str(cell(row, "name") or "").split())
        if not name:
            continue
        try:
            included = _parse_date(cell(row, "date"))
        except ValueError as exc:
            raise SubstanceListError(str(exc), path=path, line=offset,
                                     field="Date of inclusion") from exc
        cas_numbers = []
        for text in _ids(cell(row, "cas")):
            cas = normalise_cas(text)
            if cas and cas_checksum_ok(cas):
                cas_numbers.append(cas)
            else:
                skipped.append(f"line {offset}: CAS {text!r} of {name[:60]!r} fails its check "
                               f"digit; left out")
        reason = " ".join(str(cell(row, "reason") or "").split()) or None
        entries.append(SvhcEntry(name=name, ec=tuple(_ids(cell(row, "ec"))),
                                 cas=tuple(dict.fromkeys(cas_numbers)), date_of_inclusion=included,
                                 reason=reason, source="ECHA export"))
    if not entries:
        raise SubstanceListError("the export holds no entries", path=path, line=header_at + 2)
    dated = [e.date_of_inclusion for e in entries if e.date_of_inclusion]
    when = list_date or (max(dated) if dated else None)
    if when is None:
        raise SubstanceListError("no date of inclusion in the file: give the list date",
                                 path=path, field="Date of inclusion")
    meta = {"list": "REACH Candidate List of substances of very high concern (SVHC)",
            "authority": "ECHA", "list_date": when.isoformat(), "source_url": ECHA_URL,
            "source_file": path.name, "entries_on_official_list": str(len(entries)),
            "coverage": "COMPLETE - loaded from the ECHA export"}
    result = SvhcList(list_date=when, entries=entries, meta=meta, path=str(path))
    result.meta["warnings"] = " | ".join(skipped)
    return result


def write_svhc_csv(svhc: SvhcList, path: str | Path) -> Path:
    """The list in the engine's own format (``# key: value`` header, then the table)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        for key, value in svhc.meta.items():
            if value and key != "warnings":
                handle.write(f"# {key}: {' '.join(str(value).split())}\n")
        writer = csv.writer(handle)
        writer.writerow(["name", "ec", "cas", "date_of_inclusion", "reason", "source"])
        for e in svhc.entries:
            writer.writerow([e.name, ";".join(e.ec), ";".join(e.cas),
                             e.date_of_inclusion.isoformat() if e.date_of_inclusion else "",
                             e.reason or "", e.source or ""])
    return path


def update_svhc(home: str | Path, export: str | Path, *, list_date: date | None = None,
                force: bool = False) -> SvhcUpdate:
    """Load ECHA's export into ``<home>/substance_lists/``; refuses a list older than the one in
    use unless ``force``."""
    new = read_echa_export(export, list_date=list_date)
    current = read_svhc_csv(list_path(SVHC_FILE, home))
    assert new.list_date is not None
    if current.list_date and new.list_date < current.list_date and not force:
        raise SubstanceListError(
            f"the export is dated {new.list_date.isoformat()}, older than the list in use "
            f"({current.list_date.isoformat()}, {current.path}); use --force to load it anyway",
            path=export, field="Date of inclusion")
    target = install_list(Path(home) / OVERRIDE_SUBDIR / SVHC_FILE,
                          lambda staged: write_svhc_csv(new, staged), read_svhc_csv)
    warnings = [w for w in new.meta.get("warnings", "").split(" | ") if w]
    if len(new.entries) < len(current.entries):
        warnings.append(f"the new list has fewer entries ({len(new.entries)}) than the one it "
                        f"replaces ({len(current.entries)})")
    return SvhcUpdate(source=str(export), written=str(target), list_date=new.list_date,
                      entries=len(new.entries), previous_entries=len(current.entries),
                      previous_date=current.list_date, warnings=warnings)
