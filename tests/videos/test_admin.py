"""The jobs admin: list, retry and cancel through the services, and the analytics page.

Jobs here have no subject. That no admin page (the dream's included) shows the RunwayML
secret is tested in ``tests/dreamjourney/test_security.py``.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from videos.models import JobKind, JobStatus, VideoJob
from videos.sources import VideoSource

pytestmark = pytest.mark.django_db

JOBS = reverse("admin:videos_videojob_changelist")
STATS_PAGE = reverse("admin:videos_videojob_stats")


@pytest.fixture
def staff(make_user):
    return make_user("ops", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


_owners = itertools.count()


def make_job(*, status=JobStatus.FAILED, provider=VideoSource.DEMO, seconds=None, **extra):
    """A job with no subject, of a new owner unless ``user`` is given."""
    user = extra.pop("user", None) or get_user_model().objects.create_user(
        username=f"owner{next(_owners)}", password="correct horse battery"
    )
    created = timezone.now() - timedelta(minutes=10)
    return VideoJob.objects.create(
        kind=extra.pop("kind", JobKind.GENERATE),
        status=status,
        provider=provider,
        prompt="A moonlit orchard",
        user=user,
        created_at=created,
        finished_at=created + timedelta(seconds=seconds) if seconds is not None else None,
        **extra,
    )


def messages_after(client) -> list[str]:
    return [str(m) for m in client.get(JOBS).context["messages"]]


def test_job_list_shows_status_provider_time_to_video_and_error(admin_client):
    make_job(status=JobStatus.SUCCEEDED, provider=VideoSource.RUNWAY, seconds=42.25)
    make_job(status=JobStatus.FAILED, error_code="SAFETY.INPUT.TEXT", seconds=3)

    page = admin_client.get(JOBS).content.decode()

    assert "Succeeded" in page and "RunwayML" in page and "42.2" in page
    assert "SAFETY.INPUT.TEXT" in page
    assert f'href="{STATS_PAGE}"' in page  # the analytics page is linked


def test_retry_starts_a_new_job_like_the_failed_one(admin_client):
    failed = make_job(
        status=JobStatus.FAILED,
        error_code="provider_failed",
        duration=7,
        ratio="720:1280",
        seed=42,
        hints={"title": "The orchard", "mood": "serene"},
    )

    response = admin_client.post(
        JOBS, {"action": "retry_jobs", "_selected_action": [str(failed.pk)]}
    )

    assert response.status_code == 302
    new = VideoJob.objects.exclude(pk=failed.pk).get()
    same = ("prompt", "duration", "ratio", "seed", "hints", "user_id", "session_key")
    assert new.status == JobStatus.QUEUED
    assert {f: getattr(new, f) for f in same} == {f: getattr(failed, f) for f in same}
    assert any("Started 1" in m for m in messages_after(admin_client))


def test_retry_skips_jobs_that_did_not_fail_and_reports_the_owners_cap(admin_client, settings):
    settings.VIDEO_MAX_JOBS_IN_FLIGHT = 1
    done = make_job(status=JobStatus.SUCCEEDED, seconds=5)
    running = make_job(status=JobStatus.RUNNING)
    failed = make_job(status=JobStatus.FAILED, user=running.user)  # same owner, at the cap

    admin_client.post(
        JOBS,
        {"action": "retry_jobs", "_selected_action": [str(j.pk) for j in (done, running, failed)]},
    )

    assert VideoJob.objects.count() == 3  # nothing new
    [warning] = [m for m in messages_after(admin_client) if m.startswith("Not retried")]
    assert "succeeded" in warning and "running" in warning and "in progress" in warning


def test_cancel_stops_jobs_in_flight_and_leaves_finished_ones(admin_client):
    running = make_job(status=JobStatus.RUNNING)
    done = make_job(status=JobStatus.SUCCEEDED, seconds=5)

    admin_client.post(
        JOBS, {"action": "cancel_jobs", "_selected_action": [str(running.pk), str(done.pk)]}
    )

    running.refresh_from_db()
    done.refresh_from_db()
    assert (running.status, done.status) == (JobStatus.CANCELLED, JobStatus.SUCCEEDED)
    assert any("Cancelled 1" in m for m in messages_after(admin_client))


def test_a_job_page_is_read_only(admin_client):
    job = make_job(status=JobStatus.RUNNING)
    url = reverse("admin:videos_videojob_change", args=[job.pk])

    page = admin_client.get(url)
    post = admin_client.post(url, {"status": "succeeded", "_save": "1"})

    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert post.status_code == 403
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING
    assert admin_client.get(reverse("admin:videos_videojob_add")).status_code == 403


def test_analytics_page_draws_the_days_and_tabulates_the_numbers(admin_client):
    make_job(status=JobStatus.SUCCEEDED, provider=VideoSource.RUNWAY, seconds=60)
    make_job(status=JobStatus.SUCCEEDED, provider=VideoSource.RUNWAY, seconds=120)
    make_job(
        status=JobStatus.FAILED, provider=VideoSource.RUNWAY, error_code="timed_out", seconds=1
    )

    response = admin_client.get(STATS_PAGE)

    assert response.status_code == 200
    page = response.content.decode()
    assert "<svg" in page and page.count("<rect") >= 2  # a bar per outcome today
    assert "runway" in page and "timed_out" in page
    assert "67 %" in page  # 2 / (2 + 1)
    assert "90.0" in page  # p50 of 60 s and 120 s
    assert "<script" not in page.split('id="content-main"')[1]  # no script, no CDN


def test_analytics_days_without_jobs_fold_into_one_row(admin_client):
    # Given one job today in a 7-day window
    make_job(status=JobStatus.SUCCEEDED, provider=VideoSource.DEMO, seconds=5)

    rows = admin_client.get(STATS_PAGE, {"days": 7}).context["day_rows"]

    # Then today is a row, and the six quiet days before it are one "no jobs" row
    days = admin_client.get(STATS_PAGE, {"days": 7}).context["stats"]["days"]
    assert [row.get("empty", False) for row in rows] == [False, True]
    assert rows[0]["date"] == days[-1]["date"]
    assert (rows[1]["first"], rows[1]["last"]) == (days[0]["date"], days[-2]["date"])


def test_analytics_page_offers_other_windows(admin_client):
    response = admin_client.get(STATS_PAGE, {"days": 7})

    assert response.status_code == 200
    assert len(response.context["stats"]["days"]) == 7
    assert admin_client.get(STATS_PAGE, {"days": "lots"}).context["days"] == 30


def test_analytics_page_is_for_staff_only(make_user):
    client = Client()
    client.force_login(make_user("curious"))

    response = client.get(STATS_PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
