"""``GET /api/dreams/suggestions``: what the journal's Tag and Emotion filters offer.

Asked for when someone starts filling in those filters, so a journal page's first screen
never pays for them.
"""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import OwnerMixin
from common.http_cache import PRIVATE, apply_policy
from dreams.journal_selectors import CHOICES_MAX, CHOICES_SAMPLE, dream_filter_choices


class SuggestionsSerializer(serializers.Serializer):
    tags = serializers.ListField(
        child=serializers.CharField(),
        help_text=f"The caller's tags, most used first (at most {CHOICES_MAX}).",
    )
    emotions = serializers.ListField(
        child=serializers.CharField(),
        help_text=f"Emotions read in the caller's dreams, lower case, most frequent first "
        f"(at most {CHOICES_MAX}).",
    )


class DreamSuggestionsView(OwnerMixin, APIView):
    @extend_schema(
        operation_id="dreams_suggestions",
        description=f"The caller's own tags and emotions, most used first (read from their "
        f"newest {CHOICES_SAMPLE} dreams): suggestions for the journal's filters. One query.",
        responses=SuggestionsSerializer,
    )
    def get(self, request: Request) -> Response:
        """The caller's tags and emotions for the journal's filters (empty for nobody)."""
        owner = self.owner(request)
        if owner is None:
            body = {"tags": [], "emotions": []}
        else:
            body = asdict(dream_filter_choices(owner=owner))
        return apply_policy(Response(SuggestionsSerializer(body).data), PRIVATE)
