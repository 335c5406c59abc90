"""Loading a newer IEC 62474 Declarable Substance List from the export of the IEC 62474 database.

The IEC 62474 database (https://std.iec.ch/iec62474) exports the DSL as a table with one row per
declarable substance (group) entry. Its column labels have changed between database releases, so
the reader looks for them by meaning in the first 50 rows: an ID column ("ID", "Entry ID",
"DSL ID"), the name ("Declarable substance group", "Declarable substance", "Substance name",
"Name"), "CAS", "Reporting threshold", optionally "Reporting level" / "Basis", "Reportable
application", "Regulation" / "Regulatory basis" / "Legal reference", "Type" and "Last revised".
Title rows may come first. Spreadsheet quirks are tolerated as in the ECHA reader (``echa.py``):
comma, semicolon or tab separators, UTF-8 (with or without BOM) or Windows-1252, ``.xlsx``, several
CAS numbers in one cell (separated by ``;``, ``,``, new lines or runs of spaces), "-" for none.

Reporting thresholds are read from their wording: "0.1 mass%", "0,1 %", "0.1 mass% of
homogeneous material", "0.1 mass% of article", "1000 mg/kg", "1000 ppm", "intentionally added".
The basis (homogeneous material, article / product part, product) comes from the wording or from
the reporting-level column; an "intentionally added" entry needs none. A row whose threshold or
basis cannot be read is an error that names the file, the line and the column. A CAS number that
fails its check digit is left out with a warning (as in ``gscdm data update-svhc``); an entry left
without any CAS number is kept (it is shown in the list) but cannot be matched, and is warned about.

The IEC database's XML export is not read: its format could not be established from public
sources, so an ``.xml`` file is refused with a message asking for the CSV/XLSX export.

``update_dsl`` writes the list, normalised, to ``<home>/substance_lists/iec62474_dsl.csv``, which
then replaces the shipped (partial) list in every screening.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from fmd_parsers.cas import cas_checksum_ok, normalise_cas

from .echa import _parse_date
from .lists import (
    DATA_DIR,
    DSL_FILE,
    OVERRIDE_SUBDIR,
    ROHS_FILE,
    DslEntry,
    DslList,
    SubstanceListError,
    install_list,
    list_path,
    read_commented_csv,
    read_dsl,
    read_rohs,
)

IEC_URL = "https://std.iec.ch/iec62474"
COLUMNS_OUT = ["id", "name", "cas", "threshold", "threshold_ppm", "basis",
               "reportable_application", "applies_to", "regulatory_basis", "kind",
               "threshold_source", "source"]
# column label patterns, tried in this order for each header cell (the first match wins)
_COLUMNS: list[tuple[str, re.Pattern[str]]] = [
    ("cas", re.compile(r"\bcas\b", re.I)),
    ("threshold", re.compile(r"reporting\s*threshold|threshold", re.I)),
    ("basis", re.compile(r"reporting\s*level|\bbasis\b|threshold\s*basis", re.I)),
    ("application", re.compile(r"reportable\s*application|application", re.I)),
    ("regulation", re.compile(r"regulat|legal|legislation|reference", re.I)),
    ("revised", re.compile(r"last\s*revis|revis(ed|ion)\s*date|^date\b", re.I)),
    ("type", re.compile(r"^(entry\s*)?type$|substance\s*type", re.I)),
    ("id", re.compile(r"^(dsl\s*|entry\s*)?id(entifier|entity)?$|^(dsl|entry)\s*(no|number)",
                      re.I)),
    ("name", re.compile(r"declarable\s*substance|substance\s*(group|name)|^substance$|^name$",
                        re.I)),
]
_VERSION = re.compile(r"(?<![A-Za-z0-9])(D\d{1,3}\.\d{1,2})(?!\d)")
APPLICATIONS_FILE = "dsl_applications.csv"
_NUMBER = r"(\d+(?:[.,]\d+)?(?:[eE]-?\d+)?)"
_PERCENT = re.compile(_NUMBER + r"\s*(?:mass\s*%|wt\s*%|weight\s*%|%\s*(?:w/w|by\s*(?:mass|weight)|"
                      r"mass|wt)?|mass\s*percent|percent)", re.I)
_MGKG = re.compile(_NUMBER + r"\s*(?:mg/kg|ppm(?:w|\s*by\s*(?:mass|weight))?|µg/g|ug/g)", re.I)
_INTENTIONAL = re.compile(r"intentional(?:ly)?\s*added|intentionally\s*used", re.I)
_BASES = [
    ("homogeneous_material", re.compile(r"homogeneous|\bmaterial\b", re.I)),
    ("article", re.compile(r"\barticle|product\s*part|\bpart\b|\bcomponent", re.I)),
    ("product", re.compile(r"\bproduct\b", re.I)),
]


@dataclass(slots=True)
class DslUpdate:
    """What ``update_dsl`` did."""

    source: str
    written: str
    version: str
    list_date: date | None
    entries: int
    previous_version: str | None
    previous_entries: int | None
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"source": self.source, "written": self.written, "version": self.version,
                "list_date": self.list_date.isoformat() if self.list_date else None,
                "entries": self.entries,
                "previous": {"version": self.previous_version, "entries": self.previous_entries},
                "warnings": self.warnings}


def version_key(version: str | None) -> tuple[int, int] | None:
    """``"D29.00"`` → ``(29, 0)``; None when the text names no DSL version."""
    match = _VERSION.search(version or "")
    if not match:
        return None
    major, _, minor = match.group(1)[1:].partition(".")
    return int(major), int(minor or 0)


def parse_threshold(text: str) -> tuple[float, str | None]:
    """Reporting threshold wording → (mg/kg, basis named in the wording or None).

    0 mg/kg means "intentionally added". Raises ``ValueError`` when the wording holds no
    threshold this reader understands.
    """
    cleaned = " ".join(str(text or "").split())
    if not cleaned:
        raise ValueError("no reporting threshold")
    basis = parse_basis(cleaned)
    if _INTENTIONAL.search(cleaned) and not (_PERCENT.search(cleaned) or _MGKG.search(cleaned)):
        return 0.0, basis
    match = _PERCENT.search(cleaned)
    if match:
        return float(match.group(1).replace(",", ".")) * 1e4, basis
    match = _MGKG.search(cleaned)
    if match:
        return float(match.group(1).replace(",", ".")), basis
    if _INTENTIONAL.search(cleaned):
        return 0.0, basis
    raise ValueError(f"{cleaned!r} is not a reporting threshold (expected e.g. '0.1 mass%', "
                     f"'1000 mg/kg' or 'intentionally added')")


def parse_basis(text: str | None) -> str | None:
    """The basis a threshold wording or reporting-level cell names, or None."""
    wording = str(text or "")
    tail = re.split(r"\bof\b|\bin\b|\bper\b|/(?!kg|g)", wording, maxsplit=1)
    scope = tail[1] if len(tail) > 1 else wording
    for basis, pattern in _BASES:
        if pattern.search(scope):
            return basis
    return None


def _rows(path: Path) -> tuple[list[list[Any]], list[int]]:
    """The table's rows and, for each, the line (CSV) or spreadsheet row (XLSX) it starts on."""
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            rows = [list(r) for r in workbook.worksheets[0].iter_rows(values_only=True)]
        finally:
            workbook.close()
        return rows, list(range(1, len(rows) + 1))
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    sample = "\n".join(text.splitlines()[:40])
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    rows, lines, last = [], [], 0
    for row in reader:
        rows.append(list(row))
        lines.append(last + 1)
        last = reader.line_num
    return rows, lines


