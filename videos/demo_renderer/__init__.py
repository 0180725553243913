"""The demo renderer: a short illustrated video of a dream, drawn by code, with sound.

It needs no network and no Django. The dream's symbols (and title, keywords, text)
choose motifs from a library of vector drawings (:mod:`.motifs`): a lighthouse over the
sea, a hallway whose doors keep coming, a city skyline at night. The mood sets the
palette, the pace and the light (:mod:`.palette`); the camera drifts with parallax,
light moves, particles fall or rise, things enter and leave; the title opens the video
as a card (:mod:`.titlecard`); an ambient track is synthesised to the mood
(:mod:`.audio`). Frames are composited straight in Y'CbCr 4:2:0 (:mod:`.canvas`) and
handed to the encoder as they are.

Same arguments, same frames and samples, byte for byte, on one machine and numpy build.

Layout: :mod:`.scene` (plan and composition), :mod:`.layers` (what moves), :mod:`.motifs`
(what is drawn), :mod:`.symbols` (words to motifs), :mod:`.palette`, :mod:`.titlecard`,
:mod:`.audio`, :mod:`.canvas`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import av
import numpy as np
from av.video.reformatter import ColorRange, Colorspace

from videos.catalog.specs import MAX_SEED
from videos.demo_renderer.audio import SAMPLE_RATE, ambient_track
from videos.demo_renderer.grade import grade_frame
from videos.demo_renderer.scene import Plan, Scene, plan_scene, stable_int
from videos.media import write_mp4

__all__ = [
    "Plan",
    "dream_audio",
    "dream_frames",
    "dream_plan",
    "dream_stills",
    "prompt_seed",
    "ratio_to_size",
    "render_dream_video",
]

_MAX_DURATION = 60  # seconds; a guard against absurd requests, far above what the app asks
_RATIO_RE = re.compile(r"^\s*(\d{1,5})\s*:\s*(\d{1,5})\s*$")


def ratio_to_size(ratio: str, *, max_width: int = 640) -> tuple[int, int]:
    """Turn a RunwayML pixel ratio such as ``"1280:720"`` into a ``(width, height)`` to render.

    The result keeps the ratio's aspect, its longer side is at most ``max_width`` (never
    scaled up) and both sides are even, as H.264 in yuv420p requires.

    Raises:
        ValueError: the ratio is not ``"<int>:<int>"`` with both sides positive, or
            ``max_width`` is below 2.
    """
    if max_width < 2:
        raise ValueError(f"max_width must be at least 2, got {max_width}")
    match = _RATIO_RE.match(ratio) if isinstance(ratio, str) else None
    if match is None:
        raise ValueError(f"ratio must look like '1280:720', got {ratio!r}")
    width, height = int(match[1]), int(match[2])
    if width == 0 or height == 0:
        raise ValueError(f"ratio sides must be positive, got {ratio!r}")
    scale = min(1.0, max_width / max(width, height))
    limit = max_width - max_width % 2  # the longest even side that still fits

    def even(side: int) -> int:
        return min(limit, max(2, 2 * round(side * scale / 2)))

    return even(width), even(height)


def prompt_seed(prompt: str) -> int:
    """A seed in ``0..MAX_SEED`` derived from ``prompt``: the same in every process and run.

    Never raises for a string.
    """
    return stable_int(prompt) % (MAX_SEED + 1)


def dream_plan(
    *,
    seed: int,
    emotions: Sequence[str] = (),
    keywords: Sequence[str] = (),
    title: str = "",
    symbols: Sequence[str] = (),
    mood: str = "",
    text: str = "",
) -> Plan:
    """What the video of this dream will show (setting, hero, extras, mood), without drawing."""
    return plan_scene(
        seed=seed,
        title=_text(title),
        symbols=_strings(symbols),
        keywords=_strings(keywords),
        text=_text(text),
        mood=_text(mood),
        emotions=_strings(emotions),
    )


def render_dream_video(
    path: Path,
    *,
    duration: int,
    width: int,
    height: int,
    seed: int,
    emotions: Sequence[str] = (),
    keywords: Sequence[str] = (),
    fps: int = 24,
    title: str = "",
    symbols: Sequence[str] = (),
    mood: str = "",
    text: str = "",
    audio: bool = True,
    style: str = "",
) -> None:
    """Render the dream's video to an H.264 MP4 at ``path`` lasting exactly ``duration`` s,
    with an AAC ambient track unless ``audio`` is false, graded to the look of the style
    preset ``style`` (:mod:`.grade`; "" or "none": as drawn).

    ``symbols`` (noun phrases such as "glass lighthouse") choose the motifs, then the
    ``title``, the ``keywords`` and the free ``text`` (the prompt); ``mood`` (a word such
    as "serene") or else the ``emotions`` set palette, pace, light and sound. Same
    arguments, same file bytes. The file is written in place; render to a temporary name
    if readers may look at ``path``.

    Raises:
        ValueError: non-positive or too long duration, bad fps, or odd/non-positive size.
        OSError: the file cannot be written.
    """
    scene = _scene(
        duration, width, height, fps, seed, emotions, keywords, title, symbols, mood, text
    )
    count = duration * fps
    # One buffer for every frame: write_mp4 encodes each before asking for the next.
    buffer = np.empty((height * 3 // 2, width), np.uint8)
    planes = (grade_frame(scene.frame(i / fps).to_array(buffer), style) for i in range(count))
    samples = ambient_track(scene.plan, duration=duration, seed=seed) if audio else None
    write_mp4(
        Path(path),
        planes,
        width=width,
        height=height,
        fps=fps,
        pixel_format="yuv420p",
        audio=samples,
        sample_rate=SAMPLE_RATE,
    )


def dream_frames(
    *,
    duration: int,
    width: int,
    height: int,
    seed: int,
    emotions: Sequence[str] = (),
    keywords: Sequence[str] = (),
    fps: int = 24,
    title: str = "",
    symbols: Sequence[str] = (),
    mood: str = "",
    text: str = "",
    style: str = "",
) -> Iterator[np.ndarray]:
    """Yield the ``duration * fps`` frames as RGB uint8 arrays ``(height, width, 3)``.

    These are the frames :func:`render_dream_video` encodes (converted from its Y'CbCr
    planes). Validation happens on the call, before the first frame is asked for.

    Raises:
        ValueError: non-positive or too long duration, bad fps, or odd/non-positive size.
    """
    scene = _scene(
        duration, width, height, fps, seed, emotions, keywords, title, symbols, mood, text
    )
    return (
        _to_rgb(grade_frame(scene.frame(i / fps).to_array(), style)) for i in range(duration * fps)
    )


def dream_stills(
    *,
    at: Sequence[float],
    duration: int,
    width: int,
    height: int,
    seed: int,
    emotions: Sequence[str] = (),
    keywords: Sequence[str] = (),
    title: str = "",
    symbols: Sequence[str] = (),
    mood: str = "",
    text: str = "",
    style: str = "",
) -> list[np.ndarray]:
    """The RGB frames at the times ``at`` (seconds), without drawing the others.

    The same pictures as :func:`dream_frames` gives at those times (the renderer keeps no
    state from frame to frame). For contact sheets and tests.
    """
    scene = _scene(
        duration, width, height, 24, seed, emotions, keywords, title, symbols, mood, text
    )
    return [_to_rgb(grade_frame(scene.frame(float(t)).to_array(), style)) for t in at]


def dream_audio(
    *,
    duration: int,
    seed: int,
    emotions: Sequence[str] = (),
    keywords: Sequence[str] = (),
    title: str = "",
    symbols: Sequence[str] = (),
    mood: str = "",
    text: str = "",
) -> np.ndarray:
    """The ambient track's ``(2, duration * 48000)`` float32 samples."""
    plan = dream_plan(
        seed=seed,
        emotions=emotions,
        keywords=keywords,
        title=title,
        symbols=symbols,
        mood=mood,
        text=text,
    )
    return ambient_track(plan, duration=_checked_duration(duration), seed=seed)


