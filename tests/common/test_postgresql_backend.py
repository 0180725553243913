"""The PostgreSQL backend's health check: a kept connection the database dropped is
replaced before a request uses it, unless it answered within the grace period."""

from __future__ import annotations

import psycopg
import pytest
from django.db import DatabaseError, connection, connections

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL backend"),
]


def _kept_connection(grace: float):
    """A connection of its own (not the test's transaction), kept between requests."""
    wrapper = connections.create_connection("default")
    wrapper.settings_dict = {
        **wrapper.settings_dict,
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
        "CONN_HEALTH_CHECK_GRACE": grace,
    }
    return wrapper


def _request(wrapper) -> int:
    """One request's worth of work: the boundary Django runs, then a query."""
    wrapper.close_if_unusable_or_obsolete()
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _dropped_by_the_database(pid: int) -> None:
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_a_connection_dropped_while_idle_is_replaced_before_the_request_uses_it():
    # Given a kept connection whose last use is longer ago than the grace (none here)
    wrapper = _kept_connection(grace=0)
    try:
        first = _request(wrapper)

        # When the database drops it between two requests
        _dropped_by_the_database(first)

        # Then the next request gets a new connection and its query succeeds
        assert _request(wrapper) != first
    finally:
        wrapper.close()


def test_a_connection_used_a_moment_ago_is_trusted_and_replaced_after_a_failure():
    # Given a kept connection used within the grace period
    wrapper = _kept_connection(grace=600)
    try:
        first = _request(wrapper)
        _dropped_by_the_database(first)

        # When the next request comes at once, its first query meets the drop
        with pytest.raises(DatabaseError):
            _request(wrapper)

        # Then the request after it gets a new connection
        assert _request(wrapper) != first
    finally:
        wrapper.close()
