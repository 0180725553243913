"""How dreams follow the video app: its announcements, and how a dream's job media is addressed."""

from __future__ import annotations

from typing import Any

from dreams.caching import gallery_changed
from dreams.models import Dream
from dreams.notices import dream_video_notify
from dreams.services import (
    dream_thumbnail_path,
    dream_video_path,
    dream_video_sync,
    dreams_video_refreshed,
)
from videos.models import VideoAsset, VideoJob


def mirror_job_on_dream(sender: type[VideoJob], *, job: VideoJob, **kwargs: Any) -> None:
    """``video_job_changed`` receiver: the job's dream shows its latest job, and once that
    job ends the dream's owner hears of it (``dreams.notices``)."""
    dream_video_sync(job=job)
    dream_video_notify(job=job)


def refresh_dreams_showing(sender: type[VideoAsset], *, asset: VideoAsset, **kwargs: Any) -> None:
    """``video_asset_changed`` receiver: dreams showing the video show its new state."""
    dreams_video_refreshed(asset_id=asset.pk)


def gallery_follows_dream_writes(sender: type[Dream], *, using: str, **kwargs: Any) -> None:
    """``post_save`` / ``post_delete`` receiver: any written dream may change the gallery."""
    gallery_changed(using=using)


def dream_job_media_path(job: VideoJob, kind: str) -> str | None:
    """A dream's job is watched through the dream's own media URL (``None``: not a dream's)."""
    if job.subject_id is None:
        return None
    return (dream_video_path if kind == "video" else dream_thumbnail_path)(job.subject_id)
