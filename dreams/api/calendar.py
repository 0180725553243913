"""``GET /api/dreams/calendar``: a month of the caller's journal, day by day."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import OwnerMixin
from dreams.api.serializers import EARLIEST_DREAMT_ON, JournalFilterSerializer
from dreams.journal_selectors import CALENDAR_TITLES_PER_DAY, CalendarDay, dream_calendar
from dreams.search import JournalFilters

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")  # ASCII digits only: int() reads others too


def calendar_first_month() -> date:
    return EARLIEST_DREAMT_ON.replace(day=1)


def calendar_last_month() -> date:
    """December of next year: dreams may be dated a day ahead, so next January can hold some."""
    return date(timezone.localdate().year + 1, 12, 1)


def month_shift(month: date, step: int) -> date | None:
    """The first of the month ``step`` months away, or ``None`` outside the calendar's years."""
    year, month_index = divmod(month.year * 12 + month.month - 1 + step, 12)
    shifted = date(year, month_index + 1, 1)
    return shifted if calendar_first_month() <= shifted <= calendar_last_month() else None


@extend_schema_field({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$", "example": "2026-03"})
class MonthField(serializers.Field):
    """A month as ``YYYY-MM`` (internally the first day of it), from 1900 to next year."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "A month, YYYY-MM, from 1900-01 to December of next year.")
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> date:
        match = _MONTH.fullmatch(data) if isinstance(data, str) else None
        if match is None or not 1 <= int(match[2]) <= 12:
            raise serializers.ValidationError("Use the form YYYY-MM, e.g. 2026-03.")
        month = date(int(match[1]), int(match[2]), 1)
        first, last = calendar_first_month(), calendar_last_month()
        if not first <= month <= last:
            raise serializers.ValidationError(
                f"Must be between {first:%Y-%m} and {last.year}-{last.month:02d}."
            )
        return month

    def to_representation(self, value: date) -> str:
        return f"{value.year:04d}-{value.month:02d}"


class CalendarQuerySerializer(JournalFilterSerializer):
    """The month (default: this month) and the journal's filters."""

    month = MonthField(required=False)


def calendar_query(params: Mapping[str, str]) -> tuple[date, JournalFilters]:
    """The month and filters of a query string (empty values are absent); DRF's 400 if bad."""
    given = {name: value for name, value in params.items() if value != ""}
    serializer = CalendarQuerySerializer(data=given)
    serializer.is_valid(raise_exception=True)
    data = dict(serializer.validated_data)
    month = data.pop("month", None) or timezone.localdate().replace(day=1)
    return month, JournalFilters(**data)


class CalendarDreamSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()


class CalendarDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    count = serializers.IntegerField(help_text="Dreams dreamt that day.")
    lucid = serializers.IntegerField(help_text="How many of them were lucid.")
    nightmare = serializers.IntegerField(help_text="How many of them were nightmares.")
    recurring = serializers.IntegerField(help_text="How many of them were recurring.")
    dreams = CalendarDreamSerializer(
        many=True, help_text=f"The day's newest {CALENDAR_TITLES_PER_DAY} dreams at most."
    )


class CalendarSerializer(serializers.Serializer):
    month = MonthField()
    previous_month = MonthField(allow_null=True, help_text="null before 1900-01.")
    next_month = MonthField(allow_null=True, help_text="null after December of next year.")
    days = CalendarDaySerializer(many=True, help_text="Only the days with dreams, in order.")


def calendar_body(month: date, days: list[CalendarDay]) -> dict[str, Any]:
    return CalendarSerializer(
        {
            "month": month,
            "previous_month": month_shift(month, -1),
            "next_month": month_shift(month, 1),
            "days": days,
        }
    ).data


class DreamCalendarView(OwnerMixin, APIView):
    @extend_schema(
        operation_id="dreams_calendar",
        parameters=[CalendarQuerySerializer],
        responses=CalendarSerializer,
    )
    def get(self, request: Request) -> Response:
        """The days of a month on which the caller dreamt: per day the count, how many were
        lucid, nightmares or recurring, and the first titles. Takes the list's filters."""
        month, filters = calendar_query(request.query_params)
        owner = self.owner(request)
        days = [] if owner is None else dream_calendar(owner=owner, month=month, filters=filters)
        return Response(calendar_body(month, days))
