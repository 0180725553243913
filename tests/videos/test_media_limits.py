"""videos.media refuses from the headers what we would never serve, and decodes little.

Real files made with PyAV. The in-process functions are tested here; the sandbox that
the application calls them through is tested in ``test_sandbox.py``, the 16000x16000
bomb in ``tests/hostile/test_decompression_bomb.py``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from tests.hostile.crafted_videos import encoded_clip, png_mov
from videos.media import (
    DEFAULT_ALLOWED_CODECS,
    MediaLimits,
    NotAVideoError,
    VideoTooLargeError,
    make_thumbnail,
    probe_video,
    write_mp4,
)

# A PNG-in-MOV whose frames are not PNG at all: decoding any of it fails, so a refusal
# that names the size proves the verdict came from the headers alone.
GARBAGE = b"\x89PNG but not really " * 8


def jpeg_size(data: bytes) -> tuple[int, int]:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    return image.size


def jpeg_grey(data: bytes) -> float:
    return float(np.asarray(Image.open(io.BytesIO(data)).convert("L")).mean())


def stepped_frames(count: int, *, width: int, height: int, step: int) -> Iterator[np.ndarray]:
    """Frame i is flat grey ``(step * i) % 256``, so a thumbnail tells which frame it is."""
    for i in range(count):
        yield np.full((height, width, 3), (step * i) % 256, np.uint8)


@pytest.fixture(scope="module")
def big_h264(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One 4000x2200 H.264 frame: just over the 3840x2160 pixel cap, a few KB on disk."""
    path = tmp_path_factory.mktemp("limits") / "big.mp4"
    return encoded_clip(path, width=4000, height=2200, frames=1)


# --- pixels ----------------------------------------------------------------------------------


def test_a_frame_over_the_pixel_cap_is_refused_from_the_headers(tmp_path: Path) -> None:
    path = png_mov(tmp_path / "garbage.mov", width=4000, height=2200, payload=GARBAGE)
    with pytest.raises(VideoTooLargeError, match="4000x2200"):
        probe_video(path)
    with pytest.raises(VideoTooLargeError, match="4000x2200"):
        make_thumbnail(path)
    # The same garbage at a size we allow gets as far as the codec check: it is the
    # size, not the garbage, that was refused above.
    small = png_mov(tmp_path / "small.mov", width=64, height=48, payload=GARBAGE)
    with pytest.raises(NotAVideoError, match="codec 'png'"):
        probe_video(small)


def test_h264_over_the_pixel_cap_is_too_large(big_h264: Path) -> None:
    with pytest.raises(VideoTooLargeError):
        probe_video(big_h264)
    with pytest.raises(VideoTooLargeError):
        make_thumbnail(big_h264)


def test_too_large_is_still_a_not_a_video_error(big_h264: Path) -> None:
    # Code that only knows NotAVideoError refuses the file all the same.
    with pytest.raises(NotAVideoError):
        probe_video(big_h264)


def test_the_pixel_cap_is_a_limit(big_h264: Path) -> None:
    limits = MediaLimits(max_pixels=4000 * 2200)
    probe = probe_video(big_h264, limits=limits)
    assert (probe.width, probe.height, probe.codec) == (4000, 2200, "h264")
    assert jpeg_size(make_thumbnail(big_h264, limits=limits)) == (640, 352)


@pytest.mark.parametrize(("width", "height"), [(3840, 2160), (2160, 3840)])
def test_4k_is_within_the_cap_and_thumbnailed_small(tmp_path: Path, width, height) -> None:
    # H.264 codes 2160 lines as 2176: the decoder's own cap must leave room for that.
    path = encoded_clip(tmp_path / "4k.mp4", width=width, height=height, frames=2)
    probe = probe_video(path)
    assert (probe.width, probe.height) == (width, height)
    assert jpeg_size(make_thumbnail(path, max_width=320)) == (320, round(320 * height / width))


def test_a_header_that_hides_its_size_is_still_capped_by_the_decoder(tmp_path: Path) -> None:
    # MPEG-4 Part 2 in MP4 reads as 0x0 until decoded, so the header check cannot see
    # its size; FFmpeg's max_pixels then refuses the frame.
    path = encoded_clip(tmp_path / "hidden.mp4", codec="mpeg4", width=320, height=240, frames=2)
    limits = MediaLimits(max_pixels=100 * 100)
    with pytest.raises(NotAVideoError, match="does not decode"):
        probe_video(path, limits=limits)
    with pytest.raises(NotAVideoError, match="does not decode"):
        make_thumbnail(path, limits=limits)
    assert (probe_video(path).width, probe_video(path).height) == (320, 240)


# --- frame rate, streams, codecs, duration ----------------------------------------------------


def test_a_frame_rate_over_the_cap_is_refused(tmp_path: Path) -> None:
    fast = encoded_clip(tmp_path / "240.mp4", fps=240, frames=24)
    with pytest.raises(NotAVideoError, match="240.00 fps"):
        probe_video(fast)
    assert probe_video(fast, limits=MediaLimits(max_fps=240)).duration == pytest.approx(0.1)
    at_cap = encoded_clip(tmp_path / "120.mp4", fps=120, frames=24)
    assert probe_video(at_cap).duration == pytest.approx(0.2)


