"""Tests for videos.media: probing, thumbnails and MP4 writing, on real files."""

from __future__ import annotations

import io
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from videos.media import NotAVideoError, VideoProbe, make_thumbnail, probe_video, write_mp4

FPS = 24


def grey_frames(count: int, *, width: int, height: int) -> Iterator[np.ndarray]:
    """Frame i is a flat grey of level 8*i (clamped), so a decoded frame tells its index."""
    for i in range(count):
        yield np.full((height, width, 3), min(255, 8 * i), dtype=np.uint8)


def top_level_boxes(path: Path) -> list[str]:
    """The ISO-BMFF top-level box types of ``path``, in file order."""
    data = path.read_bytes()
    boxes, offset = [], 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        kind = data[offset + 4 : offset + 8].decode("latin-1")
        if size == 1:
            size = int.from_bytes(data[offset + 8 : offset + 16], "big")
        elif size == 0:
            size = len(data) - offset
        assert size >= 8, f"corrupt box {kind!r} at {offset}"
        boxes.append(kind)
        offset += size
    assert offset == len(data), "boxes do not add up to the file size"
    return boxes


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real 2 s, 160x120 H.264 MP4 (48 frames)."""
    path = tmp_path_factory.mktemp("media") / "clip.mp4"
    write_mp4(path, grey_frames(48, width=160, height=120), width=160, height=120, fps=FPS)
    return path


def test_write_mp4_makes_h264_yuv420p_of_the_right_length(clip: Path) -> None:
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert (stream.codec_context.width, stream.codec_context.height) == (160, 120)
        assert stream.average_rate == Fraction(FPS)
        duration = float(stream.duration * stream.time_base)
        frames = list(container.decode(stream))
    assert len(frames) == 48
    assert duration == pytest.approx(2.0, abs=1 / FPS)


def test_write_mp4_puts_moov_before_mdat(clip: Path) -> None:
    boxes = top_level_boxes(clip)
    assert "moov" in boxes and "mdat" in boxes
    assert boxes.index("moov") < boxes.index("mdat")


def test_write_mp4_keeps_frames_in_order(clip: Path) -> None:
    with av.open(str(clip)) as container:
        means = [f.to_ndarray(format="rgb24").mean() for f in container.decode(video=0)]
    # Grey level 8*i survives lossy coding to within a few levels.
    assert means == pytest.approx([min(255, 8 * i) for i in range(48)], abs=4)


@pytest.mark.parametrize(("width", "height"), [(161, 120), (160, 121), (0, 120), (160, -2)])
def test_write_mp4_rejects_odd_or_empty_sizes(tmp_path: Path, width: int, height: int) -> None:
    path = tmp_path / "odd.mp4"
    with pytest.raises(ValueError, match="even"):
        write_mp4(path, [], width=width, height=height)
    assert not path.exists()


def test_write_mp4_rejects_a_frame_of_the_wrong_shape_and_removes_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.mp4"
    frames = [np.zeros((120, 160, 3), np.uint8), np.zeros((120, 162, 3), np.uint8)]
    with pytest.raises(ValueError, match="shape"):
        write_mp4(path, frames, width=160, height=120)
    assert not path.exists()


def test_write_mp4_rejects_non_uint8_frames(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="uint8"):
        write_mp4(tmp_path / "f.mp4", [np.zeros((120, 160, 3))], width=160, height=120)


def test_write_mp4_rejects_no_frames(tmp_path: Path) -> None:
    path = tmp_path / "empty.mp4"
    with pytest.raises(ValueError, match="at least one frame"):
        write_mp4(path, [], width=160, height=120)
    assert not path.exists()


def noise_clip(path: Path, *, fmt: str = "mp4", codec: str = "libx264", **options: str) -> Path:
    """A 2 s, 64x64 noise clip muxed by PyAV itself (for MP4: ``moov`` after ``mdat``)."""
    rng = np.random.default_rng(7)
    with av.open(str(path), "w", format=fmt, options=options) as container:
        stream = container.add_stream(codec, rate=FPS)
        stream.width = stream.height = 64
        stream.pix_fmt = "yuv420p"
        for index in range(2 * FPS):
            pixels = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


@pytest.fixture(scope="module")
def moov_last(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An MP4 laid out the other way from ``clip``: ``mdat`` first, ``moov`` at the end."""
    return noise_clip(tmp_path_factory.mktemp("media") / "moov-last.mp4")


