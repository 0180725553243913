"""The demo renderer: a calm, dreamy animation drawn with numpy and encoded to MP4.

It needs no network and no Django. The picture is a softly drifting gradient sky
in colours taken from the dream's emotions, with glowing orbs and twinkling motes
whose layout comes from the seed and the keywords. All motion is periodic over
the clip, so the video loops seamlessly. Same arguments, same frames.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from videos.catalog import MAX_SEED
from videos.media import write_mp4

__all__ = ["dream_frames", "prompt_seed", "ratio_to_size", "render_dream_video"]

RGB = tuple[int, int, int]
_TAU = np.float32(2 * np.pi)
_LUT_SIZE = 1024  # enough steps that the sky gradient never bands before 8-bit rounding
_MAX_DURATION = 60  # seconds; a guard against absurd requests, far above what the app asks


@dataclass(frozen=True)
class _Mood:
    sky: tuple[RGB, ...]  # gradient stops, top of the frame to the bottom
    glow: tuple[RGB, ...]  # colours the orbs and motes pick from
    mist: RGB  # colour of the slow cloud veils
    stars: float  # 0..1, how many pinprick stars (dark skies only)
    swirl: float  # how far the sky bands wander


_MOODS: dict[str, _Mood] = {
    "twilight": _Mood(
        sky=((18, 20, 58), (62, 44, 112), (168, 96, 146), (246, 176, 150)),
        glow=((255, 222, 186), (206, 176, 255), (255, 190, 214)),
        mist=(150, 120, 200),
        stars=0.6,
        swirl=0.10,
    ),
    "joy": _Mood(
        sky=((64, 132, 214), (132, 194, 238), (252, 214, 158), (255, 178, 118)),
        glow=((255, 244, 176), (255, 206, 128), (255, 255, 232)),
        mist=(255, 236, 200),
        stars=0.0,
        swirl=0.09,
    ),
    "fear": _Mood(
        sky=((4, 8, 16), (16, 26, 42), (34, 48, 64), (70, 82, 92)),
        glow=((170, 204, 222), (116, 148, 168), (190, 86, 86)),
        mist=(90, 110, 120),
        stars=0.2,
        swirl=0.14,
    ),
    "sadness": _Mood(
        sky=((18, 30, 60), (40, 64, 106), (86, 116, 158), (150, 170, 202)),
        glow=((182, 204, 244), (140, 172, 226), (224, 232, 255)),
        mist=(120, 140, 180),
        stars=0.3,
        swirl=0.07,
    ),
    "anger": _Mood(
        sky=((34, 4, 8), (104, 18, 20), (196, 58, 30), (255, 140, 62)),
        glow=((255, 164, 64), (255, 96, 44), (255, 214, 124)),
        mist=(200, 70, 40),
        stars=0.0,
        swirl=0.16,
    ),
    "calm": _Mood(
        sky=((16, 56, 86), (36, 104, 126), (104, 166, 168), (200, 226, 210)),
        glow=((222, 255, 242), (170, 232, 222), (255, 250, 222)),
        mist=(170, 220, 210),
        stars=0.2,
        swirl=0.06,
    ),
    "love": _Mood(
        sky=((62, 18, 56), (142, 48, 98), (226, 118, 148), (255, 192, 188)),
        glow=((255, 204, 222), (255, 150, 184), (255, 232, 204)),
        mist=(240, 150, 180),
        stars=0.2,
        swirl=0.08,
    ),
    "surprise": _Mood(
        sky=((28, 18, 88), (88, 40, 168), (44, 166, 198), (255, 218, 124)),
        glow=((255, 255, 204), (124, 240, 255), (255, 152, 240)),
        mist=(150, 120, 230),
        stars=0.4,
        swirl=0.13,
    ),
    "anxiety": _Mood(
        sky=((26, 28, 22), (64, 66, 46), (122, 116, 72), (180, 162, 104)),
        glow=((232, 222, 150), (182, 192, 142), (255, 240, 204)),
        mist=(140, 140, 100),
        stars=0.1,
        swirl=0.15,
    ),
    "wonder": _Mood(
        sky=((6, 8, 36), (26, 28, 96), (76, 58, 158), (56, 148, 178)),
        glow=((182, 222, 255), (204, 164, 255), (144, 255, 222)),
        mist=(90, 200, 200),
        stars=1.0,
        swirl=0.11,
    ),
    "confusion": _Mood(
        sky=((58, 40, 78), (50, 88, 100), (138, 90, 120), (122, 140, 92)),
        glow=((240, 210, 255), (180, 255, 200), (255, 220, 160)),
        mist=(160, 130, 170),
        stars=0.3,
        swirl=0.2,
    ),
}
_DEFAULT_MOOD = "twilight"

# Word stems that name a mood; the longest stem that starts a word wins
# ("restless" is anxiety even though "rest" is calm).
_STEMS: dict[str, tuple[str, ...]] = {
    "joy": ("joy", "happ", "glad", "delight", "excit", "elat", "cheer", "euphor", "bliss", "hope"),
    "fear": ("fear", "afraid", "scare", "scary", "terr", "fright", "dread", "horr", "creep"),
    "sadness": (
        "sad",
        "sorrow",
        "grief",
        "griev",
        "melanchol",
        "lonel",
        "depress",
        "despair",
        "heartbr",
        "gloom",
        "mourn",
        "regret",
        "hopeless",
        "unhapp",
    ),
    "anger": ("anger", "angry", "rage", "furi", "fury", "irrit", "frustr", "annoy", "resent"),
    "calm": ("calm", "peace", "seren", "tranquil", "relax", "content", "rest", "comfort", "relie"),
    "love": ("love", "loving", "affection", "romanc", "romant", "tender", "passion", "ador"),
    "surprise": ("surpris", "shock", "amaz", "astonish", "startl"),
    "anxiety": (
        "anxi",
        "worr",
        "nervous",
        "stress",
        "uneas",
        "tense",
        "tension",
        "panic",
        "restless",
    ),
    "wonder": ("wonder", "awe", "curio", "fascinat", "magic", "marvel", "enchant", "mystic"),
    "confusion": ("confus", "disorient", "lost", "bewild", "puzzl", "perplex", "strange", "weird"),
}
_STEM_TO_MOOD: list[tuple[str, str]] = sorted(
    ((stem, mood) for mood, stems in _STEMS.items() for stem in stems),
    key=lambda item: -len(item[0]),
)

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


def render_dream_video(
    path: Path,
    *,
    duration: int,
    width: int,
    height: int,
    seed: int,
    emotions: Sequence[str],
    keywords: Sequence[str],
    fps: int = 24,
) -> None:
    """Render the dream animation to an H.264 MP4 at ``path`` lasting exactly ``duration`` s.

    Same arguments, same frames, byte for byte (on one machine and numpy build), and so
    far the same file bytes too. The file is written in place; render to a temporary
    name if readers may look at ``path``.

    Raises:
        ValueError: non-positive or too long duration, bad fps, or odd/non-positive size.
        OSError: the file cannot be written.
    """
    frames = dream_frames(
        duration=duration,
        width=width,
        height=height,
        seed=seed,
        emotions=emotions,
        keywords=keywords,
        fps=fps,
    )
    write_mp4(Path(path), frames, width=width, height=height, fps=fps)


def dream_frames(
    *,
    duration: int,
    width: int,
    height: int,
    seed: int,
    emotions: Sequence[str],
    keywords: Sequence[str],
    fps: int = 24,
) -> Iterator[np.ndarray]:
    """Yield the ``duration * fps`` RGB uint8 frames, each ``(height, width, 3)``.

    Validation happens on the call, before the first frame is asked for.

    Raises:
        ValueError: non-positive or too long duration, bad fps, or odd/non-positive size.
    """
    if not isinstance(duration, int) or not 1 <= duration <= _MAX_DURATION:
        raise ValueError(f"duration must be an integer from 1 to {_MAX_DURATION}, got {duration!r}")
    if not isinstance(fps, int) or not 1 <= fps <= 120:
        raise ValueError(f"fps must be an integer from 1 to 120, got {fps!r}")
    for name, value in (("width", width), ("height", height)):
        if not isinstance(value, int) or value <= 0 or value % 2:
            raise ValueError(f"{name} must be a positive even integer, got {value!r}")
    scene = _Scene(width, height, duration, seed, tuple(emotions), tuple(keywords))
    count = duration * fps
    return (scene.frame(i / count) for i in range(count))


def prompt_seed(prompt: str) -> int:
    """A seed in ``0..MAX_SEED`` derived from ``prompt``: the same in every process and run.

    Never raises for a string.
    """
    return _stable_int(prompt) % (MAX_SEED + 1)


def _moods_for(emotions: Sequence[str]) -> list[str]:
    """The moods named by ``emotions``, in order, without repeats (may be empty)."""
    moods: list[str] = []
    for emotion in emotions:
        mood = _match_mood(emotion)
        if mood is not None and mood not in moods:
            moods.append(mood)
    return moods


def _match_mood(emotion: str) -> str | None:
    for word in re.findall(r"[a-z]+", str(emotion).lower()):
        for stem, mood in _STEM_TO_MOOD:
            if word.startswith(stem):
                return mood
    return None


def _stable_int(*parts: str) -> int:
    """A 64-bit number from text that is the same in every process (unlike ``hash()``)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


