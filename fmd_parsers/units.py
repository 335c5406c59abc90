"""Unit normalisation: one pint registry; masses to grams, concentrations to ppm.

Suppliers write masses as mg, g, kg (occasionally µg, lb, oz) and concentrations as ppm or mass
percent. IPC-1752A spells the latter ``massPercent``; others write ``%``, ``wt%`` or ``mass%``.
The declared value and unit are always kept beside the normalised figure (``DeclaredAmount``).
"""

from __future__ import annotations

import math
from functools import lru_cache

import pint

ureg = pint.UnitRegistry()
# Concentrations are dimensionless mass fractions.
ureg.define("mass_percent = 0.01 = massPercent")
ureg.define("parts_per_million_mass = 1e-6 = ppm_mass")

# Spellings seen in FMD files, mapped to the registry's canonical names. Keys are lower-case.
_ALIASES: dict[str, str] = {
    "g": "gram",
    "gram": "gram",
    "grams": "gram",
    "gr": "gram",
    "mg": "milligram",
    "milligram": "milligram",
    "milligrams": "milligram",
    "kg": "kilogram",
    "kilogram": "kilogram",
    "kilograms": "kilogram",
    "ug": "microgram",
    "µg": "microgram",
    "μg": "microgram",
    "mcg": "microgram",
    "microgram": "microgram",
    "lb": "pound",
    "lbs": "pound",
    "oz": "ounce",
    "t": "metric_ton",
    "ppm": "ppm_mass",
    "masspercent": "mass_percent",
    "mass%": "mass_percent",
    "mass percent": "mass_percent",
    "wt%": "mass_percent",
    "weight%": "mass_percent",
    "percent": "mass_percent",
    "%": "mass_percent",
}

_GRAM = ureg.gram
_DIMENSIONLESS = ureg.dimensionless


class UnitError(ValueError):
    """A unit the engine does not know, or a value that is not a finite number."""


@lru_cache(maxsize=256)
def _unit(unit: str) -> pint.Unit:
    key = unit.strip().lower()
    name = _ALIASES.get(key)
    if name is None:
        raise UnitError(f"unknown unit {unit!r} (expected one of mg, g, kg, ppm, massPercent, %)")
    return ureg.Unit(name)


@lru_cache(maxsize=256)
def _gram_factor(unit: str) -> float:
    return float(ureg.Quantity(1.0, _unit(unit)).to(_GRAM).magnitude)


@lru_cache(maxsize=256)
def _fraction_factor(unit: str) -> float:
    return float(ureg.Quantity(1.0, _unit(unit)).to(_DIMENSIONLESS).magnitude)


@lru_cache(maxsize=256)
def is_mass_unit(unit: str) -> bool:
    return _unit(unit).dimensionality == _GRAM.dimensionality


@lru_cache(maxsize=256)
def is_concentration_unit(unit: str) -> bool:
    return _unit(unit).dimensionless


def parse_number(text: str | None) -> float:
    """Parse a declared number; accepts a decimal comma ("1,5") as some ERP exports write it."""
    if text is None or not str(text).strip():
        raise UnitError("value is missing")
    raw = str(text).strip().replace("\u00a0", "").replace(" ", "")
    if "," in raw and "." not in raw:
        raw = raw.replace(",", ".")
    try:
        value = float(raw)
    except ValueError:
        raise UnitError(f"value {text!r} is not a number") from None
    if not math.isfinite(value):
        raise UnitError(f"value {text!r} is not a finite number")
    return value


def to_grams(value: float, unit: str) -> float:
    """Mass in grams; raises ``UnitError`` for concentrations or unknown units."""
    if not is_mass_unit(unit):
        raise UnitError(f"unit {unit!r} is a concentration, not a mass")
    grams = value * _gram_factor(unit)
    if not math.isfinite(grams):  # 1e308 kg is a finite number but no finite mass in grams
        raise UnitError(f"value {value!r} {unit} is too large a mass")
    return grams


def to_fraction(value: float, unit: str) -> float:
    """Mass fraction (0–1) for ppm / massPercent; raises ``UnitError`` for masses."""
    if not is_concentration_unit(unit):
        raise UnitError(f"unit {unit!r} is a mass, not a concentration")
    return value * _fraction_factor(unit)


def grams_of(value: float, unit: str, reference_g: float | None) -> float | None:
    """Grams for a mass unit, or the share of ``reference_g`` for a concentration unit."""
    if is_mass_unit(unit):
        return to_grams(value, unit)
    if reference_g is None:
        return None
    return to_fraction(value, unit) * reference_g
