"""The worker's rendition task: thin, idempotent, safe to retry (it loads the row, calls
the service); enqueued when the transaction that stored an asset commits."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.tasks import Task, task

from common.tasks import enqueue
from videos.models import VideoAsset
from videos.renditions.services import video_renditions_make_safely

#: Below every other task (default 0), on a backend that orders by priority (the database
#: one): a worker makes renditions when no video job step, mail or export is waiting. A
#: viewer can play the stored original meanwhile; someone waiting for their dream's video
#: should not wait behind other people's renditions.
RENDITIONS_PRIORITY = -10


@task()
def video_renditions_task(asset_id: str) -> None:
    """Make the asset's renditions unless they exist (or the asset is gone)."""
    asset = VideoAsset.objects.filter(pk=asset_id).first()
    if asset is not None:
        video_renditions_make_safely(asset=asset)


def video_renditions_enqueue(asset_id) -> None:
    """Have the worker make the asset's renditions once the current transaction commits
    (at once outside one); nothing when ``VIDEO_RENDITIONS`` is off."""
    if settings.VIDEO_RENDITIONS:
        transaction.on_commit(lambda: enqueue(_background(video_renditions_task), str(asset_id)))


def _background(task: Task) -> Task:
    """``task`` at ``RENDITIONS_PRIORITY`` where its backend has priorities (RQ's has not)."""
    if task.get_backend().supports_priority:
        return task.using(priority=RENDITIONS_PRIORITY)
    return task
