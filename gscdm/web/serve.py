"""``gscdm serve``: the workbench on uvicorn, bound to loopback.

Until accounts and login exist (the supplier-portal issue), the server only binds to a loopback
address: anyone who can reach the port could read every declaration and write files in the
home, so a non-loopback ``--host`` is refused with a message that says why.
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
    if is_loopback(host):
        return
    if not allow_remote:
        raise RemoteBindError(
            f"--host {host} is not a loopback address: the workbench binds to loopback only "
            "(127.0.0.1, ::1, localhost), since it has no login yet. Reach it from another "
            "machine through an SSH tunnel: ssh -L 8000:127.0.0.1:8000 HOST")
    if not login_configured:
        raise RemoteBindError(
            f"--allow-remote --host {host}: refused, no login is configured for this server "
            "(accounts come with the supplier portal); bind to 127.0.0.1 instead")
