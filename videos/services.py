"""Video jobs and assets: every write goes through these functions.

A job is a small state machine that the worker advances one step per task
run (``video_job_advance``). Steps are idempotent: a step that runs twice, or
is picked up again after a worker died, does no harm. Nothing here sleeps: a
step that must wait re-enqueues itself with ``run_after``.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from dreams.models import AbstractDream, DemoDream, VideoStatus
from dreams.owners import Owner
from videos import errors
from videos.ingest import IngestError, IngestPolicy, download_video
from videos.media import NotAVideoError, make_thumbnail, probe_video
from videos.models import (
    ACTIVE_JOB_STATUSES,
    JobKind,
    JobStatus,
    Provider,
    SourceKind,
    VideoAsset,
    VideoJob,
)
from videos.providers import default_provider_name, get_provider
from videos.providers.base import GenerationRequest, ProviderError, TaskState, backoff_delay

logger = logging.getLogger(__name__)

# Progress reported while the provider works tops out here; the rest is our copy.
_GENERATION_SHARE = 0.9


class JobLimitExceeded(Exception):
    """The owner already has as many jobs in flight as allowed."""


# --- Assets -----------------------------------------------------------------------------


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def video_asset_create_from_file(
    *, path: Path, source_kind: str, source_url: str = "", sha256: str | None = None
) -> VideoAsset:
    """Store the video at ``path`` (probed, thumbnailed) once; the same bytes give the same asset.

    Raises ``IngestError(not_a_video)`` when the file is not a playable video.
    """
    sha256 = sha256 or _sha256_of(path)
    if existing := VideoAsset.objects.filter(sha256=sha256).first():
        return existing
    try:
        probe = probe_video(path)
        thumbnail = make_thumbnail(path)
    except NotAVideoError as exc:
        raise IngestError(errors.NOT_A_VIDEO, errors.message_for(errors.NOT_A_VIDEO)) from exc
    asset = VideoAsset(
        sha256=sha256,
        bytes=path.stat().st_size,
        duration=probe.duration,
        width=probe.width,
        height=probe.height,
        codec=probe.codec,
        source_url=source_url[:2048],
        source_kind=source_kind,
    )
    with path.open("rb") as fh:
        asset.file.save(f"{sha256}.mp4", File(fh), save=False)
    asset.thumbnail.save(f"{sha256}.jpg", ContentFile(thumbnail), save=False)
    try:
        with transaction.atomic():
            asset.save(force_insert=True)
    except IntegrityError:
        # Another worker stored the same bytes first: keep theirs, drop our copy.
        asset.file.delete(save=False)
        asset.thumbnail.delete(save=False)
        return VideoAsset.objects.get(sha256=sha256)
    return asset


def ingest_policy() -> IngestPolicy:
    return IngestPolicy(
        allow_http=settings.VIDEO_INGEST_ALLOW_HTTP,
        max_bytes=settings.VIDEO_MAX_BYTES,
        allowed_hosts=frozenset(settings.VIDEO_INGEST_ALLOWED_HOSTS),
        allowed_addresses=frozenset(settings.VIDEO_INGEST_ALLOWED_ADDRESSES),
    )


def _asset_from_url(url: str, *, source_kind: str) -> VideoAsset:
    with tempfile.TemporaryDirectory(prefix="dj-ingest-") as tmp:
        downloaded = download_video(url, policy=ingest_policy(), dest_dir=Path(tmp))
        return video_asset_create_from_file(
            path=downloaded.path,
            source_kind=source_kind,
            source_url=url,
            sha256=downloaded.sha256,
        )


def _asset_from_staged(job: VideoJob) -> VideoAsset:
    with tempfile.TemporaryDirectory(prefix="dj-upload-") as tmp:
        local = Path(tmp) / "upload.mp4"
        with job.staged_file.open("rb") as src, local.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
        asset = video_asset_create_from_file(path=local, source_kind=SourceKind.UPLOAD)
    return asset


# --- Dream <-> job ----------------------------------------------------------------------


def _dream_fields(dream: AbstractDream | None) -> dict[str, Any]:
    if dream is None:
        return {}
    return {"demo_dream": dream} if isinstance(dream, DemoDream) else {"dream": dream}


_DREAM_STATUS_FOR_JOB = {
    JobStatus.QUEUED: VideoStatus.QUEUED,
    JobStatus.RUNNING: VideoStatus.GENERATING,
    JobStatus.INGESTING: VideoStatus.INGESTING,
    JobStatus.SUCCEEDED: VideoStatus.READY,
    JobStatus.FAILED: VideoStatus.FAILED,
}


def dream_video_path(dream: AbstractDream) -> str:
    return reverse("dream-video", kwargs={"dream_id": dream.pk})


def dream_thumbnail_path(dream: AbstractDream) -> str:
    return reverse("dream-thumbnail", kwargs={"dream_id": dream.pk})


def _dream_sync_with_job(job: VideoJob) -> None:
    """Make the job's dream show the state of its latest job (older jobs never win)."""
    dream = job.target_dream
    if dream is None:
        return
    latest_id = dream.video_jobs.order_by("-created_at", "-id").values_list("id", flat=True).first()
    if latest_id != job.id:
        return
    model = type(dream)
    fields: dict[str, Any] = {"updated_at": timezone.now()}
    if job.status == JobStatus.SUCCEEDED and job.asset_id:
        fields |= {
            "video_status": VideoStatus.READY,
            "video_asset_id": job.asset_id,
            "video_url": dream_video_path(dream),
            "thumbnail_url": dream_thumbnail_path(dream),
        }
        if job.prompt:
            fields["video_prompt"] = job.prompt
        if job.kind == JobKind.GENERATE:
            fields["video_duration"] = job.duration
    elif (
        job.status in (JobStatus.CANCELLED, JobStatus.FAILED)
        and model.objects.filter(pk=dream.pk, video_asset__isnull=False).exists()
    ):
        # A failed or cancelled regeneration leaves the previous video in place.
        fields["video_status"] = VideoStatus.READY
    elif job.status == JobStatus.CANCELLED:
        fields["video_status"] = VideoStatus.NONE
    else:
        fields["video_status"] = _DREAM_STATUS_FOR_JOB[job.status]
    model.objects.filter(pk=dream.pk).update(**fields)


