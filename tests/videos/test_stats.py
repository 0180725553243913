"""Video job analytics: exact counts, rates and percentiles for a seeded set of jobs.

Runs on SQLite (ORDER BY/OFFSET percentiles) and PostgreSQL (percentile_cont); both
must give the same numbers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from videos.models import JobKind, JobStatus, VideoJob
from videos.sources import VideoSource
from videos.stats import PercentileCont, video_job_stats

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
STATS = "/api/videos/stats"


def job(*, provider, status, created, seconds=None, error_code="", kind=JobKind.GENERATE):
    """A job requested at ``created`` that finished ``seconds`` later (if it finished)."""
    finished = created + timedelta(seconds=seconds) if seconds is not None else None
    return VideoJob.objects.create(
        kind=kind,
        provider=provider,
        status=status,
        session_key="visitor",
        created_at=created,
        finished_at=finished,
        error_code=error_code,
    )


def seed(now: datetime) -> None:
    """Yesterday: demo jobs. Today: RunwayML jobs. Plus jobs outside the window."""
    yesterday = now - timedelta(days=1)
    for seconds in (30, 10, 50, 20, 40):  # out of order on purpose
        job(
            provider=VideoSource.DEMO,
            status=JobStatus.SUCCEEDED,
            created=yesterday,
            seconds=seconds,
        )
    job(provider=VideoSource.DEMO, status=JobStatus.CANCELLED, created=yesterday, seconds=3)
    job(provider=VideoSource.DEMO, status=JobStatus.QUEUED, created=now - timedelta(minutes=1))

    today = now - timedelta(hours=1)
    job(provider=VideoSource.RUNWAY, status=JobStatus.SUCCEEDED, created=today, seconds=120)
    job(provider=VideoSource.RUNWAY, status=JobStatus.SUCCEEDED, created=today, seconds=60)
    for code in ("provider_failed", "provider_failed", "timed_out"):
        job(
            provider=VideoSource.RUNWAY,
            status=JobStatus.FAILED,
            created=today,
            seconds=5,
            error_code=code,
        )

    # Outside the window: 30 days before today's first second, and after "now"
    job(
        provider=VideoSource.DEMO,
        status=JobStatus.SUCCEEDED,
        created=now - timedelta(days=40),
        seconds=1,
    )
    job(
        provider=VideoSource.URL,
        status=JobStatus.FAILED,
        created=now + timedelta(minutes=5),
        seconds=1,
    )


def test_overall_numbers_of_the_window():
    seed(NOW)

    overall = video_job_stats(days=30, now=NOW)["overall"]

    assert overall == {
        "total": 12,
        "in_flight": 1,
        "succeeded": 7,
        "failed": 3,
        "cancelled": 1,
        "success_rate": 0.7,  # 7 / (7 + 3): cancelled and in-flight jobs left out
        "failures_by_error_code": {"provider_failed": 2, "timed_out": 1},
        # request -> stored over [10, 20, 30, 40, 50, 60, 120] s, interpolated
        "p50_seconds": 40.0,
        "p95_seconds": 102.0,  # position 0.95 * 6 = 5.7: 60 + 0.7 * (120 - 60)
    }


def test_numbers_per_provider():
    seed(NOW)

    providers = {p.pop("provider"): p for p in video_job_stats(days=30, now=NOW)["providers"]}

    assert list(providers) == ["demo", "runway"]
    assert providers["demo"] == {
        "total": 7,
        "in_flight": 1,
        "succeeded": 5,
        "failed": 0,
        "cancelled": 1,
        "success_rate": 1.0,
        "failures_by_error_code": {},
        "p50_seconds": 30.0,
        "p95_seconds": 48.0,  # position 3.8: 40 + 0.8 * 10
    }
    assert providers["runway"] == {
        "total": 5,
        "in_flight": 0,
        "succeeded": 2,
        "failed": 3,
        "cancelled": 0,
        "success_rate": 0.4,
        "failures_by_error_code": {"provider_failed": 2, "timed_out": 1},
        "p50_seconds": 90.0,
        "p95_seconds": 117.0,
    }


def test_numbers_per_day_cover_every_day_of_the_window():
    seed(NOW)

    stats = video_job_stats(days=30, now=NOW)
    days = stats["days"]

    assert len(days) == 30
    assert days[0]["date"] == "2026-05-17"
    assert days[-1]["date"] == "2026-06-15"
    assert stats["window"]["since"] == "2026-05-17T00:00:00+00:00"
    today, yesterday = days[-1], days[-2]
    assert (today["total"], today["succeeded"], today["failed"]) == (6, 2, 3)
    assert today["in_flight"] == 1
    assert (today["p50_seconds"], today["p95_seconds"]) == (90.0, 117.0)
    assert today["failures_by_error_code"] == {"provider_failed": 2, "timed_out": 1}
    assert (yesterday["total"], yesterday["succeeded"], yesterday["cancelled"]) == (6, 5, 1)
    assert (yesterday["p50_seconds"], yesterday["success_rate"]) == (30.0, 1.0)
    quiet = days[0]
    assert quiet["total"] == 0
    assert (quiet["success_rate"], quiet["p50_seconds"], quiet["p95_seconds"]) == (None, None, None)
    assert sum(d["total"] for d in days) == stats["overall"]["total"]


def test_a_shorter_window_counts_only_its_days():
    seed(NOW)

    stats = video_job_stats(days=1, now=NOW)

    assert stats["overall"]["total"] == 6  # today's RunwayML jobs and the queued demo job
    assert [d["date"] for d in stats["days"]] == ["2026-06-15"]


def test_an_empty_window_has_no_rates():
    overall = video_job_stats(now=NOW)["overall"]

    assert overall["total"] == 0
    assert (overall["success_rate"], overall["p50_seconds"], overall["p95_seconds"]) == (
        None,
        None,
        None,
    )


def test_a_single_success_is_its_own_percentiles():
    job(
        provider=VideoSource.DEMO,
        status=JobStatus.SUCCEEDED,
        created=NOW - timedelta(hours=1),
        seconds=7.5,
    )

    overall = video_job_stats(now=NOW)["overall"]

    assert (overall["p50_seconds"], overall["p95_seconds"]) == (7.5, 7.5)


@pytest.mark.parametrize("days", [0, -1, 367])
def test_window_must_be_sensible(days):
    with pytest.raises(ValueError):
        video_job_stats(days=days, now=NOW)


def test_queries_do_not_grow_with_jobs():
    seed(NOW)
    with CaptureQueriesContext(connection) as few:
        video_job_stats(now=NOW)
    for _ in range(3):
        seed(NOW)

    with CaptureQueriesContext(connection) as many:
        stats = video_job_stats(now=NOW)

    assert stats["overall"]["total"] == 48
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="percentile_cont is PostgreSQL's")
def test_postgres_computes_the_percentiles_in_one_aggregate():
    seed(NOW)

    with CaptureQueriesContext(connection) as queries:
        video_job_stats(now=NOW)

    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "PERCENTILE_CONT(0.5) WITHIN GROUP" in sql
    assert len(queries.captured_queries) == 4  # overall, per provider, per day, failures


def test_percentile_fraction_must_be_a_fraction():
    from django.db.models import F

    with pytest.raises(ValueError):
        PercentileCont(F("duration"), fraction=1.5)


# --- GET /api/videos/stats ------------------------------------------------------------------


@pytest.fixture
def staff_client(make_user, client_for):
    return client_for(make_user("analyst", is_staff=True))


def test_api_returns_the_same_numbers_to_staff(staff_client):
    seed(timezone.now())

    response = staff_client.get(STATS)

    assert response.status_code == 200
    body = response.json()
    expected = video_job_stats()
    assert body["overall"] == expected["overall"]
    assert body["providers"] == expected["providers"]
    assert body["days"] == expected["days"]
    assert body["overall"]["success_rate"] == 0.7


def test_api_takes_a_window_in_days(staff_client):
    response = staff_client.get(STATS, {"days": 7})

    assert response.status_code == 200
    assert len(response.json()["days"]) == 7
    assert response.json()["window"]["days"] == 7


@pytest.mark.parametrize("days", ["0", "367", "week"])
def test_api_refuses_a_bad_window(staff_client, days):
    response = staff_client.get(STATS, {"days": days})

    assert response.status_code == 400
    assert "days" in response.json()


def test_api_is_for_staff_only(client_for):
    assert client_for().get(STATS).status_code == 403
    assert APIClient().get(STATS).status_code in (401, 403)


def test_api_schema_documents_the_stats(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()

    operation = schema["paths"]["/api/videos/stats"]["get"]
    assert "200" in operation["responses"]
    assert "VideoStatsSummary" in schema["components"]["schemas"]
