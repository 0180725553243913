"""Journal records shown as dreams: what reads return for dreams still waiting for replay."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from common.owners import Owner
from dreams.models import (
    AbstractDream,
    DemoDream,
    Dream,
    ModerationStatus,
    StorageTier,
    VideoStatus,
)
from dreams.services.dream import DETAIL_FIELDS
from dreams.storage import journal
from videos.catalog import DEFAULT_DURATION_SECONDS


def record_as_dream(record: journal.EmergencyRecord) -> AbstractDream:
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
        video_duration=data.get("video_duration", DEFAULT_DURATION_SECONDS),
        video_status=VideoStatus.QUEUED if wants_video else VideoStatus.NONE,
        is_public=data.get("is_public", False),
        **{name: data[name] for name in DETAIL_FIELDS if name in data},
        moderation_status=ModerationStatus.PENDING,
        created_at=record.created_at,
        updated_at=record.created_at,
    )
    if isinstance(dream.dreamt_on, str):
        dream.dreamt_on = date.fromisoformat(dream.dreamt_on)
    elif "dreamt_on" not in data:
        dream.dreamt_on = timezone.localdate(record.created_at)
    dream.storage_tier = StorageTier.EMERGENCY
    return dream


def waiting_dreams(*, owner: Owner) -> list[AbstractDream]:
    """The owner's dreams still in the emergency journal, newest first."""
    records = journal.emergency_records(
        owner_user_id=owner.user_id, owner_session=owner.session_key
    )
    return [record_as_dream(r) for r in records]
