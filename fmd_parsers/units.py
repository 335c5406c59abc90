"""Unit normalisation: one pint registry; masses to grams, concentrations to ppm.

Suppliers write masses as mg, g, kg (occasionally µg, lb, oz) and concentrations as ppm or mass
percent. IPC-1752A spells the latter ``massPercent``; others write ``%``, ``wt%`` or ``mass%``.
The declared value and unit are always kept beside the normalised figure (``DeclaredAmount``).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

import pint

ureg: pint.UnitRegistry[float] = pint.UnitRegistry()
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


#: How a file writes its numbers. "auto" (the default) reads what is unambiguous and refuses the
#: rest: "1,5" is 1.5 (a decimal comma, as some ERP exports write it) and "1,500,000" is 1.5e6,
#: but "1,500" is refused because 1.5 (decimal comma) and 1500 (thousands separator) are equally
#: plausible. "point" states a decimal point (a comma may only group thousands: "1,500" = 1500);
#: "comma" states a decimal comma (a point may only group thousands: "1.500" = 1500).
DECIMAL_SEPARATORS = ("auto", "point", "comma")

# digits grouped in threes by `sep`, the first group 1–3 digits and not a lone 0 ("0,500" is
# never a thousands grouping)
_GROUPED = {sep: re.compile(r"[+-]?(?:[1-9]\d{0,2})(?:" + re.escape(sep) + r"\d{3})+")
            for sep in ",."}


def _ambiguous(raw: str, sep: str) -> bool:
    """One separator with exactly three digits after it, read either way: '1,500', '12.500'."""
    return raw.count(sep) == 1 and bool(_GROUPED[sep].fullmatch(raw))


def parse_number(text: str | None, decimal: str = "auto", *,
                 point_is_decimal: bool = False) -> float:
    """Parse a declared number under the file's stated ``decimal`` separator
    (``DECIMAL_SEPARATORS``). ``point_is_decimal`` is for formats whose numbers are typed
    (XML Schema decimals, spreadsheet number cells): a point there is always a decimal point.
    An ambiguous number raises ``UnitError`` saying how to state the separator."""
    if decimal not in DECIMAL_SEPARATORS:
        raise ValueError(f"decimal separator {decimal!r}: use one of {DECIMAL_SEPARATORS}")
    if text is None or not str(text).strip():
        raise UnitError("value is missing")
    raw = str(text).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    mantissa, exponent = raw, ""
    found = re.fullmatch(r"(.*?\d)([eE][+-]?\d+)", raw)
    if found:
        mantissa, exponent = found.groups()
    comma, point = "," in mantissa, "." in mantissa
    if comma and point:
        # both: the last one is the decimal separator and the other must group thousands
        decimal_sep = "," if mantissa.rfind(",") > mantissa.rfind(".") else "."
        group_sep = "." if decimal_sep == "," else ","
        whole, _, fraction = mantissa.rpartition(decimal_sep)
        stated = {"point": ".", "comma": ","}.get(decimal, decimal_sep)
        if decimal_sep != stated or not _GROUPED[group_sep].fullmatch(whole) or \
                not fraction.isdigit():
            raise UnitError(f"value {text!r} is not a number (separators do not fit "
                            f"{'a decimal ' + decimal if decimal != 'auto' else 'any locale'})")
        mantissa = whole.replace(group_sep, "") + "." + fraction
    elif comma:
        if decimal == "point" or (decimal == "auto" and mantissa.count(",") > 1):
            if not _GROUPED[","].fullmatch(mantissa):
                raise UnitError(f"value {text!r} is not a number (with a decimal point, a "
                                "comma may only separate groups of three digits)")
            mantissa = mantissa.replace(",", "")
        elif decimal == "auto" and _ambiguous(mantissa, ","):
            raise UnitError(_ambiguity(text, ","))
        else:
            mantissa = mantissa.replace(",", ".")
    elif point and not point_is_decimal:
        if decimal == "comma" or (decimal == "auto" and mantissa.count(".") > 1):
            if not _GROUPED["."].fullmatch(mantissa):
                raise UnitError(f"value {text!r} is not a number (with a decimal comma, a "
                                "point may only separate groups of three digits)")
            mantissa = mantissa.replace(".", "")
        elif decimal == "auto" and _ambiguous(mantissa, "."):
            raise UnitError(_ambiguity(text, "."))
    try:
        value = float(mantissa + exponent)
    except ValueError:
        raise UnitError(f"value {text!r} is not a number") from None
    if not math.isfinite(value):
        raise UnitError(f"value {text!r} is not a finite number")
    return value


def _ambiguity(text: str, sep: str) -> str:
    whole, _, fraction = str(text).strip().partition(sep)
    name = "comma" if sep == "," else "point"
    return (f"value {text!r} is ambiguous: {float(whole + '.' + fraction):g} with a decimal "
            f"{name}, or {int(whole + fraction)} with a thousands separator; state the file's "
            "decimal separator (gscdm import --decimal-separator comma|point)")


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
