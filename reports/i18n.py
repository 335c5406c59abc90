"""Fixed texts (``i18n/<lang>.yaml``) and locale-aware number and date formatting.

Every sentence a report prints comes from the translation file of its language; a key missing
from one language is an error in the tests, never a silent fallback. Numbers are formatted with
Babel's CLDR data (``en_GB`` / ``zh_Hans_CN``); the JSON output keeps the raw values.
"""

from __future__ import annotations

import math
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

I18N_DIR = Path(__file__).with_name("i18n")
LANGS = ("en", "zh")
LOCALES = {"en": "en_GB", "zh": "zh_Hans_CN"}


@cache
def _default_fu_template() -> str | None:
    from lca_engine.scenario import DEFAULTS_FILE

    with DEFAULTS_FILE.open(encoding="utf-8") as handle:
        return (yaml.safe_load(handle) or {}).get("functional_unit")


class MissingTextError(KeyError):
    """A text key that the translation file does not define."""


@cache
def _texts(lang: str) -> dict[str, Any]:
    with (I18N_DIR / f"{lang}.yaml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": "x"}}`` → ``{"a.b": "x"}`` (lists stay values)."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


class Translator:
    """Texts and number formats of one language."""

    def __init__(self, lang: str) -> None:
        if lang not in LANGS:
            raise ValueError(f"language {lang!r} is not one of {', '.join(LANGS)}")
        self.lang = lang
        self.locale = LOCALES[lang]
        self._flat = flatten(_texts(lang))

    def has(self, key: str) -> bool:
        return key in self._flat

    def t(self, key: str, **params: Any) -> Any:
        """The text of ``key``; ``{name}`` placeholders are filled from ``params``."""
        try:
            value = self._flat[key]
        except KeyError:
            raise MissingTextError(f"no text {key!r} in reports/i18n/{self.lang}.yaml") from None
        if isinstance(value, str) and params:
            return value.format(**params)
        return value

    def opt(self, key: str, default: str = "") -> Any:
        """The text of ``key`` if the file defines it (for open-ended keys such as regions)."""
        return self._flat.get(key, default)

    # -- numbers ---------------------------------------------------------------------------

    def num(self, value: float | None, digits: int = 2) -> str:
        """Fixed decimals with the locale's grouping: 1,234.57."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "—"
        if abs(value) < 0.5 * 10 ** -digits:
            value = 0.0  # no "-0.00"
        pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def kg(self, value: float | None) -> str:
        """kg CO2e as reports print them: two decimals."""
        return self.num(value, 2)

    def sig(self, value: float | None, figures: int = 4) -> str:
        """A factor with ``figures`` significant digits (0.000123 stays readable)."""
        if value is None:
            return "—"
        if value == 0:
            return "0"
        digits = max(0, figures - 1 - math.floor(math.log10(abs(value))))
        return self.num(value, min(digits, 8))

    def pct(self, value: float | None, digits: int = 1) -> str:
        if value is None:
            return "—"
        if abs(value) < 0.5 * 10 ** -(digits + 2):
            value = 0.0
        pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "") + "%"
        return format_percent(value, format=pattern, locale=self.locale)

    def signed(self, value: float, digits: int = 2) -> str:
        text = self.num(value, digits)
        return text if text.startswith(("-", "−")) or text.strip("0.,") == "" else "+" + text

    def signed_pct(self, value: float, digits: int = 1) -> str:
        text = self.pct(value, digits)
        return text if text.startswith(("-", "−")) or text.strip("0.,%") == "" else "+" + text

    def date(self, value: date | str | None) -> str:
        if value is None:
            return "—"
        if isinstance(value, str):
            value = date.fromisoformat(value[:10])
        return format_date(value, format="long", locale=self.locale)

    # -- shared vocabulary -----------------------------------------------------------------

    def stage(self, stage: str) -> str:
        return str(self.t(f"stages.{stage}"))

    def fu(self, footprint: dict[str, Any]) -> str:
        """The functional unit in this language when it is the engine's default wording (a
        product's own wording from its scenario file is printed as written)."""
        scenario = footprint.get("scenario") or {}
        if self.lang != "en" and scenario.get("functional_unit") == _default_fu_template():
            years = float(scenario.get("lifetime_years") or 0)
            return str(self.t("common.functional_unit",
                              product=footprint.get("name") or footprint.get("product"),
                              years=f"{years:g}"))
        return str(footprint["functional_unit"])

    def unit(self, code: str | None) -> str:
        """A dataset's reference unit as printed: m2 → m², kWh_capacity → kWh (capacity)."""
        if not code:
            return ""
        return str(self.opt(f"unit_names.{code}", code))

    def region(self, code: str) -> str:
        name = self.opt(f"regions.{code}")
        return f"{name} ({code})" if name else code


def all_keys(lang: str) -> set[str]:
    return set(flatten(_texts(lang)))


__all__ = ["LANGS", "MissingTextError", "Translator", "all_keys"]
