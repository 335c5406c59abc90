"""Accounts: users and roles, passwords (argon2id), API tokens, browser sessions, login limits.

- Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's second recommended
  profile); a hash made with older parameters is upgraded at the next successful login. There is
  no default password and no default account: ``gscdm users add NAME --role admin`` makes the
  first one.
- API tokens and session secrets are 256-bit random strings. Only their SHA-256 is stored: a
  secret of that entropy cannot be brute-forced from its hash, and lookup by hash needs no scan
  (a salted slow hash would need one per request).
- Failed logins are counted per account name and per client address in a sliding window; past the
  limit a login is refused before the password is checked (HTTP 429).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, delete, func, insert, select, update

from lca_engine.db import models as m
from lca_engine.db.models import table_of

from . import audit
from .errors import AuthenticationFailed, InvalidInput, NotFound, RateLimited
from .tables import ROLES, PortalLoginAttempt, PortalSession, PortalToken, PortalUser

USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$")
MIN_PASSWORD_LENGTH = 12
SESSION_LIFETIME = timedelta(hours=12)
LOGIN_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_CLIENT = 20
TOKEN_PREFIX = "gscdm_"

_hasher = PasswordHasher()
# Verified when the account does not exist, so that a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

_USER = table_of(PortalUser)
_TOKEN = table_of(PortalToken)
_SESSION = table_of(PortalSession)
_ATTEMPT = table_of(PortalLoginAttempt)
_SUPPLIER = table_of(m.Supplier)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is calling: an authenticated user (or the operator at the CLI)."""

    user_id: int | None
    name: str
    role: str
    supplier_id: int | None = None
    supplier: str | None = None
    via: str = "cli"  # "session", "token" or "cli"
    csrf_token: str | None = None
    client: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in ("admin", "engineer")


#: The operator at the command line (the CLI runs with the database owner's rights).
CLI_ACTOR = Actor(user_id=None, name="cli", role="admin", via="cli")


@dataclass(frozen=True, slots=True)
class UserInfo:
    name: str
    role: str
    supplier: str | None
    disabled: bool
    created_at: datetime
    tokens: int

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "supplier": self.supplier,
                "disabled": self.disabled, "created_at": _aware(self.created_at).isoformat(),
                "tokens": self.tokens}


def sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def supplier_id(conn: Connection, name: str, *, create: bool) -> int:
    """The supplier organisation's id; created on demand by staff operations."""
    name = name.strip()
    if not name:
        raise InvalidInput("a supplier organisation needs a name", field="supplier")
    found = conn.execute(select(_SUPPLIER.c.id).where(_SUPPLIER.c.name == name)).scalar()
    if found is not None:
        return int(found)
    if not create:
        raise NotFound(f"no supplier organisation {name!r}", field="supplier")
    return int(conn.execute(insert(_SUPPLIER).returning(_SUPPLIER.c.id), [{"name": name}])
               .scalar_one())


def add_user(conn: Connection, name: str, role: str, password: str, *,
             supplier: str | None, by: Actor) -> UserInfo:
    if not USER_NAME.match(name):
        raise InvalidInput(f"user name {name!r} is not allowed: 1-128 letters, digits and "
                           "'.', '_', '@', '+', '-', starting with a letter or digit",
                           field="name")
    if role not in ROLES:
        raise InvalidInput(f"role {role!r} is not one of {', '.join(ROLES)}", field="role")
    if role == "supplier" and not supplier:
        raise InvalidInput("a supplier account needs --supplier ORG (its organisation)",
                           field="supplier")
    if role != "supplier" and supplier:
        raise InvalidInput(f"only supplier accounts belong to an organisation, not {role!r}",
                           field="supplier")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"password must have at least {MIN_PASSWORD_LENGTH} characters",
                           field="password")
    if conn.execute(select(_USER.c.id).where(_USER.c.name == name)).first() is not None:
        raise InvalidInput(f"user {name!r} already exists", field="name")
    org_id = supplier_id(conn, supplier, create=True) if supplier else None
    now = datetime.now(UTC)
    conn.execute(insert(_USER), [{
        "name": name, "role": role, "supplier_id": org_id,
        "password_hash": _hasher.hash(password), "disabled": False, "created_at": now}])
    audit.append(conn, actor=by.name, role=by.role, action="user-added", subject=name,
                 detail={"role": role, "supplier": supplier}, client=by.client)
    return UserInfo(name, role, supplier, False, now, 0)


def list_users(conn: Connection) -> list[UserInfo]:
    tokens = (select(_TOKEN.c.user_id, func.count().label("n")).group_by(_TOKEN.c.user_id)
              .subquery())
    rows = conn.execute(
        select(_USER.c.name, _USER.c.role, _SUPPLIER.c.name.label("supplier"), _USER.c.disabled,
               _USER.c.created_at, func.coalesce(tokens.c.n, 0))
        .join(_SUPPLIER, _SUPPLIER.c.id == _USER.c.supplier_id, isouter=True)
        .join(tokens, tokens.c.user_id == _USER.c.id, isouter=True)
        .order_by(_USER.c.name)).all()
    return [UserInfo(r[0], r[1], r[2], bool(r[3]), r[4], int(r[5])) for r in rows]


def _user_row(conn: Connection, name: str) -> Any:
    row = conn.execute(select(_USER).where(_USER.c.name == name)).first()
    if row is None:
        raise NotFound(f"no user {name!r}", field="name")
    return row


