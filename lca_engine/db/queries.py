"""Read-side views of the material database: products, parts and their BoM trees.

Views are plain dataclasses with ``as_json()`` giving the shapes in SPEC.md. Recycled shares are
fractions (0–1) in JSON, masses grams.

Mass of a BoM line: the part's own mass (its current declaration, else the BoM's ``part_mass_g``)
plus the masses of its children. A BoM parent is thus an assembly whose own declaration, if any,
covers only what the children do not (adhesives, labels). A line with neither a mass nor children
is a data gap.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fmd_parsers.exemptions import list_key
from fmd_parsers.units import UnitError, is_mass_unit, to_grams

from . import models as m


@dataclass(slots=True)
class SubstanceView:
    name: str
    cas: str | None
    mass_g: float | None
    concentration_ppm: float | None = None
    exemptions: list[str] = field(default_factory=list)
    #: each declared exemption with the list it is declared under (EU RoHS Annex III, ELV, …)
    exemption_details: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "cas": self.cas, "mass_g": self.mass_g,
                "concentration_ppm": self.concentration_ppm, "exemptions": self.exemptions,
                "exemption_details": self.exemption_details}


@dataclass(slots=True)
class MaterialView:
    name: str
    group: str | None
    mass_g: float | None
    recycled_kind: str | None
    recycled_share: float
    material_class: str | None = None
    declared_value: float | None = None
    declared_unit: str | None = None
    substances: list[SubstanceView] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "group": self.group,
            "class": self.material_class,
            "mass_g": self.mass_g,
            "declared": {"value": self.declared_value, "unit": self.declared_unit},
            "recycled": {"kind": self.recycled_kind, "share": self.recycled_share},
            "substances": [s.as_json() for s in self.substances],
        }


@dataclass(slots=True)
class FlagView:
    code: str
    severity: str
    message: str
    part_number: str | None
    material: str | None
    field: str | None
    line: int | None

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "message": self.message,
                "part_number": self.part_number, "material": self.material,
                "field": self.field, "line": self.line}


@dataclass(slots=True)
class PartView:
    part_number: str
    name: str | None
    mass_g: float | None
    version: str | None
    manufacturer: str | None
    supplier: str | None
    declaration_file: str
    declaration_sha256: str
    declaration_date: str | None
    format: str
    history: int  # number of older, superseded declarations kept
    materials: list[MaterialView]
    flags: list[FlagView]
    manufacturing_site: str | None = None
    declaration_class: str | None = None  # IPC-1752A: "A", "C", "D", "C/D"
    #: declarable substance categories the declaration states (IPC-1752A Class C, IEC 62474
    #: declaration for compliance): list, category and its identity, above/below threshold
    declared_categories: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "part_number": self.part_number,
            "name": self.name,
            "mass_g": self.mass_g,
            "version": self.version,
            "manufacturer": self.manufacturer,
            "manufacturing_site": self.manufacturing_site,
            "supplier": self.supplier,
            "declaration": {"file": self.declaration_file, "sha256": self.declaration_sha256,
                            "date": self.declaration_date, "format": self.format,
                            "class": self.declaration_class,
                            "superseded_versions": self.history},
            "declared_categories": self.declared_categories,
            "materials": [mv.as_json() for mv in self.materials],
            "data_quality": [f.as_json() for f in self.flags],
        }


@dataclass(slots=True)
class BomNode:
    part_number: str
    name: str | None
    quantity: float
    parent_part_number: str | None
    category: str | None
    own_mass_g: float | None
    mass_source: str | None  # "fmd", "bom" or None
    declared: bool
    children: list[BomNode] = field(default_factory=list)
    total_quantity: float = 0.0  # units per product, all levels multiplied

    @property
    def unit_mass_g(self) -> float | None:
        if self.own_mass_g is None and not self.children:
            return None
        child_mass = sum(c.quantity * (c.unit_mass_g or 0.0) for c in self.children)
        return (self.own_mass_g or 0.0) + child_mass

    def walk(self) -> list[BomNode]:
        nodes = [self]
        for child in self.children:
            nodes.extend(child.walk())
        return nodes


@dataclass(slots=True)
class ProductView:
    product_number: str
    name: str | None
    bom_file: str
    tree: list[BomNode]
    flags: list[FlagView]
    #: each declared part's own materials (current declaration), by part number
    part_materials: dict[str, list[MaterialView]] = field(default_factory=dict)
    #: each declared part's declaration file and SHA-256, for provenance
    declarations: dict[str, tuple[str, str]] = field(default_factory=dict)
    bom_sha256: str = ""
    _materials: list[MaterialView] | None = field(default=None, repr=False, compare=False)

    @property
    def mass_g(self) -> float:
        return sum(n.quantity * (n.unit_mass_g or 0.0) for n in self.tree)

    @property
    def materials(self) -> list[MaterialView]:
        """The whole product's materials (each part's × units per product, merged), built on
        first use: `show` needs them, a footprint does not (it works part by part)."""
        if self._materials is None:
            self._materials = _aggregate_materials(self.nodes, self.part_materials)
        return self._materials

    @property
    def nodes(self) -> list[BomNode]:
        return [node for top in self.tree for node in top.walk()]

    @property
    def gaps(self) -> list[BomNode]:
        return [n for n in self.nodes if n.unit_mass_g is None]

    def as_json(self) -> dict[str, Any]:
        return {
            "part_number": self.product_number,
            "product_number": self.product_number,
            "name": self.name,
            "mass_g": self.mass_g,
            "bom_file": self.bom_file,
            "materials": [mv.as_json() for mv in self.materials],
            "parts": [{
                "part_number": n.part_number,
                "name": n.name,
                "parent_part_number": n.parent_part_number,
                "quantity": n.quantity,
                "total_quantity": n.total_quantity,
                "mass_g": n.unit_mass_g,
                "mass_source": n.mass_source,
                "declared": n.declared,
                "category": n.category,
            } for n in self.nodes],
            "gaps": [{"part_number": n.part_number, "reason": "no FMD declaration and no BoM mass"}
                     for n in self.gaps],
            "data_quality": [f.as_json() for f in self.flags],
        }


@dataclass(slots=True)
class ProductSummary:
    product_number: str
    name: str | None
    lines: int
    declared_lines: int
    bom_file: str
    imported_at: Any = None  # when the BoM was (last) imported

    def as_json(self) -> dict[str, Any]:
        return {"product_number": self.product_number, "name": self.name,
                "bom_lines": self.lines, "declared_lines": self.declared_lines,
                "bom_file": self.bom_file,
                "imported_at": self.imported_at.isoformat() if self.imported_at else None}


# -- queries ---------------------------------------------------------------------------------
#
# Reads use Core row queries, never ORM entities: rows carry no identity-map state, so nothing is
# left for weakref callbacks at garbage collection. (CPython 3.11.7 can double-free in dictresize
# when such a callback — SQLAlchemy's InstanceState cleanup — runs mid-resize; this avoids it and
# is faster for the thousands of substance rows a product holds.)


@dataclass(slots=True)
class _Composition:
    """The current version of one part, as rows."""

    version_id: int
    part_id: int
    declaration_id: int
    name: str | None
    version: str | None
    manufacturer: str | None
    mass_g: float | None
    file_name: str
    sha256: str
    declaration_date: Any
    format: str
    supplier: str | None
    manufacturing_site: str | None = None
    declaration_class: str | None = None
    unit_type: str | None = None
    materials: list[MaterialView] = field(default_factory=list)


def _compositions(session: Session, part_numbers: set[str], *, exemptions: bool = True
                  ) -> dict[str, _Composition]:
    """Current versions of parts with their materials and substances, in three queries
    (``exemptions=False`` leaves the substances' declared exemptions unread: a footprint does
    not need them, and decoding them is a third of a catalogue's read time)."""
    if not part_numbers:
        return {}
    pv, part, decl, hm, ms = (m.PartVersion, m.Part, m.Declaration, m.HomogeneousMaterial,
                              m.MaterialSubstance)
    current = (part.current_version_id == pv.id) & part.part_number.in_(part_numbers)
    found: dict[str, _Composition] = {}
    by_version: dict[int, _Composition] = {}
    row: Any  # the queries below return rows of three shapes
    for row in session.execute(
            select(part.part_number, pv.id, pv.part_id, pv.declaration_id, pv.name, pv.version,
                   pv.manufacturer, pv.mass_g, decl.file_name, decl.sha256,
                   decl.declaration_date, decl.format, m.Supplier.name, pv.manufacturing_site,
                   decl.declaration_class, pv.unit_type)
            .join(pv, current).join(decl, decl.id == pv.declaration_id)
            .join(m.Supplier, m.Supplier.id == decl.supplier_id, isouter=True)):
        composition = _Composition(*row[1:])
        found[row[0]] = composition
        by_version[composition.version_id] = composition
    materials: dict[int, MaterialView] = {}
    for row in session.execute(
            select(hm.id, hm.part_version_id, hm.name, hm.material_group, hm.mass_g,
                   hm.recycled_kind, hm.recycled_share, hm.material_class, hm.declared_value,
                   hm.declared_unit)
            .join(pv, pv.id == hm.part_version_id).join(part, current)
            .order_by(hm.part_version_id, hm.position)):
        view = MaterialView(name=row.name, group=row.material_group, mass_g=row.mass_g,
                            recycled_kind=row.recycled_kind,
                            recycled_share=row.recycled_share or 0.0,
                            material_class=row.material_class,
                            declared_value=row.declared_value, declared_unit=row.declared_unit)
        materials[row.id] = view
        by_version[row.part_version_id].materials.append(view)
    columns = [ms.material_id, ms.name, ms.cas, ms.mass_g, ms.concentration_ppm]
    for row in session.execute(
            select(*columns, *([ms.exemptions] if exemptions else []))
            .join(hm, hm.id == ms.material_id).join(pv, pv.id == hm.part_version_id)
            .join(part, current).order_by(ms.id)):
        materials[row.material_id].substances.append(SubstanceView(
            name=row.name, cas=row.cas, mass_g=row.mass_g,
            concentration_ppm=row.concentration_ppm,
            exemptions=[e["identity"] or "" for e in row.exemptions or []]
            if exemptions else [],
            exemption_details=[_exemption_detail(e) for e in row.exemptions or []]
            if exemptions else []))
    return found


def _exemption_detail(stored: dict[str, Any]) -> dict[str, Any]:
    """A stored exemption with its list; rows stored before lists were kept get it derived from
    the declared authority, with the parsers' own table."""
    listed = stored["list"] if "list" in stored else list_key(stored.get("authority"))
    return {"identity": stored.get("identity"), "list": listed,
            "authority": stored.get("authority"), "code": stored.get("code"),
            "description": stored.get("description")}


def unit_mass_g(unit_type: str | None) -> float | None:
    """Grams in one unit when a declaration counts its product in a mass unit (a chemical
    product declared per g or kg), else None."""
    if not unit_type:
        return None
    try:
        return to_grams(1.0, unit_type.strip()) if is_mass_unit(unit_type.strip()) else None
    except UnitError:
        return None


def chemical_mass(declared_mass_g: float | None, materials_masses: list[float | None],
                  bom_mass_g: float | None, unit_type: str | None) -> tuple[float, str] | None:
    """The mass of one unit of a part declared without any (a chemSHERPA-CI chemical product:
    one material, substances as mass percents) and where it comes from: the BoM's part mass,
    else one unit of the mass unit the declaration counts in. None when the part has a mass or
    is not such a part."""
    if declared_mass_g is not None or len(materials_masses) != 1 or \
            materials_masses[0] is not None:
        return None
    if bom_mass_g is not None:
        return bom_mass_g, "bom"
    per_unit = unit_mass_g(unit_type)
    return (per_unit, f"one {unit_type.strip()} unit" if unit_type else "unit") \
        if per_unit is not None else None


def _flags(session: Session, condition: Any) -> list[FlagView]:
    qf = m.QualityFlag
    return [FlagView(r.code, r.severity, r.message, r.part_number, r.material, r.field, r.line)
            for r in session.execute(
                select(qf.code, qf.severity, qf.message, qf.part_number, qf.material, qf.field,
                       qf.line).where(condition).order_by(qf.id))]


def list_products(session: Session) -> list[ProductSummary]:
    declared = select(m.Part.part_number).where(m.Part.current_version_id.is_not(None))
    rows = session.execute(
        select(m.Product.product_number, m.Product.name, m.Product.bom_file,
               func.count(m.BomLine.id),
               func.count(m.BomLine.id).filter(m.BomLine.part_number.in_(declared)),
               m.Product.imported_at)
        .join(m.BomLine, m.BomLine.product_id == m.Product.id, isouter=True)
        .group_by(m.Product.id).order_by(m.Product.product_number))
    return [ProductSummary(product_number=r[0], name=r[1], bom_file=r[2], lines=r[3],
                           declared_lines=r[4], imported_at=r[5]) for r in rows]


def part_view(session: Session, part_number: str) -> PartView | None:
    composition = _compositions(session, {part_number}).get(part_number)
    if composition is None:
        return None
    history = session.scalar(select(func.count(m.PartVersion.id)).where(
        m.PartVersion.part_id == composition.part_id,
        m.PartVersion.id != composition.version_id)) or 0
    flags = _flags(session, (m.QualityFlag.declaration_id == composition.declaration_id)
                   & ((m.QualityFlag.part_number == part_number)
                      | m.QualityFlag.part_number.is_(None)))
    return PartView(
        part_number=part_number,
        name=composition.name,
        mass_g=composition.mass_g,
        version=composition.version,
        manufacturer=composition.manufacturer,
        supplier=composition.supplier,
        declaration_file=composition.file_name,
        declaration_sha256=composition.sha256,
        declaration_date=composition.declaration_date.isoformat()
        if composition.declaration_date else None,
        format=composition.format,
        history=history,
        materials=composition.materials,
        flags=flags,
        manufacturing_site=composition.manufacturing_site,
        declaration_class=composition.declaration_class,
        declared_categories=_declared_categories(session, composition.declaration_id,
                                                 part_number, composition.format),
    )


def declared_categories(extra: dict[str, Any] | None, part_number: str,
                        declaration_format: str) -> list[dict[str, Any]]:
    """The declarable substance categories a declaration states for ``part_number``: IPC-1752A
    Class C (list, category and its identity, above or below the threshold, exemptions) and
    IEC 62474 declarations for compliance (DSL entry, above threshold, mass, exemptions)."""
    if not extra:
        return []
    found: list[dict[str, Any]] = []
    for item in extra.get("class_c") or []:
        if item.get("part_number") not in (None, part_number):
            continue
        found.append({
            "source": f"{declaration_format} Class C", "list": item.get("list"),
            "category": item.get("category"), "category_id": item.get("category_id"),
            "above_threshold": item.get("above_threshold"),
            "threshold": item.get("threshold"), "mass_g": None, "mass_percent": None,
            "exemptions": item.get("exemption_details") or [
                {"identity": e} for e in item.get("exemptions") or []],
            "line": item.get("line")})
    for item in extra.get("compliance") or []:
        if item.get("part_number") not in (None, part_number):
            continue
        found.append({
            "source": f"{declaration_format} declaration for compliance",
            "list": item.get("list"), "category": item.get("name"),
            "category_id": item.get("id"), "above_threshold": item.get("above_threshold"),
            "threshold": item.get("reporting_threshold"), "mass_g": item.get("mass_g"),
            "mass_percent": item.get("mass_percent"),
            "exemptions": item.get("exemption_details") or [
                {"identity": e} for e in item.get("exemptions") or []],
            "line": item.get("line")})
    return found


def _declared_categories(session: Session, declaration_id: int, part_number: str,
                         declaration_format: str) -> list[dict[str, Any]]:
    extra = session.scalar(select(m.Declaration.extra).where(m.Declaration.id == declaration_id))
    return declared_categories(extra, part_number, declaration_format)


def _fill_chemical(composition: _Composition, bom_mass_g: float | None) -> float | None:
    """A chemical product declared without a mass (one material, mass percents) takes the
    BoM's mass of one unit, or one unit of its mass unit, for this product's view: the
    footprint and ``show`` then see its material and substance masses. Returns the grams."""
    found = chemical_mass(composition.mass_g, [v.mass_g for v in composition.materials],
                          bom_mass_g, composition.unit_type)
    if found is None:
        return None
    grams, _ = found
    (material,) = composition.materials
    composition.materials = [replace(material, mass_g=grams, substances=[
        replace(s, mass_g=s.concentration_ppm * 1e-6 * grams)
        if s.mass_g is None and s.concentration_ppm is not None else s
        for s in material.substances])]
    return grams


def _scaled(view: MaterialView, factor: float) -> MaterialView:
    def times(value: float | None) -> float | None:
        return None if value is None else value * factor

    return replace(view, mass_g=times(view.mass_g), substances=[
        replace(s, mass_g=times(s.mass_g)) for s in view.substances])


def _aggregate_materials(nodes: list[BomNode],
                         part_materials: dict[str, list[MaterialView]]) -> list[MaterialView]:
    """Materials of the whole product: each part's materials × units per product, merged."""
    merged: dict[tuple[str, str | None, str | None, float], MaterialView] = {}
    substance_index: dict[tuple[str, str | None, str | None, float],
                          dict[tuple[str, str | None], SubstanceView]] = defaultdict(dict)
    for node in nodes:
        for material in part_materials.get(node.part_number, ()):
            view = _scaled(material, node.total_quantity)
            key = (view.name, view.group, view.recycled_kind, view.recycled_share)
            target = merged.get(key)
            if target is None:
                target = MaterialView(name=view.name, group=view.group, mass_g=0.0,
                                      recycled_kind=view.recycled_kind,
                                      recycled_share=view.recycled_share,
                                      material_class=view.material_class)
                merged[key] = target
            target.mass_g = (target.mass_g or 0.0) + (view.mass_g or 0.0)
            for substance in view.substances:
                skey = (substance.name, substance.cas)
                existing = substance_index[key].get(skey)
                if existing is None:
                    existing = SubstanceView(name=substance.name, cas=substance.cas, mass_g=0.0)
                    substance_index[key][skey] = existing
                    target.substances.append(existing)
                existing.mass_g = (existing.mass_g or 0.0) + (substance.mass_g or 0.0)
    return sorted(merged.values(), key=lambda v: -(v.mass_g or 0.0))


def product_view(session: Session, product_number: str) -> ProductView | None:
    return product_views(session, [product_number]).get(product_number)


def product_views(session: Session, product_numbers: Sequence[str], *, exemptions: bool = True
                  ) -> dict[str, ProductView]:
    """Several products in one pass: the BoM lines, the compositions of every part and the
    quality flags are each read in one query for the whole batch (a catalogue's
    ``footprint --all`` reads its products in batches instead of one by one)."""
    products = session.execute(
        select(m.Product.id, m.Product.product_number, m.Product.name, m.Product.bom_file,
               m.Product.bom_sha256)
        .where(m.Product.product_number.in_(list(product_numbers)))).all()
    if not products:
        return {}
    bl = m.BomLine
    lines_of: dict[int, list[Any]] = defaultdict(list)
    for line in session.execute(
            select(bl.product_id, bl.part_number, bl.parent_part_number, bl.quantity, bl.name,
                   bl.mass_g, bl.category).where(bl.product_id.in_([p.id for p in products]))
            .order_by(bl.product_id, bl.position)):
        lines_of[line.product_id].append(line)
    compositions = _compositions(session, {line.part_number for lines in lines_of.values()
                                           for line in lines}, exemptions=exemptions)
    declaration_ids = {c.declaration_id for c in compositions.values()}
    qf = m.QualityFlag
    flag_rows = session.execute(
        select(qf.product_id, qf.declaration_id, qf.code, qf.severity, qf.message,
               qf.part_number, qf.material, qf.field, qf.line)
        .where(qf.product_id.in_([p.id for p in products])
               | qf.declaration_id.in_(declaration_ids)).order_by(qf.id)).all()
    views = {}
    for product in products:
        lines = lines_of.get(product.id, [])
        children: dict[str | None, list[Any]] = defaultdict(list)
        for line in lines:
            children[line.parent_part_number].append(line)

        def build(line: Any, multiplier: float, children: dict[str | None, list[Any]] = children
                  ) -> BomNode:
            composition = compositions.get(line.part_number)
            unit_g = (_fill_chemical(composition, line.mass_g) if composition is not None
                      else None)
            if composition is not None and composition.mass_g is not None:
                own, source = composition.mass_g, "fmd"
            elif line.mass_g is not None:
                own, source = line.mass_g, "bom"
            elif unit_g is not None:  # a chemical product counted in g / kg: one unit of it
                own, source = unit_g, "fmd"
            else:
                own, source = None, None
            node = BomNode(part_number=line.part_number,
                           name=line.name or (composition.name if composition else None),
                           quantity=line.quantity, parent_part_number=line.parent_part_number,
                           category=line.category, own_mass_g=own, mass_source=source,
                           declared=composition is not None,
                           total_quantity=multiplier * line.quantity)
            node.children = [build(child, node.total_quantity)
                             for child in children.get(line.part_number, [])]
            return node

        tree = [build(line, 1.0) for line in children.get(None, [])]
        mine = {line.part_number for line in lines}
        own = {pn: c for pn, c in compositions.items() if pn in mine}
        own_declarations = {c.declaration_id for c in own.values()}
        flags = [FlagView(r.code, r.severity, r.message, r.part_number, r.material, r.field,
                          r.line) for r in flag_rows
                 if r.product_id == product.id or r.declaration_id in own_declarations]
        views[product.product_number] = ProductView(
            product_number=product.product_number, name=product.name,
            bom_file=product.bom_file, tree=tree, flags=flags,
            part_materials={pn: c.materials for pn, c in own.items()},
            declarations={pn: (c.file_name, c.sha256) for pn, c in own.items()},
            bom_sha256=product.bom_sha256)
    return views