def read_applications(path: Path | None = None) -> list[tuple[re.Pattern[str], str]]:
    """(reportable-application pattern, applies_to pattern) rows of ``dsl_applications.csv``."""
    path = path or DATA_DIR / APPLICATIONS_FILE
    _, rows = read_commented_csv(path)
    out = []
    for line, row in rows:
        try:
            out.append((re.compile(row.get("application", ""), re.I),
                        re.compile(row.get("applies_to", ""), re.I).pattern))
        except re.error as exc:
            raise SubstanceListError(f"not a regular expression: {exc}", path=path, line=line,
                                     field="application") from exc
    return out


def _find_header(rows: list[list[Any]]) -> tuple[int, dict[str, int]] | None:
    for index, row in enumerate(rows[:50]):
        found: dict[str, int] = {}
        for col, cell in enumerate(row):
            label = " ".join(str(cell or "").split())
            if not label or len(label) > 80:
                continue
            for key, pattern in _COLUMNS:
                if key not in found and pattern.search(label):
                    found[key] = col
                    break
        if {"name", "threshold"} <= set(found) and ("cas" in found or "id" in found):
            return index, found
    return None


def _cas_cells(cell: Any) -> list[str]:
    return [p.strip() for p in re.split(r"[,;\n\r|]+|\s{2,}|\s+/\s+", str(cell or ""))
            if p.strip() and p.strip() not in {"-", "--", "n/a", "N/A"}]


