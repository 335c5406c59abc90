"""The use stage of a screening estimate: TEC × lifetime × the engine's own grid factor.

The grid factor is the one a full footprint would use for the same region: the scenario defaults
map a region key to a cited row of ``data/background/energy.csv``. Sheets and users name use
locations loosely ("EU", "North America", "Worldwide"); ``region_aliases`` in ``screening.yaml``
maps those to the engine's region keys, and a location it cannot map is refused, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import yaml

from ..background import BackgroundFactor, factor_index
from ..scenario import DEFAULTS_FILE
from .config import ScreeningSettings, settings


@dataclass(frozen=True, slots=True)
class GridFactor:
    """The life-cycle grid factor of a use region, with the background row it comes from."""

    region: str
    key: str
    kg_co2e_per_kwh: float
    source: str
    year: int

    @classmethod
    def of(cls, region: str, factor: BackgroundFactor) -> GridFactor:
        return cls(region=region, key=factor.key, kg_co2e_per_kwh=factor.gwp100_kg_co2e,
                   source=factor.source, year=factor.year)


@cache
def _engine_regions() -> dict[str, str]:
    with DEFAULTS_FILE.open(encoding="utf-8") as handle:
        return {str(k): str(v) for k, v in yaml.safe_load(handle)["regions"].items()}


def resolve_region(location: str, config: ScreeningSettings | None = None) -> str:
    """The engine region key for a use location ("EU" -> "EU27"); ValueError when unknown."""
    config = config or settings()
    text = " ".join(location.strip().upper().split())
    regions = _engine_regions()
    if text in regions:
        return text
    alias = config.region_aliases.get(text)
    if alias is not None and alias in regions:
        return alias
    known = sorted(set(regions) | set(config.region_aliases))
    raise ValueError(f"unknown use region {location!r}; known: {', '.join(known)}")


def grid_factor(location: str, config: ScreeningSettings | None = None) -> GridFactor:
    region = resolve_region(location, config)
    key = _engine_regions()[region]
    return GridFactor.of(region, factor_index()[key])


def use_stage_kg(tec_kwh_per_year: float, lifetime_years: float, grid: GridFactor) -> float:
    """kg CO2e of the use stage: yearly energy × years × kg CO2e per kWh."""
    return tec_kwh_per_year * lifetime_years * grid.kg_co2e_per_kwh
