"""The supplier portal's domain: accounts and roles, part→supplier assignment, declaration
requests, submissions through the same importer as ``gscdm import``, coverage per product and an
append-only audit log. ``Portal`` is the one entry point; ``gscdm.portal`` serves it over HTTP.
"""

from __future__ import annotations

from .accounts import CLI_ACTOR, Actor, UserInfo
from .errors import (
    AuthenticationFailed,
    Forbidden,
    InvalidInput,
    NotFound,
    PortalError,
    RateLimited,
)
from .service import FileResult, Portal, Submission, open_portal
from .tables import ROLES

__all__ = [
    "CLI_ACTOR",
    "ROLES",
    "Actor",
    "AuthenticationFailed",
    "FileResult",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "Portal",
    "PortalError",
    "RateLimited",
    "Submission",
    "UserInfo",
    "open_portal",
]
