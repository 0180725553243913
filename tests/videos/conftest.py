"""Fixtures of the video area: video rows made through the video app only (no subject)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from common.owners import Owner
from videos.jobs.submission import video_ingest_submit
from videos.models import JobStatus, VideoJob


@pytest.fixture
def stored_job(user, committed, run_jobs, files) -> VideoJob:
    """A finished ingest job of ``user`` (``auth_client``'s user) with no subject: the bytes
    of ``files``' ``/dream.mp4`` are in our storage, with ``source_url`` pointing back there."""
    with committed():
        job = video_ingest_submit(
            owner=Owner(user=user),
            subject={},
            duration=2,
            source_url=files.url_for("/dream.mp4"),
        )
    run_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error_message
    return job


@pytest.fixture
def stored_video_url(stored_job) -> str:
    """Where ``stored_job``'s video is served to its owner."""
    return reverse("job-video", kwargs={"job_id": stored_job.pk})
