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

import time

from django.db.backends.postgresql import base

DEFAULT_GRACE_SECONDS = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._used_at = float("-inf")

    def create_cursor(self, name=None):
        self._used_at = time.monotonic()
        return super().create_cursor(name)

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
