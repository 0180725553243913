"""Creating, editing, deleting and moving dreams."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from common.owners import Owner
from dreams.analysis import analyse_dream
from dreams.caching import gallery_changed
from dreams.models import AbstractDream, AnalysisStatus, DemoDream, Dream, ModerationStatus
from dreams.ownership import dream_model_for, dreams_of, job_subject
from dreams.services.analysis import dream_analysis_queue, wants_llm_analysis
from dreams.services.video import dream_video_generate, dream_video_path, dream_video_store
from videos.catalog import DEFAULT_DURATION_SECONDS, GenerationChoiceError, default_model
from videos.jobs.control import video_jobs_cancel_for
from videos.jobs.submission import OverLimit
from videos.models import VideoJob
from videos.prompts import build_video_prompt

# Edits to what the public sees put an approved public dream back in the moderation queue.
_MODERATED_FIELDS = frozenset(
    {"title", "content", "analysis", "video_prompt", "video_url", "thumbnail_url", "video_asset"}
)
# What the LLM analyst reads: editing them has it read the dream again.
_ANALYSED_FIELDS = frozenset({"title", "content"})
# Fields a dream's validation leaves out: set by us, not by the owner.
_NOT_CLEANED = ["owner", "video_asset", "moderated_by", "search_vector"]
#: The journal's details of a dream: facts about the night, and the owner's own labels.
DETAIL_FIELDS = frozenset(
    {"dreamt_on", "lucid", "nightmare", "recurring", "clarity", "sleep_quality", "tags"}
)


def _check_details(details: dict[str, Any]) -> None:
    if unknown := set(details) - DETAIL_FIELDS:
        raise TypeError(f"Unknown dream fields: {sorted(unknown)}")


def initial_moderation_status(*, is_public: bool) -> str:
    if settings.DREAMS_PREMODERATION or not is_public:
        return ModerationStatus.PENDING
    return ModerationStatus.APPROVED


@transaction.atomic
def dream_create(
    *,
    owner: Owner,
    title: str,
    content: str,
    analysis: dict[str, Any] | None = None,
    is_public: bool = False,
    video_url: str = "",
    thumbnail_url: str = "",
    video_prompt: str = "",
    video_duration: int = DEFAULT_DURATION_SECONDS,
    local_analysis: dict[str, Any] | None = None,
    **details: Any,
) -> AbstractDream:
    """Create a dream for ``owner`` in its table (``dreams`` or ``demo_dreams``).

    Without an ``analysis`` from the client, one is computed locally (or
    ``local_analysis`` is that reading, already made) and, with the LLM analyst on,
    the dream is ``pending`` until ``dreams.tasks.dream_analysis_task`` (enqueued on
    commit) replaces it. A given ``video_url`` is copied into our storage by an ingest
    job started on commit. ``details`` are the journal's own fields (``DETAIL_FIELDS``:
    ``dreamt_on``, flags, ratings, normalised ``tags``). Raises ``JobLimitExceeded`` (and
    saves nothing) when that job is over the cap, ``TypeError`` for an unknown detail.
    """
    _check_details(details)
    now = timezone.now()
    by_llm = not analysis and wants_llm_analysis()
    if not analysis:
        analysis = local_analysis or analyse_dream(title=title, content=content)
    dream = dream_model_for(owner)(
        **dreams_of(owner),
        title=title,
        content=content,
        analysis=analysis,
        analysis_status=AnalysisStatus.PENDING if by_llm else AnalysisStatus.LOCAL,
        is_public=is_public,
        moderation_status=initial_moderation_status(is_public=is_public),
        video_prompt=video_prompt,
        video_duration=video_duration,
        thumbnail_url=thumbnail_url,
        created_at=now,
        updated_at=now,
        **details,
    )
    dream.full_clean(exclude=_NOT_CLEANED)
    dream.save(force_insert=True)
    if by_llm:
        dream_analysis_queue(dream)
    if video_url:
        dream_video_store(
            owner=owner,
            dream=dream,
            source_url=video_url,
            thumbnail_url=thumbnail_url,
            video_prompt=video_prompt,
            video_duration=video_duration,
        )
    return dream


@transaction.atomic
def dream_create_with_video(
    *,
    owner: Owner,
    title: str,
    content: str,
    generate_video: bool = True,
    analysis: dict[str, Any] | None = None,
    video_prompt: str = "",
    video_duration: int = DEFAULT_DURATION_SECONDS,
    ratio: str | None = None,
    seed: int | None = None,
    model: str | None = None,
    audio: bool | None = None,
    style: str | None = None,
    is_public: bool = False,
    **details: Any,
) -> tuple[AbstractDream, VideoJob | None]:
    """Create a dream and (unless ``generate_video`` is false) queue its video, atomically.

    The prompt is built from the dream when none is given; ``model``, ``ratio``,
    ``audio``, ``style`` and ``seed`` are the video's choices (``videos.catalog``). Raises
    ``JobLimitExceeded`` (and saves nothing) when the owner has too many jobs in flight.
    """
    # The video starts now, so its prompt comes from the local reading (or the client's);
    # the LLM analyst's arrives later, for the dream page's next video.
    local = None if analysis else analyse_dream(title=title, content=content)
    prompt = video_prompt or build_video_prompt(
        title=title, content=content, analysis=analysis or local
    )
    dream = dream_create(
        owner=owner,
        title=title,
        content=content,
        analysis=analysis,
        local_analysis=local,
        is_public=is_public,
        video_prompt=prompt,
        video_duration=video_duration,
        **details,
    )
    job = None
    if generate_video:
        job = dream_video_generate(
            owner=owner,
            dream=dream,
            prompt=prompt,
            duration=video_duration,
            ratio=ratio,
            seed=seed,
            model=model,
            audio=audio,
            style=style,
        )
    return dream, job


@transaction.atomic
def dream_create_replayed(
    *, owner: Owner, dream_id: uuid.UUID | str, created_at: datetime, data: dict[str, Any]
) -> AbstractDream:
    """Create a dream written while the database was down, with its own id and timestamps.

    ``data`` is what ``dream_store`` journaled. A video over the owner's in-flight cap
    is not started but recorded as failed (``too_many_jobs``), so the owner sees it and
    can start it again; video choices the site no longer offers (a model disabled
    meanwhile) give the default model's video. Raises ``ValidationError`` when the data
    no longer validates.
    """
    data = dict(data)
    data.setdefault("dreamt_on", timezone.localdate(created_at))  # journaled before it existed
    generate = data.pop("generate_video", False)
    choices = {name: data.pop(name, None) for name in ("ratio", "seed", "model", "audio", "style")}
    video_url = data.pop("video_url", "")
    if generate and not data.get("video_prompt"):
        data["video_prompt"] = build_video_prompt(
            title=data["title"], content=data["content"], analysis=data.get("analysis")
        )
    dream = dream_model_for(owner)(
        id=dream_id,
        **dreams_of(owner),
        **data,
        moderation_status=initial_moderation_status(is_public=data.get("is_public", False)),
        created_at=created_at,
        updated_at=created_at,
    )
    dream.full_clean(exclude=[*_NOT_CLEANED, "id"])
    dream.save(force_insert=True)
    if video_url:
        dream_video_store(owner=owner, dream=dream, source_url=video_url, over_limit=OverLimit.FAIL)
    elif generate:
        try:
            dream_video_generate(
                owner=owner,
                dream=dream,
                prompt=dream.video_prompt,
                duration=dream.video_duration,
                **choices,
                over_limit=OverLimit.FAIL,
            )
        except GenerationChoiceError:
            # The site's models changed while the record waited: the default model's video.
            dream_video_generate(
                owner=owner,
                dream=dream,
                prompt=dream.video_prompt,
                duration=default_model().closest_duration(dream.video_duration),
                over_limit=OverLimit.FAIL,
            )
    return dream


@transaction.atomic
def dream_update(*, owner: Owner, dream: AbstractDream, data: dict[str, Any]) -> AbstractDream:
    """Apply validated ``data`` to the owner's ``dream``; returns it as now stored.

    A new ``video_url`` is ingested into our storage. Changing the text or the
    video of an approved public dream sends it back to moderation. An ``analysis`` the
    owner changed is theirs (``analysis_status`` ``local``); a changed title or text
    without one gets a fresh local reading at once, and with the LLM analyst on is
    ``pending`` until the analyst's arrives (queued on commit).
    """
    data = dict(data)
    new_video_url = data.pop("video_url", None)
    if new_video_url and urlsplit(new_video_url).path == dream_video_path(dream.pk):
        new_video_url = None  # the representation sent back as it was: our own copy
    thumbnail_url = data.get("thumbnail_url", dream.thumbnail_url)
    changed = {name for name, value in data.items() if getattr(dream, name) != value}
    for name in changed:
        setattr(dream, name, data[name])
    reanalyse = False
    if "analysis" in changed:
        new_status = AnalysisStatus.LOCAL  # the owner's own reading; a queued run stops
    elif changed & _ANALYSED_FIELDS and _machine_made(dream.analysis):
        # New words, a new reading (never over the owner's own): at once locally, and from
        # the analyst when it is on.
        dream.analysis = analyse_dream(title=dream.title, content=dream.content)
        changed.add("analysis")
        reanalyse = wants_llm_analysis()
        new_status = AnalysisStatus.PENDING if reanalyse else AnalysisStatus.LOCAL
    else:
        new_status = dream.analysis_status
    if new_status != dream.analysis_status or reanalyse:
        dream.analysis_status = new_status
        changed.add("analysis_status")
    wants_new_video = bool(new_video_url) and new_video_url != dream.video_url
    edited_moderated = bool(changed & _MODERATED_FIELDS) or wants_new_video
    rejected = dream.moderation_status == ModerationStatus.REJECTED
    if "is_public" in changed and dream.is_public and not rejected:
        dream.moderation_status = initial_moderation_status(is_public=True)
        changed.add("moderation_status")
    elif (
        edited_moderated
        and dream.is_public
        and (
            rejected
            or (
                dream.moderation_status == ModerationStatus.APPROVED
                and settings.DREAMS_PREMODERATION
            )
        )
    ):
        # A changed dream is looked at again; a rejected one only once its owner changed it.
        dream.moderation_status = ModerationStatus.PENDING
        changed.add("moderation_status")
    if "moderation_status" in changed and dream.moderation_status == ModerationStatus.PENDING:
        dream.review_requested_at = timezone.now()  # back in the queue (dreams.stats)
        changed.add("review_requested_at")
    dream.updated_at = timezone.now()
    dream.save(update_fields=[*sorted(changed), "updated_at"])
    if reanalyse:
        dream_analysis_queue(dream)
    if wants_new_video:
        dream_video_store(
            owner=owner,
            dream=dream,
            source_url=new_video_url,
            thumbnail_url=thumbnail_url,
            video_prompt=data.get("video_prompt", dream.video_prompt),
            video_duration=data.get("video_duration", dream.video_duration),
        )
    return dream


def _machine_made(analysis: Any) -> bool:
    """A reading we made (local analyzer or LLM analyst), not one the owner supplied."""
    return isinstance(analysis, dict) and isinstance(analysis.get("source"), str)


@transaction.atomic
def dream_delete(*, dream: AbstractDream) -> None:
    """Delete a dream; its running jobs are cancelled first (stored bytes stay, deduplicated)."""
    video_jobs_cancel_for(subject=job_subject(dream))
    dream.delete()


@transaction.atomic
def demo_dreams_claim(*, session_key: str, user) -> int:
    """Move a visitor's demo dreams (with their videos and jobs) to their new account, once.

    Ids, timestamps and videos are kept. Returns how many dreams moved.
    """
    demos = list(DemoDream.objects.select_for_update().filter(session_key=session_key))
    if not demos:
        return 0
    names = [f.attname for f in DemoDream._meta.concrete_fields if f.name != "session_key"]
    Dream.objects.bulk_create(
        [Dream(owner=user, **{name: getattr(demo, name) for name in names}) for demo in demos]
    )
    ids = [demo.pk for demo in demos]
    VideoJob.objects.filter(demo_dream_id__in=ids).update(
        dream_id=models.F("demo_dream_id"), demo_dream=None, user=user, session_key=""
    )
    VideoJob.objects.filter(session_key=session_key).update(user=user, session_key="")
    DemoDream.objects.filter(pk__in=ids).delete()
    gallery_changed()  # bulk_create sends no signal; a claimed dream may be a public one
    return len(ids)
