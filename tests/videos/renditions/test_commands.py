"""``make_renditions`` backfills what is missing (resumable, with a progress bar), and
``verify_videos`` checks renditions too."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.videos.renditions.clips import write_clip
from videos.models import RenditionKind, VideoAsset, VideoRendition

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_assets(store, tmp_path) -> list[VideoAsset]:
    """Three videos stored before renditions existed (VIDEO_RENDITIONS is off here)."""
    return [
        store(write_clip(tmp_path / f"c{n}.mp4", seconds=1, width=64 + 16 * n, height=48))
        for n in range(3)
    ]


def _run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("make_renditions", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_backfill_makes_what_is_missing_with_a_progress_bar(three_assets, temp_dir):
    # Given three stored videos without renditions, one already done
    from videos.renditions.services import video_renditions_make

    video_renditions_make(asset=three_assets[0])

    # When the dry run, then the backfill runs
    dry, _ = _run("--dry-run")
    out, err = _run()

    # Then the dry run only counted, and the backfill made the two missing ones
    assert dry.strip() == "2 video(s) would get renditions."
    assert "2 made, 0 failed" in out
    assert "[" + "#" * 30 + "] 2/2" in err and "0/2" in err
    assert VideoAsset.objects.filter(renditions_at__isnull=True).count() == 0
    assert VideoRendition.objects.filter(kind=RenditionKind.PREVIEW).count() == 3
    # and running it again has nothing left to do (resumable)
    again, _ = _run()
    assert "0 made" in again
    assert list(temp_dir.iterdir()) == []


def test_verify_videos_checks_renditions(three_assets, renditions_on):
    from videos.renditions.services import video_renditions_make

    asset = video_renditions_make(asset=three_assets[0])
    out = StringIO()
    call_command("verify_videos", "--no-repair", stdout=out, stderr=StringIO())
    assert "3 ok" in out.getvalue()

    # When a preview file is cut short on disk
    preview = asset.renditions.get(kind=RenditionKind.PREVIEW)
    path = preview.file.storage.path(preview.file.name)
    with open(path, "r+b") as fh:
        fh.truncate(preview.bytes // 2)

    # Then verify_videos says which file, and fails
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_videos", "--no-repair", stdout=StringIO(), stderr=err)
    assert f"size mismatch ({preview.bytes // 2} bytes, row says {preview.bytes})" in err.getvalue()
    assert preview.file.name in err.getvalue()

    # and a preview file gone from storage too
    preview.file.storage.delete(preview.file.name)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_videos", "--no-repair", stdout=StringIO(), stderr=err)
    assert "missing preview rendition of asset" in err.getvalue()


def test_verify_videos_finds_a_rendition_that_no_longer_plays(three_assets, renditions_on):
    from videos.renditions.services import video_renditions_make

    asset = video_renditions_make(asset=three_assets[0])
    preview = asset.renditions.get(kind=RenditionKind.PREVIEW)
    path = preview.file.storage.path(preview.file.name)
    with open(path, "r+b") as fh:  # same size, nothing of a video left
        fh.write(b"\0" * preview.bytes)

    err = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_videos", "--no-repair", stdout=StringIO(), stderr=err)
    assert "unplayable" in err.getvalue() and preview.file.name in err.getvalue()
