"""A dream's video: starting its jobs, and mirroring what they announce onto the dream."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from common.owners import Owner
from dreams.caching import gallery_changed
from dreams.models import AbstractDream, DemoDream, Dream, ModerationStatus, VideoStatus
from dreams.ownership import job_subject
from videos.jobs.submission import OverLimit, video_ingest_submit, video_job_submit_generation
from videos.models import JobStatus, VideoJob

# What a video job changes on its dream; re-read after a job was submitted for it.
_VIDEO_STATE_FIELDS = ("video_status", "video_asset", "video_url", "thumbnail_url", "updated_at")


def dream_video_path(dream_id: uuid.UUID | str) -> str:
    return reverse("dream-video", kwargs={"dream_id": dream_id})


def dream_thumbnail_path(dream_id: uuid.UUID | str) -> str:
    return reverse("dream-thumbnail", kwargs={"dream_id": dream_id})


def dream_preview_path(dream_id: uuid.UUID | str) -> str:
    return reverse("dream-preview", kwargs={"dream_id": dream_id})


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _symbol_names(value: Any) -> list[str]:
    """The names of the analysis' ``symbols`` (objects ``{"name", "family"}``)."""
    items = value if isinstance(value, list) else []
    return [s["name"] for s in items if isinstance(s, dict) and isinstance(s.get("name"), str)]


def _render_hints(dream: AbstractDream) -> dict[str, Any]:
    """What a renderer may use besides the prompt: the dream's title, feelings and things."""
    analysis = dream.analysis if isinstance(dream.analysis, dict) else {}
    mood = analysis.get("mood")
    return {
        "title": dream.title,
        "emotions": _strings(analysis.get("emotions")),
        "keywords": _strings(analysis.get("keywords")),
        "symbols": _symbol_names(analysis.get("symbols")),
        "mood": mood if isinstance(mood, str) else "",
    }


@transaction.atomic
def dream_video_generate(
    *,
    owner: Owner,
    dream: AbstractDream,
    prompt: str,
    duration: int | None = None,
    ratio: str | None = None,
    seed: int | None = None,
    model: str | None = None,
    audio: bool | None = None,
    style: str | None = None,
    over_limit: OverLimit = OverLimit.RAISE,
) -> VideoJob:
    """Queue a generated video for ``dream``; the dream shows the job's progress from now on.

    The prompt and duration become the dream's only with the video they made (see
    ``dream_video_sync``): a job that fails or is cancelled changes nothing anyone sees.
    Choices left as None take the model's defaults (``videos.catalog``); a combination
    the model refuses raises ``GenerationChoiceError``. Over the owner's in-flight cap
    ``over_limit`` decides (``videos.jobs.submission``): by default raise
    ``JobLimitExceeded``.
    """
    job = video_job_submit_generation(
        owner=owner,
        subject=job_subject(dream),
        prompt=prompt,
        duration=duration,
        ratio=ratio,
        seed=seed,
        model=model,
        audio=audio,
        style=style,
        hints=_render_hints(dream),
        over_limit=over_limit,
    )
    dream.refresh_from_db(fields=_VIDEO_STATE_FIELDS)  # as the job's announcement left it
    return job


@transaction.atomic
def dream_video_store(
    *,
    owner: Owner,
    dream: AbstractDream,
    source_url: str = "",
    upload: UploadedFile | None = None,
    thumbnail_url: str = "",
    video_prompt: str = "",
    video_duration: int | None = None,
    enqueue: bool = True,
    over_limit: OverLimit = OverLimit.RAISE,
) -> VideoJob:
    """Copy a video made elsewhere (a URL, or an uploaded file) into our storage for ``dream``.

    Until our copy is stored the dream points at the given URL; its prompt and duration
    change with the stored video, as for ``dream_video_generate``. Idempotent for a URL
    already being copied for this dream. Raises ``JobLimitExceeded`` like
    ``dream_video_generate``.
    """
    if source_url:
        dream.video_url = source_url
        dream.updated_at = timezone.now()  # what the dream shows changed: its ETag too
        dream.save(update_fields=["video_url", "updated_at"])
    job = video_ingest_submit(
        owner=owner,
        subject=job_subject(dream),
        source_url=source_url,
        upload=upload,
        thumbnail_url=thumbnail_url,
        prompt=video_prompt,
        duration=video_duration or dream.video_duration,
        enqueue=enqueue,
        over_limit=over_limit,
    )
    dream.refresh_from_db(fields=_VIDEO_STATE_FIELDS)  # as the job's announcement left it
    return job


