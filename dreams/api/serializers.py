"""Dream API shapes. Input serializers validate; output serializers present."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from common.api import absolute_url
from common.owners import Owner
from common.text import without_controls
from dreams.models import (
    DREAMT_ON_MAX_DAYS_AHEAD,
    RATING_MAX,
    RATING_MIN,
    TAG_MAX_CHARS,
    TAGS_MAX_ITEMS,
    AbstractDream,
    AnalysisStatus,
)
from dreams.ownership import owns_dream
from dreams.search import QUERY_MAX_CHARS, JournalFilters
from dreams.services import dream_preview_path, dream_thumbnail_path, dream_video_path
from dreams.tags import normalise_tag, normalise_tags, tags_problem
from videos.api.serializers import (
    GenerationChoicesMixin,
    GenerationOptionsSerializer,
    VideoJobSerializer,
    validate_fetchable_url,
)
from videos.catalog import (
    DEFAULT_DURATION_SECONDS,
    MAX_DURATION_SECONDS,
    MIN_DURATION_SECONDS,
)
from videos.credentials import credentials_public
from videos.prompts import utf16_len

ANALYSIS_MAX_BYTES = 16 * 1024
ANALYSIS_LIST_MAX_ITEMS = 20
ANALYSIS_ITEM_MAX_CHARS = 50
ANALYSIS_MOOD_MAX_CHARS = 30
ANALYSIS_REFLECTION_MAX_CHARS = 2000
ANALYSIS_VIDEO_PROMPT_MAX_UNITS = 1000  # UTF-16 code units, as RunwayML counts
# Numbers the analysis may carry, with their ranges.
ANALYSIS_RANGES = {"valence": (-1.0, 1.0), "arousal": (0.0, 1.0)}
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


def _analysis_string(value: dict, key: str, max_chars: int) -> None:
    if key in value and not isinstance(value[key], str):
        raise serializers.ValidationError({key: "Must be a string."})
    if key in value and len(value[key]) > max_chars:
        raise serializers.ValidationError({key: f"At most {max_chars} characters."})


def _analysis_symbols(items: Any) -> None:
    """``symbols``: at most 20 ``{"name", "family"?}`` objects with short strings."""
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise serializers.ValidationError({"symbols": "Must be a list of objects."})
    if len(items) > ANALYSIS_LIST_MAX_ITEMS:
        raise serializers.ValidationError({"symbols": "At most 20 items."})
    for item in items:
        name, family = item.get("name"), item.get("family", "")
        if not isinstance(name, str) or not name.strip():
            raise serializers.ValidationError({"symbols": "Each symbol needs a name (a string)."})
        if not isinstance(family, str):
            raise serializers.ValidationError({"symbols": "A symbol's family must be a string."})
        if len(name) > ANALYSIS_ITEM_MAX_CHARS or len(family) > ANALYSIS_ITEM_MAX_CHARS:
            raise serializers.ValidationError(
                {"symbols": "A symbol's name and family are at most 50 characters each."}
            )


def _item_too_long(key: str, item: str) -> str:
    """Which item is too long, and by how much: "a 300-character keyword" is told as such."""
    noun = {"emotions": "emotion", "keywords": "keyword"}.get(key, "item")
    shown = item[:20].rstrip() + "…"
    limit = ANALYSIS_ITEM_MAX_CHARS
    return f"Each {noun} is at most {limit} characters; “{shown}” has {len(item)}."


def validate_analysis(value: Any) -> dict:
    """A client's analysis: a JSON object of at most 16 KB whose known keys are bounded.

    ``emotions``/``keywords``: at most 20 strings of at most 50 characters; ``symbols``:
    at most 20 objects with a ``name`` and an optional ``family`` (strings of at most 50
    characters); ``mood`` at most 30 characters; ``valence`` a number in -1..1 and
    ``arousal`` in 0..1; ``reflection`` at most 2000 characters; ``video_prompt`` at most
    1000 UTF-16 code units. Other keys are kept as they are, within the 16 KB.
    """
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
        if too_long := next((i for i in items if len(i) > ANALYSIS_ITEM_MAX_CHARS), None):
            raise serializers.ValidationError({key: _item_too_long(key, too_long)})
    if "symbols" in value:
        _analysis_symbols(value["symbols"])
    _analysis_string(value, "mood", ANALYSIS_MOOD_MAX_CHARS)
    _analysis_string(value, "reflection", ANALYSIS_REFLECTION_MAX_CHARS)
    for key, (low, high) in ANALYSIS_RANGES.items():
        if key not in value:
            continue
        number = value[key]
        if (
            isinstance(number, bool)
            or not isinstance(number, (int, float))
            or not math.isfinite(number)
            or not low <= number <= high
        ):
            raise serializers.ValidationError({key: f"Must be a number from {low:g} to {high:g}."})
    if "video_prompt" in value:
        prompt = value["video_prompt"]
        if not isinstance(prompt, str):
            raise serializers.ValidationError({"video_prompt": "Must be a string."})
        if utf16_len(prompt) > ANALYSIS_VIDEO_PROMPT_MAX_UNITS:
            raise serializers.ValidationError(
                {"video_prompt": "At most 1000 UTF-16 code units (an emoji counts 2)."}
            )
    return value


class AnalysisField(serializers.JSONField):
    def to_internal_value(self, data: Any) -> dict:
        return validate_analysis(super().to_internal_value(data))


EARLIEST_DREAMT_ON = date(1900, 1, 1)


def validate_dreamt_on(value: date) -> date:
    """A day from 1900 up to tomorrow (the writer's "today" may be ahead of ours)."""
    latest = timezone.localdate() + timedelta(days=DREAMT_ON_MAX_DAYS_AHEAD)
    if value > latest:
        raise serializers.ValidationError("Cannot be more than a day ahead.")
    if value < EARLIEST_DREAMT_ON:
        raise serializers.ValidationError("Must be in 1900 or later.")
    return value


class RatingField(serializers.IntegerField):
    """An optional 1–5 rating (``null`` clears it)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", RATING_MIN)
        kwargs.setdefault("max_value", RATING_MAX)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


class TagsField(serializers.ListField):
    """The owner's tags: normalised (lower case, no '#', commas or quotes), without repeats,
    at most 20 of at most 50 characters."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("child", serializers.CharField(allow_blank=True, max_length=200))
        kwargs.setdefault("max_length", 100)  # before repeats and blanks are dropped
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> list[str]:
        tags = normalise_tags(super().to_internal_value(data))
        if problem := tags_problem(tags):
            raise serializers.ValidationError(problem)
        if _has_unstorable_text(tags):
            raise serializers.ValidationError("Must not contain NUL or unpaired surrogates.")
        return tags


class DreamDetailsMixin(serializers.Serializer):
    """When it was dreamt, its flags, ratings and tags (all optional on input)."""

    dreamt_on = serializers.DateField(
        required=False,
        validators=[validate_dreamt_on],
        help_text="The day of the dream (default: today); from 1900 up to a day ahead.",
    )
    lucid = serializers.BooleanField(required=False)
    nightmare = serializers.BooleanField(required=False)
    recurring = serializers.BooleanField(required=False)
    clarity = RatingField(help_text="How clearly it is remembered, 1–5, or null.")
    sleep_quality = RatingField(help_text="How well you slept, 1–5, or null.")
    tags = TagsField(
        required=False,
        help_text=f"Your own labels: at most {TAGS_MAX_ITEMS} of at most {TAG_MAX_CHARS} "
        "characters, stored lower-case without '#', commas or quotes.",
    )


class TypedTextField(serializers.CharField):
    """Text as typed, without control characters nothing can show (``common.text``): a
    title's line breaks pasted as vertical tabs become spaces, a dream's stay breaks."""

    def __init__(self, *, breaks: str = "\n", **kwargs: Any) -> None:
        self.breaks = breaks
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, str):
            data = without_controls(data, breaks=self.breaks)
        return super().to_internal_value(data)


