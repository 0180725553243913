"""Video API shapes: jobs, generation and store-video requests."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse
from rest_framework import serializers

from common.api import absolute_url
from videos.assets import ingest_policy
from videos.catalog import (
    ALL_RATIOS,
    MAX_SEED,
    MODEL_IDS,
    STYLE_IDS,
    GenerationChoiceError,
    generation_choice,
)
from videos.ingest import IngestError, check_url
from videos.models import JobKind, JobStatus, VideoJob
from videos.prompts import PROMPT_LIMIT, utf16_len

#: ``(job, "video" | "thumbnail") -> path | None``: how the app a job is for addresses its
#: media (e.g. through the dream); registered by that app, tried in order.
JobMediaPath = Callable[[VideoJob, str], str | None]
_job_media_paths: list[JobMediaPath] = []


def register_job_media_path(resolver: JobMediaPath) -> None:
    """Let an app above this one address the media of the jobs that are for its rows."""
    if resolver not in _job_media_paths:
        _job_media_paths.append(resolver)


def validate_fetchable_url(value: str) -> str:
    """A video URL we may download: refused now (400) when that is knowable without DNS."""
    if not value.lower().startswith(("http://", "https://")):
        raise serializers.ValidationError("Only http and https URLs are allowed.")
    try:
        check_url(value, policy=ingest_policy())
    except IngestError as exc:
        raise serializers.ValidationError(exc.message) from exc
    return value


class JobErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class VideoJobSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.CharField()
    status = serializers.CharField()
    progress = serializers.FloatField()
    provider = serializers.CharField()
    model = serializers.SerializerMethodField(help_text="The text-to-video model (generate jobs).")
    style = serializers.SerializerMethodField(help_text="The style preset (generate jobs).")
    audio = serializers.BooleanField(
        allow_null=True, help_text="Sound asked for; null when the model has no sound option."
    )
    ratio = serializers.SerializerMethodField(help_text="Pixel ratio, e.g. 1280:720 (generate).")
    duration = serializers.IntegerField(help_text="Seconds asked for.")
    dream_id = serializers.SerializerMethodField()
    video_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)

    def get_model(self, job: VideoJob) -> str | None:
        return job.model or None

    def get_style(self, job: VideoJob) -> str | None:
        return job.style or None

    def get_ratio(self, job: VideoJob) -> str | None:
        return job.ratio if job.kind == JobKind.GENERATE else None

    def get_dream_id(self, job: VideoJob) -> str | None:
        return str(job.subject_id) if job.subject_id else None

    def _media_url(self, job: VideoJob, kind: str) -> str | None:
        """Our URL for the job's video or thumbnail: through its subject when it has one."""
        if job.status != JobStatus.SUCCEEDED or job.asset_id is None:
            return None
        path = next(
            (p for resolve in _job_media_paths if (p := resolve(job, kind))),
            reverse(f"job-{kind}", kwargs={"job_id": job.pk}),
        )
        return absolute_url(self.context.get("request"), path)

    def get_video_url(self, job: VideoJob) -> str | None:
        return self._media_url(job, "video")

    def get_thumbnail_url(self, job: VideoJob) -> str | None:
        return self._media_url(job, "thumbnail")

    def get_error(self, job: VideoJob) -> dict | None:
        if not job.error_code:
            return None
        return {"code": job.error_code, "message": job.error_message}

    def get_url(self, job: VideoJob) -> str:
        return absolute_url(self.context.get("request"), reverse("job-detail", args=[job.pk]))


class JobEnvelopeSerializer(serializers.Serializer):
    job = VideoJobSerializer()


class PromptField(serializers.CharField):
    """A prompt of 1..1000 UTF-16 code units (what RunwayML counts), not Python characters."""

    def __init__(self, **kwargs) -> None:
        super().__init__(min_length=1, max_length=4000, trim_whitespace=True, **kwargs)

    def to_internal_value(self, data) -> str:
        value = super().to_internal_value(data)
        if utf16_len(value) > PROMPT_LIMIT:
            raise serializers.ValidationError(
                f"Ensure this field has no more than {PROMPT_LIMIT} UTF-16 code units."
            )
        return value


class CatalogChoiceField(serializers.ChoiceField):
    """A catalog value (documented as its enum); whether it suits the chosen model, and
    whether the model is enabled, is judged with the other choices in ``validate``."""

    def to_internal_value(self, data: object) -> str:
        if isinstance(data, str) and 0 < len(data) <= 32:
            return data
        self.fail("invalid_choice", input=data)


class GenerationChoicesMixin(serializers.Serializer):
    """Model, ratio, duration, audio, style and seed, checked together for the model.

    Left out, each takes the model's default (the model: ``RUNWAYML_MODEL``). A bad
    combination is a 400 naming the field and what the model accepts, e.g.
    ``{"ratio": ["gen4.5 accepts 1280:720 or 720:1280."]}``. ``duration_field`` is the
    name this request gives the duration (``video_duration`` for a dream).
    """

    duration_field = "duration"

    model = CatalogChoiceField(
        choices=MODEL_IDS,
        required=False,
        help_text="A text-to-video model enabled here (GET /api/ai/models); default: the site's.",
    )
    ratio = CatalogChoiceField(
        choices=ALL_RATIOS,
        required=False,
        help_text="Pixel ratio the model accepts (GET /api/ai/models); default: the model's.",
    )
    audio = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Sound, for models that offer it (Veo); default: the model's.",
    )
    style = CatalogChoiceField(
        choices=STYLE_IDS, required=False, help_text="A style preset; default: none."
    )
    seed = serializers.IntegerField(min_value=0, max_value=MAX_SEED, required=False)

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        try:
            choice = generation_choice(
                model=attrs.get("model"),
                ratio=attrs.get("ratio"),
                duration=attrs.get(self.duration_field),
                audio=attrs.get("audio"),
                style=attrs.get("style"),
                seed=attrs.get("seed"),
            )
        except GenerationChoiceError as exc:
            named = {"duration": self.duration_field}
            raise serializers.ValidationError(
                {named.get(field, field): [message] for field, message in exc.errors.items()}
            ) from exc
        attrs.update(model=choice.model, ratio=choice.ratio, audio=choice.audio, style=choice.style)
        attrs[self.duration_field] = choice.duration
        return attrs


class GenerationOptionsSerializer(GenerationChoicesMixin, serializers.Serializer):
    """What a generation request may choose: prompt, model, ratio, duration, audio, style, seed."""

    prompt = PromptField()
    duration = serializers.IntegerField(
        required=False, help_text="Seconds the model accepts; default: the model's."
    )
