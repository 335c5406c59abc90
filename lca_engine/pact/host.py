"""The PACT v3 host system's state: clients, access tokens, published footprints and events.

Everything the HTTP layer (``gscdm.pact_host``) answers is decided here, so it can be used and
tested without a server:

- **clients** (``gscdm pact clients add|list|revoke``): a client id and a secret shown once and
  stored as an scrypt hash (RFC 7914; stdlib ``hashlib.scrypt``);
- **tokens** (OAuth 2.0 client credentials grant, RFC 6749 §4.4): random bearer tokens stored as
  SHA-256 digests, expiring after ``token_lifetime_s``; a revoked client's tokens stop working;
- **footprints** (``gscdm pact publish``): PACT v3 footprints are immutable, so publishing a
  changed footprint of a product stores it under a new id whose ``precedingPfIds`` name every
  earlier version, and marks the previous one ``Deprecated``; an unchanged footprint is not
  published twice. Listing applies the v3 filters (OR within a filter, AND between them);
- **events** (CloudEvents 1.0, structured mode): a request for footprints is answered
  asynchronously with a RequestFulfilledEvent holding the matching active footprints, or a
  RequestRejectedEvent when none match; published, fulfilled and rejected notices are
  validated and recorded.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import insert, select, update

from lca_engine.db.models import pact_client, pact_event, pact_footprint, pact_token

if TYPE_CHECKING:
    from lca_engine.db import MaterialDatabase

#: Event types of the released v3 specification (and of the conformance tool), and the draft
#: names still printed in the v3 OpenAPI document, accepted as the same events.
REQUEST_CREATED = "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3"
REQUEST_FULFILLED = "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3"
REQUEST_REJECTED = "org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3"
PUBLISHED = "org.wbcsd.pact.ProductFootprint.PublishedEvent.3"
EVENT_ALIASES = {
    "org.wbcsd.pathfinder.ProductFootprintRequest.Created.v1": REQUEST_CREATED,
    "org.wbcsd.pathfinder.ProductFootprintRequest.Fulfilled.v1": REQUEST_FULFILLED,
    "org.wbcsd.pathfinder.ProductFootprintRequest.Rejected.v1": REQUEST_REJECTED,
    "org.wbcsd.pathfinder.ProductFootprint.Published.v1": PUBLISHED,
}
FILTER_KEYS = ("productId", "companyId", "geography", "classification", "validOn",
               "validAfter", "validBefore", "status")
STATUSES = ("Active", "Deprecated")
#: Fields that change when a footprint is (re)published but do not make it another footprint.
VOLATILE = ("id", "created", "updated", "status", "statusComment", "precedingPfIds",
            "validityPeriodStart", "validityPeriodEnd", "version")
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
DEFAULT_TOKEN_LIFETIME_S = 3600
#: A PCF without a validity period is valid for 3 years after its reference period (v3.0).
DEFAULT_VALIDITY_YEARS = 3


class PactError(Exception):
    """An error the host answers with PACT's error object: ``code`` from the v3 Error enum."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class InvalidClientError(Exception):
    """Client authentication failed (OAuth 2.0 ``invalid_client``)."""


