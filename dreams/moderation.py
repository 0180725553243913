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
from dreams.models import (
    AbstractDream,
    DecisionKind,
    Dream,
    ModerationDecision,
    ModerationStatus,
)
from dreams.notices import dreams_approved_notify, dreams_rejected_notify
from dreams.ownership import dream_owner, job_subject
from dreams.services import dream_video_generate
from videos.catalog import default_model
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


def _record(model: type[AbstractDream], waiting: list[tuple], fields: dict[str, Any]) -> None:
    """An approval or rejection joins the moderation history (``dreams.stats`` reads it):
    ``waiting`` is each dream's ``(id, review_requested_at, created_at)``."""
    decision = fields.get("moderation_status")
    if decision not in DecisionKind.values or not waiting:
        return
    ModerationDecision.objects.bulk_create(
        ModerationDecision(
            dream_id=pk,
            storage=model.storage_tier,
            decision=decision,
            moderator=fields["moderated_by"],
            requested_at=requested or created,
            decided_at=fields["moderated_at"],
        )
        for pk, requested, created in waiting
    )


def _apply(dream: AbstractDream, fields: dict[str, Any]) -> AbstractDream:
    for name, value in fields.items():
        setattr(dream, name, value)
    dream.save(update_fields=list(fields))
    _record(type(dream), [(dream.pk, dream.review_requested_at, dream.created_at)], fields)
    return dream


def _bulk_apply(queryset: QuerySet[AbstractDream], fields: dict[str, Any]) -> int:
    # Through the primary keys: the admin's queryset may carry annotations and ordering.
    model = queryset.model
    chosen = model.objects.filter(pk__in=queryset.order_by().values("pk"))
    if fields.get("moderation_status") in DecisionKind.values:
        waiting = list(chosen.values_list("pk", "review_requested_at", "created_at"))
        _record(model, waiting, fields)
    count = chosen.update(**fields)
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


def _owners_to_tell(
    queryset: QuerySet[AbstractDream], *, unless: str | None = None
) -> list[dict[str, Any]]:
    """``{id, title, owner_id}`` of the account dreams whose owners hear of a decision
    (``dreams.notices``), those already ``unless`` aside; demo dreams have no one to tell."""
    if queryset.model is not Dream:
        return []
    chosen = Dream.objects.filter(pk__in=queryset.order_by().values("pk"))
    if unless:
        chosen = chosen.exclude(moderation_status=unless)
    return list(chosen.values("id", "title", "owner_id"))


def _owner_to_tell(dream: AbstractDream) -> list[dict[str, Any]]:
    if not isinstance(dream, Dream):
        return []
    return [{"id": dream.pk, "title": dream.title, "owner_id": dream.owner_id}]


@transaction.atomic
def dream_approve(*, dream: AbstractDream, moderator: AbstractBaseUser) -> AbstractDream:
    """Approve ``dream``: once public with a ready video it shows in the gallery.

    Clears any earlier rejection reason. An account's owner is notified, unless the
    dream was approved already.
    """
    news = dream.moderation_status != ModerationStatus.APPROVED
    dream = _apply(dream, _approval(moderator))
    if news:
        dreams_approved_notify(dreams=_owner_to_tell(dream))
    return dream


@transaction.atomic
def dreams_approve(*, queryset: QuerySet[AbstractDream], moderator: AbstractBaseUser) -> int:
    """Approve every dream of ``queryset`` in one UPDATE; returns how many.

    The owners of the account dreams not approved already are notified.
    """
    told = _owners_to_tell(queryset, unless=ModerationStatus.APPROVED)
    count = _bulk_apply(queryset, _approval(moderator))
    dreams_approved_notify(dreams=told)
    return count


@transaction.atomic
def dream_reject(
    *, dream: AbstractDream, moderator: AbstractBaseUser, reason: str
) -> AbstractDream:
    """Reject ``dream`` (it leaves the gallery); the owner sees ``reason`` in the API, and
    an account's owner is notified with it.

    Raises ``ValidationError`` when the reason is empty or longer than 500 characters.
    """
    fields = _rejection(moderator, reason)
    dream = _apply(dream, fields)
    dreams_rejected_notify(dreams=_owner_to_tell(dream), reason=fields["moderation_reason"])
    return dream


@transaction.atomic
def dreams_reject(
    *, queryset: QuerySet[AbstractDream], moderator: AbstractBaseUser, reason: str
) -> int:
    """Reject every dream of ``queryset`` with the same reason; returns how many.

    The owners of its account dreams are notified with the reason. Raises
    ``ValidationError`` (and changes nothing) when the reason is not acceptable.
    """
    fields = _rejection(moderator, reason)
    told = _owners_to_tell(queryset)
    count = _bulk_apply(queryset, fields)
    dreams_rejected_notify(dreams=told, reason=fields["moderation_reason"])
    return count


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
        # The dream's duration came from the model that made its video; the default may differ.
        duration=default_model().closest_duration(dream.video_duration),
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
