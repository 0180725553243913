"""Which table holds an owner's dreams, and who owns a dream (``common.owners.Owner``)."""

from __future__ import annotations

from typing import Any

from common.owners import Owner
from dreams.models import AbstractDream, DemoDream, Dream


def dream_model_for(owner: Owner) -> type[AbstractDream]:
    """``DemoDream`` for a demo session, ``Dream`` for an account."""
    return DemoDream if owner.is_demo else Dream


def dreams_of(owner: Owner) -> dict[str, Any]:
    """Lookup kwargs selecting the owner's dreams in ``dream_model_for(owner)``."""
    return owner.as_filter(user_field="owner")


def dream_owner(dream: AbstractDream) -> Owner:
    return Owner.of(dream, user_field="owner")


def owns_dream(owner: Owner | None, dream: AbstractDream) -> bool:
    if owner is None:
        return False
    if isinstance(dream, DemoDream):
        return owner.is_demo and dream.session_key == owner.session_key
    return not owner.is_demo and dream.owner_id == owner.user_id


def job_subject(dream: AbstractDream) -> dict[str, Any]:
    """The dream as a video job's subject (``videos.jobs.submission.Subject``)."""
    return {"demo_dream": dream} if isinstance(dream, DemoDream) else {"dream": dream}
