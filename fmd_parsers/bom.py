"""Product bills of materials from CSV or XLSX tables (read with pandas).

One row per BoM line. Columns (header names are case-insensitive; aliases in ``_ALIASES``):

=====================  =========  =========================================================
column                 required   meaning
=====================  =========  =========================================================
product_number         yes        the product this line belongs to (a file may hold several)
product_name           no         the product's name (first non-blank value wins)
part_number            yes        the part, as its FMD declares it (``ProductID@itemNumber``)
parent_part_number     no         the assembly this part goes into; blank = top level
quantity               yes        count per parent (or per product at top level), > 0
part_name              no         description
part_mass_g            no         mass of one part in grams (or ``part_mass`` + ``mass_unit``)
recycled_kind          no         PIC, PCC, CL-PCC, OBP, recycled-metal, bio-based
recycled_share         no         percent, 0–100 ("30", "30 %"); needs ``recycled_kind``
fmd_file               no         the FMD file declaring the part, relative to the table
category               no         electronics, mechanical, packaging, … (packaging is reported
                                  as its own group)
=====================  =========  =========================================================

Errors name the file, the line (CSV: the text line; XLSX: the sheet row) and the column.
"""

from __future__ import annotations

import csv
import hashlib
import os
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import FmdError
from .model import BomLine, BomProduct, BomTable, RecycledContent
from .recycled import parse_kind
from .units import DECIMAL_SEPARATORS, UnitError, parse_number, to_grams

_REQUIRED = ("product_number", "part_number", "quantity")
_ALIASES = {
    "product": "product_number",
    "product_id": "product_number",
    "part": "part_number",
    "part_no": "part_number",
    "item_number": "part_number",
    "parent": "parent_part_number",
    "parent_part": "parent_part_number",
    "qty": "quantity",
    "name": "part_name",
    "description": "part_name",
    "mass_g": "part_mass_g",
    "weight_g": "part_mass_g",
    "recycled_content_kind": "recycled_kind",
    "recycled_content_share": "recycled_share",
    "recycled_share_pct": "recycled_share",
    "fmd": "fmd_file",
    "declaration": "fmd_file",
}
_HEADER_LINE = 1  # data row i (0-based) sits on line i + 2 of the file
_COLUMNS = frozenset({*_REQUIRED, *_ALIASES.values(), "product_name", "part_mass", "mass_unit",
                      "category"})
#: Largest uncompressed size of an XLSX workbook that is opened (a small zip can inflate to GBs).
MAX_XLSX_BYTES = int(os.environ.get("GSCDM_MAX_XLSX_BYTES", 50 * 1024 * 1024))
#: Widest CSV header accepted: pandas spends ~0.1 ms and a Series on every column, so a 1 MB
#: line that the delimiter sniffer splits into 500,000 columns would take minutes and GBs.
MAX_CSV_COLUMNS = 1000


def _canonical(column: object) -> str:
    key = str(column).strip().lower().replace(" ", "_").replace("-", "_")
    return _ALIASES.get(key, key)


def _read_workbook(path: Path) -> pd.DataFrame:
    try:
        with zipfile.ZipFile(path) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
        if inflated > MAX_XLSX_BYTES:
            raise FmdError(f"workbook is {inflated / 1e6:.0f} MB uncompressed, above the "
                           f"{MAX_XLSX_BYTES / 1e6:.0f} MB limit (set GSCDM_MAX_XLSX_BYTES to "
                           "raise it)", path=str(path), code="file-too-large")
        return pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
    except FmdError:
        raise
    except Exception as exc:  # zipfile, openpyxl and XML raise all sorts for damaged workbooks
        raise FmdError(f"cannot read BoM workbook: {type(exc).__name__}: {exc}", path=str(path),
                       code="bom-unreadable") from None


def _check_csv_width(path: Path) -> None:
    """Refuse a header row with more columns than any BoM has, the way pandas will split it."""
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        header = handle.readline(1 << 20)
    try:
        delimiter = csv.Sniffer().sniff(header).delimiter  # what pandas' sep=None does
    except csv.Error:
        return
    if header.count(delimiter) >= MAX_CSV_COLUMNS:
        raise FmdError(f"header row has {header.count(delimiter) + 1} columns (split at "
                       f"{delimiter!r}), more than the {MAX_CSV_COLUMNS} a BoM table may have",
                       path=str(path), line=_HEADER_LINE, code="bom-column")


