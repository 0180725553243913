"""Analytics of storage and renditions: bytes stored and saved, time to make them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.videos.renditions.clips import write_clip
from videos.models import RenditionKind, VideoRendition
from videos.renditions.services import video_renditions_make
from videos.stats import video_storage_stats

pytestmark = pytest.mark.django_db


def test_storage_figures_add_up(renditions_on, store, tmp_path, admin_client):
    # Given two stored videos, one with renditions
    renditions_on.VIDEO_RENDITION_MAX_SIDE = 160
    done = video_renditions_make(asset=store(write_clip(tmp_path / "a.mp4", seconds=2)))
    plain = store(write_clip(tmp_path / "b.mp4", seconds=1, width=64, height=48))
    web = done.renditions.get(kind=RenditionKind.WEB)
    preview = done.renditions.get(kind=RenditionKind.PREVIEW)

    stats = video_storage_stats()

    # Then bytes stored are the originals' plus the renditions', and saved what the web
    # rendition spares a viewer
    assert stats["assets"] == 2 and stats["web_renditions"] == 1
    assert stats["bytes_stored"] == {
        "originals": done.bytes + plain.bytes,
        "web": web.bytes,
        "preview": preview.bytes,
        "total": done.bytes + plain.bytes + web.bytes + preview.bytes,
    }
    assert stats["bytes_saved"] == done.bytes - web.bytes > 0
    seconds = stats["rendition_seconds"]
    assert seconds["p50"] == seconds["p95"] == pytest.approx(done.renditions_seconds, abs=1e-3)
    assert seconds["per_video_second"] == pytest.approx(done.renditions_seconds / 2, rel=0.05)

    # and the API and the admin page show them
    api = admin_client.get("/api/videos/stats").json()
    assert api["storage"]["bytes_saved"] == stats["bytes_saved"]
    page = admin_client.get(reverse("admin:videos_videojob_stats"))
    assert page.status_code == 200 and b"Storage and renditions" in page.content
    # and the asset's admin page lists its renditions
    asset_page = admin_client.get(reverse("admin:videos_videoasset_change", args=[done.pk]))
    assert asset_page.status_code == 200
    assert web.file.name.encode() in asset_page.content
    assert preview.file.name.encode() in asset_page.content


def test_no_renditions_yet_is_no_figure():
    stats = video_storage_stats()
    assert stats["bytes_saved"] == 0 and stats["saved_fraction"] is None
    assert stats["rendition_seconds"] == {"p50": None, "p95": None, "per_video_second": None}
    assert not VideoRendition.objects.exists()
