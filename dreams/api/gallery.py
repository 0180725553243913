"""The gallery's filters as the API takes them (``?mood=&symbol=``): the schema's
parameters, and DRF's 400 naming the field for a filter the gallery cannot take."""

from __future__ import annotations

from collections.abc import Mapping

from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from dreams.gallery import (
    GALLERY_MOODS,
    SYMBOL_MAX_CHARS,
    GalleryFilterError,
    GalleryFilters,
    gallery_filters,
)


class GalleryFilterSerializer(serializers.Serializer):
    """For the OpenAPI schema; validation is :func:`dreams.gallery.gallery_filters`."""

    mood = serializers.ChoiceField(
        choices=GALLERY_MOODS,
        required=False,
        help_text="Only dreams of this mood (the analysis' mood word).",
    )
    symbol = serializers.CharField(
        required=False,
        max_length=SYMBOL_MAX_CHARS,
        help_text="Only dreams with this symbol among their motifs (whole item, any case).",
    )


def api_gallery_filters(params: Mapping[str, str]) -> GalleryFilters:
    """The query's gallery filters; raises DRF's ``ValidationError`` (400) naming the field."""
    try:
        return gallery_filters(params)
    except GalleryFilterError as error:
        raise ValidationError({error.field: [error.message]}) from error
