"""Moderating the public gallery: approve, reject (with a reason), unpublish, regenerate.

Moderators act through these functions only (the admin's actions call them). Every
decision records who took it and when (``moderated_by``, ``moderated_at``) and
touches ``updated_at``. The single-dream functions write with
``save(update_fields=…)``; the bulk ones (``dreams_…``) with one UPDATE for the
whole queryset, so moderating a page of dreams costs the same as moderating one.

What the gallery shows is decided in ``dreams.selectors.dream_gallery_list``:
public, approved, with a ready video (the queue: ``dream_moderation_queue``). Under pre-moderation
(``DREAMS_PREMODERATION``, the default) a dream made public waits as *pending*
until a moderator approves it; under post-moderation it is approved at once and
moderators reject or unpublish afterwards.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from dreams.caching import gallery_changed
from dreams.models import AbstractDream, Dream, ModerationStatus
from dreams.ownership import dream_owner, job_subject
from dreams.services import dream_video_generate
from videos.jobs.submission import JobLimitExceeded, OverLimit
from videos.models import ACTIVE_JOB_STATUSES, VideoJob
from videos.prompts import build_video_prompt

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

logger = logging.getLogger(__name__)

REASON_MAX_CHARS = 500


class RegenerationInProgress(Exception):
    """The dream's video is already being made: a second generation would only cost twice."""


# --- Decisions --------------------------------------------------------------------------


def clean_rejection_reason(reason: str) -> str:
    """The reason as stored: stripped, required, at most 500 characters.

    Raises ``ValidationError`` otherwise; the owner reads it, so it must say something.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Give the owner a reason for the rejection.", code="required")
    if len(reason) > REASON_MAX_CHARS:
        raise ValidationError(
            f"Keep the reason within {REASON_MAX_CHARS} characters.", code="max_length"
        )
    return reason


def _decision(*, moderator: AbstractBaseUser, **changes: Any) -> dict[str, Any]:
    now = timezone.now()
    return {**changes, "moderated_by": moderator, "moderated_at": now, "updated_at": now}


def _apply(dream: AbstractDream, fields: dict[str, Any]) -> AbstractDream:
    for name, value in fields.items():
        setattr(dream, name, value)
    dream.save(update_fields=list(fields))
    return dream


def _bulk_apply(queryset: QuerySet[AbstractDream], fields: dict[str, Any]) -> int:
    # Through the primary keys: the admin's queryset may carry annotations and ordering.
    model = queryset.model
    count = model.objects.filter(pk__in=queryset.order_by().values("pk")).update(**fields)
    if model is Dream:
        gallery_changed()  # an update() sends no signal
    return count


def _approval(moderator: AbstractBaseUser) -> dict[str, Any]:
    return _decision(
        moderator=moderator, moderation_status=ModerationStatus.APPROVED, moderation_reason=""
    )


def _rejection(moderator: AbstractBaseUser, reason: str) -> dict[str, Any]:
    return _decision(
        moderator=moderator,
        moderation_status=ModerationStatus.REJECTED,
        moderation_reason=clean_rejection_reason(reason),
    )


@transaction.atomic
def dream_approve(*, dream: AbstractDream, moderator: AbstractBaseUser) -> AbstractDream:
    """Approve ``dream``: once public with a ready video it shows in the gallery.

    Clears any earlier rejection reason.
    """
    return _apply(dream, _approval(moderator))


@transaction.atomic
def dreams_approve(*, queryset: QuerySet[AbstractDream], moderator: AbstractBaseUser) -> int:
    """Approve every dream of ``queryset`` in one UPDATE; returns how many."""
    return _bulk_apply(queryset, _approval(moderator))


@transaction.atomic
def dream_reject(
    *, dream: AbstractDream, moderator: AbstractBaseUser, reason: str
) -> AbstractDream:
    """Reject ``dream`` (it leaves the gallery); the owner sees ``reason`` in the API.

    Raises ``ValidationError`` when the reason is empty or longer than 500 characters.
    """
    return _apply(dream, _rejection(moderator, reason))


@transaction.atomic
def dreams_reject(
    *, queryset: QuerySet[AbstractDream], moderator: AbstractBaseUser, reason: str
) -> int:
    """Reject every dream of ``queryset`` with the same reason; returns how many.

    Raises ``ValidationError`` (and changes nothing) when the reason is not acceptable.
    """
    return _bulk_apply(queryset, _rejection(moderator, reason))


@transaction.atomic
def dream_unpublish(*, dream: AbstractDream, moderator: AbstractBaseUser) -> AbstractDream:
    """Make ``dream`` private (it leaves the gallery) without judging it.

    Its moderation status is kept; if the owner makes it public again it is
    moderated again like any newly public dream (``dreams.services.dream_update``).
    """
    return _apply(dream, _decision(moderator=moderator, is_public=False))


@transaction.atomic
def dreams_unpublish(*, queryset: QuerySet[AbstractDream], moderator: AbstractBaseUser) -> int:
    """Make every dream of ``queryset`` private in one UPDATE; returns how many."""
    return _bulk_apply(queryset, _decision(moderator=moderator, is_public=False))


# --- Regenerating videos ----------------------------------------------------------------


@transaction.atomic
def dream_video_regenerate(*, dream: AbstractDream, moderator: AbstractBaseUser) -> VideoJob:
    """Queue a new video for ``dream`` on its owner's behalf, at a moderator's request.

    The prompt is the dream's stored one, else one built from the dream; the
    duration is the dream's. The owner's in-flight cap does not apply (the
    request is the moderator's, not the owner's). The current video stays in
    place until the new one is stored, and stays if the new one fails.

    Raises ``RegenerationInProgress`` when the dream already has a job in flight
    (the dream row is locked while checking, so two clicks start one job).
    """
    type(dream).objects.select_for_update().filter(pk=dream.pk).first()
    in_flight = VideoJob.objects.filter(**job_subject(dream), status__in=ACTIVE_JOB_STATUSES)
    if in_flight.exists():
        raise RegenerationInProgress("a video is already in progress")
    prompt = dream.video_prompt or build_video_prompt(
        title=dream.title, content=dream.content, analysis=dream.analysis
    )
    job = dream_video_generate(
        owner=dream_owner(dream),
        dream=dream,
        prompt=prompt,
        duration=dream.video_duration,
        over_limit=OverLimit.IGNORE,
    )
    logger.info("moderator %s regenerated the video of dream %s", moderator.pk, dream.pk)
    return job


@dataclass
class RegenerationReport:
    """What a bulk regeneration did: jobs started, and dreams skipped with why."""

    jobs: list[VideoJob] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def dreams_video_regenerate(
    *, queryset: QuerySet[AbstractDream], moderator: AbstractBaseUser
) -> RegenerationReport:
    """Regenerate the video of every dream of ``queryset``, each in its own transaction.

    A dream that cannot start now (a video already in flight; an owner's cap,
    should one ever apply to moderators) is skipped and reported; the others start.
    """
    dreams = queryset.order_by()
    if queryset.model is Dream:
        dreams = dreams.select_related("owner")
    report = RegenerationReport()
    for dream in dreams:
        try:
            report.jobs.append(dream_video_regenerate(dream=dream, moderator=moderator))
        except (RegenerationInProgress, JobLimitExceeded) as exc:
            report.skipped.append(f"“{dream.title}”: {exc}")
    return report
