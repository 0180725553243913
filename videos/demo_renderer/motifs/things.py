"""Things that stand on the ground: lighthouse, house, door, stairs, tree, cat, car, boat,
bridge, flower, snake, fire, figure, train. Each builder draws its sprites once and
returns the layers that move them."""

from __future__ import annotations

import math

import numpy as np

from videos.demo_renderer.canvas import Canvas, Pen, Sprite, mix
from videos.demo_renderer.layers import Cam, Custom, Flip, Layer, Slot, Stage, Still, Swarm
from videos.demo_renderer.motifs.common import (
    dot_sprite,
    ellipse_points,
    even,
    finish,
    flicker,
    glaze,
    glow_sprite,
    lit,
    main_colour,
    motif,
    rgba,
    rot,
    rotated,
    translucent_polygons,
)
from videos.demo_renderer.symbols import Pick


def _pen(slot: Slot, aspect: float) -> Pen:
    h = even(slot.size)
    return Pen(even(h * aspect), h)


def _standing(sprite: Sprite, slot: Slot, sink: float = 0.0, **kwargs) -> Still:
    return Still(
        sprite=sprite,
        x=slot.cx - sprite.width / 2,
        y=slot.base - sprite.height + sink * sprite.height,
        z=slot.z,
        parallax=slot.parallax,
        **kwargs,
    )


def _window_light(stage: Stage) -> tuple[int, int, int]:
    if stage.night or stage.indoor:
        return mix(stage.mood.light, (255, 255, 255), 0.15)
    return mix(stage.mood.sky[1], (255, 255, 255), 0.35)


def _puffs(stage: Stage, slot: Slot, x: float, y: float, size: float, colour, seed: int) -> Swarm:
    """Smoke or steam rising from (x, y), growing and fading."""
    rng = np.random.default_rng(seed)
    frames = [dot_sprite(size * (0.4 + 0.25 * k), colour, core=0.1) for k in range(5)]
    n = 9
    phase = rng.uniform(0, 1, n)
    wobble = rng.uniform(0, 2 * np.pi, n)
    rate = 0.28 * stage.mood.pace

    def positions(t: float):
        age = np.mod(phase + rate * t, 1.0)
        xs = x + age * size * 3 + np.sin(wobble + t) * size * 0.4
        ys = y - age * size * 9
        idx = np.minimum(4, (age * 5).astype(int))
        return xs, ys, idx, 0.55 * (1 - age) * np.clip(age * 8, 0, 1)

    return Swarm(frames=frames, positions=positions, z=slot.z + 0.001, parallax=slot.parallax)


# --- lighthouse ----------------------------------------------------------------------------


@motif("lighthouse", "ground", height=0.72, width=0.5)
def lighthouse(stage: Stage, slot: Slot, pick: Pick) -> list[Layer]:
    m = stage.mood
    pen = _pen(slot, 0.5)
    a = pen.aspect
    cx = a / 2
    rock = lit(stage, (100, 94, 92), slot)
    body = lit(stage, main_colour(pick, (238, 234, 224)), slot)
    stripe = lit(
        stage, (198, 54, 48) if pick.tint is None else mix(pick.tint, (40, 30, 40), 0.45), slot
    )
    dark = lit(stage, (58, 52, 60), slot)
    rim = mix(body, m.glow, 0.3)
    pen.poly(
        [
            (0.0, 1.0),
            (0.03, 0.93),
            (0.09, 0.895),
            (0.17, 0.88),
            (0.33, 0.875),
            (0.41, 0.9),
            (0.47, 0.94),
            (a, 1.0),
        ],
        rgba(rock),
    )
    pen.poly(
        [(0.09, 0.9), (0.17, 0.885), (0.3, 0.882), (0.22, 0.91)], rgba(mix(rock, m.glow, 0.25))
    )

    def tower(y0: float, y1: float) -> list[tuple[float, float]]:
        def half(y: float) -> float:
            return 0.085 - (0.88 - y) / (0.88 - 0.3) * 0.03

        return [(cx - half(y1), y1), (cx + half(y1), y1), (cx + half(y0), y0), (cx - half(y0), y0)]

    pen.poly(tower(0.885, 0.3), rgba(body))
    for y0, y1 in ((0.8, 0.72), (0.64, 0.56), (0.47, 0.4)):
        pen.poly(tower(y0, y1), rgba(stripe))
    # Shade the right side for roundness, light the left rim.
    shade = pen.overlay()
    shade.poly(
        [(cx + 0.01, 0.3), (cx + 0.06, 0.3), (cx + 0.09, 0.885), (cx + 0.015, 0.885)],
        rgba(m.ink, 1),
    )
    pen.merge(shade, 0.22)
    pen.rect(cx - 0.02, 0.83, cx + 0.02, 0.885, rgba(dark))
    pen.circle(cx, 0.83, 0.02, rgba(dark))
    for y in (0.66, 0.5):
        pen.rect(cx - 0.01, y, cx + 0.01, y + 0.035, rgba(dark))
    pen.rect(cx - 0.08, 0.285, cx + 0.08, 0.305, rgba(dark))
    pen.rect(cx - 0.075, 0.255, cx + 0.075, 0.262, rgba(dark))
    for k in range(7):
        x = cx - 0.07 + k * 0.14 / 6
        pen.rect(x - 0.003, 0.255, x + 0.003, 0.29, rgba(dark))
    lamp = mix(m.light, (255, 255, 255), 0.35)
    pen.rect(cx - 0.045, 0.19, cx + 0.045, 0.285, rgba(lamp))
    for x in (cx - 0.045, cx - 0.015, cx + 0.015, cx + 0.045):
        pen.rect(x - 0.004, 0.19, x + 0.004, 0.285, rgba(dark))
    pen.pie(cx, 0.2, 0.055, 180, 360, rgba(stripe))
    pen.line([(cx, 0.15), (cx, 0.11)], 0.008, rgba(dark))
    pen.line([(cx - 0.078, 0.31), (cx - 0.062, 0.86)], 0.006, rgba(rim, 0.6))
    sprite = finish(pen, pick, stage)
    layers: list[Layer] = [_standing(sprite, slot)]

    # The lantern and its beam, sweeping round.
    h = sprite.height
    lx = slot.cx - sprite.width / 2 + cx * h
    ly = slot.base - h + 0.235 * h
    halo = glow_sprite(h * 0.16, lamp, 0.95)
    omega = 2 * math.pi / (6.0 / max(0.4, m.pace))
    theta0 = float(stage.rng.uniform(0, 2 * math.pi))
    length = stage.width * 1.1
    day = 0.55 if not stage.night else 1.0
    beam_colour = mix(m.light, (255, 255, 255), 0.3)

    def beam(canvas: Canvas, t: float, cam: Cam) -> None:
        theta = theta0 + omega * t
        c, s = math.cos(theta), math.sin(theta)
        x0 = lx - cam.x * slot.parallax
        y0 = ly - cam.y * slot.parallax
        reach = length * c
        spread = h * (0.06 + 0.1 * abs(s))
        strength = day * (0.55 + 0.45 * max(0.0, s))
        if abs(c) > 0.08:
            far = x0 + reach
            translucent_polygons(
                canvas,
                [
                    [
                        (x0, y0 - h * 0.02),
                        (far, y0 - spread),
                        (far, y0 + spread * 0.7),
                        (x0, y0 + h * 0.02),
                    ]
                ],
                beam_colour,
                0.13 * strength,
            )
            translucent_polygons(
                canvas,
                [
                    [
                        (x0, y0 - h * 0.01),
                        (x0 + reach * 0.8, y0 - spread * 0.4),
                        (x0 + reach * 0.8, y0 + spread * 0.3),
                        (x0, y0 + h * 0.01),
                    ]
                ],
                beam_colour,
                0.16 * strength,
            )
        canvas.paste(
            halo,
            x0 - halo.width / 2,
            y0 - halo.height / 2,
            min(1.0, 0.5 + 0.5 * max(0.0, s) + 0.2) * (0.7 + 0.3 * day),
        )

    layers.append(Custom(fn=beam, z=slot.z + 0.002))
    return layers


