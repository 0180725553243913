"""What the video app announces, so apps above it react without being imported here."""

from __future__ import annotations

from django.dispatch import Signal

#: Sent with ``job`` whenever a job is created or its state changes, inside the transaction
#: that made the change. Receivers must not raise for jobs that are not theirs.
video_job_changed = Signal()

#: Sent with ``asset`` when what a stored video shows changes without a job (its web
#: rendition, preview loop or poster are made; its credentials are re-read), inside the
#: transaction that made the change. Pages and caches that show the video should refresh.
video_asset_changed = Signal()
