"""Reads of dreams. Views, serializers and services call these; they never build querysets.

One family of getters: ``dream_get`` with a ``scope`` (whose dreams the caller may
reach) and, where the page or endpoint wants it, ``waiting`` (also look in the
emergency journal, which keeps answering while the database does not).
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from django.core.exceptions import ValidationError  # a malformed id: no such object
from django.db import DatabaseError
from django.db.models import QuerySet

from common.owners import Owner
from dreams.models import AbstractDream, DemoDream, Dream, ModerationStatus, VideoStatus
from dreams.ownership import dream_model_for, dreams_of
from dreams.search import JournalFilters, journal_filter
from dreams.storage import journal
from dreams.storage.records import waiting_dreams
from videos.models import VideoJob

#: The journal's order: when dreamt, then when written; ``id`` makes it total.
JOURNAL_ORDER = ("-dreamt_on", "-created_at", "-id")
NO_FILTERS = JournalFilters()


class Scope(StrEnum):
    """Which dreams a lookup may find."""

    OWN = "own"  # the owner's own dreams
    VISIBLE = "visible"  # the owner's own, or any in the public gallery
    ANY = "any"  # every dream, private and demo ones included: moderators only


def dream_list(*, owner: Owner, filters: JournalFilters = NO_FILTERS) -> QuerySet[AbstractDream]:
    """The owner's dreams, newest dreamt first (then newest written), narrowed by ``filters``
    (a search orders by best match first), with what the representation needs joined in.

    Its ``order_by`` is a list of descending keys, the last one unique: what
    ``common.pagination.KeysetPagination`` pages by.
    """
    model = dream_model_for(owner)
    qs = (
        model.objects.filter(**dreams_of(owner))
        .select_related("video_asset")
        .defer("search_vector")
        .order_by(*JOURNAL_ORDER)
    )
    return journal_filter(qs, filters)


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
        .defer("search_vector")
        .order_by("-created_at", "-id")
    )


def dream_moderation_queue() -> QuerySet[Dream]:
    """Public dreams waiting for a moderator, oldest first (served by a partial index)."""
    return (
        Dream.objects.filter(is_public=True, moderation_status=ModerationStatus.PENDING)
        .select_related("owner", "video_asset")
        .order_by("created_at", "id")
    )


def _first(queryset: QuerySet, dream_id) -> AbstractDream | None:
    try:
        return (
            queryset.select_related("video_asset")
            .defer("search_vector")
            .filter(pk=dream_id)
            .first()
        )
    except (ValueError, ValidationError):
        return None


def _stored_get(*, dream_id, owner: Owner | None, scope: Scope) -> AbstractDream | None:
    if scope == Scope.ANY:
        return _first(Dream.objects.all(), dream_id) or _first(DemoDream.objects.all(), dream_id)
    dream = None
    if owner is not None:
        dream = _first(dream_model_for(owner).objects.filter(**dreams_of(owner)), dream_id)
    if dream is None and scope == Scope.VISIBLE:
        dream = _first(dream_gallery_list(), dream_id)
    return dream


def dream_get(
    *,
    dream_id: uuid.UUID | str,
    owner: Owner | None = None,
    scope: Scope = Scope.OWN,
    waiting: bool = False,
) -> AbstractDream | None:
    """The dream ``dream_id`` if ``scope`` lets ``owner`` reach it, else ``None``.

    Someone else's private dream does not exist for the caller. With ``waiting``, the
    owner's records still in the emergency journal are found too (as unsaved dreams
    whose ``storage_tier`` is ``EMERGENCY``); while the database is unreachable only
    the journal is looked in, and a dream that is not there re-raises the
    ``DatabaseError`` (the caller answers 503).
    """
    try:
        dream = _stored_get(dream_id=dream_id, owner=owner, scope=scope)
    except DatabaseError:
        if waiting and (found := _waiting_get(owner=owner, dream_id=dream_id)):
            return found
        raise
    if dream is None and waiting and journal.emergency_waiting():
        dream = _waiting_get(owner=owner, dream_id=dream_id)
    return dream


def _waiting_get(*, owner: Owner | None, dream_id) -> AbstractDream | None:
    if owner is None:
        return None
    return next((d for d in waiting_dreams(owner=owner) if str(d.pk) == str(dream_id)), None)


def dreams_waiting(*, owner: Owner) -> list[AbstractDream]:
    """The owner's dreams still in the emergency journal, newest first (no database needed)."""
    return waiting_dreams(owner=owner)


def dreams_waiting_first(*, owner: Owner, first_page: bool) -> list[AbstractDream]:
    """The owner's dreams waiting in the emergency journal, which lead page 1 of their list."""
    return waiting_dreams(owner=owner) if first_page and journal.emergency_waiting() else []


def dream_latest_job(dream: AbstractDream) -> VideoJob | None:
    return dream.video_jobs.order_by("-created_at", "-id").first()
