"""Plain dataclasses that every parser returns: the boundary between input and the engine.

Nothing here knows about databases or LCA. Masses are normalised to grams on the way in, and the
value and unit the supplier actually wrote are kept next to them for audit (``DeclaredAmount``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class RecycledKind(StrEnum):
    """Kinds of recycled or renewable content the engine distinguishes."""

    PIC = "PIC"  # post-industrial (pre-consumer) recycled content
    PCC = "PCC"  # post-consumer recycled content (PCR)
    CL_PCC = "CL-PCC"  # closed-loop post-consumer content (from the maker's own products)
    OBP = "OBP"  # ocean-bound plastic
    RECYCLED_METAL = "recycled-metal"
    BIO_BASED = "bio-based"


@dataclass(frozen=True, slots=True)
class RecycledContent:
    """Share (0–1) of a homogeneous material that is of a recycled or bio-based ``kind``."""

    kind: RecycledKind
    share: float
    source: str = "declaration"  # where it was read: name, comment, field, bom

    def __post_init__(self) -> None:
        if not 0.0 <= self.share <= 1.0:
            raise ValueError(f"recycled share {self.share!r} is outside 0–1")


@dataclass(frozen=True, slots=True)
class DeclaredAmount:
    """A quantity exactly as the supplier declared it, plus its value in grams where known."""

    value: float
    unit: str
    grams: float | None = None  # None for concentrations whose reference mass is unknown


@dataclass(slots=True)
class QualityFlag:
    """A data-quality finding kept (lenient mode) or raised (strict mode) while reading a file."""

    code: str  # e.g. "substance-mass-balance", "cas-checksum"
    message: str
    severity: str = "error"  # "error" rejects the file in strict mode; "note" never does
    line: int | None = None
    field: str | None = None
    part_number: str | None = None
    material: str | None = None


@dataclass(slots=True)
class Exemption:
    """A regulatory exemption the supplier claims for a substance use, e.g. EU RoHS 7(c)-I."""

    identity: str  # the regulation's own index, e.g. "6(c)", "7(c)-I", ELV "3", China RoHS "7.3"
    authority: str | None = None  # the list as declared, verbatim: "EUROHS-1907", "LR04", …
    description: str | None = None
    #: the list it belongs to ("EU RoHS Annex III", "EU ELV Annex II", "China RoHS", …; see
    #: fmd_parsers/data/exemption_lists.yaml), None when the declaration does not say
    exemption_list: str | None = None
    code: str | None = None  # the declaring tool's own code when it differs (chemSHERPA)


@dataclass(slots=True)
class Substance:
    """A declared substance inside one homogeneous material."""

    name: str
    cas: str | None = None  # normalised CAS RN when the authority is CAS
    authority: str | None = None  # CAS, EC, IEC62474-DSL, …
    identity: str | None = None  # identifier as declared for that authority
    mass_g: float | None = None
    declared: DeclaredAmount | None = None
    concentration_ppm: float | None = None  # share of the homogeneous material, in ppm
    category: str | None = None  # substance category / group, e.g. "Lead and its compounds"
    exemptions: list[Exemption] = field(default_factory=list)
    line: int | None = None


@dataclass(slots=True)
class HomogeneousMaterial:
    """A material that cannot be mechanically disjointed into different materials."""

    name: str
    mass_g: float | None
    declared: DeclaredAmount | None = None
    material_group: str | None = None  # IPC material group or IEC 62474 material class
    material_class: str | None = None  # IEC 62474 material class ID (e.g. "M-1xx")
    substances: list[Substance] = field(default_factory=list)
    recycled: RecycledContent | None = None
    exemptions: list[Exemption] = field(default_factory=list)
    comment: str | None = None
    line: int | None = None


@dataclass(slots=True)
class Party:
    """A company in a declaration (the supplier who responds, or the requester)."""

    company: str | None = None
    company_id: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None


@dataclass(slots=True)
class DeclaredPart:
    """One declared article: product IDs, its mass and its homogeneous materials."""

    part_number: str
    name: str | None = None
    version: str | None = None
    manufacturer: str | None = None
    manufacturing_site: str | None = None  # where it is made; never taken as the manufacturer
    mass_g: float | None = None
    declared_mass: DeclaredAmount | None = None
    unit_type: str | None = None  # "Each", "Meter", …
    materials: list[HomogeneousMaterial] = field(default_factory=list)
    line: int | None = None


@dataclass(slots=True)
class Declaration:
    """A whole FMD file after parsing, validation and unit normalisation."""

    source_path: str
    sha256: str
    format: str  # "IPC-1752A" or "IEC 62474"
    format_version: str | None
    declaration_date: date | None
    supplier: Party
    parts: list[DeclaredPart]
    declaration_class: str | None = None  # "C", "D" or both ("C/D") for IPC-1752A
    regulatory_lists: list[str] = field(default_factory=list)  # e.g. SubstanceCategoryListIDs
    extra: dict[str, object] = field(default_factory=dict)  # unknown elements, kept verbatim
    flags: list[QualityFlag] = field(default_factory=list)

    @property
    def substance_count(self) -> int:
        return sum(len(m.substances) for p in self.parts for m in p.materials)


@dataclass(slots=True)
class BomLine:
    """One row of a product bill of materials."""

    part_number: str
    quantity: float
    parent_part_number: str | None = None
    name: str | None = None
    mass_g: float | None = None
    recycled: RecycledContent | None = None
    fmd_file: str | None = None
    category: str | None = None  # e.g. "packaging", "electronics", "mechanical"
    line: int | None = None


@dataclass(slots=True)
class BomProduct:
    """A product and its BoM lines, as read from a table."""

    product_number: str
    name: str | None
    lines: list[BomLine]
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class BomTable:
    """A BoM file may hold several products."""

    source_path: str
    sha256: str
    products: list[BomProduct]
