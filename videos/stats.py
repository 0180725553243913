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
from django.db.models import Aggregate, Count, DurationField, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from videos.models import ACTIVE_JOB_STATUSES, JobStatus, VideoJob

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
