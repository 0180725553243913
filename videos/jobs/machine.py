"""The job state machine: which states follow which, and the worker's steps between them.

States and moves (``TRANSITIONS``)::

    queued ──► running ──► ingesting ──► succeeded
       │          │            │
       └──────────┴────────────┴──► failed | cancelled

A generation job is claimed (queued → running) before the provider is paid, so two
workers never both submit it; an ingest job goes straight to ``ingesting``. Every move
is a compare-and-set on the row, and every move is announced with
``videos.signals.video_job_changed``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from common.tasks import enqueue
from videos import errors
from videos.assets import (
    video_asset_create_from_file,
    video_asset_create_from_staged,
    video_asset_create_from_url,
)
from videos.credentials import Generation
from videos.ingest import IngestError
from videos.models import ACTIVE_JOB_STATUSES, JobKind, JobStatus, VideoAsset, VideoJob
from videos.providers import get_provider, provider_class
from videos.providers.base import (
    GenerationRequest,
    ProviderError,
    TaskState,
    VideoProvider,
    backoff_delay,
)
from videos.signals import video_job_changed
from videos.sources import VideoSource

logger = logging.getLogger(__name__)

#: Which states may follow each state. A job in flight may also change its other fields
#: (progress, attempts, the provider's task id) while it stays where it is; a final one may not.
TRANSITIONS: dict[str, frozenset[str]] = {
    JobStatus.QUEUED: frozenset(
        {JobStatus.RUNNING, JobStatus.INGESTING, JobStatus.FAILED, JobStatus.CANCELLED}
    ),
    JobStatus.RUNNING: frozenset({JobStatus.INGESTING, JobStatus.FAILED, JobStatus.CANCELLED}),
    JobStatus.INGESTING: frozenset(
        {JobStatus.INGESTING, JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED}
    ),
    JobStatus.SUCCEEDED: frozenset(),
    JobStatus.FAILED: frozenset(),
    JobStatus.CANCELLED: frozenset(),
}

# Progress reported while the provider works tops out here; the rest is our copy.
GENERATION_SHARE = 0.9
_RETRYABLE_INGEST = frozenset({errors.UNREACHABLE})


class IllegalTransition(ValueError):
    """A move the state machine does not allow (a programming error, never user input)."""


def job_transition(
    job: VideoJob, *, expected: Iterable[str], to: str | None = None, **fields: Any
) -> bool:
    """Compare-and-set: move ``job`` from one of ``expected`` to ``to`` (or keep its state).

    Updates the row only if its status is still one of ``expected``, and the instance
    only if the row changed. Returns ``False`` when another worker moved it first.
    Raises ``IllegalTransition`` when ``TRANSITIONS`` forbids the move.
    """
    expected = tuple(expected)
    for source in expected:
        # Without ``to`` only other fields change, which any job in flight may do.
        allowed = to in TRANSITIONS[source] if to is not None else bool(TRANSITIONS[source])
        if not allowed:
            raise IllegalTransition(f"a {source} job cannot become {to or 'anything'}")
    if to is not None:
        fields["status"] = to
    fields["updated_at"] = timezone.now()
    moved = VideoJob.objects.filter(pk=job.pk, status__in=expected).update(**fields)
    if moved:
        for name, value in fields.items():
            setattr(job, name, value)
    return bool(moved)


def announce(job: VideoJob) -> None:
    """Tell whoever the job is for that it changed (see ``videos.signals``)."""
    video_job_changed.send(sender=VideoJob, job=job)


def enqueue_advance(job_id, *, delay: float | None = None) -> None:
    """Queue the job's next step, after ``delay`` seconds when given."""
    enqueue(video_job_advance_task, str(job_id), delay=delay)


