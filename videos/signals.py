"""What the video app announces, so apps above it react without being imported here."""

from __future__ import annotations

from django.dispatch import Signal

#: Sent with ``job`` whenever a job is created or its state changes, inside the transaction
#: that made the change. Receivers must not raise for jobs that are not theirs.
video_job_changed = Signal()