class DreamInputSerializer(DreamDetailsMixin, serializers.Serializer):
    title = TypedTextField(min_length=1, max_length=200, trim_whitespace=True, breaks=" ")
    content = TypedTextField(min_length=1, max_length=20_000, trim_whitespace=True)
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


class DreamWithVideoInputSerializer(GenerationChoicesMixin, DreamInputSerializer):
    """A dream and its video's choices (model, ratio, ``video_duration``, audio, style,
    seed), checked together for the model (``GenerationChoicesMixin``)."""

    duration_field = "video_duration"
    generate_video = serializers.BooleanField(default=True)
    video_duration = serializers.IntegerField(
        required=False, help_text="Seconds the model accepts; default: the model's."
    )
    video_url = None
    thumbnail_url = None


class VideoCredentialsSerializer(serializers.Serializer):
    """What the stored video's Content Credentials (C2PA manifest) say (``videos.credentials``)."""

    ai_generated = serializers.BooleanField(
        help_text="Made by an AI model or algorithm (our generators, or an upload whose valid "
        'manifest says so): pages label it "AI-generated".'
    )
    origin = serializers.ChoiceField(
        choices=["generated", "uploaded"],
        allow_null=True,
        help_text="`generated`: one of our providers made it and we signed it; `uploaded`: a "
        "file or URL someone gave us, kept with whatever manifest it brought.",
    )
    generator = serializers.CharField(allow_null=True, help_text="The manifest's software agent.")
    model = serializers.CharField(allow_null=True)
    digital_source_type = serializers.CharField(
        allow_null=True, help_text="An IPTC digital source type URI."
    )
    signed_at = serializers.CharField(allow_null=True, help_text="ISO 8601.")
    issuer = serializers.CharField(allow_null=True, help_text="Who issued the signing certificate.")
    signature = serializers.ChoiceField(
        choices=["valid", "untrusted", "invalid", "missing"],
        help_text="`valid`: intact and signed by a trusted certificate; `untrusted`: intact, "
        "but the certificate is on no trust list we know; `invalid`: altered or unreadable; "
        "`missing`: no manifest.",
    )