# --- house ---------------------------------------------------------------------------------


@motif("house", "ground", height=0.46, width=1.1)
def house(stage: Stage, slot: Slot, pick: Pick) -> list[Layer]:
    m = stage.mood
    pen = _pen(slot, 1.1)
    a = pen.aspect
    walls = lit(stage, main_colour(pick, (228, 214, 186)), slot)
    roof = lit(
        stage, (150, 66, 54) if pick.tint is None else mix(pick.tint, (60, 40, 40), 0.5), slot
    )
    wood = lit(stage, (112, 72, 52), slot)
    dark = lit(stage, (60, 50, 56), slot)
    window = _window_light(stage)
    pen.rect(0.7 * a, 0.12, 0.8 * a, 0.36, rgba(mix(roof, dark, 0.4)))
    pen.rect(0.12 * a, 0.45, 0.88 * a, 1.0, rgba(walls))
    shade = pen.overlay()
    shade.rect(0.6 * a, 0.45, 0.88 * a, 1.0, rgba(m.ink))
    pen.merge(shade, 0.12)
    pen.poly([(0.5 * a, 0.08), (0.98 * a, 0.5), (0.02 * a, 0.5)], rgba(roof))
    pen.poly(
        [(0.5 * a, 0.08), (0.98 * a, 0.5), (0.9 * a, 0.5), (0.5 * a, 0.15)],
        rgba(mix(roof, m.ink, 0.25)),
    )
    pen.rect(0.44 * a, 0.7, 0.56 * a, 1.0, rgba(wood), r=0.02)
    pen.circle(0.53 * a, 0.86, 0.01, rgba(window))
    windows = [(0.2 * a, 0.58, 0.34 * a, 0.74), (0.66 * a, 0.58, 0.8 * a, 0.74)]
    for x0, y0, x1, y1 in windows:
        pen.rect(x0 - 0.012, y0 - 0.012, x1 + 0.012, y1 + 0.012, rgba(mix(walls, dark, 0.4)))
        pen.rect(x0, y0, x1, y1, rgba(window))
        pen.rect((x0 + x1) / 2 - 0.006, y0, (x0 + x1) / 2 + 0.006, y1, rgba(mix(walls, dark, 0.4)))
        pen.rect(x0, (y0 + y1) / 2 - 0.006, x1, (y0 + y1) / 2 + 0.006, rgba(mix(walls, dark, 0.4)))
    pen.circle(0.5 * a, 0.33, 0.05, rgba(mix(roof, dark, 0.5)))
    pen.circle(0.5 * a, 0.33, 0.036, rgba(window))
    sprite = finish(pen, pick, stage)
    layers: list[Layer] = [_standing(sprite, slot)]
    h = sprite.height
    left = slot.cx - sprite.width / 2
    top = slot.base - h
    if stage.night or stage.indoor:
        halo = glow_sprite(h * 0.16, m.light, 0.7)
        for i, (x0, y0, x1, y1) in enumerate(windows):
            wx, wy = left + (x0 + x1) / 2 * h, top + (y0 + y1) / 2 * h
            seed = float(i * 3.1 + 1)
            layers.append(
                Still(
                    halo,
                    x=wx - halo.width / 2,
                    y=wy - halo.height / 2,
                    z=slot.z + 0.001,
                    parallax=slot.parallax,
                    alpha=lambda t, s=seed: 0.55 * flicker(stage, t, s),
                ),
            )
    layers.append(
        _puffs(
            stage,
            slot,
            left + 0.75 * a * h,
            top + 0.12 * h,
            h * 0.05,
            mix(m.haze, (230, 230, 230), 0.4),
            int(stage.rng.integers(1 << 30)),
        )
    )
    return layers


# --- door ----------------------------------------------------------------------------------


