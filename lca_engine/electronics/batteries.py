"""Lithium-ion cells of a part on a named basis (``data/electronics/batteries.yaml``):

``cell-capacity``  the default: the FMD's cathode coating → capacity × a per-kWh cell factor (the
                   mapping rules ``cell-nmc`` / ``cell-lfp`` / ``cell-lco``; nothing to do here);
``cell-mass``      the mass of the materials on the cell rules × the per-kg median of a
                   meta-analysis of Li-ion battery LCAs (Clemente et al. 2025), replacing the
                   per-kWh flow.
"""

from __future__ import annotations

from ._data import load
from .flows import ModelFlow
from .spec import BatterySpec


def cell_rule_prefixes() -> tuple[str, ...]:
    return tuple(str(p) for p in load("batteries")["cell_rules"])


def replaces_cell_flows(spec: BatterySpec | None) -> bool:
    """Whether the part's mapped cell flows are superseded (only on the cell-mass basis)."""
    return spec is not None and spec.basis == "cell-mass"


def battery_flows(spec: BatterySpec | None, cell_kg: float, part_number: str
                  ) -> list[ModelFlow]:
    """``cell_kg``: mass of the part's materials on the cell rules, per unit of the part."""
    if not replaces_cell_flows(spec):
        return []
    if cell_kg <= 0:
        raise ValueError(f"part_electronics.{part_number}.battery: basis cell-mass, but the "
                         "part declares no material on a cell rule (cathode, anode, separator, "
                         "electrolyte, pouch)")
    dataset = str(load("batteries")["datasets"]["cell-mass"])
    return [ModelFlow(dataset, cell_kg,
                      f"{cell_kg * 1000:.4g} g of cell materials × {dataset} (basis cell-mass)",
                      "battery:cells")]