def disable_user(conn: Connection, name: str, *, by: Actor) -> None:
    """Disable an account: its sessions end and its tokens stop working at once."""
    row = _user_row(conn, name)
    conn.execute(update(_USER).where(_USER.c.id == row.id).values(disabled=True))
    conn.execute(delete(_SESSION).where(_SESSION.c.user_id == row.id))
    audit.append(conn, actor=by.name, role=by.role, action="user-disabled", subject=name,
                 client=by.client)


def issue_token(conn: Connection, name: str, *, by: Actor) -> str:
    """A new API token for ``name``; the caller shows it once, only its hash is kept."""
    row = _user_row(conn, name)
    if row.disabled:
        raise InvalidInput(f"user {name!r} is disabled", field="name")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    conn.execute(insert(_TOKEN), [{"user_id": row.id, "token_sha256": sha256(token),
                                   "created_at": datetime.now(UTC)}])
    audit.append(conn, actor=by.name, role=by.role, action="token-issued", subject=name,
                 client=by.client)
    return token


def _actor(conn: Connection, user: Any, via: str, client: str | None,
           csrf: str | None = None) -> Actor:
    org = None
    if user.supplier_id is not None:
        org = conn.execute(select(_SUPPLIER.c.name).where(_SUPPLIER.c.id == user.supplier_id)
                           ).scalar()
    return Actor(user_id=user.id, name=user.name, role=user.role, supplier_id=user.supplier_id,
                 supplier=org, via=via, csrf_token=csrf, client=client)


def token_actor(conn: Connection, token: str, client: str | None = None) -> Actor | None:
    row = conn.execute(select(_USER).join(_TOKEN, _TOKEN.c.user_id == _USER.c.id)
                       .where(_TOKEN.c.token_sha256 == sha256(token))).first()
    if row is None or row.disabled:
        return None
    return _actor(conn, row, "token", client)


def session_actor(conn: Connection, secret: str, client: str | None = None) -> Actor | None:
    found = conn.execute(
        select(_USER, _SESSION.c.csrf_token, _SESSION.c.expires_at)
        .join(_SESSION, _SESSION.c.user_id == _USER.c.id)
        .where(_SESSION.c.session_sha256 == sha256(secret))).first()
    if found is None or found.disabled or _aware(found.expires_at) < datetime.now(UTC):
        return None
    return _actor(conn, found, "session", client, csrf=found.csrf_token)


def _check_rate(conn: Connection, name: str, client: str, now: datetime) -> None:
    since = now - LOGIN_WINDOW
    failures = select(func.count(), func.min(_ATTEMPT.c.at)).where(
        _ATTEMPT.c.at >= since, _ATTEMPT.c.ok.is_(False))
    for column, value, limit, what in (
            (_ATTEMPT.c.user_name, name, MAX_FAILURES_PER_ACCOUNT, f"account {name!r}"),
            (_ATTEMPT.c.client, client, MAX_FAILURES_PER_CLIENT, f"address {client}")):
        count, oldest = conn.execute(failures.where(column == value)).one()
        if count >= limit:
            retry = int((_aware(oldest) + LOGIN_WINDOW - now).total_seconds()) + 1
            raise RateLimited(f"too many failed logins for {what}: {count} in the last "
                              f"{int(LOGIN_WINDOW.total_seconds() // 60)} minutes; try again "
                              f"in {retry} s", retry_after=max(retry, 1))


def login(conn: Connection, name: str, password: str, client: str) -> tuple[Actor, str]:
    """Check a password and open a session; returns the actor and the cookie secret.

    The caller commits even when this raises ``AuthenticationFailed``: the failed attempt must be
    counted and audited."""
    now = datetime.now(UTC)
    name = name.strip()[:128]
    # Housekeeping on the way: expired sessions and attempts older than the window are no
    # longer needed (the audit log keeps every login and failure).
    conn.execute(delete(_SESSION).where(_SESSION.c.expires_at < now))
    conn.execute(delete(_ATTEMPT).where(_ATTEMPT.c.at < now - LOGIN_WINDOW))
    _check_rate(conn, name, client, now)
    row = conn.execute(select(_USER).where(_USER.c.name == name)).first()
    ok = False
    try:
        _hasher.verify(row.password_hash if row is not None else _DUMMY_HASH, password)
        ok = row is not None and not row.disabled
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    conn.execute(insert(_ATTEMPT), [{"user_name": name, "client": client, "at": now, "ok": ok}])
    if not ok:
        audit.append(conn, actor=name, action="login-failed", client=client,
                     verdict="refused")
        raise AuthenticationFailed("wrong user name or password, or the account is disabled")
    assert row is not None
    if _hasher.check_needs_rehash(row.password_hash):
        conn.execute(update(_USER).where(_USER.c.id == row.id)
                     .values(password_hash=_hasher.hash(password)))
    secret = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    conn.execute(insert(_SESSION), [{
        "session_sha256": sha256(secret), "user_id": row.id, "csrf_token": csrf,
        "created_at": now, "expires_at": now + SESSION_LIFETIME}])
    actor = _actor(conn, row, "session", client, csrf=csrf)
    audit.append(conn, actor=name, role=row.role, supplier=actor.supplier, action="login",
                 client=client, verdict="ok")
    return actor, secret


def logout(conn: Connection, secret: str, actor: Actor) -> None:
    conn.execute(delete(_SESSION).where(_SESSION.c.session_sha256 == sha256(secret)))
    audit.append(conn, actor=actor.name, role=actor.role, supplier=actor.supplier,
                 action="logout", client=actor.client)


def login_configured(conn: Connection) -> bool:
    """True once an enabled admin exists: the condition for serving beyond loopback."""
    return conn.execute(select(_USER.c.id).where(
        _USER.c.role == "admin", _USER.c.disabled.is_(False)).limit(1)).first() is not None
