"""The dream's title as a gentle card over the opening, and chalk writing for blackboards.

Text is set in DejaVu Serif when Debian's ``fonts-dejavu-core`` is installed, else in
Pillow's own scalable default font (Pillow >= 10.1); both are rendered once per video.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from videos.demo_renderer.canvas import Canvas, Sprite, mix
from videos.demo_renderer.palette import Mood

__all__ = ["TitleCard", "chalk_text", "font"]

_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
_MAX_LINES = 3

FontType = ImageFont.FreeTypeFont | ImageFont.ImageFont


@lru_cache(maxsize=32)
def font(size: int, style: str = "serif") -> FontType:
    """A font ``size`` pixels high: DejaVu Serif (or Sans), else Pillow's default."""
    names = {
        "serif": ("DejaVuSerif.ttf", "DejaVuSans.ttf"),
        "italic": ("DejaVuSerif-Italic.ttf", "DejaVuSerif.ttf", "DejaVuSans-Oblique.ttf"),
        "sans": ("DejaVuSans.ttf",),
    }[style]
    for folder in _FONT_DIRS:
        for name in names:
            path = folder / name
            if path.is_file():
                try:
                    return ImageFont.truetype(str(path), size=size)
                except OSError:
                    continue
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # pragma: no cover - Pillow < 10.1 has no sized default
        return ImageFont.load_default()


def _wrap(text: str, typeface: FontType, max_width: float) -> list[str]:
    words = text.split()
    lines: list[str] = []
    line = ""
    for word in words:
        trial = f"{line} {word}".strip()
        if line and typeface.getlength(trial) > max_width:
            lines.append(line)
            line = word
        else:
            line = trial
    if line:
        lines.append(line)
    return lines


