"""DRAM and NAND on one of three named bases (``semiconductor_basis``):

``die-area``     capacity × 8 Gb/GB ÷ bit density of the generation = die area (cm²) × the
                 per-cm² die factor (default: the same physical basis as logic dies);
``fab``          capacity × the manufacturers' per-GB figures (bit-allocated fab emissions);
``per-gb-high``  capacity × the high per-GB literature (PAIA-style server and SSD LCAs).

The densities and the dataset of each basis are in ``data/electronics/memory.yaml``.
"""

from __future__ import annotations

from ._data import load
from .flows import ModelFlow, stated_gsd
from .spec import MemorySpec, SemiconductorBasis


class MemoryModelError(ValueError):
    """Unknown memory generation (the message lists the known ones)."""


def density_gb_per_mm2(kind: str, generation: str) -> float:
    generations = load("memory")["kinds"][kind]["generations"]
    try:
        return float(generations[generation]["density_gb_per_mm2"])
    except KeyError:
        raise MemoryModelError(f"{kind} generation {generation!r} is not in memory.yaml; known: "
                               f"{', '.join(generations)}") from None


def density_gsd(kind: str, generation: str) -> float | None:
    """The stated spread of a generation's bit density (None: none stated)."""
    entry = load("memory")["kinds"][kind]["generations"][generation]
    return stated_gsd(entry.get("density_gsd"), f"memory.yaml: {kind}.{generation}.density_gsd")


def die_area_cm2(spec: MemorySpec) -> float:
    bits = spec.capacity_gb * float(load("memory")["bits_per_byte"])
    return bits / density_gb_per_mm2(spec.kind, spec.generation) / 100.0


def memory_flows(spec: MemorySpec, basis: SemiconductorBasis) -> list[ModelFlow]:
    dataset = str(load("memory")["kinds"][spec.kind]["datasets"][basis])
    component = f"memory:{spec.kind}"
    if basis == "die-area":
        density = density_gb_per_mm2(spec.kind, spec.generation)
        area = die_area_cm2(spec)
        label = (f"{spec.capacity_gb:g} GB {spec.kind.upper()} × 8 Gb/GB ÷ {density:g} Gb/mm² "
                 f"({spec.generation}) = {area:.4g} cm² of die (basis die-area)")
        return [ModelFlow(dataset, area, label, component,
                          density_gsd(spec.kind, spec.generation))]
    density_gb_per_mm2(spec.kind, spec.generation)  # an unknown generation is refused on any basis
    return [ModelFlow(dataset, spec.capacity_gb,
                      f"{spec.capacity_gb:g} GB {spec.kind.upper()} × {dataset} (basis {basis})",
                      component)]
