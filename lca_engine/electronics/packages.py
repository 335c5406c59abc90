"""IC packages by type and size: a package on a laminate or build-up substrate carries its
substrate as a small board (area × layers on the PCB rows of its construction); leadframe and
wafer-level packages carry only their declared materials. Assembly and test per package stay
ACT's constant, counted in the scenario's ``part_components`` (``data/electronics/packages.yaml``).
"""

from __future__ import annotations

import re
from functools import cache

from ._data import load
from .flows import ModelFlow
from .pcb import board_flows
from .spec import BoardSpec, DieSpec


class PackageModelError(ValueError):
    """A substrate package without its substrate size or layers, or an unknown type."""


def substrate_construction(package_type: str) -> str | None:
    types = load("packages")["types"]
    if package_type not in types:
        raise PackageModelError(f"package type {package_type!r} is not one of "
                                f"{', '.join(types)} (data/electronics/packages.yaml)")
    construction = types[package_type]["substrate"]
    return None if construction is None else str(construction)


@cache
def _replaced_materials() -> re.Pattern[str]:
    return re.compile(str(load("packages")["replaces_materials"]), re.IGNORECASE)


def replaces_material(material: str) -> bool:
    return bool(_replaced_materials().search(material))


def has_substrate(die: DieSpec) -> bool:
    return die.package is not None and substrate_construction(die.package.type) is not None


def package_flows(die: DieSpec) -> list[ModelFlow]:
    """The substrate of ``die.count`` packages (none for leadframe and wafer-level types)."""
    package = die.package
    if package is None:
        return []
    construction = substrate_construction(package.type)
    if construction is None:
        return []
    if package.substrate_mm2 is None or package.layers is None:
        raise PackageModelError(f"die {die.name!r}: a {package.type} package needs "
                                "substrate_mm2 and layers")
    area_m2 = die.count * package.substrate_mm2 / 1e6
    flows = board_flows(BoardSpec(layers=package.layers, construction=construction), area_m2)
    return [ModelFlow(f.dataset, f.amount,
                      f"{die.count} × {package.type} substrate of {die.name} "
                      f"({package.substrate_mm2:g} mm², {package.layers} layers): {f.label}",
                      f"package:{package.type}", f.gsd) for f in flows]
