"""Where a new dream is written: the one place that decides, and says so in ``storage``.

* ``dreams`` for a signed-in user, ``demo_dreams`` for a demo-mode visitor;
* ``emergency`` when the database cannot be reached at all: the dream goes to
  the durable local journal (``dreams.storage.journal``) and is replayed into its
  table, with its id and timestamps, as soon as the database answers
  (``dreams.storage.replay``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, IntegrityError

from common.owners import Owner
from dreams import services
from dreams.analysis import analyse_dream
from dreams.models import AbstractDream, StorageTier
from dreams.storage import journal, replay
from dreams.storage.records import record_as_dream
from videos.models import VideoJob


@dataclass(frozen=True)
class StoredDream:
    dream: AbstractDream
    job: VideoJob | None  # None too while an emergency record waits for replay

    @property
    def tier(self) -> StorageTier:
        return self.dream.storage_tier


def _database_down(exc: DatabaseError) -> bool:
    """A connection-level failure (not a constraint the data broke)."""
    return not isinstance(exc, IntegrityError) and not journal.database_answers()


def dream_store(*, owner: Owner, generate_video: bool | None = None, **data: Any) -> StoredDream:
    """Save a new dream in the right tier; ``generate_video`` (when not None) also queues a video.

    ``data`` is validated input (see ``DreamInputSerializer``). Raises what the
    services raise, except that a database that cannot be reached sends the dream
    to the emergency journal instead.
    """
    try:
        if generate_video is None:
            return StoredDream(dream=services.dream_create(owner=owner, **data), job=None)
        dream, job = services.dream_create_with_video(
            owner=owner, generate_video=generate_video, **data
        )
        return StoredDream(dream=dream, job=job)
    except DatabaseError as exc:
        if not _database_down(exc):
            raise
    payload = {
        **data,
        **({"dreamt_on": data["dreamt_on"].isoformat()} if data.get("dreamt_on") else {}),
        "analysis": data.get("analysis")
        or analyse_dream(title=data["title"], content=data["content"]),
        "generate_video": bool(generate_video),
    }
    record = journal.emergency_append(
        owner_user_id=owner.user_id, owner_session=owner.session_key, payload=payload
    )
    replay.start_replayer()
    return StoredDream(dream=record_as_dream(record), job=None)
