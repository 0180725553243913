"""Dream analytics: dreams per day, moderation decisions and the median wait for one, reports
opened and resolved, and runs of empty days collapsed into one row.

Runs on PostgreSQL (percentile_cont) and SQLite (ORDER BY/OFFSET medians): the same numbers.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from common.days import collapse_empty_days
from dreams import moderation
from dreams.models import (
    Dream,
    DreamReport,
    ModerationDecision,
    ReportStatus,
    StorageTier,
)
from dreams.stats import dream_stats
from dreams.stats_admin import duration_text
from tests.support.factories import DemoDreamFactory, DreamFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
TODAY = NOW - timedelta(hours=2)
YESTERDAY = NOW - timedelta(days=1)
STATS = reverse("admin:dreams_dream_stats")


def decision(kind: str, *, at: datetime, waited_minutes: float) -> None:
    dream = DreamFactory()
    ModerationDecision.objects.create(
        dream_id=dream.pk,
        storage=StorageTier.DREAMS,
        decision=kind,
        requested_at=at - timedelta(minutes=waited_minutes),
        decided_at=at,
    )


def reports(dream, *, opened: datetime, count: int, resolved: datetime | None = None) -> None:
    for n in range(count):
        DreamReport.objects.create(
            dream=dream,
            reason="spam",
            reporter_key=f"a:{opened.isoformat()}-{n}",
            created_at=opened,
            status=ReportStatus.DISMISSED if resolved else ReportStatus.OPEN,
            resolution="dismiss" if resolved else "",
            resolved_at=resolved,
        )


def seed() -> None:
    for _ in range(2):
        DreamFactory(created_at=YESTERDAY)
    DreamFactory(created_at=TODAY)
    DemoDreamFactory(created_at=TODAY)
    DreamFactory(created_at=NOW - timedelta(days=45))  # before the window
    DreamFactory(created_at=NOW + timedelta(minutes=5))  # after "now"
    for minutes in (30, 10, 20):  # out of order on purpose: median 20 min
        decision("approved", at=YESTERDAY, waited_minutes=minutes)
    decision("rejected", at=TODAY, waited_minutes=60)  # with the next: median 90 min
    decision("rejected", at=TODAY, waited_minutes=120)
    target = DreamFactory(created_at=NOW - timedelta(days=60))
    reports(target, opened=YESTERDAY, count=2)
    reports(target, opened=YESTERDAY - timedelta(hours=1), count=1, resolved=TODAY)


def day(stats, when: datetime) -> dict:
    return next(d for d in stats["days"] if d["date"] == when.date())


def test_counts_per_day_and_in_total():
    seed()

    stats = dream_stats(days=30, now=NOW)

    yesterday, today = day(stats, YESTERDAY), day(stats, TODAY)
    assert {k: yesterday[k] for k in ("dreams", "demo_dreams", "approved", "rejected")} == {
        "dreams": 2,
        "demo_dreams": 0,
        "approved": 3,
        "rejected": 0,
    }
    assert {k: today[k] for k in ("dreams", "demo_dreams", "approved", "rejected")} == {
        "dreams": 1,
        "demo_dreams": 1,
        "approved": 0,
        "rejected": 2,
    }
    assert (yesterday["reports_opened"], yesterday["reports_resolved"]) == (3, 0)
    assert (today["reports_opened"], today["reports_resolved"]) == (0, 1)
    assert stats["totals"] == {
        "dreams": 3,
        "demo_dreams": 1,
        "approved": 3,
        "rejected": 2,
        "reports_opened": 3,
        "reports_resolved": 1,
        "median_seconds": 30 * 60.0,  # 10, 20, 30, 60, 120 minutes
    }
    assert len(stats["days"]) == 30
    assert stats["days"][-1]["date"] == NOW.date()


def test_the_median_wait_is_interpolated_per_day():
    seed()

    stats = dream_stats(days=30, now=NOW)

    assert day(stats, YESTERDAY)["median_seconds"] == 20 * 60.0
    assert day(stats, TODAY)["median_seconds"] == 90 * 60.0
    assert day(stats, NOW - timedelta(days=5))["median_seconds"] is None


def test_the_database_computes_it_in_a_constant_number_of_queries():
    seed()
    with CaptureQueriesContext(connection) as few:
        dream_stats(days=30, now=NOW)
    for n in range(6):
        decision("approved", at=TODAY, waited_minutes=n)

    with CaptureQueriesContext(connection) as many:
        dream_stats(days=30, now=NOW)

    assert len(many.captured_queries) == len(few.captured_queries)
    sql = " ".join(q["sql"] for q in many.captured_queries)
    if connection.vendor == "postgresql":
        assert "PERCENTILE_CONT(0.5) WITHIN GROUP" in sql
        assert len(many.captured_queries) == 6  # four series, decisions per day, overall


def test_runs_of_empty_days_are_one_row():
    seed()
    DreamFactory(created_at=NOW - timedelta(days=10))

    rows = collapse_empty_days(dream_stats(days=30, now=NOW)["days"])

    shape = [(row["first"], row["last"]) if row["empty"] else row["date"] for row in rows]
    d = NOW.date()
    assert shape == [
        d,
        d - timedelta(days=1),
        (d - timedelta(days=9), d - timedelta(days=2)),
        d - timedelta(days=10),
        (d - timedelta(days=29), d - timedelta(days=11)),
    ]


def test_an_empty_window_is_one_row():
    rows = collapse_empty_days(dream_stats(days=7, now=NOW)["days"])

    assert rows == [{"empty": True, "first": date(2026, 11, 14), "last": date(2026, 11, 20)}]


@pytest.mark.parametrize("days", [0, 367])
def test_the_window_must_be_sensible(days):
    with pytest.raises(ValueError):
        dream_stats(days=days, now=NOW)


def test_a_decision_records_the_wait_since_the_dream_asked_to_be_public(client_for, make_user):
    # Given a private dream made public later by its owner (it enters the queue then).
    owner = client_for()
    dream = DreamFactory(owner=owner.user, created_at=timezone.now() - timedelta(days=3))
    response = owner.patch(f"/api/dreams/{dream.pk}", {"is_public": True}, format="json")
    assert response.status_code == 200
    asked = Dream.objects.get(pk=dream.pk).review_requested_at
    assert asked is not None and timezone.now() - asked < timedelta(minutes=1)

    # When a moderator approves it.
    moderator = make_user("mod", is_staff=True)
    moderation.dream_approve(dream=Dream.objects.get(pk=dream.pk), moderator=moderator)

    # Then the history holds the decision, waited from the request, not from the writing.
    recorded = ModerationDecision.objects.get(dream_id=dream.pk)
    assert (recorded.decision, recorded.moderator, recorded.requested_at) == (
        "approved",
        moderator,
        asked,
    )
    stats = dream_stats(days=1)
    assert stats["totals"]["approved"] == 1
    assert stats["totals"]["median_seconds"] < 60


def test_bulk_decisions_are_recorded_one_by_one(make_user):
    moderator = make_user("mod", is_staff=True)
    dreams = DreamFactory.create_batch(3, is_public=True)

    moderation.dreams_reject(
        queryset=Dream.objects.filter(pk__in=[d.pk for d in dreams]),
        moderator=moderator,
        reason="Not for the gallery.",
    )
    moderation.dreams_unpublish(queryset=Dream.objects.all(), moderator=moderator)

    assert (
        sorted(ModerationDecision.objects.values_list("decision", flat=True)) == ["rejected"] * 3
    )  # an unpublish is no decision on the dream itself


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "—"),
        (42, "42 s"),
        (600, "10 min"),
        (3600, "1 h"),
        (11100, "3 h 5 min"),
        (2 * 86400 + 4 * 3600, "2 d 4 h"),
    ],
)
def test_waits_read_as_people_say_them(seconds, text):
    assert duration_text(seconds) == text


def test_the_admin_page_shows_the_figures_with_empty_days_collapsed(make_user):
    seed()
    moderator = make_user("mod", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(moderator)

    response = client.get(STATS, {"days": 7})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Dreams and moderation analytics" in html
    assert "DreamJourney moderation" in html
    assert "nothing" in html  # the days before yesterday: one row
    assert response.context["days"] == 7
    assert reverse("admin:videos_videojob_stats") in html
    # The video analytics link back, through the admin site (videos knows nothing of dreams).
    videos = client.get(reverse("admin:videos_videojob_stats")).content.decode()
    assert f'<a href="{STATS}">Dreams and moderation</a>' in videos


def test_the_admin_page_is_for_staff_with_permission(make_user):
    staff = make_user("helper", is_staff=True)
    client = Client()
    client.force_login(staff)

    assert client.get(STATS).status_code == 403
    assert Client().get(STATS).status_code == 302  # to the login
