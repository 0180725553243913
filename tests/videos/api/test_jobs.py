"""GET /api/videos/jobs/{id} and POST …/cancel: a job is its owner's only (jobs with no subject)."""

from __future__ import annotations

import pytest

from common.owners import Owner
from videos.jobs.submission import video_job_submit_generation
from videos.models import JobStatus, VideoJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued_job(user, committed) -> VideoJob:
    """A generation job of ``user`` (``auth_client``'s user), for nothing in particular."""
    with committed():
        return video_job_submit_generation(owner=Owner(user=user), prompt="A calm sea rose.")


def test_jobs_of_others_are_404(queued_job, client_for):
    other = client_for()
    assert other.get(f"/api/videos/jobs/{queued_job.pk}").status_code == 404
    assert other.post(f"/api/videos/jobs/{queued_job.pk}/cancel").status_code == 404


def test_the_owner_reads_a_job_without_a_dream(queued_job, auth_client):
    response = auth_client.get(f"/api/videos/jobs/{queued_job.pk}")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["dream_id"]) == (str(queued_job.pk), "queued", None)
    assert body["url"].endswith(f"/api/videos/jobs/{queued_job.pk}")
    assert body["video_url"] is None and body["error"] is None


def test_the_owner_cancels_a_job_in_flight(queued_job, auth_client):
    response = auth_client.post(f"/api/videos/jobs/{queued_job.pk}/cancel")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["error"]["code"] == "cancelled"
    queued_job.refresh_from_db()
    assert queued_job.status == JobStatus.CANCELLED and queued_job.finished_at is not None


def test_cancelling_a_finished_job_returns_it_unchanged(queued_job, auth_client, run_jobs):
    run_jobs()  # the demo provider makes the video
    queued_job.refresh_from_db()
    assert queued_job.status == JobStatus.SUCCEEDED

    response = auth_client.post(f"/api/videos/jobs/{queued_job.pk}/cancel")

    assert response.status_code == 200 and response.json()["status"] == "succeeded"
    assert VideoJob.objects.get(pk=queued_job.pk).finished_at == queued_job.finished_at
