"""Submitting jobs: generation and ingest, under the owner's in-flight cap."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone

from common.exceptions import LimitExceeded
from common.owners import Owner
from videos import errors
from videos.catalog import generation_choice
from videos.jobs.machine import announce, enqueue_advance
from videos.models import ACTIVE_JOB_STATUSES, JobKind, JobStatus, VideoJob
from videos.providers import default_provider_name
from videos.sources import VideoSource

#: A job's subject as lookup kwargs on ``VideoJob`` (e.g. ``{"dream": dream}``), built by the
#: app the video is for; this app stores it and never reads it.
Subject = Mapping[str, Any]


class JobLimitExceeded(LimitExceeded):
    """The owner already has as many jobs in flight as allowed."""


def _lock_owner(owner: Owner) -> None:
    """Serialise job submissions per owner so the in-flight cap holds under concurrency.

    Accounts lock their user row; demo owners (no row of their own) take a
    transaction-scoped advisory lock on PostgreSQL. SQLite serialises writers anyway.
    """
    if not owner.is_demo:
        get_user_model().objects.select_for_update().filter(pk=owner.user_id).first()
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [owner.session_key])


class OverLimit(StrEnum):
    """What a submission over the owner's in-flight cap does."""

    RAISE = "raise"  # refuse: JobLimitExceeded (a request, which the caller can repeat)
    FAIL = "fail"  # keep a record: the job is created failed with ``too_many_jobs``
    IGNORE = "ignore"  # start it anyway (a moderator's request)


def check_in_flight_limit(owner: Owner) -> None:
    """Raise ``JobLimitExceeded`` when ``owner`` has the most jobs in flight allowed.

    Locks the owner (see ``_lock_owner``) for the rest of the transaction.
    """
    _lock_owner(owner)
    limit = settings.VIDEO_MAX_JOBS_IN_FLIGHT
    in_flight = VideoJob.objects.filter(**owner.as_filter(), status__in=ACTIVE_JOB_STATUSES)
    if in_flight.count() >= limit:
        raise JobLimitExceeded(
            f"You already have {limit} videos in progress. "
            "Wait for one to finish (or cancel one) and try again."
        )


def _within_limit(owner: Owner, over_limit: OverLimit) -> bool:
    """Whether the job may start; raises for ``OverLimit.RAISE`` when it may not."""
    if over_limit == OverLimit.IGNORE:
        return True
    try:
        check_in_flight_limit(owner)
    except JobLimitExceeded:
        if over_limit == OverLimit.RAISE:
            raise
        return False
    return True


def _start(job: VideoJob, *, allowed: bool = True, enqueue: bool = True) -> None:
    if not allowed:
        # Never lost silently: the job exists, failed, and says why.
        job.status, job.finished_at = JobStatus.FAILED, timezone.now()
        job.error_code = errors.TOO_MANY_JOBS
        job.error_message = errors.message_for(errors.TOO_MANY_JOBS)
        job.save(update_fields=["status", "finished_at", "error_code", "error_message"])
    announce(job)
    if allowed and enqueue:
        transaction.on_commit(lambda: enqueue_advance(job.id))


@transaction.atomic
def video_job_submit_generation(
    *,
    owner: Owner,
    prompt: str,
    duration: int | None = None,
    ratio: str | None = None,
    seed: int | None = None,
    model: str | None = None,
    audio: bool | None = None,
    style: str | None = None,
    subject: Subject | None = None,
    hints: dict[str, Any] | None = None,
    over_limit: OverLimit = OverLimit.RAISE,
) -> VideoJob:
    """Queue a generation job; the worker picks it up once this transaction commits.

    ``model``, ``ratio``, ``duration``, ``audio`` and ``style`` left as None take the
    model's defaults (``videos.catalog.generation_choice``, which the API has already
    checked the request with). ``hints`` (title, emotions, keywords) are for renderers
    that read more than the prompt. Over the owner's in-flight cap, ``over_limit``
    decides: by default raise ``JobLimitExceeded``.

    Raises:
        GenerationChoiceError: the choices do not go together (nothing is saved).
        JobLimitExceeded: over the cap with ``OverLimit.RAISE``.
    """
    choice = generation_choice(
        model=model, ratio=ratio, duration=duration, audio=audio, style=style, seed=seed
    )
    allowed = _within_limit(owner, over_limit)
    job = VideoJob.objects.create(
        kind=JobKind.GENERATE,
        provider=default_provider_name(),
        prompt=prompt,
        duration=choice.duration,
        ratio=choice.ratio,
        seed=seed,
        model=choice.model,
        audio=choice.audio,
        style=choice.style,
        hints=hints or {},
        **owner.as_filter(),
        **(subject or {}),
    )
    _start(job, allowed=allowed)
    return job


@transaction.atomic
def video_ingest_submit(
    *,
    owner: Owner,
    subject: Subject,
    duration: int,
    source_url: str = "",
    upload: UploadedFile | None = None,
    thumbnail_url: str = "",
    prompt: str = "",
    enqueue: bool = True,
    over_limit: OverLimit = OverLimit.RAISE,
) -> VideoJob:
    """Queue copying a video (a URL, or an uploaded file) into our storage for ``subject``.

    Idempotent: while a copy of the same URL for the same subject is in flight or
    done, the existing job is returned instead of a second copy. With
    ``enqueue=False`` the caller runs the job itself (``machine.video_job_advance``).
    Over the cap, ``over_limit`` decides, as for ``video_job_submit_generation``.
    """
    if source_url:
        existing = (
            VideoJob.objects.filter(**subject, kind=JobKind.INGEST, source_url=source_url)
            .exclude(status__in=[JobStatus.FAILED, JobStatus.CANCELLED])
            .order_by("-created_at")
            .first()
        )
        if existing is not None:
            return existing
    allowed = _within_limit(owner, over_limit)
    job = VideoJob(
        kind=JobKind.INGEST,
        provider=VideoSource.UPLOAD if upload is not None else VideoSource.URL,
        prompt=prompt,
        duration=duration,
        source_url=source_url,
        thumbnail_source_url=thumbnail_url,
        **owner.as_filter(),
        **subject,
    )
    if upload is not None and allowed:  # a refused job keeps no bytes
        job.staged_file.save(f"{job.id}.upload", upload, save=False)
    job.save(force_insert=True)
    _start(job, allowed=allowed, enqueue=enqueue)
    return job
