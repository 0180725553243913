"""The network guard (``tests.support.network_guard``) the root conftest installs for every test.

Only loopback is reachable: a test that would reach past the loopback fakes fails at
once, before a packet leaves the machine.
"""

from __future__ import annotations

import socket

import pytest

from tests.support.network_guard import NetworkAccessBlocked

# TEST-NET-1 (RFC 5737) and the IPv6 documentation prefix (RFC 3849): never routed anywhere.
OUTSIDE_V4 = ("192.0.2.1", 80)
OUTSIDE_V6 = ("2001:db8::1", 80)


@pytest.fixture
def loopback_listener():
    """A TCP listener on 127.0.0.1 (an ephemeral port); its address."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()


def test_connecting_to_an_outside_address_is_blocked_before_connecting():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        with pytest.raises(NetworkAccessBlocked, match="192.0.2.1"):
            sock.connect(OUTSIDE_V4)
        # Nothing was attempted: the socket never got a peer.
        with pytest.raises(OSError):
            sock.getpeername()


def test_connect_ex_to_an_outside_address_is_blocked_too():
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock,
        pytest.raises(NetworkAccessBlocked),
    ):
        sock.connect_ex(OUTSIDE_V4)


def test_an_outside_ipv6_address_is_blocked():
    if not socket.has_ipv6:
        pytest.skip("no IPv6 sockets here")
    try:
        sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    except OSError:
        pytest.skip("no IPv6 sockets here")
    with sock, pytest.raises(NetworkAccessBlocked):
        sock.connect(OUTSIDE_V6)


def test_create_connection_to_an_outside_address_is_blocked():
    # The path requests, urllib3 and most clients take.
    with pytest.raises(NetworkAccessBlocked):
        socket.create_connection(OUTSIDE_V4, timeout=0.5)


def test_blocked_access_is_an_os_error_so_clients_fail_like_offline():
    assert issubclass(NetworkAccessBlocked, OSError)


def test_loopback_still_works(loopback_listener):
    with socket.create_connection(loopback_listener, timeout=2) as sock:
        assert sock.getpeername() == loopback_listener


def test_localhost_by_name_still_works(loopback_listener):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(2)
        sock.connect(("localhost", loopback_listener[1]))
        assert sock.getpeername()[1] == loopback_listener[1]
