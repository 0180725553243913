"""Insights into a journal: rhythm, streaks, lucid and nightmare rates, emotions, symbols.

``dream_insights(*, owner, today=None, weeks=WEEKS_DEFAULT)`` reads everything the
insights page and ``GET /api/insights`` show, with SQL aggregates in a constant number
of queries (``QUERY_COUNT``, whatever the journal's size or the window), on PostgreSQL
and on SQLite alike.

Windows (counted back from ``today``, the server's local date unless given):

* **weekly** series (dreams, lucid dreams, nightmares, and their rates): the last
  ``weeks`` ISO weeks (Monday first), the current one included; 12 by default, 4 to 52;
* **emotions and symbols**: the last ``MONTHS`` calendar months, the current one
  included; the ``TOP_TERMS`` most frequent, each with its count per month;
* **totals, streaks and recurring symbols**: the whole journal.

A dream counts once per emotion or symbol however often its analysis lists it. Names are
compared trimmed and lower-cased (ASCII only on SQLite). A dream's symbols are its
analysis' ``symbols`` (``{"name", "family"}`` objects); a dream analysed before symbols
existed (no ``symbols`` key) lends its ``keywords`` instead. Items that are not strings
(or objects without a string ``name``), and analyses that are not objects, are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, Max, Min, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from common.owners import Owner
from dreams.models import ModerationStatus, VideoStatus
from dreams.ownership import dream_model_for, dreams_of

WEEKS_DEFAULT, WEEKS_MIN, WEEKS_MAX = 12, 4, 52
MONTHS = 6
TOP_TERMS = 6
#: A symbol is recurring once it appears in this many of the owner's dreams.
RECURRING_MIN_DREAMS = 3
RECURRING_LIMIT = 10
#: Totals, weekly series, streaks, emotions, symbols, recurring symbols: one query each.
QUERY_COUNT = 6


# --- What the insights are -----------------------------------------------------------------


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class Totals:
    """The whole journal."""

    dreams: int = 0
    lucid: int = 0
    nightmares: int = 0
    public: int = 0  # the owner asked to share them
    in_gallery: int = 0  # public, approved by a moderator and with a ready video
    first_dreamt_on: date | None = None
    last_dreamt_on: date | None = None

    @property
    def lucid_rate(self) -> float | None:
        return _rate(self.lucid, self.dreams)

    @property
    def nightmare_rate(self) -> float | None:
        return _rate(self.nightmares, self.dreams)


@dataclass(frozen=True)
class Streaks:
    """Runs of consecutive days with at least one dream.

    The current streak is the run that reaches today or yesterday (a dream not yet
    written this morning does not break it); otherwise 0.
    """

    current: int = 0
    current_from: date | None = None
    longest: int = 0
    longest_from: date | None = None
    longest_to: date | None = None


@dataclass(frozen=True)
class Week:
    start: date  # a Monday
    dreams: int = 0
    lucid: int = 0
    nightmares: int = 0

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    @property
    def lucid_rate(self) -> float | None:
        """Share of the week's dreams that were lucid; ``None`` for a week without dreams."""
        return _rate(self.lucid, self.dreams)

    @property
    def nightmare_rate(self) -> float | None:
        return _rate(self.nightmares, self.dreams)


@dataclass(frozen=True)
class Term:
    """An emotion or symbol: the dreams it appears in over the months window, and per month."""

    name: str
    dreams: int
    monthly: tuple[int, ...]  # aligned with ``Insights.months``
    family: str = ""  # symbols only; of several families given, the alphabetically last


@dataclass(frozen=True)
class RecurringSymbol:
    name: str
    family: str
    dreams: int
    first_dreamt_on: date
    last_dreamt_on: date


@dataclass(frozen=True)
class Insights:
    today: date
    weekly: tuple[Week, ...]
    months: tuple[date, ...]  # first days of the months window, oldest first
    totals: Totals = Totals()
    streaks: Streaks = Streaks()
    emotions: tuple[Term, ...] = ()
    symbols: tuple[Term, ...] = ()
    recurring_symbols: tuple[RecurringSymbol, ...] = ()

    @property
    def is_empty(self) -> bool:
        return self.totals.dreams == 0

    @property
    def window_dreams(self) -> int:
        """Dreams in the weekly window."""
        return sum(week.dreams for week in self.weekly)


