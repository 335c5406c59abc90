"""Published PCF sheets (Boavizta's ``boavizta-data-us.csv`` layout, or a user's own sheets in
the same columns), read and harmonised: the use stage taken out so that what is left, the
embodied part (manufacture, transport, end of life), no longer depends on the maker's choice of
lifetime and use location.

Use stage of a sheet, in order of preference:
1. ``gwp_use_ratio`` (the maker's own share of the total), when given: use = total × ratio;
2. else ``yearly_tec`` × ``lifetime`` × the engine's grid factor of ``use_location``.
A sheet with neither is skipped and counted; so is one without a year, a total or a category
the engine models. Rows of other categories (servers, phones, …) are counted, not read.
"""

from __future__ import annotations

import csv
import hashlib
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .config import ScreeningSettings, settings
from .use_stage import grid_factor

#: every column of Boavizta's boavizta-data-us.csv; any other column is an error
SHEET_COLUMNS = (
    "manufacturer", "name", "category", "subcategory", "gwp_total", "gwp_use_ratio",
    "yearly_tec", "lifetime", "use_location", "report_date", "sources", "sources_hash",
    "gwp_error_ratio", "gwp_manufacturing_ratio", "weight", "assembly_location", "screen_size",
    "server_type", "hard_drive", "memory", "number_cpu", "height", "added_date", "add_method",
    "gwp_transport_ratio", "gwp_eol_ratio", "gwp_electronics_ratio", "gwp_battery_ratio",
    "gwp_hdd_ratio", "gwp_ssd_ratio", "gwp_othercomponents_ratio", "comment",
)
REQUIRED_COLUMNS = ("manufacturer", "name", "subcategory", "gwp_total", "report_date")

_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


class SheetFileError(ValueError):
    """The sheets file cannot be read (the message names the file, the line and the column)."""


@dataclass(frozen=True, slots=True)
class PublishedSheet:
    """One harmonised sheet: its attributes and its total split into use and embodied."""

    maker: str
    name: str
    category: str
    family: str
    year: int
    screen_in: float | None
    weight_kg: float | None
    lifetime_years: float | None
    use_region: str | None
    yearly_tec_kwh: float | None
    gwp_total: float
    use_kg: float
    use_basis: str
    line: int

    @property
    def embodied_kg(self) -> float:
        return self.gwp_total - self.use_kg


@dataclass(slots=True)
class SheetSet:
    source: str
    sha256: str
    rows: int
    sheets: list[PublishedSheet]
    skipped: Counter[str] = field(default_factory=Counter)
    blanked: Counter[str] = field(default_factory=Counter)
    other_categories: int = 0

    def of(self, category: str) -> list[PublishedSheet]:
        return [s for s in self.sheets if s.category == category]

    def provenance(self) -> dict[str, object]:
        return {"file": Path(self.source).name, "sha256": self.sha256, "rows": self.rows,
                "used": len(self.sheets),
                "used_by_category": dict(sorted(Counter(s.category for s in self.sheets)
                                                .items())),
                "other_categories": self.other_categories,
                "skipped": dict(sorted(self.skipped.items())),
                "read_as_not_given": dict(sorted(self.blanked.items()))}


def product_family(maker: str, name: str) -> str:
    """A coarse product-family key for grouped cross-validation: maker and the first two words
    of the name without sizes, each cut to its letters or a number to its leading digit
    ("Latitude 5491" and "Latitude 5421" -> "dell|latitude 5"; "256 G9" and "250 G8" ->
    "hp|2 g"; "ThinkPad T470" and "ThinkPad T14" -> "lenovo|thinkpad t"). Near-duplicate
    sheets of one series then fall in the same fold and cannot leak between training and
    test."""
    words = [w for w in re.findall(r"[a-z0-9]+", name.lower())
             if w != "inch" and not re.fullmatch(r"\d{1,2}", w)]  # "13-inch", "XPS 15"
    # a word's letters ("t470" -> "t", "g9" -> "g"), or a number's leading digit ("5491" -> "5")
    key = [re.sub(r"\d.*", "", word) or word[0] for word in words[:2]]
    return f"{maker.strip().lower()}|{' '.join(key)}"


