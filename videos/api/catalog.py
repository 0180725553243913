"""``GET /api/ai/models``: the models this site offers, their options, and the style presets.

Public and the same for everyone: what it lists only changes with the settings
(``RUNWAYML_MODELS``, ``RUNWAYML_MODEL``, ``VIDEO_PROVIDER``), so it is cached by
browsers and shared caches for a while and revalidated with an ETag.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.http_cache import CachePolicy, conditional, etag_for
from videos.catalog import (
    DEFAULT_STYLE,
    STYLES,
    default_model,
    enabled_models,
    ratio_label,
    ratio_size,
)
from videos.providers import default_provider_name

#: Settings change only with a restart: five minutes in any cache is safe.
CATALOG_POLICY = CachePolicy(public=True, max_age=300, stale_while_revalidate=60)


def model_catalog() -> dict[str, Any]:
    """The listing: enabled models (the default marked), style presets, the active provider."""
    default = default_model()
    models = []
    for model in enabled_models():
        ratios = []
        for ratio in model.ratios:
            width, height = ratio_size(ratio)
            ratios.append(
                {"value": ratio, "label": ratio_label(ratio), "width": width, "height": height}
            )
        models.append(
            {
                "id": model.id,
                "label": model.label,
                "description": model.description,
                "default": model.id == default.id,
                "ratios": ratios,
                "default_ratio": model.default_ratio,
                "durations": list(model.durations),
                "default_duration": model.default_duration,
                "audio": model.audio,
                "default_audio": model.default_audio,
                "seed": model.seed,
            }
        )
    styles = [
        {
            "id": style.id,
            "label": style.label,
            "description": style.description,
            "default": style.id == DEFAULT_STYLE,
        }
        for style in STYLES
    ]
    return {
        "provider": str(default_provider_name()),
        "default_model": default.id,
        "default_style": DEFAULT_STYLE,
        "models": models,
        "styles": styles,
    }


class ModelRatioSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="What to send as `ratio`, e.g. 1280:720.")
    label = serializers.CharField(help_text="For people, e.g. Landscape 16:9 · 720p.")
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class VideoModelSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="What to send as `model`.")
    label = serializers.CharField()
    description = serializers.CharField()
    default = serializers.BooleanField(help_text="The model a request without one gets.")
    ratios = ModelRatioSerializer(many=True)
    default_ratio = serializers.CharField()
    durations = serializers.ListField(child=serializers.IntegerField(), help_text="Seconds.")
    default_duration = serializers.IntegerField()
    audio = serializers.BooleanField(help_text="Whether `audio` may be sent.")
    default_audio = serializers.BooleanField(allow_null=True)
    seed = serializers.BooleanField(help_text="Whether `seed` may be sent.")


class StylePresetSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="What to send as `style`.")
    label = serializers.CharField()
    description = serializers.CharField()
    default = serializers.BooleanField()


class ModelCatalogSerializer(serializers.Serializer):
    provider = serializers.ChoiceField(
        choices=["runway", "demo"], help_text="Who makes the videos here."
    )
    default_model = serializers.CharField()
    default_style = serializers.CharField()
    models = VideoModelSerializer(many=True)
    styles = StylePresetSerializer(many=True)


class ModelCatalogView(APIView):
    """The text-to-video models this site offers and the style presets (public)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []  # the same answer for everyone: nobody to identify

    @extend_schema(responses=ModelCatalogSerializer, auth=[])
    def get(self, request: Request) -> Response:
        """Enabled models with their ratios, durations, defaults and sound option, which is
        the default, the style presets, and the active provider (``runway`` or ``demo``).
        A generation request may only combine what one model lists here."""
        listing = model_catalog()
        return conditional(
            request, etag=etag_for(listing), policy=CATALOG_POLICY, build=lambda: Response(listing)
        )
