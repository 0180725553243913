"""Reads of dreams. Views and serializers call these; they never build querysets."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError  # a malformed id: no such object
from django.db.models import Q, QuerySet

from dreams.models import AbstractDream, Dream, ModerationStatus, VideoStatus
from dreams.owners import Owner


def dream_list(
    *,
    owner: Owner,
    q: str = "",
    has_video: bool | None = None,
    is_public: bool | None = None,
) -> QuerySet[AbstractDream]:
    """The owner's dreams, newest first, with what the representation needs joined in."""
    qs = owner.dream_model.objects.filter(**owner.dream_filter()).select_related("video_asset")
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(content__icontains=q))
    if has_video is not None:
        qs = (
            qs.filter(video_status=VideoStatus.READY)
            if has_video
            else qs.exclude(video_status=VideoStatus.READY)
        )
    if is_public is not None:
        qs = qs.filter(is_public=is_public)
    return qs.order_by("-created_at", "-id")


def dream_get(*, owner: Owner | None, dream_id: uuid.UUID | str) -> AbstractDream | None:
    """One of the owner's dreams, or ``None`` (someone else's dreams do not exist for them)."""
    if owner is None:
        return None
    try:
        return (
            owner.dream_model.objects.select_related("video_asset")
            .filter(**owner.dream_filter())
            .get(pk=dream_id)
        )
    except (owner.dream_model.DoesNotExist, ValueError, ValidationError):
        return None


def dream_gallery_list() -> QuerySet[Dream]:
    """Dreams anyone may see: public, approved by a moderator, with a ready video."""
    return (
        Dream.objects.filter(
            is_public=True,
            moderation_status=ModerationStatus.APPROVED,
            video_status=VideoStatus.READY,
            video_asset__isnull=False,
        )
        .select_related("video_asset", "owner")
        .order_by("-created_at", "-id")
    )


def dream_public_get(*, dream_id: uuid.UUID | str) -> Dream | None:
    try:
        return dream_gallery_list().get(pk=dream_id)
    except (Dream.DoesNotExist, ValueError, ValidationError):
        return None


def dream_visible_get(*, owner: Owner | None, dream_id: uuid.UUID | str) -> AbstractDream | None:
    """A dream the caller may look at: their own, or one in the public gallery."""
    return dream_get(owner=owner, dream_id=dream_id) or dream_public_get(dream_id=dream_id)
