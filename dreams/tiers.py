"""Where a dream is written: the one place that decides, and says so in ``storage``.

* ``dreams`` for a signed-in user, ``demo_dreams`` for a demo-mode visitor;
* ``emergency`` when the database cannot be reached at all: the dream goes to
  the durable local journal (``dreams.emergency``) and is replayed into its
  table, with its id and timestamps, as soon as the database answers.

Reads of the caller's dreams include records still waiting in the journal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import DatabaseError, IntegrityError, transaction

from dreams import emergency, selectors, services
from dreams.analysis import analyse_dream
from dreams.models import AbstractDream, DemoDream, Dream, ModerationStatus, VideoStatus
from dreams.owners import Owner

EMERGENCY = "emergency"


@dataclass(frozen=True)
class StoredDream:
    dream: AbstractDream
    job: Any  # VideoJob | None; None also while an emergency record waits
    tier: str


def _database_down(exc: DatabaseError) -> bool:
    """A connection-level failure (not a constraint the data broke)."""
    return not isinstance(exc, IntegrityError) and not emergency._database_answers()


def dream_store(*, owner: Owner, generate_video: bool | None = None, **data: Any) -> StoredDream:
    """Save a new dream in the right tier; ``generate_video`` (when not None) also queues a video.

    ``data`` is validated input (see ``DreamInputSerializer``). Raises what the
    services raise, except that a database that cannot be reached sends the dream
    to the emergency journal instead.
    """
    try:
        if generate_video is None:
            dream, job = services.dream_create(owner=owner, **data), None
        else:
            dream, job = services.dream_create_with_video(
                owner=owner, generate_video=generate_video, **data
            )
        return StoredDream(dream=dream, job=job, tier=dream.storage_tier)
    except DatabaseError as exc:
        if not _database_down(exc):
            raise
    payload = {
        **data,
        "analysis": data.get("analysis")
        or analyse_dream(title=data["title"], content=data["content"]),
        "generate_video": bool(generate_video),
    }
    record = emergency.emergency_append(
        owner_user_id=None if owner.is_demo else owner.user.pk,
        owner_session=owner.session_key,
        payload=payload,
    )
    return StoredDream(dream=record_as_dream(record), job=None, tier=EMERGENCY)


def record_as_dream(record: emergency.EmergencyRecord) -> AbstractDream:
    """An unsaved dream showing a journal record the way the API shows any dream."""
    data = record.payload
    if record.owner_user_id is not None:
        model, owner_fields = Dream, {"owner_id": record.owner_user_id}
    else:
        model, owner_fields = DemoDream, {"session_key": record.owner_session}
    wants_video = data.get("generate_video") or data.get("video_url")
    dream = model(
        id=record.id,
        **owner_fields,
        title=data["title"],
        content=data["content"],
        analysis=data.get("analysis") or {},
        video_url=data.get("video_url", ""),
        thumbnail_url=data.get("thumbnail_url", ""),
        video_prompt=data.get("video_prompt", ""),
        video_duration=data.get("video_duration", 4),
        video_status=VideoStatus.QUEUED if wants_video else VideoStatus.NONE,
        is_public=data.get("is_public", False),
        moderation_status=ModerationStatus.PENDING,
        created_at=record.created_at,
        updated_at=record.created_at,
    )
    dream.storage_tier_override = EMERGENCY
    return dream


def waiting_dreams(*, owner: Owner) -> list[AbstractDream]:
    """The owner's dreams still in the emergency journal, newest first."""
    records = emergency.emergency_records(
        owner_user_id=None if owner.is_demo else owner.user.pk, owner_session=owner.session_key
    )
    return [record_as_dream(r) for r in records]


def waiting_dream(*, owner: Owner | None, dream_id: str) -> AbstractDream | None:
    if owner is None:
        return None
    return next((d for d in waiting_dreams(owner=owner) if str(d.pk) == str(dream_id)), None)


def waiting_first(*, owner: Owner, first_page: bool) -> list[AbstractDream]:
    """The owner's waiting dreams, which lead page 1 of their list ([] on later pages)."""
    return waiting_dreams(owner=owner) if first_page and emergency.emergency_waiting() else []


def dream_find(*, owner: Owner | None, dream_id) -> AbstractDream | None:
    """A dream the caller may see: theirs, a public one, or theirs still in the journal.

    While the database is unreachable only the journal is looked in; a dream that is
    in neither re-raises the database error (the caller answers 503).
    """
    try:
        dream = selectors.dream_visible_get(owner=owner, dream_id=dream_id)
    except DatabaseError:
        if found := waiting_dream(owner=owner, dream_id=str(dream_id)):
            return found
        raise
    if dream is None and emergency.emergency_waiting():
        dream = waiting_dream(owner=owner, dream_id=str(dream_id))
    return dream


@transaction.atomic
def emergency_record_replay(*, record: emergency.EmergencyRecord) -> bool:
    """Write one journal record into its table with its own id and timestamps.

    Returns False when it is already there (a replay that ran before). Raises
    ``ValueError`` when it can never be replayed (e.g. its user was deleted).
    """
    from videos.prompts import build_video_prompt
    from videos.services import video_ingest_submit, video_job_submit_generation

    data = dict(record.payload)
    model = Dream if record.owner_user_id is not None else DemoDream
    if model.objects.filter(pk=record.id).exists():
        return False
    if record.owner_user_id is not None:
        user = get_user_model().objects.filter(pk=record.owner_user_id).first()
        if user is None:
            raise ValueError(f"user {record.owner_user_id} no longer exists")
        owner = Owner(user=user)
    else:
        owner = Owner(session_key=record.owner_session)
    generate = data.pop("generate_video", False)
    ratio, seed = data.pop("ratio", "1280:720"), data.pop("seed", None)
    video_url = data.pop("video_url", "")
    if generate and not data.get("video_prompt"):
        data["video_prompt"] = build_video_prompt(
            title=data["title"], content=data["content"], analysis=data.get("analysis")
        )
    dream = model(
        id=record.id,
        **owner.dream_filter(),
        **data,
        moderation_status=services.initial_moderation_status(
            is_public=data.get("is_public", False)
        ),
        created_at=record.created_at,
        updated_at=record.created_at,
    )
    dream.full_clean(exclude=["owner", "video_asset", "moderated_by", "id"])
    dream.save(force_insert=True)
    if video_url:
        video_ingest_submit(owner=owner, dream=dream, source_url=video_url, enforce_limit=False)
    elif generate:
        video_job_submit_generation(
            owner=owner,
            dream=dream,
            prompt=dream.video_prompt,
            duration=dream.video_duration,
            ratio=ratio,
            seed=seed,
            enforce_limit=False,
        )
    return True