def _bad(message: str) -> PactError:
    return PactError("BadRequest", message, 400)


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str, field_name: str) -> datetime:
    """An RFC 3339 date-time (``Z`` or an offset); a date alone means its midnight UTC."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except (ValueError, AttributeError):
        raise _bad(f"{field_name}: {text!r} is not an RFC 3339 date-time") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _hash_secret(secret: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, dklen=32, **SCRYPT)
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${salt.hex()}${digest.hex()}"


def _check_secret(secret: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if kind != "scrypt":
        return False
    candidate = hashlib.scrypt(secret.encode(), salt=bytes.fromhex(salt), dklen=32, n=int(n),
                               r=int(r), p=int(p))
    return hmac.compare_digest(candidate.hex(), digest)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def content_digest(document: dict[str, Any]) -> str:
    """SHA-256 of what a footprint says (without id, dates, status and lineage)."""
    body = {k: v for k, v in document.items() if k not in VOLATILE}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()
                          ).hexdigest()


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    client_id: str
    client_secret: str
    name: str

    def as_json(self) -> dict[str, str]:
        return {"client_id": self.client_id, "client_secret": self.client_secret}


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    expires_in: int

    def as_json(self) -> dict[str, Any]:
        return {"access_token": self.access_token, "token_type": "Bearer",
                "expires_in": self.expires_in}


@dataclass(frozen=True, slots=True)
class PublishOutcome:
    id: str
    product: str
    published: bool  # False: the same footprint is already the active one
    deprecated: str | None  # the predecessor now marked Deprecated
    preceding_ids: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "product": self.product, "published": self.published,
                "deprecated": self.deprecated, "precedingPfIds": list(self.preceding_ids)}


@dataclass(slots=True)
class FootprintFilter:
    """The v3 ListFootprints / RequestCreatedEvent criteria: OR within one, AND between."""

    product_ids: list[str] = field(default_factory=list)
    company_ids: list[str] = field(default_factory=list)
    geographies: list[str] = field(default_factory=list)
    classifications: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    valid_on: datetime | None = None
    valid_after: datetime | None = None
    valid_before: datetime | None = None

    @classmethod
    def from_mapping(cls, values: dict[str, list[str]], where: str) -> FootprintFilter:
        """From query parameters or an event's ``data`` (each value a list of strings)."""
        def one(key: str) -> datetime | None:
            items = values.get(key) or []
            if len(items) > 1:
                raise _bad(f"{where}: {key} may be given once")
            return parse_time(items[0], f"{where}: {key}") if items else None

        return cls(product_ids=list(values.get("productId") or []),
                   company_ids=list(values.get("companyId") or []),
                   geographies=list(values.get("geography") or []),
                   classifications=list(values.get("classification") or []),
                   statuses=list(values.get("status") or []),
                   valid_on=one("validOn"), valid_after=one("validAfter"),
                   valid_before=one("validBefore"))

    def matches(self, document: dict[str, Any]) -> bool:
        def any_of(wanted: list[str], present: Iterable[str]) -> bool:
            return not wanted or bool(set(wanted) & set(present))

        pcf = document.get("pcf") or {}
        geography = [pcf[k] for k in ("geographyCountry", "geographyRegionOrSubregion",
                                      "geographyCountrySubdivision") if pcf.get(k)]
        if not (any_of(self.product_ids, document.get("productIds") or [])
                and any_of(self.company_ids, document.get("companyIds") or [])
                and any_of(self.geographies, geography)
                and any_of(self.classifications, document.get("productClassifications") or [])
                and any_of(self.statuses, [document.get("status", "")])):
            return False
        if self.valid_on or self.valid_after or self.valid_before:
            start, end = validity(document)
            if self.valid_on and not (start <= self.valid_on <= end):
                return False
            if self.valid_after and not start > self.valid_after:
                return False
            if self.valid_before and not end < self.valid_before:
                return False
        return True


def validity(document: dict[str, Any]) -> tuple[datetime, datetime]:
    """The validity period: as stated, else 3 years from the reference period's end (v3.0)."""
    pcf = document.get("pcf") or {}
    reference_end = parse_time(pcf["referencePeriodEnd"], "referencePeriodEnd") \
        if pcf.get("referencePeriodEnd") else None
    start_text, end_text = document.get("validityPeriodStart"), document.get("validityPeriodEnd")
    start = parse_time(start_text, "validityPeriodStart") if start_text else reference_end
    if end_text:
        end = parse_time(end_text, "validityPeriodEnd")
    elif reference_end is not None:
        end = reference_end.replace(year=reference_end.year + DEFAULT_VALIDITY_YEARS)
    else:
        end = None
    if start is None or end is None:
        raise _bad(f"footprint {document.get('id')}: no validity period and no reference period")
    return start, end


@dataclass(frozen=True, slots=True)
class EventOutcome:
    """What the host does with an accepted event: record it, and perhaps send a reply."""

    record_id: int
    event_type: str
    reply_url: str | None = None
    reply: dict[str, Any] | None = None


def reply_url(source: str) -> str | None:
    """Where the answer to a request goes: the requester's Action Events endpoint, taken from
    the event's ``source`` (an absolute http(s) URL, or ``//host/path``); ``/3/events`` is
    appended unless the source already names it. None when the source is not a URL."""
    text = f"https:{source}" if source.startswith("//") else source
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    path = parts.path.rstrip("/")
    if not path.endswith("/3/events"):
        path += "/3/events"
    return parts._replace(path=path, query="", fragment="").geturl()


