"""Dreams: one abstract base, two tables (``dreams`` and ``demo_dreams``).

``Dream`` rows belong to an account; ``DemoDream`` rows belong to an anonymous
browser session (demo mode). Both carry the dream's video fields, which only
``dreams.services`` writes.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from videos.catalog import DEFAULT_DURATION_SECONDS, MAX_DURATION_SECONDS, MIN_DURATION_SECONDS


class StorageTier(models.TextChoices):
    """Where a dream was saved (the API's ``storage``): docs/architecture.md, storage tiers."""

    DREAMS = "dreams", "Account dreams"
    DEMO_DREAMS = "demo_dreams", "Demo dreams"
    EMERGENCY = "emergency", "Emergency journal"


class VideoStatus(models.TextChoices):
    NONE = "none", "No video"
    QUEUED = "queued", "Queued"
    GENERATING = "generating", "Generating"
    INGESTING = "ingesting", "Saving"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class ModerationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class AnalysisStatus(models.TextChoices):
    """Whose reading a dream's ``analysis`` is (``dreams.services.analysis``)."""

    LOCAL = "local", "Local analysis"  # the offline analyzer's, or the owner's own
    PENDING = "pending", "Analysing"  # local for now; the LLM analyst's is on its way
    READY = "ready", "Analysed"  # the LLM analyst's (missing fields from the local one)
    FAILED = "failed", "Analysis failed"  # the LLM analyst failed: the local one stays


RATING_MIN, RATING_MAX = 1, 5  # clarity and sleep quality
TAGS_MAX_ITEMS, TAG_MAX_CHARS = 20, 50
DREAMT_ON_MAX_DAYS_AHEAD = 1  # "today" somewhere on Earth may be tomorrow here


class AbstractDream(models.Model):
    #: Where this dream lives: its table's tier, or ``EMERGENCY`` on an unsaved dream that
    #: shows a record still waiting in the emergency journal (``dreams.storage.records``).
    storage_tier: StorageTier

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(max_length=200)
    content = models.TextField()
    analysis = models.JSONField(default=dict, blank=True)
    analysis_status = models.CharField(
        max_length=16, choices=AnalysisStatus.choices, default=AnalysisStatus.LOCAL
    )
    # The URL a client gave until our copy is stored; then the path we serve it from.
    video_url = models.CharField(max_length=2048, blank=True)
    thumbnail_url = models.CharField(max_length=2048, blank=True)
    video_prompt = models.TextField(blank=True)
    video_duration = models.PositiveSmallIntegerField(default=DEFAULT_DURATION_SECONDS)
    video_status = models.CharField(
        max_length=16, choices=VideoStatus.choices, default=VideoStatus.NONE
    )
    video_asset = models.ForeignKey(
        "videos.VideoAsset", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_public = models.BooleanField(default=False)
    moderation_status = models.CharField(
        max_length=16, choices=ModerationStatus.choices, default=ModerationStatus.PENDING
    )
    moderation_reason = models.CharField(max_length=500, blank=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # When the dream last went back to the moderation queue after it was written (a change,
    # a new video, made public again); None: waiting since ``created_at``. For the analytics'
    # time to a decision (``dreams.stats``).
    review_requested_at = models.DateTimeField(null=True, blank=True)
    # When the dream was dreamt (the journal's order); may be backdated.
    dreamt_on = models.DateField(default=timezone.localdate)
    lucid = models.BooleanField(default=False)
    nightmare = models.BooleanField(default=False)
    recurring = models.BooleanField(default=False)
    clarity = models.PositiveSmallIntegerField(null=True, blank=True)
    sleep_quality = models.PositiveSmallIntegerField(null=True, blank=True)
    #: The owner's own labels: normalised (``dreams.tags.normalise_tags``), at most 20.
    tags = models.JSONField(default=list, blank=True)
    # Kept by a PostgreSQL trigger (migration 0004) from title, tags, analysis and content;
    # always NULL on SQLite, whose search is a simpler fallback (dreams.search).
    search_vector = SearchVectorField(null=True, blank=True, editable=False)
    # Not auto_now: replayed emergency records keep their original timestamps.
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["-dreamt_on", "-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def has_ready_video(self) -> bool:
        return self.video_status == VideoStatus.READY and self.video_asset_id is not None


def _dream_constraints(prefix: str) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(video_duration__gte=MIN_DURATION_SECONDS)
            & Q(video_duration__lte=MAX_DURATION_SECONDS),
            name=f"{prefix}_video_duration_range",
        ),
        models.CheckConstraint(
            condition=Q(video_status__in=VideoStatus.values), name=f"{prefix}_video_status_valid"
        ),
        models.CheckConstraint(
            condition=Q(moderation_status__in=ModerationStatus.values),
            name=f"{prefix}_moderation_status_valid",
        ),
        models.CheckConstraint(
            condition=Q(analysis_status__in=AnalysisStatus.values),
            name=f"{prefix}_analysis_status_valid",
        ),
        models.CheckConstraint(
            condition=Q(clarity__isnull=True)
            | (Q(clarity__gte=RATING_MIN) & Q(clarity__lte=RATING_MAX)),
            name=f"{prefix}_clarity_range",
        ),
        models.CheckConstraint(
            condition=Q(sleep_quality__isnull=True)
            | (Q(sleep_quality__gte=RATING_MIN) & Q(sleep_quality__lte=RATING_MAX)),
            name=f"{prefix}_sleep_quality_range",
        ),
    ]


class Dream(AbstractDream):
    storage_tier = StorageTier.DREAMS

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dreams"
    )
    # Kept by ``dreams.reports`` in the transaction that opens or closes a report: the
    # gallery's filter stays one indexed column, whatever the number of reports.
    open_reports = models.PositiveIntegerField(default=0, editable=False)
    hidden_by_reports = models.BooleanField(default=False, editable=False)

    class Meta(AbstractDream.Meta):
        db_table = "dreams"
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="dreams_owner_created_idx"),
            # The journal's order (and its keyset pagination).
            models.Index(
                fields=["owner", "-dreamt_on", "-created_at", "-id"], name="dreams_owner_dreamt_idx"
            ),
            # Serves the gallery: only rows that can appear in it, newest first.
            models.Index(
                fields=["-created_at"],
                name="dreams_gallery_idx",
                condition=Q(
                    is_public=True,
                    moderation_status="approved",
                    video_status="ready",
                    hidden_by_reports=False,
                ),
            ),
            models.Index(
                fields=["created_at"],
                name="dreams_moderation_queue_idx",
                condition=Q(is_public=True, moderation_status="pending"),
            ),
        ]
        constraints = _dream_constraints("dreams")