def read_iec_dsl_export(path: str | Path, *, version: str | None = None,
                        list_date: date | None = None,
                        applications: list[tuple[re.Pattern[str], str]] | None = None,
                        ) -> tuple[DslList, list[str]]:
    """The DSL from the IEC 62474 database export, and the warnings reading it raised.

    The version is ``version`` or the first "Dnn.nn" in the title rows or the file name; the date
    is ``list_date`` or the latest "last revised" date in the file (None if there is none).
    """
    path = Path(path)
    applications = read_applications() if applications is None else applications
    if path.suffix.lower() == ".xml":
        raise SubstanceListError(
            "the IEC 62474 XML export is not supported (its format could not be established "
            "from public sources): export the DSL from the IEC 62474 database as CSV or XLSX",
            path=path)
    try:
        rows, lines = _rows(path)
    except OSError as exc:
        raise SubstanceListError(f"cannot read: {exc}", path=path) from exc
    except Exception as exc:  # openpyxl raises its own errors for a broken workbook
        raise SubstanceListError(f"cannot read the workbook: {exc}", path=path) from exc
    header = _find_header(rows)
    if header is None:
        raise SubstanceListError(
            "no header row with the DSL columns (a substance name, 'CAS' or 'ID', and "
            "'Reporting threshold') in the first 50 rows: not an IEC 62474 DSL export",
            path=path, field="header")
    header_at, columns = header
    labels = {key: " ".join(str(rows[header_at][col] or "").split())
              for key, col in columns.items()}
    if version is None:
        for row in [*rows[:header_at], [path.stem]]:
            match = _VERSION.search(" ".join(str(c or "") for c in row))
            if match:
                version = match.group(1)
                break
    if version is None or version_key(version) is None:
        raise SubstanceListError(
            "no DSL version (e.g. 'D29.00') in the title rows or the file name: give it with "
            "--version", path=path, field="version")

    def cell(row: list[Any], key: str) -> Any:
        col = columns.get(key)
        return row[col] if col is not None and col < len(row) else None

    entries: list[DslEntry] = []
    warnings: list[str] = []
    unmatched: list[str] = []
    revised: list[date] = []
    for line, row in zip(lines[header_at + 1:], rows[header_at + 1:], strict=True):
        name = " ".join(str(cell(row, "name") or "").split())
        if not name:
            if any(str(c or "").strip() for c in row):
                raise SubstanceListError("entry has no substance name", path=path, line=line,
                                         field=labels["name"])
            continue
        threshold_text = " ".join(str(cell(row, "threshold") or "").split())
        try:
            ppm, basis = parse_threshold(threshold_text)
        except ValueError as exc:
            raise SubstanceListError(str(exc), path=path, line=line,
                                     field=labels["threshold"]) from exc
        level = " ".join(str(cell(row, "basis") or "").split())
        if level:
            named = parse_basis(level)
            if named is None:
                raise SubstanceListError(
                    f"reporting level {level!r} is not homogeneous material, article / product "
                    f"part or product", path=path, line=line, field=labels["basis"])
            basis = named
        if basis is None:
            if ppm == 0:
                basis = "homogeneous_material"  # intentionally added: any amount, any basis
            else:
                raise SubstanceListError(
                    f"threshold {threshold_text!r} names no basis (homogeneous material, article "
                    f"or product) and the file has no reporting-level column", path=path,
                    line=line, field=labels["threshold"])
        cas_numbers: list[str] = []
        for text in _cas_cells(cell(row, "cas")):
            cas = normalise_cas(text)
            if cas and cas_checksum_ok(cas):
                cas_numbers.append(cas)
            elif re.search(r"\d+-\d{2}-\d", text):
                warnings.append(f"line {line}: CAS {text!r} of {name[:60]!r} fails its check "
                                f"digit; left out")
        if not cas_numbers:
            warnings.append(f"line {line}: {name[:60]!r} has no CAS RN: shown in the list but "
                            f"not matched in screenings")
        try:
            when = _parse_date(cell(row, "revised"))
        except ValueError as exc:
            raise SubstanceListError(str(exc), path=path, line=line,
                                     field=labels.get("revised")) from exc
        if when:
            revised.append(when)
        entry_type = " ".join(str(cell(row, "type") or "").split()).casefold()
        kind = ("group" if "group" in entry_type
                else "substance" if entry_type else ("group" if len(cas_numbers) > 1
                                                     else "substance"))
        application = " ".join(str(cell(row, "application") or "").split()) or None
        applies_to = None
        if application and not re.fullmatch(r"all|all applications", application, re.I):
            applies_to = next((re.compile(target, re.I) for pattern, target in applications
                               if pattern.search(application)), None)
            if applies_to is None:
                unmatched.append(f"{name[:40]!r} ({application[:60]})")
        entries.append(DslEntry(
            id=(str(cell(row, "id")).strip() or None) if cell(row, "id") is not None else None,
            name=name, cas=frozenset(cas_numbers), threshold_ppm=ppm, basis=basis,
            reportable_application=application,
            regulatory_basis=" ".join(str(cell(row, "regulation") or "").split()) or None,
            source="IEC export", threshold=threshold_text, kind=kind, threshold_source="dsl",
            applies_to=applies_to))
    if not entries:
        raise SubstanceListError("the export holds no entries", path=path,
                                 line=lines[header_at] + 1)
    when = list_date or (max(revised) if revised else None)
    if unmatched:
        warnings.append(f"{len(unmatched)} entries have a reportable application that "
                        f"{APPLICATIONS_FILE} does not map to part names; they are screened on "
                        f"every part: " + "; ".join(unmatched[:10])
                        + (" ..." if len(unmatched) > 10 else ""))
    meta = {"list": "IEC 62474 Declarable Substance List (DSL)",
            "authority": "IEC (IEC 62474 database, https://std.iec.ch/iec62474)",
            "list_version": version, "list_date": when.isoformat() if when else "",
            "source_url": IEC_URL, "source_file": path.name,
            "coverage": "COMPLETE - loaded from the IEC 62474 database export "
                        f"({len(entries)} entries)"}
    return DslList(version=version, date=when, entries=tuple(entries), meta=meta,
                   path=str(path)), warnings


