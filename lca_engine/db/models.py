"""The material database: suppliers, declarations, parts, homogeneous materials, substances, BoMs.

A part's composition belongs to the declaration that stated it (``PartVersion``), so a newer
declaration supersedes an older one without erasing it: ``Part.current_version_id`` points at the
version in force and every ``PartVersion`` keeps its ``superseded_by_id``. Masses are stored
normalised to grams beside the value and unit the supplier declared.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def table_of(model: type[Base]) -> Table:
    """The ``Table`` of a declarative model (SQLAlchemy types ``__table__`` as a FromClause)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


class Supplier(Base):
    __tablename__ = "supplier"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    company_id: Mapped[str | None] = mapped_column(String(128))
    contact_name: Mapped[str | None] = mapped_column(String(255))
    contact_email: Mapped[str | None] = mapped_column(String(255))
    contact_phone: Mapped[str | None] = mapped_column(String(64))


class Declaration(Base):
    """One imported FMD file, identified by the SHA-256 of its bytes."""

    __tablename__ = "declaration"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    file_name: Mapped[str] = mapped_column(String(1024))
    file_size: Mapped[int] = mapped_column(Integer)
    format: Mapped[str] = mapped_column(String(32))
    format_version: Mapped[str | None] = mapped_column(String(32))
    declaration_class: Mapped[str | None] = mapped_column(String(8))
    declaration_date: Mapped[date | None] = mapped_column(Date)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lenient: Mapped[bool] = mapped_column(Boolean, default=False)
    regulatory_lists: Mapped[list[str]] = mapped_column(JSON, default=list)
    extra: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)

    supplier: Mapped[Supplier | None] = relationship()
    part_versions: Mapped[list[PartVersion]] = relationship(back_populates="declaration")


class Part(Base):
    """A part number in the catalogue; its composition is its current ``PartVersion``."""

    __tablename__ = "part"

    id: Mapped[int] = mapped_column(primary_key=True)
    part_number: Mapped[str] = mapped_column(String(255), unique=True)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("part_version.id", use_alter=True, name="fk_part_current_version")
    )

    current_version: Mapped[PartVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )


