"""Synthetic but well-formed IPC-1752A declarations of any size, for tests and benchmarks.

Compositions cycle through real substances (valid CAS numbers) so the parser does its full work:
CAS validation, unit conversion and mass balances all pass by construction.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fmd_parsers.model import (
    Declaration,
    DeclaredAmount,
    DeclaredPart,
    HomogeneousMaterial,
    Party,
    Substance,
)
from fmd_parsers.writer import write_ipc1752

#: (name, CAS) of substances common in electronics FMDs; every CAS passes its check digit.
SUBSTANCES: tuple[tuple[str, str], ...] = (
    ("Copper", "7440-50-8"), ("Tin", "7440-31-5"), ("Silver", "7440-22-4"),
    ("Nickel", "7440-02-0"), ("Gold", "7440-57-5"), ("Aluminium", "7429-90-5"),
    ("Iron", "7439-89-6"), ("Zinc", "7440-66-6"), ("Silicon", "7440-21-3"),
    ("Magnesium", "7439-95-4"), ("Chromium", "7440-47-3"), ("Manganese", "7439-96-5"),
    ("Palladium", "7440-05-3"), ("Cobalt", "7440-48-4"), ("Titanium dioxide", "13463-67-7"),
    ("Silicon dioxide", "7631-86-9"), ("Aluminium oxide", "1344-28-1"),
    ("Barium titanate", "12047-27-7"), ("Carbon black", "1333-86-4"),
    ("Epoxy resin (bisphenol A)", "25068-38-6"), ("Polycarbonate", "25037-45-0"),
    ("ABS copolymer", "9003-56-9"), ("Glass fibre", "65997-17-3"),
    ("Polyethylene terephthalate", "25038-59-9"), ("Polypropylene", "9003-07-0"),
    ("Polyamide 6", "25038-54-4"), ("Bismuth", "7440-69-9"), ("Antimony trioxide", "1309-64-4"),
    ("Calcium carbonate", "471-34-1"), ("Talc", "14807-96-6"),
)


def synthetic_declaration(part_number: str, substances: int, *, per_material: int = 10,
                          material_mass_g: float = 1.0, sha256: str = "") -> Declaration:
    """A declaration with ``substances`` substances spread over materials of ``per_material``."""
    materials: list[HomogeneousMaterial] = []
    remaining = substances
    index = 0
    while remaining > 0:
        count = min(per_material, remaining)
        share = material_mass_g / count
        subs = []
        for k in range(count):
            name, cas = SUBSTANCES[(index + k) % len(SUBSTANCES)]
            subs.append(Substance(name=name, cas=cas, mass_g=share,
                                  declared=DeclaredAmount(share * 1000.0, "mg", share)))
        materials.append(HomogeneousMaterial(
            name=f"Material {len(materials) + 1}", mass_g=material_mass_g,
            material_group="Other", substances=subs))
        remaining -= count
        index += count
    part = DeclaredPart(part_number=part_number, name=f"Synthetic part {part_number}",
                        mass_g=material_mass_g * len(materials), materials=materials)
    return Declaration(source_path="", sha256=sha256, format="IPC-1752A", format_version="2.1",
                       declaration_date=date(2026, 1, 1),
                       supplier=Party(company="Synthetic Supplier Ltd."), parts=[part])


def write_synthetic(path: str | Path, part_number: str, substances: int, **kwargs: float) -> Path:
    return write_ipc1752(synthetic_declaration(part_number, substances, **kwargs), path)  # type: ignore[arg-type]