# --- Submitting jobs --------------------------------------------------------------------


def _lock_owner(owner: Owner) -> None:
    """Serialise job submissions per owner so the in-flight cap holds under concurrency.

    Accounts lock their user row; demo owners (no row of their own) take a
    transaction-scoped advisory lock on PostgreSQL. SQLite serialises writers anyway.
    """
    if not owner.is_demo:
        get_user_model().objects.select_for_update().filter(pk=owner.user.pk).first()
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [owner.session_key])


def _check_in_flight_limit(owner: Owner) -> None:
    _lock_owner(owner)
    limit = settings.VIDEO_MAX_JOBS_IN_FLIGHT
    in_flight = VideoJob.objects.filter(**owner.job_filter(), status__in=ACTIVE_JOB_STATUSES)
    if in_flight.count() >= limit:
        raise JobLimitExceeded(
            f"You already have {limit} videos in progress. "
            "Wait for one to finish (or cancel one) and try again."
        )


def _enqueue_advance(job_id, *, delay: float | None = None) -> None:
    from videos.tasks import video_job_advance_task

    task = video_job_advance_task
    if delay:
        task = task.using(run_after=timezone.now() + timedelta(seconds=delay))
    task.enqueue(str(job_id))


def _start_job(job: VideoJob, *, enqueue: bool = True) -> None:
    _dream_sync_with_job(job)
    if enqueue:
        transaction.on_commit(lambda: _enqueue_advance(job.id))


@transaction.atomic
def video_job_submit_generation(
    *,
    owner: Owner,
    prompt: str,
    duration: int = 4,
    ratio: str = "1280:720",
    seed: int | None = None,
    dream: AbstractDream | None = None,
    enforce_limit: bool = True,
) -> VideoJob:
    """Queue a generation job; the worker picks it up once this transaction commits.

    Raises ``JobLimitExceeded`` when the owner has too many jobs in flight
    (unless ``enforce_limit`` is false: replays and moderators).
    """
    if enforce_limit:
        _check_in_flight_limit(owner)
    job = VideoJob.objects.create(
        kind=JobKind.GENERATE,
        provider=default_provider_name(),
        prompt=prompt,
        duration=duration,
        ratio=ratio,
        seed=seed,
        **owner.job_filter(),
        **_dream_fields(dream),
    )
    if dream is not None:
        type(dream).objects.filter(pk=dream.pk).update(video_prompt=prompt, video_duration=duration)
    _start_job(job)
    return job


