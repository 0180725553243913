"""The notifications app's own promises: what it stores, what it refuses, who gets email.

How dreams use it (approvals, rejections, videos, exports) is in
``tests/dreams/test_notices.py``; the admin's moderation actions are one path there too.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from dreams.models import Dream
from notifications.models import Notification
from notifications.services import (
    NewNotification,
    notification_create,
    notification_settings_update,
    notifications_create,
)
from tests.support.factories import DreamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_long_titles_and_bodies_are_shortened_not_refused():
    luna = UserFactory()

    notice = notification_create(
        recipient=luna, kind="video_ready", title="A " * 150 + "\nend", body="b" * 3000
    )

    assert len(notice.title) == 200 and notice.title.endswith("…") and "\n" not in notice.title
    assert len(notice.body) == 2000 and notice.body.endswith("…")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "Not a slug!"),
        ("kind", ""),
        ("link", "https://elsewhere.example/"),
        ("link", "//elsewhere.example/"),
        ("link", "/" + "x" * 600),
    ],
)
def test_a_callers_mistake_is_refused_and_nothing_is_written(field, value):
    notice = {"kind": "dream_approved", "title": "t", "link": "/dreams/", field: value}

    with pytest.raises(ValueError):
        notification_create(recipient=UserFactory(), **notice)

    assert Notification.objects.count() == 0


def test_emails_are_queued_only_for_those_who_want_them(committed, run_jobs):
    wants = UserFactory(username="wants")
    opted_out = UserFactory(username="opted_out")
    no_address = UserFactory(username="no_address", email="")
    inactive = UserFactory(username="inactive", is_active=False)
    notification_settings_update(user=opted_out, email_enabled=False)
    people = [wants, opted_out, no_address, inactive]

    with committed():
        notifications_create(
            notices=[NewNotification(recipient_id=u.pk, kind="k", title="Hello") for u in people]
        )
    run_jobs()

    assert Notification.objects.count() == 4
    assert [m.to for m in mail.outbox] == [["wants@example.com"]]


def test_an_admin_rejection_notifies_the_owner(committed, run_jobs):
    moderator = get_user_model().objects.create_user(
        "moderator", password="x", is_staff=True, is_superuser=True
    )
    admin = Client()
    admin.force_login(moderator)
    dream = DreamFactory(title="Owls", is_public=True)

    with committed():
        admin.post(
            reverse("admin:dreams_dream_changelist"),
            {
                "action": "reject_dreams",
                "_selected_action": [str(dream.pk)],
                "reason": "Too real.",
                "apply": "1",
            },
        )
    run_jobs()

    assert Dream.objects.get(pk=dream.pk).moderation_status == "rejected"
    [notice] = Notification.objects.filter(recipient=dream.owner)
    assert "Too real." in notice.body
    assert [m.subject for m in mail.outbox] == ["“Owls” was not approved for the gallery"]
