"""The append-only audit log: who did what, when, to which file (by SHA-256), with what verdict.

Rows are only ever inserted. The migration installs triggers that make UPDATE and DELETE fail on
SQLite and PostgreSQL (TRUNCATE too), so no code path, and no SQL console, can rewrite history
without first dropping the trigger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from lca_engine.db.models import table_of

from .tables import PortalAudit

_AUDIT = table_of(PortalAudit)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    role: str | None
    supplier: str | None
    action: str
    subject: str | None
    file_sha256: str | None
    verdict: str | None
    detail: dict[str, Any]
    client: str | None

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "at": self.at.isoformat(), "actor": self.actor,
                "role": self.role, "supplier": self.supplier, "action": self.action,
                "subject": self.subject, "file_sha256": self.file_sha256,
                "verdict": self.verdict, "detail": self.detail, "client": self.client}


def append(conn: Connection, *, actor: str, action: str, role: str | None = None,
           supplier: str | None = None, subject: str | None = None,
           file_sha256: str | None = None, verdict: str | None = None,
           detail: dict[str, Any] | None = None, client: str | None = None) -> None:
    """Insert one entry inside the caller's transaction (so it commits with what it records)."""
    conn.execute(insert(_AUDIT), [{
        "at": datetime.now(UTC), "actor": actor, "role": role, "supplier": supplier,
        "action": action, "subject": subject, "file_sha256": file_sha256, "verdict": verdict,
        "detail": detail or {}, "client": client}])


def entries(conn: Connection, *, limit: int = 500, action: str | None = None
            ) -> list[AuditEntry]:
    """The newest entries first."""
    query = select(_AUDIT).order_by(_AUDIT.c.id.desc()).limit(limit)
    if action is not None:
        query = query.where(_AUDIT.c.action == action)
    rows = conn.execute(query).all()
    return [AuditEntry(id=r.id, at=_aware(r.at), actor=r.actor, role=r.role,
                       supplier=r.supplier, action=r.action, subject=r.subject,
                       file_sha256=r.file_sha256, verdict=r.verdict, detail=r.detail or {},
                       client=r.client) for r in rows]


def _aware(value: datetime) -> datetime:
    """SQLite returns naive datetimes; every timestamp the portal writes is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
