"""Video API shapes: jobs, generation and store-video requests."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from rest_framework import serializers

from videos.ingest import IngestError, check_url
from videos.models import VideoJob
from videos.prompts import PROMPT_LIMIT, utf16_len
from videos.services import ingest_policy

# RunwayML's text_to_video ratios (pixel strings).
RATIO_CHOICES = ["1280:720", "720:1280", "1104:832", "832:1104", "960:960", "1584:672"]


def validate_fetchable_url(value: str) -> str:
    """A video URL we may download: refused now (400) when that is knowable without DNS."""
    if not value.lower().startswith(("http://", "https://")):
        raise serializers.ValidationError("Only http and https URLs are allowed.")
    try:
        check_url(value, policy=ingest_policy())
    except IngestError as exc:
        raise serializers.ValidationError(exc.message) from exc
    return value


def absolute_url(request: HttpRequest | None, path: str) -> str:
    return request.build_absolute_uri(path) if request is not None else path


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
        dream_id = job.dream_id or job.demo_dream_id
        return str(dream_id) if dream_id else None

    def _media_url(self, job: VideoJob, kind: str) -> str | None:
        """Our URL for the job's video or thumbnail: through its dream when it has one."""
        if job.status != "succeeded" or job.asset_id is None:
            return None
        if dream_id := job.dream_id or job.demo_dream_id:
            path = reverse(f"dream-{kind}", kwargs={"dream_id": dream_id})
        else:
            path = reverse(f"job-{kind}", kwargs={"job_id": job.pk})
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


class GenerateVideoInputSerializer(serializers.Serializer):
    prompt = PromptField()
    duration = serializers.IntegerField(min_value=2, max_value=10, default=4)
    ratio = serializers.ChoiceField(choices=RATIO_CHOICES, default="1280:720")
    seed = serializers.IntegerField(min_value=0, max_value=4_294_967_295, required=False)
    dream_id = serializers.UUIDField(required=False)


class StoreVideoInputSerializer(serializers.Serializer):
    dream_id = serializers.UUIDField()
    video_url = serializers.URLField(required=False, max_length=2048)
    file = serializers.FileField(required=False, allow_empty_file=False)
    thumbnail_url = serializers.URLField(required=False, max_length=2048, allow_blank=True)
    video_prompt = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    video_duration = serializers.IntegerField(required=False, min_value=2, max_value=10)

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