@motif("door", "ground", height=0.5, width=0.62)
def door(stage: Stage, slot: Slot, pick: Pick) -> list[Layer]:
    m = stage.mood
    pen = _pen(slot, 0.62)
    a = pen.aspect
    stone = lit(stage, (176, 166, 156), slot)
    wood = lit(stage, main_colour(pick, (124, 74, 46)), slot)
    light = mix(m.light, (255, 255, 255), 0.5)
    pen.rect(0.0, 0.955, a, 1.0, rgba(mix(stone, m.ink, 0.2)))
    pen.rect(0.05, 0.02, a - 0.05, 0.96, rgba(stone), r=0.02)
    pen.rect(0.11, 0.08, a - 0.11, 0.96, rgba(light))
    inner = pen.overlay()
    inner.glow(a / 2, 0.5, 0.5, mix(light, m.glow, 0.5), 0.9)
    pen.merge(inner)
    # The door, swung open toward us on its left hinge.
    panel = [(0.11, 0.08), (0.27, 0.035), (0.27, 1.0), (0.11, 0.96)]
    pen.poly(panel, rgba(wood))
    for y0, y1 in ((0.14, 0.48), (0.55, 0.9)):
        pen.poly(
            [(0.14, y0 + 0.01), (0.24, y0 - 0.015), (0.24, y1 - 0.01), (0.14, y1)],
            rgba(mix(wood, m.ink, 0.25)),
        )
    pen.circle(0.245, 0.55, 0.012, rgba(mix(m.light, (230, 190, 90), 0.6)))
    pen.rect(0.03, 0.0, a - 0.03, 0.04, rgba(mix(stone, m.glow, 0.2)), r=0.01)
    sprite = finish(pen, pick, stage)
    h = sprite.height
    layers: list[Layer] = [_standing(sprite, slot)]
    # Light spilling onto the ground, breathing.
    spill = Pen(even(h * 1.4), even(h * 0.5))
    sa = spill.aspect
    spill_overlay = spill.overlay()
    spill_overlay.poly(
        [(sa / 2 - 0.22, 0.0), (sa / 2 + 0.22, 0.0), (sa / 2 + 0.8, 1.0), (sa / 2 - 0.55, 1.0)],
        rgba(light),
    )
    spill.merge(spill_overlay, 0.45, blur=0.06)
    spill_sprite = spill.sprite()
    layers.append(
        Still(
            spill_sprite,
            x=slot.cx - spill_sprite.width / 2,
            y=slot.base - 2,
            z=slot.z + 0.001,
            parallax=slot.parallax,
            alpha=lambda t: 0.75 + 0.25 * math.sin(t * 1.7),
        )
    )
    layers.append(_motes_from(stage, slot, slot.cx, slot.base - h * 0.5, h, light))
    return layers


def _motes_from(stage: Stage, slot: Slot, x: float, y: float, h: float, colour) -> Swarm:
    """Small lights drifting out of an opening toward us and up."""
    rng = np.random.default_rng(int(stage.rng.integers(1 << 30)))
    n = 18
    frames = [dot_sprite(max(1.0, h * 0.008 * (1 + k)), colour, core=0.3) for k in range(3)]
    phase = rng.uniform(0, 1, n)
    dx = rng.normal(0, 1, n)
    dy = rng.uniform(-1, 0.3, n)
    size = rng.integers(0, 3, n)
    start_y = rng.uniform(-1, 1, n) * h * 0.35
    rate = 0.22 * stage.mood.pace

    def positions(t: float):
        age = np.mod(phase + rate * t, 1.0)
        xs = x + dx * age * h * 0.6 + np.sin(t * 2 + phase * 9) * h * 0.02
        ys = y + dy * age * h * 0.6 + start_y
        return xs, ys, size, np.clip(np.sin(np.pi * age), 0, 1) * 0.9

    return Swarm(frames=frames, positions=positions, z=slot.z + 0.002, parallax=slot.parallax)


# --- stairs --------------------------------------------------------------------------------


@motif("stairs", "ground", height=0.7, width=0.95)
def stairs(stage: Stage, slot: Slot, pick: Pick) -> list[Layer]:
    m = stage.mood
    pen = _pen(slot, 0.95)
    a = pen.aspect
    side = lit(stage, main_colour(pick, (170, 160, 150)), slot)
    tread = mix(side, m.glow, 0.35)
    under = mix(side, m.ink, 0.35)
    n = 10
    run = (a - 0.08) / n
    rise = 0.86 / n
    pts = [(0.0, 1.0)]
    x, y = 0.0, 1.0
    for _ in range(n):
        pts.append((x, y - rise))
        x += run
        pts.append((x, y - rise))
        y -= rise
    pts += [(x, y + 0.07), (run * 1.2, 1.0)]
    pen.poly(pts, rgba(side))
    pen.poly([(x, y + 0.07), (run * 1.2, 1.0), (run * 0.6, 1.0), (x - 0.02, y + 0.05)], rgba(under))
    x, y = 0.0, 1.0
    for _ in range(n):
        pen.rect(x, y - rise - 0.01, x + run, y - rise + 0.012, rgba(tread))
        x += run
        y -= rise
    # The top opens onto light.
    top_x, top_y = x, y
    sprite = finish(pen, pick, stage)
    h = sprite.height
    left = slot.cx - sprite.width / 2
    layers: list[Layer] = [_standing(sprite, slot)]
    halo = glow_sprite(h * 0.3, mix(m.light, (255, 255, 255), 0.4), 0.95)
    gx = left + top_x * h
    gy = slot.base - h + top_y * h
    layers.append(
        Still(
            halo,
            x=gx - halo.width / 2,
            y=gy - halo.height / 2,
            z=slot.z - 0.001,
            parallax=slot.parallax,
            alpha=lambda t: 0.7 + 0.3 * math.sin(t * 1.3),
        )
    )
    layers.append(_motes_from(stage, slot, gx - h * 0.2, gy + h * 0.25, h * 0.8, m.light))
    return layers


# --- tree ----------------------------------------------------------------------------------


