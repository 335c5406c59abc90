"""Who declares which part, the OEM's requests for declarations, and coverage per product.

Coverage of a product counts the parts that need a declaration: every BoM leaf, and every
assembly that has a declaration of its own (an assembly's own declaration covers only what its
children do not, e.g. adhesives and labels, so an assembly without one is not a gap). A part is
covered when it has a current declaration with no error-severity data-quality flag (a lenient
import keeps invalid declarations with such flags). The mass share weighs each covered part by
its own mass times its units per product, over the same sum for every counted part; a part with
no known mass counts in the part share only.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, and_, select
from sqlalchemy.dialects import postgresql, sqlite

from lca_engine.db import models as m
from lca_engine.db.models import table_of
from lca_engine.db.queries import ProductView

from . import audit
from .accounts import Actor, supplier_id
from .errors import InvalidInput, NotFound
from .tables import PortalPartSupplier, PortalRequest

_ASSIGN = table_of(PortalPartSupplier)
_REQUEST = table_of(PortalRequest)
_SUPPLIER = table_of(m.Supplier)
_PART = table_of(m.Part)
_VERSION = table_of(m.PartVersion)
_DECLARATION = table_of(m.Declaration)
_FLAG = table_of(m.QualityFlag)
ASSIGNMENT_COLUMNS = ("part_number", "supplier")


@dataclass(frozen=True, slots=True)
class PartState:
    """A part's declaration state, as coverage and requests see it."""

    declared: bool
    valid: bool
    imported_at: datetime | None


def part_states(conn: Connection, part_numbers: set[str]) -> dict[str, PartState]:
    if not part_numbers:
        return {}
    errors = (select(_FLAG.c.declaration_id).where(_FLAG.c.severity == "error")
              .distinct().subquery())
    rows = conn.execute(
        select(_PART.c.part_number, _DECLARATION.c.imported_at, errors.c.declaration_id)
        .join(_VERSION, _VERSION.c.id == _PART.c.current_version_id)
        .join(_DECLARATION, _DECLARATION.c.id == _VERSION.c.declaration_id)
        .join(errors, errors.c.declaration_id == _DECLARATION.c.id, isouter=True)
        .where(_PART.c.part_number.in_(part_numbers))).all()
    states = {p: PartState(False, False, None) for p in part_numbers}
    for number, imported_at, error_declaration in rows:
        states[number] = PartState(True, error_declaration is None, imported_at)
    return states


def assignments(conn: Connection, part_numbers: set[str] | None = None) -> dict[str, str]:
    """Part number → supplier organisation name."""
    query = select(_ASSIGN.c.part_number, _SUPPLIER.c.name).join(
        _SUPPLIER, _SUPPLIER.c.id == _ASSIGN.c.supplier_id)
    if part_numbers is not None:
        query = query.where(_ASSIGN.c.part_number.in_(part_numbers))
    return {r[0]: r[1] for r in conn.execute(query)}


def assigned_to(conn: Connection, org_id: int, part_numbers: list[str]) -> set[str]:
    """Which of ``part_numbers`` belong to organisation ``org_id``."""
    if not part_numbers:
        return set()
    return set(conn.execute(select(_ASSIGN.c.part_number).where(
        _ASSIGN.c.supplier_id == org_id, _ASSIGN.c.part_number.in_(part_numbers))).scalars())


def assign(conn: Connection, pairs: list[tuple[str, str]], *, by: Actor) -> int:
    """Assign parts to supplier organisations (a later assignment of a part replaces the
    earlier one); organisations are created on demand. Returns the number of pairs."""
    now = datetime.now(UTC)
    rows = []
    for part_number, org in pairs:
        part_number = part_number.strip()
        if not part_number:
            raise InvalidInput("empty part number", field="part_number")
        rows.append({"part_number": part_number, "supplier_id": supplier_id(conn, org,
                                                                              create=True),
                     "assigned_at": now, "assigned_by": by.name})
    if not rows:
        return 0
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(_ASSIGN)
    statement = statement.on_conflict_do_update(
        index_elements=["part_number"],
        set_={"supplier_id": statement.excluded.supplier_id,
              "assigned_at": statement.excluded.assigned_at,
              "assigned_by": statement.excluded.assigned_by})
    conn.execute(statement, rows)
    for part_number, org in pairs:
        audit.append(conn, actor=by.name, role=by.role, action="part-assigned",
                     subject=part_number.strip(), supplier=org.strip(), client=by.client)
    return len(rows)