def job_finish(
    job: VideoJob,
    *,
    status: str,
    code: str = "",
    message: str = "",
    asset: VideoAsset | None = None,
) -> bool:
    """Move an active job to a final state and announce it; ``False`` if it already ended."""
    fields: dict[str, Any] = {"finished_at": timezone.now()}
    if status == JobStatus.SUCCEEDED:
        fields |= {"progress": 1.0, "asset": asset, "error_code": "", "error_message": ""}
    else:
        fields |= {"error_code": code, "error_message": message[:1000]}
    staged = job.staged_file
    if staged:
        fields["staged_file"] = ""
    with transaction.atomic():
        expected = [s for s in ACTIVE_JOB_STATUSES if status in TRANSITIONS[s]]
        if not job_transition(job, expected=expected, to=status, **fields):
            return False
        announce(job)
        if staged:
            # An upload's bytes are only needed until the job ends, however it ends.
            name, storage = staged.name, staged.storage
            transaction.on_commit(lambda: storage.delete(name))
    return True


def job_fail(job: VideoJob, code: str, message: str | None = None) -> None:
    logger.info("video job %s failed: %s", job.pk, code)
    job_finish(job, status=JobStatus.FAILED, code=code, message=message or errors.message_for(code))


def job_cancel_at_provider_later(job: VideoJob) -> None:
    """On commit, ask the job's provider to stop its task, if it runs one elsewhere."""
    provider = provider_class(job.provider)
    if provider is None or not provider.remote or not job.provider_task_id:
        return
    # The provider and its task id travel with the task: the job row may be gone by then.
    provider, task_id = job.provider, job.provider_task_id
    transaction.on_commit(lambda: enqueue(video_job_cancel_at_provider_task, provider, task_id))


# --- The worker's steps -----------------------------------------------------------------


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _generation_request(job: VideoJob) -> GenerationRequest:
    hints = job.hints if isinstance(job.hints, dict) else {}
    title = hints.get("title")
    return GenerationRequest(
        prompt=job.prompt,
        duration=job.duration,
        ratio=job.ratio,
        seed=job.seed,
        model=job.model,
        style=job.style,
        # None: the model has no sound option (gen4.5); the demo renderer still scores it.
        audio=job.audio is not False,
        title=title if isinstance(title, str) else "",
        emotions=_strings(hints.get("emotions")),
        keywords=_strings(hints.get("keywords")),
        symbols=_strings(hints.get("symbols")),
        mood=hints["mood"] if isinstance(hints.get("mood"), str) else "",
    )


def _submit(job: VideoJob) -> None:
    # Claim the job first so two workers never both pay for a generation.
    if job.status == JobStatus.QUEUED:
        if not job_transition(job, expected=[JobStatus.QUEUED], to=JobStatus.RUNNING):
            return
        announce(job)
    provider = get_provider(job.provider)
    try:
        result = provider.submit(_generation_request(job), idempotency_key=str(job.pk))
    except ProviderError as exc:
        fallback = provider.fallback_for(exc)
        if fallback is None:
            raise
        logger.warning(
            "job %s: %s failed (%s), falls back to %s", job.pk, job.provider, exc.code, fallback
        )
        job_transition(job, expected=[JobStatus.RUNNING], provider=fallback)
        enqueue_advance(job.pk)
        return
    if not job_transition(
        job,
        expected=[JobStatus.RUNNING],
        provider_task_id=result.task_id,
        submitted_at=timezone.now(),
    ):
        # Cancelled while we were submitting: stop the provider's task too.
        with contextlib.suppress(ProviderError):
            provider.cancel(result.task_id)
        return
    if (delay := provider.poll_delay()) > 0:
        enqueue_advance(job.pk, delay=delay)
    else:
        _poll(job, provider)  # the output is ready now: collect it in the same step