@motif("tree", "ground", height=0.66, width=0.85)
def tree(stage: Stage, slot: Slot, pick: Pick) -> list[Layer]:
    m = stage.mood
    pen = _pen(slot, 0.85)
    a = pen.aspect
    cx = a / 2
    rng = np.random.default_rng(int(stage.rng.integers(1 << 30)))
    bark = lit(stage, (96, 66, 48), slot)
    leaves = lit(stage, main_colour(pick, (74, 134, 72)), slot)
    pen.poly(
        [(cx - 0.055, 1.0), (cx + 0.055, 1.0), (cx + 0.028, 0.42), (cx - 0.028, 0.42)], rgba(bark)
    )
    pen.line([(cx, 0.62), (cx - 0.12, 0.47), (cx - 0.2, 0.42)], 0.03, rgba(bark))
    pen.line([(cx, 0.56), (cx + 0.14, 0.42), (cx + 0.22, 0.38)], 0.028, rgba(bark))
    dark = mix(leaves, m.ink, 0.3)
    light = mix(leaves, m.glow, 0.3)
    blobs = [
        (cx + rng.uniform(-0.22, 0.22), 0.3 + rng.uniform(-0.14, 0.1), rng.uniform(0.11, 0.17))
        for _ in range(11)
    ]
    for x, y, r in blobs:
        pen.circle(x, y + 0.02, r, rgba(dark))
    for x, y, r in blobs:
        pen.circle(x, y, r * 0.9, rgba(leaves))
    for x, y, r in blobs[:6]:
        pen.circle(x - r * 0.25, y - r * 0.3, r * 0.45, rgba(light))
    sprite = finish(pen, pick, stage)
    h = sprite.height
    layers: list[Layer] = [_standing(sprite, slot, bob=(0.0, 0.0, 0.0))]
    # Leaves let go and drift down.
    leaf_frames = []
    for k in range(4):
        lp = Pen(even(h * 0.05), even(h * 0.05))
        pts = ellipse_points(0.5, 0.5, 0.45, 0.2, degrees=45 * k)
        lp.poly(pts, rgba(light if k % 2 else leaves))
        leaf_frames.append(lp.sprite())
    n = 7
    left = slot.cx - sprite.width / 2
    x0 = left + (cx + rng.uniform(-0.22, 0.22, n)) * h
    y0 = slot.base - h + rng.uniform(0.2, 0.4, n) * h
    phase = rng.uniform(0, 1, n)
    rate = 0.2 * m.pace

    def positions(t: float):
        age = np.mod(phase + rate * t, 1.0)
        xs = x0 + age * h * 0.4 + np.sin(age * 12 + phase * 6) * h * 0.05
        ys = y0 + age * h * 0.75
        idx = (age * 16).astype(int)
        return xs, ys, idx, np.clip((1 - age) * 3, 0, 1) * np.clip(age * 10, 0, 1)

    layers.append(
        Swarm(frames=leaf_frames, positions=positions, z=slot.z + 0.002, parallax=slot.parallax)
    )
    return layers


# --- cat -----------------------------------------------------------------------------------

_COATS = ((214, 128, 60), (44, 40, 48), (132, 132, 142), (236, 228, 214))


@motif("cat", "ground", height=0.38, width=0.8)
def cat(stage: Stage, slot: Slot, pick: Pick) -> list[Layer]:
    m = stage.mood
    rng = np.random.default_rng(int(stage.rng.integers(1 << 30)))
    coat = lit(stage, main_colour(pick, _COATS[int(rng.integers(len(_COATS)))]), slot)
    belly = mix(coat, (250, 240, 230), 0.35)
    dark = mix(coat, m.ink, 0.35)
    eye = (200, 236, 120) if stage.night else (150, 190, 80)
    frames = []
    for blink in (False, True):
        for k in range(6):
            pen = _pen(slot, 0.9)
            a = pen.aspect
            cx = a * 0.42
            swing = math.sin(k / 5 * math.pi - math.pi / 2)
            tail = []
            for i in range(12):
                u = i / 11
                ang = -0.2 + u * (1.5 + 0.5 * swing)
                tail.append(
                    (
                        cx + 0.17 + 0.28 * math.sin(ang) * u**0.7,
                        0.96 - 0.42 * u * math.cos(ang * 0.6),
                    )
                )
            pen.line(tail, 0.055, rgba(coat))
            pen.ellipse(cx, 0.7, 0.21, 0.27, rgba(coat))
            pen.ellipse(cx + 0.08, 0.82, 0.15, 0.15, rgba(dark))
            pen.ellipse(cx - 0.05, 0.66, 0.09, 0.2, rgba(belly))
            pen.ellipse(cx - 0.08, 0.95, 0.06, 0.035, rgba(belly))
            pen.ellipse(cx + 0.03, 0.96, 0.06, 0.035, rgba(belly))
            hx, hy = cx - 0.02, 0.33
            pen.poly(
                [(hx - 0.15, hy - 0.02), (hx - 0.13, hy - 0.2), (hx - 0.04, hy - 0.1)], rgba(coat)
            )
            pen.poly(
                [(hx + 0.15, hy - 0.02), (hx + 0.13, hy - 0.2), (hx + 0.04, hy - 0.1)], rgba(coat)
            )
            pen.poly(
                [(hx - 0.125, hy - 0.05), (hx - 0.12, hy - 0.15), (hx - 0.07, hy - 0.09)],
                rgba((230, 150, 150)),
            )
            pen.poly(
                [(hx + 0.125, hy - 0.05), (hx + 0.12, hy - 0.15), (hx + 0.07, hy - 0.09)],
                rgba((230, 150, 150)),
            )
            pen.ellipse(hx, hy, 0.16, 0.13, rgba(coat))
            pen.ellipse(hx, hy + 0.06, 0.07, 0.05, rgba(belly))
            for ex in (hx - 0.06, hx + 0.06):
                if blink:
                    pen.line([(ex - 0.03, hy - 0.01), (ex + 0.03, hy - 0.01)], 0.01, rgba(m.ink))
                else:
                    pen.ellipse(ex, hy - 0.01, 0.032, 0.026, rgba(eye))
                    pen.ellipse(ex, hy - 0.01, 0.008, 0.022, rgba(m.ink))
            pen.poly(
                [(hx - 0.015, hy + 0.035), (hx + 0.015, hy + 0.035), (hx, hy + 0.05)],
                rgba((200, 110, 120)),
            )
            for side in (-1, 1):
                for dy in (0.0, 0.02):
                    pen.line(
                        [(hx + side * 0.04, hy + 0.05 + dy), (hx + side * 0.2, hy + 0.03 + dy * 2)],
                        0.004,
                        rgba(belly, 0.8),
                    )
            frames.append(finish(pen, pick, stage))
    h = frames[0].height
    glow = glow_sprite(h * 0.1, eye, 0.5) if stage.night else None

    def path(t: float) -> tuple[float, float, int, float]:
        k = int(t * 5) % 10
        k = k if k < 6 else 10 - k
        blink = math.sin(t * 1.3 + 1.0) > 0.985 or (t % 3.7) < 0.12
        return slot.cx, slot.base - h / 2, k + (6 if blink else 0), 1.0

    layers: list[Layer] = [Flip(frames=frames, path=path, z=slot.z, parallax=slot.parallax)]
    if glow is not None:
        ex = slot.cx - frames[0].width / 2 + (0.42 * 0.9 - 0.02) * h
        layers.append(
            Still(
                glow,
                x=ex - glow.width / 2,
                y=slot.base - h + 0.32 * h - glow.height / 2,
                z=slot.z + 0.001,
                parallax=slot.parallax,
                alpha=0.6,
            )
        )
    return layers


