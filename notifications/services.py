"""Writing notifications: create them (and queue their emails), mark them read, settings.

Whoever has something to tell an account calls ``notification_create`` (or
``notifications_create`` for many) inside the transaction of the change it tells of, so
the message exists exactly when the change does. The email is sent by the task worker,
queued once that transaction commits, and only to an active account with an address that
has not turned emails off (``NotificationSettings``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from common.tasks import enqueue
from notifications.models import (
    BODY_MAX_CHARS,
    KIND_MAX_CHARS,
    LINK_MAX_CHARS,
    TITLE_MAX_CHARS,
    Notification,
    NotificationSettings,
)
from notifications.selectors import notification_get

_KIND = re.compile(rf"[a-z0-9_-]{{1,{KIND_MAX_CHARS}}}")


@dataclass(frozen=True)
class NewNotification:
    """One message to write: to whom, what kind, its words and where it leads."""

    recipient_id: int
    kind: str
    title: str
    body: str = ""
    link: str = ""


def _shortened(text: str, limit: int) -> str:
    text = " ".join(text.split()) if limit == TITLE_MAX_CHARS else text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _row(notice: NewNotification, now: datetime) -> Notification:
    if not _KIND.fullmatch(notice.kind):
        raise ValueError(f"a notification kind is a short slug, not {notice.kind!r}")
    if notice.link and (not notice.link.startswith("/") or notice.link.startswith("//")):
        raise ValueError("a notification's link is a path on this site")
    if len(notice.link) > LINK_MAX_CHARS:
        raise ValueError("a notification's link is too long")
    return Notification(
        recipient_id=notice.recipient_id,
        kind=notice.kind,
        title=_shortened(notice.title, TITLE_MAX_CHARS),
        body=_shortened(notice.body, BODY_MAX_CHARS),
        link=notice.link,
        created_at=now,
    )


def _wanting_email(recipient_ids: set[int]) -> set[int]:
    """Which recipients get emails: active, with an address, not opted out (one query)."""
    users = get_user_model()._default_manager.filter(pk__in=recipient_ids, is_active=True)
    users = users.exclude(email="").exclude(notification_settings__email_enabled=False)
    return set(users.values_list("pk", flat=True))


@transaction.atomic
def notifications_create(*, notices: Iterable[NewNotification]) -> list[Notification]:
    """Write every notice (one INSERT) and queue the emails of those who want them.

    Titles are shortened to 200 characters and bodies to 2,000 (with "…"). Raises
    ``ValueError`` for a kind that is not a short slug or a link that is not a path here:
    those are the caller's mistakes, never the user's. The emails are queued when the
    surrounding transaction commits: a change that rolls back tells no one.
    """
    now = timezone.now()
    rows = [_row(notice, now) for notice in notices]
    if not rows:
        return []
    Notification.objects.bulk_create(rows)
    emailed = _wanting_email({row.recipient_id for row in rows})
    ids = [str(row.pk) for row in rows if row.recipient_id in emailed]
    if ids:
        transaction.on_commit(lambda: _enqueue_emails(ids))
    return rows


def _enqueue_emails(notification_ids: Sequence[str]) -> None:
    from notifications.tasks import notification_email_task  # the task imports this module

    for notification_id in notification_ids:
        enqueue(notification_email_task, notification_id)


def notification_create(
    *, recipient: AbstractBaseUser, kind: str, title: str, body: str = "", link: str = ""
) -> Notification:
    """Tell ``recipient`` something (see ``notifications_create``); returns the row."""
    notice = NewNotification(
        recipient_id=recipient.pk, kind=kind, title=title, body=body, link=link
    )
    return notifications_create(notices=[notice])[0]


# --- Reading them ----------------------------------------------------------------------------


def notifications_mark_read(*, recipient: AbstractBaseUser, until: datetime | None = None) -> int:
    """Mark ``recipient``'s unread notifications read; returns how many changed.

    With ``until``, only those created at or before it (what a page showed): one that
    arrived meanwhile stays unread.
    """
    unread = Notification.objects.filter(recipient=recipient, read_at__isnull=True)
    if until is not None:
        unread = unread.filter(created_at__lte=until)
    return unread.update(read_at=timezone.now())


def notification_mark_read(
    *, recipient: AbstractBaseUser, notification_id: object
) -> Notification | None:
    """Mark one of ``recipient``'s notifications read (again is harmless); returns it.

    ``None`` when it is not theirs, does not exist or the id is malformed (the API's 404).
    """
    notification = notification_get(recipient=recipient, notification_id=notification_id)
    if notification is None or notification.read_at is not None:
        return notification
    now = timezone.now()
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
    notification.read_at = now
    return notification


# --- Settings --------------------------------------------------------------------------------


@transaction.atomic
def notification_settings_update(
    *, user: AbstractBaseUser, email_enabled: bool
) -> NotificationSettings:
    """Turn ``user``'s notification emails on or off (emails already queued check again)."""
    found, _ = NotificationSettings.objects.update_or_create(
        user=user, defaults={"email_enabled": email_enabled}
    )
    return found
