"""The header's unread count, for every page a signed-in person sees."""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from notifications.selectors import notification_unread_count

logger = logging.getLogger(__name__)


def unread_notifications(request: HttpRequest) -> dict[str, object]:
    """``{{ unread_notifications }}``: counted lazily, so only a page that shows it pays its
    one query (the header shows it to signed-in people; nobody else costs anything)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}

    def count() -> int:
        try:
            return notification_unread_count(recipient=user)
        except DatabaseError:
            # The database is away: pages still render (the journal's emergency tier);
            # the bell just shows no count until it is back.
            logger.warning("unread notifications not counted: the database is unreachable")
            return 0

    return {"unread_notifications": SimpleLazyObject(count)}