class PartVersion(Base):
    """A part as one declaration describes it."""

    __tablename__ = "part_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"), index=True)
    declaration_id: Mapped[int] = mapped_column(
        ForeignKey("declaration.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str | None] = mapped_column(String(512))
    version: Mapped[str | None] = mapped_column(String(64))
    manufacturer: Mapped[str | None] = mapped_column(String(255))
    manufacturing_site: Mapped[str | None] = mapped_column(String(255))
    unit_type: Mapped[str | None] = mapped_column(String(32))
    mass_g: Mapped[float | None] = mapped_column(Float)
    declared_mass_value: Mapped[float | None] = mapped_column(Float)
    declared_mass_unit: Mapped[str | None] = mapped_column(String(32))
    source_line: Mapped[int | None] = mapped_column(Integer)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("part_version.id"))

    declaration: Mapped[Declaration] = relationship(back_populates="part_versions")
    part: Mapped[Part] = relationship(foreign_keys=[part_id])
    materials: Mapped[list[HomogeneousMaterial]] = relationship(
        back_populates="part_version", order_by="HomogeneousMaterial.position"
    )


class HomogeneousMaterial(Base):
    __tablename__ = "homogeneous_material"

    id: Mapped[int] = mapped_column(primary_key=True)
    part_version_id: Mapped[int] = mapped_column(
        ForeignKey("part_version.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(512))
    material_group: Mapped[str | None] = mapped_column(String(255))
    material_class: Mapped[str | None] = mapped_column(String(64))
    mass_g: Mapped[float | None] = mapped_column(Float)
    declared_value: Mapped[float | None] = mapped_column(Float)
    declared_unit: Mapped[str | None] = mapped_column(String(32))
    recycled_kind: Mapped[str | None] = mapped_column(String(32))
    recycled_share: Mapped[float | None] = mapped_column(Float)
    recycled_source: Mapped[str | None] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text)
    exemptions: Mapped[list[dict[str, str | None]]] = mapped_column(JSON, default=list)
    source_line: Mapped[int | None] = mapped_column(Integer)

    part_version: Mapped[PartVersion] = relationship(back_populates="materials")
    substances: Mapped[list[MaterialSubstance]] = relationship(
        back_populates="material", order_by="MaterialSubstance.id"
    )


class Substance(Base):
    """The substance catalogue, keyed by CAS Registry Number."""

    __tablename__ = "substance"

    cas: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(512))


class MaterialSubstance(Base):
    """A substance as declared in one homogeneous material."""

    __tablename__ = "material_substance"

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(
        ForeignKey("homogeneous_material.id", ondelete="CASCADE"), index=True
    )
    cas: Mapped[str | None] = mapped_column(ForeignKey("substance.cas"), index=True)
    name: Mapped[str] = mapped_column(String(512))
    authority: Mapped[str | None] = mapped_column(String(64))
    identity: Mapped[str | None] = mapped_column(String(128))
    mass_g: Mapped[float | None] = mapped_column(Float)
    declared_value: Mapped[float | None] = mapped_column(Float)
    declared_unit: Mapped[str | None] = mapped_column(String(32))
    concentration_ppm: Mapped[float | None] = mapped_column(Float)
    category: Mapped[str | None] = mapped_column(String(512))
    exemptions: Mapped[list[dict[str, str | None]]] = mapped_column(JSON, default=list)
    source_line: Mapped[int | None] = mapped_column(Integer)

    material: Mapped[HomogeneousMaterial] = relationship(back_populates="substances")


class QualityFlag(Base):
    """A data-quality finding kept by a lenient import (or a note from a strict one)."""

    __tablename__ = "quality_flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int | None] = mapped_column(
        ForeignKey("declaration.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    part_number: Mapped[str | None] = mapped_column(String(255))
    material: Mapped[str | None] = mapped_column(String(512))
    code: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    field: Mapped[str | None] = mapped_column(String(255))
    line: Mapped[int | None] = mapped_column(Integer)


class Product(Base):
    __tablename__ = "product"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_number: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str | None] = mapped_column(String(512))
    bom_file: Mapped[str] = mapped_column(String(1024))
    bom_sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    lines: Mapped[list[BomLine]] = relationship(
        back_populates="product", order_by="BomLine.position", cascade="all, delete-orphan"
    )


class BomLine(Base):
    __tablename__ = "bom_line"
    __table_args__ = (
        UniqueConstraint("product_id", "parent_part_number", "part_number",
                         name="uq_bom_line_product_parent_part"),
        Index("ix_bom_line_part_number", "part_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    part_number: Mapped[str] = mapped_column(String(255))
    parent_part_number: Mapped[str | None] = mapped_column(String(255))
    quantity: Mapped[float] = mapped_column(Float)
    name: Mapped[str | None] = mapped_column(String(512))
    mass_g: Mapped[float | None] = mapped_column(Float)
    recycled_kind: Mapped[str | None] = mapped_column(String(32))
    recycled_share: Mapped[float | None] = mapped_column(Float)
    fmd_file: Mapped[str | None] = mapped_column(String(1024))
    category: Mapped[str | None] = mapped_column(String(64))
    source_line: Mapped[int | None] = mapped_column(Integer)

    product: Mapped[Product] = relationship(back_populates="lines")


# -- PACT exchange (lca_engine.pact) ---------------------------------------------------------
# Core tables, read with Core rows (see the SQLAlchemy identity-map pitfall in the README).
# Timestamps are UTC ISO 8601 strings ("2026-12-07T06:00:00Z"): they sort as text, compare the
# same on SQLite and PostgreSQL and go into PACT documents unchanged.

pact_client = Table(
    "pact_client", Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", String(64), nullable=False, unique=True),
    Column("name", String(255), nullable=False),
    Column("secret_hash", String(255), nullable=False),  # scrypt$n$r$p$salt$hash
    Column("created_at", String(32), nullable=False),
    Column("revoked_at", String(32)),
)

pact_token = Table(
    "pact_token", Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("client_id", String(64), ForeignKey("pact_client.client_id", ondelete="CASCADE"),
           nullable=False),
    Column("issued_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
)

pact_footprint = Table(
    "pact_footprint", Base.metadata,
    Column("id", String(36), primary_key=True),  # the ProductFootprint's UUID
    Column("product_number", String(255), nullable=False),
    Column("status", String(16), nullable=False),  # Active | Deprecated
    Column("created_at", String(32), nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("superseded_by", String(36)),
    Column("document", JSON, nullable=False),
    Index("ix_pact_footprint_product_number", "product_number"),
)

pact_event = Table(
    "pact_event", Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", String(255), nullable=False),
    Column("source", String(2048), nullable=False),
    Column("type", String(255), nullable=False),
    Column("client_id", String(64)),
    Column("received_at", String(32), nullable=False),
    Column("body", JSON, nullable=False),
    Column("outcome", String(32), nullable=False),  # accepted | fulfilled | rejected | failed
    Column("reply", JSON),  # the follow-up event the host sent (fulfilled / rejected)
    Column("reply_url", String(2048)),
    Column("delivered_at", String(32)),
    Column("delivery_error", Text),
    Column("result", JSON),  # e.g. footprints of a fulfilled event: imported / rejected
)

supplier_pcf = Table(
    "supplier_pcf", Base.metadata,
    Column("id", String(36), primary_key=True),  # the supplier ProductFootprint's id
    Column("spec_version", String(32), nullable=False),
    Column("part_number", String(255)),  # the part it stands for (None: for mapping rules)
    Column("company_name", String(255), nullable=False),
    Column("status", String(16), nullable=False),
    Column("declared_unit", String(32), nullable=False),  # piece, kilogram, ...
    Column("declared_amount", Float, nullable=False),
    Column("kg_co2e", Float, nullable=False),  # excl. biogenic CO2 withdrawal, per declared unit
    Column("fossil_kg_co2e", Float),
    Column("land_use_kg_co2e", Float),
    Column("biogenic_withdrawal_kg_co2", Float),  # ≤ 0
    Column("ipcc_bases", JSON, nullable=False),
    Column("primary_data_share", Float),
    Column("dqi", JSON),
    Column("verification", JSON),
    Column("reference_period_end", String(32)),
    Column("file_name", String(1024), nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("imported_at", String(32), nullable=False),
    Column("document", JSON, nullable=False),
    Index("ix_supplier_pcf_part_number", "part_number"),
)