# --- car -----------------------------------------------------------------------------------


@motif("car", "ground", height=0.2, width=2.4)
def car(stage: Stage, slot: Slot, pick: Pick) -> list[Layer]:
    m = stage.mood
    pen = _pen(slot, 2.6)
    body = lit(stage, main_colour(pick, mix(m.accent, (200, 60, 50), 0.5)), slot)
    glass = mix(m.sky[1], m.ink, 0.35)
    tyre = lit(stage, (30, 30, 34), slot)
    o = 0.2
    if stage.night:
        beam = pen.overlay()
        beam.poly([(2.33, 0.52), (2.6, 0.38), (2.6, 0.85)], rgba(m.light))
        pen.merge(beam, 0.35, blur=0.03)
    pen.poly([(0.6 - o + 0.2, 0.45), (0.9, 0.12), (1.6, 0.12), (2.0, 0.45)], rgba(body))
    pen.poly([(0.88, 0.43), (1.02, 0.19), (1.26, 0.19), (1.26, 0.43)], rgba(glass))
    pen.poly([(1.32, 0.43), (1.32, 0.19), (1.56, 0.19), (1.84, 0.43)], rgba(glass))
    pen.rect(0.05, 0.42, 2.4, 0.82, rgba(body), r=0.12)
    pen.rect(0.1, 0.55, 2.35, 0.58, rgba(mix(body, (255, 255, 255), 0.3)))
    for wx in (0.55, 1.9):
        pen.circle(wx, 0.82, 0.18, rgba(tyre))
        pen.circle(wx, 0.82, 0.08, rgba(mix(tyre, (200, 200, 210), 0.6)))
    pen.ellipse(2.33, 0.52, 0.05, 0.04, rgba(mix(m.light, (255, 255, 255), 0.4)))
    pen.rect(0.05, 0.48, 0.12, 0.56, rgba((220, 40, 40)))
    sprite = finish(pen, pick, stage)
    h = sprite.height
    hero = slot.role == "hero"
    direction = 1 if stage.rng.uniform() < 0.5 else -1
    frames = [sprite] if direction > 0 else [_mirror(pen)]
    W = stage.width
    if hero:
        span = W * 0.5
        start = slot.cx - direction * span / 2
        speed = direction * span / stage.duration
    else:
        start = -direction * (W * 0.5 + sprite.width) + W / 2
        speed = direction * (W + 2 * sprite.width) / max(2.0, stage.duration * 0.8)

    def path(t: float) -> tuple[float, float, int, float]:
        x = start + speed * t
        return x, slot.base - h / 2 + math.sin(t * 17) * h * 0.01, 0, 1.0

    return [Flip(frames=frames, path=path, z=slot.z, parallax=slot.parallax)]


def _mirror(pen: Pen) -> Sprite:
    from PIL import ImageOps

    return Sprite.from_rgba(ImageOps.mirror(pen.rgba()))


# --- boat ----------------------------------------------------------------------------------


@motif("boat", "ground", height=0.34, width=0.9)
def boat(stage: Stage, slot: Slot, pick: Pick) -> list[Layer]:
    m = stage.mood
    pen = _pen(slot, 0.95)
    hull = lit(stage, main_colour(pick, (116, 72, 52)), slot)
    sail = lit(stage, (242, 234, 216), slot)
    dark = lit(stage, (60, 48, 44), slot)
    pen.line([(0.46, 0.06), (0.46, 0.74)], 0.014, rgba(dark))
    pen.poly([(0.48, 0.08), (0.48, 0.68), (0.86, 0.66)], rgba(sail))
    pen.poly([(0.44, 0.14), (0.44, 0.66), (0.12, 0.66)], rgba(mix(sail, m.ink, 0.12)))
    pen.poly([(0.47, 0.06), (0.47, 0.1), (0.58, 0.08)], rgba(mix(m.accent, (220, 60, 60), 0.5)))
    pen.poly([(0.04, 0.7), (0.9, 0.7), (0.76, 0.88), (0.16, 0.88)], rgba(hull))
    pen.rect(0.06, 0.7, 0.88, 0.74, rgba(mix(hull, (255, 255, 255), 0.35)))
    if stage.night:
        pen.glow(0.8, 0.66, 0.06, m.light, 0.9)
        pen.circle(0.8, 0.66, 0.012, rgba(m.light))
    base_image = pen.rgba()
    if pick.glass:
        base_image = glaze(base_image, stage)
    frames = [Sprite.from_rgba(rotated(base_image, d)) for d in (-6, -3, 0, 3, 6)]
    h = base_image.height
    drift = (
        (1 if stage.rng.uniform() < 0.5 else -1) * stage.width * 0.03 / max(1, stage.duration) * 4
    )

    def path(t: float) -> tuple[float, float, int, float]:
        rock = math.sin(t * 1.4 * m.pace)
        index = round((rock + 1) * 2)
        y = slot.base - h * 0.42 + math.sin(t * 1.1 * m.pace + 1) * h * 0.03
        return slot.cx + drift * (t - stage.duration / 2), y, index, 1.0

    return [Flip(frames=frames, path=path, z=slot.z, parallax=slot.parallax)]


# --- bridge --------------------------------------------------------------------------------