class PactHost:
    """The host system of one database (see the module docstring)."""

    def __init__(self, db: MaterialDatabase, *,
                 token_lifetime_s: int = DEFAULT_TOKEN_LIFETIME_S,
                 clock: Callable[[], datetime] = utc_now) -> None:
        db.require_schema()
        self.db = db
        self.token_lifetime_s = token_lifetime_s
        self.clock = clock

    # -- clients -----------------------------------------------------------------------------

    def add_client(self, name: str) -> ClientCredentials:
        if not name.strip():
            raise ValueError("a client needs a name")
        credentials = ClientCredentials(client_id=f"gscdm-{secrets.token_hex(8)}",
                                        client_secret=secrets.token_urlsafe(32), name=name)
        with self.db.engine.begin() as conn:
            conn.execute(insert(pact_client).values(
                client_id=credentials.client_id, name=name,
                secret_hash=_hash_secret(credentials.client_secret),
                created_at=iso(self.clock())))
        return credentials

    def clients(self) -> list[dict[str, Any]]:
        with self.db.engine.connect() as conn:
            rows = conn.execute(select(pact_client.c.client_id, pact_client.c.name,
                                       pact_client.c.created_at, pact_client.c.revoked_at)
                                .order_by(pact_client.c.id)).all()
        return [{"client_id": r.client_id, "name": r.name, "created_at": r.created_at,
                 "revoked_at": r.revoked_at, "active": r.revoked_at is None} for r in rows]

    def revoke_client(self, client_id: str) -> None:
        with self.db.engine.begin() as conn:
            done = conn.execute(update(pact_client).where(
                (pact_client.c.client_id == client_id) & pact_client.c.revoked_at.is_(None))
                .values(revoked_at=iso(self.clock()))).rowcount
            if not done:
                raise LookupError(f"no active PACT client {client_id!r}")
            conn.execute(pact_token.delete().where(pact_token.c.client_id == client_id))

    # -- tokens ------------------------------------------------------------------------------

    def issue_token(self, client_id: str, client_secret: str) -> IssuedToken:
        with self.db.engine.begin() as conn:
            row = conn.execute(select(pact_client.c.secret_hash, pact_client.c.revoked_at)
                               .where(pact_client.c.client_id == client_id)).first()
            if row is None or row.revoked_at is not None or not _check_secret(
                    client_secret, row.secret_hash):
                raise InvalidClientError("client authentication failed")
            token = secrets.token_urlsafe(32)
            now = self.clock()
            conn.execute(insert(pact_token).values(
                token_sha256=_token_digest(token), client_id=client_id, issued_at=iso(now),
                expires_at=iso(now + timedelta(seconds=self.token_lifetime_s))))
            # expired tokens are kept a day, so their holders hear "TokenExpired", not "invalid"
            conn.execute(pact_token.delete().where(
                pact_token.c.expires_at < iso(now - timedelta(days=1))))
        return IssuedToken(token, self.token_lifetime_s)

    def authenticate(self, token: str | None) -> str:
        """The client a bearer token belongs to; ``PactError`` (401) when it is missing, unknown,
        revoked or expired."""
        if not token:
            raise PactError("BadRequest", "no bearer token (Authorization: Bearer …)", 401)
        with self.db.engine.connect() as conn:
            row = conn.execute(select(pact_token.c.client_id, pact_token.c.expires_at)
                               .where(pact_token.c.token_sha256 == _token_digest(token))).first()
        if row is None:
            raise PactError("BadRequest", "Invalid token provided", 401)
        if row.expires_at <= iso(self.clock()):
            raise PactError("TokenExpired", "the access token has expired", 401)
        return str(row.client_id)

    # -- footprints --------------------------------------------------------------------------

    def publish(self, product_number: str, document: dict[str, Any],
                validate: Callable[[dict[str, Any]], list[str]]) -> PublishOutcome:
        """Publish ``document`` (a v3 ProductFootprint of the product) as described above."""
        digest = content_digest(document)
        now = iso(self.clock())
        with self.db.engine.begin() as conn:
            active = conn.execute(select(pact_footprint).where(
                (pact_footprint.c.product_number == product_number)
                & (pact_footprint.c.status == "Active"))
                .order_by(pact_footprint.c.created_at.desc())).first()
            if active is not None and active.content_sha256 == digest:
                previous = _document(active)
                return PublishOutcome(active.id, product_number, False, None,
                                      tuple(previous.get("precedingPfIds") or ()))
            new_id = str(document["id"])
            taken = conn.execute(select(pact_footprint.c.id)
                                 .where(pact_footprint.c.id == new_id)).first()
            if taken is not None:
                new_id = str(uuid.uuid4())  # the same inputs published before, then changed
            preceding: list[str] = []
            if active is not None:
                previous = _document(active)
                preceding = [active.id, *previous.get("precedingPfIds", [])]
            published = {**document, "id": new_id, "status": "Active", "created": now,
                         "version": 1}
            published.pop("precedingPfIds", None)
            if preceding:
                published["precedingPfIds"] = preceding
            errors = validate(published)
            if errors:
                raise ValueError("the footprint to publish does not validate: "
                                 + "; ".join(errors[:5]))
            if active is not None:
                retired = {**_document(active), "status": "Deprecated",
                           "statusComment": f"superseded by {new_id} on {now}"}
                conn.execute(update(pact_footprint).where(pact_footprint.c.id == active.id)
                             .values(status="Deprecated", superseded_by=new_id,
                                     document=retired))
            conn.execute(insert(pact_footprint).values(
                id=new_id, product_number=product_number, status="Active", created_at=now,
                content_sha256=digest, document=published))
        return PublishOutcome(new_id, product_number, True,
                              active.id if active is not None else None, tuple(preceding))

    def footprints(self, criteria: FootprintFilter | None = None, *,
                   as_of: str | None = None) -> list[dict[str, Any]]:
        """Footprints matching ``criteria``, oldest first; ``as_of`` (an ISO time) leaves out
        those published later, so a pagination link keeps returning the same set."""
        query = select(pact_footprint).order_by(pact_footprint.c.created_at, pact_footprint.c.id)
        if as_of is not None:
            query = query.where(pact_footprint.c.created_at <= as_of)
        with self.db.engine.connect() as conn:
            rows = conn.execute(query).all()
        documents = [_document(r) for r in rows]
        return [d for d in documents if criteria is None or criteria.matches(d)]

    def footprint(self, footprint_id: str) -> dict[str, Any]:
        with self.db.engine.connect() as conn:
            row = conn.execute(select(pact_footprint)
                               .where(pact_footprint.c.id == footprint_id)).first()
        if row is None:
            raise PactError("NotFound", f"Footprint with ID '{footprint_id}' does not exist", 404)
        return _document(row)

    # -- events ------------------------------------------------------------------------------

    def receive_event(self, event: Any, client_id: str | None, *, own_source: str,
                      on_footprints: Callable[[list[Any], str], dict[str, Any]] | None = None
                      ) -> EventOutcome:
        """Validate a CloudEvent, record it and decide the reply (``PactError`` 400 when the
        event is malformed; nothing is recorded then). ``own_source`` is this host's Action
        Events URL, the ``source`` of any reply. ``on_footprints`` receives the footprints of a
        fulfilled request (e.g. ``lca_engine.pact.supplier.import_documents``); what it returns
        is recorded with the event."""
        kind, data = _check_event(event)
        reply: dict[str, Any] | None = None
        url: str | None = None
        outcome = "accepted"
        result: dict[str, Any] | None = None
        if kind == REQUEST_FULFILLED and on_footprints is not None:
            result = on_footprints(data["pfs"], f"event {event['id']} from {event['source']}")
        if kind == REQUEST_CREATED:
            criteria = FootprintFilter.from_mapping(
                {k: v for k, v in data.items() if k != "comment"}, "event data")
            if not criteria.statuses:
                criteria.statuses = ["Active"]
            matches = self.footprints(criteria)
            url = reply_url(event["source"])
            base = {"specversion": "1.0", "id": str(uuid.uuid4()), "source": own_source,
                    "time": iso(self.clock())}
            if matches:
                reply = {**base, "type": REQUEST_FULFILLED,
                         "data": {"requestEventId": event["id"], "pfs": matches}}
                outcome = "fulfilled"
            else:
                reply = {**base, "type": REQUEST_REJECTED,
                         "data": {"requestEventId": event["id"], "error": {
                             "code": "NotFound",
                             "message": "no published footprint matches the request"}}}
                outcome = "rejected"
            if url is None:
                outcome = "undeliverable"
        with self.db.engine.begin() as conn:
            record = conn.execute(insert(pact_event).values(
                event_id=str(event["id"]), source=str(event["source"]), type=kind,
                client_id=client_id, received_at=iso(self.clock()), body=event,
                outcome=outcome, reply=reply, reply_url=url, result=result)
            ).inserted_primary_key
        assert record is not None  # an INSERT always returns its key
        return EventOutcome(int(record[0]), kind, url, reply)

    def record_delivery(self, record_id: int, error: str | None) -> None:
        with self.db.engine.begin() as conn:
            conn.execute(update(pact_event).where(pact_event.c.id == record_id).values(
                delivered_at=None if error else iso(self.clock()), delivery_error=error))

    def events(self) -> list[dict[str, Any]]:
        with self.db.engine.connect() as conn:
            rows = conn.execute(select(pact_event).order_by(pact_event.c.id)).all()
        return [dict(r._mapping) for r in rows]


