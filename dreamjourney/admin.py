"""The admin site, branded for moderators, whose index shows what waits for them.

Installed in place of Django's default site (``dreamjourney.apps.AdminConfig``), so every
``admin.register`` and ``admin.site`` reaches this one. The index adds up to three counts
(of the lists the moderator may open), one ``COUNT`` each, every one a link to the
changelist filtered to exactly what it counts.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth import get_permission_codename
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

#: Failed video jobs count over the admin date filter's "Past 7 days" (today and 7 before).
FAILED_JOBS_DAYS = 7


@dataclass(frozen=True)
class Waiting:
    label: str
    count: int
    url: str
    help: str


def _failed_jobs_window() -> dict[str, datetime.datetime]:
    # The same bounds (and text) as DateFieldListFilter's "Past 7 days": the link selects it.
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return {
        "created_at__gte": today - datetime.timedelta(days=FAILED_JOBS_DAYS),
        "created_at__lt": today + datetime.timedelta(days=1),
    }


def _may_view(user, model) -> bool:
    opts = model._meta
    return any(
        user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")
        for action in ("view", "change")
    )


def moderation_waiting(user) -> list[Waiting]:
    """What waits for moderators, of the lists ``user`` may open: at most three ``COUNT``
    queries, each with the list filtered to exactly what it counts."""
    # Imported here: the apps' admin modules register on this site while it is being made.
    from dreams import reports, selectors
    from dreams.admin import QUEUE_PARAM, QUEUE_VALUE
    from dreams.models import Dream, DreamReport
    from videos.models import JobStatus, VideoJob

    waiting = []
    if _may_view(user, Dream):
        waiting.append(
            Waiting(
                "Dreams waiting for review",
                selectors.dream_moderation_queue().count(),
                reverse("admin:dreams_dream_changelist") + f"?{QUEUE_PARAM}={QUEUE_VALUE}",
                "Public dreams to approve or reject, oldest first.",
            )
        )
    if _may_view(user, DreamReport):
        waiting.append(
            Waiting(
                "Open reports",
                reports.dream_reports_open().count(),
                reverse("admin:dreams_dreamreport_changelist") + "?status__exact=open",
                "Visitors' reports of gallery dreams.",
            )
        )
    if _may_view(user, VideoJob):
        window = _failed_jobs_window()
        query = {"status__exact": JobStatus.FAILED, **{k: str(v) for k, v in window.items()}}
        waiting.append(
            Waiting(
                "Failed video jobs",
                VideoJob.objects.filter(status=JobStatus.FAILED, **window).count(),
                reverse("admin:videos_videojob_changelist") + "?" + urlencode(query),
                f"In the past {FAILED_JOBS_DAYS} days.",
            )
        )
    return waiting


class DreamJourneyAdminSite(admin.AdminSite):
    site_header = "DreamJourney moderation"
    site_title = "DreamJourney moderation"
    index_title = "What waits for you"

    def each_context(self, request: HttpRequest) -> dict:
        # Every analytics page links the others without knowing their apps (videos must
        # not know dreams): the site knows them all.
        return {
            **super().each_context(request),
            "analytics_links": [
                ("Dreams and moderation", reverse("admin:dreams_dream_stats")),
                ("Video generation", reverse("admin:videos_videojob_stats")),
            ],
        }

    def index(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {**(extra_context or {}), "waiting": moderation_waiting(request.user)}
        return super().index(request, extra_context=extra_context)