class DreamSerializer(serializers.Serializer):
    """The dream as every client sees it (docs/architecture.md, "A dream"), field by field.

    The read endpoints (lists, detail) build the same JSON from plain rows with
    ``dreams.api.representation``; tests/dreams/api/test_representation.py holds the two to
    the same bytes, so a field added here must be added there too.
    """

    id = serializers.UUIDField(read_only=True)
    title = serializers.CharField()
    content = serializers.CharField()
    dreamt_on = serializers.DateField()
    lucid = serializers.BooleanField()
    nightmare = serializers.BooleanField()
    recurring = serializers.BooleanField()
    clarity = serializers.IntegerField(allow_null=True)
    sleep_quality = serializers.IntegerField(allow_null=True)
    tags = serializers.ListField(
        child=serializers.CharField(), help_text="The owner's own labels (empty for others)."
    )
    analysis = serializers.JSONField()
    analysis_status = serializers.ChoiceField(
        choices=AnalysisStatus.choices,
        read_only=True,
        help_text=(
            "Whose reading `analysis` is: `local` (our offline analyzer's, or your own), "
            "`pending` (local for now; the LLM analyst's is on its way: poll the dream), "
            "`ready` (the LLM analyst's), `failed` (it could not: the local reading stays)."
        ),
    )
    video_url = serializers.SerializerMethodField(
        help_text=(
            "The stored video: its web rendition when made, else the original "
            "(add `?original=1` for the original)."
        )
    )
    thumbnail_url = serializers.SerializerMethodField()
    preview_url = serializers.SerializerMethodField(
        help_text="A ~2 s silent preview loop (≤ 320 px wide); null until it is made."
    )
    video_prompt = serializers.CharField()
    video_duration = serializers.IntegerField()
    video_status = serializers.CharField()
    is_public = serializers.BooleanField()
    moderation_status = serializers.CharField()
    moderation_reason = serializers.CharField()
    storage = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    video_credentials = serializers.SerializerMethodField(
        help_text="The stored video's Content Credentials; null without a stored video."
    )

    def to_representation(self, dream: AbstractDream) -> dict[str, Any]:
        data = super().to_representation(dream)
        analysis = data.get("analysis")
        # The LLM analyst's reflection speaks to the dreamer, and tags are the owner's own
        # labels (unmoderated text): nobody else reads them.
        if (data["tags"] or (isinstance(analysis, dict) and "reflection" in analysis)) and (
            not self._owns(dream)
        ):
            data["tags"] = []
            if isinstance(analysis, dict):
                data["analysis"] = {k: v for k, v in analysis.items() if k != "reflection"}
        return data

    def _owns(self, dream: AbstractDream) -> bool:
        request = self.context.get("request")
        if request is None:
            return False
        if not hasattr(self, "_caller"):
            self._caller = Owner.from_request(request)
        return owns_dream(self._caller, dream)

    def get_video_url(self, dream: AbstractDream) -> str | None:
        if dream.video_asset_id:
            return absolute_url(self.context.get("request"), dream_video_path(dream.pk))
        return dream.video_url or None

    def get_thumbnail_url(self, dream: AbstractDream) -> str | None:
        if dream.video_asset_id:
            return absolute_url(self.context.get("request"), dream_thumbnail_path(dream.pk))
        return dream.thumbnail_url or None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_preview_url(self, dream: AbstractDream) -> str | None:
        if dream.video_asset_id and dream.video_asset.preview_ready:
            return absolute_url(self.context.get("request"), dream_preview_path(dream.pk))
        return None

    def get_storage(self, dream: AbstractDream) -> str:
        return dream.storage_tier

    @extend_schema_field(VideoCredentialsSerializer(allow_null=True))
    def get_video_credentials(self, dream: AbstractDream) -> dict[str, Any] | None:
        if not dream.video_asset_id:
            return None
        return credentials_public(dream.video_asset.credentials)


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


