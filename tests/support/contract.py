"""The API contract as ``docs/architecture.md`` states it, for tests in every area."""

from __future__ import annotations

#: A dream as the API shows it (``DreamSerializer``): exactly these fields.
DREAM_FIELDS = {
    "id",
    "title",
    "content",
    "dreamt_on",
    "lucid",
    "nightmare",
    "recurring",
    "clarity",
    "sleep_quality",
    "tags",
    "analysis",
    "analysis_status",
    "video_url",
    "thumbnail_url",
    "preview_url",
    "video_prompt",
    "video_duration",
    "video_status",
    "is_public",
    "moderation_status",
    "moderation_reason",
    "storage",
    "created_at",
    "updated_at",
    "video_credentials",
}