def _number(text: str, column: str, where: str, *, positive: bool = True,
            zero_blank: Counter[str] | None = None) -> float | None:
    """A number of a cell; blank -> None. Text that is not a number rejects the file; a zero or
    negative size (the published sheets write 0 for "no screen") reads as not given and is
    counted in ``zero_blank``."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise SheetFileError(f"{where}: column {column!r}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise SheetFileError(f"{where}: column {column!r}: {text!r} is not finite")
    if value < 0 or (positive and value == 0):
        if zero_blank is None:
            raise SheetFileError(f"{where}: column {column!r}: {text!r} is out of range")
        zero_blank[f"{column} {text} read as not given"] += 1
        return None
    return value


def report_year(text: str) -> int | None:
    """The year of a free-text report date ("December 2018", "2022-2-6", "03/15/2021")."""
    match = _YEAR.search(text or "")
    return int(match.group(1)) if match else None


def read_sheets(path: Path, config: ScreeningSettings | None = None) -> SheetSet:
    config = config or settings()
    by_subcategory = {sub.lower(): cat for cat, spec in config.categories.items()
                      for sub in spec.sheet_subcategories}
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SheetFileError(f"{path}: not UTF-8 text ({exc.reason})") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in (reader.fieldnames or [])]
    unknown = [h for h in header if h not in SHEET_COLUMNS]
    if unknown:
        raise SheetFileError(f"{path}:1: unknown column {unknown[0]!r} (columns are those of "
                             "Boavizta's boavizta-data-us.csv)")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise SheetFileError(f"{path}:1: missing column {missing[0]!r}")
    result = SheetSet(source=str(path), sha256=hashlib.sha256(raw).hexdigest(), rows=0,
                      sheets=[])
    for line, row in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
        result.rows += 1
        category = by_subcategory.get(row.get("subcategory", "").lower())
        if category is None:
            result.other_categories += 1
            continue
        sheet, reason = _harmonise(row, category, f"{path}:{line}", line, config,
                                   result.blanked)
        if sheet is None:
            result.skipped[reason] += 1
        else:
            result.sheets.append(sheet)
    return result


def _harmonise(row: dict[str, str], category: str, where: str, line: int,
               config: ScreeningSettings, blanked: Counter[str]
               ) -> tuple[PublishedSheet | None, str]:
    spec = config.category(category)
    total = _number(row.get("gwp_total", ""), "gwp_total", where, zero_blank=blanked)
    if total is None:
        return None, "no gwp_total"
    year = report_year(row.get("report_date", ""))
    if year is None:
        return None, "no year in report_date"
    screen = _number(row.get("screen_size", ""), "screen_size", where, zero_blank=blanked)
    weight = _number(row.get("weight", ""), "weight", where, zero_blank=blanked)
    if weight is not None and weight > spec.max_weight_kg:
        weight = None  # a screen size in the weight column (see screening.yaml)
    lifetime = _number(row.get("lifetime", ""), "lifetime", where, zero_blank=blanked)
    tec = _number(row.get("yearly_tec", ""), "yearly_tec", where, zero_blank=blanked)
    location = row.get("use_location", "")
    region = None
    grid = None
    if location:
        try:
            grid = grid_factor(location, config)
            region = grid.region
        except ValueError:
            region = None
    ratio = _number(row.get("gwp_use_ratio", ""), "gwp_use_ratio", where, positive=False)
    if ratio is not None and ratio < 1:
        use, basis = total * ratio, "gwp_use_ratio"
    elif tec is not None and lifetime is not None and grid is not None:
        use = tec * lifetime * grid.kg_co2e_per_kwh
        basis = f"yearly_tec x lifetime x {grid.key}"
    else:
        return None, "no use stage (neither gwp_use_ratio nor yearly_tec, lifetime and a " \
                     "known use_location)"
    if use >= total:
        return None, "use stage at or above the total"
    if spec.size is not None and screen is None:
        return None, "no screen_size"
    return PublishedSheet(
        maker=row["manufacturer"], name=row["name"], category=category,
        family=product_family(row["manufacturer"], row["name"]), year=year, screen_in=screen,
        weight_kg=weight, lifetime_years=lifetime, use_region=region, yearly_tec_kwh=tec,
        gwp_total=total, use_kg=use, use_basis=basis, line=line), ""
