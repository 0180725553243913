"""Tables of days that stay short: runs of quiet days folded into one row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def collapse_empty_days(
    days: list[dict[str, Any]],
    *,
    is_empty: Callable[[dict[str, Any]], bool] = lambda day: bool(day["empty"]),
) -> list[dict[str, Any]]:
    """``days`` (oldest first, each with a ``date``) newest first, each run of days
    without any activity as one row ``{"empty": True, "first": date, "last": date}``
    (a single empty day too); days with activity are given back as they are."""
    rows: list[dict[str, Any]] = []
    for day in reversed(days):
        if not is_empty(day):
            rows.append(day)
        elif rows and rows[-1].get("empty") is True and "first" in rows[-1]:
            rows[-1]["first"] = day["date"]  # going back in time: the run starts earlier
        else:
            rows.append({"empty": True, "first": day["date"], "last": day["date"]})
    return rows
