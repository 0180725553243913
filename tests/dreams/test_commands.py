"""The dream app's management commands that copy videos: ``ingest_videos``.

(``replay_emergency`` is tested with the emergency tier, in ``tests/dreams/storage/``.)
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from dreams.models import Dream
from videos.models import VideoAsset

pytestmark = pytest.mark.django_db


def test_ingest_videos_copies_outside_urls_once(user, files):
    Dream.objects.create(
        owner=user,
        title="Old",
        content="From before storage.",
        video_url=files.url_for("/dream.mp4"),
    )
    out = StringIO()
    call_command("ingest_videos", stdout=out)
    assert "succeeded: 1" in out.getvalue()
    dream = Dream.objects.get()
    assert dream.video_status == "ready" and dream.video_asset is not None

    again = StringIO()
    call_command("ingest_videos", stdout=again)
    assert "Nothing to do" in again.getvalue()
    assert VideoAsset.objects.count() == 1
