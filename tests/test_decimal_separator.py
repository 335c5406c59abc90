"""An ambiguous number ("1,500": 1.5 with a decimal comma, or 1500 with a thousands separator)
is refused naming file, line and field, unless the file's decimal separator is stated
(issue 12, item 10). Unambiguous decimal commas ("1,5") stay accepted."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from fmd_parsers import FmdError, read_bom
from fmd_parsers.iec62474 import parse_iec62474
from fmd_parsers.ipc1752 import parse_ipc1752
from fmd_parsers.units import UnitError, parse_number
from fmd_parsers.validation import ValidationPolicy
from tests.conftest import run_cli

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize(("text", "decimal", "value"), [
    ("1,5", "auto", 1.5),            # one or two digits after the comma: a decimal comma
    ("1,25", "auto", 1.25),
    ("0,500", "auto", 0.5),          # a thousands group never starts with a lone 0
    ("1234,567", "auto", 1234.567),  # a first group of four digits is no thousands grouping
    ("1,500,000", "auto", 1_500_000),  # two commas: thousands, a decimal has only one
    ("1,500.25", "auto", 1500.25),   # both separators: the last is the decimal one
    ("1.500,25", "auto", 1500.25),
    ("1,5e3", "auto", 1500.0),
    ("1,500", "point", 1500.0),      # stated: the comma groups thousands
    ("1,500", "comma", 1.5),         # stated: the comma is the decimal separator
    ("1.500", "comma", 1500.0),      # ... and a point groups thousands
    ("12.345", "point", 12.345),
])
def test_numbers_read_under_the_stated_separator(text: str, decimal: str, value: float) -> None:
    assert parse_number(text, decimal) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("text", ["1,500", "-1,500", "12,345", "999,999", "1.500", "12.345"])
def test_ambiguous_numbers_are_refused_unless_stated(text: str) -> None:
    sep = "," if "," in text else "."
    whole, fraction = text.split(sep)
    with pytest.raises(UnitError) as caught:
        parse_number(text)
    assert str(caught.value).startswith(
        f"value {text!r} is ambiguous: {float(whole + '.' + fraction):g} with a decimal "
        f"{'comma' if sep == ',' else 'point'}, or {int(whole + fraction)} with a thousands "
        "separator")
    assert "--decimal-separator" in str(caught.value)


def test_numbers_that_do_not_fit_the_stated_separator_are_refused() -> None:
    for text, decimal in [("1,5", "point"), ("1.5", "comma"), ("1.500,25", "point"),
                          ("1,500.25", "comma")]:
        with pytest.raises(UnitError, match="is not a number"):
            parse_number(text, decimal)


def test_xml_point_is_a_decimal_point() -> None:
    # XML Schema decimals write a point: "1.500" in an FMD is 1.5, never 1500
    assert parse_number("1.500", point_is_decimal=True) == 1.5
    with pytest.raises(UnitError, match="ambiguous"):
        parse_number("1,500", point_is_decimal=True)


BOM_HEADER = "product_number,part_number,quantity,part_mass_g\n"


def test_bom_ambiguous_mass_names_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_text(BOM_HEADER + 'P1,A,1,"2,5"\nP1,B,2,"1,500"\n', encoding="utf-8")
    with pytest.raises(FmdError) as caught:
        read_bom(path)
    error = caught.value
    assert (error.path, error.line, error.field) == (str(path), 3, "part_mass_g")
    assert "'1,500' is ambiguous: 1.5 with a decimal comma, or 1500" in str(error)
    stated_comma = {line.part_number: line.mass_g
                    for line in read_bom(path, "comma").products[0].lines}
    assert stated_comma == {"A": 2.5, "B": 1.5}
    with pytest.raises(FmdError, match="'2,5' is not a number"):  # no decimal comma under point
        read_bom(path, "point")
    path.write_text(BOM_HEADER + 'P1,B,2,"1,500"\n', encoding="utf-8")
    assert read_bom(path, "point").products[0].lines[0].mass_g == 1500.0


def test_bom_point_with_three_decimals_is_ambiguous_in_csv_not_in_xlsx(tmp_path: Path) -> None:
    csv_path = tmp_path / "bom.csv"
    csv_path.write_text(BOM_HEADER + "P1,A,1,12.345\n", encoding="utf-8")
    with pytest.raises(FmdError, match=r"'12\.345' is ambiguous") as caught:
        read_bom(csv_path)
    assert (caught.value.line, caught.value.field) == (2, "part_mass_g")
    assert read_bom(csv_path, "point").products[0].lines[0].mass_g == pytest.approx(12.345)
    xlsx_path = tmp_path / "bom.xlsx"
    pd.DataFrame({"product_number": ["P1"], "part_number": ["A"], "quantity": [1],
                  "part_mass_g": [12.345]}).to_excel(xlsx_path, index=False)
    assert read_bom(xlsx_path).products[0].lines[0].mass_g == pytest.approx(12.345)


def test_ipc1752_ambiguous_amount_rejected_naming_line_and_field(tmp_path: Path) -> None:
    text = (FIXTURES / "ipc" / "cover_ok.xml").read_text(encoding="utf-8")
    assert '<Amount value="2000" UOM="mg"/>' in text  # the anodising layer, line 26
    path = tmp_path / "cover.xml"
    path.write_text(text.replace('<Amount value="2000" UOM="mg"/>',
                                 '<Amount value="2,000" UOM="mg"/>'), encoding="utf-8")
    with pytest.raises(FmdError) as caught:
        parse_ipc1752(path)
    assert (caught.value.path, caught.value.line) == (str(path), 26)
    assert caught.value.field is not None and caught.value.field.endswith("Amount@value")
    assert "'2,000' is ambiguous" in str(caught.value)
    # stated: thousands separator → 2000 mg, the file balances (148 g + 2 g = 150 g)
    decl = parse_ipc1752(path, ValidationPolicy(decimal_separator="point"))
    assert sum(m.mass_g for m in decl.parts[0].materials) == pytest.approx(150.0)


def test_iec62474_ambiguous_mass_rejected_naming_line_and_field(tmp_path: Path) -> None:
    text = (FIXTURES / "iec62474" / "cable_ppm.xml").read_text(encoding="utf-8")
    path = tmp_path / "cable.xml"
    path.write_text(text.replace('<Mass mass="25000" unitOfMeasure="mg"/>',
                                 '<Mass mass="25,000" unitOfMeasure="mg"/>'), encoding="utf-8")
    with pytest.raises(FmdError) as caught:
        parse_iec62474(path)
    assert (caught.value.path, caught.value.line) == (str(path), 38)
    assert caught.value.field is not None and "Mass" in caught.value.field
    assert "'25,000' is ambiguous" in str(caught.value)
    # the fixture also writes a decimal comma ("0,8" %): a file stated to use a decimal point
    # must not, so that value is refused too; written "0.8", the file reads as intended
    with pytest.raises(FmdError, match="'0,8' is not a number"):
        parse_iec62474(path, ValidationPolicy(decimal_separator="point"))
    path.write_text(path.read_text(encoding="utf-8").replace('"0,8"', '"0.8"'),
                    encoding="utf-8")
    decl = parse_iec62474(path, ValidationPolicy(decimal_separator="point"))
    conductor = next(m for m in decl.parts[0].materials if m.name == "Tinned copper conductor")
    assert conductor.mass_g == pytest.approx(25.0)  # "25,000" mg


def test_cli_import_states_the_separator(home: Path, tmp_path: Path) -> None:
    text = (FIXTURES / "ipc" / "cover_ok.xml").read_text(encoding="utf-8")
    path = tmp_path / "cover.xml"
    path.write_text(text.replace('<Amount value="2000" UOM="mg"/>',
                                 '<Amount value="2,000" UOM="mg"/>'), encoding="utf-8")
    code, _, err = run_cli(home, "import", str(path))
    assert code == 1 and "ambiguous" in err and ":26" in err
    code, _, err = run_cli(home, "import", str(path), "--decimal-separator", "point")
    assert code == 0, err
