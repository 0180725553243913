"""Admin for video jobs and assets: read-only history, retry/cancel actions, and analytics.

Jobs and assets are written by the video services (``videos.jobs``, ``videos.assets``)
only: the admin shows them, and its actions call ``video_job_retry`` / ``video_job_cancel``.
The analytics page (``/admin/videos/videojob/stats/``) renders ``videos.stats.video_job_stats``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse

from common.days import collapse_empty_days
from videos.jobs.control import JobNotRetryable, video_job_cancel, video_job_retry
from videos.jobs.submission import JobLimitExceeded
from videos.models import (
    FINISHED_JOB_STATUSES,
    JobStatus,
    VideoAsset,
    VideoJob,
    VideoRendition,
)
from videos.stats import video_job_stats, video_storage_stats

STATS_DAY_CHOICES = (7, 30, 90)
_CHART_HEIGHT = 160
_BAR_WIDTH = 18
_BAR_GAP = 4


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """Rows only the services write: viewable, never added, edited or deleted here.

    Change permission on the model still lets staff run the actions (which call services).
    """

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # Without an object: the changelist and its actions. With one: a view-only page,
        # so the admin never saves a job over what a worker wrote meanwhile.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(VideoJob)
class VideoJobAdmin(ReadOnlyModelAdmin):
    list_display = [
        "id",
        "kind",
        "status",
        "provider",
        "model",
        "style",
        "owner",
        "elapsed_seconds",
        "error_code",
        "created_at",
    ]
    list_filter = ["status", "provider", "model", "style", "kind", "error_code", "created_at"]
    search_fields = ["id", "provider_task_id", "prompt", "user__username"]
    list_select_related = ["user"]
    readonly_fields = [f.name for f in VideoJob._meta.fields]
    date_hierarchy = "created_at"
    actions = ["retry_jobs", "cancel_jobs"]

    @admin.display(description="owner")
    def owner(self, job: VideoJob) -> str:
        return job.user.username if job.user_id else "demo session"

    @admin.display(description="request → stored (s)", ordering="finished_at")
    def elapsed_seconds(self, job: VideoJob) -> str:
        if job.finished_at is None:
            return "—"
        return f"{(job.finished_at - job.created_at).total_seconds():.1f}"

    @admin.action(description="Retry the selected failed or cancelled jobs", permissions=["change"])
    def retry_jobs(self, request: HttpRequest, queryset: QuerySet[VideoJob]) -> None:
        started, skipped = 0, []
        for job in queryset.select_related("user"):
            if job.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
                skipped.append(f"{job.pk} is {job.status}, not failed or cancelled")
                continue
            try:
                video_job_retry(job=job)
                started += 1
            except JobNotRetryable:
                skipped.append(f"{job.pk} copied an upload; only its owner can upload it again")
            except JobLimitExceeded as exc:
                skipped.append(f"{job.pk}: {exc}")
        if started:
            self.message_user(request, f"Started {started} new job(s).", messages.SUCCESS)
        if skipped:
            self.message_user(request, "Not retried: " + "; ".join(skipped), messages.WARNING)

    @admin.action(description="Cancel the selected jobs in flight", permissions=["change"])
    def cancel_jobs(self, request: HttpRequest, queryset: QuerySet[VideoJob]) -> None:
        cancelled = 0
        for job in queryset.exclude(status__in=FINISHED_JOB_STATUSES):
            if video_job_cancel(job=job).status == JobStatus.CANCELLED:
                cancelled += 1
        self.message_user(request, f"Cancelled {cancelled} job(s).", messages.SUCCESS)

    # --- analytics page ---------------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "stats/",
                self.admin_site.admin_view(self.stats_view),
                name="videos_videojob_stats",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {
            **(extra_context or {}),
            "stats_url": reverse("admin:videos_videojob_stats"),
        }
        return super().changelist_view(request, extra_context=extra_context)

    def stats_view(self, request: HttpRequest) -> HttpResponse:
        """Job counts, success rates, failures and p50/p95 times, as a chart and tables."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            days = int(request.GET.get("days", 30))
        except ValueError:
            days = 30
        days = days if days in STATS_DAY_CHOICES else 30
        stats = video_job_stats(days=days)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Video generation analytics",
            "stats": stats,
            "storage": video_storage_stats(),
            "chart": _chart(stats["days"]),
            # Newest first; a run of days without a job is one row.
            "day_rows": collapse_empty_days(stats["days"], is_empty=lambda day: not day["total"]),
            "day_choices": STATS_DAY_CHOICES,
            "days": days,
            "api_url": reverse("video-stats"),
        }
        return TemplateResponse(request, "admin/videos/stats.html", context)


def _chart(days: list[dict[str, Any]]) -> dict[str, Any]:
    """Geometry of a stacked bar per day (succeeded, failed, cancelled, in flight) for SVG."""
    peak = max((day["total"] for day in days), default=0) or 1
    scale = _CHART_HEIGHT / peak
    bars = []
    for index, day in enumerate(days):
        x = index * (_BAR_WIDTH + _BAR_GAP)
        y = _CHART_HEIGHT
        segments = []
        for key, colour in (
            ("succeeded", "#2e7d32"),
            ("failed", "#c62828"),
            ("cancelled", "#9e9e9e"),
            ("in_flight", "#1565c0"),
        ):
            height = round(day[key] * scale, 1)
            if height:
                y -= height
                segments.append({"y": round(y, 1), "height": height, "colour": colour})
        bars.append(
            {
                "x": x,
                "label": day["date"][5:],
                "title": f"{day['date']}: {day['total']} job(s), "
                f"{day['succeeded']} succeeded, {day['failed']} failed",
                "segments": segments,
                "show_label": index % max(1, len(days) // 10) == 0,
            }
        )
    return {
        "bars": bars,
        "width": len(days) * (_BAR_WIDTH + _BAR_GAP),
        "height": _CHART_HEIGHT,
        "bar_width": _BAR_WIDTH,
        "peak": peak,
    }


class VideoRenditionInline(admin.TabularInline):
    """An asset's web rendition and preview loop (``videos.renditions``), read only."""

    model = VideoRendition
    extra = 0
    can_delete = False
    fields = readonly_fields = [
        "kind",
        "file",
        "bytes",
        "width",
        "height",
        "duration",
        "video_codec",
        "audio_codec",
        "bitrate",
        "seconds",
        "created_at",
    ]

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(VideoAsset)
class VideoAssetAdmin(ReadOnlyModelAdmin):
    inlines = [VideoRenditionInline]
    list_display = [
        "sha256",
        "source_kind",
        "bytes",
        "duration",
        "width",
        "height",
        "created_at",
    ]
    list_filter = ["source_kind"]
    search_fields = ["sha256", "source_url"]
    readonly_fields = [f.name for f in VideoAsset._meta.fields]