class _Scene:
    """Everything that stays fixed over the clip, plus :meth:`frame` to draw one moment."""

    def __init__(
        self,
        width: int,
        height: int,
        duration: int,
        seed: int,
        emotions: tuple[str, ...],
        keywords: tuple[str, ...],
    ) -> None:
        self.width, self.height = width, height
        words = sorted({k.strip().lower() for k in keywords if k and k.strip()})
        rng = np.random.default_rng([int(seed) % 2**64, _stable_int(*words)])
        moods = _moods_for(emotions) or [_DEFAULT_MOOD]
        mood = _MOODS[moods[0]]
        # Orbs mostly wear the main mood's colours, with a few from the other moods.
        glow_colours = list(mood.glow) * 2 + [c for m in moods[1:3] for c in _MOODS[m].glow]
        palette = np.array(glow_colours, dtype=np.float32) / 255

        # Coordinates in frame heights, so round things stay round in any aspect.
        self.ys = ((np.arange(height, dtype=np.float32) + 0.5) / height)[:, None]
        self.xs = ((np.arange(width, dtype=np.float32) + 0.5) / height)[None, :]
        aspect = width / height

        self.lut = _gradient_lut(mood.sky)
        # Sky bands: a vertical ramp bent by a few slow waves (a low-rank field, cheap to build).
        n_waves = 4
        self.wave_amp = (mood.swirl * rng.uniform(0.4, 1.0, n_waves)).astype(np.float32)
        self.wave_fy = rng.uniform(0.3, 1.2, n_waves).astype(np.float32)
        self.wave_fx = (rng.uniform(0.3, 1.0, n_waves) / max(aspect, 1.0)).astype(np.float32)
        self.wave_py = rng.uniform(0, _TAU, n_waves).astype(np.float32)
        self.wave_px = rng.uniform(0, _TAU, n_waves).astype(np.float32)
        self.wave_sway = rng.uniform(0.5, 1.2, n_waves).astype(np.float32)
        self.tilt = np.float32(rng.uniform(-0.12, 0.12))

        # Mist veils: faint colour clouds that wax and wane.
        n_mist = 3
        self.mist_colour = np.array(mood.mist, dtype=np.float32) / 255
        self.mist_amp = rng.uniform(0.05, 0.1, n_mist).astype(np.float32)
        self.mist_fy = rng.uniform(0.6, 1.6, n_mist).astype(np.float32)
        self.mist_fx = rng.uniform(0.4, 1.2, n_mist).astype(np.float32)
        self.mist_py = rng.uniform(0, _TAU, n_mist).astype(np.float32)
        self.mist_px = rng.uniform(0, _TAU, n_mist).astype(np.float32)

        # Lights: big soft orbs (halo + core), small drifting motes, pinprick stars.
        n_orbs = int(rng.integers(4, 8))
        n_motes = int(rng.integers(18, 36))
        # Always draw the same number of stars so the layout does not depend on the mood;
        # the mood only decides how many of them show.
        n_stars = round(70 * aspect)
        px = 1.0 / height  # one pixel in frame heights
        size = max(1.0, height / 360)  # motes and stars grow a little on big renders
        orb_sigma = rng.uniform(0.06, 0.14, n_orbs)
        mote_sigma = rng.uniform(1.2, 2.6, n_motes) * px * size
        star_sigma = np.full(n_stars, 0.75 * px * size)
        sigma = np.concatenate([orb_sigma * 2.2, orb_sigma * 0.6, mote_sigma, star_sigma])
        n_lights = sigma.size
        kinds = np.concatenate(
            [np.zeros(n_orbs), np.zeros(n_orbs), np.ones(n_motes), np.full(n_stars, 2)]
        )
        orb_x = rng.uniform(0.08, 0.92, n_orbs) * aspect
        orb_y = rng.uniform(0.1, 0.9, n_orbs)
        base_x = np.concatenate(
            [orb_x, orb_x, rng.uniform(0, aspect, n_motes), rng.uniform(0, aspect, n_stars)]
        )
        base_y = np.concatenate(
            [orb_y, orb_y, rng.uniform(0.05, 0.95, n_motes), rng.uniform(0, 0.65, n_stars) ** 1.3]
        )
        # Drift speed in frame heights per second; stars stay put.
        speed = np.select([kinds == 0, kinds == 1], [0.035, 0.06], 0.0)
        # One drift cycle per clip makes the motion loop; the amplitude follows from the speed.
        drift = speed * duration / (2 * np.pi) * rng.uniform(0.6, 1.0, n_lights)
        orb_phase = rng.uniform(0, 2 * np.pi, (2, n_orbs))
        phase_x = np.concatenate(
            [orb_phase[0], orb_phase[0], rng.uniform(0, 2 * np.pi, n_motes + n_stars)]
        )
        phase_y = np.concatenate(
            [orb_phase[1], orb_phase[1], rng.uniform(0, 2 * np.pi, n_motes + n_stars)]
        )
        orb_level = rng.uniform(0.14, 0.26, n_orbs)
        level = np.concatenate(
            [
                orb_level,
                orb_level * 1.3,
                rng.uniform(0.35, 0.8, n_motes),
                rng.uniform(0.25, 0.9, n_stars),
            ]
        )
        # Twinkle: whole cycles per clip so it loops; orbs barely pulse, stars sparkle.
        twinkle_k = rng.integers(1, 4, n_lights)
        twinkle_depth = np.select([kinds == 0, kinds == 1], [0.15, 0.5], 0.7)
        colour_pick = rng.uniform(0, 1, n_lights)
        colour_pick[n_orbs : 2 * n_orbs] = colour_pick[:n_orbs]  # an orb's core matches its halo
        colours = palette[np.minimum((colour_pick * len(palette)).astype(int), len(palette) - 1)]
        colours[kinds == 2] = (1.0, 0.98, 0.92)  # stars are near-white whatever the mood
        visible = (kinds != 2) | (rng.uniform(0, 1, n_lights) < mood.stars)
        twinkle_phase = rng.uniform(0, 2 * np.pi, n_lights)

        def group(kind: int) -> _Lights:
            chosen = visible & (kinds == kind)

            def pick(values: np.ndarray) -> np.ndarray:
                return values[chosen].astype(np.float32)

            return _Lights(
                x=pick(base_x),
                y=pick(base_y),
                sigma=pick(sigma),
                drift=pick(drift),
                phase_x=pick(phase_x),
                phase_y=pick(phase_y),
                level=pick(level),
                twinkle_k=pick(twinkle_k),
                twinkle_depth=pick(twinkle_depth),
                twinkle_phase=pick(twinkle_phase),
                colours=colours[chosen].astype(np.float32),
            )

        self.orbs = group(0)
        # Motes and stars cover a few pixels each, so they are stamped as small patches.
        self.sparks = [group(1), group(2)]

        # Slow breathing of the whole picture, about one breath per five seconds.
        self.breaths = max(1, round(duration / 5))
        self.vig_y, self.vig_x = _vignette(self.ys, self.xs, aspect)
        # Adding U(0, 1) before the final truncation rounds with a fixed sub-LSB dither,
        # which keeps dark gradients from banding at 8 bits.
        dither = np.random.default_rng(0).uniform(0.0, 1.0, (height, width, 3))
        self.base = (255 * self.vig_y[:, :, None] * self.vig_x[0, :, None] + dither).astype(
            np.float32
        )

    def frame(self, phase: float) -> np.ndarray:
        """Draw the picture at ``phase`` (0..1 through the clip) as uint8 RGB.

        The picture is ``255 * V * screen(b*sky, b*glow)`` with vignette V and breath b.
        Written as ``255V - 255(1 - b*sky) * V(1 - b*glow)``, the broad part of the second
        factor is a short sum of separable terms (one small product draws the orbs, mist,
        vignette and breathing), the sparks are stamped on top, and only a handful of
        full-frame passes remain. No BLAS call: its threads fight for busy cores.
        """
        t = np.float32(_TAU * phase)
        ys, xs = self.ys, self.xs
        breath = np.float32(1 + 0.045 * np.sin(self.breaths * t))

        # Sky: ramp + tilt + swaying waves, as rank-one terms of one small product.
        sway = self.wave_sway * np.sin(t + self.wave_px)
        wave_y = self.wave_amp * np.cos(_TAU * self.wave_fy * ys + self.wave_py + 0.6 * sway)
        wave_x = np.cos(_TAU * self.wave_fx[:, None] * xs + (self.wave_px + sway)[:, None])
        left = np.concatenate([ys, np.full_like(ys, self.tilt), wave_y], axis=1)
        right = np.concatenate([np.ones_like(xs), xs - xs.mean(), wave_x], axis=0)
        field = np.einsum("hk,kw->hw", left, right)
        field *= _LUT_SIZE - 1
        dark_lut = 255 * (1 - breath * self.lut)  # 255 * (1 - b*sky), per palette entry
        out = np.take(dark_lut, field.astype(np.intp), axis=0, mode="clip")

        # V(1 - b*glow): the vignette minus the orbs and mist veils...
        cx, cy, level = self.orbs.at(t, breath)
        inv = -0.5 / self.orbs.sigma**2
        gy = np.exp((ys - cy[None, :]) ** 2 * inv[None, :]) * level  # (H, orbs)
        gx = np.exp((xs - cx[:, None]) ** 2 * inv[:, None])  # (orbs, W)
        swing = np.sin(t)
        mist_level = breath * self.mist_amp * (0.6 + 0.4 * np.sin(t + self.mist_px))
        my = mist_level * np.cos(_TAU * self.mist_fy * ys + self.mist_py + 0.5 * swing)
        mx = np.cos(_TAU * self.mist_fx[:, None] * xs + self.mist_px[:, None] - 0.5 * swing)
        rows = self.vig_y * np.concatenate([np.ones_like(ys), -gy, -my], axis=1)
        cols = self.vig_x[0, None, :, None] * np.concatenate(
            [
                np.ones((1, self.width, 3), np.float32),
                gx[:, :, None] * self.orbs.colours[:, None, :],
                mx[:, :, None] * self.mist_colour,
            ],
            axis=0,
        )
        shade = np.einsum("hk,kw->hw", rows, cols.reshape(cols.shape[0], -1))
        # ...and minus every spark.
        for sparks in self.sparks:
            self._stamp(shade.reshape(-1), sparks, t, breath)

        out *= shade.reshape(self.height, self.width, 3)
        np.subtract(self.base, out, out=out)
        np.clip(out, 0, 255, out=out)
        return out.astype(np.uint8)

    def _stamp(self, shade: np.ndarray, sparks: _Lights, t: np.float32, breath: np.float32) -> None:
        """Subtract each small light, vignetted, from the flat (H*W*3) ``shade`` in place."""
        if sparks.x.size == 0:
            return
        cx, cy, level = sparks.at(t, breath)
        radius = int(np.ceil(3 * float(sparks.sigma.max()) * self.height))
        offsets = np.arange(-radius, radius + 1)
        # Pixel j covers (j + 0.5) / height in frame-height units.
        col = np.rint(cx * self.height - 0.5).astype(np.intp)[:, None] + offsets  # (n, P)
        row = np.rint(cy * self.height - 0.5).astype(np.intp)[:, None] + offsets
        inside_x = (col >= 0) & (col < self.width)
        inside_y = (row >= 0) & (row < self.height)
        col = np.clip(col, 0, self.width - 1)
        row = np.clip(row, 0, self.height - 1)
        inv = (-0.5 / sparks.sigma**2)[:, None]
        wx = np.exp(((col + 0.5) / self.height - cx[:, None]) ** 2 * inv) * inside_x
        wy = np.exp(((row + 0.5) / self.height - cy[:, None]) ** 2 * inv) * inside_y
        wx *= self.vig_x[0, col]
        wy *= self.vig_y[row, 0] * level[:, None]
        weight = wy[:, :, None, None] * wx[:, None, :, None] * sparks.colours[:, None, None, :]
        pixel = row[:, :, None] * self.width + col[:, None, :]  # (n, P, P)
        index = pixel[:, :, :, None] * 3 + np.arange(3)  # (n, P, P, 3)
        # ufunc.at adds overlapping stamps one by one, in a fixed order: deterministic.
        np.subtract.at(shade, index.ravel(), weight.ravel().astype(np.float32))


