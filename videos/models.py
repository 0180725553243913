"""Video assets (bytes in our storage) and the jobs that produce them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from videos.catalog import DEFAULT_DURATION_SECONDS, DEFAULT_RATIO
from videos.sources import VideoSource


def _asset_path(instance: VideoAsset, filename: str) -> str:
    return f"videos/{instance.sha256[:2]}/{instance.sha256}.mp4"


def _thumbnail_path(instance: VideoAsset, filename: str) -> str:
    return f"thumbnails/{instance.sha256[:2]}/{instance.sha256}.jpg"


class VideoAsset(models.Model):
    """One stored video file. Identical bytes are stored once (unique sha256)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    file = models.FileField(upload_to=_asset_path, max_length=255)
    thumbnail = models.FileField(upload_to=_thumbnail_path, max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, unique=True)
    bytes = models.BigIntegerField()
    duration = models.FloatField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    codec = models.CharField(max_length=32)
    source_url = models.URLField(max_length=2048, blank=True)
    source_kind = models.CharField(max_length=16, choices=VideoSource.choices)
    created_at = models.DateTimeField(default=timezone.now)
    verified_at = models.DateTimeField(null=True, blank=True)
    # Renditions (videos.renditions): what the original is, and when its web rendition,
    # preview loop and poster were made. ``preview_ready`` is copied from the preview's
    # row so a gallery page knows it without a join per card.
    bitrate = models.PositiveBigIntegerField(null=True, blank=True)  # bits/s, whole file
    audio_codec = models.CharField(max_length=32, blank=True)  # "" when silent
    renditions_at = models.DateTimeField(null=True, blank=True)
    renditions_error = models.CharField(max_length=200, blank=True)
    renditions_seconds = models.FloatField(null=True, blank=True)  # wall time to make them
    preview_ready = models.BooleanField(default=False)
    # Content Credentials (videos.credentials): what the file's C2PA manifest says
    # (``Credentials.as_json()``: origin, ai_generated, generator, model, digital source
    # type, signed_at, issuer, signature state). A generated video is signed before it is
    # hashed; ``unsigned_sha256`` is the provider's output before signing, the key that
    # stores one generated output once however often it is collected ("" if not signed).
    credentials = models.JSONField(default=dict, blank=True)
    unsigned_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        db_table = "video_assets"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["unsigned_sha256"],
                condition=~Q(unsigned_sha256=""),
                name="video_assets_unsigned_sha256_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sha256[:12]} ({self.width}x{self.height}, {self.duration:.1f}s)"


class JobKind(models.TextChoices):
    GENERATE = "generate", "Generate"
    INGEST = "ingest", "Ingest"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    INGESTING = "ingesting", "Ingesting"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_JOB_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.INGESTING)
FINISHED_JOB_STATUSES = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


class VideoJob(models.Model):
    """One attempt to get a video into our storage: generate it, or ingest it.

    Owned by an account or an anonymous session. It may be *for* something (its
    subject: one of the two lazy foreign keys below), which this app never reads:
    it announces every change (``videos.signals.video_job_changed``) and the app
    that owns the subject reacts.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=JobKind.choices)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.FloatField(default=0.0)
    provider = models.CharField(max_length=16, choices=VideoSource.choices)
    provider_task_id = models.CharField(max_length=128, blank=True)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="video_jobs",
    )
    session_key = models.CharField(max_length=64, blank=True)
    dream = models.ForeignKey(
        "dreams.Dream", null=True, blank=True, on_delete=models.CASCADE, related_name="video_jobs"
    )
    demo_dream = models.ForeignKey(
        "dreams.DemoDream",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="video_jobs",
    )

    prompt = models.TextField(blank=True)
    duration = models.PositiveSmallIntegerField(default=DEFAULT_DURATION_SECONDS)
    ratio = models.CharField(max_length=16, default=DEFAULT_RATIO)
    seed = models.BigIntegerField(null=True, blank=True)
    # Generation jobs: the model, style preset and sound asked for (videos.catalog). Ingest
    # jobs leave them empty; generate jobs from before migration 0003 say gen4.5.
    model = models.CharField(max_length=32, blank=True)
    style = models.CharField(max_length=32, blank=True)
    audio = models.BooleanField(null=True, blank=True)  # None: the model has no sound option
    # What a renderer may use besides the prompt (emotions, keywords, title), given at submit.
    hints = models.JSONField(default=dict, blank=True)
    # Ingest jobs: where the bytes come from (a URL, or a staged upload in storage).
    source_url = models.URLField(max_length=2048, blank=True)
    thumbnail_source_url = models.URLField(max_length=2048, blank=True)
    staged_file = models.FileField(upload_to="staging/", max_length=255, blank=True)

    asset = models.ForeignKey(
        VideoAsset, null=True, blank=True, on_delete=models.PROTECT, related_name="jobs"
    )
    attempts = models.PositiveIntegerField(default=0)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.CharField(max_length=1000, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    provider_finished_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "video_jobs"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "status"], name="video_jobs_user_status_idx"),
            models.Index(fields=["session_key", "status"], name="video_jobs_session_status_idx"),
            models.Index(fields=["status", "updated_at"], name="video_jobs_status_updated_idx"),
            models.Index(fields=["created_at"], name="video_jobs_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~(Q(dream__isnull=False) & Q(demo_dream__isnull=False)),
                name="video_jobs_one_dream",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(session_key=""),
                name="video_jobs_has_owner",
            ),
            models.CheckConstraint(
                condition=Q(status__in=JobStatus.values), name="video_jobs_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=1), name="video_jobs_progress_range"
            ),
            models.CheckConstraint(
                condition=Q(kind=JobKind.GENERATE) | Q(model="", style="", audio__isnull=True),
                name="video_jobs_ingest_has_no_generation_choices",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} job {self.id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_JOB_STATUSES

    @property
    def subject(self) -> dict[str, object]:
        """The job's subject as lookup kwargs (``{}`` for none): a new job for the same thing."""
        return {
            name: value
            for name, value in (("dream_id", self.dream_id), ("demo_dream_id", self.demo_dream_id))
            if value is not None
        }

    @property
    def subject_id(self):
        return self.dream_id or self.demo_dream_id


class RenditionKind(models.TextChoices):
    WEB = "web", "Web rendition"
    PREVIEW = "preview", "Preview loop"


def _rendition_path(instance: VideoRendition, filename: str) -> str:
    sha256 = instance.asset.sha256
    return f"renditions/{sha256[:2]}/{sha256}-{instance.kind}.mp4"


class VideoRendition(models.Model):
    """A file made from an asset's original (``videos.renditions``): one per kind.

    ``web`` is what players get by default (H.264 High, faststart, capped size); it is
    absent when the original already qualified and was no bigger. ``preview`` is the
    gallery's short silent loop. ``seconds`` is the wall time it took to make.
    """

    asset = models.ForeignKey(VideoAsset, on_delete=models.CASCADE, related_name="renditions")
    kind = models.CharField(max_length=16, choices=RenditionKind.choices)
    file = models.FileField(upload_to=_rendition_path, max_length=255)
    bytes = models.BigIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    duration = models.FloatField()
    video_codec = models.CharField(max_length=32)
    audio_codec = models.CharField(max_length=32, blank=True)
    bitrate = models.PositiveBigIntegerField()
    seconds = models.FloatField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "video_renditions"
        ordering = ["asset", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "kind"], name="video_renditions_one_per_kind"),
            models.CheckConstraint(
                condition=Q(kind__in=RenditionKind.values), name="video_renditions_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.asset.sha256[:12]} ({self.width}x{self.height})"
