"""Display panels: the panel maker's fab per m² of active area.

Active area from the diagonal and aspect ratio; per m²: fab electricity (kWh) at the panel fab's
grid, fuel combustion, and fluorinated process gases as the IPCC Tier 1 default × (1 −
abatement). LCD and OLED have their own kWh and fuel rows (OLED's derived from the LCD fab by
a cited line-energy ratio, with a wide uncertainty). The module's own materials stay mapped
from its FMD. Numbers in ``data/electronics/displays.yaml`` and the cited background rows.
"""

from __future__ import annotations

import math

from ._data import load
from .flows import ModelFlow, stated_gsd
from .spec import DisplaySpec, ElectronicsSettings

SQUARE_INCH_M2 = 0.0254**2


class DisplayModelError(ValueError):
    """A technology whose entry in displays.yaml is empty (no cited data), refused with the
    reason."""


def active_area_m2(diagonal_in: float, aspect: str) -> float:
    """Width × height of a ``diagonal_in`` screen with aspect ``w:h``."""
    w, h = (float(x) for x in aspect.split(":"))
    hypotenuse = math.hypot(w, h)
    return diagonal_in**2 * (w / hypotenuse) * (h / hypotenuse) * SQUARE_INCH_M2


def replaced_datasets() -> frozenset[str]:
    return frozenset(load("displays")["replaces_datasets"])


def display_flows(spec: DisplaySpec, settings: ElectronicsSettings, grid_dataset: str
                  ) -> list[ModelFlow]:
    data = load("displays")["technologies"].get(spec.technology)
    if data is None:
        raise DisplayModelError(
            f"display technology {spec.technology!r}: no cited per-m² fab data ships for it "
            "(data/electronics/displays.yaml); model the part by its materials (no display "
            "model) or add a cited row")
    area = active_area_m2(spec.diagonal_in, spec.aspect)
    kwh = float(data["fab_kwh_per_m2"])
    kwh_gsd = stated_gsd(data.get("fab_kwh_gsd"), f"displays.yaml: {spec.technology}.fab_kwh_gsd")
    abatement = settings.display_fgas_abatement
    basis = f"{spec.diagonal_in:g}-inch {spec.aspect} {spec.technology.upper()} = {area:.5f} m²"
    return [
        ModelFlow(grid_dataset, area * kwh,
                  f"{basis} × {kwh:g} kWh/m² panel fab electricity "
                  f"({settings.display_fab_region} grid)", "display", kwh_gsd),
        ModelFlow(str(data["fuels_dataset"]), area, f"{basis} × fab fuel combustion", "display"),
        ModelFlow(str(data["fgas_dataset"]), area * (1.0 - abatement),
                  f"{basis} × (1 − {abatement:g} abatement) × IPCC Tier 1 F-gases", "display"),
    ]
