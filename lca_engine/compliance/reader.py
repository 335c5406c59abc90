"""The composition data screening needs, read with SQLAlchemy Core row queries.

``lca_engine.db.queries`` views leave out what compliance needs (substance authority and category,
exemption authorities, material comments that name sub-products), so this module reads its own
rows - Core only, never ORM entities (see README "Engineering notes": CPython 3.11.7 can double-free
when SQLAlchemy's instance-state weakref callbacks run during garbage collection).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lca_engine.db import models as m
from lca_engine.db.queries import declared_categories


@dataclass(slots=True)
class SubstanceRow:
    name: str
    cas: str | None
    authority: str | None
    identity: str | None
    mass_g: float | None
    concentration_ppm: float | None
    category: str | None
    exemptions: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class MaterialRow:
    name: str
    mass_g: float | None
    comment: str | None
    exemptions: list[dict[str, Any]] = field(default_factory=list)
    material_group: str | None = None
    material_class: str | None = None
    substances: list[SubstanceRow] = field(default_factory=list)


@dataclass(slots=True)
class PartRow:
    part_number: str
    name: str | None
    mass_g: float | None
    declaration_file: str
    declaration_date: str | None
    unit_type: str | None = None  # "Each", or a mass unit for chemical products ("g", "kg")
    materials: list[MaterialRow] = field(default_factory=list)
    #: what the declaration states beside the composition: IPC-1752A Class C categories
    #: (``extra["class_c"]``) and IEC 62474 declarations for compliance (``extra["compliance"]``)
    declared_categories: list[dict[str, Any]] = field(default_factory=list)


def read_parts(session: Session, part_numbers: set[str]) -> dict[str, PartRow]:
    """Current declarations of ``part_numbers`` with materials and substances, in three queries."""
    if not part_numbers:
        return {}
    pv, part, decl = m.PartVersion, m.Part, m.Declaration
    hm, ms = m.HomogeneousMaterial, m.MaterialSubstance
    current = (part.current_version_id == pv.id) & part.part_number.in_(part_numbers)
    parts: dict[int, PartRow] = {}
    row: Any  # the three queries below return rows of three shapes
    for row in session.execute(
            select(pv.id, part.part_number, pv.name, pv.mass_g, decl.file_name,
                   decl.declaration_date, decl.format, decl.extra, pv.unit_type)
            .join(pv, current).join(decl, decl.id == pv.declaration_id)):
        parts[row.id] = PartRow(
            part_number=row.part_number, name=row.name, mass_g=row.mass_g,
            declaration_file=row.file_name,
            declaration_date=row.declaration_date.isoformat() if row.declaration_date else None,
            unit_type=row.unit_type,
            declared_categories=declared_categories(row.extra, row.part_number, row.format))
    materials: dict[int, MaterialRow] = {}
    for row in session.execute(
            select(hm.id, hm.part_version_id, hm.name, hm.mass_g, hm.comment, hm.exemptions,
                   hm.material_group, hm.material_class)
            .join(pv, pv.id == hm.part_version_id).join(part, current)
            .order_by(hm.part_version_id, hm.position)):
        material = MaterialRow(name=row.name, mass_g=row.mass_g, comment=row.comment,
                               exemptions=list(row.exemptions or []),
                               material_group=row.material_group,
                               material_class=row.material_class)
        materials[row.id] = material
        parts[row.part_version_id].materials.append(material)
    for row in session.execute(
            select(ms.material_id, ms.name, ms.cas, ms.authority, ms.identity, ms.mass_g,
                   ms.concentration_ppm, ms.category, ms.exemptions)
            .join(hm, hm.id == ms.material_id).join(pv, pv.id == hm.part_version_id)
            .join(part, current).order_by(ms.id)):
        materials[row.material_id].substances.append(SubstanceRow(
            name=row.name, cas=row.cas, authority=row.authority, identity=row.identity,
            mass_g=row.mass_g, concentration_ppm=row.concentration_ppm, category=row.category,
            exemptions=list(row.exemptions or [])))
    return {p.part_number: p for p in parts.values()}

