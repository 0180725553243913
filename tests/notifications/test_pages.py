"""The notification pages without a browser: the header's bell, ``/notifications/``, the
account page's email choice, and what the header offers a visitor.

The bell's count costs one COUNT on a page, and none for visitors. Browser behaviour
(marking read through the API, 360 px) is in ``test_browser.py``.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.models import Notification, NotificationSettings
from notifications.services import NewNotification, notification_create, notifications_create
from tests.support.factories import DreamFactory

pytestmark = pytest.mark.django_db

PAGE = "/notifications/"


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def tell(user, title="“The tide” was approved", **extra) -> Notification:
    extra.setdefault("link", "/dreams/00000000-0000-0000-0000-000000000001/")
    return notification_create(recipient=user, kind="dream_approved", title=title, **extra)


def bell(html: str) -> str:
    found = re.search(r'<a class="nav-bell".*?</a>', html, re.S)
    assert found, "no bell in the header"
    return found.group(0)


def notification_queries(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if '"notifications"' in q["sql"]]


# --- The header -------------------------------------------------------------------------------


def test_the_bell_shows_the_unread_count_for_one_count_query(signed_in, user):
    for n in range(3):
        tell(user, f"Notice {n}")
    Notification.objects.filter(title="Notice 0").update(read_at=timezone.now())

    with CaptureQueriesContext(connection) as queries:
        html = signed_in.get("/gallery/").content.decode()

    icon = bell(html)
    assert 'aria-label="Notifications, 2 unread"' in icon
    assert re.search(r"data-unread-count\s*>2</span>", icon)
    assert 'href="/notifications/"' in icon
    [count] = notification_queries(queries)
    assert count.lstrip().upper().startswith("SELECT COUNT(")


@pytest.mark.parametrize("dreams", [0, 3])
def test_the_journal_reads_its_dreams_and_the_unread_count_in_one_statement(
    signed_in, user, dreams
):
    # Given an account with unread notifications, with dreams or none yet
    for n in range(3):
        tell(user, f"Notice {n}")
    Notification.objects.filter(title="Notice 0").update(read_at=timezone.now())
    for n in range(dreams):
        DreamFactory(owner=user, title=f"Dream {n}")

    # When its journal is shown
    with CaptureQueriesContext(connection) as queries:
        html = signed_in.get("/journal/").content.decode()

    # Then the bell counts the unread ones; with dreams, the page's rows carried the count
    assert 'aria-label="Notifications, 2 unread"' in bell(html)
    assert html.count('data-dream-id="') == dreams
    expected = 2 if dreams else 3  # the session's user and the rows (+ a COUNT of its own)
    assert len(queries) == expected, [q["sql"][:80] for q in queries.captured_queries]


def test_without_unread_notifications_the_badge_is_hidden(signed_in):
    icon = bell(signed_in.get("/gallery/").content.decode())

    assert 'aria-label="Notifications"' in icon
    assert re.search(r"data-unread-count hidden", icon)


def test_many_unread_read_as_99_plus(signed_in, user):
    notifications_create(
        notices=[NewNotification(recipient_id=user.pk, kind="k", title="t") for _ in range(120)]
    )

    icon = bell(signed_in.get("/gallery/").content.decode())

    assert "Notifications, 120 unread" in icon and ">99+</span>" in icon


def test_visitors_pay_no_query_for_a_bell_they_do_not_have(client):
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/gallery/").content.decode()

    assert "nav-bell" not in html
    assert notification_queries(queries) == []


def test_a_visitors_header_offers_sign_up_and_a_labelled_new_dream_button(client):
    html = client.get("/").content.decode()

    assert re.search(r'<a class="nav-signup" href="/signup/"[^>]*>Sign up</a>', html)
    write = re.search(r'<a class="btn btn-primary btn-small nav-write"[^>]*>', html).group(0)
    assert 'aria-label="New dream"' in write and 'title="New dream"' in write


# --- The notifications page ------------------------------------------------------------------


def test_the_page_lists_them_newest_first_unread_emphasised(signed_in, user):
    older = tell(user, "“Owls” was approved", body="It shows in the gallery.")
    Notification.objects.filter(pk=older.pk).update(
        created_at=timezone.now() - timedelta(hours=1), read_at=timezone.now()
    )
    tell(user, "The video of “Owls & <moths>” is ready")

    response = signed_in.get(PAGE)

    html = response.content.decode()
    assert response.status_code == 200
    items = re.findall(r'<li class="notification( is-unread)?"', html)
    assert items == [" is-unread", ""]
    assert html.index("Owls &amp; &lt;moths&gt;") < html.index("“Owls” was approved")
    assert "<moths>" not in html
    assert 'href="/dreams/00000000-0000-0000-0000-000000000001/"' in html
    assert "New: </span>The video" in html
    assert "Mark all as read" in html


def test_an_empty_page_says_so(signed_in):
    html = signed_in.get(PAGE).content.decode()

    assert "Nothing new." in html and "Mark all as read" not in html


def test_the_page_needs_an_account(client):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_older_ones_are_a_link_away(signed_in, user):
    start = timezone.now() - timedelta(days=1)
    rows = notifications_create(
        notices=[NewNotification(recipient_id=user.pk, kind="k", title=f"N{n}") for n in range(35)]
    )
    for n, row in enumerate(rows):
        Notification.objects.filter(pk=row.pk).update(created_at=start + timedelta(minutes=n))

    first = signed_in.get(PAGE).content.decode()
    older = re.search(r'href="([^"]+)">Older</a>', first).group(1).replace("&amp;", "&")
    second = signed_in.get(older).content.decode()

    assert first.count('data-testid="notification"') == 30
    assert re.findall(r">N(\d+)</span>", second) == ["4", "3", "2", "1", "0"]
    assert signed_in.get(PAGE + "?cursor=nonsense").status_code == 404


def test_without_javascript_the_form_marks_what_was_shown_read(signed_in, user):
    shown = tell(user, "Shown")
    html = signed_in.get(PAGE).content.decode()
    until = re.search(r'name="until" value="([^"]+)"', html).group(1)
    later = tell(user, "Arrived after the page was shown")
    Notification.objects.filter(pk=later.pk).update(
        created_at=timezone.now() + timedelta(seconds=5)
    )

    response = signed_in.post("/notifications/read/", {"until": until}, follow=True)

    assert response.status_code == 200
    shown.refresh_from_db()
    later.refresh_from_db()
    assert shown.read_at is not None and later.read_at is None
    assert "Marked as read." in response.content.decode()


def test_the_form_with_an_unreadable_moment_marks_everything(signed_in, user):
    tell(user)

    signed_in.post("/notifications/read/", {"until": "2026-99-99T99:00:00"})

    assert not Notification.objects.filter(read_at__isnull=True).exists()


# --- The account page's email choice -----------------------------------------------------------


def test_the_account_page_turns_notification_emails_off_and_on(signed_in, user):
    page = signed_in.get("/account/").content.decode()
    assert re.search(r'<input type="checkbox" name="email_enabled"[^>]*checked', page)
    assert "Email me my notifications" in page

    off = signed_in.post("/account/notifications/", {}, follow=True)
    assert "No more notification emails" in off.content.decode()
    assert NotificationSettings.objects.get(user=user).email_enabled is False
    assert not re.search(
        r'<input type="checkbox" name="email_enabled"[^>]*checked', off.content.decode()
    )

    signed_in.post("/account/notifications/", {"email_enabled": "on"})
    assert NotificationSettings.objects.get(user=user).email_enabled is True
