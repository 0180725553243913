"""Video job analytics: how many jobs ran, how many worked, and how long a video took.

Definitions (the admin page and ``GET /api/videos/stats`` show the same numbers):

- **Window**: jobs *created* (requested) on the last ``days`` calendar days, today
  included, in ``settings.TIME_ZONE``, up to ``now``. Every job counts once, on the
  day and under the provider it has now (a RunwayML job that fell back to the demo
  renderer counts as ``demo``). All kinds count: generations (``runway``, ``demo``)
  and copies of videos made elsewhere (``upload``, ``url``).
- **total**: jobs in the window, whatever their state; **in_flight**: still queued,
  running or ingesting; **succeeded** / **failed** / **cancelled**: finished that way.
  A job that timed out is *failed* (error code ``timed_out``).
- **success_rate**: succeeded / (succeeded + failed), between 0 and 1 (4 decimals),
  ``None`` when no job has succeeded or failed yet. Cancelled jobs are left out
  (someone chose to stop them; that says nothing about the provider), and so are
  jobs in flight.
- **failures_by_error_code**: failed jobs counted by ``error_code``.
- **p50_seconds** / **p95_seconds**: percentiles (continuous, linearly interpolated,
  like PostgreSQL's ``percentile_cont``) of the seconds from the request
  (``created_at``) to the video stored in our storage (``finished_at``), over
  succeeded jobs; ``None`` without any. Rounded to milliseconds.

Everything is computed by the database with grouped aggregate queries. PostgreSQL
computes the percentiles itself (``percentile_cont … WITHIN GROUP``); SQLite has no
such aggregate, so there each percentile of each group is read with one
``ORDER BY … LIMIT 2 OFFSET k`` query and interpolated between those two rows.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, F, FloatField, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from videos.models import (
    ACTIVE_JOB_STATUSES,
    JobStatus,
    RenditionKind,
    VideoAsset,
    VideoJob,
    VideoRendition,
)

PERCENTILES = {"p50_seconds": 0.5, "p95_seconds": 0.95}
MAX_DAYS = 366
_COUNTED = ("total", "in_flight", "succeeded", "failed", "cancelled")


class PercentileCont(Aggregate):
    """PostgreSQL's ``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)``."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)%(filter)s"
    arity = 1

    def __init__(self, expression, *, fraction: float, **extra: Any) -> None:
        fraction = float(fraction)
        if not 0.0 <= fraction <= 1.0:
            raise ValueError("A percentile is a fraction between 0 and 1.")
        # A validated float rendered by us, never user text: safe to inline in the SQL.
        super().__init__(expression, fraction=repr(fraction), **extra)


def _elapsed():
    """From the request to the stored video, as a duration expression."""
    return F("finished_at") - F("created_at")


_SUCCEEDED_WITH_TIME = Q(status=JobStatus.SUCCEEDED, finished_at__isnull=False)


def _aggregates() -> dict[str, Any]:
    aggregates: dict[str, Any] = {
        "total": Count("id"),
        "in_flight": Count("id", filter=Q(status__in=ACTIVE_JOB_STATUSES)),
        "succeeded": Count("id", filter=Q(status=JobStatus.SUCCEEDED)),
        "failed": Count("id", filter=Q(status=JobStatus.FAILED)),
        "cancelled": Count("id", filter=Q(status=JobStatus.CANCELLED)),
        "timed": Count("id", filter=_SUCCEEDED_WITH_TIME),
    }
    if connection.vendor == "postgresql":
        for name, fraction in PERCENTILES.items():
            aggregates[name] = PercentileCont(
                _elapsed(),
                fraction=fraction,
                filter=_SUCCEEDED_WITH_TIME,
                output_field=DurationField(),
            )
    return aggregates


