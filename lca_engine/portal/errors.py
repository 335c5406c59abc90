"""Errors of the portal's Python API; the web layer maps each to one HTTP status."""

from __future__ import annotations


class PortalError(Exception):
    """Base class; ``code`` is a stable machine-readable name."""

    code = "portal-error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, object]:
        return {"error": self.code, "message": self.message, "field": self.field}


class InvalidInput(PortalError):
    """A value given to the portal is wrong (HTTP 422, CLI exit 1); ``field`` names it."""

    code = "invalid-input"


class NotFound(PortalError):
    """No such thing, or not visible to the caller: the two are indistinguishable (HTTP 404)."""

    code = "not-found"


class Forbidden(PortalError):
    """The caller's role does not allow the operation (HTTP 403)."""

    code = "forbidden"


class AuthenticationFailed(PortalError):
    """Wrong name or password, disabled account, unknown token (HTTP 401)."""

    code = "authentication-failed"


class RateLimited(PortalError):
    """Too many failed logins (HTTP 429); ``retry_after`` in seconds."""

    code = "rate-limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
