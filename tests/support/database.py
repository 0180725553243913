"""Making the main database really unreachable for this process, and bringing it back.

No mock: the connection is closed and pointed somewhere it cannot connect, so the next
query fails in the driver exactly as in an outage. SQLite: a file under a directory that
does not exist ("unable to open database file"). PostgreSQL: a loopback port nothing
listens on (connection refused). Use it in tests marked
``django_db(transaction=True)``: closing the connection inside the test transaction of
a plain ``db`` test would break that transaction.
"""

from __future__ import annotations

import copy
import socket
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


def _closed_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # free once closed: nothing listens there


@contextmanager
def database_unreachable() -> Iterator[None]:
    """Inside the block every query of the default connection fails to connect."""
    if connection.in_atomic_block:
        raise RuntimeError("use django_db(transaction=True): the test transaction would break")
    saved = copy.deepcopy(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-dreamjourney-test-dir/unreachable.sqlite3"
    elif connection.vendor == "postgresql":
        connection.settings_dict["HOST"] = "127.0.0.1"
        connection.settings_dict["PORT"] = _closed_loopback_port()
    else:
        raise NotImplementedError(f"no recipe for an unreachable {connection.vendor} database")
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
