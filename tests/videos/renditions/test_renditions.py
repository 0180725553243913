"""Web renditions, preview loops and posters, read back with PyAV from what was stored."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from tests.support.mp4s import make_mp4
from tests.videos.renditions.clips import write_clip
from videos.models import RenditionKind, VideoAsset, VideoRendition
from videos.renditions.facts import moov_before_mdat
from videos.renditions.services import video_renditions_make

pytestmark = pytest.mark.django_db


def _local(field_file) -> Path:
    return Path(field_file.storage.path(field_file.name))


def _read(path: Path) -> dict:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        frames = [f for f in container.decode(video)]
        audio = [s.codec_context.name for s in container.streams.audio]
        return {
            "profile": video.codec_context.profile,
            "pix_fmt": frames[0].format.name,
            "width": frames[0].width,
            "height": frames[0].height,
            "seconds": float(container.duration / av.time_base),
            "frames": len(frames),
            "audio": audio,
        }


def test_a_big_clip_with_sound_gets_a_capped_faststart_high_profile_rendition(
    renditions_on, store, tmp_path, temp_dir
):
    # Given a 480x270 clip with sound, moov at the end, Baseline profile, and a 160 px cap
    renditions_on.VIDEO_RENDITION_MAX_SIDE = 320
    source = write_clip(tmp_path / "big.mp4", audio=True, faststart=False, black_seconds=1)
    asset = store(source)

    # When its renditions are made
    asset = video_renditions_make(asset=asset)

    # Then the web rendition is H.264 High, 4:2:0, moov first, 320 wide, with AAC sound
    web = asset.renditions.get(kind=RenditionKind.WEB)
    path = _local(web.file)
    seen = _read(path)
    assert (seen["profile"], seen["pix_fmt"]) == ("High", "yuv420p")
    assert (seen["width"], seen["height"]) == (320, 180)
    assert seen["audio"] == ["aac"] and web.audio_codec == "aac"
    assert moov_before_mdat(path)
    assert seen["seconds"] == pytest.approx(3.0, abs=0.1)
    # and its row says what the file is
    assert web.bytes == path.stat().st_size and (web.width, web.height) == (320, 180)
    assert web.video_codec == "h264" and web.bitrate > 0 and web.seconds > 0
    # and the asset records the original's facts, which stays stored as it was
    assert asset.bitrate == pytest.approx(source.stat().st_size * 8 / 3.0, rel=0.05)
    assert asset.audio_codec == "aac" and asset.renditions_error == ""
    assert _local(asset.file).read_bytes() == source.read_bytes()
    assert asset.renditions_seconds >= web.seconds
    # and nothing is left in the temp folder
    assert list(temp_dir.iterdir()) == []


def test_the_preview_is_a_short_small_silent_loop_and_the_poster_is_not_black(
    renditions_on, store, tmp_path
):
    # Given a clip that opens on a black second
    asset = store(write_clip(tmp_path / "fade.mp4", audio=True, black_seconds=1, seconds=4))

    asset = video_renditions_make(asset=asset)

    # Then the preview is ~2 s, at most 320 wide, silent and small
    preview = asset.renditions.get(kind=RenditionKind.PREVIEW)
    seen = _read(_local(preview.file))
    assert seen["width"] <= 320 and seen["audio"] == []
    assert 1.8 <= seen["seconds"] <= 2.2
    assert preview.bytes <= 150 * 1024 and preview.audio_codec == ""
    assert asset.preview_ready
    # and the poster (the asset's thumbnail now) is a bright, detailed frame
    with asset.thumbnail.open("rb") as fh:
        poster = np.asarray(Image.open(fh).convert("L"), dtype=np.float32)
    assert poster.mean() > 40 and poster.std() > 20


def test_a_demo_render_gets_a_preview_under_150_kb(renditions_on, store, tmp_path):
    from videos.demo_renderer import ratio_to_size, render_dream_video

    width, height = ratio_to_size("1280:720", max_width=640)  # the demo default
    path = tmp_path / "demo.mp4"
    render_dream_video(
        path, duration=4, width=width, height=height, seed=3, mood="serene", title="Tide"
    )

    asset = video_renditions_make(asset=store(path))

    preview = asset.renditions.get(kind=RenditionKind.PREVIEW)
    assert preview.bytes <= 150 * 1024 and preview.width == 320
    web = asset.renditions.get(kind=RenditionKind.WEB)
    assert web.bytes < asset.bytes  # the demo's crf 20 master is worth shrinking


def test_an_original_that_qualifies_and_is_smaller_is_served_as_is(renditions_on, store, tmp_path):
    # Given a small H.264 High, faststart clip, and a rendition that could only be bigger
    renditions_on.VIDEO_RENDITION_CRF = 1
    asset = store(make_mp4(tmp_path / "small.mp4", seconds=2, width=64, height=48))

    asset = video_renditions_make(asset=asset)

    # Then no web rendition is kept (the preview and poster still are)
    kinds = set(asset.renditions.values_list("kind", flat=True))
    assert kinds == {RenditionKind.PREVIEW}
    assert asset.renditions_at is not None and asset.renditions_error == ""


def test_an_original_that_qualifies_but_is_bigger_gets_a_rendition(renditions_on, store, tmp_path):
    renditions_on.VIDEO_RENDITION_CRF = 51
    asset = store(make_mp4(tmp_path / "small.mp4", seconds=2, width=64, height=48))

    asset = video_renditions_make(asset=asset)

    web = asset.renditions.get(kind=RenditionKind.WEB)
    assert web.bytes < asset.bytes


def test_a_444_original_is_always_rendered(renditions_on, store, tmp_path):
    renditions_on.VIDEO_RENDITION_CRF = 1  # even when the rendition is bigger
    asset = video_renditions_make(asset=store(write_clip(tmp_path / "c.mp4", pix_fmt="yuv444p")))

    web = asset.renditions.get(kind=RenditionKind.WEB)
    assert _read(_local(web.file))["pix_fmt"] == "yuv420p"
    assert web.audio_codec == ""


def test_the_task_runs_after_the_asset_is_stored_and_is_idempotent(
    renditions_on, store, tmp_path, committed, run_jobs, temp_dir
):
    # Given an asset stored in a transaction
    with committed():
        asset = store(write_clip(tmp_path / "c.mp4", seconds=2))
    # When the worker runs what was enqueued
    run_jobs()
    asset.refresh_from_db()
    # Then its renditions exist
    assert asset.renditions_at is not None and asset.preview_ready
    first = list(VideoRendition.objects.values_list("pk", "file"))
    # and running the task again changes nothing
    from videos.renditions.tasks import video_renditions_task

    video_renditions_task.call(str(asset.pk))
    assert list(VideoRendition.objects.values_list("pk", "file")) == first
    assert list(temp_dir.iterdir()) == []


def test_a_video_over_the_rendition_budget_keeps_its_original(renditions_on, store, tmp_path):
    renditions_on.VIDEO_RENDITION_SECONDS = 0.01
    asset = store(write_clip(tmp_path / "c.mp4", seconds=2))

    asset = video_renditions_make(asset=asset)

    assert asset.renditions_error == "too_large" and not asset.preview_ready
    assert not VideoRendition.objects.exists()
    assert VideoAsset.objects.get(pk=asset.pk).renditions_at is not None


def test_deleting_an_asset_deletes_its_renditions_files(renditions_on, store, tmp_path, committed):
    from django.conf import settings

    from videos.assets import video_assets_delete_unreferenced

    with committed():  # the first thumbnail, replaced by the poster, goes on commit
        asset = video_renditions_make(asset=store(write_clip(tmp_path / "c.mp4", seconds=2)))
    media = Path(settings.MEDIA_ROOT)
    assert not any(media.rglob("thumbnails/*/*.jpg"))
    assert any(media.rglob("*-preview.mp4")) and any(media.rglob("posters/*/*.jpg"))

    with committed():
        assert video_assets_delete_unreferenced(asset_ids=[asset.pk]) == 1

    assert [p for p in media.rglob("*") if p.is_file()] == []


def test_a_phones_rotation_is_kept_in_the_renditions(renditions_on, store, tmp_path):
    # Given an upright phone video: landscape pixels turned by its display matrix
    asset = store(write_clip(tmp_path / "phone.mp4", seconds=2, rotation=90))

    asset = video_renditions_make(asset=asset)

    # Then both renditions are turned the same way when played
    for kind in (RenditionKind.WEB, RenditionKind.PREVIEW):
        with av.open(str(_local(asset.renditions.get(kind=kind).file))) as container:
            frame = next(container.decode(video=0))
            assert frame.rotation == 90, kind


def test_a_generated_videos_renditions_carry_its_credentials_and_stay_faststart(
    renditions_on, auth_client, committed, run_jobs
):
    from videos.credentials import Origin, credentials_read

    # Given a dream whose video the demo renderer made (signed: AI-generated)
    with committed():
        response = auth_client.post(
            "/api/dreams/with-video",
            {"title": "Clouds", "content": "I walked on soft clouds.", "video_duration": 2},
            format="json",
        )
    assert response.status_code == 201
    # When the worker runs the job, then the renditions it enqueued
    run_jobs()

    asset = VideoAsset.objects.get()
    assert asset.renditions_at is not None and asset.renditions_error == ""
    # Then every rendition says it is AI, and a player can start it at once
    for rendition in asset.renditions.all():
        path = _local(rendition.file)
        facts = credentials_read(path, origin=Origin.GENERATED)
        assert facts.ai_generated and facts.signature.value != "missing", rendition.kind
        assert moov_before_mdat(path), rendition.kind
        assert rendition.bytes == path.stat().st_size
        assert _read(path)["frames"] > 0
