"""PostgreSQL as Django runs it, with a health check that trusts a connection in use.

Django's ``CONN_HEALTH_CHECKS`` sends ``SELECT 1`` before the first query of every request
that reuses a kept connection: a round trip (about 0.2 ms here, a fifth of a whole list
request's floor) each time. A connection that ran a query a moment ago is as good as
checked, so this backend skips the check when the connection was last used less than
``CONN_HEALTH_CHECK_GRACE`` seconds ago (``DATABASES`` key, default 1.0; connection pools
such as HikariCP skip theirs for 0.5 s). A connection the database dropped while it sat
idle longer than that (a restart, a failover, an idle timeout) is still replaced before the
request uses it. One dropped within the grace fails that request's first query, as a drop
in the middle of a request always could (the caller gets the emergency tier or a 503), and
Django replaces it when that request ends (it re-checks a connection that saw an error).
"""

from __future__ import annotations

import contextlib
import time

from django.db.backends.postgresql import base, operations
from django.db.backends.postgresql.psycopg_any import is_psycopg3

DEFAULT_GRACE_SECONDS = 1.0
_ONLY_WHEN_ASKED = 2**31 - 1  # psycopg's prepare_threshold: prepare only with prepare=True


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        if is_psycopg3 and isinstance(cursor, _PreparingCursor):
            # What a client-binding cursor reports (the statement with its values in it),
            # so logs and captured queries read the same whichever cursor ran it.
            with contextlib.suppress(Exception):  # a value mogrify cannot quote: plain form
                return self.compose_sql(sql, params)
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._used_at = float("-inf")

    def create_cursor(self, name=None):
        self._used_at = time.monotonic()
        return super().create_cursor(name)

    def get_connection_params(self):
        params = super().get_connection_params()
        if self.prepares_statements:
            # Only our prepared reads (``binding_cursor``) keep plans; each has one argument
            # (a token, an owner, a page's position) whose best plan is the same for any
            # value, so PostgreSQL should plan them once. By its own cost estimate it may
            # keep planning every run (the journal's page 1: 0.2 ms planning, 0.06 ms
            # running). Django's own queries bind on the client and are not affected.
            generic = "-c plan_cache_mode=force_generic_plan"
            params["options"] = f"{params.get('options', '')} {generic}".strip()
        return params

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        if self.prepares_statements and connection.prepare_threshold is None:
            # Django turns psycopg's preparing off (None); a threshold no query reaches
            # lets a cursor ask for it (prepare=True) while nothing prepares by count.
            # Django's own cursors bind on the client, which never prepares.
            connection.prepare_threshold = _ONLY_WHEN_ASKED
        return connection

    @property
    def prepares_statements(self) -> bool:
        """Whether :meth:`binding_cursor` gives server-prepared cursors (psycopg 3, and
        ``PREPARED_STATEMENTS`` not turned off in the ``DATABASES`` entry)."""
        return is_psycopg3 and self.settings_dict.get("PREPARED_STATEMENTS", True)

    def binding_cursor(self):
        """A cursor (wrapped as ``cursor()``'s are) whose statements the server prepares.

        Django's cursors bind on the client and prepare nothing (``prepare_threshold`` is
        off for connection poolers' sake), so PostgreSQL parses and plans every query
        anew: a tenth of a millisecond and more for a list's join, a tenth of a list
        request. This one binds on the server and has psycopg prepare each statement on
        its first run on a connection, then run it without planning. For the statements
        written once per process and rerun with one value (``common.prepared``); psycopg
        keeps at most ``prepared_max`` (100) per connection and deallocates the oldest.

        ``None`` (use ``cursor()``) on psycopg 2, or with ``PREPARED_STATEMENTS`` false in
        the ``DATABASES`` entry: behind a pooler that cannot carry prepared statements
        from one transaction to the next (PgBouncer before 1.21 in transaction mode).
        """
        if not self.prepares_statements:
            return None
        self.ensure_connection()
        # Django's own cursor(): its wrapping, time zone and error handling, with our class.
        factory = self.connection.cursor_factory
        self.connection.cursor_factory = _PreparingCursor
        try:
            cursor = self.cursor()
        finally:
            self.connection.cursor_factory = factory
        if self.timezone_name == "UTC" and self.timezone is not None:
            # The session is in UTC, so psycopg's own loader gives what Django's wrapper
            # around it gives (``tzinfo=timezone.utc``) without a Python call per value:
            # a quarter of fetching a page of rows. Registered on this cursor only.
            cursor.cursor.adapters.register_loader("timestamptz", _UTC_TIMESTAMPTZ_LOADER)
        return cursor

    def close_if_health_check_failed(self) -> None:
        grace = self.settings_dict.get("CONN_HEALTH_CHECK_GRACE", DEFAULT_GRACE_SECONDS)
        if (
            self.connection is not None
            and self.health_check_enabled
            and time.monotonic() - self._used_at < grace
        ):
            self.health_check_done = True  # it answered a moment ago
            return
        super().close_if_health_check_failed()


if is_psycopg3:
    from psycopg import adapters
    from psycopg.pq import Format

    #: psycopg's timestamptz loader (its C one where installed) before Django wraps it.
    _UTC_TIMESTAMPTZ_LOADER = adapters.get_loader(base.TIMESTAMPTZ_OID, Format.TEXT)

    class _PreparingCursor(base.ServerBindingCursor):
        """Server-side binding, each statement prepared on its first run."""

        def execute(self, query, params=None, *, prepare=True, binary=None):
            return super().execute(query, params, prepare=prepare, binary=binary)
