"""What an account is told: one row per message, and whether it wants them by email too.

The rows are generic (a kind, a title, a body and a link): the app that has something to
say (``dreams``) writes the words, and this app knows nothing of what they are about.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

KIND_MAX_CHARS = 40
TITLE_MAX_CHARS = 200
BODY_MAX_CHARS = 2000
LINK_MAX_CHARS = 500


class Notification(models.Model):
    """One message to ``recipient``; unread until ``read_at`` is set."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,  # the (recipient, -created_at, -id) index leads with it
    )
    #: A short slug the sender chose (``dream_approved``), for icons and filtering.
    kind = models.SlugField(max_length=KIND_MAX_CHARS, db_index=False)
    title = models.CharField(max_length=TITLE_MAX_CHARS)
    body = models.TextField(max_length=BODY_MAX_CHARS, blank=True)
    #: A path on this site (``/dreams/<id>/``): made absolute where it is shown.
    link = models.CharField(max_length=LINK_MAX_CHARS, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    #: When its email was claimed for sending: at most once, even when the task runs again
    #: (a mail past the rate, or that the server refused, is not tried again).
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "notifications"
        ordering = ("-created_at", "-id")
        indexes = [
            # The list, newest first, paged by keyset on (created_at, id).
            models.Index(
                fields=["recipient", "-created_at", "-id"], name="notifications_recipient_idx"
            ),
            # The header's unread count, on every page: only unread rows are indexed.
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notifications_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationSettings(models.Model):
    """An account's choices; no row means the defaults (emails on)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_settings",
    )
    email_enabled = models.BooleanField(
        default=True, help_text="Also send each notification by email (when there is an address)."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "notification_settings"
        verbose_name_plural = "notification settings"

    def __str__(self) -> str:
        return f"notification settings of user {self.user_id}"