@transaction.atomic
def video_ingest_submit(
    *,
    owner: Owner,
    dream: AbstractDream,
    source_url: str = "",
    upload: UploadedFile | None = None,
    thumbnail_url: str = "",
    video_prompt: str = "",
    video_duration: int | None = None,
    enqueue: bool = True,
    enforce_limit: bool = True,
) -> VideoJob:
    """Queue copying a video (a URL, or an uploaded file) into our storage for ``dream``.

    Idempotent: while a copy of the same URL for the same dream is in flight or
    done, the existing job is returned instead of a second copy. With
    ``enqueue=False`` the caller runs the job itself (``video_job_advance``).
    """
    if source_url:
        existing = (
            dream.video_jobs.filter(kind=JobKind.INGEST, source_url=source_url)
            .exclude(status__in=[JobStatus.FAILED, JobStatus.CANCELLED])
            .order_by("-created_at")
            .first()
        )
        if existing is not None:
            return existing
    if enforce_limit:
        _check_in_flight_limit(owner)
    job = VideoJob(
        kind=JobKind.INGEST,
        provider=Provider.UPLOAD if upload is not None else Provider.URL,
        prompt=video_prompt,
        duration=video_duration or dream.video_duration,
        source_url=source_url,
        thumbnail_source_url=thumbnail_url,
        **owner.job_filter(),
        **_dream_fields(dream),
    )
    if upload is not None:
        job.staged_file.save(f"{job.id}.upload", upload, save=False)
    job.save(force_insert=True)
    fields: dict[str, Any] = {"video_url": source_url} if source_url else {}
    if video_prompt:
        fields["video_prompt"] = video_prompt
    if video_duration:
        fields["video_duration"] = video_duration
    if fields:
        type(dream).objects.filter(pk=dream.pk).update(**fields)
    _start_job(job, enqueue=enqueue)
    return job


# --- Advancing jobs (the worker) --------------------------------------------------------


def _transition(job: VideoJob, *, expected: tuple[str, ...], **fields: Any) -> bool:
    """Compare-and-set the job's state; ``False`` when someone else moved it first."""
    fields["updated_at"] = timezone.now()
    moved = VideoJob.objects.filter(pk=job.pk, status__in=expected).update(**fields)
    if moved:
        for name, value in fields.items():
            setattr(job, name, value)
    return bool(moved)


def _finish(job: VideoJob, *, status: str, code: str = "", message: str = "", asset=None) -> None:
    now = timezone.now()
    fields: dict[str, Any] = {"status": status, "finished_at": now}
    if status == JobStatus.SUCCEEDED:
        fields |= {"progress": 1.0, "asset": asset, "error_code": "", "error_message": ""}
    else:
        fields |= {"error_code": code, "error_message": message[:1000]}
    with transaction.atomic():
        if _transition(job, expected=ACTIVE_JOB_STATUSES, **fields):
            _dream_sync_with_job(job)


def _fail(job: VideoJob, code: str, message: str | None = None) -> None:
    logger.info("video job %s failed: %s", job.pk, code)
    _finish(job, status=JobStatus.FAILED, code=code, message=message or errors.message_for(code))


def _poll_delay(job: VideoJob) -> float:
    return 0 if job.provider == Provider.DEMO else max(5.0, settings.VIDEO_POLL_SECONDS)


def _generation_request(job: VideoJob) -> GenerationRequest:
    analysis = job.target_dream.analysis if job.target_dream else {}
    analysis = analysis if isinstance(analysis, dict) else {}
    return GenerationRequest(
        prompt=job.prompt,
        duration=job.duration,
        ratio=job.ratio,
        seed=job.seed,
        emotions=tuple(str(e) for e in analysis.get("emotions", []) if isinstance(e, str)),
        keywords=tuple(str(k) for k in analysis.get("keywords", []) if isinstance(k, str)),
    )


