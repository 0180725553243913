"""Tests for the demo renderer: real MP4s, decoded with PyAV."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import av
import numpy as np
import pytest

from videos.catalog import MAX_SEED, RATIOS
from videos.demo_renderer import dream_frames, prompt_seed, ratio_to_size, render_dream_video
from videos.media import probe_video

FPS = 24


def render(
    path: Path,
    *,
    duration: int = 2,
    width: int = 160,
    height: int = 90,
    seed: int = 42,
    emotions: Sequence[str] = ("calm",),
    keywords: Sequence[str] = ("lake", "moon"),
) -> Path:
    render_dream_video(
        path,
        duration=duration,
        width=width,
        height=height,
        seed=seed,
        emotions=emotions,
        keywords=keywords,
    )
    return path


def decoded(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def frames_digest(path: Path, picks: Sequence[int] = (0, 11, 23, 47)) -> str:
    frames = decoded(path)
    digest = hashlib.sha256()
    for i in picks:
        digest.update(frames[i].tobytes())
    return digest.hexdigest()


def mean_colour(path: Path) -> np.ndarray:
    return np.mean([f.reshape(-1, 3).mean(axis=0) for f in decoded(path)], axis=0)


def top_level_boxes(path: Path) -> list[str]:
    data = path.read_bytes()
    boxes, offset = [], 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        if size == 1:
            size = int.from_bytes(data[offset + 8 : offset + 16], "big")
        elif size == 0:
            size = len(data) - offset
        assert size >= 8
        boxes.append(data[offset + 4 : offset + 8].decode("latin-1"))
        offset += size
    return boxes


# --- ratio_to_size -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ratio", "size"),
    [
        ("1280:720", (640, 360)),
        ("720:1280", (360, 640)),
        ("960:960", (640, 640)),
        ("1104:832", (640, 482)),
        ("832:1104", (482, 640)),
        ("1584:672", (640, 272)),
    ],
)
def test_ratio_to_size_keeps_the_aspect_within_max_width(ratio: str, size: tuple[int, int]) -> None:
    assert ratio_to_size(ratio) == size
    width, height = size
    w, h = (int(n) for n in ratio.split(":"))
    assert width / height == pytest.approx(w / h, rel=0.01)


def test_ratio_to_size_honours_max_width_and_never_scales_up() -> None:
    assert ratio_to_size("1280:720", max_width=256) == (256, 144)
    assert ratio_to_size("1280:720", max_width=1280) == (1280, 720)
    assert ratio_to_size("320:240", max_width=640) == (320, 240)


@pytest.mark.parametrize("max_width", [255, 641, 333])
def test_ratio_to_size_is_always_even_and_within_bounds(max_width: int) -> None:
    for ratio in RATIOS:
        width, height = ratio_to_size(ratio, max_width=max_width)
        assert width % 2 == 0 and height % 2 == 0
        assert max(width, height) <= max_width


@pytest.mark.parametrize(
    "ratio", ["", "1280x720", "1280:", ":720", "0:720", "1280:0", "-1280:720", "a:b", "16:9:1"]
)
def test_ratio_to_size_rejects_malformed_ratios(ratio: str) -> None:
    with pytest.raises(ValueError):
        ratio_to_size(ratio)


# --- render_dream_video --------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A full-size render, as the app makes it: 4 s at 640x360."""
    path = tmp_path_factory.mktemp("render") / "sample.mp4"
    return render(path, duration=4, width=640, height=360, emotions=("wonder", "joy"))