def _percentile_by_offset(jobs: QuerySet[VideoJob], *, count: int, fraction: float) -> timedelta:
    """``percentile_cont`` without the aggregate: read only the two neighbouring rows."""
    position = fraction * (count - 1)
    lower = math.floor(position)
    values = list(
        jobs.filter(_SUCCEEDED_WITH_TIME)
        .annotate(elapsed=_elapsed())
        .order_by("elapsed")
        .values_list("elapsed", flat=True)[lower : lower + 2]
    )
    if len(values) == 1 or position == lower:
        return values[0]
    return values[0] + (values[1] - values[0]) * (position - lower)


def _summary(row: dict[str, Any], jobs: QuerySet[VideoJob]) -> dict[str, Any]:
    """One group's numbers from its aggregate row (``jobs``: the group's rows, for SQLite)."""
    finished = row["succeeded"] + row["failed"]
    summary: dict[str, Any] = {name: row[name] for name in _COUNTED}
    summary["success_rate"] = round(row["succeeded"] / finished, 4) if finished else None
    summary["failures_by_error_code"] = {}
    for name, fraction in PERCENTILES.items():
        if name in row:
            value = row[name]
        elif row["timed"]:
            value = _percentile_by_offset(jobs, count=row["timed"], fraction=fraction)
        else:
            value = None
        summary[name] = round(value.total_seconds(), 3) if value is not None else None
    return summary


def _empty_summary() -> dict[str, Any]:
    return _summary({name: 0 for name in (*_COUNTED, "timed")}, VideoJob.objects.none())


def window_start(*, days: int, now: datetime) -> datetime:
    """Local midnight ``days - 1`` days before ``now``'s day: the first instant counted."""
    first_day = timezone.localtime(now).date() - timedelta(days=days - 1)
    return timezone.make_aware(datetime.combine(first_day, time.min))


def video_job_stats(*, days: int = 30, now: datetime | None = None) -> dict[str, Any]:
    """Counts, success rates, failures by code and p50/p95 times of the window's jobs.

    See the module docstring for every definition. Returns::

        {"window": {"days", "since", "until", "timezone"},
         "overall": SUMMARY,
         "providers": [{"provider": name, **SUMMARY}, …],  # providers with jobs, by name
         "days": [{"date": "YYYY-MM-DD", **SUMMARY}, …]}   # every day, oldest first

    where SUMMARY is ``{total, in_flight, succeeded, failed, cancelled,
    success_rate, failures_by_error_code, p50_seconds, p95_seconds}``.
    Raises ``ValueError`` unless ``1 <= days <= 366``.
    """
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}.")
    now = now or timezone.now()
    since = window_start(days=days, now=now)
    jobs = VideoJob.objects.filter(created_at__gte=since, created_at__lte=now).order_by()
    by_day = jobs.annotate(day=TruncDate("created_at"))

    overall = _summary(jobs.aggregate(**_aggregates()), jobs)
    providers = {
        row["provider"]: _summary(row, jobs.filter(provider=row["provider"]))
        for row in jobs.values("provider").annotate(**_aggregates()).order_by("provider")
    }
    day_rows = {
        row["day"]: _summary(row, by_day.filter(day=row["day"]))
        for row in by_day.values("day").annotate(**_aggregates()).order_by("day")
    }

    failures = (
        by_day.filter(status=JobStatus.FAILED)
        .values("provider", "day", "error_code")
        .annotate(n=Count("id"))
        .order_by()
    )
    codes: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in failures:  # one row per (provider, day, code): a handful, not one per job
        code = row["error_code"] or "unknown"
        for key in (None, row["provider"], row["day"]):
            codes[key][code] += row["n"]
    overall["failures_by_error_code"] = dict(sorted(codes[None].items()))
    for key, summary in (*providers.items(), *day_rows.items()):
        summary["failures_by_error_code"] = dict(sorted(codes.get(key, {}).items()))

    first_day: date = since.date()
    return {
        "window": {
            "days": days,
            "since": since.isoformat(),
            "until": now.isoformat(),
            "timezone": timezone.get_current_timezone_name(),
        },
        "overall": overall,
        "providers": [{"provider": name, **summary} for name, summary in providers.items()],
        "days": [
            {"date": day.isoformat(), **day_rows.get(day, _empty_summary())}
            for day in (first_day + timedelta(days=n) for n in range(days))
        ],
    }


