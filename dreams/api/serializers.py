"""Dream API shapes. Input serializers validate; output serializers present."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from common.api import absolute_url
from dreams.models import AbstractDream
from dreams.services import dream_thumbnail_path, dream_video_path
from videos.api.serializers import (
    GenerationOptionsSerializer,
    VideoJobSerializer,
    validate_fetchable_url,
)
from videos.catalog import (
    DEFAULT_DURATION_SECONDS,
    DEFAULT_RATIO,
    MAX_DURATION_SECONDS,
    MAX_SEED,
    MIN_DURATION_SECONDS,
    RATIOS,
)

ANALYSIS_MAX_BYTES = 16 * 1024
ANALYSIS_LIST_MAX_ITEMS = 20
ANALYSIS_ITEM_MAX_CHARS = 50
URL_MAX_CHARS = 2048


class HttpUrlField(serializers.URLField):
    """An absolute http(s) URL of at most 2048 characters."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", URL_MAX_CHARS)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if value and not value.lower().startswith(("http://", "https://")):
            raise serializers.ValidationError("Only http and https URLs are allowed.")
        return value


def _has_unstorable_text(value: Any) -> bool:
    """NUL and lone surrogates cannot be stored (PostgreSQL jsonb, UTF-8): refuse them."""
    if isinstance(value, str):
        return "\x00" in value or any(0xD800 <= ord(ch) <= 0xDFFF for ch in value)
    if isinstance(value, dict):
        return any(_has_unstorable_text(k) or _has_unstorable_text(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_unstorable_text(item) for item in value)
    return False


def validate_analysis(value: Any) -> dict:
    if not isinstance(value, dict):
        raise serializers.ValidationError("Must be a JSON object.")
    if _has_unstorable_text(value):
        raise serializers.ValidationError("Must not contain NUL or unpaired surrogate characters.")
    if len(json.dumps(value, ensure_ascii=False).encode()) > ANALYSIS_MAX_BYTES:
        raise serializers.ValidationError("Must be at most 16 KB of JSON.")
    for key in ("emotions", "keywords"):
        if key not in value:
            continue
        items = value[key]
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise serializers.ValidationError({key: "Must be a list of strings."})
        if len(items) > ANALYSIS_LIST_MAX_ITEMS:
            raise serializers.ValidationError({key: "At most 20 items."})
        if any(len(i) > ANALYSIS_ITEM_MAX_CHARS for i in items):
            raise serializers.ValidationError({key: "Each item is at most 50 characters."})
    return value


class AnalysisField(serializers.JSONField):
    def to_internal_value(self, data: Any) -> dict:
        return validate_analysis(super().to_internal_value(data))


class DreamInputSerializer(serializers.Serializer):
    title = serializers.CharField(min_length=1, max_length=200, trim_whitespace=True)
    content = serializers.CharField(min_length=1, max_length=20_000, trim_whitespace=True)
    analysis = AnalysisField(required=False)
    is_public = serializers.BooleanField(required=False, default=False)
    video_url = HttpUrlField(required=False, allow_blank=True, default="")
    thumbnail_url = HttpUrlField(required=False, allow_blank=True, default="")
    video_prompt = serializers.CharField(
        required=False, allow_blank=True, max_length=1000, default=""
    )
    video_duration = serializers.IntegerField(
        required=False,
        min_value=MIN_DURATION_SECONDS,
        max_value=MAX_DURATION_SECONDS,
        default=DEFAULT_DURATION_SECONDS,
    )

    def validate_video_url(self, value: str) -> str:
        dream = self.context.get("dream")
        if value and dream is not None and urlsplit(value).path == dream_video_path(dream.pk):
            return value  # our own copy, sent back as it was: nothing to fetch
        return validate_fetchable_url(value) if value else value


class DreamUpdateSerializer(DreamInputSerializer):
    """PUT replaces the fields it is sent (title and content required); PATCH any subset."""

    is_public = serializers.BooleanField(required=False)
    video_url = HttpUrlField(required=False, allow_blank=True)
    thumbnail_url = HttpUrlField(required=False, allow_blank=True)
    video_prompt = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    video_duration = serializers.IntegerField(
        required=False, min_value=MIN_DURATION_SECONDS, max_value=MAX_DURATION_SECONDS
    )


class DreamWithVideoInputSerializer(DreamInputSerializer):
    generate_video = serializers.BooleanField(default=True)
    ratio = serializers.ChoiceField(choices=RATIOS, default=DEFAULT_RATIO)
    seed = serializers.IntegerField(required=False, min_value=0, max_value=MAX_SEED)
    video_url = None
    thumbnail_url = None


class DreamSerializer(serializers.Serializer):
    """The dream as every client sees it (docs/architecture.md, "A dream")."""

    id = serializers.UUIDField(read_only=True)
    title = serializers.CharField()
    content = serializers.CharField()
    analysis = serializers.JSONField()
    video_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    video_prompt = serializers.CharField()
    video_duration = serializers.IntegerField()
    video_status = serializers.CharField()
    is_public = serializers.BooleanField()
    moderation_status = serializers.CharField()
    moderation_reason = serializers.CharField()
    storage = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_video_url(self, dream: AbstractDream) -> str | None:
        if dream.video_asset_id:
            return absolute_url(self.context.get("request"), dream_video_path(dream.pk))
        return dream.video_url or None

    def get_thumbnail_url(self, dream: AbstractDream) -> str | None:
        if dream.video_asset_id:
            return absolute_url(self.context.get("request"), dream_thumbnail_path(dream.pk))
        return dream.thumbnail_url or None

    def get_storage(self, dream: AbstractDream) -> str:
        return dream.storage_tier


class GenerateVideoInputSerializer(GenerationOptionsSerializer):
    dream_id = serializers.UUIDField(required=False)


class StoreVideoInputSerializer(serializers.Serializer):
    dream_id = serializers.UUIDField()
    video_url = serializers.URLField(required=False, max_length=URL_MAX_CHARS)
    file = serializers.FileField(required=False, allow_empty_file=False)
    thumbnail_url = serializers.URLField(required=False, max_length=URL_MAX_CHARS, allow_blank=True)
    video_prompt = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    video_duration = serializers.IntegerField(
        required=False, min_value=MIN_DURATION_SECONDS, max_value=MAX_DURATION_SECONDS
    )

    def validate_video_url(self, value: str) -> str:
        return validate_fetchable_url(value)

    def validate_file(self, value):
        if value.size > settings.VIDEO_MAX_BYTES:
            raise serializers.ValidationError("The video is larger than we can store.")
        return value

    def validate(self, attrs: dict) -> dict:
        if bool(attrs.get("video_url")) == bool(attrs.get("file")):
            raise serializers.ValidationError("Send exactly one of video_url or file.")
        return attrs


class DreamWithJobSerializer(serializers.Serializer):
    dream = DreamSerializer()
    video_job = VideoJobSerializer(allow_null=True)


class RegisterSerializer(serializers.Serializer):
    username = serializers.RegexField(
        r"^[\w.@+-]+\Z",
        max_length=150,
        min_length=1,
        error_messages={"invalid": "Letters, digits and @/./+/-/_ only."},
    )
    password = serializers.CharField(write_only=True, min_length=8, max_length=128)
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)

    def validate_username(self, value: str) -> str:
        if get_user_model().objects.filter(username__iexact=value).exists():
            raise serializers.ValidationError("That username is taken.")
        return value

    def validate(self, attrs: dict) -> dict:
        user = get_user_model()(username=attrs["username"], email=attrs.get("email", ""))
        try:
            password_validation.validate_password(attrs["password"], user)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return attrs


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, write_only=True)


class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.CharField()


class RegisterResponseSerializer(serializers.Serializer):
    user = UserSerializer()
    token = serializers.CharField()


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


@extend_schema_serializer(many=False)  # already a page: never wrap it in a list
class DreamPageSerializer(serializers.Serializer):
    """A cursor page of dreams: follow ``next`` until it is null."""

    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = DreamSerializer(many=True)