def _submit(job: VideoJob) -> None:
    # Claim the job first so two workers never both pay for a generation.
    if job.status == JobStatus.QUEUED and not _transition(
        job, expected=(JobStatus.QUEUED,), status=JobStatus.RUNNING
    ):
        return
    _dream_sync_with_job(job)
    try:
        result = get_provider(job.provider).submit(
            _generation_request(job), idempotency_key=str(job.pk)
        )
    except ProviderError as exc:
        unreachable = exc.code == errors.PROVIDER_UNAVAILABLE and exc.status_code is None
        if job.provider == Provider.RUNWAY and settings.VIDEO_FALLBACK_TO_DEMO and unreachable:
            logger.warning("RunwayML unreachable; job %s falls back to the demo renderer", job.pk)
            _transition(job, expected=(JobStatus.RUNNING,), provider=Provider.DEMO)
            _enqueue_advance(job.pk)
            return
        raise
    if not _transition(
        job,
        expected=(JobStatus.RUNNING,),
        provider_task_id=result.task_id,
        submitted_at=timezone.now(),
    ):
        # Cancelled while we were submitting: stop the provider's task too.
        with contextlib.suppress(ProviderError):
            get_provider(job.provider).cancel(result.task_id)
        return
    if job.provider == Provider.DEMO:
        # The demo renders synchronously on this machine: collect it in the same step.
        _poll(job)
    else:
        _enqueue_advance(job.pk, delay=_poll_delay(job))


def _poll(job: VideoJob) -> None:
    provider = get_provider(job.provider)
    status = provider.status(job.provider_task_id)
    if status.state in (TaskState.PENDING, TaskState.RUNNING):
        _transition(
            job,
            expected=(JobStatus.RUNNING,),
            progress=round(min(max(status.progress, 0.0), 1.0) * _GENERATION_SHARE, 3),
        )
        _enqueue_advance(job.pk, delay=_poll_delay(job))
        return
    if status.state == TaskState.CANCELLED:
        _finish(job, status=JobStatus.CANCELLED, code="cancelled", message="Cancelled.")
        return
    if status.state == TaskState.FAILED:
        _fail(job, status.error_code or errors.PROVIDER_FAILED, status.error_message)
        return
    # SUCCEEDED: the provider's copy is temporary; ours is what counts.
    now = timezone.now()
    if not _transition(
        job,
        expected=(JobStatus.RUNNING, JobStatus.INGESTING),
        status=JobStatus.INGESTING,
        progress=_GENERATION_SHARE,
        provider_finished_at=job.provider_finished_at or now,
    ):
        return
    _dream_sync_with_job(job)
    if status.output_file is not None:
        asset = video_asset_create_from_file(path=status.output_file, source_kind=SourceKind.DEMO)
    else:
        asset = _asset_from_url(status.output_url or "", source_kind=SourceKind.RUNWAY)
    _finish(job, status=JobStatus.SUCCEEDED, asset=asset)
    if status.output_file is not None and hasattr(provider, "cleanup"):
        provider.cleanup(job.provider_task_id)


def _ingest(job: VideoJob) -> None:
    if not _transition(
        job, expected=(JobStatus.QUEUED, JobStatus.INGESTING), status=JobStatus.INGESTING
    ):
        return
    _dream_sync_with_job(job)
    if job.staged_file:
        asset = _asset_from_staged(job)
    else:
        asset = _asset_from_url(job.source_url, source_kind=SourceKind.URL)
    _finish(job, status=JobStatus.SUCCEEDED, asset=asset)
    if job.staged_file:
        job.staged_file.delete(save=False)
        VideoJob.objects.filter(pk=job.pk).update(staged_file="")


_RETRYABLE_INGEST = frozenset({errors.UNREACHABLE})