# --- Storage and renditions (videos.renditions) --------------------------------------------


def _float_percentile(values: QuerySet, field: str, *, count: int, fraction: float) -> float:
    """``percentile_cont`` of ``field`` over ``values`` (``count`` non-null rows) by offset."""
    position = fraction * (count - 1)
    lower = math.floor(position)
    pair = list(
        values.exclude(**{f"{field}__isnull": True})
        .order_by(field)
        .values_list(field, flat=True)[lower : lower + 2]
    )
    if len(pair) == 1 or position == lower:
        return pair[0]
    return pair[0] + (pair[1] - pair[0]) * (position - lower)


def video_storage_stats() -> dict[str, Any]:
    """What our storage holds and what renditions save, over every stored video (all time).

    Returns::

        {"assets": n, "assets_with_renditions": n, "web_renditions": n,
         "bytes_stored": {"originals", "web", "preview", "total"},
         "bytes_saved": bytes a viewer no longer downloads: each original minus its web
                        rendition, summed over the videos that have one,
         "saved_fraction": bytes_saved / those originals' bytes (4 decimals) or None,
         "rendition_seconds": {"p50", "p95": seconds to make one video's renditions,
                               "per_video_second": their total over the videos' seconds}}

    Percentiles as ``video_job_stats``'s (``percentile_cont``); ``None`` with no data.
    """
    assets = VideoAsset.objects.order_by()
    originals = assets.aggregate(
        count=Count("id"),
        bytes=Coalesce(Sum("bytes"), 0),
        made=Count("id", filter=Q(renditions_at__isnull=False, renditions_error="")),
        timed=Count("id", filter=Q(renditions_seconds__isnull=False)),
        seconds=Sum("renditions_seconds"),
        video_seconds=Sum("duration", filter=Q(renditions_seconds__isnull=False)),
    )
    by_kind = {
        row["kind"]: row
        for row in VideoRendition.objects.order_by()
        .values("kind")
        .annotate(n=Count("id"), bytes=Sum("bytes"))
    }
    web = VideoRendition.objects.filter(kind=RenditionKind.WEB).aggregate(
        rendered=Coalesce(Sum("bytes"), 0), originals=Coalesce(Sum("asset__bytes"), 0)
    )
    saved = web["originals"] - web["rendered"]
    stored = {
        "originals": originals["bytes"],
        "web": by_kind.get(RenditionKind.WEB, {}).get("bytes") or 0,
        "preview": by_kind.get(RenditionKind.PREVIEW, {}).get("bytes") or 0,
    }
    stored["total"] = sum(stored.values())
    timed = originals["timed"]
    percentiles: dict[str, float | None] = {}
    for name, fraction in PERCENTILES.items():
        if not timed:
            percentiles[name.removesuffix("_seconds")] = None
        elif connection.vendor == "postgresql":
            value = assets.aggregate(
                p=PercentileCont(
                    F("renditions_seconds"),
                    fraction=fraction,
                    filter=Q(renditions_seconds__isnull=False),
                    output_field=FloatField(),
                )
            )["p"]
            percentiles[name.removesuffix("_seconds")] = round(value, 3)
        else:
            value = _float_percentile(assets, "renditions_seconds", count=timed, fraction=fraction)
            percentiles[name.removesuffix("_seconds")] = round(value, 3)
    video_seconds = originals["video_seconds"] or 0
    return {
        "assets": originals["count"],
        "assets_with_renditions": originals["made"],
        "web_renditions": by_kind.get(RenditionKind.WEB, {}).get("n", 0),
        "bytes_stored": stored,
        "bytes_saved": saved,
        "saved_fraction": round(saved / web["originals"], 4) if web["originals"] else None,
        "rendition_seconds": {
            **percentiles,
            "per_video_second": (
                round(originals["seconds"] / video_seconds, 4) if video_seconds else None
            ),
        },
    }
