"""A part's electronics models as background inputs, and which mapped flows they replace.

``product_model`` maps every declared material first; for a part named in the scenario's
``part_electronics`` it then drops the mapped flows a model supersedes (a logic die's generic
per-cm² flow, the memory die flows, the panel-area fab flows of display glass, the laminate's
board flow, the per-kg MLCC flows when MLCCs are counted) and adds the model's flows. The
FMD's masses still decide everything else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .batteries import battery_flows, cell_rule_prefixes, replaces_cell_flows
from .dies import die_flows
from .displays import display_flows, replaced_datasets
from .flows import ModelFlow
from .memory import memory_flows
from .packages import has_substrate, package_flows, replaces_material
from .passives import passive_flows
from .passives import replaced_rule_prefixes as passive_replaced_rules
from .pcb import board_flows, replaced_rule_prefixes
from .spec import ElectronicsSettings, PartElectronics

#: mapping rules whose die flows a part's listed dies / memory replace
LOGIC_DIE_RULES = ("die-logic",)
MEMORY_DIE_RULES = ("die-dram", "die-nand")


def replaced(spec: PartElectronics, rule_id: str, dataset: str, material: str = "") -> bool:
    """Whether a mapped flow (rule, dataset, material name) is superseded by one of the part's
    models."""
    if spec.dies and rule_id.startswith(LOGIC_DIE_RULES):
        return True
    if (material and any(has_substrate(d) for d in spec.dies)
            and replaces_material(material)):
        return True
    if spec.memory is not None and rule_id.startswith(MEMORY_DIE_RULES):
        return True
    if spec.display is not None and dataset in replaced_datasets():
        return True
    if spec.passives and rule_id.startswith(passive_replaced_rules(spec.passives)):
        return True
    if replaces_cell_flows(spec.battery) and rule_id.startswith(cell_rule_prefixes()):
        return True
    return spec.board is not None and rule_id.startswith(replaced_rule_prefixes())


def part_model_flows(spec: PartElectronics, settings: ElectronicsSettings,
                     grid: Callable[[str], str], mapped_board_m2: float,
                     part_number: str, cell_kg: float = 0.0) -> Sequence[ModelFlow]:
    """Every model flow of one part, per unit of the part. ``grid`` resolves a region code to
    its electricity dataset; ``mapped_board_m2`` is the board area the laminate rules found;
    ``cell_kg`` the mass of the part's materials on the cell rules."""
    flows: list[ModelFlow] = []
    for die in spec.dies:
        flows.extend(die_flows(die, settings, grid(settings.fab_region)))
        flows.extend(package_flows(die))
    if spec.memory is not None:
        flows.extend(memory_flows(spec.memory, settings.semiconductor_basis))
    if spec.display is not None:
        flows.extend(display_flows(spec.display, settings, grid(settings.display_fab_region)))
    if spec.board is not None:
        area = spec.board.area_cm2 / 1e4 if spec.board.area_cm2 else mapped_board_m2
        if area <= 0:
            raise ValueError(f"part_electronics.{part_number}.board: the part declares no "
                             "laminate to derive the board area from; state area_cm2")
        flows.extend(board_flows(spec.board, area))
    flows.extend(passive_flows(spec.passives))
    flows.extend(battery_flows(spec.battery, cell_kg, part_number))
    return flows
