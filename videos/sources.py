"""Where a video comes from: one enum for the job's provider and the stored asset's source."""

from __future__ import annotations

from django.db import models


class VideoSource(models.TextChoices):
    RUNWAY = "runway", "RunwayML"
    DEMO = "demo", "Demo renderer"
    URL = "url", "Remote URL"
    UPLOAD = "upload", "Upload"


#: Sources that generate a video (a provider behind the contract in ``videos.providers``).
GENERATORS = frozenset({VideoSource.RUNWAY, VideoSource.DEMO})