class DemoDream(AbstractDream):
    storage_tier = StorageTier.DEMO_DREAMS

    session_key = models.CharField(max_length=64)

    class Meta(AbstractDream.Meta):
        db_table = "demo_dreams"
        verbose_name = "demo dream"
        indexes = [
            models.Index(fields=["session_key", "-created_at"], name="demo_dreams_owner_idx"),
            models.Index(
                fields=["session_key", "-dreamt_on", "-created_at", "-id"],
                name="demo_dreams_dreamt_idx",
            ),
        ]
        constraints = _dream_constraints("demo_dreams")


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Packing"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class JournalExport(models.Model):
    """A journal packed into a ZIP by the task worker (``dreams.archive.export``).

    Only large journals get one: a small journal streams straight to its owner and leaves
    no row. A ready export may be downloaded by its owner until ``expires_at``; then the
    sweep (``dreams.archive.export.journal_exports_sweep``) deletes it, file and row.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journal_exports"
    )
    status = models.CharField(
        max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    file = models.FileField(upload_to="exports/", max_length=255, blank=True)
    bytes = models.BigIntegerField(null=True, blank=True)
    dream_count = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "journal_exports"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="journal_exports_user_idx"),
            models.Index(fields=["expires_at"], name="journal_exports_expiry_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ExportStatus.values), name="journal_exports_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"journal export {self.id} ({self.status})"


# --- Reports and moderation history (dreams.reports, dreams.moderation, dreams.stats) ---


class ReportReason(models.TextChoices):
    SPAM = "spam", "Spam or advertising"
    HARASSMENT = "harassment", "Harassment or hate"
    SEXUAL = "sexual", "Sexual content"
    VIOLENCE = "violence", "Violence or self-harm"
    PERSONAL_INFO = "personal_info", "Personal information"
    OTHER = "other", "Something else"


class ReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    DISMISSED = "dismissed", "Dismissed"
    ACTIONED = "actioned", "Actioned"


class ReportResolution(models.TextChoices):
    DISMISS = "dismiss", "Dismissed (the dream stays)"
    UNPUBLISH = "unpublish", "Unpublished (made private)"
    REJECT = "reject", "Rejected"


REPORT_TEXT_MAX_CHARS = 500


class DreamReport(models.Model):
    """A visitor's report of a public dream, open until a moderator resolves it.

    ``reporter_key`` names the visitor: ``u:<account id>``, or for an anonymous visitor
    ``a:`` and a keyed hash of their network (``dreams.reports.reporter_key``): the
    address itself is never stored. One open report per visitor and dream.
    """

    dream = models.ForeignKey(Dream, on_delete=models.CASCADE, related_name="reports")
    reason = models.CharField(max_length=16, choices=ReportReason.choices)
    text = models.CharField(max_length=REPORT_TEXT_MAX_CHARS, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reporter_key = models.CharField(max_length=64)
    # Where it came from, for accounts too (``dreams.reports.network_key``): the threshold
    # counts networks. Empty for reports opened before it was kept.
    network_key = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(
        max_length=16, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolution = models.CharField(max_length=16, choices=ReportResolution.choices, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        db_table = "dream_reports"
        ordering = ["-created_at", "-id"]
        indexes = [
            # The admin's queue and its count: open reports only, oldest first.
            models.Index(
                fields=["created_at"], name="dream_reports_open_idx", condition=Q(status="open")
            ),
            models.Index(fields=["dream", "status"], name="dream_reports_dream_idx"),
            models.Index(fields=["created_at"], name="dream_reports_created_idx"),
            models.Index(fields=["resolved_at"], name="dream_reports_resolved_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["dream", "reporter_key"],
                condition=Q(status="open"),
                name="dream_reports_one_open_per_visitor",
            ),
            models.CheckConstraint(
                condition=Q(reason__in=ReportReason.values), name="dream_reports_reason_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReportStatus.values), name="dream_reports_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="open", resolved_at__isnull=True)
                | (~Q(status="open") & Q(resolved_at__isnull=False)),
                name="dream_reports_resolved_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} report on “{self.dream_id}”"


class DecisionKind(models.TextChoices):
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class ModerationDecision(models.Model):
    """One approval or rejection, as it happened (the dream row keeps only its latest state).

    Written by ``dreams.moderation`` with the decision; read by the analytics
    (``dreams.stats``). Not a foreign key: a dream of either table, and the history
    outlives a deleted dream.
    """

    dream_id = models.UUIDField()
    storage = models.CharField(max_length=16, choices=StorageTier.choices)
    decision = models.CharField(max_length=16, choices=DecisionKind.choices)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField()  # when the dream entered the moderation queue
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "moderation_decisions"
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["decided_at"], name="moderation_decisions_day_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision__in=DecisionKind.values),
                name="moderation_decisions_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decision} {self.dream_id} at {self.decided_at:%Y-%m-%d %H:%M}"
