"""Layers: what a motif hands the scene, and how each is drawn at one moment.

Everything costly (drawing shapes, blurring, colour conversion) happens when a layer is
built, once per video; :meth:`Layer.draw` only pastes ready sprites at new places, or
draws a few flat polygons. Positions are frame pixels for the middle of the clip; the
camera moves a layer by its ``parallax`` times the camera's offset (0: pinned to the
sky, 1: the hero's plane, above 1: the foreground, which slides past fastest).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from videos.demo_renderer.canvas import Canvas, Sprite
from videos.demo_renderer.palette import Mood

__all__ = ["Base", "Cam", "Custom", "Flip", "Layer", "Slot", "Stage", "Still", "Swarm", "Tiled"]


@dataclass(frozen=True)
class Cam:
    """The camera's offset from its middle position, in hero-plane pixels."""

    x: float
    y: float


@dataclass
class Stage:
    """What every motif may know about the picture it is placed in."""

    width: int
    height: int
    horizon: float  # y of the horizon (or the floor line indoors), pixels
    mood: Mood
    rng: np.random.Generator
    duration: float
    pan: float  # how far the camera travels over the clip at parallax 1, pixels (signed)
    night: bool
    setting: str
    size: float  # the length motifs are scaled by: min(height, 1.25 * width)
    indoor: bool = False
    celestial: tuple[float, float] | None = None  # where the sun or moon is, if any
    words: frozenset[str] = frozenset()
    title: str = ""
    snowy: bool = False

    def span(self, parallax: float, margin: float = 0.08) -> tuple[int, int]:
        """Left edge and width of a band that stays across the frame all clip long."""
        travel = abs(self.pan) * parallax + self.width * margin
        width = int(self.width + travel * 2 + 4)
        width += width % 2
        return int(-travel) - 2, width

    def ground_depth(self, y: float) -> float:
        """0 at the horizon, 1 at the bottom of the frame."""
        return min(1.0, max(0.0, (y - self.horizon) / max(1.0, self.height - self.horizon)))

    def z_at(self, y: float) -> float:
        """Painter's order for a thing standing at ``y``: lower on screen is nearer."""
        return 3.0 + self.ground_depth(y)


@dataclass
class Base:
    """The picture behind everything (sky, ground or walls), painted once as floats.

    It is the frame plus ``margin`` pixels on every side, so the camera can shake.
    """

    rgb: np.ndarray  # (height + 2 margin, width + 2 margin, 3), 0..255
    margin: int

    @property
    def ys(self) -> np.ndarray:
        """Frame y of each row's centre, as a column."""
        return (np.arange(self.rgb.shape[0], dtype=np.float32) - self.margin + 0.5)[:, None]

    @property
    def xs(self) -> np.ndarray:
        """Frame x of each column's centre, as a row."""
        return (np.arange(self.rgb.shape[1], dtype=np.float32) - self.margin + 0.5)[None, :]

    def blend(self, rgba: np.ndarray, x: int, y: int) -> None:
        """Blend a float RGBA array (alpha 0..255) over the base, top-left at frame (x, y)."""
        h, w = rgba.shape[:2]
        x0, y0 = x + self.margin, y + self.margin
        bx0, by0 = max(0, x0), max(0, y0)
        bx1, by1 = min(self.rgb.shape[1], x0 + w), min(self.rgb.shape[0], y0 + h)
        if bx1 <= bx0 or by1 <= by0:
            return
        part = rgba[by0 - y0 : by1 - y0, bx0 - x0 : bx1 - x0]
        alpha = part[..., 3:4] / 255
        region = self.rgb[by0:by1, bx0:bx1]
        region += (part[..., :3] - region) * alpha


@dataclass
class Slot:
    """Where one motif goes: centre x, where it stands (base y), how tall, how far."""

    cx: float
    base: float
    size: float
    parallax: float
    z: float
    role: str  # "hero", "extra" or "sky"

    @property
    def depth(self) -> float:
        """0 for the hero's plane, up to 1 far away (for haze)."""
        return min(1.0, max(0.0, 1.0 - self.parallax))


class Layer:
    z: float = 0.0

    def draw(self, canvas: Canvas, t: float, cam: Cam) -> None:  # pragma: no cover
        raise NotImplementedError


