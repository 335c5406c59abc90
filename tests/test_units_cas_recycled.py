"""Unit normalisation, CAS check digits and recycled-content wording."""

from __future__ import annotations

import pytest

from fmd_parsers.cas import cas_checksum_ok, normalise_cas
from fmd_parsers.model import RecycledKind
from fmd_parsers.recycled import parse_kind, parse_recycled_text
from fmd_parsers.units import UnitError, grams_of, parse_number, to_fraction, to_grams


@pytest.mark.parametrize(
    ("value", "unit", "grams"),
    [
        (1500.0, "mg", 1.5),
        (1.5, "g", 1.5),
        (1.2, "kg", 1200.0),
        (1.2, "KG", 1200.0),
        (250.0, "µg", 0.00025),
        (250.0, "ug", 0.00025),
        (1.0, "lb", 453.59237),
        (1.0, "oz", 28.349523125),
    ],
)
def test_masses_normalise_to_grams(value: float, unit: str, grams: float) -> None:
    assert to_grams(value, unit) == pytest.approx(grams, rel=1e-12)


@pytest.mark.parametrize(
    ("value", "unit", "fraction"),
    [(1000.0, "ppm", 0.001), (30.0, "massPercent", 0.30), (30.0, "%", 0.30),
     (12.5, "wt%", 0.125), (99.9, "mass%", 0.999)],
)
def test_concentrations_normalise_to_fractions(value: float, unit: str, fraction: float) -> None:
    assert to_fraction(value, unit) == pytest.approx(fraction, rel=1e-12)


def test_concentration_needs_a_reference_mass() -> None:
    # 20 000 ppm of a 2 g material is 0.04 g; without the material mass it is unknown
    assert grams_of(20000.0, "ppm", 2.0) == pytest.approx(0.04)
    assert grams_of(20000.0, "ppm", None) is None
    assert grams_of(3.0, "mg", None) == pytest.approx(0.003)


@pytest.mark.parametrize("unit", ["grain", "Each", "", "m2"])
def test_unknown_units_are_refused(unit: str) -> None:
    with pytest.raises(UnitError, match="unknown unit"):
        to_grams(1.0, unit)


def test_mass_and_concentration_are_not_interchangeable() -> None:
    with pytest.raises(UnitError, match="concentration, not a mass"):
        to_grams(5.0, "ppm")
    with pytest.raises(UnitError, match="mass, not a concentration"):
        to_fraction(5.0, "g")


@pytest.mark.parametrize(("text", "value"), [("1.25", 1.25), ("1,25", 1.25), (" 3e-3 ", 0.003)])
def test_numbers_accept_decimal_comma(text: str, value: float) -> None:
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text", [None, "", "abc", "nan", "inf"])
def test_bad_numbers_are_refused(text: str | None) -> None:
    with pytest.raises(UnitError):
        parse_number(text)


@pytest.mark.parametrize(
    ("cas", "ok"),
    [("7439-92-1", True), ("7440-50-8", True), ("117-81-7", True), ("7439-92-2", False),
     ("50-00-0", True), ("50-00-1", False), ("not-a-cas", False)],
)
def test_cas_check_digit(cas: str, ok: bool) -> None:
    # 7439-92-1 (lead): (1·2 + 2·9 + 3·9 + 4·3 + 5·4 + 6·7) = 121 → 121 mod 10 = 1 ✓
    assert cas_checksum_ok(cas) is ok


def test_cas_normalisation() -> None:
    assert normalise_cas(" 7439-92-1 ") == "7439-92-1"
    assert normalise_cas("7439921") == "7439-92-1"
    assert normalise_cas("lead") is None


@pytest.mark.parametrize(
    ("text", "kind", "share"),
    [
        ("PC/ABS, 30% PCC", RecycledKind.PCC, 0.30),
        ("PC+ABS 50 % PCR", RecycledKind.PCC, 0.50),
        ("Battery frame PC/ABS 97% post-consumer", RecycledKind.PCC, 0.97),
        ("Aluminium 6063 (75% recycled)", RecycledKind.RECYCLED_METAL, 0.75),
        ("Mg-Al AZ91D, 90% recycled", RecycledKind.RECYCLED_METAL, 0.90),
        ("PC closed-loop PCR 35%", RecycledKind.CL_PCC, 0.35),
        ("EPE cushion 30% OBP", RecycledKind.OBP, 0.30),
        ("PC 25 % PIC", RecycledKind.PIC, 0.25),
        ("Bamboo fibre tray (bio-based)", RecycledKind.BIO_BASED, 1.0),
        ("外壳 PC 阻燃, 95% PCR", RecycledKind.PCC, 0.95),
    ],
)
def test_recycled_content_from_words(text: str, kind: RecycledKind, share: float) -> None:
    found = parse_recycled_text(text)
    assert found is not None
    assert found.kind is kind
    assert found.share == pytest.approx(share)


@pytest.mark.parametrize("text", ["Aluminium alloy 6063", "PC/ABS V-0", "recycled", None, ""])
def test_no_recycled_content_without_a_share(text: str | None) -> None:
    assert parse_recycled_text(text) is None


def test_kind_names_and_aliases() -> None:
    assert parse_kind("pcr") is RecycledKind.PCC
    assert parse_kind("CL-PCC") is RecycledKind.CL_PCC
    with pytest.raises(ValueError, match="unknown recycled-content kind"):
        parse_kind("upcycled")
