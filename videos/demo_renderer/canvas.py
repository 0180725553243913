"""Pixels: sprites and frames kept as the encoder wants them, BT.709 Y'CbCr 4:2:0.

Everything is composited straight in Y'CbCr: an "over" blend is linear, so blending
the planes gives the same picture as blending RGB and converting, but a frame then
costs 1.5 bytes a pixel instead of 3 (or 4, as Pillow stores RGB), and no colour
conversion runs per frame. Each plane is a Pillow ``"L"`` image, so pasting a sprite
is Pillow's C paste with a mask: one pass over the sprite's box, nothing else.

Sprites are drawn once per video with :class:`Pen` (Pillow's ``ImageDraw`` on a
supersampled RGBA canvas, then box-filtered down, which anti-aliases every edge) and
converted with :meth:`Sprite.from_rgba`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

RGB = tuple[int, int, int]
YUV = tuple[int, int, int]
Point = tuple[float, float]

# BT.709, limited ("MPEG") range: what write_mp4 tags its streams with.
_KR, _KB = 0.2126, 0.0722
_KG = 1 - _KR - _KB


_CY = 219 / 255
_CU = 224 / 255 / (2 * (1 - _KB))
_CV = 224 / 255 / (2 * (1 - _KR))
# The same transform as rgb_to_yuv, as a Pillow colour matrix (rows: Y, U, V; + offset).
_YUV_MATRIX = (
    _CY * _KR, _CY * _KG, _CY * _KB, 16,
    -_CU * _KR, -_CU * _KG, _CU * (1 - _KB), 128,
    _CV * (1 - _KR), -_CV * _KG, -_CV * _KB, 128,
)  # fmt: skip


def rgb_to_yuv(rgb: np.ndarray) -> np.ndarray:
    """(..., 3) RGB in 0..255 to (..., 3) float Y'CbCr in the 8-bit limited range."""
    rgb = np.asarray(rgb, dtype=np.float32) / 255
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    y = _KR * r + _KG * g + _KB * b
    u = (b - y) / (2 * (1 - _KB))
    v = (r - y) / (2 * (1 - _KR))
    return np.stack([16 + 219 * y, 128 + 224 * u, 128 + 224 * v], axis=-1)


def yuv(colour: Sequence[float]) -> YUV:
    """One RGB colour as 8-bit Y'CbCr."""
    y, u, v = rgb_to_yuv(np.array(colour, dtype=np.float32))
    return _byte(y), _byte(u), _byte(v)


def _byte(value: float) -> int:
    return int(min(255, max(0, round(float(value)))))


