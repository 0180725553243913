"""Helpers shared by the motif drawers: colours, glows, particles, the registry."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from videos.demo_renderer.canvas import RGB, Canvas, Mask, Pen, Point, Sprite, falloff, mix, yuv
from videos.demo_renderer.layers import Base, Layer, Slot, Stage
from videos.demo_renderer.symbols import Pick

Builder = Callable[[Stage, Slot, Pick], list[Layer]]
Painter = Callable[[Stage, Base, Pick], list[Layer]]


@dataclass(frozen=True)
class MotifSpec:
    """One motif of the library.

    ``kind``: "ground" (stands on the ground), "sky" (floats), "setting" (the place),
    "backdrop" (a band far away), "swarm" (many small things moving). ``height`` is its
    height as a hero, in units of the stage size; ``width`` its width per unit height.
    """

    name: str
    kind: str
    build: Builder | None = None
    height: float = 0.5
    width: float = 0.6
    paint: Painter | None = None  # settings and backdrops: paint the base, add layers


REGISTRY: dict[str, MotifSpec] = {}


def motif(name: str, kind: str, *, height: float = 0.5, width: float = 0.6):
    """Register the decorated builder as the motif ``name``."""

    def register(build: Builder) -> Builder:
        REGISTRY[name] = MotifSpec(name, kind, build, height, width)
        return build

    return register


def place(name: str, kind: str = "setting"):
    """Register the decorated painter as the setting (or backdrop) ``name``."""

    def register(paint: Painter) -> Painter:
        REGISTRY[name] = MotifSpec(name, kind, paint=paint)
        return paint

    return register


def rgba(colour: Sequence[float], alpha: float = 1.0) -> tuple[int, int, int, int]:
    r, g, b = (int(min(255, max(0, round(c)))) for c in colour[:3])
    return r, g, b, int(min(255, max(0, round(alpha * 255))))


def lit(stage: Stage, colour: Sequence[float], slot: Slot | None = None, depth: float = 0.0) -> RGB:
    """``colour`` as it looks in this mood, at the slot's (or the given) depth."""
    return stage.mood.lit(colour, slot.depth if slot is not None else depth)


def main_colour(pick: Pick, default: Sequence[float]) -> RGB:
    """The motif's main colour: the dream's colour word if it named one."""
    return tuple(int(c) for c in (pick.tint or default))  # type: ignore[return-value]


def finish(pen: Pen, pick: Pick, stage: Stage) -> Sprite:
    """The pen's drawing as a sprite; glassy things are see-through, with bright edges."""
    image = pen.rgba()
    if pick.glass:
        image = glaze(image, stage)
    return Sprite.from_rgba(image)


def glaze(image: Image.Image, stage: Stage) -> Image.Image:
    """``image`` turned to glass: a pale tint, mostly see-through, bright rims, a sheen."""
    from PIL import ImageFilter

    alpha = image.getchannel("A")
    radius = max(1, min(image.size) // 80)
    blurred = np.asarray(alpha.filter(ImageFilter.BoxBlur(radius)), np.float32) / 255
    arr = np.asarray(image, np.float32).copy()
    a = arr[..., 3] / 255
    # Inside the shape, near its edge, the blurred alpha drops: that is the rim.
    rim = np.clip((a - blurred) * 2.5 * a, 0, 1)
    pale = np.array(mix((214, 240, 252), stage.mood.light, 0.25), np.float32)
    rgb = arr[..., :3] * 0.35 + pale * 0.65
    h, w = a.shape
    diag = (
        np.arange(w, dtype=np.float32)[None, :] + np.arange(h, dtype=np.float32)[:, None] * 0.6
    ) / max(1.0, w + h * 0.6)
    sheen = np.clip(1 - np.abs(np.mod(diag * 3.0, 1.0) - 0.3) / 0.06, 0, 1) * 0.35
    light = np.clip(sheen + rim * 0.8, 0, 1)[..., None]
    rgb += (255 - rgb) * light
    arr[..., :3] = rgb
    arr[..., 3] = np.clip(a * 0.42 + sheen * a * 0.3 + rim * 0.9, 0, 1) * 255
    return Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8), "RGBA")


