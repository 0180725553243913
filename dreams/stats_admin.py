"""The admin's "Dreams and moderation" analytics page (``/admin/dreams/dream/stats/``).

Renders ``dreams.stats.dream_stats``, empty days collapsed, beside a link to the video
generation analytics (``videos``, which knows nothing of dreams, cannot link here).
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse

from common.days import collapse_empty_days
from dreams.stats import dream_stats

STATS_DAY_CHOICES = (7, 30, 90)


def duration_text(seconds: float | None) -> str:
    """A wait as people say it: "45 s", "12 min", "3 h 5 min", "2 d 4 h"; "—" for none."""
    if seconds is None:
        return "—"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def dream_stats_view(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    """Dreams per day, moderation decisions and their median wait, reports opened/resolved."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    try:
        days = int(request.GET.get("days", 30))
    except ValueError:
        days = 30
    days = days if days in STATS_DAY_CHOICES else 30
    stats = dream_stats(days=days)
    rows = collapse_empty_days(stats["days"])
    for row in rows:
        if not row["empty"]:
            row["median_text"] = duration_text(row["median_seconds"])
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": "Dreams and moderation analytics",
        "stats": stats,
        "rows": rows,
        "median_text": duration_text(stats["totals"]["median_seconds"]),
        "day_choices": STATS_DAY_CHOICES,
        "days": days,
        "videos_url": reverse("admin:videos_videojob_stats") + f"?days={days}",
    }
    return TemplateResponse(request, "admin/dreams/stats.html", context)
