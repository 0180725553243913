"""What a dream's owner is told, and when: the words of their notifications.

Called inside the transaction of the change they tell of (moderation decisions in
``dreams.moderation``, a job's final state in ``dreams.receivers``, a packed export in
``dreams.archive.export``), so a notification exists exactly when its change does. Only
accounts hear anything: a demo dream's owner is an anonymous session, with no one to tell.
The notifications app stores and emails them (``notifications.services``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC
from typing import Any

from django.urls import reverse

from dreams.models import Dream, JournalExport
from notifications.services import NewNotification, notifications_create
from videos.models import JobStatus, VideoJob


class Kind:
    """The ``kind`` of each notification dreams sends (clients may pick an icon by it)."""

    APPROVED = "dream_approved"
    REJECTED = "dream_rejected"
    VIDEO_READY = "video_ready"
    VIDEO_FAILED = "video_failed"
    EXPORT_READY = "export_ready"


def _dream_link(dream_id: Any) -> str:
    return reverse("dream-page", kwargs={"dream_id": dream_id})


def dreams_approved_notify(*, dreams: Iterable[dict[str, Any]]) -> None:
    """Tell each owner that a moderator approved their dream (``{id, title, owner_id}`` rows)."""
    notifications_create(
        notices=[
            NewNotification(
                recipient_id=dream["owner_id"],
                kind=Kind.APPROVED,
                title=f"“{dream['title']}” was approved",
                body="A moderator approved your dream: while it is public and has a video, "
                "it shows in the gallery.",
                link=_dream_link(dream["id"]),
            )
            for dream in dreams
        ]
    )


def dreams_rejected_notify(*, dreams: Iterable[dict[str, Any]], reason: str) -> None:
    """Tell each owner that a moderator rejected their dream, and the moderator's reason."""
    notifications_create(
        notices=[
            NewNotification(
                recipient_id=dream["owner_id"],
                kind=Kind.REJECTED,
                title=f"“{dream['title']}” was not approved for the gallery",
                body=f"The moderator's reason: {reason}\n\n"
                "It stays in your journal. Change it and it will be reviewed again.",
                link=_dream_link(dream["id"]),
            )
            for dream in dreams
        ]
    )


def dream_video_notify(*, job: VideoJob) -> None:
    """Tell an account's owner that their dream's video is ready, or could not be made.

    Only for the newest job of an account's dream, once it ended as succeeded or failed
    (a cancel is the owner's own doing; a demo dream has no one to tell).
    """
    if job.dream_id is None or job.status not in (JobStatus.SUCCEEDED, JobStatus.FAILED):
        return
    newest = VideoJob.objects.filter(dream_id=job.dream_id).order_by("-created_at", "-id")
    if newest.values_list("id", flat=True).first() != job.id:
        return  # an older job ending late: the dream shows a newer one (dream_video_sync)
    dream = Dream.objects.filter(pk=job.dream_id).values("id", "title", "owner_id").first()
    if dream is None:
        return
    if job.status == JobStatus.SUCCEEDED:
        notice = NewNotification(
            recipient_id=dream["owner_id"],
            kind=Kind.VIDEO_READY,
            title=f"The video of “{dream['title']}” is ready",
            body="It is stored for good: watch it on your dream's page.",
            link=_dream_link(dream["id"]),
        )
    else:
        notice = NewNotification(
            recipient_id=dream["owner_id"],
            kind=Kind.VIDEO_FAILED,
            title=f"The video of “{dream['title']}” could not be made",
            body=(job.error_message or "Something went wrong.")
            + "\n\nYou can try again from your dream's page.",
            link=_dream_link(dream["id"]),
        )
    notifications_create(notices=[notice])


def journal_export_ready_notify(*, export: JournalExport) -> None:
    """Tell the account that its packed journal can be downloaded, and until when."""
    when = export.expires_at
    expires = when.astimezone(UTC).strftime("%-d %B %Y, %H:%M UTC") if when else ""
    notifications_create(
        notices=[
            NewNotification(
                recipient_id=export.user_id,
                kind=Kind.EXPORT_READY,
                title="Your journal export is ready",
                body=f"Download it from your account page{f' until {expires}' if expires else ''}.",
                link=reverse("account") + "#archive",
            )
        ]
    )