@dataclass(frozen=True)
class _Lights:
    """One group of glowing points; positions and sizes are in frame heights."""

    x: np.ndarray
    y: np.ndarray
    sigma: np.ndarray
    drift: np.ndarray
    phase_x: np.ndarray
    phase_y: np.ndarray
    level: np.ndarray
    twinkle_k: np.ndarray
    twinkle_depth: np.ndarray
    twinkle_phase: np.ndarray
    colours: np.ndarray  # (n, 3), 0..1

    def at(self, t: np.float32, breath: np.float32) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Centres x, y and brightness of every light at clip angle ``t`` (0..2*pi)."""
        cx = self.x + self.drift * np.sin(t + self.phase_x)
        cy = self.y + self.drift * np.cos(t + self.phase_y)
        twinkle = 0.5 + 0.5 * np.sin(self.twinkle_k * t + self.twinkle_phase)
        return cx, cy, breath * self.level * (1 - self.twinkle_depth * twinkle)


def _gradient_lut(stops: Sequence[RGB]) -> np.ndarray:
    """A (_LUT_SIZE, 3) float32 table running smoothly through ``stops``."""
    colours = np.array(stops, dtype=np.float64) / 255
    pos = np.linspace(0.0, len(stops) - 1, _LUT_SIZE)
    index = np.minimum(pos.astype(int), len(stops) - 2)
    local = pos - index
    # Smoothstep inside each band eases one colour into the next instead of showing kinks.
    eased = (local * local * (3 - 2 * local))[:, None]
    return (colours[index] * (1 - eased) + colours[index + 1] * eased).astype(np.float32)


def _vignette(ys: np.ndarray, xs: np.ndarray, aspect: float) -> tuple[np.ndarray, np.ndarray]:
    """Vertical (H, 1) and horizontal (1, W) factors whose product darkens the edges.

    Separable on purpose: it then folds into the lights' matrix product for free.
    """
    ry = np.abs(ys - 0.5) / 0.5
    rx = np.abs(xs - aspect / 2) / (aspect / 2)
    return (1 - 0.25 * ry**2.2).astype(np.float32), (1 - 0.25 * rx**2.2).astype(np.float32)
