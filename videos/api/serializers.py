"""Video API shapes: jobs, generation and store-video requests."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse
from rest_framework import serializers

from common.api import absolute_url
from videos.assets import ingest_policy
from videos.catalog import (
    DEFAULT_DURATION_SECONDS,
    DEFAULT_RATIO,
    MAX_DURATION_SECONDS,
    MAX_SEED,
    MIN_DURATION_SECONDS,
    RATIOS,
)
from videos.ingest import IngestError, check_url
from videos.models import JobStatus, VideoJob
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
    dream_id = serializers.SerializerMethodField()
    video_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)

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


class GenerationOptionsSerializer(serializers.Serializer):
    """What a generation request may choose: prompt, duration, ratio and seed."""

    prompt = PromptField()
    duration = serializers.IntegerField(
        min_value=MIN_DURATION_SECONDS,
        max_value=MAX_DURATION_SECONDS,
        default=DEFAULT_DURATION_SECONDS,
    )
    ratio = serializers.ChoiceField(choices=RATIOS, default=DEFAULT_RATIO)
    seed = serializers.IntegerField(min_value=0, max_value=MAX_SEED, required=False)
