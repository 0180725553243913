"""Style presets as a colour grade: the demo renderer's frames take the look a preset names.

Each grade works on a finished yuv420p frame (the ``(H * 3 / 2, W)`` array that
:meth:`~videos.demo_renderer.canvas.Frame.to_array` gives), in place, in BT.709 limited
range: luma 16..235, chroma 16..240 around 128. Luma and chroma are changed through
256-entry tables (one pass of ``np.take`` per plane); only the surreal hue turn needs
the two chroma planes together.

- ``noir``: no colour at all and hard contrast (a steep S-curve on luma).
- ``watercolour``: pale and soft: luma lifted and flattened, colour halved.
- ``anime``: flat bands: luma posterised to a few levels, colour pushed hard.
- ``cinematic``: a gentle S-curve, warm highlights, and letterbox bars on wide frames.
- ``surreal``: hues turned a third of the way round the wheel, colour raised.
- ``none`` (or anything else): the frame as drawn.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["GRADED_STYLES", "grade_frame"]

_Y_LOW, _Y_HIGH, _C_MID = 16, 235, 128


def _table(function, low: int = 0, high: int = 255) -> np.ndarray:
    values = np.array([function(float(v)) for v in range(256)])
    return np.clip(np.rint(values), low, high).astype(np.uint8)


def _chroma_table(function) -> np.ndarray:
    return _table(function, 16, 240)


def _s_curve(strength: float):
    """Luma contrast around mid-grey that never leaves 16..235 (a logistic curve)."""
    mid, span = (_Y_LOW + _Y_HIGH) / 2, _Y_HIGH - _Y_LOW
    low, high = (1 / (1 + math.exp(strength * 0.5 * s)) for s in (1, -1))

    def curve(v: float) -> float:
        x = (_clamp_luma(v) - mid) / span
        y = 1 / (1 + math.exp(-strength * x))
        return _Y_LOW + (y - low) / (high - low) * span

    return curve


def _clamp_luma(v: float) -> float:
    return min(max(v, _Y_LOW), _Y_HIGH)


def _chroma_gain(gain: float):
    return lambda v: _C_MID + (v - _C_MID) * gain


_TABLES: dict[str, tuple[np.ndarray, np.ndarray | None, np.ndarray | None]] = {
    # (luma, Cb, Cr) tables; None keeps the plane, a constant plane removes colour.
    "noir": (_table(_s_curve(9.0)), _table(lambda v: _C_MID), _table(lambda v: _C_MID)),
    "watercolour": (
        _table(lambda v: 150 + (_clamp_luma(v) - _Y_LOW) * 0.38),
        _chroma_table(_chroma_gain(0.45)),
        _chroma_table(_chroma_gain(0.45)),
    ),
    "anime": (
        # Five flat bands of light, each band's middle value.
        _table(lambda v: _Y_LOW + (min(int((max(v, _Y_LOW) - _Y_LOW) / 44), 4) + 0.5) * 43.8),
        _chroma_table(_chroma_gain(1.7)),
        _chroma_table(_chroma_gain(1.7)),
    ),
    "cinematic": (
        _table(_s_curve(4.0)),
        _chroma_table(lambda v: _C_MID + (v - _C_MID) * 1.05 - 4),  # a little less blue...
        _chroma_table(lambda v: _C_MID + (v - _C_MID) * 1.05 + 5),  # ...a little more red: warm
    ),
    "surreal": (_table(_clamp_luma), None, None),
}
#: The style presets (videos.catalog) with a look of their own; the others leave frames as drawn.
GRADED_STYLES = frozenset(_TABLES)

# Surreal: the chroma vector turned 120 degrees and lengthened.
_TURN = 2 * math.pi / 3
_SURREAL_GAIN = 1.35
# Cinematic letterbox: frames wider than this get bars down to it (2.39:1 is scope).
_SCOPE = 2.39
_LETTERBOX_FROM = 1.5


def grade_frame(planes: np.ndarray, style: str) -> np.ndarray:
    """Give a yuv420p frame ``planes`` (``(H * 3 / 2, W)`` uint8) the look of ``style``.

    Changes ``planes`` in place and returns it. An unknown style, ``"none"`` and ``""``
    leave it as it is.
    """
    tables = _TABLES.get(style)
    if tables is None:
        return planes
    rows, width = planes.shape
    height = rows * 2 // 3
    flat = planes.reshape(-1)
    luma, chroma = width * height, width * height // 4
    y = flat[:luma]
    u = flat[luma : luma + chroma]
    v = flat[luma + chroma :]
    y_table, u_table, v_table = tables
    np.take(y_table, y, out=y)
    if u_table is not None:
        np.take(u_table, u, out=u)
    if v_table is not None:
        np.take(v_table, v, out=v)
    if style == "surreal":
        cb, cr = u.astype(np.float32) - _C_MID, v.astype(np.float32) - _C_MID
        cos, sin = math.cos(_TURN) * _SURREAL_GAIN, math.sin(_TURN) * _SURREAL_GAIN
        u[:] = np.clip(np.rint(_C_MID + cb * cos - cr * sin), 16, 240)
        v[:] = np.clip(np.rint(_C_MID + cb * sin + cr * cos), 16, 240)
    if style == "cinematic" and width / height >= _LETTERBOX_FROM:
        _letterbox(planes, width, height)
    return planes


def _letterbox(planes: np.ndarray, width: int, height: int) -> None:
    # Bars in whole chroma rows (pairs of luma rows) so the edge stays clean.
    bar = round((height - width / _SCOPE) / 4) * 2
    if bar <= 0:
        return
    y = planes[:height]
    y[:bar] = _Y_LOW
    y[height - bar :] = _Y_LOW
    chroma = planes[height:].reshape(-1)
    half_w, half_h, half_bar = width // 2, height // 2, bar // 2
    for start in (0, half_w * half_h):
        plane = chroma[start : start + half_w * half_h].reshape(half_h, half_w)
        plane[:half_bar] = _C_MID
        plane[half_h - half_bar :] = _C_MID