def _cell_ppm(value: float) -> str:
    return f"{value:g}"


def write_dsl_csv(dsl: DslList, path: str | Path) -> Path:
    """The list in the engine's own format (``# key: value`` header, then the table)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        for key, value in dsl.meta.items():
            if value:
                handle.write(f"# {key}: {' '.join(str(value).split())}\n")
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS_OUT)
        for e in dsl.entries:
            writer.writerow([e.id or "", e.name, ";".join(sorted(e.cas)), e.threshold or "",
                             _cell_ppm(e.threshold_ppm), e.basis, e.reportable_application or "",
                             e.applies_to.pattern if e.applies_to else "",
                             e.regulatory_basis or "", e.kind or "", e.threshold_source or "",
                             e.source or ""])
    return path


def update_dsl(home: str | Path, export: str | Path, *, version: str | None = None,
               list_date: date | None = None, force: bool = False) -> DslUpdate:
    """Load the IEC export into ``<home>/substance_lists/``; refuses a DSL version older than the
    one in use unless ``force``."""
    new, warnings = read_iec_dsl_export(
        export, version=version, list_date=list_date,
        applications=read_applications(list_path(APPLICATIONS_FILE, home)))
    rohs = read_rohs(list_path(ROHS_FILE, home))
    current = read_dsl(list_path(DSL_FILE, home), rohs)
    assert new.version is not None
    new_key, current_key = version_key(new.version), version_key(current.version)
    if current_key and new_key and new_key < current_key and not force:
        raise SubstanceListError(
            f"the export is DSL version {new.version}, older than the list in use "
            f"({current.version}, {current.path}); use --force to load it anyway",
            path=export, field="version")
    target = install_list(Path(home) / OVERRIDE_SUBDIR / DSL_FILE,
                          lambda staged: write_dsl_csv(new, staged),
                          lambda staged: read_dsl(staged, rohs))
    if new.complete and len(new.entries) < len([e for e in current.entries
                                                 if e.kind != "svhc_derived"]):
        warnings.append(f"the new list has fewer entries ({len(new.entries)}) than the DSL "
                        f"entries of the one it replaces")
    return DslUpdate(source=str(export), written=str(target), version=new.version,
                     list_date=new.date, entries=len(new.entries),
                     previous_version=current.version, previous_entries=len(current.entries),
                     warnings=warnings)
