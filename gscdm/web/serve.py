"""``gscdm serve``: the workbench on uvicorn, bound to loopback.

Without login (no enabled admin account of the supplier portal) the server only binds to a
loopback address: anyone who can reach the port could read every declaration and write files in
the home, so a non-loopback ``--host`` is refused with a message that says why. With login
configured, ``--allow-remote`` lets it bind elsewhere, and every page and API needs a login.
"""

from __future__ import annotations

import ipaddress
import socket


class RemoteBindError(ValueError):
    """A bind address other than loopback, without login configured."""


def is_loopback(host: str) -> bool:
    """True when every address ``host`` resolves to is a loopback address."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_loopback
                               for info in infos)


def check_bind(host: str, *, allow_remote: bool = False, login_configured: bool = False) -> None:
    """Loopback is always allowed; any other address needs both ``--allow-remote`` and a
    configured login (an enabled admin account of the supplier portal), so that the workbench,
    the portal and the PACT host API are never reachable from the network unauthenticated."""
    if is_loopback(host):
        return
    if not allow_remote:
        raise RemoteBindError(
            f"refusing to listen on {host}: it is not a loopback address (127.0.0.1, ::1, "
            "localhost) and is reachable from the network; pass --allow-remote once login is "
            "configured, or reach the loopback server through an SSH tunnel: "
            "ssh -L 8000:127.0.0.1:8000 HOST")
    if not login_configured:
        raise RemoteBindError(
            f"refusing --allow-remote --host {host}: no login is configured for this server; "
            "create the first admin with 'gscdm users add NAME --role admin', or bind to "
            "127.0.0.1")