# --- Windows -------------------------------------------------------------------------------


def week_starts(*, today: date, weeks: int) -> tuple[date, ...]:
    """The Mondays of the last ``weeks`` weeks, oldest first, this week's last."""
    monday = today - timedelta(days=today.weekday())
    return tuple(monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1))


def month_starts(*, today: date, months: int = MONTHS) -> tuple[date, ...]:
    """The first days of the last ``months`` months, oldest first, this month's last."""
    index = today.year * 12 + today.month - 1
    return tuple(
        date((index - n) // 12, (index - n) % 12 + 1, 1) for n in range(months - 1, -1, -1)
    )


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


# --- The selector --------------------------------------------------------------------------


def dream_insights(
    *, owner: Owner | None, today: date | None = None, weeks: int = WEEKS_DEFAULT
) -> Insights:
    """The owner's insights (``QUERY_COUNT`` queries; none for ``owner=None``, an anonymous
    visitor without a demo journal, whose insights are empty).

    Raises ``ValueError`` when ``weeks`` is outside ``WEEKS_MIN``..``WEEKS_MAX``.
    """
    if not WEEKS_MIN <= weeks <= WEEKS_MAX:
        raise ValueError(f"weeks must be from {WEEKS_MIN} to {WEEKS_MAX}")
    today = today or timezone.localdate()
    mondays = week_starts(today=today, weeks=weeks)
    months = month_starts(today=today)
    if owner is None:
        return Insights(today=today, weekly=tuple(Week(start=m) for m in mondays), months=months)
    model = dream_model_for(owner)
    journal = model.objects.filter(**dreams_of(owner)).order_by()
    in_months = journal.filter(dreamt_on__gte=months[0], dreamt_on__lt=_next_month(months[-1]))
    return Insights(
        today=today,
        weekly=_weekly(journal, mondays),
        months=months,
        totals=_totals(journal),
        streaks=_streaks(journal, today),
        emotions=_terms(in_months, months, key="emotions"),
        symbols=_terms(in_months, months, key="symbols"),
        recurring_symbols=_recurring_symbols(journal),
    )


def _totals(journal: QuerySet) -> Totals:
    shown = Q(
        is_public=True,
        moderation_status=ModerationStatus.APPROVED,
        video_status=VideoStatus.READY,
        video_asset__isnull=False,
    )
    if any(field.name == "hidden_by_reports" for field in journal.model._meta.fields):
        shown &= Q(hidden_by_reports=False)  # hidden while a moderator reviews reports
    row = journal.aggregate(
        dreams=Count("pk"),
        lucid=Count("pk", filter=Q(lucid=True)),
        nightmares=Count("pk", filter=Q(nightmare=True)),
        public=Count("pk", filter=Q(is_public=True)),
        in_gallery=Count("pk", filter=shown),
        first_dreamt_on=Min("dreamt_on"),
        last_dreamt_on=Max("dreamt_on"),
    )
    return Totals(**row)


def _weekly(journal: QuerySet, mondays: tuple[date, ...]) -> tuple[Week, ...]:
    rows = (
        journal.filter(dreamt_on__gte=mondays[0], dreamt_on__lte=mondays[-1] + timedelta(days=6))
        .annotate(week=TruncWeek("dreamt_on"))
        .values("week")
        .annotate(
            dreams=Count("pk"),
            lucid=Count("pk", filter=Q(lucid=True)),
            nightmares=Count("pk", filter=Q(nightmare=True)),
        )
    )
    found = {_day(row.pop("week")): row for row in rows}
    return tuple(Week(start=monday, **found.get(monday, {})) for monday in mondays)


# --- Raw SQL: what the ORM cannot say on both databases --------------------------------------
#
# Each statement wraps the owner's rows as the ORM selects them (table, owner column and
# window filters stay the ORM's) in a CTE, then uses what differs per database: a date's
# day number, a month's first day, and a JSON array's items (jsonb_array_elements on
# PostgreSQL, json_each on SQLite), each in one place below.


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _sql(queryset: QuerySet) -> tuple[str, tuple]:
    return queryset.query.sql_with_params()


def _island(day: str) -> str:
    """Constant along a run of consecutive days: the day's number minus its row number."""
    row = f"ROW_NUMBER() OVER (ORDER BY {day})"
    return f"{day} - CAST({row} AS integer)" if _postgres() else f"julianday({day}) - {row}"


def _month_of(column: str) -> str:
    if _postgres():
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


def _items(key: str) -> str:
    """The items ``item`` of the array ``analysis[key]`` of a row of ``d`` (a table function),
    the analysis' ``keywords`` standing in for ``symbols`` where a dream has no symbols."""
    if _postgres():

        def array(name: str) -> str:
            path = f"d.analysis -> '{name}'"
            return f"CASE WHEN jsonb_typeof({path}) = 'array' THEN {path} END"

        arrays = [array(key)] + ([array("keywords")] if key == "symbols" else [])
        return f"jsonb_array_elements(COALESCE({', '.join(arrays)}, '[]'::jsonb)) AS item(value)"

    def array(name: str) -> str:
        path = f"'$.{name}'"
        return (
            f"CASE WHEN json_type(d.analysis, {path}) = 'array' "
            f"THEN json_extract(d.analysis, {path}) END"
        )

    arrays = [array(key)] + ([array("keywords")] if key == "symbols" else [])
    return f"json_each(COALESCE({', '.join(arrays)}, '[]')) AS item"


def _item_text(field: str) -> str:
    """An item's name: the item itself when a string, its string ``field`` when an object."""
    if _postgres():
        return (
            "CASE jsonb_typeof(item.value) WHEN 'string' THEN item.value #>> '{}' "
            f"WHEN 'object' THEN CASE WHEN jsonb_typeof(item.value -> '{field}') = 'string' "
            f"THEN item.value ->> '{field}' END END"
        )
    return (
        "CASE item.type WHEN 'text' THEN item.value "
        f"WHEN 'object' THEN CASE WHEN json_type(item.value, '$.{field}') = 'text' "
        f"THEN json_extract(item.value, '$.{field}') END END"
    )


def _item_family() -> str:
    """A symbol object's string ``family`` ("" for anything else)."""
    if _postgres():
        return (
            "CASE WHEN jsonb_typeof(item.value) = 'object' "
            "AND jsonb_typeof(item.value -> 'family') = 'string' "
            "THEN item.value ->> 'family' ELSE '' END"
        )
    return (
        "CASE WHEN item.type = 'object' AND json_type(item.value, '$.family') = 'text' "
        "THEN json_extract(item.value, '$.family') ELSE '' END"
    )


def _mentions_cte(rows: QuerySet, key: str) -> tuple[str, tuple]:
    """``WITH ... mentions (name, id, dreamt_on, family)``: one row per named item and dream
    (an item listed twice in a dream is one mention), so counts are plain ``COUNT(*)``."""
    base, params = _sql(rows.values("pk", "dreamt_on", "analysis"))
    name, family = f"LOWER(TRIM({_item_text('name')}))", _item_family()
    if _postgres():
        # Each dream's few items are grouped on their own (LATERAL): the outer aggregates
        # then stay small in memory whatever the planner guesses of the arrays' lengths.
        mentions = (
            "SELECT m.name, d.id, d.dreamt_on, m.family FROM d CROSS JOIN LATERAL "  # noqa: S608
            f"(SELECT {name} AS name, MAX({family}) AS family FROM {_items(key)} "
            "GROUP BY 1) AS m WHERE m.name <> ''"
        )
    else:
        mentions = (
            "SELECT name, id, MIN(dreamt_on), MAX(family) FROM ("  # noqa: S608
            f"SELECT {name} AS name, d.id AS id, d.dreamt_on AS dreamt_on, {family} AS family "
            f"FROM d CROSS JOIN {_items(key)}) WHERE name <> '' GROUP BY name, id"
        )
    sql = (
        f"WITH d (id, dreamt_on, analysis) AS ({base}), "
        f"mentions (name, id, dreamt_on, family) AS ({mentions})"
    )
    return sql, params


def _fetch(sql: str, params: tuple) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _streaks(journal: QuerySet, today: date) -> Streaks:
    days, params = _sql(journal.values("dreamt_on").distinct())
    sql = (
        f"WITH days (day) AS ({days}), "  # noqa: S608 - our own fragments; values are parameters
        f"islands (day, island) AS (SELECT day, {_island('day')} FROM days), "
        "runs (first_day, last_day, length) AS "
        "(SELECT MIN(day), MAX(day), COUNT(*) FROM islands GROUP BY island) "
        "SELECT * FROM (SELECT first_day, last_day, length FROM runs "
        "ORDER BY last_day DESC LIMIT 1) AS latest "
        "UNION ALL "
        "SELECT * FROM (SELECT first_day, last_day, length FROM runs "
        "ORDER BY length DESC, last_day DESC LIMIT 1) AS longest"
    )
    rows = _fetch(sql, params)
    if not rows:
        return Streaks()
    (latest_from, latest_to, latest), (longest_from, longest_to, longest) = rows
    ongoing = _day(latest_to) >= today - timedelta(days=1)
    return Streaks(
        current=latest if ongoing else 0,
        current_from=_day(latest_from) if ongoing else None,
        longest=longest,
        longest_from=_day(longest_from),
        longest_to=_day(longest_to),
    )


def _terms(rows: QuerySet, months: tuple[date, ...], *, key: str) -> tuple[Term, ...]:
    """The ``TOP_TERMS`` emotions or symbols of ``rows``, with their dreams per month."""
    mentions, params = _mentions_cte(rows, key)
    month = _month_of("dreamt_on")
    sql = (
        f"{mentions}, "  # noqa: S608 - our own fragments; values are parameters
        "top (name, total, family) AS (SELECT name, COUNT(*), MAX(family) "
        "FROM mentions GROUP BY name ORDER BY 2 DESC, 1 LIMIT %s), "
        f"per_month (month, name, dreams) AS (SELECT {month}, name, COUNT(*) "
        f"FROM mentions GROUP BY {month}, name) "
        "SELECT top.name, top.total, top.family, per_month.month, per_month.dreams "
        "FROM top JOIN per_month ON per_month.name = top.name "
        "ORDER BY top.total DESC, top.name"
    )
    index = {month: n for n, month in enumerate(months)}
    terms: dict[str, dict[str, Any]] = {}
    for name, total, family, month, dreams in _fetch(sql, (*params, TOP_TERMS)):
        term = terms.setdefault(
            name, {"total": total, "family": family or "", "monthly": [0] * len(months)}
        )
        if (n := index.get(_day(month))) is not None:
            term["monthly"][n] = dreams
    return tuple(
        Term(name=name, dreams=t["total"], monthly=tuple(t["monthly"]), family=t["family"])
        for name, t in terms.items()
    )


def _recurring_symbols(journal: QuerySet) -> tuple[RecurringSymbol, ...]:
    mentions, params = _mentions_cte(journal, "symbols")
    sql = (
        f"{mentions} "  # noqa: S608 - our own fragments; values are parameters
        "SELECT name, MAX(family), COUNT(*), MIN(dreamt_on), MAX(dreamt_on) "
        "FROM mentions GROUP BY name HAVING COUNT(*) >= %s "
        "ORDER BY 3 DESC, 5 DESC, 1 LIMIT %s"
    )
    rows = _fetch(sql, (*params, RECURRING_MIN_DREAMS, RECURRING_LIMIT))
    return tuple(
        RecurringSymbol(
            name=name,
            family=family or "",
            dreams=dreams,
            first_dreamt_on=_day(first),
            last_dreamt_on=_day(last),
        )
        for name, family, dreams, first, last in rows
    )


def _day(value: date | datetime | str | None) -> date | None:
    """A date as either database returns it (SQLite: ISO text; a truncation: a datetime)."""
    if value is None or type(value) is date:
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])
