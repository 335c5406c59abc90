"""The supplier portal's Python API: one object over a ``Workspace``.

The web pages, the JSON API and the ``gscdm users`` commands are thin layers over ``Portal``;
every rule about who may see or change what is enforced here, once. A supplier's view is
always filtered by its organisation: anything outside it is reported as *not found*, so a guessed
id or part number tells nothing about whether it exists.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.orm import Session

from fmd_parsers import FmdError, ValidationPolicy
from lca_engine.db import PartView, ProductView
from lca_engine.db import models as m
from lca_engine.db.engine import read_snapshot
from lca_engine.db.importer import FileOutcome, import_declaration
from lca_engine.db.models import table_of
from lca_engine.workspace import Workspace

from . import accounts, audit
from . import requests as req
from .accounts import Actor, UserInfo
from .errors import Forbidden, NotFound
from .intake import IncomingFile, RefusedFile, safe_name, unpack
from .tables import PortalSubmission, PortalSubmissionFile

_SUBMISSION = table_of(PortalSubmission)
_SUBMISSION_FILE = table_of(PortalSubmissionFile)
_USER = accounts._USER
_SUPPLIER = table_of(m.Supplier)

#: Compliance outcomes a supplier has to act on, and what the OEM asks of it.
SUPPLIER_ACTIONS = {
    "restricted": "above a restriction limit with no valid exemption: substitute the substance "
                  "or declare the exemption that covers it",
}


@dataclass(slots=True)
class FileResult:
    """The verdict on one uploaded file (the JSON contract of ``POST /api/submissions``)."""

    file: str
    status: str  # "accepted", "unchanged" or "rejected"
    part_number: str | None = None
    parts: list[str] = field(default_factory=list)
    mass_g: float | None = None
    materials: int = 0
    sha256: str | None = None
    error: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "status": self.status, "part_number": self.part_number,
                "parts": self.parts, "mass_g": self.mass_g, "materials": self.materials,
                "sha256": self.sha256, "error": self.error}


@dataclass(slots=True)
class Submission:
    id: int
    user: str
    supplier: str | None
    created_at: datetime
    results: list[FileResult]

    def counts(self) -> dict[str, int]:
        counts = {"accepted": 0, "unchanged": 0, "rejected": 0}
        for result in self.results:
            counts[result.status] += 1
        return counts

    def as_json(self) -> dict[str, Any]:
        return {"submission": self.id, "user": self.user, "supplier": self.supplier,
                "created_at": _aware(self.created_at).isoformat(), "counts": self.counts(),
                "results": [r.as_json() for r in self.results]}


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _cli_text(error: dict[str, Any]) -> str:
    """The rejection as ``gscdm import`` prints it: file:line (part, material, field): message."""
    return str(FmdError(str(error.get("message")), path=error.get("file"),
                        line=error.get("line"), field=error.get("field"),
                        part_number=error.get("part_number"),
                        material=error.get("material")))


class Portal:
    """Accounts, requests, submissions and coverage over one workspace's database."""

    def __init__(self, workspace: Workspace, *, upload_dir: Path | None = None) -> None:
        self.workspace = workspace
        self.database = workspace.database
        self.upload_dir = upload_dir or workspace.home.path / "portal" / "uploads"

    # -- plumbing ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.database.engine.begin() as conn:
            yield conn

    @contextlib.contextmanager
    def reading(self) -> Iterator[Connection]:
        with read_snapshot(self.database.sessions) as session:
            yield session.connection()

    @staticmethod
    def _staff(actor: Actor, what: str) -> None:
        if not actor.is_staff:
            raise Forbidden(f"{what} needs the engineer or admin role")

    @staticmethod
    def _admin(actor: Actor, what: str) -> None:
        if actor.role != "admin":
            raise Forbidden(f"{what} needs the admin role")

    # -- accounts ----------------------------------------------------------------------------

    def add_user(self, name: str, role: str, password: str, *, supplier: str | None = None,
                 by: Actor = accounts.CLI_ACTOR) -> UserInfo:
        self._admin(by, "adding a user")
        with self.transaction() as conn:
            return accounts.add_user(conn, name, role, password, supplier=supplier, by=by)

    def users(self, by: Actor = accounts.CLI_ACTOR) -> list[UserInfo]:
        self._admin(by, "listing users")
        with self.reading() as conn:
            return accounts.list_users(conn)

    def disable_user(self, name: str, *, by: Actor = accounts.CLI_ACTOR) -> None:
        self._admin(by, "disabling a user")
        with self.transaction() as conn:
            accounts.disable_user(conn, name, by=by)

    def issue_token(self, name: str, *, by: Actor = accounts.CLI_ACTOR) -> str:
        self._admin(by, "issuing a token")
        with self.transaction() as conn:
            return accounts.issue_token(conn, name, by=by)

    def login(self, name: str, password: str, client: str) -> tuple[Actor, str]:
        """Returns the actor and the session secret; failed attempts are stored and audited
        (their transaction commits before the error propagates)."""
        failure: Exception | None = None
        with self.transaction() as conn:
            try:
                return accounts.login(conn, name, password, client)
            except accounts.AuthenticationFailed as exc:
                failure = exc  # commit the counted attempt, then raise
        assert failure is not None
        raise failure

    def logout(self, secret: str, actor: Actor) -> None:
        with self.transaction() as conn:
            accounts.logout(conn, secret, actor)

    def actor_for_token(self, token: str, client: str | None = None) -> Actor | None:
        with self.database.engine.connect() as conn:
            return accounts.token_actor(conn, token, client)

    def actor_for_session(self, secret: str, client: str | None = None) -> Actor | None:
        with self.database.engine.connect() as conn:
            return accounts.session_actor(conn, secret, client)

    def login_configured(self) -> bool:
        with self.database.engine.connect() as conn:
            return accounts.login_configured(conn)

    def suppliers(self, by: Actor = accounts.CLI_ACTOR) -> list[dict[str, Any]]:
        self._staff(by, "listing suppliers")
        with self.reading() as conn:
            names = conn.execute(select(_SUPPLIER.c.id, _SUPPLIER.c.name)
                                 .order_by(_SUPPLIER.c.name)).all()
            owners = req.assignments(conn)
            users = accounts.list_users(conn)
        parts: dict[str, int] = {}
        for org in owners.values():
            parts[org] = parts.get(org, 0) + 1
        return [{"name": name, "parts": parts.get(name, 0),
                 "users": [u.name for u in users if u.supplier == name]}
                for _, name in names]

    # -- parts and requests ------------------------------------------------------------------

    def assign(self, pairs: list[tuple[str, str]], *, by: Actor = accounts.CLI_ACTOR) -> int:
        self._staff(by, "assigning parts to suppliers")
        with self.transaction() as conn:
            return req.assign(conn, pairs, by=by)

    def _product(self, product_number: str) -> ProductView:
        try:
            view = self.database.show(product_number)
        except KeyError:
            raise NotFound(f"no product {product_number!r}") from None
        return req.require_product(view, product_number)

    def request_plan(self, product_number: str, *, by: Actor = accounts.CLI_ACTOR
                     ) -> req.RequestPlan:
        self._staff(by, "planning requests")
        view = self._product(product_number)
        with self.reading() as conn:
            return req.plan_requests(conn, view)

    def create_requests(self, product_number: str, due_date: date, *,
                        by: Actor = accounts.CLI_ACTOR) -> list[req.RequestInfo]:
        self._staff(by, "creating requests")
        view = self._product(product_number)
        with self.transaction() as conn:
            return req.create_requests(conn, view, due_date, by=by)

    def requests(self, actor: Actor, *, product_number: str | None = None
                 ) -> list[req.RequestInfo]:
        """The caller's requests: a supplier sees its organisation's, staff see all."""
        if not actor.is_staff and actor.supplier_id is None:
            return []
        with self.reading() as conn:
            return req.list_requests(conn, org_id=None if actor.is_staff else actor.supplier_id,
                                     product_number=product_number)

    def request(self, actor: Actor, request_id: int) -> req.RequestInfo:
        with self.reading() as conn:
            return req.get_request(conn, request_id, actor)

    def part(self, actor: Actor, part_number: str) -> PartView:
        """A declared part as ``gscdm show --json`` gives it, if the caller may see it."""
        if not actor.is_staff:
            with self.reading() as conn:
                mine = actor.supplier_id is not None and req.assigned_to(
                    conn, actor.supplier_id, [part_number])
            if not mine:
                raise NotFound(f"no declared part {part_number!r}")
        try:
            view = self.database.show(part_number)
        except KeyError:
            raise NotFound(f"no declared part {part_number!r}") from None
        if not isinstance(view, PartView):
            raise NotFound(f"no declared part {part_number!r}")
        return view

    def products(self, actor: Actor) -> list[str]:
        if actor.is_staff:
            return [p.product_number for p in self.database.products()]
        return []

    def coverage(self, product_number: str, *, by: Actor = accounts.CLI_ACTOR,
                 today: date | None = None, compliance: bool = True) -> req.Coverage:
        """Share of parts and of mass with a current valid declaration, overdue requests, and
        compliance findings that need a supplier's action."""
        self._staff(by, "coverage")
        view = self._product(product_number)
        findings: list[dict[str, Any]] = []
        if compliance:
            result = self.workspace.compliance(product_number)
            for finding in result.findings:
                if finding.outcome in SUPPLIER_ACTIONS:
                    findings.append({**finding.as_json(),
                                     "action": SUPPLIER_ACTIONS[finding.outcome]})
            for unresolved in result.unresolved:
                findings.append({**unresolved.as_json(), "regulation": None,
                                 "outcome": "unresolved",
                                 "action": f"identify the substance: {unresolved.reason}"})
        with self.reading() as conn:
            return req.coverage(conn, view, findings, today)

    # -- submissions -------------------------------------------------------------------------

    def submit(self, actor: Actor, uploads: list[tuple[str, bytes] | RefusedFile]
               ) -> Submission:
        """Import uploaded files (or zips of them) exactly as ``gscdm import`` does, file by
        file, each in one transaction, with the submission and audit rows in that transaction.

        A supplier may only declare parts assigned to its organisation; a file naming any other
        part is rejected whole, like any invalid file, and writes nothing."""
        now = datetime.now(UTC)
        with self.transaction() as conn:
            submission_id = int(conn.execute(_SUBMISSION.insert().returning(_SUBMISSION.c.id), [{
                "user_id": actor.user_id, "supplier_id": actor.supplier_id,
                "created_at": now}]).scalar_one())
        folder = self.upload_dir / str(submission_id)
        results: list[FileResult] = []
        position = 0
        for upload in uploads:
            items = [upload] if isinstance(upload, RefusedFile) else unpack(*upload)
            for item in items:
                results.append(self._submit_one(actor, submission_id, position, folder, item))
                position += 1
        with contextlib.suppress(OSError):
            folder.rmdir()  # only succeeds when nothing of this submission was kept
        return Submission(submission_id, actor.name, actor.supplier, now, results)

    def _submit_one(self, actor: Actor, submission_id: int, position: int, folder: Path,
                    item: IncomingFile | RefusedFile) -> FileResult:
        if isinstance(item, RefusedFile):
            error = item.error.as_dict()
            result = FileResult(item.name, "rejected", error={**error, "file": item.name,
                                                             "text": _cli_text(error)})
            self._record(actor, submission_id, position, result, item.size)
            return result
        digest = hashlib.sha256(item.data).hexdigest()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{position:05d}-{safe_name(item.name)}"
        _write_atomically(path, item.data)

        def authorise(session: Session, parts: list[str]) -> None:
            if actor.is_staff:
                return
            conn = session.connection()
            mine = (req.assigned_to(conn, actor.supplier_id, parts)
                    if actor.supplier_id is not None else set())
            foreign = [p for p in parts if p not in mine]
            if foreign:
                raise FmdError(
                    f"part {foreign[0]!r} is not assigned to supplier {actor.supplier!r}; only "
                    "the OEM can assign parts to suppliers", path=str(path),
                    part_number=foreign[0], field="PartID", code="part-not-assigned")

        accepted: list[FileResult] = []

        def record(session: Session, outcome: FileOutcome) -> None:
            conn = session.connection()
            result = self._result(conn, item.name, digest, outcome)
            self._insert_file(conn, actor, submission_id, position, result, len(item.data))
            accepted.append(result)

        outcome = import_declaration(self.database.sessions, path,
                                     policy=ValidationPolicy(lenient=False),
                                     authorise=authorise, record=record)
        if outcome.status == "imported":
            return accepted[0]
        path.unlink(missing_ok=True)  # only accepted declarations are archived
        with self.database.engine.connect() as conn:
            result = self._result(conn, item.name, digest, outcome, archive=str(path))
        self._record(actor, submission_id, position, result, len(item.data))
        return result

    @staticmethod
    def _result(conn: Connection, name: str, digest: str, outcome: FileOutcome,
                archive: str | None = None) -> FileResult:
        if outcome.status == "rejected":
            assert outcome.error is not None
            error = dict(outcome.error)
            if error.get("file") in (outcome.path, archive):
                error["file"] = name
            error["text"] = _cli_text(error)
            return FileResult(name, "rejected", sha256=digest, error=error)
        masses = dict(conn.execute(
            select(m.Part.part_number, m.PartVersion.mass_g)
            .join(m.PartVersion, m.PartVersion.part_id == m.Part.id)
            .join(m.Declaration, m.Declaration.id == m.PartVersion.declaration_id)
            .where(m.Declaration.sha256 == digest)).all())
        materials = outcome.materials
        if outcome.status == "unchanged":
            materials = int(conn.execute(
                select(func.count(m.HomogeneousMaterial.id))
                .join(m.PartVersion, m.PartVersion.id == m.HomogeneousMaterial.part_version_id)
                .join(m.Declaration, m.Declaration.id == m.PartVersion.declaration_id)
                .where(m.Declaration.sha256 == digest)).scalar() or 0)
        parts = list(outcome.parts)
        mass = sum(v for v in masses.values() if v is not None) if masses else None
        return FileResult(name, "accepted" if outcome.status == "imported" else "unchanged",
                          part_number=parts[0] if parts else None, parts=parts,
                          mass_g=mass, materials=materials, sha256=digest)

    def _record(self, actor: Actor, submission_id: int, position: int, result: FileResult,
                size: int) -> None:
        with self.transaction() as conn:
            self._insert_file(conn, actor, submission_id, position, result, size)

    @staticmethod
    def _insert_file(conn: Connection, actor: Actor, submission_id: int, position: int,
                     result: FileResult, size: int) -> None:
        declaration_id = None
        if result.status != "rejected" and result.sha256:
            declaration_id = conn.execute(select(m.Declaration.id).where(
                m.Declaration.sha256 == result.sha256)).scalar()
        conn.execute(insert(_SUBMISSION_FILE), [{
            "submission_id": submission_id, "position": position, "file_name": result.file,
            "sha256": result.sha256, "size": size, "status": result.status,
            "part_numbers": result.parts, "mass_g": result.mass_g,
            "materials": result.materials, "error": result.error,
            "declaration_id": declaration_id}])
        audit.append(conn, actor=actor.name, role=actor.role, supplier=actor.supplier,
                     action="declaration-submitted", subject=result.file,
                     file_sha256=result.sha256, verdict=result.status,
                     detail={"submission": submission_id, "parts": result.parts,
                             **({"error": result.error.get("error"),
                                 "message": result.error.get("message")}
                                if result.error else {})},
                     client=actor.client)

    def submissions(self, actor: Actor, *, limit: int = 200) -> list[Submission]:
        """The caller's own submissions, newest first."""
        with self.reading() as conn:
            ids = conn.execute(select(_SUBMISSION.c.id).where(
                _SUBMISSION.c.user_id == actor.user_id).order_by(_SUBMISSION.c.id.desc())
                .limit(limit)).scalars().all()
            return [self._load_submission(conn, i) for i in ids]

    def submission(self, actor: Actor, submission_id: int) -> Submission:
        """One submission: its author's, its organisation's, or any for staff."""
        with self.reading() as conn:
            row = conn.execute(select(_SUBMISSION).where(_SUBMISSION.c.id == submission_id)
                               ).first()
            visible = row is not None and (
                actor.is_staff or row.user_id == actor.user_id
                or (actor.supplier_id is not None and row.supplier_id == actor.supplier_id))
            if not visible:
                raise NotFound(f"no submission {submission_id}")
            return self._load_submission(conn, submission_id)

    @staticmethod
    def _load_submission(conn: Connection, submission_id: int) -> Submission:
        head = conn.execute(
            select(_SUBMISSION.c.id, _SUBMISSION.c.created_at, _USER.c.name,
                   _SUPPLIER.c.name.label("supplier"))
            .join(_USER, _USER.c.id == _SUBMISSION.c.user_id)
            .join(_SUPPLIER, _SUPPLIER.c.id == _SUBMISSION.c.supplier_id, isouter=True)
            .where(_SUBMISSION.c.id == submission_id)).one()
        files = conn.execute(select(_SUBMISSION_FILE).where(
            _SUBMISSION_FILE.c.submission_id == submission_id)
            .order_by(_SUBMISSION_FILE.c.position)).all()
        results = [FileResult(f.file_name, f.status,
                              part_number=f.part_numbers[0] if f.part_numbers else None,
                              parts=list(f.part_numbers or []), mass_g=f.mass_g,
                              materials=f.materials, sha256=f.sha256, error=f.error)
                   for f in files]
        return Submission(head.id, head.name, head.supplier, head.created_at, results)

    def prune_uploads(self, *, older_than_s: float = 3600.0) -> list[Path]:
        """Delete archived files that no declaration refers to: what a server killed between
        writing a file and committing its import left behind (the retried upload archives its
        own copy). Returns the deleted paths."""
        if not self.upload_dir.exists():
            return []
        with self.database.engine.connect() as conn:
            referenced = set(conn.execute(select(m.Declaration.file_name).where(
                m.Declaration.file_name.like(f"{self.upload_dir}%"))).scalars())
        removed = []
        now = datetime.now(UTC).timestamp()
        for path in sorted(self.upload_dir.rglob("*")):
            # a file being imported right now is not referenced yet: only old ones go
            if (path.is_file() and str(path) not in referenced
                    and now - path.stat().st_mtime >= older_than_s):
                path.unlink()
                removed.append(path)
        for folder in sorted(self.upload_dir.iterdir(), reverse=True):
            with contextlib.suppress(OSError):
                folder.rmdir()
        return removed

    def audit_log(self, by: Actor = accounts.CLI_ACTOR, *, limit: int = 500
                  ) -> list[audit.AuditEntry]:
        self._staff(by, "reading the audit log")
        with self.reading() as conn:
            return audit.entries(conn, limit=limit)


def _write_atomically(path: Path, data: bytes) -> None:
    """Write, flush to disk, then rename: a killed server leaves a whole file or none."""
    temporary = path.with_name(path.name + ".part")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def open_portal(home: str | Path | None = None, db_url: str | None = None) -> Portal:
    """A portal over the workspace at ``home`` (or ``db_url``), its schema checked."""
    workspace = Workspace.open(home, db_url)
    workspace.database.require_schema()
    return Portal(workspace)


