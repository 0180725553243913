"""The insights page: the caller's journal in charts, each with a table of its numbers.

Server-rendered from ``dreams.insights`` (no JavaScript needed); the same numbers are
``GET /api/insights``. Anonymous visitors see their demo journal's insights.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe
from rest_framework.exceptions import ValidationError

from common.owners import Owner
from dreams import charts
from dreams.api.insights import insights_query
from dreams.insights import MONTHS, RECURRING_MIN_DREAMS, WEEKS_DEFAULT, Insights, dream_insights

WEEK_CHOICES = (WEEKS_DEFAULT, 26, 52)


@require_safe
@ensure_csrf_cookie
def insights(request: HttpRequest) -> HttpResponse:
    """Dreams per week, streaks, lucid and nightmare rates, emotions and symbols by month,
    recurring symbols and public dreams; ``?weeks=`` widens the weekly charts."""
    try:
        weeks = insights_query(request.GET)["weeks"]
    except ValidationError:  # a hand-edited link: show the default window
        weeks = WEEKS_DEFAULT
    owner = Owner.from_request(request)
    offline = False
    try:
        found = dream_insights(owner=owner, weeks=weeks)
    except DatabaseError:  # the page stays up, and says why it is empty
        found, offline = dream_insights(owner=None, weeks=weeks), True
    context = {
        "insights": found,
        "charts": insight_charts(found),
        "window": _window(found),
        "weeks": weeks,
        "week_choices": WEEK_CHOICES,
        "months_count": MONTHS,
        "recurring_min": RECURRING_MIN_DREAMS,
        "is_demo": not request.user.is_authenticated,
        "offline": offline,
    }
    return render(request, "dreams/insights.html", context)


def _day(day: date) -> str:
    return f"{day.day} {day:%b}"


def _dreams(count: int) -> str:
    return f"{count} dream{'' if count == 1 else 's'}"


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.0%}"


def _window(found: Insights) -> dict[str, Any]:
    """The weekly window's totals (the tiles and the rate chart's summary)."""
    dreams = found.window_dreams
    lucid = sum(week.lucid for week in found.weekly)
    nightmares = sum(week.nightmares for week in found.weekly)
    return {
        "dreams": dreams,
        "lucid": lucid,
        "nightmares": nightmares,
        "lucid_rate": lucid / dreams if dreams else None,
        "nightmare_rate": nightmares / dreams if dreams else None,
    }


def insight_charts(found: Insights) -> dict[str, SafeString | list[SafeString]]:
    """The page's SVG charts, each described in words for those who cannot see it."""
    weekly = found.weekly
    labels = [_day(week.start) for week in weekly]
    span = f"{_day(weekly[0].start)} to {_day(weekly[-1].end)}"
    busiest = max(weekly, key=lambda week: (week.dreams, week.start))
    window = _window(found)
    weekly_desc = (
        f"{_dreams(window['dreams'])} in the {len(weekly)} weeks from {span}; the most, "
        f"{busiest.dreams}, in the week of {_day(busiest.start)}."
        if window["dreams"]
        else f"No dreams in the {len(weekly)} weeks from {span}."
    )
    month_labels = [f"{month:%b}" for month in found.months]
    return {
        "weekly": charts.column_chart(
            chart_id="chart-weekly",
            title=f"Dreams per week, last {len(weekly)} weeks",
            description=weekly_desc,
            labels=labels,
            values=[week.dreams for week in weekly],
            highlight=len(weekly) - 1,
        ),
        "rates": charts.line_chart(
            chart_id="chart-rates",
            title="Share of each week's dreams that were lucid, and nightmares",
            description=(
                f"Over the {len(weekly)} weeks from {span}, "
                f"{_percent(window['lucid_rate'])} of dreams were lucid and "
                f"{_percent(window['nightmare_rate'])} were nightmares. "
                "Weeks without dreams have no point."
            ),
            labels=labels,
            series=[
                charts.Series("Lucid", [w.lucid_rate for w in weekly], "lucid"),
                charts.Series("Nightmares", [w.nightmare_rate for w in weekly], "nightmare"),
            ],
        ),
        "emotions": _multiples("emotion", found.emotions, month_labels, tone="accent"),
        "symbols": _multiples("symbol", found.symbols, month_labels, tone="teal"),
        "recurring": charts.bar_list(
            chart_id="chart-recurring",
            title="Symbols that keep coming back",
            description="; ".join(
                f"{symbol.name}: {_dreams(symbol.dreams)}, last on "
                f"{_day(symbol.last_dreamt_on)} {symbol.last_dreamt_on.year}"
                for symbol in found.recurring_symbols
            )
            + ".",
            rows=[(s.name, s.dreams, s.family) for s in found.recurring_symbols],
        )
        if found.recurring_symbols
        else "",
    }


def _multiples(kind: str, terms, month_labels: list[str], *, tone: str) -> list[SafeString]:
    """One small chart per emotion or symbol, all on one scale."""
    maximum = max((value for term in terms for value in term.monthly), default=0)
    return [
        charts.spark_columns(
            chart_id=f"chart-{kind}-{n}",
            title=f"{term.name}: {_dreams(term.dreams)} in the last {len(month_labels)} months",
            description="By month: "
            + ", ".join(
                f"{label} {value}" for label, value in zip(month_labels, term.monthly, strict=True)
            )
            + ".",
            name=term.name,
            total=term.dreams,
            labels=month_labels,
            values=term.monthly,
            maximum=maximum,
            tone=tone,
        )
        for n, term in enumerate(terms)
    ]