def glow_sprite(radius: float, colour: Sequence[float], strength: float = 1.0) -> Sprite:
    """A soft round light of ``radius`` pixels (alpha falls off like a Gaussian)."""
    size = max(4, int(radius * 2) + 2)
    size += size % 2
    c = (size - 1) / 2
    xs = np.arange(size, dtype=np.float32) - c
    d2 = (xs[None, :] ** 2 + xs[:, None] ** 2) / max(1.0, radius * radius)
    alpha = np.clip(strength * falloff(d2) * 255, 0, 255)
    rgba_arr = np.empty((size, size, 4), np.float32)
    rgba_arr[..., :3] = np.array(colour[:3], np.float32)
    rgba_arr[..., 3] = alpha
    return Sprite.from_arrays(rgba_arr)


def dot_sprite(radius: float, colour: Sequence[float], core: float = 0.5) -> Sprite:
    """A small disc with a soft edge: ``core`` is the share of the radius that is solid."""
    size = max(2, math.ceil(radius * 2 + 2))
    size += size % 2
    c = (size - 1) / 2
    xs = np.arange(size, dtype=np.float32) - c
    r = np.sqrt(xs[None, :] ** 2 + xs[:, None] ** 2) / max(0.5, radius)
    alpha = np.clip((1 - r) / max(0.05, 1 - core), 0, 1) ** 1.5 * 255
    arr = np.empty((size, size, 4), np.float32)
    arr[..., :3] = np.array(colour[:3], np.float32)
    arr[..., 3] = alpha
    return Sprite.from_arrays(arr)


def rotated(image: Image.Image, degrees: float) -> Image.Image:
    """``image`` turned about its centre, grown to fit (bicubic, transparent corners)."""
    return image.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True)


def rot(points: Sequence[Point], cx: float, cy: float, degrees: float) -> list[Point]:
    a = math.radians(degrees)
    ca, sa = math.cos(a), math.sin(a)
    return [
        (cx + (x - cx) * ca - (y - cy) * sa, cy + (x - cx) * sa + (y - cy) * ca) for x, y in points
    ]


def ellipse_points(
    cx: float, cy: float, rx: float, ry: float, degrees: float = 0.0, n: int = 28
) -> list[Point]:
    pts = [
        (cx + rx * math.cos(2 * math.pi * i / n), cy + ry * math.sin(2 * math.pi * i / n))
        for i in range(n)
    ]
    return rot(pts, cx, cy, degrees) if degrees else pts


