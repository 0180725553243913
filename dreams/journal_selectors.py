"""Reads that help an owner find dreams in their journal: suggestions for the filters (their
own tags and frequent emotions) and a month of dreams as a calendar.

Each is a constant number of queries whatever the journal's size, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import calendar
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, Q
from django.db.models.expressions import Window
from django.db.models.functions import RowNumber

from common.owners import Owner
from dreams.search import JournalFilters
from dreams.selectors import NO_FILTERS, dream_list

#: Suggestions are read from this many of the newest dreams: recent labels are the likely
#: ones, and the read stays bounded in a journal of any size.
CHOICES_SAMPLE = 500
CHOICES_MAX = 30
#: Titles shown for one day of the calendar (the day's link opens all of them).
CALENDAR_TITLES_PER_DAY = 3


def _most_common(lists: Iterable[object], limit: int) -> list[str]:
    """The strings found most often in ``lists`` (JSON lists), ties in alphabetical order."""
    counts: Counter[str] = Counter()
    for items in lists:
        if isinstance(items, list):
            counts.update({item for item in items if isinstance(item, str) and item.strip()})
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    return [item for item, _ in ranked[:limit]]


@dataclass(frozen=True)
class FilterChoices:
    """What the journal's Tag and Emotion filters suggest, most used first."""

    tags: list[str]
    emotions: list[str]


def dream_filter_choices(*, owner: Owner, limit: int = CHOICES_MAX) -> FilterChoices:
    """The owner's tags and emotions together (one query over their newest
    ``CHOICES_SAMPLE`` dreams); emotions in the lower case the ``emotion`` filter matches."""
    pairs = list(dream_list(owner=owner).values_list("tags", "analysis__emotions")[:CHOICES_SAMPLE])
    return FilterChoices(
        tags=_most_common((tags for tags, _ in pairs), limit),
        emotions=_most_common(_lowered(emotions for _, emotions in pairs), limit),
    )


def _lowered(lists: Iterable[object]) -> Iterable[list[str]]:
    # The lower case the ``emotion`` filter matches.
    return (
        [item.casefold() for item in items if isinstance(item, str)]
        for items in lists
        if isinstance(items, list)
    )


def dream_tag_choices(*, owner: Owner, limit: int = CHOICES_MAX) -> list[str]:
    """The owner's tags, most used first (from their newest ``CHOICES_SAMPLE`` dreams)."""
    # Not "the newest tagged dreams": in a journal with few tags that scans every row.
    tags = dream_list(owner=owner).values_list("tags", flat=True)
    return _most_common(tags[:CHOICES_SAMPLE], limit)


# --- The calendar ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarDream:
    id: uuid.UUID
    title: str


@dataclass(frozen=True)
class CalendarDay:
    """One day with dreams: how many, how many of them had each flag, the first few titles."""

    date: date
    count: int
    lucid: int
    nightmare: int
    recurring: int
    dreams: tuple[CalendarDream, ...]


def month_last_day(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def dream_calendar(
    *, owner: Owner, month: date, filters: JournalFilters = NO_FILTERS
) -> list[CalendarDay]:
    """The days of ``month`` on which the owner dreamt (of dreams matching ``filters``), in
    date order: one aggregate query, and one for the first titles of each day."""
    first = month.replace(day=1)
    in_month = dream_list(owner=owner, filters=filters).filter(
        dreamt_on__gte=first, dreamt_on__lte=month_last_day(first)
    )
    totals = (
        in_month.order_by()
        .values("dreamt_on")
        .annotate(
            dreams=Count("pk"),
            lucid_dreams=Count("pk", filter=Q(lucid=True)),
            nightmares=Count("pk", filter=Q(nightmare=True)),
            recurring_dreams=Count("pk", filter=Q(recurring=True)),
        )
        .order_by("dreamt_on")
    )
    # The newest few of each day, in the journal's order, however many the day holds.
    firsts = (
        in_month.order_by()
        .annotate(
            place=Window(
                RowNumber(),
                partition_by=[F("dreamt_on")],
                order_by=[F("created_at").desc(), F("id").desc()],
            )
        )
        .filter(place__lte=CALENDAR_TITLES_PER_DAY)
        .order_by("place")
        .values_list("dreamt_on", "id", "title")
    )
    titles: dict[date, list[CalendarDream]] = {}
    for day, dream_id, title in firsts:
        titles.setdefault(day, []).append(CalendarDream(id=dream_id, title=title))
    return [
        CalendarDay(
            date=row["dreamt_on"],
            count=row["dreams"],
            lucid=row["lucid_dreams"],
            nightmare=row["nightmares"],
            recurring=row["recurring_dreams"],
            dreams=tuple(titles.get(row["dreamt_on"], ())),
        )
        for row in totals
    ]
