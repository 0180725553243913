"""Cancelling, retrying and recovering jobs: what users, moderators and operators ask for."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from common.owners import Owner
from videos.catalog import GenerationChoiceError
from videos.jobs.machine import enqueue_advance, job_cancel_at_provider_later, job_finish
from videos.jobs.submission import Subject, video_ingest_submit, video_job_submit_generation
from videos.models import ACTIVE_JOB_STATUSES, JobKind, JobStatus, VideoJob


class JobNotRetryable(ValueError):
    """The job cannot be started again (an upload: its bytes were only ever in the request)."""


@transaction.atomic
def video_job_cancel(*, job: VideoJob) -> VideoJob:
    """Cancel a job in flight (also at the provider); a finished job is returned unchanged."""
    if job.is_finished:
        return job
    job_finish(job, status=JobStatus.CANCELLED, code="cancelled", message="Cancelled.")
    job_cancel_at_provider_later(job)
    return VideoJob.objects.get(pk=job.pk)  # whoever finished it, the state it ended in


@transaction.atomic
def video_jobs_cancel_for(*, subject: Subject) -> int:
    """Cancel every job in flight for ``subject`` (e.g. before it is deleted); returns how many."""
    jobs = list(VideoJob.objects.filter(**subject, status__in=ACTIVE_JOB_STATUSES))
    for job in jobs:
        video_job_cancel(job=job)
    return len(jobs)


@transaction.atomic
def video_job_retry(*, job: VideoJob) -> VideoJob:
    """Start a new job like a finished one (failed or cancelled), for the same subject.

    Raises ``JobNotRetryable`` for an upload, and ``JobLimitExceeded`` when the owner
    has too many jobs in flight.
    """
    if job.kind == JobKind.INGEST and not job.source_url:
        raise JobNotRetryable("An uploaded video cannot be retried: upload it again.")
    owner = Owner.of(job)
    if job.kind == JobKind.INGEST:
        return video_ingest_submit(
            owner=owner,
            subject=job.subject,
            source_url=job.source_url,
            prompt=job.prompt,
            duration=job.duration,
        )
    try:
        return video_job_submit_generation(
            owner=owner,
            prompt=job.prompt,
            duration=job.duration,
            ratio=job.ratio,
            seed=job.seed,
            model=job.model or None,
            audio=job.audio,
            style=job.style or None,
            hints=job.hints,
            subject=job.subject,
        )
    except GenerationChoiceError as exc:
        # E.g. its model was disabled since: the same request cannot be made again.
        raise JobNotRetryable(f"Its choices are no longer offered ({exc}).") from exc


def video_jobs_recover(*, stale_after: timedelta | None = None) -> int:
    """Re-enqueue jobs in flight that no worker touched lately (e.g. a worker was killed).

    Returns how many were re-enqueued. Steps are idempotent, so a job that was
    merely slow is not harmed by a second run.
    """
    if stale_after is None:
        stale_after = timedelta(seconds=settings.VIDEO_JOB_STALE_SECONDS)
    cutoff = timezone.now() - stale_after
    stalled = VideoJob.objects.filter(status__in=ACTIVE_JOB_STATUSES, updated_at__lt=cutoff)
    ids = list(stalled.values_list("id", flat=True))
    # Touched first, so a second recovery run right after this one leaves them alone.
    VideoJob.objects.filter(pk__in=ids).update(updated_at=timezone.now())
    for job_id in ids:
        enqueue_advance(job_id)
    return len(ids)
