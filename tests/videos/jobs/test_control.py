"""Cancelling, retrying and recovering jobs (``videos.jobs.control``), for jobs with no subject."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.tasks import task_backends

from common.owners import Owner
from videos.jobs.control import (
    JobNotRetryable,
    video_job_cancel,
    video_job_retry,
    video_jobs_recover,
)
from videos.jobs.submission import video_ingest_submit, video_job_submit_generation
from videos.models import JobKind, JobStatus, VideoJob

pytestmark = pytest.mark.django_db


def test_a_lost_task_is_recovered(user, committed, run_jobs):
    # Given a queued job whose task was lost with the worker that held it
    with committed():
        job = video_job_submit_generation(
            owner=Owner(user=user), prompt="A calm sea rose into the sky."
        )
    task_backends["default"].clear()
    VideoJob.objects.update(updated_at=VideoJob.objects.get().created_at - timedelta(hours=1))

    assert video_jobs_recover() == 1
    run_jobs()

    assert VideoJob.objects.get(pk=job.pk).status == "succeeded"


def test_recovery_leaves_jobs_a_worker_touched_lately_alone(user):
    video_job_submit_generation(owner=Owner(user=user), prompt="Fresh")
    task_backends["default"].clear()

    assert video_jobs_recover() == 0
    assert list(task_backends["default"].results) == []


def test_recovery_twice_in_a_row_re_enqueues_a_stalled_job_once(user):
    video_job_submit_generation(owner=Owner(user=user), prompt="Stalled")
    task_backends["default"].clear()
    VideoJob.objects.update(updated_at=VideoJob.objects.get().created_at - timedelta(hours=1))

    assert (video_jobs_recover(), video_jobs_recover()) == (1, 0)
    assert len(task_backends["default"].results) == 1


def test_cancel_finishes_a_job_in_flight_and_leaves_a_finished_one(user):
    owner = Owner(user=user)
    queued = video_job_submit_generation(owner=owner, prompt="Stop me")
    done = VideoJob.objects.create(
        kind=JobKind.GENERATE, provider="demo", status=JobStatus.FAILED, user=user
    )

    cancelled = video_job_cancel(job=queued)
    unchanged = video_job_cancel(job=done)

    assert (cancelled.status, cancelled.error_code) == (JobStatus.CANCELLED, "cancelled")
    assert unchanged.status == JobStatus.FAILED


def test_retry_makes_a_new_queued_job_like_the_failed_one(user):
    failed = VideoJob.objects.create(
        kind=JobKind.GENERATE,
        provider="demo",
        status=JobStatus.FAILED,
        user=user,
        prompt="Again",
        duration=6,
        ratio="720:1280",
        seed=7,
    )

    new = video_job_retry(job=failed)

    assert new.pk != failed.pk and new.status == JobStatus.QUEUED
    assert (new.prompt, new.duration, new.ratio, new.seed, new.user) == (
        "Again",
        6,
        "720:1280",
        7,
        user,
    )
    assert VideoJob.objects.get(pk=failed.pk).status == JobStatus.FAILED


def test_an_upload_cannot_be_retried(user):
    upload = SimpleUploadedFile("clip.mp4", b"not even a video", content_type="video/mp4")
    job = video_ingest_submit(
        owner=Owner(user=user), subject={}, duration=4, upload=upload, enqueue=False
    )
    VideoJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED)

    with pytest.raises(JobNotRetryable):
        video_job_retry(job=VideoJob.objects.get(pk=job.pk))
