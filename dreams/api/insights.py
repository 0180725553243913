"""``GET /api/insights``: the caller's journal in numbers (``dreams.insights``).

Numbers and series only; the insights page draws them (``dreams.charts``).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import OwnerMixin
from dreams.insights import (
    MONTHS,
    RECURRING_MIN_DREAMS,
    WEEKS_DEFAULT,
    WEEKS_MAX,
    WEEKS_MIN,
    dream_insights,
)


class InsightsQuerySerializer(serializers.Serializer):
    weeks = serializers.IntegerField(
        required=False,
        default=WEEKS_DEFAULT,
        min_value=WEEKS_MIN,
        max_value=WEEKS_MAX,
        help_text=f"Weeks in the weekly series, this one included ({WEEKS_MIN}-{WEEKS_MAX}).",
    )


class TotalsSerializer(serializers.Serializer):
    dreams = serializers.IntegerField()
    lucid = serializers.IntegerField()
    nightmares = serializers.IntegerField()
    public = serializers.IntegerField(help_text="Dreams the owner made public.")
    in_gallery = serializers.IntegerField(
        help_text="Public dreams approved by a moderator, with a ready video."
    )
    lucid_rate = serializers.FloatField(allow_null=True, help_text="0-1; null without dreams.")
    nightmare_rate = serializers.FloatField(allow_null=True)
    first_dreamt_on = serializers.DateField(allow_null=True)
    last_dreamt_on = serializers.DateField(allow_null=True)


class StreaksSerializer(serializers.Serializer):
    current = serializers.IntegerField(
        help_text="Consecutive days with a dream, up to today or yesterday (else 0)."
    )
    current_from = serializers.DateField(allow_null=True)
    longest = serializers.IntegerField()
    longest_from = serializers.DateField(allow_null=True)
    longest_to = serializers.DateField(allow_null=True)


class WeekSerializer(serializers.Serializer):
    week_start = serializers.DateField(source="start", help_text="A Monday.")
    dreams = serializers.IntegerField()
    lucid = serializers.IntegerField()
    nightmares = serializers.IntegerField()
    lucid_rate = serializers.FloatField(allow_null=True, help_text="0-1; null without dreams.")
    nightmare_rate = serializers.FloatField(allow_null=True)


class TermSerializer(serializers.Serializer):
    name = serializers.CharField()
    dreams = serializers.IntegerField(help_text="Dreams it appears in over `months`.")
    monthly = serializers.ListField(
        child=serializers.IntegerField(), help_text="Dreams per month, aligned with `months`."
    )


class SymbolTermSerializer(TermSerializer):
    family = serializers.CharField(help_text='The symbol\'s family ("" when none).')


class RecurringSymbolSerializer(serializers.Serializer):
    name = serializers.CharField()
    family = serializers.CharField()
    dreams = serializers.IntegerField()
    first_dreamt_on = serializers.DateField()
    last_dreamt_on = serializers.DateField()


@extend_schema_serializer(component_name="Insights")
class InsightsSerializer(serializers.Serializer):
    today = serializers.DateField(help_text="The day the windows count back from.")
    totals = TotalsSerializer(help_text="The whole journal.")
    streaks = StreaksSerializer()
    weekly = WeekSerializer(many=True, help_text="The last `weeks` weeks, oldest first.")
    months = serializers.ListField(
        child=serializers.DateField(),
        help_text=f"First days of the last {MONTHS} months, oldest first.",
    )
    emotions = TermSerializer(many=True, help_text="The most frequent emotions over `months`.")
    symbols = SymbolTermSerializer(
        many=True,
        help_text="The most frequent symbols over `months` (a dream without symbols lends "
        "its keywords).",
    )
    recurring_symbols = RecurringSymbolSerializer(
        many=True,
        help_text=f"Symbols found in at least {RECURRING_MIN_DREAMS} dreams, whole journal.",
    )


def insights_query(params) -> dict:
    """The query string validated (empty values are absent); raises DRF's 400 otherwise."""
    query = InsightsQuerySerializer(data={k: v for k, v in params.items() if v != ""})
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


class InsightsView(OwnerMixin, APIView):
    @extend_schema(parameters=[InsightsQuerySerializer], responses=InsightsSerializer)
    def get(self, request: Request) -> Response:
        """The caller's insights: dreams per week, streaks, lucid and nightmare rates, top
        emotions and symbols by month, recurring symbols, and how many dreams are public.
        A visitor without a journal gets zeros."""
        query = insights_query(request.query_params)
        insights = dream_insights(owner=self.owner(request), weeks=query["weeks"])
        return Response(InsightsSerializer(insights).data)