def _fit(text: str, width: int, height: int, start: int, style: str) -> tuple[FontType, list[str]]:
    """The largest font from ``start`` down whose wrapped lines fit ``width`` x ``height``."""
    size = max(8, start)
    while True:
        typeface = font(size, style)
        lines = _wrap(text, typeface, width)
        fits = len(lines) <= _MAX_LINES and all(typeface.getlength(x) <= width for x in lines)
        if fits and len(lines) * size * 1.25 <= height:
            return typeface, lines
        if size <= max(8, start // 2):
            break
        size = int(size * 0.9)
    # Still too long at half size: keep what fits and end with an ellipsis.
    typeface = font(size, style)
    lines = _wrap(text, typeface, width)[:_MAX_LINES]
    last = lines[-1] if lines else ""
    while last and typeface.getlength(last + "…") > width:
        last = last[:-1]
    if lines:
        lines[-1] = last.rstrip() + "…"
    return typeface, lines


class TitleCard:
    """The title, fading in over the opening, held, then fading out by ``end`` seconds."""

    def __init__(self, title: str, width: int, height: int, mood: Mood, duration: float) -> None:
        text = " ".join(str(title).split())[:200]
        self.sprite: Sprite | None = None
        self.end = min(2.2, 0.55 * duration)
        if not text:
            return
        short = min(width, height)
        start = int(short * (0.11 if width >= height else 0.085))
        typeface, lines = _fit(text, int(width * 0.82), int(height * 0.4), start, "serif")
        size = typeface.size if isinstance(typeface, ImageFont.FreeTypeFont) else start
        line_height = int(size * 1.22)
        pad = int(size * 0.9)
        box_w = int(max(typeface.getlength(x) for x in lines)) + 2 * pad
        box_h = line_height * len(lines) + 2 * pad
        box_w += box_w % 2
        box_h += box_h % 2
        ink = mix(mood.light, (255, 255, 255), 0.55)
        shadow = mix(mood.ink, (0, 0, 0), 0.5)

        text_mask = Image.new("L", (box_w, box_h), 0)
        draw = ImageDraw.Draw(text_mask)
        for i, line in enumerate(lines):
            w = typeface.getlength(line)
            draw.text(((box_w - w) / 2, pad + i * line_height), line, font=typeface, fill=255)
        # A soft dark cushion behind the words keeps them readable on any sky, and a faint
        # glow around them. Both are blurs, done at a quarter of the size (they are soft).
        small = (max(1, box_w // 4), max(1, box_h // 4))
        quarter = text_mask.resize(small, Image.Resampling.BOX)
        cushion = quarter.filter(ImageFilter.GaussianBlur(size * 0.45 / 4))
        cushion = cushion.point(lambda v: min(255, int(v * 2.2))).resize(
            (box_w, box_h), Image.Resampling.BILINEAR
        )
        glow = quarter.filter(ImageFilter.GaussianBlur(max(0.5, size * 0.12 / 4))).resize(
            (box_w, box_h), Image.Resampling.BILINEAR
        )
        a_text = np.asarray(text_mask, np.float32) / 255
        a_cushion = np.asarray(cushion, np.float32) / 255 * 0.55
        a_glow = np.asarray(glow, np.float32) / 255 * 0.5
        rgba = np.zeros((box_h, box_w, 4), np.float32)
        # Cushion under glow under text, composited back to front (premultiplied).
        alpha = np.zeros((box_h, box_w), np.float32)
        colour = np.zeros((box_h, box_w, 3), np.float32)
        for c, a in ((shadow, a_cushion), (mood.light, a_glow), (ink, a_text)):
            c_arr = np.array(c, np.float32)
            colour = c_arr * a[..., None] + colour * (1 - a[..., None])
            alpha = a + alpha * (1 - a)
        safe = np.maximum(alpha, 1e-4)[..., None]
        rgba[..., :3] = np.clip(colour / safe, 0, 255)
        rgba[..., 3] = alpha * 255
        self.sprite = Sprite.from_arrays(rgba)
        self.x = (width - box_w) // 2
        self.y = int(height * 0.4 - box_h / 2)
        self.rise = height * 0.025

    def alpha(self, t: float) -> float:
        if self.sprite is None or t >= self.end:
            return 0.0
        fade_in = 0.5
        fade_out = min(0.9, self.end * 0.45)
        if t < fade_in:
            return 0.35 + 0.65 * _ease(t / fade_in)
        if t > self.end - fade_out:
            return _ease((self.end - t) / fade_out)
        return 1.0

    def draw(self, canvas: Canvas, t: float) -> None:
        a = self.alpha(t)
        if a <= 0 or self.sprite is None:
            return
        lift = self.rise * min(1.0, t / max(0.1, self.end))
        canvas.paste(self.sprite, self.x, self.y - lift, a)


def _ease(x: float) -> float:
    x = min(1.0, max(0.0, x))
    return 0.5 - 0.5 * math.cos(math.pi * x)


def chalk_text(text: str, width: int, height: int) -> np.ndarray | None:
    """``text`` written in chalk to fill a ``width`` x ``height`` board: a float RGBA array."""
    text = " ".join(str(text).split())[:120]
    if not text or width < 16 or height < 16:
        return None
    pad = int(min(width, height) * 0.12)
    typeface, lines = _fit(text, width - 2 * pad, height - 2 * pad, int(height * 0.2), "italic")
    size = typeface.size if isinstance(typeface, ImageFont.FreeTypeFont) else 12
    line_height = int(size * 1.25)
    mask = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(mask)
    top = (height - line_height * len(lines)) / 2
    for i, line in enumerate(lines):
        draw.text((pad, top + i * line_height), line, font=typeface, fill=235)
    # Chalk is patchy: knock out speckles of the strokes.
    rng = np.random.default_rng(len(text))
    alpha = np.asarray(mask, np.float32) * rng.uniform(0.55, 1.0, (height, width))
    out = np.empty((height, width, 4), np.float32)
    out[..., :3] = 238
    out[..., 3] = alpha
    return out
