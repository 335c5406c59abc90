"""Tables of the supplier portal: accounts, sessions, part→supplier assignment, declaration
requests, submissions and the append-only audit log.

They live on the material database's ``MetaData`` (migration ``0003_supplier_portal``), so a
declaration, the request it answers and the submission that carried it commit in one
transaction. Supplier organisations are the material database's ``supplier`` rows: the company a
declaration names and the organisation a supplier account belongs to are the same entity.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from lca_engine.db.models import Base

ROLES = ("admin", "engineer", "supplier")


class PortalUser(Base):
    __tablename__ = "portal_user"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'engineer', 'supplier')", name="role"),
        # a supplier account belongs to exactly one organisation; staff to none
        CheckConstraint("(role = 'supplier') = (supplier_id IS NOT NULL)", name="supplier_org"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PortalToken(Base):
    """An API token; only its SHA-256 is stored (the token itself is shown once)."""

    __tablename__ = "portal_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("portal_user.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PortalSession(Base):
    """A browser session; the cookie holds a random secret whose SHA-256 is stored here."""

    __tablename__ = "portal_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("portal_user.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PortalLoginAttempt(Base):
    """Every login attempt, for rate limiting by account name and by client address."""

    __tablename__ = "portal_login_attempt"
    __table_args__ = (
        Index("ix_portal_login_attempt_user_at", "user_name", "at"),
        Index("ix_portal_login_attempt_client_at", "client", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_name: Mapped[str] = mapped_column(String(128))
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ok: Mapped[bool] = mapped_column(Boolean)


class PortalPartSupplier(Base):
    """Which supplier organisation declares a part (one per part number)."""

    __tablename__ = "portal_part_supplier"

    part_number: Mapped[str] = mapped_column(String(255), primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    assigned_by: Mapped[str] = mapped_column(String(128))


class PortalRequest(Base):
    """The OEM's request to a supplier for the declaration of one part of one product."""

    __tablename__ = "portal_request"
    __table_args__ = (
        Index("ix_portal_request_product_part", "product_number", "part_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_number: Mapped[str] = mapped_column(String(255))
    part_number: Mapped[str] = mapped_column(String(255))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    due_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(128))


class PortalSubmission(Base):
    """One upload (one or more files, or a zip) by one user."""

    __tablename__ = "portal_submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("portal_user.id"), index=True)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PortalSubmissionFile(Base):
    """The verdict on one file of a submission."""

    __tablename__ = "portal_submission_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("portal_submission.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(1024))
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    part_numbers: Mapped[list[str]] = mapped_column(JSON, default=list)
    mass_g: Mapped[float | None] = mapped_column(Float)
    materials: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[dict[str, object] | None] = mapped_column(JSON)
    declaration_id: Mapped[int | None] = mapped_column(ForeignKey("declaration.id"))


class PortalAudit(Base):
    """Append-only: database triggers refuse UPDATE and DELETE (see the migration)."""

    __tablename__ = "portal_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(128))
    role: Mapped[str | None] = mapped_column(String(16))
    supplier: Mapped[str | None] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(1024))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    verdict: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    client: Mapped[str | None] = mapped_column(String(64))