def _retry_later(job: VideoJob, *, code: str, message: str, retry_after: float | None) -> None:
    attempts = job.attempts + 1
    if attempts >= settings.VIDEO_MAX_ATTEMPTS:
        _fail(job, code, message)
        return
    delay = max(retry_after or 0.0, backoff_delay(attempts))
    if _transition(job, expected=ACTIVE_JOB_STATUSES, attempts=attempts):
        logger.info("video job %s: %s, retry %d in %.1fs", job.pk, code, attempts, delay)
        _enqueue_advance(job.pk, delay=delay)


def video_job_advance(*, job_id: str) -> VideoJob | None:
    """Run the next step of a job. Safe to call any number of times, from any worker."""
    job = VideoJob.objects.select_related("dream", "demo_dream").filter(pk=job_id).first()
    if job is None or job.is_finished:
        return job
    age = (timezone.now() - job.created_at).total_seconds()
    if age > settings.VIDEO_JOB_TIMEOUT_SECONDS:
        _fail(job, errors.TIMED_OUT)
        _enqueue_provider_cancel(job)
        return job
    try:
        if job.kind == JobKind.INGEST:
            _ingest(job)
        elif job.status == JobStatus.QUEUED or not job.provider_task_id:
            _submit(job)
        else:
            _poll(job)
    except ProviderError as exc:
        if exc.retryable:
            _retry_later(job, code=exc.code, message=exc.message, retry_after=exc.retry_after)
        elif job.provider == Provider.RUNWAY and exc.code == errors.PROVIDER_UNAVAILABLE:
            _retry_later(job, code=exc.code, message=exc.message, retry_after=None)
        else:
            _fail(job, exc.code, errors.message_for(exc.code))
    except IngestError as exc:
        if exc.code in _RETRYABLE_INGEST:
            _retry_later(job, code=exc.code, message=exc.message, retry_after=None)
        else:
            _fail(job, exc.code, exc.message)
    return job


# --- Cancelling, retrying, recovering ---------------------------------------------------


def _enqueue_provider_cancel(job: VideoJob) -> None:
    if job.provider == Provider.RUNWAY and job.provider_task_id:
        from videos.tasks import video_job_cancel_at_provider_task

        # The provider and its task id travel with the task: the job row may be gone by
        # then (a deleted dream takes its jobs with it).
        provider, task_id = job.provider, job.provider_task_id
        transaction.on_commit(lambda: video_job_cancel_at_provider_task.enqueue(provider, task_id))


@transaction.atomic
def video_job_cancel(*, job: VideoJob) -> VideoJob:
    """Cancel a job in flight (also at the provider); a finished job is returned unchanged."""
    if job.is_finished:
        return job
    _finish(job, status=JobStatus.CANCELLED, code="cancelled", message="Cancelled.")
    _enqueue_provider_cancel(job)
    job.refresh_from_db()
    return job


def video_job_cancel_at_provider(*, provider: str, task_id: str) -> None:
    """Ask the provider to stop one of its tasks; failures are logged, not raised."""
    try:
        get_provider(provider).cancel(task_id)
    except ProviderError as exc:
        logger.warning("could not cancel task %s at %s: %s", task_id, provider, exc.code)


def video_job_cancel_all_for_dream(*, dream: AbstractDream) -> None:
    for job in dream.video_jobs.filter(status__in=ACTIVE_JOB_STATUSES):
        video_job_cancel(job=job)


@transaction.atomic
def video_job_retry(*, job: VideoJob) -> VideoJob:
    """Start a new job like a finished one (failed or cancelled); returns the new job.

    Raises ``ValueError`` for an upload: its bytes were only ever in the request.
    """
    if job.kind == JobKind.INGEST and not job.source_url:
        raise ValueError("An uploaded video cannot be retried: upload it again.")
    owner = Owner(user=job.user) if job.user_id else Owner(session_key=job.session_key)
    if job.kind == JobKind.INGEST and job.source_url:
        return video_ingest_submit(
            owner=owner,
            dream=job.target_dream,
            source_url=job.source_url,
            video_prompt=job.prompt,
            video_duration=job.duration,
        )
    return video_job_submit_generation(
        owner=owner,
        prompt=job.prompt,
        duration=job.duration,
        ratio=job.ratio,
        seed=job.seed,
        dream=job.target_dream,
    )


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
        _enqueue_advance(job_id)
    return len(ids)
