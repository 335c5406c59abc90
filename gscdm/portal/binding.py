"""The rule for ``gscdm serve`` (``gscdm.web.serve.check_bind``), asked of a ``Portal``:
loopback is always allowed; any other address needs both ``--allow-remote`` and a configured
login (an enabled admin account)."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

from gscdm.web.serve import RemoteBindError as RemoteBindRefusedError
from gscdm.web.serve import check_bind as _check_bind
from gscdm.web.serve import is_loopback
from lca_engine.portal import Portal


def check_bind(host: str, *, allow_remote: bool, portal: Portal) -> None:
    """Raise ``RemoteBindRefusedError`` (with what to do) unless binding to ``host`` is safe.
    The database is asked only when it matters (a remote host with ``--allow-remote``); one
    without the portal's tables has no login."""
    configured = False
    if allow_remote and not is_loopback(host):
        try:
            configured = portal.login_configured()
        except SQLAlchemyError:
            configured = False
    _check_bind(host, allow_remote=allow_remote, login_configured=configured)


__all__ = ["RemoteBindRefusedError", "check_bind", "is_loopback"]