_DREAM_STATUS_FOR_JOB = {
    JobStatus.QUEUED: VideoStatus.QUEUED,
    JobStatus.RUNNING: VideoStatus.GENERATING,
    JobStatus.INGESTING: VideoStatus.INGESTING,
    JobStatus.SUCCEEDED: VideoStatus.READY,
    JobStatus.FAILED: VideoStatus.FAILED,
}


def dreams_video_refreshed(*, asset_id: uuid.UUID) -> int:
    """The video of the dreams showing asset ``asset_id`` changed without a job (a web
    rendition, preview loop or poster was made; its credentials were re-read): their
    ``updated_at`` moves, so validators (ETags) and the gallery's cache name the new
    state. Returns how many dreams show it."""
    now = timezone.now()
    touched = sum(
        model.objects.filter(video_asset_id=asset_id).update(updated_at=now)
        for model in (Dream, DemoDream)
    )
    if touched:
        gallery_changed()
    return touched


def dream_video_sync(*, job: VideoJob) -> None:
    """Make the job's dream show the state of its latest job (older jobs never win).

    Receives ``videos.signals.video_job_changed``; a job for no dream is ignored.
    """
    if job.dream_id is not None:
        model, link = Dream, {"dream_id": job.dream_id}
    elif job.demo_dream_id is not None:
        model, link = DemoDream, {"demo_dream_id": job.demo_dream_id}
    else:
        return
    dream_id = job.subject_id
    latest = VideoJob.objects.filter(**link).order_by("-created_at", "-id")
    if latest.values_list("id", flat=True).first() != job.id:
        return
    fields: dict[str, Any] = {"updated_at": timezone.now()}
    if job.status == JobStatus.SUCCEEDED and job.asset_id:
        shows_something_new = ~Q(video_asset_id=job.asset_id)
        if job.prompt:
            shows_something_new |= ~Q(video_prompt=job.prompt)
        if (
            settings.DREAMS_PREMODERATION
            and model.objects.filter(shows_something_new, pk=dream_id).exists()
        ):
            # A new video (or prompt) is new content: an approved public dream is reviewed.
            fields["moderation_status"] = Case(
                When(
                    is_public=True,
                    moderation_status=ModerationStatus.APPROVED,
                    then=Value(ModerationStatus.PENDING),
                ),
                default=F("moderation_status"),
            )
            fields["review_requested_at"] = Case(  # back in the queue (dreams.stats)
                When(
                    is_public=True,
                    moderation_status=ModerationStatus.APPROVED,
                    then=Value(timezone.now()),
                ),
                default=F("review_requested_at"),
            )
        fields |= {
            "video_status": VideoStatus.READY,
            "video_asset_id": job.asset_id,
            "video_url": dream_video_path(dream_id),
            "thumbnail_url": dream_thumbnail_path(dream_id),
        }
        if job.prompt:
            fields["video_prompt"] = job.prompt
        fields["video_duration"] = job.duration
    elif (
        job.status in (JobStatus.CANCELLED, JobStatus.FAILED)
        and model.objects.filter(pk=dream_id, video_asset__isnull=False).exists()
    ):
        # A failed or cancelled regeneration leaves the previous video in place.
        fields["video_status"] = VideoStatus.READY
    elif job.status == JobStatus.CANCELLED:
        fields["video_status"] = VideoStatus.NONE
    else:
        fields["video_status"] = _DREAM_STATUS_FOR_JOB[job.status]
    model.objects.filter(pk=dream_id).update(**fields)
    # An update() sends no signal; a public dream's video decides whether it is shown.
    if model is Dream and model.objects.filter(pk=dream_id, is_public=True).exists():
        gallery_changed()