class JournalFilterSerializer(serializers.Serializer):
    """A journal's search and filters, from the query string (``dreams.search``)."""

    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=QUERY_MAX_CHARS,
        help_text="Search title, text, emotions, keywords, symbols and tags. On PostgreSQL: "
        'web-search syntax, e.g. `"glass house" -fear`, ranked best first.',
    )
    emotion = serializers.CharField(required=False, allow_blank=True, max_length=50)
    tag = serializers.CharField(required=False, allow_blank=True, max_length=TAG_MAX_CHARS)
    lucid = serializers.BooleanField(required=False, allow_null=True, default=None)
    nightmare = serializers.BooleanField(required=False, allow_null=True, default=None)
    recurring = serializers.BooleanField(required=False, allow_null=True, default=None)
    min_clarity = RatingField(allow_null=False)
    min_sleep_quality = RatingField(allow_null=False)
    dreamt_from = serializers.DateField(required=False, help_text="First day (inclusive).")
    dreamt_to = serializers.DateField(required=False, help_text="Last day (inclusive).")
    has_video = serializers.BooleanField(required=False, allow_null=True, default=None)
    is_public = serializers.BooleanField(required=False, allow_null=True, default=None)

    def validate_q(self, value: str) -> str:
        return " ".join(value.replace("\x00", " ").split())

    def validate_tag(self, value: str) -> str:
        return normalise_tag(value)

    def validate(self, attrs: dict) -> dict:
        start, end = attrs.get("dreamt_from"), attrs.get("dreamt_to")
        if start and end and start > end:
            raise serializers.ValidationError({"dreamt_to": ["Must not be before dreamt_from."]})
        return attrs


def journal_filters(params: Mapping[str, str]) -> JournalFilters:
    """Filters from a query string (empty values are absent); raises DRF's 400 when invalid."""
    given = {name: value for name, value in params.items() if value != ""}
    if given.keys().isdisjoint(JournalFilterSerializer._declared_fields):
        return JournalFilters()  # nothing narrows it (a cursor, a page size): no validation
    serializer = JournalFilterSerializer(data=given)
    serializer.is_valid(raise_exception=True)
    return JournalFilters(**serializer.validated_data)
