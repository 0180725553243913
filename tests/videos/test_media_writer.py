"""videos.media.write_mp4's optional parts: frames given as Y'CbCr planes, and a sound track."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from videos.media import MediaLimits, probe_video, write_mp4

W, H, FPS = 96, 64, 24
RATE = 32_000


def planes(count: int, *, luma: int = 120) -> list[np.ndarray]:
    """``count`` yuv420p frames: a luma ramp that moves, flat chroma."""
    out = []
    for i in range(count):
        frame = np.empty((H * 3 // 2, W), np.uint8)
        frame[:H] = np.clip(luma + np.arange(W)[None, :] // 2 + i, 16, 235)
        frame[H : H + H // 4] = 100
        frame[H + H // 4 :] = 160
        out.append(frame)
    return out


def tone(seconds: float, channels: int = 2) -> np.ndarray:
    t = np.arange(int(seconds * RATE), dtype=np.float32) / RATE
    wave = 0.3 * np.sin(2 * np.pi * 440 * t)
    return np.stack([wave] * channels).astype(np.float32)


def test_planes_are_encoded_as_given(tmp_path: Path) -> None:
    path = tmp_path / "planes.mp4"
    write_mp4(path, planes(12), width=W, height=H, fps=FPS, pixel_format="yuv420p")
    with av.open(str(path)) as container:
        frames = [f.to_ndarray() for f in container.decode(video=0)]
    assert len(frames) == 12
    expected = planes(12)[5]
    assert np.abs(frames[5].astype(int) - expected.astype(int)).mean() < 2
    assert probe_video(path).codec == "h264"


def test_a_sound_track_becomes_aac_of_the_videos_length(tmp_path: Path) -> None:
    path = tmp_path / "sound.mp4"
    write_mp4(
        path,
        planes(48),
        width=W,
        height=H,
        pixel_format="yuv420p",
        audio=tone(2.0),
        sample_rate=RATE,
    )
    with av.open(str(path)) as container:
        assert sorted(s.type for s in container.streams) == ["audio", "video"]
        stream = container.streams.audio[0]
        assert stream.codec_context.name == "aac"
        assert stream.codec_context.channels == 2
        samples = np.concatenate([f.to_ndarray() for f in container.decode(stream)], axis=1)
    assert samples.shape[1] / RATE == pytest.approx(2.0, abs=0.1)
    # The 440 Hz tone survives the codec.
    spectrum = np.abs(np.fft.rfft(samples[0][RATE // 2 : RATE // 2 + RATE // 4]))
    peak = np.argmax(spectrum) * RATE / (RATE // 4)
    assert peak == pytest.approx(440, abs=10)
    # The probe's codec allow-list is about the video stream: the AAC track passes.
    probe = probe_video(path, limits=MediaLimits(allowed_codecs=frozenset({"h264"})))
    assert probe.duration == pytest.approx(2.0, abs=1 / FPS)


def test_a_mono_track_works_with_rgb_frames(tmp_path: Path) -> None:
    path = tmp_path / "mono.mp4"
    rgb = [np.full((H, W, 3), 80 + i, np.uint8) for i in range(24)]
    write_mp4(path, rgb, width=W, height=H, audio=tone(1.0, channels=1), sample_rate=RATE)
    with av.open(str(path)) as container:
        assert container.streams.audio[0].codec_context.channels == 1


def test_the_same_frames_and_samples_give_the_same_bytes(tmp_path: Path) -> None:
    for name in ("a", "b"):
        write_mp4(
            tmp_path / f"{name}.mp4",
            planes(24),
            width=W,
            height=H,
            pixel_format="yuv420p",
            audio=tone(1.0),
            sample_rate=RATE,
        )
    assert (tmp_path / "a.mp4").read_bytes() == (tmp_path / "b.mp4").read_bytes()


@pytest.mark.parametrize(
    "audio",
    [
        np.zeros((3, 100), np.float32),  # three channels
        np.zeros(100, np.float32),  # no channel axis
        np.zeros((2, 0), np.float32),  # nothing
        np.zeros((2, 100), np.int16),  # not floats
        np.full((2, 100), np.nan, np.float32),
        [[0.0, 0.1]],  # not an array
    ],
)
def test_a_malformed_sound_track_is_refused_before_writing(tmp_path: Path, audio: object) -> None:
    path = tmp_path / "bad.mp4"
    with pytest.raises(ValueError):
        write_mp4(path, planes(2), width=W, height=H, pixel_format="yuv420p", audio=audio)  # type: ignore[arg-type]
    assert not path.exists()


def test_a_bad_sample_rate_or_pixel_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_mp4(
            tmp_path / "a.mp4",
            planes(2),
            width=W,
            height=H,
            pixel_format="yuv420p",
            audio=tone(0.1),
            sample_rate=1000,
        )
    with pytest.raises(ValueError):
        write_mp4(tmp_path / "b.mp4", planes(2), width=W, height=H, pixel_format="nv12")  # type: ignore[arg-type]
    assert not any(tmp_path.iterdir())


def test_planes_of_the_wrong_shape_are_refused_and_the_file_removed(tmp_path: Path) -> None:
    path = tmp_path / "shape.mp4"
    frames = [*planes(3), np.zeros((H, W), np.uint8)]
    with pytest.raises(ValueError, match="frame 3"):
        write_mp4(path, frames, width=W, height=H, pixel_format="yuv420p")
    assert not path.exists()
