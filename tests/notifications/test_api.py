"""The notification endpoints (``/api/notifications…``), as a single-page app uses them.

A signed-in caller lists their own notifications (newest first, keyset pages, the unread
count beside them), marks one or all read, and turns emails on or off. Anonymous callers
are refused; someone else's notification is a 404.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import Notification
from notifications.services import NewNotification, notification_create, notifications_create

pytestmark = pytest.mark.django_db

LIST = "/api/notifications"
READ_ALL = "/api/notifications/read-all"
SETTINGS = "/api/notifications/settings"


def read_url(notification_id) -> str:
    return f"/api/notifications/{notification_id}/read"


def tell(user, title: str = "“The tide” was approved", **extra) -> Notification:
    extra.setdefault("link", "/dreams/00000000-0000-0000-0000-000000000001/")
    return notification_create(recipient=user, kind="dream_approved", title=title, **extra)


def many(user, count: int) -> list[Notification]:
    """``count`` notifications for ``user``, a second apart, the last one newest."""
    start = timezone.now() - timedelta(hours=1)
    rows = notifications_create(
        notices=[
            NewNotification(recipient_id=user.pk, kind="video_ready", title=f"Video {n}")
            for n in range(count)
        ]
    )
    for n, row in enumerate(rows):
        Notification.objects.filter(pk=row.pk).update(created_at=start + timedelta(seconds=n))
    return rows


# --- The list ----------------------------------------------------------------------------------


def test_the_list_is_the_callers_own_newest_first_with_the_unread_count(client_for, make_user):
    # Given luna has two notifications (one read) and sol one
    luna, sol = make_user("luna"), make_user("sol")
    older = tell(luna, "“The tide” was approved", body="It shows in the gallery.")
    Notification.objects.filter(pk=older.pk).update(
        created_at=timezone.now() - timedelta(minutes=5), read_at=timezone.now()
    )
    newer = tell(luna, "The video of “The tide” is ready")
    tell(sol, "Not for luna")

    # When she lists them
    response = client_for(luna).get(LIST)

    # Then she sees hers, newest first, with one unread, and absolute links
    assert response.status_code == 200
    body = response.json()
    assert body["unread_count"] == 1
    assert [n["title"] for n in body["results"]] == [
        "The video of “The tide” is ready",
        "“The tide” was approved",
    ]
    first = body["results"][0]
    assert first["id"] == str(newer.pk)
    assert first["read_at"] is None and body["results"][1]["read_at"] is not None
    assert first["kind"] == "dream_approved"
    assert first["link"] == "http://testserver/dreams/00000000-0000-0000-0000-000000000001/"
    assert body["results"][1]["body"] == "It shows in the gallery."
    assert set(first) == {"id", "kind", "title", "body", "link", "created_at", "read_at"}
    assert body["next"] is None and body["previous"] is None


def test_pages_follow_the_cursor_without_skipping_or_repeating(client_for, user):
    many(user, 7)
    client = client_for(user)

    seen, url = [], f"{LIST}?page_size=3"
    while url:
        page = client.get(url).json()
        assert page["unread_count"] == 7
        seen += [n["title"] for n in page["results"]]
        url = page["next"]

    assert seen == [f"Video {n}" for n in range(6, -1, -1)]


def test_a_bad_cursor_is_a_404(client_for, user):
    response = client_for(user).get(f"{LIST}?cursor=not-a-cursor")

    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize("count", [3, 30])
def test_a_page_costs_the_same_few_queries_however_many_there_are(
    client_for, user, count, django_assert_num_queries
):
    many(user, count)
    client = client_for(user)

    # The token, the page, the unread count
    with django_assert_num_queries(3):
        response = client.get(f"{LIST}?page_size=100")

    assert len(response.json()["results"]) == count


# --- Reading ---------------------------------------------------------------------------------


def test_marking_one_read_lowers_the_unread_count(client_for, user):
    first, second = tell(user, "One"), tell(user, "Two")
    client = client_for(user)

    response = client.post(read_url(first.pk))
    again = client.post(read_url(first.pk))

    assert response.status_code == 200
    assert response.json()["id"] == str(first.pk) and response.json()["read_at"]
    assert again.status_code == 200 and again.json()["read_at"] == response.json()["read_at"]
    assert client.get(LIST).json()["unread_count"] == 1
    second.refresh_from_db()
    assert second.read_at is None


def test_read_all_marks_every_unread_one(client_for, user):
    many(user, 4)
    client = client_for(user)

    response = client.post(READ_ALL)

    assert response.status_code == 200
    assert response.json() == {"marked": 4, "unread_count": 0}
    assert client.get(LIST).json()["unread_count"] == 0
    assert client.post(READ_ALL).json() == {"marked": 0, "unread_count": 0}


def test_read_all_until_leaves_what_arrived_later_unread(client_for, user):
    rows = many(user, 3)
    shown = Notification.objects.get(pk=rows[1].pk).created_at
    client = client_for(user)

    response = client.post(READ_ALL, {"until": shown.isoformat()}, format="json")

    assert response.json() == {"marked": 2, "unread_count": 1}
    assert Notification.objects.get(pk=rows[2].pk).read_at is None


def test_read_all_names_a_bad_until(client_for, user):
    response = client_for(user).post(READ_ALL, {"until": "yesterday"}, format="json")

    assert response.status_code == 400
    assert "until" in response.json()


# --- Whose they are --------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["another's", "malformed", "unknown"])
def test_another_persons_or_a_missing_notification_is_a_404(client_for, make_user, target):
    theirs = tell(make_user("sol"))
    notification_id = {
        "another's": theirs.pk,
        "malformed": "not-a-uuid",
        "unknown": "00000000-0000-0000-0000-0000000000ff",
    }[target]

    response = client_for(make_user("luna")).post(read_url(notification_id))

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", LIST),
        ("post", READ_ALL),
        ("post", read_url("00000000-0000-0000-0000-000000000001")),
        ("get", SETTINGS),
        ("patch", SETTINGS),
    ],
)
def test_anonymous_callers_are_refused(api_client, method, path):
    response = getattr(api_client, method)(path, {}, format="json")

    assert response.status_code == 401
    assert "detail" in response.json()


# --- The email choice ------------------------------------------------------------------------


def test_emails_are_on_by_default_and_can_be_turned_off_and_on(client_for, make_user):
    client = client_for(make_user("luna", email="luna@example.com"))

    assert client.get(SETTINGS).json() == {"email_enabled": True, "email": "luna@example.com"}
    off = client.patch(SETTINGS, {"email_enabled": False}, format="json")
    assert off.status_code == 200 and off.json()["email_enabled"] is False
    assert client.get(SETTINGS).json()["email_enabled"] is False
    assert client.patch(SETTINGS, {"email_enabled": True}, format="json").json()["email_enabled"]


def test_the_email_choice_must_be_a_boolean(client_for, user):
    response = client_for(user).patch(SETTINGS, {"email_enabled": "perhaps"}, format="json")

    assert response.status_code == 400
    assert "email_enabled" in response.json()
