"""Tests never reach the network: a connection to anything but loopback fails the test.

Installed for the whole run by the root conftest. Fakes of outside services (RunwayML,
an LLM, file servers, S3, SMTP) listen on loopback; a test that would reach past them
fails loudly instead of depending on the internet.
"""

from __future__ import annotations

import ipaddress
import socket

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


class NetworkAccessBlocked(OSError):
    """A test tried to connect to a non-loopback address."""


def _loopback(host: object) -> bool:
    if not isinstance(host, str):
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _check(sock: socket.socket, address: object) -> None:
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return  # Unix sockets and pipes stay on this machine
    host = address[0] if isinstance(address, tuple) else address
    if not _loopback(host):
        raise NetworkAccessBlocked(f"tests may only connect to loopback, not {address!r}")


def _guarded_connect(self: socket.socket, address) -> None:
    _check(self, address)
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address) -> int:
    _check(self, address)
    return _real_connect_ex(self, address)


def install() -> None:
    """Refuse outgoing connections to non-loopback addresses in this process."""
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


def uninstall() -> None:
    socket.socket.connect = _real_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign]
