"""The demo renderer's style presets, measured on real frames: each preset is rendered to an
MP4, decoded, and its pixels compared with the same dream rendered without a style."""

from __future__ import annotations

import math
from pathlib import Path

import av
import numpy as np
import pytest

from videos.catalog import ALL_RATIOS, STYLE_IDS
from videos.demo_renderer import ratio_to_size, render_dream_video
from videos.demo_renderer.grade import grade_frame

DREAM = {
    "seed": 11,
    "title": "The Glass Lighthouse",
    "symbols": ("glass lighthouse", "the sea"),
    "mood": "joyful",
    "emotions": ("joy",),
    "keywords": ("lighthouse", "light"),
}


def _render(folder: Path, style: str, ratio: str = "1280:720") -> Path:
    width, height = ratio_to_size(ratio, max_width=160)
    path = folder / f"{style}-{ratio.replace(':', 'x')}.mp4"
    render_dream_video(
        path, duration=1, width=width, height=height, audio=False, style=style, **DREAM
    )
    return path


def _frames(path: Path, fmt: str = "rgb24") -> list[np.ndarray]:
    with av.open(str(path)) as container:
        # After the title card: the dream's picture, a second in (frames 12..23).
        return [f.to_ndarray(format=fmt) for f in container.decode(video=0)][12:]


def _saturation(frames: list[np.ndarray]) -> float:
    rgb = np.concatenate([f.reshape(-1, 3) for f in frames]).astype(float)
    high, low = rgb.max(axis=1), rgb.min(axis=1)
    return float(np.mean((high - low) / np.maximum(high, 1)))


def _luma(frames: list[np.ndarray]) -> np.ndarray:
    rgb = np.concatenate([f.reshape(-1, 3) for f in frames]).astype(float)
    return rgb @ np.array([0.2126, 0.7152, 0.0722])


def _hue_angle(path: Path) -> float:
    """The colour's mean direction on the Cb/Cr plane, in degrees (weighted by chroma)."""
    planes = _frames(path, "yuv420p")
    cb = np.concatenate([p[p.shape[0] * 2 // 3 :].reshape(2, -1)[0] for p in planes])
    cr = np.concatenate([p[p.shape[0] * 2 // 3 :].reshape(2, -1)[1] for p in planes])
    return math.degrees(math.atan2(np.mean(cr - 128.0), np.mean(cb - 128.0)))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("styles")
    return {style: _render(folder, style) for style in STYLE_IDS}


def test_none_leaves_the_picture_as_drawn(rendered):
    assert _saturation(_frames(rendered["none"])) > 0.2  # a colourful dream to start from


def test_noir_is_black_and_white_with_harder_contrast(rendered):
    plain, noir = _frames(rendered["none"]), _frames(rendered["noir"])
    assert _saturation(noir) < 0.03
    assert _luma(noir).std() > _luma(plain).std() * 1.1


def test_watercolour_is_pale_and_soft(rendered):
    plain, wash = _frames(rendered["none"]), _frames(rendered["watercolour"])
    assert _luma(wash).mean() > _luma(plain).mean() + 30  # paler
    assert _luma(wash).std() < _luma(plain).std() * 0.6  # softer
    assert _saturation(wash) < _saturation(plain) * 0.7


def test_anime_is_saturated_flat_bands(rendered):
    plain, anime = _frames(rendered["none"]), _frames(rendered["anime"])
    assert _saturation(anime) > _saturation(plain) * 1.2
    # Five bands of light: most pixels sit on a handful of luma levels.
    levels, counts = np.unique(np.rint(_luma(anime) / 8), return_counts=True)
    top = np.sort(counts)[::-1]
    assert top[:10].sum() > 0.8 * counts.sum(), levels


def test_surreal_turns_the_colours_round(rendered):
    turn = (_hue_angle(rendered["surreal"]) - _hue_angle(rendered["none"])) % 360
    assert 90 < turn < 150


def test_cinematic_letterboxes_landscape_frames_only(rendered, tmp_path):
    wide = _frames(rendered["cinematic"])[0]
    assert wide[:6].max() < 24 and wide[-6:].max() < 24  # black bars top and bottom
    assert wide[wide.shape[0] // 2].std() > 5  # the picture between them
    tall = _frames(_render(tmp_path, "cinematic", "720:1280"))[0]
    assert tall[:6].max() > 24  # portrait: no bars


@pytest.mark.parametrize("ratio", ALL_RATIOS)
def test_every_catalog_ratio_is_rendered_at_its_aspect_in_even_sizes(ratio, tmp_path):
    path = _render(tmp_path, "anime", ratio)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
    w, h = (int(n) for n in ratio.split(":"))
    assert width % 2 == 0 and height % 2 == 0 and max(width, height) <= 160
    assert abs(width / height - w / h) < 0.02


def test_grading_never_leaves_the_video_range():
    rng = np.random.default_rng(1)
    for style in STYLE_IDS:
        planes = rng.integers(0, 256, size=(36, 32), dtype=np.uint8)
        graded = grade_frame(planes.copy(), style)
        y, chroma = graded[:24], graded[24:]
        if style != "none":
            assert y.min() >= 16 and y.max() <= 235, style
            assert chroma.min() >= 16 and chroma.max() <= 240, style
