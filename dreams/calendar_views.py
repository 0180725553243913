"""The journal as a calendar: a month grid (a list of days on phones), each day with dreams
opening the journal filtered to that day. Rendered on the server; no JavaScript needed."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe
from rest_framework.exceptions import ValidationError

from common.owners import Owner
from dreams.api.calendar import MonthField, calendar_first_month, calendar_last_month, month_shift
from dreams.journal_selectors import CalendarDay, dream_calendar
from dreams.page_filters import DATE_NAMES, PageFilters, page_filters

WEEKDAYS = [(calendar.day_abbr[i], calendar.day_name[i]) for i in range(7)]  # Monday first


@dataclass(frozen=True)
class CalendarCell:
    """One square of the month grid."""

    date: date
    in_month: bool
    is_today: bool
    day: CalendarDay | None  # None: no dreams (or not this month)
    url: str  # the journal filtered to this day ("" without dreams)

    @property
    def more(self) -> int:
        """Dreams of the day beyond the titles shown."""
        return self.day.count - len(self.day.dreams) if self.day else 0


def _month_key(month: date) -> str:
    return MonthField().to_representation(month)


def _month(request: HttpRequest, today: date) -> tuple[date, str]:
    """The month asked for (this month by default, or when the one asked for cannot be
    shown), and why it could not be shown."""
    this_month = today.replace(day=1)
    text = request.GET.get("month", "").strip()
    if not text:
        return this_month, ""
    try:
        return MonthField().to_internal_value(text), ""
    except ValidationError as invalid:
        return this_month, f"Month: {' '.join(map(str, invalid.detail))}"


def _day_url(page: PageFilters, day: date) -> str:
    iso = day.isoformat()
    return page.url(reverse("journal"), drop=DATE_NAMES, dreamt_from=iso, dreamt_to=iso)


@require_safe
@ensure_csrf_cookie
def journal_calendar(request: HttpRequest) -> HttpResponse:
    """A month of the caller's journal (``?month=YYYY-MM``), narrowed by the journal's filters."""
    owner = Owner.from_request(request)
    page = page_filters(request)
    today = timezone.localdate()
    month, month_problem = _month(request, today)
    days: list[CalendarDay] = []
    offline = False
    if owner is not None:
        try:
            days = dream_calendar(owner=owner, month=month, filters=page.filters)
        except DatabaseError:
            offline = True  # the page still shows the month, and says why it is empty
    by_date = {day.date: day for day in days}
    weeks = [
        [
            CalendarCell(
                date=when,
                in_month=when.month == month.month,
                is_today=when == today,
                day=by_date.get(when),
                url=_day_url(page, when) if when in by_date else "",
            )
            for when in week
        ]
        for week in calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(
            month.year, month.month
        )
    ]
    path = reverse("journal-calendar")
    key = _month_key(month)
    previous, following = month_shift(month, -1), month_shift(month, 1)
    context = {
        "month": month,
        "month_key": key,
        "month_label": format_date(month, "F Y"),
        "weeks": weeks,
        "weekdays": WEEKDAYS,
        "days": [cell for week in weeks for cell in week if cell.day and cell.in_month],
        "dream_count": sum(day.count for day in days),
        "previous_url": page.url(path, month=_month_key(previous)) if previous else "",
        "previous_label": format_date(previous, "F Y") if previous else "",
        "next_url": page.url(path, month=_month_key(following)) if following else "",
        "next_label": format_date(following, "F Y") if following else "",
        "this_month_url": page.url(path) if month != today.replace(day=1) else "",
        "list_url": page.url(reverse("journal")),
        "month_min": _month_key(calendar_first_month()),
        "month_max": _month_key(calendar_last_month()),
        "given": page.given,
        "chips": page.chips(path, month=key),
        "clear_url": f"{path}?month={key}",
        "filter_problems": [*page.problems, *([month_problem] if month_problem else [])],
        "filtered": page.filters.active,
        "is_demo": not request.user.is_authenticated,
        "offline": offline,
    }
    return render(request, "dreams/calendar.html", context)