def mix(a: Sequence[float], b: Sequence[float], t: float) -> RGB:
    """The colour ``t`` of the way from ``a`` to ``b`` (t is clipped to 0..1)."""
    t = min(1.0, max(0.0, float(t)))
    return tuple(_byte(x + (y - x) * t) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def scale(colour: Sequence[float], factor: float) -> RGB:
    return tuple(_byte(c * factor) for c in colour)  # type: ignore[return-value]


def falloff(d2: np.ndarray) -> np.ndarray:
    """A soft light's alpha at squared distance ``d2`` (in radii): 1 at the centre, 0 from 1.

    Unlike a Gaussian it reaches exactly zero at the radius, so no sprite edge shows.
    """
    inside = np.clip(1 - d2, 0, 1)
    return inside * inside * (0.35 + 0.65 * np.exp(-3 * d2))


_ALPHA_LUTS: dict[int, list[int]] = {}


def _alpha_lut(alpha: float) -> list[int]:
    """A ``point`` table that scales a mask by ``alpha`` (quantised to 1/64 steps)."""
    key = round(min(1.0, max(0.0, alpha)) * 64)
    lut = _ALPHA_LUTS.get(key)
    if lut is None:
        lut = [(v * key + 32) // 64 for v in range(256)]
        _ALPHA_LUTS[key] = lut
    return lut


@dataclass(frozen=True, eq=False)
class Part:
    """A piece of a sprite at even offset ``(dx, dy)``: planes, and masks unless opaque."""

    dx: int
    dy: int
    y: Image.Image
    u: Image.Image
    v: Image.Image
    a: Image.Image | None  # None: fully opaque, pasted without a mask
    ah: Image.Image | None

    def faded(self, lut: list[int], level: int) -> Part:
        if self.a is None or self.ah is None:
            a = Image.new("L", self.y.size, level)
            ah = Image.new("L", self.u.size, level)
        else:
            a, ah = self.a.point(lut), self.ah.point(lut)
        return Part(self.dx, self.dy, self.y, self.u, self.v, a, ah)


@dataclass(frozen=True, eq=False)
class Sprite:
    """A picture with alpha, kept as Y'CbCr planes in one or two :class:`Part` s.

    Fully transparent borders are trimmed away, and fully opaque rows at the bottom (the
    ground under a range of hills, the lower storeys of a skyline) form a part of their
    own, pasted without a mask: a plain copy, many times cheaper. Chroma and its mask
    are half size; chroma is the alpha-weighted average of each 2x2 block, so edges never
    pick up the colour of transparent pixels. ``width`` and ``height`` are the untrimmed
    size (even), which is what layers place.
    """

    width: int
    height: int
    parts: tuple[Part, ...]
    _faded: dict[int, Sprite] = field(default_factory=dict, repr=False)

    @classmethod
    def from_rgba(cls, image: Image.Image) -> Sprite:
        """Convert an RGBA (or RGB) Pillow image; an odd side gains one transparent pixel.

        The colour matrix runs in Pillow's C code. Chroma is halved with a box filter on
        premultiplied alpha (Pillow premultiplies RGBA for resizing), so each 2x2 block
        gets the alpha-weighted average of its visible pixels.
        """
        rgba = _even(image.convert("RGBA"))
        width, height = rgba.size
        alpha = rgba.getchannel("A")
        box = alpha.getbbox()
        if box is None:
            return cls(width, height, ())
        x0, y0 = box[0] - box[0] % 2, box[1] - box[1] % 2
        x1, y1 = min(width, box[2] + box[2] % 2), min(height, box[3] + box[3] % 2)
        rgba = rgba.crop((x0, y0, x1, y1))
        alpha = alpha.crop((x0, y0, x1, y1))
        # Opaque rows at the bottom: the first of them (rounded up to even), or the end.
        rows = np.asarray(alpha).min(axis=1) == 255
        start = len(rows) - int(np.argmin(rows[::-1])) if not rows.all() else 0
        start = min(len(rows), start + start % 2)
        parts = []
        if start > 0:
            top = rgba if start == len(rows) else rgba.crop((0, 0, rgba.width, start))
            parts.append(_part(top, x0, y0, masked=True))
        if start < len(rows):
            bottom = rgba.crop((0, start, rgba.width, rgba.height))
            parts.append(_part(bottom, x0, y0 + start, masked=False))
        return cls(width, height, tuple(parts))

    @classmethod
    def from_arrays(cls, rgba: np.ndarray) -> Sprite:
        """From an (H, W, 4) array, RGB and alpha in 0..255 (H and W even)."""
        if rgba.dtype != np.uint8:
            rgba = np.clip(rgba + 0.5, 0, 255).astype(np.uint8)
        return cls.from_rgba(Image.fromarray(rgba, mode="RGBA"))

    @classmethod
    def solid(cls, rgb: np.ndarray, *, dither: bool = False) -> Sprite:
        """An opaque sprite from a float (H, W, 3) RGB array (H and W even).

        ``dither`` adds a fixed sub-level noise before rounding, so gradients never band.
        """
        values = np.asarray(rgb, np.float32)
        if dither:
            noise = np.random.default_rng(0).uniform(0.0, 1.0, values.shape[:2]).astype(np.float32)
            values = values + noise[..., None]
        else:
            values = values + 0.5
        image = Image.fromarray(np.clip(values, 0, 255).astype(np.uint8), mode="RGB")
        return cls(image.width, image.height, (_part(image, 0, 0, masked=False),))

    def faded(self, alpha: float) -> Sprite:
        """The same sprite with its alpha scaled by ``alpha`` (in 1/64 steps).

        Small sprites keep their faded copies: particles twinkle through the same levels.
        """
        key = round(min(1.0, max(0.0, alpha)) * 64)
        cached = self._faded.get(key)
        if cached is not None:
            return cached
        lut = _alpha_lut(alpha)
        sprite = Sprite(self.width, self.height, tuple(p.faded(lut, lut[255]) for p in self.parts))
        if self.width * self.height <= 128 * 128:
            self._faded[key] = sprite
        return sprite


def _part(image: Image.Image, dx: int, dy: int, *, masked: bool) -> Part:
    width, height = image.size
    half = (width // 2, height // 2)
    if not masked:
        y, u, v = image.convert("RGB").convert("RGB", _YUV_MATRIX).split()
        return Part(
            dx,
            dy,
            y,
            u.resize(half, Image.Resampling.BOX),
            v.resize(half, Image.Resampling.BOX),
            None,
            None,
        )
    y, u, v = image.convert("RGB").convert("RGB", _YUV_MATRIX).split()
    a = image.getchannel("A")
    halved = Image.merge("RGBA", (y, u, v, a)).resize(half, Image.Resampling.BOX)
    _, uh, vh, ah = halved.split()
    return Part(dx, dy, y, uh, vh, a, ah)


@dataclass(frozen=True, eq=False)
class Mask:
    """A shape to fill with one colour: alpha at full (``a``) and half (``ah``) size."""

    a: Image.Image
    ah: Image.Image


def _even(image: Image.Image) -> Image.Image:
    width, height = image.size
    if width % 2 or height % 2:
        padded = Image.new(image.mode, (width + width % 2, height + height % 2), 0)
        padded.paste(image, (0, 0))
        return padded
    return image


class Canvas:
    """One frame being composited: three Pillow ``"L"`` planes."""

    def __init__(self, y: Image.Image, u: Image.Image, v: Image.Image) -> None:
        self.y, self.u, self.v = y, u, v
        self.width, self.height = y.size

    @classmethod
    def from_backdrop(cls, backdrop: Sprite, x: int, y: int, width: int, height: int) -> Canvas:
        """A frame cut out of an opaque ``backdrop`` at ``(x, y)`` (made even)."""
        x -= x % 2
        y -= y % 2
        x = min(max(0, x), backdrop.width - width)
        y = min(max(0, y), backdrop.height - height)
        cx, cy = x // 2, y // 2
        part = backdrop.parts[0]
        return cls(
            part.y.crop((x, y, x + width, y + height)),
            part.u.crop((cx, cy, cx + width // 2, cy + height // 2)),
            part.v.crop((cx, cy, cx + width // 2, cy + height // 2)),
        )

    def paste(self, sprite: Sprite, x: float, y: float, alpha: float = 1.0) -> None:
        """Blend ``sprite`` over the frame with its top-left corner at ``(x, y)``."""
        if alpha <= 0.004:
            return
        x, y = math.floor(x), math.floor(y)
        if x >= self.width or y >= self.height or x + sprite.width <= 0 or y + sprite.height <= 0:
            return
        if alpha < 0.996:
            sprite = sprite.faded(alpha)
        for part in sprite.parts:
            px, py = x + part.dx, y + part.dy
            self.y.paste(part.y, (px, py), part.a)
            cx, cy = px >> 1, py >> 1
            self.u.paste(part.u, (cx, cy), part.ah)
            self.v.paste(part.v, (cx, cy), part.ah)

    def fill(self, mask: Mask, colour: YUV, x: float, y: float, alpha: float = 1.0) -> None:
        """Blend the flat ``colour`` through ``mask`` placed at ``(x, y)``."""
        if alpha <= 0.004:
            return
        x, y = int(np.floor(x)), int(np.floor(y))
        a, ah = mask.a, mask.ah
        if x >= self.width or y >= self.height or x + a.width <= 0 or y + a.height <= 0:
            return
        if alpha < 0.996:
            lut = _alpha_lut(alpha)
            a, ah = a.point(lut), ah.point(lut)
        self.y.paste(colour[0], (x, y, x + a.width, y + a.height), a)
        cx, cy = x >> 1, y >> 1
        box = (cx, cy, cx + ah.width, cy + ah.height)
        self.u.paste(colour[1], box, ah)
        self.v.paste(colour[2], box, ah)

    def polygons(self, shapes: Iterable[tuple[Sequence[Point], YUV]]) -> None:
        """Draw opaque flat polygons straight onto the planes (cheap, not anti-aliased)."""
        draw_y = ImageDraw.Draw(self.y)
        draw_u = ImageDraw.Draw(self.u)
        draw_v = ImageDraw.Draw(self.v)
        for points, colour in shapes:
            draw_y.polygon(list(points), fill=colour[0])
            half = [(px / 2, py / 2) for px, py in points]
            draw_u.polygon(half, fill=colour[1])
            draw_v.polygon(half, fill=colour[2])

    def to_array(self, out: np.ndarray | None = None) -> np.ndarray:
        """The frame as one (H * 3 / 2, W) uint8 array: Y, then U, then V (yuv420p).

        Written into ``out`` when given (reusing one buffer spares a fresh allocation,
        and its page faults, per frame).
        """
        shape = (self.height * 3 // 2, self.width)
        if out is None or out.shape != shape or out.dtype != np.uint8:
            out = np.empty(shape, np.uint8)
        flat = out.reshape(-1)
        luma = self.width * self.height
        chroma = luma // 4
        flat[:luma] = np.frombuffer(self.y.tobytes(), np.uint8)
        flat[luma : luma + chroma] = np.frombuffer(self.u.tobytes(), np.uint8)
        flat[luma + chroma :] = np.frombuffer(self.v.tobytes(), np.uint8)
        return out

    def apply_levels(self, gain: float, lift: float = 0.0) -> None:
        """Scale brightness toward black by ``gain`` (fades), lifting by ``lift`` (0..1)."""
        y_lut = [_byte(16 + (v - 16) * gain + 219 * lift * (1 - gain)) for v in range(256)]
        c_lut = [_byte(128 + (v - 128) * gain) for v in range(256)]
        self.y = self.y.point(y_lut)
        self.u = self.u.point(c_lut)
        self.v = self.v.point(c_lut)


class Pen:
    """Draws vector shapes on a supersampled RGBA canvas, in units of the sprite's height.

    ``x`` runs over ``0..width/height``, ``y`` over ``0..1`` (down). :meth:`sprite` box-filters
    the canvas down to the sprite's size, which anti-aliases every edge.
    """

    def __init__(self, width: int, height: int, *, ss: int = 0) -> None:
        width, height = max(2, int(width)), max(2, int(height))
        self.width, self.height = width, height
        self.ss = ss or (3 if max(width, height) <= 200 else 2)
        self.image = Image.new("RGBA", (width * self.ss, height * self.ss), (0, 0, 0, 0))
        self.draw = ImageDraw.Draw(self.image)
        self.unit = height * self.ss
        self.aspect = width / height

    # --- coordinates ---------------------------------------------------------------------

    def _p(self, points: Iterable[Point]) -> list[Point]:
        u = self.unit
        return [(x * u, y * u) for x, y in points]

    def _box(self, x0: float, y0: float, x1: float, y1: float) -> list[float]:
        u = self.unit
        return [min(x0, x1) * u, min(y0, y1) * u, max(x0, x1) * u, max(y0, y1) * u]

    # --- shapes --------------------------------------------------------------------------

    def poly(self, points: Iterable[Point], fill: Sequence[int]) -> None:
        pts = self._p(points)
        if len(pts) >= 3:
            self.draw.polygon(pts, fill=tuple(fill))

    def rect(
        self, x0: float, y0: float, x1: float, y1: float, fill: Sequence[int], r: float = 0
    ) -> None:
        box = self._box(x0, y0, x1, y1)
        if r > 0:
            radius = min(r * self.unit, (box[2] - box[0]) / 2, (box[3] - box[1]) / 2)
            self.draw.rounded_rectangle(box, radius=radius, fill=tuple(fill))
        else:
            self.draw.rectangle(box, fill=tuple(fill))

    def ellipse(self, cx: float, cy: float, rx: float, ry: float, fill: Sequence[int]) -> None:
        self.draw.ellipse(self._box(cx - rx, cy - ry, cx + rx, cy + ry), fill=tuple(fill))

    def circle(self, cx: float, cy: float, r: float, fill: Sequence[int]) -> None:
        self.ellipse(cx, cy, r, r, fill)

    def line(self, points: Iterable[Point], width: float, fill: Sequence[int]) -> None:
        pts = self._p(points)
        w = max(1, round(width * self.unit))
        self.draw.line(pts, fill=tuple(fill), width=w, joint="curve")
        # Round caps: Pillow's lines end square.
        r = w / 2
        for x, y in (pts[0], pts[-1]):
            self.draw.ellipse([x - r, y - r, x + r, y + r], fill=tuple(fill))

    def pie(
        self, cx: float, cy: float, r: float, start: float, end: float, fill: Sequence[int]
    ) -> None:
        self.draw.pieslice(self._box(cx - r, cy - r, cx + r, cy + r), start, end, fill=tuple(fill))

    def glow(self, cx: float, cy: float, r: float, colour: Sequence[int], strength: float) -> None:
        """A soft radial light (alpha falls off like a Gaussian), composited over."""
        size = self.image.size
        xs = (np.arange(size[0], dtype=np.float32) + 0.5) / self.unit - cx
        ys = (np.arange(size[1], dtype=np.float32) + 0.5) / self.unit - cy
        d2 = (ys[:, None] ** 2 + xs[None, :] ** 2) / (r * r)
        alpha = np.clip(strength * falloff(d2), 0, 1) * 255
        layer = np.empty((size[1], size[0], 4), np.uint8)
        layer[..., :3] = np.array(colour[:3], np.uint8)
        layer[..., 3] = alpha.astype(np.uint8)
        self.image = Image.alpha_composite(self.image, Image.fromarray(layer, "RGBA"))
        self.draw = ImageDraw.Draw(self.image)

    def overlay(self) -> Pen:
        """A blank pen of the same size to draw translucent shapes on; see :meth:`merge`."""
        other = Pen.__new__(Pen)
        other.width, other.height, other.ss = self.width, self.height, self.ss
        other.unit, other.aspect = self.unit, self.aspect
        other.image = Image.new("RGBA", self.image.size, (0, 0, 0, 0))
        other.draw = ImageDraw.Draw(other.image)
        return other

    def merge(self, other: Pen, opacity: float = 1.0, blur: float = 0.0) -> None:
        """Composite ``other`` over this pen at ``opacity``, optionally blurred (units)."""
        image = other.image
        if blur > 0:
            image = image.filter(ImageFilter.GaussianBlur(blur * self.unit))
        if opacity < 1:
            alpha = image.getchannel("A").point(_alpha_lut(opacity))
            image = image.copy()
            image.putalpha(alpha)
        self.image = Image.alpha_composite(self.image, image)
        self.draw = ImageDraw.Draw(self.image)

    def rgba(self) -> Image.Image:
        """The drawing at its final size (box-filtered, so anti-aliased)."""
        return self.image.resize((self.width, self.height), Image.Resampling.BOX)

    def sprite(self) -> Sprite:
        return Sprite.from_rgba(self.rgba())