@motif("bridge", "ground", height=0.24, width=3.4)
def bridge(stage: Stage, slot: Slot, pick: Pick) -> list[Layer]:
    m = stage.mood
    pen = _pen(slot, 3.4)
    a = pen.aspect
    stone = lit(stage, main_colour(pick, (164, 150, 134)), slot)
    dark = mix(stone, m.ink, 0.35)
    pen.rect(0.0, 0.22, a, 1.0, rgba(stone))
    arches = 4
    span = a / arches
    for k in range(arches):
        cx = span * (k + 0.5)
        pen.ellipse(cx, 1.0, span * 0.4, 0.55, rgba(dark))
        pen.ellipse(cx, 1.02, span * 0.37, 0.52, (0, 0, 0, 0))
    pen.rect(0.0, 0.1, a, 0.24, rgba(mix(stone, m.glow, 0.2)))
    for k in range(int(a / 0.12) + 1):
        pen.rect(k * 0.12, 0.02, k * 0.12 + 0.03, 0.12, rgba(dark))
    pen.rect(0.0, 0.0, a, 0.03, rgba(dark))
    sprite = finish(pen, pick, stage)
    layers: list[Layer] = [_standing(sprite, slot)]
    if stage.night:
        halo = glow_sprite(sprite.height * 0.25, m.light, 0.8)
        left = slot.cx - sprite.width / 2
        for k in range(1, arches):
            x = left + span * k * sprite.height
            layers.append(
                Still(
                    halo,
                    x=x - halo.width / 2,
                    y=slot.base - sprite.height - halo.height / 2,
                    z=slot.z + 0.001,
                    parallax=slot.parallax,
                    alpha=lambda t, k=k: 0.8 * flicker(stage, t, k),
                )
            )
    return layers


# --- flower --------------------------------------------------------------------------------


@motif("flower", "ground", height=0.55, width=0.7)
def flower(stage: Stage, slot: Slot, pick: Pick) -> list[Layer]:
    m = stage.mood
    pen = _pen(slot, 0.7)
    a = pen.aspect
    cx, cy = a / 2, 0.27
    stem = lit(stage, (70, 130, 66), slot)
    petal = lit(stage, main_colour(pick, mix(m.accent, (240, 90, 120), 0.4)), slot)
    inner = mix(petal, (255, 255, 255), 0.35)
    centre = lit(stage, (236, 178, 60), slot)
    pen.line([(cx + 0.02, 1.0), (cx - 0.03, 0.7), (cx + 0.01, 0.45), (cx, cy)], 0.028, rgba(stem))
    pen.poly(ellipse_points(cx - 0.11, 0.66, 0.11, 0.04, degrees=-30), rgba(stem))
    pen.poly(ellipse_points(cx + 0.1, 0.56, 0.1, 0.035, degrees=25), rgba(mix(stem, m.glow, 0.2)))
    for layer, (radius, colour, count) in enumerate(((0.17, petal, 9), (0.11, inner, 7))):
        for k in range(count):
            ang = 360 * k / count + layer * 20
            px = cx + math.cos(math.radians(ang)) * radius * 0.6
            py = cy + math.sin(math.radians(ang)) * radius * 0.6
            pen.poly(ellipse_points(px, py, radius * 0.6, radius * 0.27, degrees=ang), rgba(colour))
    pen.circle(cx, cy, 0.055, rgba(centre))
    for k in range(8):
        ang = 2 * math.pi * k / 8
        pen.circle(
            cx + 0.03 * math.cos(ang),
            cy + 0.03 * math.sin(ang),
            0.007,
            rgba(mix(centre, m.ink, 0.4)),
        )
    sprite = finish(pen, pick, stage)
    h = sprite.height
    return [
        _standing(sprite, slot, bob=(h * 0.008, 0.25, 0.0)),
        _pollen(stage, slot, slot.cx, slot.base - h + cy * h, h, inner),
    ]


def _pollen(stage: Stage, slot: Slot, x: float, y: float, h: float, colour) -> Swarm:
    rng = np.random.default_rng(int(stage.rng.integers(1 << 30)))
    n = 12
    frames = [dot_sprite(max(1.0, h * 0.01), colour, 0.4)]
    phase = rng.uniform(0, 1, n)
    ang = rng.uniform(0, 2 * np.pi, n)

    def positions(t: float):
        age = np.mod(phase + 0.15 * t, 1.0)
        xs = x + np.cos(ang) * age * h * 0.5 + age * h * 0.2
        ys = y + np.sin(ang) * age * h * 0.3 - age * h * 0.2
        return xs, ys, np.zeros(n, int), np.sin(np.pi * age) * 0.8

    return Swarm(frames=frames, positions=positions, z=slot.z + 0.001, parallax=slot.parallax)


# --- snake ---------------------------------------------------------------------------------


@motif("snake", "ground", height=0.22, width=3.6)
def snake(stage: Stage, slot: Slot, pick: Pick) -> list[Layer]:
    m = stage.mood
    skin = lit(stage, main_colour(pick, (84, 146, 62)), slot)
    pattern = mix(skin, (240, 200, 80) if pick.tint is None else m.ink, 0.55)
    belly = mix(skin, (240, 230, 170), 0.3)
    frames = []
    n_frames = 8
    for f in range(n_frames):
        pen = _pen(slot, 3.6)
        a = pen.aspect
        phase = 2 * math.pi * f / n_frames
        pts = []
        steps = 160
        for i in range(steps + 1):
            u = i / steps
            x = 0.1 + u * (a - 0.45)
            y = 0.62 + 0.18 * math.sin(2 * math.pi * u * 2.2 - phase) * (0.4 + 0.6 * u**0.3)
            pts.append((x, y, 0.025 + 0.085 * u**0.6))
        for x, y, r in pts:
            pen.circle(x, y + r * 0.15, r, rgba(mix(skin, m.ink, 0.3)))
        for x, y, r in pts:
            pen.circle(x, y, r * 0.92, rgba(skin))
        for i in range(6, steps, 9):
            x, y, r = pts[i]
            pen.poly(
                [(x - r * 0.6, y), (x, y - r * 0.6), (x + r * 0.6, y), (x, y + r * 0.6)],
                rgba(pattern),
            )
        for x, y, r in pts[::4]:
            pen.circle(x, y + r * 0.55, r * 0.3, rgba(belly, 0.5))
        hx, hy, _ = pts[-1]
        pen.ellipse(hx + 0.12, hy - 0.02, 0.16, 0.11, rgba(skin))
        pen.circle(hx + 0.16, hy - 0.06, 0.025, rgba((250, 220, 90)))
        pen.ellipse(hx + 0.16, hy - 0.06, 0.007, 0.02, rgba(m.ink))
        if f % 4 < 2:
            pen.line(
                [(hx + 0.27, hy), (hx + 0.38, hy + 0.01), (hx + 0.43, hy - 0.03)],
                0.01,
                rgba((210, 40, 50)),
            )
            pen.line([(hx + 0.38, hy + 0.01), (hx + 0.43, hy + 0.04)], 0.01, rgba((210, 40, 50)))
        frames.append(finish(pen, pick, stage))
    h = frames[0].height
    span = stage.width * 0.25

    def path(t: float) -> tuple[float, float, int, float]:
        x = slot.cx - span / 2 + span * t / stage.duration
        return x, slot.base - h / 2, int(t * 6 * m.pace), 1.0

    return [Flip(frames=frames, path=path, z=slot.z, parallax=slot.parallax)]


