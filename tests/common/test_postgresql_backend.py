"""The PostgreSQL backend's health check: a kept connection the database dropped is
replaced before a request uses it, unless it answered within the grace period."""

from __future__ import annotations

import datetime

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


# --- Prepared statements for common.prepared's reads --------------------------------------


def _server_prepared(wrapper) -> list[str]:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def _titles_reader():
    from common.prepared import PreparedRows
    from dreams.models import Dream

    return PreparedRows(
        "test.backend.titles",
        lambda who: Dream.objects.filter(owner_id=who).values_list("title"),
        sentinel=-1,
    )


def test_the_prepared_reads_are_prepared_by_the_server_and_read_like_any_query(django_user_model):
    from django.test.utils import CaptureQueriesContext

    from tests.support.factories import DreamFactory

    user = django_user_model.objects.create_user("sleeper")
    DreamFactory(owner=user, title="Tide")
    titles = _titles_reader()

    with CaptureQueriesContext(connection) as queries:
        assert titles.rows(user.pk) == [["Tide"]]
        assert titles.rows(user.pk) == [["Tide"]]

    [prepared] = [s for s in _server_prepared(connection) if '"title"' in s]
    assert '"owner_id" = $1' in prepared  # the parameter bound on the server
    # What the test and the logs see is the statement with its value, as for any query.
    assert [q["sql"] for q in queries] == [queries[0]["sql"]] * 2
    assert f'"owner_id" = {user.pk}' in queries[0]["sql"]
    # Django's own queries still prepare nothing.
    assert not [s for s in _server_prepared(connection) if "pg_prepared_statements" in s]


def test_prepared_statements_can_be_turned_off_for_a_pooler():
    wrapper = connections.create_connection("default")
    wrapper.settings_dict = {**wrapper.settings_dict, "PREPARED_STATEMENTS": False}
    try:
        assert wrapper.binding_cursor() is None  # common.prepared then uses cursor()
        wrapper.ensure_connection()
        assert wrapper.connection.prepare_threshold is None  # Django's default: none
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            assert cursor.fetchone() == (0,)
    finally:
        wrapper.close()


@pytest.mark.parametrize(("use_tz", "time_zone"), [(True, "Asia/Tokyo"), (False, "Asia/Tokyo")])
def test_a_prepared_read_loads_times_as_djangos_own_cursor_does(settings, use_tz, time_zone):
    # Given a connection under the project's time-zone settings (a display zone that is
    # not UTC; with USE_TZ off, Django reads naive times in that zone)
    settings.USE_TZ, settings.TIME_ZONE = use_tz, time_zone
    wrapper = connections.create_connection("default")
    query = "SELECT %s::timestamptz, now() - now() + %s::timestamptz"
    moment = "2026-12-02 23:30:00.123456+00"
    try:
        # When the same row is read through a binding cursor and through Django's own
        with wrapper.cursor() as cursor:
            cursor.execute(query, [moment, moment])
            expected = cursor.fetchone()
        with wrapper.binding_cursor() as prepared:
            prepared.execute(query, [moment, moment])
            got = prepared.fetchone()

        # Then both give the same values with the same tzinfo (UTC when USE_TZ is on)
        assert got == expected
        assert [value.tzinfo for value in got] == [value.tzinfo for value in expected]
        assert expected[0].tzinfo is (datetime.UTC if use_tz else None)
    finally:
        wrapper.close()


def test_a_prepared_read_is_planned_once_with_its_constants_written_in(django_user_model):
    # Given a prepared read with constants of the queryset's own (texts, one with a quote
    # and a percent sign, and a str enum) besides its one argument
    from common.prepared import PreparedRows
    from dreams.models import Dream, ModerationStatus

    user = django_user_model.objects.create_user("planner")
    Dream.objects.create(owner=user, title="it's 100% tide", is_public=True)
    reader = PreparedRows(
        "test.backend.constants",
        lambda who: Dream.objects.filter(
            owner_id=who,
            title__in=["it's 100% tide", "x"],
            moderation_status=ModerationStatus.PENDING,
            is_public=True,
        ).values_list("title"),
        sentinel=-1,
    )

    # When it runs more often than PostgreSQL would try custom plans (five)
    for _ in range(7):
        assert reader.rows(user.pk) == [["it's 100% tide"]]

    # Then the statement carries the constants as literals and the argument as its only
    # parameter, and the server planned it once (a generic plan) rather than per run
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE %s",
            ['%"title" IN%'],
        )
        [(statement, generic, custom)] = cursor.fetchall()
    assert "'it''s 100% tide'" in statement and "'pending'" in statement
    assert '"owner_id" = $1' in statement and "$2" not in statement
    assert (generic, custom) == (7, 0)
