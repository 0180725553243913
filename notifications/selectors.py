"""Reading notifications: an account's list (newest first), its unread count, its settings."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, QuerySet, Subquery

from common.prepared import PreparedRows
from notifications.models import Notification, NotificationSettings


def notification_list(*, recipient: AbstractBaseUser) -> QuerySet[Notification]:
    """``recipient``'s notifications, newest first (keyset-pageable on ``created_at, id``)."""
    return Notification.objects.filter(recipient=recipient).order_by("-created_at", "-id")


# Every page a signed-in person sees asks: compiled once per connection (common.prepared).
_UNREAD = PreparedRows(
    "notifications.unread_count",
    lambda who: (
        Notification.objects.filter(recipient_id=who, read_at__isnull=True)
        .values("recipient_id")
        .annotate(unread=Count("id"))
        .values_list("unread")
    ),
    sentinel=-987_654_321,
)


def notification_unread_column(*, recipient_id: Any) -> Subquery:
    """The unread count of ``recipient_id`` as a column, for a statement that reads
    something else of the same account: one round trip where a page needs both."""
    return Subquery(
        Notification.objects.filter(recipient_id=recipient_id, read_at__isnull=True)
        .order_by()
        .values("recipient_id")
        .annotate(unread=Count("id"))
        .values("unread")
    )


def notification_unread_count(*, recipient: AbstractBaseUser) -> int:
    """How many of ``recipient``'s notifications are unread: one COUNT on a partial index."""
    rows = _UNREAD.rows(recipient.pk)
    return rows[0][0] if rows else 0


def notification_get(*, recipient: AbstractBaseUser, notification_id: Any) -> Notification | None:
    """One of ``recipient``'s notifications; ``None`` for another's, a missing or malformed id."""
    try:
        uuid.UUID(str(notification_id))
    except ValueError:
        return None
    return Notification.objects.filter(pk=notification_id, recipient=recipient).first()


def notification_settings_get(*, user: AbstractBaseUser) -> NotificationSettings:
    """``user``'s choices; the defaults (unsaved) when they never changed them."""
    found = NotificationSettings.objects.filter(user=user).first()
    return found if found is not None else NotificationSettings(user=user)