def _poll(job: VideoJob, provider: VideoProvider) -> None:
    status = provider.status(job.provider_task_id)
    if status.state in (TaskState.PENDING, TaskState.RUNNING):
        progress = round(min(max(status.progress, 0.0), 1.0) * GENERATION_SHARE, 3)
        job_transition(job, expected=[JobStatus.RUNNING], progress=progress)
        enqueue_advance(job.pk, delay=provider.poll_delay())
        return
    if status.state == TaskState.CANCELLED:
        job_finish(job, status=JobStatus.CANCELLED, code="cancelled", message="Cancelled.")
        return
    if status.state == TaskState.FAILED:
        job_fail(job, status.error_code or errors.PROVIDER_FAILED, status.error_message)
        return
    # SUCCEEDED: the provider's copy is temporary; ours is what counts.
    if not job_transition(
        job,
        expected=[JobStatus.RUNNING, JobStatus.INGESTING],
        to=JobStatus.INGESTING,
        progress=GENERATION_SHARE,
        provider_finished_at=job.provider_finished_at or timezone.now(),
    ):
        return
    announce(job)
    # Signed with our Content Credentials before it is hashed and stored (videos.credentials).
    made_by = Generation(source=provider.name, model=job.model or settings.RUNWAYML_MODEL)
    if status.output_file is not None:
        asset = video_asset_create_from_file(
            path=status.output_file, source_kind=provider.name, generation=made_by
        )
    else:
        asset = video_asset_create_from_url(
            url=status.output_url or "", source_kind=provider.name, generation=made_by
        )
    job_finish(job, status=JobStatus.SUCCEEDED, asset=asset)
    provider.cleanup(job.provider_task_id)


def _ingest(job: VideoJob) -> None:
    if not job_transition(
        job, expected=[JobStatus.QUEUED, JobStatus.INGESTING], to=JobStatus.INGESTING
    ):
        return
    announce(job)
    if job.staged_file:
        asset = video_asset_create_from_staged(staged=job.staged_file)
    else:
        asset = video_asset_create_from_url(url=job.source_url, source_kind=VideoSource.URL)
    job_finish(job, status=JobStatus.SUCCEEDED, asset=asset)


def _retry_later(job: VideoJob, *, code: str, message: str, retry_after: float | None) -> None:
    attempts = job.attempts + 1
    if attempts >= settings.VIDEO_MAX_ATTEMPTS:
        job_fail(job, code, message)
        return
    delay = max(retry_after or 0.0, backoff_delay(attempts))
    if job_transition(job, expected=ACTIVE_JOB_STATUSES, attempts=attempts):
        logger.info("video job %s: %s, retry %d in %.1fs", job.pk, code, attempts, delay)
        enqueue_advance(job.pk, delay=delay)


def video_job_advance(*, job_id: str) -> VideoJob | None:
    """Run the next step of a job. Safe to call any number of times, from any worker."""
    job = VideoJob.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return job
    age = (timezone.now() - job.created_at).total_seconds()
    if age > settings.VIDEO_JOB_TIMEOUT_SECONDS:
        job_fail(job, errors.TIMED_OUT)
        job_cancel_at_provider_later(job)
        return job
    try:
        if job.kind == JobKind.INGEST:
            _ingest(job)
        elif job.status == JobStatus.QUEUED or not job.provider_task_id:
            _submit(job)
        else:
            _poll(job, get_provider(job.provider))
    except ProviderError as exc:
        if exc.retryable:
            _retry_later(job, code=exc.code, message=exc.message, retry_after=exc.retry_after)
        else:
            job_fail(job, exc.code, errors.message_for(exc.code))
    except IngestError as exc:
        if exc.code in _RETRYABLE_INGEST:
            _retry_later(job, code=exc.code, message=exc.message, retry_after=None)
        else:
            job_fail(job, exc.code, exc.message)
    return job


def video_job_cancel_at_provider(*, provider: str, task_id: str) -> None:
    """Ask the provider to stop one of its tasks; failures are logged, not raised."""
    try:
        get_provider(provider).cancel(task_id)
    except ProviderError as exc:
        logger.warning("could not cancel task %s at %s: %s", task_id, provider, exc.code)


# --- Tasks: thin, idempotent, safe to retry -----------------------------------------------


@task()
def video_job_advance_task(job_id: str) -> None:
    """Move one video job one step on (submit, poll, ingest); re-enqueues itself when not done."""
    video_job_advance(job_id=job_id)


@task()
def video_job_cancel_at_provider_task(provider: str, task_id: str) -> None:
    """Tell the provider to stop a job we already cancelled on our side."""
    video_job_cancel_at_provider(provider=provider, task_id=task_id)