def _scene(
    duration: int,
    width: int,
    height: int,
    fps: int,
    seed: int,
    emotions: Sequence[str],
    keywords: Sequence[str],
    title: str,
    symbols: Sequence[str],
    mood: str,
    text: str,
) -> Scene:
    _checked_duration(duration)
    if not isinstance(fps, int) or not 1 <= fps <= 120:
        raise ValueError(f"fps must be an integer from 1 to 120, got {fps!r}")
    for name, value in (("width", width), ("height", height)):
        if not isinstance(value, int) or value <= 0 or value % 2:
            raise ValueError(f"{name} must be a positive even integer, got {value!r}")
        if value < 16:
            raise ValueError(f"{name} must be at least 16 pixels, got {value!r}")
    plan = dream_plan(
        seed=seed,
        emotions=emotions,
        keywords=keywords,
        title=title,
        symbols=symbols,
        mood=mood,
        text=text,
    )
    return Scene(plan, width=width, height=height, duration=duration, seed=seed)


def _checked_duration(duration: object) -> int:
    if (
        not isinstance(duration, int)
        or isinstance(duration, bool)
        or not 1 <= duration <= _MAX_DURATION
    ):
        raise ValueError(f"duration must be an integer from 1 to {_MAX_DURATION}, got {duration!r}")
    return duration


def _strings(values: Sequence[str]) -> tuple[str, ...]:
    if isinstance(values, str):
        values = (values,)
    return tuple(v for v in values if isinstance(v, str))


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _to_rgb(planes: np.ndarray) -> np.ndarray:
    frame = av.VideoFrame.from_ndarray(planes, format="yuv420p")
    frame.colorspace = Colorspace.ITU709
    frame.color_range = ColorRange.MPEG
    return frame.reformat(
        format="rgb24", src_colorspace=Colorspace.ITU709, src_color_range=ColorRange.MPEG
    ).to_ndarray()
