"""The rule for ``gscdm serve``: loopback is always allowed; any other address needs both
``--allow-remote`` and a configured login (an enabled admin account), so that the workbench and
the portal are never reachable from the network without authentication."""

from __future__ import annotations

import ipaddress

from lca_engine.portal import Portal


class RemoteBindRefusedError(RuntimeError):
    """The server would be reachable from the network without the conditions for it."""


def is_loopback(host: str) -> bool:
    if host.strip().lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def check_bind(host: str, *, allow_remote: bool, portal: Portal) -> None:
    """Raise ``RemoteBindRefusedError`` (with what to do) unless binding to ``host`` is safe."""
    if is_loopback(host):
        return
    if not allow_remote:
        raise RemoteBindRefusedError(
            f"refusing to listen on {host}: it is reachable from the network; pass "
            "--allow-remote (login must be configured) or use --host 127.0.0.1")
    if not portal.login_configured():
        raise RemoteBindRefusedError(
            f"refusing to listen on {host} with --allow-remote: login is not configured; "
            "create the first admin with 'gscdm users add NAME --role admin'")