# --- fire ----------------------------------------------------------------------------------


@motif("fire", "ground", height=0.32, width=0.8)
def fire(stage: Stage, slot: Slot, pick: Pick) -> list[Layer]:
    m = stage.mood
    rng = np.random.default_rng(int(stage.rng.integers(1 << 30)))
    outer = main_colour(pick, (236, 84, 40))
    middle = mix(outer, (255, 170, 40), 0.6)
    core = (255, 236, 150)
    log = lit(stage, (100, 64, 44), slot)
    frames = []
    for _ in range(6):
        pen = _pen(slot, 0.8)
        a = pen.aspect
        cx = a / 2
        for scale_, colour in ((1.0, outer), (0.7, middle), (0.42, core)):
            pts = []
            tips = 5
            for k in range(tips * 2 + 1):
                u = k / (tips * 2)
                x = cx + (u - 0.5) * 0.62 * scale_
                peak = k % 2 == 1
                height = (
                    (0.55 + rng.uniform(0, 0.35)) * scale_
                    if peak
                    else (0.25 + rng.uniform(0, 0.15)) * scale_
                )
                height *= 1 - 1.2 * abs(u - 0.5) ** 2
                pts.append((x + (rng.uniform(-0.03, 0.03) if peak else 0), 0.86 - height))
            pts = [(cx - 0.31 * scale_, 0.86), *pts, (cx + 0.31 * scale_, 0.86)]
            pen.poly(pts, rgba(colour))
            pen.ellipse(cx, 0.84, 0.31 * scale_, 0.08 * scale_, rgba(colour))
        pen.poly(
            rot(
                [(cx - 0.34, 0.88), (cx + 0.34, 0.88), (cx + 0.34, 0.95), (cx - 0.34, 0.95)],
                cx,
                0.915,
                12,
            ),
            rgba(log),
        )
        pen.poly(
            rot(
                [(cx - 0.34, 0.88), (cx + 0.34, 0.88), (cx + 0.34, 0.95), (cx - 0.34, 0.95)],
                cx,
                0.915,
                -12,
            ),
            rgba(mix(log, m.ink, 0.2)),
        )
        frames.append(pen.sprite())
    h = frames[0].height
    halo = glow_sprite(h * 1.1, mix(middle, m.light, 0.3), 0.55)

    def path(t: float) -> tuple[float, float, int, float]:
        return slot.cx, slot.base - h / 2, int(t * 11), 1.0

    layers: list[Layer] = [
        Still(
            halo,
            x=slot.cx - halo.width / 2,
            y=slot.base - h * 0.45 - halo.height / 2,
            z=slot.z - 0.001,
            parallax=slot.parallax,
            alpha=lambda t: 0.75 + 0.25 * math.sin(t * 9) * math.sin(t * 5.3),
        ),
        Flip(frames=frames, path=path, z=slot.z, parallax=slot.parallax),
    ]
    from videos.demo_renderer.motifs.swarms import rising_sparks

    layers.append(rising_sparks(stage, slot, slot.cx, slot.base - h * 0.5, h, middle))
    return layers


# --- figure --------------------------------------------------------------------------------


def _figure_pose(pen: Pen, pose: str, k: int, colour, rim) -> None:
    """A person in silhouette: 'stand', 'run' (frame k of 6) or 'fly'."""
    a = pen.aspect
    limb = 0.075
    if pose == "fly":
        # Horizontal, arms ahead, legs trailing; k moves the legs a little.
        cy = 0.5
        head = (a * 0.84, cy - 0.1)
        neck, hip = (a * 0.74, cy - 0.05), (a * 0.4, cy + 0.02)
        kick = 0.04 * math.sin(k * math.pi / 3)
        limbs = [
            [neck, (a * 0.88, cy - 0.02), (a * 0.98, cy - 0.06)],
            [neck, (a * 0.86, cy + 0.04), (a * 0.97, cy + 0.02)],
            [hip, (a * 0.2, cy + 0.02 + kick), (a * 0.03, cy + 0.04 + kick)],
            [hip, (a * 0.21, cy + 0.09 - kick), (a * 0.05, cy + 0.13 - kick)],
        ]
        for part in limbs:
            pen.line(part, limb, rgba(colour))
        pen.line([neck, hip], 0.13, rgba(colour))
        pen.circle(*head, 0.075, rgba(colour))
        # A scarf streaming back.
        pen.line(
            [neck, (a * 0.6, cy - 0.1 + kick), (a * 0.42, cy - 0.08 - kick), (a * 0.3, cy - 0.12)],
            0.03,
            rgba(rim),
        )
        return
    cx = a / 2
    head = (cx, 0.1)
    neck, hip = (cx, 0.2), (cx, 0.52)
    if pose == "run":
        s = math.sin(2 * math.pi * k / 6)
        c = math.cos(2 * math.pi * k / 6)
        lean = 0.05
        neck = (cx + lean, 0.2)
        head = (cx + lean + 0.02, 0.1)
        legs = [
            [
                hip,
                (cx + 0.16 * s, 0.75 - 0.05 * max(0, s)),
                (cx + 0.22 * s - 0.06, 0.97 - 0.12 * max(0, c)),
            ],
            [
                hip,
                (cx - 0.16 * s, 0.75 - 0.05 * max(0, -s)),
                (cx - 0.22 * s - 0.06, 0.97 - 0.12 * max(0, -c)),
            ],
        ]
        arms = [
            [neck, (cx + lean - 0.14 * s, 0.36), (cx + lean - 0.05 * s + 0.08, 0.44)],
            [neck, (cx + lean + 0.14 * s, 0.36), (cx + lean + 0.05 * s + 0.08, 0.44)],
        ]
    else:
        legs = [
            [hip, (cx - 0.05, 0.76), (cx - 0.06, 0.98)],
            [hip, (cx + 0.05, 0.76), (cx + 0.06, 0.98)],
        ]
        arms = [
            [neck, (cx - 0.09, 0.37), (cx - 0.1, 0.52)],
            [neck, (cx + 0.09, 0.37), (cx + 0.1, 0.52)],
        ]
    for part in legs + arms:
        pen.line(part, limb, rgba(colour))
    pen.line([neck, hip], 0.14, rgba(colour))
    pen.circle(*head, 0.075, rgba(colour))