def _read_frame(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    try:
        if suffix in {".xlsx", ".xlsm"}:
            frame = _read_workbook(path)
        elif suffix in {".csv", ".txt", ".tsv"}:
            _check_csv_width(path)
            with warnings.catch_warnings():
                # index_col=False: pandas would otherwise take a first row that is longer than
                # the header as an index column and shift every cell; refuse such rows instead.
                warnings.simplefilter("error", pd.errors.ParserWarning)
                frame = pd.read_csv(path, dtype=str, keep_default_na=False, sep=None,
                                    engine="python", encoding="utf-8-sig",
                                    skip_blank_lines=False, index_col=False)
        else:
            raise FmdError(f"unsupported BoM table type {suffix!r} (use .csv or .xlsx)",
                           path=str(path), code="wrong-format")
    except FmdError:
        raise
    except pd.errors.ParserWarning as exc:
        raise FmdError(f"cannot read BoM table: a row has more cells than the header ({exc})",
                       path=str(path), line=_HEADER_LINE + 1, code="bom-unreadable") from None
    except (ValueError, OSError, pd.errors.ParserError, UnicodeDecodeError, csv.Error) as exc:
        raise FmdError(f"cannot read BoM table: {exc}", path=str(path),
                       code="bom-unreadable") from None
    frame.columns = [_canonical(c) for c in frame.columns]
    duplicated = sorted(c for c in _COLUMNS if list(frame.columns).count(c) > 1)
    if duplicated:
        raise FmdError(f"column {duplicated[0]!r} appears more than once (aliases included)",
                       path=str(path), line=_HEADER_LINE, field=duplicated[0],
                       code="bom-column")
    missing = [c for c in _REQUIRED if c not in frame.columns]
    if missing:
        raise FmdError(f"BoM table lacks required column(s) {', '.join(missing)}",
                       path=str(path), line=_HEADER_LINE, field=missing[0], code="bom-column")
    return frame


def _text(value: object) -> str:
    # Cells missing from short rows (and all cells of empty lines) are NaN despite
    # keep_default_na=False; str() would turn them into "nan".
    return value.strip() if isinstance(value, str) else ""


def _cell(row: pd.Series, column: str) -> str | None:
    if column not in row.index:
        return None
    return _text(row[column]) or None


def read_bom(path: str | Path, decimal: str = "auto") -> BomTable:
    """Read and check a BoM table; raises ``FmdError`` naming file, line and column.

    ``decimal`` is the table's decimal separator (``units.DECIMAL_SEPARATORS``): with "auto"
    a number such as "1,500" or "1.500" in a CSV is refused as ambiguous. In a workbook the
    cells typed as numbers are unambiguous, so a point is always a decimal point there."""
    path = Path(path)
    if decimal not in DECIMAL_SEPARATORS:
        raise ValueError(f"decimal separator {decimal!r}: use one of "
                         f"{', '.join(DECIMAL_SEPARATORS)}")
    numbers = _NumberFormat(decimal, point_is_decimal=path.suffix.lower() in {".xlsx", ".xlsm"})
    spath = str(path)
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise FmdError(f"cannot read BoM table: {exc.strerror}", path=spath,
                       code="bom-unreadable") from None
    frame = _read_frame(path)
    products: dict[str, BomProduct] = {}

    for index, row in frame.iterrows():
        line = int(index) + _HEADER_LINE + 1
        if all(not _text(v) for v in row.values):
            continue  # blank spacer rows are common in hand-edited sheets
        product_number, bom_line = _read_line(row, line, spath, numbers)
        product = products.get(product_number)
        if product is None:
            product = BomProduct(product_number=product_number,
                                 name=_cell(row, "product_name"), lines=[])
            products[product_number] = product
        elif product.name is None:
            product.name = _cell(row, "product_name")
        product.lines.append(bom_line)

    if not products:
        raise FmdError("BoM table has no rows", path=spath, line=_HEADER_LINE,
                       code="bom-empty")
    for product in products.values():
        _check_structure(product, spath)
    # The resolved path is what is stored: a product's scenario.yaml and FMD files are found
    # next to its BoM from any working directory later.
    return BomTable(source_path=str(path.resolve()), sha256=digest,
                    products=list(products.values()))


@dataclass(frozen=True, slots=True)
class _NumberFormat:
    decimal: str
    point_is_decimal: bool

    def parse(self, text: str | None) -> float:
        return parse_number(text, self.decimal, point_is_decimal=self.point_is_decimal)


def _read_line(row: pd.Series, line: int, path: str,
               numbers: _NumberFormat = _NumberFormat("auto", False)) -> tuple[str, BomLine]:
    """One table row as (product number, ``BomLine``); raises ``FmdError`` naming the cell."""

    def fail(message: str, column: str) -> FmdError:
        return FmdError(message, path=path, line=line, field=column, code="bom-invalid",
                        part_number=_cell(row, "part_number"))

    product_number = _cell(row, "product_number")
    part_number = _cell(row, "part_number")
    if product_number is None:
        raise fail("product_number is blank", "product_number")
    if part_number is None:
        raise fail("part_number is blank", "part_number")
    try:
        quantity = numbers.parse(_cell(row, "quantity"))
    except UnitError as exc:
        raise fail(f"quantity: {exc}", "quantity") from None
    if quantity <= 0:
        raise fail(f"quantity {quantity:g} must be greater than zero", "quantity")

    mass_g: float | None = None
    raw_mass, mass_column, unit = _cell(row, "part_mass_g"), "part_mass_g", "g"
    if raw_mass is None and _cell(row, "part_mass") is not None:
        raw_mass, mass_column = _cell(row, "part_mass"), "part_mass"
        unit = _cell(row, "mass_unit") or "g"
    if raw_mass is not None:
        try:
            mass_g = to_grams(numbers.parse(raw_mass), unit)
        except UnitError as exc:
            raise fail(f"{mass_column}: {exc}", mass_column) from None
        if mass_g < 0:
            raise fail(f"part mass {mass_g:g} g is negative", mass_column)

    recycled = None
    kind_text, share_text = _cell(row, "recycled_kind"), _cell(row, "recycled_share")
    if kind_text or share_text:
        if not (kind_text and share_text):
            column = "recycled_share" if kind_text else "recycled_kind"
            raise fail("recycled_kind and recycled_share must be given together", column)
        try:
            share = numbers.parse(share_text.rstrip("% ")) / 100.0
        except UnitError as exc:
            raise fail(f"recycled_share: {exc}", "recycled_share") from None
        if not 0.0 <= share <= 1.0:
            raise fail(f"recycled_share {share * 100:g} % is outside 0–100 %", "recycled_share")
        try:
            recycled = RecycledContent(kind=parse_kind(kind_text), share=share, source="bom")
        except ValueError as exc:
            raise fail(str(exc), "recycled_kind") from None

    return product_number, BomLine(
        part_number=part_number,
        quantity=quantity,
        parent_part_number=_cell(row, "parent_part_number"),
        name=_cell(row, "part_name"),
        mass_g=mass_g,
        recycled=recycled,
        fmd_file=_cell(row, "fmd_file"),
        category=(_cell(row, "category") or "").lower() or None,
        line=line,
    )


def _check_structure(product: BomProduct, path: str) -> None:
    """Parents exist, no part appears twice under one parent, and the tree has no cycle."""
    seen: dict[tuple[str | None, str], int] = {}
    parts = {line.part_number for line in product.lines}
    parent_of: dict[str, str | None] = {}
    for line in product.lines:
        key = (line.parent_part_number, line.part_number)
        if key in seen:
            raise FmdError(f"part {line.part_number!r} is listed twice under the same parent "
                           f"(first on line {seen[key]}); merge the quantities",
                           path=path, line=line.line, field="part_number",
                           part_number=line.part_number, code="bom-duplicate")
        seen[key] = line.line or 0
        if line.parent_part_number is not None and line.parent_part_number not in parts:
            raise FmdError(f"parent part {line.parent_part_number!r} is not a line of product "
                           f"{product.product_number!r}", path=path, line=line.line,
                           field="parent_part_number", part_number=line.part_number,
                           code="bom-parent")
        parent_of.setdefault(line.part_number, line.parent_part_number)
    # Depth-first search over every (part → parent) edge, each visited once: walking up from
    # each line separately was cubic in the depth (a 5,000-level chain took minutes).
    edges: dict[str, list[BomLine]] = {}
    for line in product.lines:
        edges.setdefault(line.part_number, []).append(line)
    done: set[str] = set()
    for start in edges:
        if start in done:
            continue
        # path_lines[i]: the edge into path_parts[i] (none into the start)
        path_parts: list[str] = [start]
        path_lines: list[BomLine | None] = [None]
        on_path, stack = {start}, [iter(edges[start])]
        while stack:
            next_line = next(stack[-1], None)
            if next_line is None:
                stack.pop()
                finished = path_parts.pop()
                path_lines.pop()
                on_path.discard(finished)
                done.add(finished)
                continue
            line = next_line
            parent = line.parent_part_number
            if parent is None or parent in done:
                continue
            if parent in on_path:
                i = path_parts.index(parent)
                # every edge after the start's is a line (only path_lines[0] is None)
                cycle = [(part, edge) for part, edge in zip(
                    path_parts[i:], [*path_lines[i + 1:], line], strict=True) if edge is not None]
                k = min(range(len(cycle)), key=lambda j: cycle[j][1].line or 0)
                first = cycle[k][1]  # report the cycle from its first line in the file
                names = [part for part, _ in cycle[k:] + cycle[:k]]
                raise FmdError(f"BoM cycle: {' → '.join([*names, names[0]])}", path=path,
                               line=first.line, field="parent_part_number",
                               part_number=first.part_number, code="bom-cycle")
            path_parts.append(parent)
            path_lines.append(line)
            on_path.add(parent)
            stack.append(iter(edges.get(parent, [])))
