"""Logic dies: fab carbon per processed cm² by node, divided by an area-dependent yield.

For ``count`` dies of area ``A`` (cm²) on node ``n`` the fab processes ``count · A / Y`` cm² of
wafer, with the negative-binomial yield

    Y = (1 + D0(n) · A / alpha) ^ −alpha          (ECO-CHIP, alpha = 10)

and charges per processed cm²: ``EPA(n)`` kWh of electricity at the fab's grid, the node's
process-gas emissions at the stated abatement level, and the wafer materials (ACT Table 1). The
numbers live in ``data/electronics/dies.yaml`` and the cited background rows.

Each flow carries the uncertainty of its amount: the wafer area the spread of ``D0`` through the
yield's elasticity ``D0·A / (1 + D0·A/alpha)``, the fab electricity that and the spread of
``EPA(n)`` (both pedigree-derived in dies.yaml).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

from ._data import load
from .flows import ModelFlow, combined_gsd, stated_gsd
from .spec import DieSpec, ElectronicsSettings


class DieModelError(ValueError):
    """A die names a node the data file does not cover (the message lists the known nodes)."""


@dataclass(frozen=True, slots=True)
class Node:
    name: str
    fab_kwh_per_cm2: float
    defect_density_per_cm2: float
    defect_density_basis: str
    process_gases: dict[float, str]  # abatement level → background dataset per cm²
    fab_kwh_gsd: float | None = None
    defect_density_gsd: float | None = None


@cache
def nodes() -> dict[str, Node]:
    data = load("dies")
    return {name: Node(name, float(raw["fab_kwh_per_cm2"]),
                       float(raw["defect_density_per_cm2"]),
                       " ".join(str(raw["defect_density_basis"]).split()),
                       {float(k): str(v) for k, v in raw["process_gases"].items()},
                       stated_gsd(raw.get("fab_kwh_gsd"), f"dies.yaml: {name}.fab_kwh_gsd"),
                       stated_gsd(raw.get("defect_density_gsd"),
                                  f"dies.yaml: {name}.defect_density_gsd"))
            for name, raw in data["nodes"].items()}


def yield_alpha() -> float:
    return float(load("dies")["yield_model"]["alpha"])


def wafer_materials_dataset() -> str:
    return str(load("dies")["wafer_materials_dataset"])


def negative_binomial_yield(area_cm2: float, defect_density_per_cm2: float,
                            alpha: float) -> float:
    """Share of good dies: (1 + D0 · A / alpha) ^ −alpha."""
    return float((1.0 + defect_density_per_cm2 * area_cm2 / alpha) ** -alpha)


def wafer_area_gsd(area_cm2: float, defect_density_per_cm2: float, alpha: float,
                   defect_density_gsd: float | None) -> float | None:
    """The spread of the processed wafer area per good die, A / Y, from the spread of D0: its
    elasticity d ln(A/Y) / d ln D0 = D0·A / (1 + D0·A/alpha) times ln gsd(D0), to first order."""
    if defect_density_gsd is None or defect_density_gsd <= 1.0:
        return None
    defects = defect_density_per_cm2 * area_cm2
    elasticity = defects / (1.0 + defects / alpha)
    return math.exp(elasticity * math.log(defect_density_gsd))


def node_of(die: DieSpec, settings: ElectronicsSettings) -> Node:
    name = die.node or settings.default_node[die.ic_class]
    try:
        return nodes()[name]
    except KeyError:
        raise DieModelError(f"die {die.name!r}: node {name!r} is not in dies.yaml; known: "
                            f"{', '.join(nodes())}") from None


def die_flows(die: DieSpec, settings: ElectronicsSettings, grid_dataset: str
              ) -> list[ModelFlow]:
    """The background inputs of ``die.count`` good dies (per unit of the part)."""
    node = node_of(die, settings)
    area_cm2 = die.area_mm2 / 100.0
    alpha = yield_alpha()
    good = negative_binomial_yield(area_cm2, node.defect_density_per_cm2, alpha)
    wafer_cm2 = die.count * area_cm2 / good
    d0 = node.defect_density_per_cm2
    basis = (f"{die.count} × {die.name} {area_cm2:g} cm² {node.name} ÷ yield {good:.4f} "
             f"[(1 + {d0:g}/cm² × {area_cm2:g} cm² / {alpha:g})^−{alpha:g}]"
             f" = {wafer_cm2:.4g} cm² of processed wafer")
    gases = node.process_gases[settings.process_gas_abatement]
    component = f"die:{die.ic_class}"
    wafer_gsd = wafer_area_gsd(area_cm2, d0, alpha, node.defect_density_gsd)
    return [
        ModelFlow(grid_dataset, wafer_cm2 * node.fab_kwh_per_cm2,
                  f"{basis} × {node.fab_kwh_per_cm2:g} kWh/cm² fab electricity "
                  f"({settings.fab_region} grid)", component,
                  combined_gsd(node.fab_kwh_gsd, wafer_gsd)),
        ModelFlow(gases, wafer_cm2,
                  f"{basis} × process gases at {settings.process_gas_abatement:.0%} abatement",
                  component, wafer_gsd),
        ModelFlow(wafer_materials_dataset(), wafer_cm2, f"{basis} × wafer materials", component,
                  wafer_gsd),
    ]
