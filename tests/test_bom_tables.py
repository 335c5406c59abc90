"""BoM tables from CSV and XLSX: columns, multi-level structure and precise errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from fmd_parsers import FmdError, RecycledKind, read_bom

HEADER = ("product_number,product_name,part_number,parent_part_number,quantity,part_name,"
          "part_mass_g,recycled_kind,recycled_share,fmd_file,category")

ROWS = [
    "NB14,Notebook,BASE-ASSY,,1,Base assembly,,,,,mechanical",
    "NB14,Notebook,CCOV-01,BASE-ASSY,1,C-cover Mg-Al,182.5,recycled-metal,90,fmd/c.xml,mechanical",
    "NB14,Notebook,SCREW-M2,BASE-ASSY,24,Screw M2,0.11,,,,fasteners",
    "NB14,Notebook,BATT-FRAME,,1,Battery frame,21.0,PCC,97 %,fmd/b.xml,battery",
    "MON27,Monitor,STAND-01,,1,Stand,1450,,,,mechanical",
]


def write_csv(tmp_path: Path, rows: list[str], header: str = HEADER) -> Path:
    path = tmp_path / "bom.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_csv_multi_level_with_recycled_columns(tmp_path: Path) -> None:
    table = read_bom(write_csv(tmp_path, ROWS))
    assert [p.product_number for p in table.products] == ["NB14", "MON27"]
    notebook = table.products[0]
    assert notebook.name == "Notebook"
    cover = notebook.lines[1]
    assert (cover.part_number, cover.parent_part_number, cover.quantity, cover.mass_g) == (
        "CCOV-01", "BASE-ASSY", 1.0, 182.5)
    assert cover.recycled is not None
    assert (cover.recycled.kind, cover.recycled.share) == (RecycledKind.RECYCLED_METAL, 0.90)
    assert notebook.lines[2].quantity == 24.0
    frame = notebook.lines[3]
    assert frame.recycled is not None and frame.recycled.share == pytest.approx(0.97)
    assert frame.fmd_file == "fmd/b.xml" and frame.line == 5
    assert len(table.sha256) == 64


def test_xlsx_reads_the_same(tmp_path: Path) -> None:
    csv_table = read_bom(write_csv(tmp_path, ROWS))
    frame = pd.read_csv(tmp_path / "bom.csv", dtype=str, keep_default_na=False)
    xlsx = tmp_path / "bom.xlsx"
    frame.to_excel(xlsx, index=False)
    xlsx_table = read_bom(xlsx)
    assert [(ln.part_number, ln.quantity, ln.mass_g, ln.recycled) for p in xlsx_table.products
            for ln in p.lines] == [(ln.part_number, ln.quantity, ln.mass_g, ln.recycled)
                                   for p in csv_table.products for ln in p.lines]


def test_mass_with_a_unit_column(tmp_path: Path) -> None:
    path = write_csv(tmp_path, ["P,Prod,X-1,,2,Thing,1.5,kg"],
                     header="product_number,product_name,part_number,parent_part_number,"
                            "quantity,part_name,part_mass,mass_unit")
    assert read_bom(path).products[0].lines[0].mass_g == 1500.0


@pytest.mark.parametrize(
    ("rows", "line", "field", "message"),
    [
        (["NB14,N,A,,0,Thing,,,,,"], 2, "quantity", "greater than zero"),
        (["NB14,N,A,,two,Thing,,,,,"], 2, "quantity", "not a number"),
        (["NB14,N,A,,1,Thing,-3,,,,"], 2, "part_mass_g", "negative"),
        (["NB14,N,A,,1,Thing,,PCC,130,,"], 2, "recycled_share", "outside 0–100"),
        (["NB14,N,A,,1,Thing,,PCC,,,"], 2, "recycled_share", "together"),
        (["NB14,N,A,,1,Thing,,upcycled,20,,"], 2, "recycled_kind", "unknown recycled"),
        (["NB14,N,A,,1,T,,,,,", "NB14,N,B,MISSING,1,T,,,,,"], 3, "parent_part_number",
         "not a line"),
        (["NB14,N,A,B,1,T,,,,,", "NB14,N,B,A,1,T,,,,,"], 2, "parent_part_number", "cycle"),
        (["NB14,N,A,,1,T,,,,,", "NB14,N,A,,2,T,,,,,"], 3, "part_number", "twice"),
        ([",N,A,,1,T,,,,,"], 2, "product_number", "blank"),
    ],
)
def test_errors_name_file_line_and_column(tmp_path: Path, rows: list[str], line: int,
                                          field: str, message: str) -> None:
    path = write_csv(tmp_path, rows)
    with pytest.raises(FmdError) as info:
        read_bom(path)
    error = info.value
    assert (error.line, error.field) == (line, field)
    assert message in error.message
    assert str(error).startswith(f"{path}:{line}")


def test_missing_required_column(tmp_path: Path) -> None:
    path = write_csv(tmp_path, ["NB14,A"], header="product_number,part_number")
    with pytest.raises(FmdError, match="quantity") as info:
        read_bom(path)
    assert info.value.line == 1


def test_unsupported_file_type(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_text("{}")
    with pytest.raises(FmdError, match="unsupported BoM table type"):
        read_bom(path)
