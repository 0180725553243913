"""Swarms: many small things moving through the whole frame. Rain, snow, falling teeth and
butterflies come from the dream's words; fireflies, motes, sparkles, drizzle, ash, wisps,
dust, embers, petals and bubbles are the moods' own when the dream names none."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from videos.demo_renderer.canvas import Pen, Sprite, mix
from videos.demo_renderer.layers import Layer, Slot, Stage, Swarm, wrap
from videos.demo_renderer.motifs.common import (
    dot_sprite,
    ellipse_points,
    even,
    glow_sprite,
    main_colour,
    motif,
    rgba,
    rotated,
    soft_band,
)
from videos.demo_renderer.symbols import Pick

_Z = 5.0


def _field(
    stage: Stage,
    frames: list[Sprite],
    n: int,
    *,
    vx: float,
    vy: float,
    sway: float = 0.0,
    sway_hz: float = 0.5,
    alpha: Callable[[np.ndarray, float], np.ndarray] | float = 1.0,
    spin: float = 0.0,
    top: float = 0.0,
    bottom: float = 1.0,
    parallax: float = 0.9,
    z: float = _Z,
) -> Swarm:
    """``n`` particles spread over the frame, moving at (vx, vy) frame heights per second,
    swaying sideways; they wrap around, so the frame never empties."""
    rng = np.random.default_rng(int(stage.rng.integers(1 << 30)))
    W, H = stage.width, stage.height
    margin = max(f.width for f in frames) + abs(stage.pan) * parallax + W * 0.05
    x0 = rng.uniform(-margin, W + margin, n)
    y0 = rng.uniform(top, bottom, n) * H
    depth = rng.uniform(0.6, 1.4, n)
    phase = rng.uniform(0, 2 * np.pi, n)
    kinds = rng.integers(0, len(frames), n)
    spin_phase = rng.uniform(0, 50, n)
    y_low, y_high = top * H - H * 0.08, bottom * H + H * 0.08
    pace = stage.mood.pace

    def positions(t: float):
        x = x0 + vx * H * pace * depth * t + sway * H * np.sin(2 * np.pi * sway_hz * t + phase)
        y = y0 + vy * H * pace * depth * t
        x = wrap(x, -margin, W + margin)
        y = wrap(y, y_low, y_high)
        if spin:
            index = (
                np.floor(spin * t * depth + spin_phase).astype(int) % max(1, len(frames) // 3)
            ) * 3 + kinds % 3
        else:
            index = kinds
        a = alpha(phase, t) if callable(alpha) else np.full(n, alpha)
        return x, y, index, a

    return Swarm(frames=frames, positions=positions, z=z, parallax=parallax)


def _count(stage: Stage, per_640x360: float) -> int:
    """Particles for this frame size: the same density at any size, capped for speed."""
    return max(4, int(per_640x360 * min(2.0, stage.width * stage.height / (640 * 360)) ** 0.5))


def _twinkle(speed: float = 2.0, floor: float = 0.2):
    def alpha(phase: np.ndarray, t: float) -> np.ndarray:
        return np.clip(floor + (1 - floor) * (0.5 + 0.5 * np.sin(speed * t + phase * 3)), 0, 1)

    return alpha


# --- the dream's swarms --------------------------------------------------------------------


@motif("rain", "swarm", height=0.05)
def rain(stage: Stage, slot: Slot, pick: Pick) -> list[Layer]:
    H = stage.height
    colour = main_colour(pick, mix(stage.mood.light, (200, 214, 240), 0.5))
    frames = []
    for k in range(3):
        length = H * (0.04 + 0.025 * k)
        pen = Pen(even(length * 0.35), even(length))
        a = pen.aspect
        pen.line([(a * 0.9, 0.02), (a * 0.1, 0.98)], 0.04, rgba(colour, 0.55 + 0.1 * k))
        frames.append(pen.sprite())
    n = _count(stage, 150)
    return [
        _field(stage, frames, n, vx=-0.35, vy=1.5, parallax=1.1, z=5.2),
        _field(stage, frames[:1], n // 2, vx=-0.25, vy=1.0, parallax=0.5, z=2.9, alpha=0.5),
    ]


@motif("snow", "swarm", height=0.05)
def snow(stage: Stage, slot: Slot, pick: Pick) -> list[Layer]:
    H = stage.height
    colour = main_colour(pick, (248, 250, 255))
    frames = [dot_sprite(H * r, colour, 0.45) for r in (0.004, 0.007, 0.011)]
    n = _count(stage, 110)
    return [
        _field(stage, frames, n, vx=0.03, vy=0.12, sway=0.02, sway_hz=0.3, parallax=1.0, alpha=0.9)
    ]


def _tooth_image(size: float):
    pen = Pen(even(size * 0.8), even(size))
    a = pen.aspect
    ivory = (248, 243, 228)
    shade = (214, 204, 184)
    outline = (90, 80, 80, 150)
    crown = [
        (0.08, 0.2),
        (0.12, 0.06),
        (0.3, 0.02),
        (0.4, 0.1),
        (0.5, 0.02),
        (0.68, 0.06),
        (0.72, 0.2),
        (0.7, 0.5),
        (0.62, 0.56),
        (0.58, 0.95),
        (0.5, 0.98),
        (0.44, 0.62),
        (0.36, 0.62),
        (0.3, 0.98),
        (0.22, 0.95),
        (0.18, 0.56),
        (0.1, 0.5),
    ]
    crown = [(x * a / 0.8, y) for x, y in crown]
    pen.poly([(x + 0.01, y + 0.01) for x, y in crown], outline)
    pen.poly(crown, rgba(ivory))
    pen.poly(
        [(0.5 * a / 0.8, 0.1), (0.68 * a / 0.8, 0.1), (0.66 * a / 0.8, 0.45), (0.6 * a / 0.8, 0.5)],
        rgba(shade),
    )
    pen.ellipse(0.26 * a / 0.8, 0.18, 0.06, 0.04, rgba((255, 255, 255)))
    return pen.rgba()


@motif("tooth", "swarm", height=0.1)
def tooth(stage: Stage, slot: Slot, pick: Pick) -> list[Layer]:
    """Teeth falling, tumbling as they go."""
    size = stage.size * (0.1 if pick.source == "symbol" else 0.08) * pick.size
    image = _tooth_image(size)
    angles = list(range(0, 360, 30))
    frames: list[Sprite] = []
    for ang in angles:
        turned = Sprite.from_rgba(rotated(image, ang))
        frames.extend([turned, turned, turned])
    n = _count(stage, 11)
    return [
        _field(
            stage,
            frames,
            n,
            vx=0.0,
            vy=0.32,
            sway=0.03,
            sway_hz=0.4,
            spin=4.0,
            parallax=1.05,
            top=-0.1,
            bottom=1.0,
            z=5.1,
        ),
    ]


def _butterfly_frames(size: float, colour) -> list[Sprite]:
    frames = []
    for open_ in (1.0, 0.6, 0.25, 0.6):
        pen = Pen(even(size * 1.2), even(size))
        a = pen.aspect
        cx = a / 2
        w = 0.42 * open_ + 0.06
        for side in (-1, 1):
            pen.poly(
                ellipse_points(cx + side * w * 0.55, 0.38, w * 0.55, 0.3, degrees=side * 20),
                rgba(colour),
            )
            pen.poly(
                ellipse_points(cx + side * w * 0.45, 0.68, w * 0.4, 0.2, degrees=-side * 25),
                rgba(mix(colour, (255, 255, 255), 0.3)),
            )
            pen.circle(
                cx + side * w * 0.6, 0.38, 0.06 * open_ + 0.01, rgba(mix(colour, (30, 20, 30), 0.6))
            )
        pen.ellipse(cx, 0.52, 0.035, 0.26, rgba((40, 30, 40)))
        frames.append(pen.sprite())
    return frames


@motif("butterfly", "swarm", height=0.05)
def butterfly(stage: Stage, slot: Slot, pick: Pick) -> list[Layer]:
    rng = np.random.default_rng(int(stage.rng.integers(1 << 30)))
    W, H = stage.width, stage.height
    sizes = (0.035, 0.05) if pick.source not in ("symbol", "title") else (0.06, 0.09)
    colours = [
        main_colour(pick, stage.mood.accent),
        main_colour(pick, mix(stage.mood.light, (250, 190, 60), 0.5)),
    ]
    sets = [_butterfly_frames(H * s, c) for s, c in zip(sizes, colours, strict=True)]
    frames = [f for fs in sets for f in fs]
    n = 7
    cx = rng.uniform(0.1, 0.9, n) * W
    cy = rng.uniform(0.3, 0.85, n) * H
    fx, fy = rng.uniform(0.1, 0.25, n), rng.uniform(0.15, 0.35, n)
    ph = rng.uniform(0, 2 * np.pi, (2, n))
    which = rng.integers(0, 2, n)
    drift = rng.uniform(-1, 1, n) * W * 0.05

    def positions(t: float):
        x = cx + drift * t + np.sin(2 * np.pi * fx * t + ph[0]) * W * 0.1
        y = cy + np.sin(2 * np.pi * fy * t + ph[1]) * H * 0.08
        index = which * 4 + (np.floor(t * 10 + ph[0]).astype(int) % 4)
        return wrap(x, -W * 0.1, W * 1.1), y, index, np.ones(n)

    return [Swarm(frames=frames, positions=positions, z=_Z, parallax=0.9)]


# --- the moods' swarms ---------------------------------------------------------------------


def mood_swarm(stage: Stage, name: str) -> list[Layer]:
    """The particles a mood brings when the dream names none."""
    m = stage.mood
    H = stage.height
    if name == "fireflies":
        frames = [glow_sprite(H * 0.018, m.light, 0.9), dot_sprite(H * 0.004, (255, 255, 230), 0.6)]
        n = _count(stage, 22)
        swarm = _field(
            stage,
            frames[:1],
            n,
            vx=0.02,
            vy=-0.01,
            sway=0.03,
            sway_hz=0.2,
            alpha=_twinkle(2.5, 0.0),
            top=0.35,
            bottom=0.95,
        )
        return [swarm]
    if name == "motes":
        frames = [
            dot_sprite(H * r, mix(m.light, (255, 255, 255), 0.5), 0.2) for r in (0.004, 0.007)
        ]
        return [
            _field(
                stage,
                frames,
                _count(stage, 34),
                vx=0.015,
                vy=-0.04,
                sway=0.01,
                alpha=_twinkle(1.2, 0.25),
            )
        ]
    if name == "sparkles":
        from videos.demo_renderer.motifs.sky import sparkle_sprite

        frames = [sparkle_sprite(H * s, mix(m.light, (255, 255, 255), 0.5)) for s in (0.025, 0.04)]
        return [
            _field(
                stage,
                frames,
                _count(stage, 18),
                vx=0.01,
                vy=-0.02,
                alpha=_twinkle(3.0, 0.0),
                top=0.05,
                bottom=0.8,
            )
        ]
    if name == "drizzle":
        pen = Pen(even(H * 0.012), even(H * 0.05))
        pen.line(
            [(pen.aspect * 0.9, 0.02), (pen.aspect * 0.1, 0.98)],
            0.03,
            rgba(mix(m.light, m.sky[2], 0.4), 0.5),
        )
        return [_field(stage, [pen.sprite()], _count(stage, 70), vx=-0.2, vy=1.1, parallax=1.0)]
    if name == "ash":
        frames = [dot_sprite(H * r, mix(m.haze, (150, 150, 150), 0.5), 0.5) for r in (0.003, 0.005)]
        return [
            _field(
                stage,
                frames,
                _count(stage, 50),
                vx=0.05,
                vy=0.08,
                sway=0.02,
                sway_hz=0.6,
                alpha=0.8,
            )
        ]
    if name == "wisps":
        rng_seed = int(stage.rng.integers(1 << 30))
        frames = [
            soft_band(even(H * 0.9), even(H * 0.22), mix(m.light, m.haze, 0.5), 0.35, rng_seed + k)
            for k in range(2)
        ]
        return [
            _field(
                stage,
                frames,
                5,
                vx=0.05,
                vy=-0.005,
                sway=0.02,
                sway_hz=0.1,
                alpha=_twinkle(0.6, 0.4),
                top=0.35,
                bottom=0.95,
                parallax=0.6,
                z=4.9,
            )
        ]
    if name == "dust":
        frames = [dot_sprite(H * 0.004, mix(m.light, m.haze, 0.4), 0.5)]
        return [
            _field(
                stage,
                frames,
                _count(stage, 40),
                vx=0.08,
                vy=0.01,
                sway=0.015,
                alpha=_twinkle(1.5, 0.2),
            )
        ]
    if name == "embers":
        frames = [
            glow_sprite(H * 0.01, (255, 150, 60), 1.0),
            dot_sprite(H * 0.004, (255, 220, 140), 0.6),
        ]
        return [
            _field(
                stage,
                frames,
                _count(stage, 40),
                vx=0.04,
                vy=-0.12,
                sway=0.02,
                sway_hz=0.7,
                alpha=_twinkle(4.0, 0.2),
                top=0.2,
                bottom=1.0,
            )
        ]
    if name == "petals":
        colour = mix(m.accent, (255, 190, 210), 0.5)
        frames = []
        for ang in range(0, 180, 30):
            pen = Pen(even(H * 0.03), even(H * 0.03))
            pen.poly(ellipse_points(0.5, 0.5, 0.45, 0.2, degrees=ang), rgba(colour))
            frame = pen.sprite()
            frames.extend([frame, frame, frame])
        return [
            _field(
                stage, frames, _count(stage, 26), vx=0.06, vy=0.1, sway=0.03, sway_hz=0.4, spin=3.0
            )
        ]
    if name == "bubbles":
        frames = []
        for r in (0.012, 0.02):
            pen = Pen(even(H * r * 2), even(H * r * 2))
            pen.circle(0.5, 0.5, 0.48, rgba(mix(m.light, (255, 255, 255), 0.5), 0.8))
            pen.circle(0.5, 0.5, 0.4, (0, 0, 0, 0))
            pen.circle(0.35, 0.35, 0.08, rgba((255, 255, 255), 0.9))
            frames.append(pen.sprite())
        return [
            _field(
                stage,
                frames,
                _count(stage, 22),
                vx=0.0,
                vy=-0.12,
                sway=0.02,
                sway_hz=0.5,
                alpha=0.8,
            )
        ]
    return []


def wind(stage: Stage) -> list[Layer]:
    """Streaks of air rushing past, against the camera's travel (flying)."""
    m = stage.mood
    H = stage.height
    colour = mix(m.light, (255, 255, 255), 0.5)
    frames = []
    for k in range(2):
        pen = Pen(even(stage.width * (0.12 + 0.08 * k)), even(max(2, H * 0.006)), ss=3)
        trail = pen.overlay()
        trail.ellipse(pen.aspect / 2, 0.5, pen.aspect / 2, 0.4, rgba(colour))
        pen.merge(trail, 0.5)
        frames.append(pen.sprite())
    direction = -1.0 if stage.pan > 0 else 1.0
    return [
        _field(
            stage,
            frames,
            _count(stage, 14),
            vx=2.2 * direction,
            vy=0.0,
            sway=0.01,
            alpha=_twinkle(1.5, 0.3),
            top=0.1,
            bottom=0.95,
            parallax=0.0,
            z=4.9,
        )
    ]


def rising_sparks(stage: Stage, slot: Slot, x: float, y: float, h: float, colour) -> Swarm:
    """Sparks rising from a fire, flickering out as they go."""
    rng = np.random.default_rng(int(stage.rng.integers(1 << 30)))
    n = 16
    frames = [dot_sprite(max(1.0, h * 0.02), mix(colour, (255, 230, 150), 0.5), 0.5)]
    phase = rng.uniform(0, 1, n)
    dx = rng.normal(0, 0.35, n)
    rate = 0.7 * stage.mood.pace

    def positions(t: float):
        age = np.mod(phase + rate * t, 1.0)
        xs = x + dx * age * h + np.sin(t * 5 + phase * 20) * h * 0.04
        ys = y - age * h * 1.8
        flick = 0.6 + 0.4 * np.sin(t * 20 + phase * 30)
        return xs, ys, np.zeros(n, int), (1 - age) * flick

    return Swarm(frames=frames, positions=positions, z=slot.z + 0.003, parallax=slot.parallax)