@dataclass
class Still(Layer):
    """One sprite, bobbing and drifting; ``alpha`` may vary with time."""

    sprite: Sprite
    x: float  # top-left, middle of the clip
    y: float
    z: float
    parallax: float = 1.0
    bob: tuple[float, float, float] = (0.0, 0.0, 0.0)  # amplitude px, Hz, phase
    drift: tuple[float, float] = (0.0, 0.0)  # px/s
    alpha: float | Callable[[float], float] = 1.0
    t0: float = 0.0  # time of the middle of the clip (drift is measured from it)

    def __post_init__(self) -> None:
        if not callable(self.alpha) and self.alpha < 0.996:
            # A constant fade is baked in once, not applied to the masks every frame.
            self.sprite, self.alpha = self.sprite.faded(self.alpha), 1.0

    def draw(self, canvas: Canvas, t: float, cam: Cam) -> None:
        alpha = self.alpha(t) if callable(self.alpha) else self.alpha
        amp, hz, phase = self.bob
        x = self.x + self.drift[0] * (t - self.t0) - cam.x * self.parallax
        y = (
            self.y
            + self.drift[1] * (t - self.t0)
            - cam.y * self.parallax
            + amp * math.sin(2 * math.pi * hz * t + phase)
        )
        canvas.paste(self.sprite, x, y, alpha)


@dataclass
class Flip(Layer):
    """Animation frames moving along a path: ``path(t) -> (x, y, frame, alpha)``.

    ``x, y`` is where the frame's centre is at parallax 1 before the camera moves it.
    """

    frames: Sequence[Sprite]
    path: Callable[[float], tuple[float, float, int, float]]
    z: float
    parallax: float = 1.0

    def draw(self, canvas: Canvas, t: float, cam: Cam) -> None:
        x, y, index, alpha = self.path(t)
        sprite = self.frames[index % len(self.frames)]
        canvas.paste(
            sprite,
            x - sprite.width / 2 - cam.x * self.parallax,
            y - sprite.height / 2 - cam.y * self.parallax,
            alpha,
        )


@dataclass
class Tiled(Layer):
    """A band repeated sideways (waves, clouds, flower beds), sliding at its own speed."""

    sprite: Sprite
    y: float
    z: float
    parallax: float = 1.0
    speed: float = 0.0  # px/s of its own, besides the camera
    offset: float = 0.0
    bob: tuple[float, float, float] = (0.0, 0.0, 0.0)
    alpha: float = 1.0

    def __post_init__(self) -> None:
        if self.alpha < 0.996:
            self.sprite, self.alpha = self.sprite.faded(self.alpha), 1.0

    def draw(self, canvas: Canvas, t: float, cam: Cam) -> None:
        period = self.sprite.width
        shift = (self.offset + self.speed * t - cam.x * self.parallax) % period
        amp, hz, phase = self.bob
        y = self.y - cam.y * self.parallax + amp * math.sin(2 * math.pi * hz * t + phase)
        x = shift - period
        while x < canvas.width:
            canvas.paste(self.sprite, x, y, self.alpha)
            x += period


@dataclass
class Swarm(Layer):
    """Many small sprites; ``positions(t) -> (xs, ys, frame indexes, alphas)`` arrays.

    Positions are sprite centres; parallax moves them with the camera.
    """

    frames: Sequence[Sprite]
    positions: Callable[[float], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]
    z: float
    parallax: float = 1.0

    def draw(self, canvas: Canvas, t: float, cam: Cam) -> None:
        xs, ys, index, alpha = self.positions(t)
        xs = xs - cam.x * self.parallax
        ys = ys - cam.y * self.parallax
        frames = self.frames
        count = len(frames)
        for x, y, i, a in zip(
            xs.tolist(), ys.tolist(), index.tolist(), alpha.tolist(), strict=True
        ):
            sprite = frames[int(i) % count]
            canvas.paste(sprite, x - sprite.width / 2, y - sprite.height / 2, a)


@dataclass
class Custom(Layer):
    """Anything drawn fresh each frame: ``fn(canvas, t, cam)``."""

    fn: Callable[[Canvas, float, Cam], None]
    z: float

    def draw(self, canvas: Canvas, t: float, cam: Cam) -> None:
        self.fn(canvas, t, cam)


def wrap(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """``values`` folded into ``[low, high)``: particles that leave come back the other side."""
    return low + np.mod(values - low, high - low)