def _document(row: Any) -> dict[str, Any]:
    document = row.document
    return dict(document) if isinstance(document, dict) else json.loads(document)


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _bad(f"{where} must be a list of non-empty strings")
    return value


def _check_event(event: Any) -> tuple[str, dict[str, Any]]:
    """The event's (canonical) type and data, or ``PactError`` naming what is wrong."""
    if not isinstance(event, dict):
        raise _bad("the body is not a CloudEvent (a JSON object)")
    for key in ("specversion", "id", "source", "type", "time", "data"):
        if key not in event:
            raise _bad(f"CloudEvent attribute {key!r} is missing")
    if event["specversion"] != "1.0":
        raise _bad(f"specversion {event['specversion']!r}: only CloudEvents 1.0 is supported")
    for key in ("id", "source", "type"):
        if not isinstance(event[key], str) or not event[key]:
            raise _bad(f"CloudEvent attribute {key!r} must be a non-empty string")
    parse_time(str(event["time"]), "time")
    kind = EVENT_ALIASES.get(event["type"], event["type"])
    data = event["data"]
    if not isinstance(data, dict):
        raise _bad("CloudEvent 'data' must be an object")
    if kind == REQUEST_CREATED:
        unknown = set(data) - {*FILTER_KEYS, "comment"}
        if unknown:
            raise _bad(f"unknown key(s) in the request's data: {', '.join(sorted(unknown))}; "
                       f"the filters are {', '.join(FILTER_KEYS)}")
        for key in ("productId", "companyId", "geography", "classification"):
            if key in data:
                _strings(data[key], f"data.{key}")
        for key in ("validOn", "validAfter", "validBefore"):
            if key in data:
                if not isinstance(data[key], str):
                    raise _bad(f"data.{key} must be a date-time string")
                data = {**data, key: [data[key]]}
        if "status" in data:
            if data["status"] not in STATUSES:
                raise _bad(f"data.status must be one of {', '.join(STATUSES)}")
            data = {**data, "status": [data["status"]]}
    elif kind == PUBLISHED:
        ids = _strings(data.get("pfIds"), "data.pfIds")
        for value in ids:
            try:
                uuid.UUID(value)
            except ValueError:
                raise _bad(f"data.pfIds: {value!r} is not a footprint id (a UUID)") from None
    elif kind == REQUEST_FULFILLED:
        if not isinstance(data.get("requestEventId"), str) or not data["requestEventId"]:
            raise _bad("data.requestEventId is missing")
        if not isinstance(data.get("pfs"), list):
            raise _bad("data.pfs must be a list of ProductFootprints")
    elif kind == REQUEST_REJECTED:
        if not isinstance(data.get("requestEventId"), str) or not data["requestEventId"]:
            raise _bad("data.requestEventId is missing")
        error = data.get("error")
        if not (isinstance(error, dict) and isinstance(error.get("code"), str)
                and isinstance(error.get("message"), str)):
            raise _bad("data.error needs a code and a message")
    else:
        raise _bad(f"unknown event type {event['type']!r}")
    return kind, data
