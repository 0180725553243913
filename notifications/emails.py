"""A notification as an email: plain text, and the same as escaped HTML.

Sent by the task worker (``notifications.tasks``), where no request says which site this
is: links are made absolute with ``SITE_URL``. A notification is emailed at most once
(``emailed_at`` is claimed before sending), so a retried task never sends it twice.
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from common.clients import counted_within
from notifications.models import Notification, NotificationSettings

logger = logging.getLogger(__name__)

SITE_NAME = "DreamJourney"
TEXT_TEMPLATE = "notifications/email/notification.txt"
HTML_TEMPLATE = "notifications/email/notification.html"


def absolute_link(path: str) -> str:
    """``path`` on this site as a full URL (``SITE_URL``); "" for no path."""
    return f"{settings.SITE_URL}{path}" if path else ""


def _settings_url() -> str:
    # The page where emails are turned off: the account page, if the project has one.
    try:
        return absolute_link(reverse("account") + "#notifications")
    except NoReverseMatch:
        return ""


def notification_email_message(notification: Notification, *, to: str) -> EmailMultiAlternatives:
    """The email of ``notification`` to the address ``to``: its title as the subject."""
    context = {
        "site_name": SITE_NAME,
        "username": notification.recipient.get_username(),
        "title": notification.title,
        "body": notification.body,
        "link": absolute_link(notification.link),
        "settings_url": _settings_url(),
    }
    subject = " ".join(notification.title.split())  # a header: never a line break
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string(TEXT_TEMPLATE, context), to=[to]
    )
    message.attach_alternative(render_to_string(HTML_TEMPLATE, context), "text/html")
    return message


def _recipient_has_mails_left(user_id: int) -> bool:
    """At most ``NOTIFICATION_EMAIL_RATE`` notification emails per account (a moderator
    rejecting fifty dreams at once must not bury an inbox). Past it, or while the cache
    is unreachable, the notifications are only in the app."""
    return counted_within(f"quota:notification-mail:{user_id}", settings.NOTIFICATION_EMAIL_RATE)


def _still_wanted(notification: Notification) -> bool:
    user = notification.recipient
    if not user.is_active or not user.email:
        return False
    return not NotificationSettings.objects.filter(user=user, email_enabled=False).exists()


def notification_email_send(*, notification_id: str) -> bool:
    """Email one notification to its recipient, unless they no longer want it; at most once.

    Returns whether a mail was handed to the mail server. The recipient's address and
    choice are read now, not when it was queued; past ``NOTIFICATION_EMAIL_RATE`` nothing
    is sent. A mail server that fails is logged, not retried (the claim is kept): the
    notification itself is in the app either way.
    """
    notification = (
        Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    )
    if notification is None or notification.emailed_at is not None:
        return False
    if not _still_wanted(notification):
        return False
    claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed or not _recipient_has_mails_left(notification.recipient_id):
        return False
    message = notification_email_message(notification, to=notification.recipient.email)
    try:
        message.send()
    except (smtplib.SMTPException, OSError):
        logger.exception("the email of notification %s could not be sent", notification_id)
        return False
    return True