@pytest.fixture(scope="module")
def webm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2 s VP9 WebM."""
    return noise_clip(
        tmp_path_factory.mktemp("media") / "clip.webm", fmt="webm", codec="libvpx-vp9"
    )


def write_part(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_probe_describes_a_real_video(clip: Path) -> None:
    probe = probe_video(clip)
    assert isinstance(probe, VideoProbe)
    assert (probe.width, probe.height, probe.codec) == (160, 120, "h264")
    assert probe.duration == pytest.approx(2.0, abs=1 / FPS)
    assert probe.container == "mov"


def test_probe_reads_an_mp4_with_moov_at_the_end(moov_last: Path) -> None:
    probe = probe_video(moov_last)
    assert (probe.width, probe.height, probe.container) == (64, 64, "mov")
    assert probe.duration == pytest.approx(2.0, abs=1 / FPS)


def test_probe_reads_a_webm(webm: Path) -> None:
    probe = probe_video(webm)
    assert (probe.width, probe.height, probe.codec, probe.container) == (64, 64, "vp9", "matroska")
    assert probe.duration == pytest.approx(2.0, abs=2 / FPS)


def test_the_container_comes_from_the_bytes_not_the_name(
    clip: Path, webm: Path, tmp_path: Path
) -> None:
    assert probe_video(write_part(tmp_path / "a.webm", clip.read_bytes())).container == "mov"
    assert probe_video(write_part(tmp_path / "b.mp4", webm.read_bytes())).container == "matroska"
    assert probe_video(write_part(tmp_path / "c.part", clip.read_bytes())).container == "mov"


def test_probe_rejects_an_html_error_page(tmp_path: Path) -> None:
    page = tmp_path / "video.mp4"  # servers happily send HTML under a .mp4 name
    page.write_text("<!DOCTYPE html><html><body><h1>403 Forbidden</h1></body></html>\n")
    with pytest.raises(NotAVideoError):
        probe_video(page)


def test_probe_rejects_an_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(NotAVideoError):
        probe_video(empty)


def test_probe_rejects_the_first_half_of_a_real_mp4(clip: Path, tmp_path: Path) -> None:
    data = clip.read_bytes()
    half = tmp_path / "half.mp4"
    half.write_bytes(data[: len(data) // 2])
    with pytest.raises(NotAVideoError):
        probe_video(half)


def test_probe_rejects_the_first_half_of_an_mp4_with_moov_at_the_end(
    moov_last: Path, tmp_path: Path
) -> None:
    data = moov_last.read_bytes()
    with pytest.raises(NotAVideoError):
        probe_video(write_part(tmp_path / "half.mp4", data[: len(data) // 2]))


def test_probe_rejects_an_mp4_missing_its_last_bytes(clip: Path, tmp_path: Path) -> None:
    # Opens and decodes its first frames fine: only the missing tail gives it away.
    with pytest.raises(NotAVideoError):
        probe_video(write_part(tmp_path / "short.mp4", clip.read_bytes()[:-200]))


@pytest.mark.parametrize("keep", [0.3, 0.5, 0.7])
def test_probe_rejects_a_webm_cut_short(webm: Path, tmp_path: Path, keep: float) -> None:
    # WebM has no box sizes to check: the tail check alone catches it.
    data = webm.read_bytes()
    with pytest.raises(NotAVideoError, match="declared end"):
        probe_video(write_part(tmp_path / "cut.webm", data[: int(len(data) * keep)]))


def test_probe_rejects_an_mp4_cut_right_after_its_header(clip: Path, tmp_path: Path) -> None:
    data = clip.read_bytes()
    mdat = data.index(b"mdat") - 4  # start of the mdat box header
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[:mdat])
    with pytest.raises(NotAVideoError):
        probe_video(cut)


def test_probe_rejects_random_bytes(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    with pytest.raises(NotAVideoError):
        probe_video(junk)


def test_probe_rejects_audio_only(tmp_path: Path) -> None:
    path = tmp_path / "audio.m4a"
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=44100)
        stream.layout = "mono"
        for i in range(20):
            tone = np.sin(np.arange(1024) * 0.05 + i).astype(np.float32)[None, :]
            frame = av.AudioFrame.from_ndarray(tone, format="fltp", layout="mono")
            frame.sample_rate = 44100
            frame.pts = i * 1024
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    with pytest.raises(NotAVideoError, match="no video stream"):
        probe_video(path)


def test_probe_rejects_a_still_image(tmp_path: Path) -> None:
    path = tmp_path / "picture.png"
    Image.new("RGB", (64, 48), (200, 100, 50)).save(path)
    with pytest.raises(NotAVideoError):
        probe_video(path)


@pytest.mark.parametrize(
    "listing",
    [
        "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nhttp://127.0.0.1:9/s.ts\n#EXT-X-ENDLIST\n",
        "ffconcat version 1.0\nfile 'real.mp4'\n",
    ],
    ids=["hls", "concat"],
)
def test_playlists_are_refused(listing: str, clip: Path, tmp_path: Path) -> None:
    # Auto-detected, FFmpeg follows a playlist to other files or URLs (this concat list
    # decodes as the real video next to it); forced from magic bytes, it never does.
    write_part(tmp_path / "real.mp4", clip.read_bytes())
    playlist = tmp_path / "video.mp4"
    playlist.write_text(listing)
    with pytest.raises(NotAVideoError, match="not an MP4/MOV or WebM/Matroska"):
        probe_video(playlist)
    with pytest.raises(NotAVideoError):
        make_thumbnail(playlist)


def test_probe_of_a_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        probe_video(tmp_path / "nope.mp4")


def open_jpeg(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == "JPEG"
    return image


def test_thumbnail_is_a_jpeg_of_the_frame_one_second_in(clip: Path) -> None:
    image = open_jpeg(make_thumbnail(clip))
    assert image.size == (160, 120)  # never scaled up
    # Frame 24 (t = 1 s) is grey 192; the first frame would be black.
    assert np.asarray(image.convert("L")).mean() == pytest.approx(192, abs=8)


def test_thumbnail_of_a_short_video_is_its_first_frame(tmp_path: Path) -> None:
    short = tmp_path / "short.mp4"
    # Half a second, starting at grey 100 so the first frame is not just black.
    frames = [np.full((120, 160, 3), 100 + 8 * i, np.uint8) for i in range(12)]
    write_mp4(short, frames, width=160, height=120)
    image = open_jpeg(make_thumbnail(short, at_seconds=1.0))
    assert np.asarray(image.convert("L")).mean() == pytest.approx(100, abs=8)


def test_thumbnail_scales_down_keeping_the_aspect(clip: Path) -> None:
    assert open_jpeg(make_thumbnail(clip, max_width=80)).size == (80, 60)


def test_thumbnail_of_a_portrait_video_keeps_it_portrait(tmp_path: Path) -> None:
    tall = tmp_path / "tall.mp4"
    write_mp4(tall, grey_frames(30, width=90, height=160), width=90, height=160)
    assert open_jpeg(make_thumbnail(tall, max_width=45)).size == (45, 80)


def test_thumbnail_rejects_html(tmp_path: Path) -> None:
    page = tmp_path / "page.mp4"
    page.write_text("<html><body>Not found</body></html>")
    with pytest.raises(NotAVideoError):
        make_thumbnail(page)


def test_thumbnail_of_a_webm(webm: Path) -> None:
    assert open_jpeg(make_thumbnail(webm)).size == (64, 64)


def test_thumbnail_rejects_a_truncated_mp4(clip: Path, tmp_path: Path) -> None:
    data = clip.read_bytes()
    half = tmp_path / "half.mp4"
    half.write_bytes(data[: len(data) // 2])
    with pytest.raises(NotAVideoError):
        make_thumbnail(half)