def test_render_is_h264_yuv420p_of_the_exact_duration_and_size(sample: Path) -> None:
    with av.open(str(sample)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert (stream.codec_context.width, stream.codec_context.height) == (640, 360)
        duration = float(stream.duration * stream.time_base)
        count = sum(1 for _ in container.decode(stream))
    assert duration == pytest.approx(4.0, abs=1 / FPS)
    assert count == 4 * FPS
    probe = probe_video(sample)
    assert (probe.width, probe.height, probe.codec) == (640, 360, "h264")
    assert probe.duration == pytest.approx(4.0, abs=1 / FPS)


def test_render_is_faststart(sample: Path) -> None:
    boxes = top_level_boxes(sample)
    assert boxes.index("moov") < boxes.index("mdat")


def test_render_moves(sample: Path) -> None:
    frames = decoded(sample)
    change = np.abs(frames[0].astype(int) - frames[48].astype(int)).mean()
    assert change > 1.0  # an animation, not a still


def test_render_is_soft_not_bars_or_noise(sample: Path) -> None:
    frame = decoded(sample)[30].astype(int)
    # Neighbouring pixels differ by about one level on average: smooth gradients and glows.
    assert np.abs(np.diff(frame, axis=1)).mean() < 3
    assert np.abs(np.diff(frame, axis=0)).mean() < 3
    # ...yet the picture is not one flat colour.
    assert frame.reshape(-1, 3).std(axis=0).max() > 10


def test_same_inputs_give_identical_frames(tmp_path: Path) -> None:
    first = render(tmp_path / "a.mp4")
    second = render(tmp_path / "b.mp4")
    assert frames_digest(first) == frames_digest(second)


def test_raw_frames_are_deterministic() -> None:
    def digest() -> str:
        h = hashlib.sha256()
        for frame in dream_frames(
            duration=1, width=96, height=64, seed=9, emotions=["love"], keywords=["rose"]
        ):
            h.update(frame.tobytes())
        return h.hexdigest()

    assert digest() == digest()


def test_a_different_seed_gives_different_frames(tmp_path: Path) -> None:
    assert frames_digest(render(tmp_path / "a.mp4", seed=1)) != frames_digest(
        render(tmp_path / "b.mp4", seed=2)
    )


def test_keywords_change_the_layout_but_not_their_order(tmp_path: Path) -> None:
    base = frames_digest(render(tmp_path / "a.mp4", keywords=("lake", "moon")))
    swapped = frames_digest(render(tmp_path / "b.mp4", keywords=("Moon", "lake ")))
    other = frames_digest(render(tmp_path / "c.mp4", keywords=("train", "station")))
    assert base == swapped
    assert base != other


def test_emotions_change_the_colours(tmp_path: Path) -> None:
    joy = mean_colour(render(tmp_path / "joy.mp4", emotions=("joy",)))
    sad = mean_colour(render(tmp_path / "sad.mp4", emotions=("sadness",)))
    anger = mean_colour(render(tmp_path / "anger.mp4", emotions=("anger",)))
    assert np.linalg.norm(joy - sad) > 25
    assert np.linalg.norm(anger - sad) > 25
    red, _, blue = anger
    assert red > blue + 40  # anger is warm
    red, _, blue = sad
    assert blue > red + 20  # sadness is blue


def test_emotion_words_are_matched_loosely(tmp_path: Path) -> None:
    happy = frames_digest(render(tmp_path / "a.mp4", emotions=("Happy",)))
    joyful = frames_digest(render(tmp_path / "b.mp4", emotions=("joyful",)))
    assert happy == joyful


def test_unknown_emotions_fall_back_to_twilight(tmp_path: Path) -> None:
    unknown = frames_digest(render(tmp_path / "a.mp4", emotions=("zzxq",)))
    nothing = frames_digest(render(tmp_path / "b.mp4", emotions=()))
    assert unknown == nothing


@pytest.mark.parametrize(
    "bad",
    [
        {"duration": 0},
        {"duration": 2.5},
        {"width": 161},
        {"height": 0},
    ],
)
def test_render_rejects_bad_arguments_without_writing(tmp_path: Path, bad: dict) -> None:
    path = tmp_path / "bad.mp4"
    with pytest.raises(ValueError):
        render(path, **bad)
    assert not path.exists()


# --- prompt_seed ---------------------------------------------------------------------------


def test_prompt_seed_is_stable_and_in_range() -> None:
    seed = prompt_seed("a dream of trains")
    assert seed == prompt_seed("a dream of trains")
    assert seed != prompt_seed("a dream of whales")
    assert all(0 <= prompt_seed(p) <= MAX_SEED for p in ("", "x", "a dream of trains" * 50))


def test_prompt_seed_is_the_same_in_another_process() -> None:
    # hash() is salted per process; a seed from it would change the video on every worker.
    code = "from videos.demo_renderer import prompt_seed; print(prompt_seed('a dream of trains'))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert int(out) == prompt_seed("a dream of trains")


# --- independence --------------------------------------------------------------------------


def test_the_renderer_needs_neither_django_nor_the_providers() -> None:
    code = (
        "import sys, videos.demo_renderer; "
        "print(sorted(m for m in sys.modules if m.startswith(('django', 'videos.providers'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
