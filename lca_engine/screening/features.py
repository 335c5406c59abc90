"""Features of the screening models, computed the same way for a published sheet (training) and
for a product to estimate: one function per feature name used in ``screening.yaml``."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ProductAttributes:
    """What the embodied and TEC models see of a product."""

    category: str
    year: int
    screen_in: float | None = None
    weight_kg: float | None = None
    maker: str | None = None
    #: the year the trend features see, when it differs from ``year``: an estimate clamps it to
    #: the training sheets' years (a trend is not extrapolated), while the maker-year level
    #: still looks up the real year
    trend_year: int | None = None


def maker_key(maker: str | None) -> str:
    return " ".join((maker or "").lower().split())


def _log(value: float | None) -> float | None:
    return math.log(value) if value is not None and value > 0 else None


#: feature name -> value (None = not known; the model imputes its training mean)
FEATURES: dict[str, Callable[[ProductAttributes], float | None]] = {
    "log_weight_kg": lambda p: _log(p.weight_kg),
    "weight_missing": lambda p: 0.0 if p.weight_kg is not None else 1.0,
    "screen_in": lambda p: p.screen_in,
    "log_screen_in": lambda p: _log(p.screen_in),
    "has_screen": lambda p: 1.0 if p.screen_in else 0.0,
    "year": lambda p: float(p.trend_year if p.trend_year is not None else p.year),
}


def feature_values(names: tuple[str, ...] | list[str], product: ProductAttributes
                   ) -> list[float | None]:
    try:
        return [FEATURES[name](product) for name in names]
    except KeyError as exc:
        raise KeyError(f"unknown screening feature {exc.args[0]!r}; known: "
                       f"{', '.join(sorted(FEATURES))}") from None


#: group effect name -> the level a product belongs to ("" = no level: the pooled one)
EFFECTS: dict[str, Callable[[ProductAttributes], str]] = {
    "maker": lambda p: maker_key(p.maker),
    "maker_year": lambda p: f"{maker_key(p.maker)}|{p.year}" if maker_key(p.maker) else "",
}


def effect_level(name: str, product: ProductAttributes) -> str:
    try:
        return EFFECTS[name](product)
    except KeyError:
        raise KeyError(f"unknown screening effect {name!r}; known: "
                       f"{', '.join(sorted(EFFECTS))}") from None
