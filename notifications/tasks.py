"""Background tasks of notifications: thin, enqueued on commit (``notifications.services``)."""

from __future__ import annotations

from django.tasks import task

from notifications.emails import notification_email_send

__all__ = ["notification_email_task"]


@task()
def notification_email_task(notification_id: str) -> None:
    """Email one notification (nothing if it was sent, or is no longer wanted)."""
    notification_email_send(notification_id=notification_id)