@motif("figure", "ground", height=0.36, width=0.45)
def figure(stage: Stage, slot: Slot, pick: Pick) -> list[Layer]:
    m = stage.mood
    pose = "fly" if "flight" in stage.words else "run" if "chase" in stage.words else "stand"
    colour = main_colour(pick, mix(m.ink, m.land[1], 0.35))
    rim = mix(m.accent, m.light, 0.3)
    if pose == "fly":
        # Lit by the city (or the sun): a pale figure that shows against any sky.
        colour = main_colour(pick, mix(m.light, m.sky[1], 0.25))
    frames = []
    count = 6 if pose == "run" else 4 if pose == "fly" else 1
    for k in range(count):
        aspect = 1.6 if pose == "fly" else 0.5
        size = slot.size * (0.7 if pose == "fly" else 1.0)
        pen = Pen(even(size * aspect), even(size))
        if pose == "fly":
            pen.glow(aspect * 0.6, 0.5, 0.55, m.light, 0.45)
        _figure_pose(pen, pose, k, colour, rim)
        frames.append(finish(pen, pick, stage))
    h = frames[0].height
    rate = (9 if pose == "run" else 2) * m.pace

    def path(t: float) -> tuple[float, float, int, float]:
        y = slot.base - h / 2
        if pose == "fly":
            y = slot.base - h / 2 + math.sin(t * 1.2) * h * 0.35
        elif pose == "run":
            y -= abs(math.sin(t * rate / 2 * math.pi / 3)) * h * 0.03
        return slot.cx, y, int(t * rate), 1.0

    return [Flip(frames=frames, path=path, z=slot.z, parallax=slot.parallax)]


# --- train ---------------------------------------------------------------------------------


@motif("train", "ground", height=0.17, width=6.0)
def train(stage: Stage, slot: Slot, pick: Pick) -> list[Layer]:
    m = stage.mood
    pen = _pen(slot, 7.0)
    a = pen.aspect
    body = lit(stage, main_colour(pick, (60, 96, 140)), slot)
    trim = mix(body, (255, 255, 255), 0.4)
    dark = lit(stage, (40, 38, 44), slot)
    window = _window_light(stage)
    cars = 4
    car_w = (a - 0.1) / cars
    for k in range(cars):
        x0 = 0.05 + k * car_w
        x1 = x0 + car_w - 0.06
        if k == cars - 1:
            pen.rect(x0, 0.2, x1 - 0.25, 0.85, rgba(body), r=0.06)
            pen.poly(
                [(x1 - 0.3, 0.2), (x1 - 0.1, 0.3), (x1, 0.6), (x1, 0.85), (x1 - 0.3, 0.85)],
                rgba(body),
            )
            pen.rect(x0 + 0.3, 0.02, x0 + 0.42, 0.22, rgba(dark))
            pen.circle(x1 - 0.04, 0.62, 0.04, rgba(mix(m.light, (255, 255, 255), 0.4)))
        else:
            pen.rect(x0, 0.15, x1, 0.85, rgba(body), r=0.06)
        pen.rect(x0, 0.68, x1, 0.72, rgba(trim))
        n_win = 5
        for w in range(n_win):
            wx = x0 + 0.08 + w * (car_w - 0.3) / n_win
            if wx > x1 - 0.35:
                break
            pen.rect(wx, 0.3, wx + 0.12, 0.55, rgba(window), r=0.02)
        for wx in (x0 + 0.15, x1 - 0.2):
            pen.circle(wx, 0.88, 0.08, rgba(dark))
        if k < cars - 1:
            pen.rect(x1, 0.7, x1 + 0.06, 0.75, rgba(dark))
    sprite = finish(pen, pick, stage)
    h = sprite.height
    W = stage.width
    direction = 1
    length = sprite.width
    speed = (W + length) / max(2.0, stage.duration * 0.9)
    start = -length / 2 - W * 0.05

    def path(t: float) -> tuple[float, float, int, float]:
        return start + speed * t * direction, slot.base - h / 2, 0, 1.0

    # The track under it.
    track = Pen(even(W * 2.2), even(max(4, h * 0.12)), ss=2)
    track.rect(0, 0.0, track.aspect, 0.3, rgba(mix(dark, m.glow, 0.2)))
    for k in range(int(track.aspect / 0.5)):
        track.rect(k * 0.5, 0.3, k * 0.5 + 0.2, 1.0, rgba(mix(dark, m.land[1], 0.4)))
    rail = track.sprite()
    layers: list[Layer] = [
        Still(
            rail,
            x=-W * 0.6,
            y=slot.base - rail.height * 0.3,
            z=slot.z - 0.001,
            parallax=slot.parallax,
        ),
        Flip(frames=[sprite], path=path, z=slot.z, parallax=slot.parallax),
    ]
    return layers
