"""Writes of dreams. Every change to a dream goes through one of these functions.

This package is the only writer of a dream's fields, its video fields included:
``dream`` creates, edits, deletes and moves dreams; ``video`` starts a dream's video
jobs and mirrors what they announce (``videos.signals.video_job_changed``); ``account``
is what a signed-in person changes about their account, deleting it with all their dreams
included.
"""

from dreams.services.account import (
    TokenSummary,
    account_delete,
    account_email_change,
    account_password_change,
    account_password_check,
    account_token_revoke,
    account_token_summary,
    password_reset_email_queue,
    password_reset_email_send,
)
from dreams.services.dream import (
    demo_dreams_claim,
    dream_create,
    dream_create_replayed,
    dream_create_with_video,
    dream_delete,
    dream_update,
    initial_moderation_status,
)
from dreams.services.video import (
    dream_preview_path,
    dream_thumbnail_path,
    dream_video_generate,
    dream_video_path,
    dream_video_store,
    dream_video_sync,
    dreams_video_refreshed,
)

__all__ = [
    "TokenSummary",
    "account_delete",
    "account_email_change",
    "account_password_change",
    "account_password_check",
    "account_token_revoke",
    "account_token_summary",
    "demo_dreams_claim",
    "dream_create",
    "dream_create_replayed",
    "dream_create_with_video",
    "dream_delete",
    "dream_preview_path",
    "dream_thumbnail_path",
    "dream_update",
    "dream_video_generate",
    "dream_video_path",
    "dream_video_store",
    "dream_video_sync",
    "dreams_video_refreshed",
    "initial_moderation_status",
    "password_reset_email_queue",
    "password_reset_email_send",
]
