"""The video app's management commands: ``verify_videos`` (``recover_video_jobs`` runs
``video_jobs_recover``, tested in ``jobs/test_control.py`` and ``jobs/test_worker.py``)."""

from __future__ import annotations

import hashlib
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from videos.models import VideoAsset

pytestmark = pytest.mark.django_db


def test_verify_videos_reports_and_repairs(stored_job, settings, files):
    asset = VideoAsset.objects.get()
    out = StringIO()
    call_command("verify_videos", stdout=out)
    assert "1 ok, 0 repaired, 0 missing" in out.getvalue()

    # Lost from storage, but the source still serves the same bytes: repaired.
    Path(asset.file.path).unlink()
    out = StringIO()
    call_command("verify_videos", stdout=out)
    assert "1 repaired" in out.getvalue()
    assert hashlib.sha256(Path(asset.file.path).read_bytes()).hexdigest() == asset.sha256

    # Corrupt and no way to repair: reported, non-zero exit.
    Path(asset.file.path).write_bytes(b"bit rot")
    with pytest.raises(CommandError):
        call_command("verify_videos", "--no-repair", stdout=StringIO(), stderr=StringIO())
