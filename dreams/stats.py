"""Dream analytics: dreams written, moderation decisions and their wait, and reports, per day.

Definitions (the admin's "Dreams and moderation" page shows these):

- **Window**: the last ``days`` calendar days, today included, in ``settings.TIME_ZONE``,
  up to ``now`` (the same window as ``videos.stats``).
- **dreams** / **demo_dreams**: dreams written (``created_at``) that day, by accounts
  and in demo mode; a deleted dream no longer counts.
- **approved** / **rejected**: moderators' decisions taken that day, from the moderation
  history (``ModerationDecision``: every decision, also on a dream decided twice).
- **median_seconds**: the median (continuous, like PostgreSQL's ``percentile_cont``) of
  the seconds from the request to publish (the dream entering the moderation queue) to
  the decision, over that day's decisions; ``None`` without any.
- **reports_opened**: reports made that day; **reports_resolved**: reports a moderator
  closed that day (dismissed or acted on), whenever they were made.

Everything is computed by the database with grouped aggregates (one query per series).
PostgreSQL computes the medians itself; SQLite has no such aggregate, so there each
day's median is read with one ``ORDER BY … LIMIT 2 OFFSET k`` query (a day with
decisions only) and interpolated between those two rows.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, DurationField, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from dreams.models import DecisionKind, DemoDream, Dream, DreamReport, ModerationDecision
from videos.stats import MAX_DAYS, PercentileCont, window_start

SERIES = (
    "dreams",
    "demo_dreams",
    "approved",
    "rejected",
    "reports_opened",
    "reports_resolved",
)


def _wait():
    return F("decided_at") - F("requested_at")


def _per_day(queryset: QuerySet, field: str, **aggregates: Any) -> dict[date, dict[str, Any]]:
    rows = (
        queryset.order_by()
        .annotate(day=TruncDate(field))
        .values("day")
        .annotate(**aggregates)
        .order_by("day")
    )
    return {row.pop("day"): row for row in rows}


def _median_by_offset(decisions: QuerySet[ModerationDecision], count: int) -> timedelta:
    """``percentile_cont(0.5)`` without the aggregate: read only the two middle rows."""
    position = 0.5 * (count - 1)
    lower = math.floor(position)
    values = list(
        decisions.annotate(wait=_wait())
        .order_by("wait")
        .values_list("wait", flat=True)[lower : lower + 2]
    )
    if len(values) == 1 or position == lower:
        return values[0]
    return values[0] + (values[1] - values[0]) * (position - lower)


def _decision_aggregates() -> dict[str, Any]:
    aggregates: dict[str, Any] = {
        "approved": Count("id", filter=Q(decision=DecisionKind.APPROVED)),
        "rejected": Count("id", filter=Q(decision=DecisionKind.REJECTED)),
        "decided": Count("id"),
    }
    if connection.vendor == "postgresql":
        aggregates["median"] = PercentileCont(_wait(), fraction=0.5, output_field=DurationField())
    return aggregates


def _median_seconds(row: dict[str, Any], decisions: QuerySet) -> float | None:
    if not row["decided"]:
        return None
    value = row["median"] if "median" in row else _median_by_offset(decisions, row["decided"])
    return round(value.total_seconds(), 3) if value is not None else None


def dream_stats(*, days: int = 30, now: datetime | None = None) -> dict[str, Any]:
    """The window's figures per day and in total (see the module docstring). Returns::

        {"window": {"days", "since", "until", "timezone"},
         "totals": {SERIES…, "median_seconds"},
         "days": [{"date": date, SERIES…, "median_seconds", "empty": bool}, …]}  # oldest first

    Raises ``ValueError`` unless ``1 <= days <= 366``.
    """
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}.")
    now = now or timezone.now()
    since = window_start(days=days, now=now)

    def window(model, field: str) -> QuerySet:
        return model.objects.filter(**{f"{field}__gte": since, f"{field}__lte": now})

    decisions = window(ModerationDecision, "decided_at")
    series = {
        "dreams": _per_day(window(Dream, "created_at"), "created_at", n=Count("id")),
        "demo_dreams": _per_day(window(DemoDream, "created_at"), "created_at", n=Count("id")),
        "reports_opened": _per_day(window(DreamReport, "created_at"), "created_at", n=Count("id")),
        "reports_resolved": _per_day(
            window(DreamReport, "resolved_at"), "resolved_at", n=Count("id")
        ),
    }
    decided = _per_day(decisions, "decided_at", **_decision_aggregates())
    by_day = decisions.annotate(day=TruncDate("decided_at"))

    first_day = since.date()
    rows = []
    for day in (first_day + timedelta(days=n) for n in range(days)):
        row: dict[str, Any] = {"date": day}
        for name, counts in series.items():
            row[name] = counts.get(day, {}).get("n", 0)
        decision = decided.get(day, {"approved": 0, "rejected": 0, "decided": 0})
        row["approved"], row["rejected"] = decision["approved"], decision["rejected"]
        row["median_seconds"] = _median_seconds(decision, by_day.filter(day=day))
        row["empty"] = not any(row[name] for name in SERIES)
        rows.append(row)

    overall = decisions.aggregate(**_decision_aggregates())
    totals = {name: sum(row[name] for row in rows) for name in SERIES}
    totals["median_seconds"] = _median_seconds(overall, decisions)
    return {
        "window": {
            "days": days,
            "since": since.isoformat(),
            "until": now.isoformat(),
            "timezone": timezone.get_current_timezone_name(),
        },
        "totals": totals,
        "days": rows,
    }