def translucent_polygons(
    canvas: Canvas,
    polygons: Sequence[Sequence[Point]],
    colour: RGB,
    alpha: float,
    *,
    clip_bottom: float | None = None,
) -> None:
    """Blend flat ``colour`` at ``alpha`` over the union of ``polygons`` (frame pixels),
    above ``clip_bottom`` if given."""
    if alpha <= 0.004 or not polygons:
        return
    xs = [p[0] for poly in polygons for p in poly]
    ys = [p[1] for poly in polygons for p in poly]
    x0 = max(0, int(min(xs)) - 1)
    y0 = max(0, int(min(ys)) - 1)
    x1 = min(canvas.width, int(max(xs)) + 2)
    y1 = min(canvas.height, int(max(ys)) + 2)
    if clip_bottom is not None:
        y1 = min(y1, int(clip_bottom) + 2)
    x0 -= x0 % 2
    y0 -= y0 % 2
    if x1 - x0 < 2 or y1 - y0 < 2:
        return
    w, h = x1 - x0, y1 - y0
    w += w % 2
    h += h % 2
    from PIL import ImageDraw

    full = Image.new("L", (w, h), 0)
    half = Image.new("L", (w // 2, h // 2), 0)
    level = int(min(255, max(0, round(alpha * 255))))
    draw_full, draw_half = ImageDraw.Draw(full), ImageDraw.Draw(half)
    for poly in polygons:
        pts = [(x - x0, y - y0) for x, y in poly]
        draw_full.polygon(pts, fill=level)
        draw_half.polygon([(x / 2, y / 2) for x, y in pts], fill=level)
    canvas.fill(Mask(full, half), yuv(colour), x0, y0)


def flicker(stage: Stage, t: float, seed: float, depth: float = 1.0) -> float:
    """A light's brightness 0..1 at ``t``: steady in calm moods, unsteady in tense ones."""
    amount = stage.mood.flicker * depth
    if amount <= 0:
        return 1.0
    wobble = 0.5 + 0.25 * math.sin(t * 7.1 + seed) + 0.25 * math.sin(t * 12.7 + 2 * seed)
    # Now and then a short drop-out.
    drop = 1.0 if math.sin(t * 2.3 + 3 * seed) < 0.93 else 0.35
    return max(0.0, 1.0 - amount * 0.6 * wobble) * (1 - (1 - drop) * amount)


def soft_band(width: int, height: int, colour: Sequence[float], alpha: float, seed: int) -> Sprite:
    """A wide band of soft mist, thicker in the middle, with lumps along its length.

    Computed at a quarter of the size and scaled up: mist has no detail to lose.
    """
    rng = np.random.default_rng(seed)
    small_w, small_h = max(4, width // 4), max(4, height // 4)
    xs = np.arange(small_w, dtype=np.float32) / small_w
    ys = (np.arange(small_h, dtype=np.float32) + 0.5) / small_h
    lumps = np.zeros_like(xs)
    for k in range(1, 5):
        lumps += rng.uniform(0.3, 1.0) * np.sin(2 * np.pi * (k * xs + rng.uniform()))
    lumps = 0.65 + 0.35 * lumps / 3
    profile = np.clip(1 - ((ys - 0.5) / 0.5) ** 2, 0, 1) ** 2
    a = np.clip(alpha * profile[:, None] * lumps[None, :], 0, 1) * 255
    mask = Image.fromarray((a + 0.5).astype(np.uint8), "L").resize(
        (width, height), Image.Resampling.BILINEAR
    )
    image = Image.new("RGBA", (width, height), (*(int(c) for c in colour[:3]), 0))
    image.putalpha(mask)
    return Sprite.from_rgba(image)


def even(n: float) -> int:
    n = max(2, round(n))
    return n + n % 2


def ridge_rgba(
    heights: np.ndarray,
    height: int,
    top: Sequence[float],
    bottom: Sequence[float],
    *,
    cap: tuple[np.ndarray, Sequence[float]] | None = None,
) -> np.ndarray:
    """A silhouette band as a float (height, len(heights), 4) RGBA array.

    Column ``x`` is filled from ``heights[x]`` pixels above the bottom edge down to it,
    shaded from ``top`` (at the band's top) to ``bottom``; the ridge line is anti-aliased.
    ``cap`` is (depth in pixels per column, colour): a cap of that depth under the ridge
    (snow on peaks, lit rims).
    """
    width = heights.shape[0]
    ys = np.arange(height, dtype=np.float32)[:, None] + 0.5
    ridge = (height - heights.astype(np.float32))[None, :]
    alpha = np.clip(ys - ridge + 0.5, 0, 1)
    shade = (ys / height)[..., None]
    top_c = np.array(top[:3], np.float32)
    bottom_c = np.array(bottom[:3], np.float32)
    rgb = np.broadcast_to(top_c + (bottom_c - top_c) * shade, (height, width, 3)).copy()
    if cap is not None:
        depth, colour = cap
        inside = np.clip(ridge + depth[None, :].astype(np.float32) - ys + 0.5, 0, 1)
        rgb += (np.array(colour[:3], np.float32) - rgb) * inside[..., None]
    out = np.empty((height, width, 4), np.float32)
    out[..., :3] = rgb
    out[..., 3] = alpha * 255
    return out


def smooth_noise(
    rng: np.random.Generator, n: int, octaves: Sequence[tuple[int, float]]
) -> np.ndarray:
    """A periodic wavy line of ``n`` samples: sums of sines (cycles, amplitude)."""
    xs = np.arange(n, dtype=np.float32) / n
    out = np.zeros(n, np.float32)
    for cycles, amp in octaves:
        out += amp * np.sin(2 * np.pi * (cycles * xs + rng.uniform()))
    return out