def read_assignment_table(path: Path) -> list[tuple[str, str]]:
    """A CSV with the columns ``part_number`` and ``supplier``; any other column is an error."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read: {exc.strerror}", field="file") from None
    with handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        unknown = [c for c in header if c not in ASSIGNMENT_COLUMNS]
        if unknown:
            raise InvalidInput(f"{path}:1: unknown column(s) {', '.join(map(repr, unknown))}; "
                               f"the columns are {', '.join(ASSIGNMENT_COLUMNS)}", field="column")
        missing = [c for c in ASSIGNMENT_COLUMNS if c not in header]
        if missing:
            raise InvalidInput(f"{path}:1: missing column(s) {', '.join(missing)}",
                               field="column")
        pairs = []
        for row in reader:
            part, org = (row.get("part_number") or "").strip(), (row.get("supplier") or "").strip()
            if not part or not org:
                raise InvalidInput(f"{path}:{reader.line_num}: part_number and supplier are "
                                   "both required", field="part_number" if not part
                                   else "supplier")
            pairs.append((part, org))
    return pairs


# -- requests --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RequestInfo:
    id: int
    product_number: str
    part_number: str
    supplier: str
    due_date: date
    created_at: datetime
    created_by: str
    status: str  # "open", "overdue" or "fulfilled"
    fulfilled_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "product_number": self.product_number,
                "part_number": self.part_number, "supplier": self.supplier,
                "due_date": self.due_date.isoformat(), "created_at": _iso(self.created_at),
                "created_by": self.created_by, "status": self.status,
                "fulfilled_at": _iso(self.fulfilled_at)}


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def _status(state: PartState, due: date, today: date) -> str:
    if state.declared and state.valid:
        return "fulfilled"
    return "overdue" if due < today else "open"


def list_requests(conn: Connection, *, org_id: int | None = None,
                  product_number: str | None = None, request_id: int | None = None,
                  today: date | None = None) -> list[RequestInfo]:
    """Requests, newest first; ``org_id`` restricts them to one supplier organisation."""
    today = today or datetime.now(UTC).date()
    query = (select(_REQUEST, _SUPPLIER.c.name.label("supplier"))
             .join(_SUPPLIER, _SUPPLIER.c.id == _REQUEST.c.supplier_id)
             .order_by(_REQUEST.c.id.desc()))
    if org_id is not None:
        query = query.where(_REQUEST.c.supplier_id == org_id)
    if product_number is not None:
        query = query.where(_REQUEST.c.product_number == product_number)
    if request_id is not None:
        query = query.where(_REQUEST.c.id == request_id)
    rows = conn.execute(query).all()
    states = part_states(conn, {r.part_number for r in rows})
    return [RequestInfo(r.id, r.product_number, r.part_number, r.supplier, r.due_date,
                        r.created_at, r.created_by, _status(states[r.part_number], r.due_date,
                                                            today),
                        states[r.part_number].imported_at
                        if states[r.part_number].declared else None) for r in rows]


@dataclass(slots=True)
class RequestPlan:
    """The parts of a product without a current valid declaration, by supplier."""

    product_number: str
    by_supplier: dict[str, list[str]] = field(default_factory=dict)
    unassigned: list[str] = field(default_factory=list)
    already_requested: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"product_number": self.product_number, "by_supplier": self.by_supplier,
                "unassigned": self.unassigned, "already_requested": self.already_requested}


def counted_parts(view: ProductView) -> dict[str, tuple[float | None, float]]:
    """Part number → (own mass in g, units per product) of the parts that need a declaration."""
    parts: dict[str, tuple[float | None, float]] = {}
    for node in view.nodes:
        if node.children and not node.declared:
            continue  # an assembly without a declaration of its own: its children count
        mass, units = parts.get(node.part_number, (node.own_mass_g, 0.0))
        parts[node.part_number] = (mass, units + node.total_quantity)
    return parts


def plan_requests(conn: Connection, view: ProductView, today: date | None = None
                  ) -> RequestPlan:
    today = today or datetime.now(UTC).date()
    parts = counted_parts(view)
    states = part_states(conn, set(parts))
    owners = assignments(conn, set(parts))
    open_requests = {r.part_number for r in list_requests(conn, product_number=
                                                          view.product_number, today=today)
                     if r.status != "fulfilled"}
    plan = RequestPlan(view.product_number)
    for part in sorted(parts):
        if states[part].declared and states[part].valid:
            continue
        if part in open_requests:
            plan.already_requested.append(part)
        elif part in owners:
            plan.by_supplier.setdefault(owners[part], []).append(part)
        else:
            plan.unassigned.append(part)
    return plan


def create_requests(conn: Connection, view: ProductView, due_date: date, *, by: Actor,
                    today: date | None = None) -> list[RequestInfo]:
    """Request a declaration of every part of the product that has none (current and valid)
    and no open request yet, from the organisation the part is assigned to."""
    today = today or datetime.now(UTC).date()
    if due_date < today:
        raise InvalidInput(f"due date {due_date.isoformat()} is in the past", field="due_date")
    plan = plan_requests(conn, view, today)
    now = datetime.now(UTC)
    created_ids = []
    for org, parts in plan.by_supplier.items():
        org_id = supplier_id(conn, org, create=False)
        for part in parts:
            created_ids.append(conn.execute(_REQUEST.insert().returning(_REQUEST.c.id), [{
                "product_number": view.product_number, "part_number": part,
                "supplier_id": org_id, "due_date": due_date, "created_at": now,
                "created_by": by.name}]).scalar_one())
            audit.append(conn, actor=by.name, role=by.role, supplier=org,
                         action="request-created", subject=f"{view.product_number}/{part}",
                         detail={"due_date": due_date.isoformat()}, client=by.client)
    if not created_ids:
        return []
    created = {r.id: r for r in list_requests(conn, product_number=view.product_number,
                                              today=today)}
    return [created[i] for i in created_ids]


def get_request(conn: Connection, request_id: int, actor: Actor) -> RequestInfo:
    """One request, if the caller may see it; otherwise ``NotFound`` (never 'forbidden', so
    guessing ids reveals nothing)."""
    org = None if actor.is_staff else actor.supplier_id
    if not actor.is_staff and org is None:
        raise NotFound(f"no request {request_id}")
    found = list_requests(conn, org_id=org, request_id=request_id)
    if not found:
        raise NotFound(f"no request {request_id}")
    return found[0]


# -- coverage --------------------------------------------------------------------------------

@dataclass(slots=True)
class PartCoverage:
    part_number: str
    supplier: str | None
    mass_g: float | None
    units: float
    declared: bool
    valid: bool
    request: str | None  # status of the newest request, if any

    def as_json(self) -> dict[str, Any]:
        return {"part_number": self.part_number, "supplier": self.supplier,
                "mass_g": self.mass_g, "units": self.units, "declared": self.declared,
                "valid": self.valid, "request": self.request}


@dataclass(slots=True)
class Coverage:
    product_number: str
    name: str | None
    parts: list[PartCoverage]
    overdue: list[RequestInfo]
    findings: list[dict[str, Any]]  # compliance findings that need a supplier's action

    @property
    def parts_total(self) -> int:
        return len(self.parts)

    @property
    def parts_covered(self) -> int:
        return sum(1 for p in self.parts if p.declared and p.valid)

    @property
    def mass_total_g(self) -> float:
        return sum((p.mass_g or 0.0) * p.units for p in self.parts)

    @property
    def mass_covered_g(self) -> float:
        return sum((p.mass_g or 0.0) * p.units for p in self.parts if p.declared and p.valid)

    @property
    def share_parts(self) -> float:
        return self.parts_covered / self.parts_total if self.parts_total else 0.0

    @property
    def share_mass(self) -> float:
        total = self.mass_total_g
        return self.mass_covered_g / total if total else 0.0

    def as_json(self) -> dict[str, Any]:
        return {"product_number": self.product_number, "name": self.name,
                "parts_total": self.parts_total, "parts_covered": self.parts_covered,
                "share_parts": self.share_parts, "mass_total_g": self.mass_total_g,
                "mass_covered_g": self.mass_covered_g, "share_mass": self.share_mass,
                "parts": [p.as_json() for p in self.parts],
                "overdue_requests": [r.as_json() for r in self.overdue],
                "findings_for_suppliers": self.findings}


def coverage(conn: Connection, view: ProductView, findings: list[dict[str, Any]],
             today: date | None = None) -> Coverage:
    today = today or datetime.now(UTC).date()
    parts = counted_parts(view)
    states = part_states(conn, set(parts))
    owners = assignments(conn, set(parts))
    newest: dict[str, RequestInfo] = {}
    overdue: list[RequestInfo] = []
    for request in list_requests(conn, product_number=view.product_number, today=today):
        newest.setdefault(request.part_number, request)
        if request.status == "overdue":
            overdue.append(request)
    rows = [PartCoverage(part, owners.get(part), mass, units, states[part].declared,
                         states[part].valid,
                         newest[part].status if part in newest else None)
            for part, (mass, units) in sorted(parts.items())]
    for finding in findings:
        finding["supplier"] = owners.get(finding["part_number"])
    return Coverage(view.product_number, view.name, rows, overdue, findings)


def supplier_products(conn: Connection, org_id: int) -> set[str]:
    """Products whose BoM holds a part assigned to the organisation."""
    bom = table_of(m.BomLine)
    product = table_of(m.Product)
    return set(conn.execute(
        select(product.c.product_number).join(bom, bom.c.product_id == product.c.id)
        .join(_ASSIGN, and_(_ASSIGN.c.part_number == bom.c.part_number,
                            _ASSIGN.c.supplier_id == org_id))).scalars())


def group_by_supplier(requests: list[RequestInfo]) -> dict[str, list[RequestInfo]]:
    grouped: dict[str, list[RequestInfo]] = defaultdict(list)
    for request in requests:
        grouped[request.supplier].append(request)
    return dict(grouped)


def require_product(view: Any, product_number: str) -> ProductView:
    if not isinstance(view, ProductView):
        raise NotFound(f"no product {product_number!r}")
    return view
