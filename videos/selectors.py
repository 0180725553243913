"""Reads of video jobs and assets."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError  # a malformed id: no such object
from django.db.models import QuerySet

from common.owners import Owner
from videos.models import VideoJob


def video_job_list(*, owner: Owner) -> QuerySet[VideoJob]:
    return VideoJob.objects.filter(**owner.as_filter()).order_by("-created_at")


def video_job_get(*, owner: Owner | None, job_id: uuid.UUID | str) -> VideoJob | None:
    """One of the owner's jobs, or ``None`` (other people's jobs do not exist for them)."""
    if owner is None:
        return None
    try:
        return video_job_list(owner=owner).select_related("asset").get(pk=job_id)
    except (VideoJob.DoesNotExist, ValueError, ValidationError):
        return None