def test_too_many_streams_are_refused(tmp_path: Path) -> None:
    crowded = encoded_clip(tmp_path / "nine.mp4", audio_streams=8)
    with pytest.raises(NotAVideoError, match="9 streams, at most 8"):
        probe_video(crowded)
    with pytest.raises(NotAVideoError, match="9 streams"):
        make_thumbnail(crowded)
    # A phone's video with sound and metadata tracks is fine, up to the cap.
    assert probe_video(encoded_clip(tmp_path / "eight.mp4", audio_streams=7)).codec == "h264"


def test_a_codec_outside_the_allow_list_is_refused(tmp_path: Path) -> None:
    mjpeg = encoded_clip(tmp_path / "m.mov", codec="mjpeg", fmt="mov", pix_fmt="yuvj420p")
    with pytest.raises(NotAVideoError, match="codec 'mjpeg'"):
        probe_video(mjpeg)
    with pytest.raises(NotAVideoError, match="codec 'mjpeg'"):
        make_thumbnail(mjpeg)
    allowed = MediaLimits(allowed_codecs=DEFAULT_ALLOWED_CODECS | {"mjpeg"})
    assert probe_video(mjpeg, limits=allowed).codec == "mjpeg"


def test_codec_names_are_compared_case_blind(tmp_path: Path) -> None:
    clip = encoded_clip(tmp_path / "c.mp4")
    assert probe_video(clip, limits=MediaLimits(allowed_codecs=frozenset({" H264 "}))).codec


@pytest.mark.parametrize(
    ("encoder", "fmt", "codec"),
    [
        ("libx264", "mp4", "h264"),
        ("libx265", "mp4", "hevc"),
        ("libvpx", "webm", "vp8"),
        ("libvpx-vp9", "webm", "vp9"),
        ("libsvtav1", "mp4", "av1"),  # decoded by libdav1d: the codec name is what counts
        ("mpeg4", "mp4", "mpeg4"),
    ],
)
def test_every_codec_we_serve_is_accepted(
    tmp_path: Path, encoder: str, fmt: str, codec: str
) -> None:
    if encoder not in av.codecs_available:
        pytest.skip(f"this FFmpeg has no {encoder} encoder")
    clip = encoded_clip(tmp_path / f"clip.{fmt}", codec=encoder, fmt=fmt, width=64, height=64)
    assert codec in DEFAULT_ALLOWED_CODECS
    assert probe_video(clip).codec == codec
    assert jpeg_size(make_thumbnail(clip)) == (64, 64)


def test_a_declared_duration_over_the_cap_is_too_large(tmp_path: Path) -> None:
    clip = encoded_clip(tmp_path / "three.mp4", frames=72)  # 3 s at 24 fps
    limits = MediaLimits(max_duration_seconds=2)
    with pytest.raises(VideoTooLargeError, match="3.0 s long"):
        probe_video(clip, limits=limits)
    with pytest.raises(VideoTooLargeError):
        make_thumbnail(clip, limits=limits)
    assert probe_video(clip).duration == pytest.approx(3.0)


@pytest.mark.parametrize(
    "limit", ["max_pixels", "max_fps", "max_duration_seconds", "max_streams", "max_decoded_frames"]
)
def test_limits_must_be_positive(limit: str) -> None:
    with pytest.raises(ValueError, match=limit):
        MediaLimits(**{limit: 0})


# --- bounded decoding ---------------------------------------------------------------------------


def test_a_demo_sized_clip_is_accepted_and_thumbnailed_within_max_width(tmp_path: Path) -> None:
    path = tmp_path / "demo.mp4"
    write_mp4(path, stepped_frames(48, width=1280, height=720, step=4), width=1280, height=720)
    probe = probe_video(path)
    assert (probe.width, probe.height, probe.codec, probe.container) == (1280, 720, "h264", "mov")
    thumbnail = make_thumbnail(path)
    assert jpeg_size(thumbnail) == (640, 360)
    assert jpeg_grey(thumbnail) == pytest.approx(96, abs=6)  # frame 24, at 1 s


def test_the_thumbnail_seeks_rather_than_decoding_from_the_start(tmp_path: Path) -> None:
    # 10 s with a keyframe every 2 s (write_mp4's GOP); frame i is grey 2*i.
    path = tmp_path / "long.mp4"
    write_mp4(path, stepped_frames(240, width=64, height=48, step=1), width=64, height=48)
    # 30 frames from the start would reach frame 29 at most; from the keyframe at 4 s,
    # frame 120 (t = 5 s) is 24 frames away.
    limits = MediaLimits(max_decoded_frames=30)
    assert jpeg_grey(make_thumbnail(path, at_seconds=5.0, limits=limits)) == pytest.approx(
        120, abs=6
    )


def test_the_thumbnail_stops_at_its_frame_budget(tmp_path: Path) -> None:
    # 2 s, one keyframe at 0: the frame at 1 s is frame 24, but the budget is 5 frames,
    # so the thumbnail is the fifth frame decoded (frame 4, grey 32).
    path = tmp_path / "clip.mp4"
    write_mp4(path, stepped_frames(48, width=64, height=48, step=8), width=64, height=48)
    limits = MediaLimits(max_decoded_frames=5)
    assert jpeg_grey(make_thumbnail(path, limits=limits)) == pytest.approx(32, abs=6)
    assert jpeg_grey(make_thumbnail(path)) == pytest.approx(192, abs=6)
