"""Things in the sky: moon, sun, stars, clouds, a giant eye, a clock, a key, birds, a ghost,
fish. For these a slot's ``base`` is the centre's y."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from videos.demo_renderer.canvas import Canvas, Pen, Sprite, mix, yuv
from videos.demo_renderer.layers import Cam, Custom, Flip, Layer, Slot, Stage, Still, Swarm, wrap
from videos.demo_renderer.motifs.common import (
    ellipse_points,
    even,
    finish,
    glaze,
    glow_sprite,
    lit,
    main_colour,
    motif,
    rgba,
    rotated,
    translucent_polygons,
)
from videos.demo_renderer.symbols import Pick

# --- moon and sun --------------------------------------------------------------------------


@motif("moon", "sky", height=0.42, width=1.0)
def moon(stage: Stage, slot: Slot, pick: Pick) -> list[Layer]:
    m = stage.mood
    r = slot.size / 2
    size = even(r * 5.2)
    pen = Pen(size, size)
    c = 0.5
    face = main_colour(pick, mix((244, 240, 222), m.glow, 0.18))
    pen.glow(c, c, 0.5, mix(face, m.glow, 0.4), 0.55)
    disc = pen.overlay()
    rr = r / size
    disc.circle(c, c, rr, rgba(face))
    for dx, dy, k in (
        (-0.3, -0.2, 0.22),
        (0.25, 0.1, 0.3),
        (-0.05, 0.4, 0.16),
        (0.35, -0.35, 0.12),
    ):
        disc.circle(c + dx * rr, c + dy * rr, k * rr, rgba(mix(face, m.sky[1], 0.3)))
    crescent = stage.rng.uniform() < 0.4 and slot.role != "hero"
    if crescent:
        disc.circle(c + 0.45 * rr, c - 0.2 * rr, rr * 0.95, (0, 0, 0, 0))
    pen.merge(disc)
    sprite = finish(pen, pick, stage)
    rise = slot.size * 0.5
    return [
        Still(
            sprite,
            x=slot.cx - sprite.width / 2,
            y=slot.base - sprite.height / 2,
            z=1.0,
            parallax=slot.parallax,
            drift=(0.0, -rise / max(1.0, stage.duration)),
            t0=stage.duration / 2,
            bob=(slot.size * 0.02, 0.15, 0.0),
        )
    ]


@motif("sun", "sky", height=0.36, width=1.0)
def sun(stage: Stage, slot: Slot, pick: Pick) -> list[Layer]:
    m = stage.mood
    r = slot.size / 2
    size = even(r * 5)
    pen = Pen(size, size)
    c = 0.5
    face = main_colour(pick, mix((255, 246, 210), m.glow, 0.3))
    pen.glow(c, c, 0.5, mix(face, m.glow, 0.5), 0.8)
    pen.circle(c, c, r / size, rgba(face))
    sprite = finish(pen, pick, stage)
    rays_colour = mix(m.light, (255, 255, 255), 0.3)
    n = 9
    turn = 2 * math.pi / 40 * m.pace
    length = stage.width * 0.5
    phase0 = float(stage.rng.uniform(0, 2 * math.pi))

    def rays(canvas: Canvas, t: float, cam: Cam) -> None:
        x0 = slot.cx - cam.x * slot.parallax
        y0 = slot.base - cam.y * slot.parallax
        polys = []
        for k in range(n):
            a = phase0 + turn * t + 2 * math.pi * k / n
            w = 0.07
            polys.append(
                [
                    (x0, y0),
                    (x0 + length * math.cos(a - w), y0 + length * math.sin(a - w)),
                    (x0 + length * math.cos(a + w), y0 + length * math.sin(a + w)),
                ]
            )
        translucent_polygons(
            canvas,
            polys,
            rays_colour,
            0.08 * (0.8 + 0.2 * math.sin(t * 0.9)),
            clip_bottom=stage.horizon,
        )

    rise = slot.size * 0.3
    return [
        Custom(fn=rays, z=0.9),
        Still(
            sprite,
            x=slot.cx - sprite.width / 2,
            y=slot.base - sprite.height / 2,
            z=1.0,
            parallax=slot.parallax,
            drift=(0.0, -rise / max(1.0, stage.duration)),
            t0=stage.duration / 2,
        ),
    ]


# --- stars ---------------------------------------------------------------------------------


def sparkle_sprite(size: float, colour) -> Sprite:
    s = even(max(4, size))
    pen = Pen(s, s)
    pen.glow(0.5, 0.5, 0.25, colour, 0.8)
    for ang in (0, 90):
        pen.poly(ellipse_points(0.5, 0.5, 0.5, 0.06, degrees=ang, n=16), rgba(colour))
    pen.circle(0.5, 0.5, 0.08, rgba((255, 255, 255)))
    return pen.sprite()


@motif("star", "sky", height=0.2, width=1.0)
def star(stage: Stage, slot: Slot, pick: Pick) -> list[Layer]:
    """A sky full of stars: twinkling sparkles and shooting stars crossing."""
    m = stage.mood
    rng = np.random.default_rng(int(stage.rng.integers(1 << 30)))
    W, H = stage.width, stage.height
    colour = main_colour(pick, mix(m.light, (255, 255, 255), 0.6))
    sizes = [H * 0.025, H * 0.045, max(H * 0.07, slot.size * (0.5 if slot.role == "hero" else 0.3))]
    frames = [sparkle_sprite(s, colour) for s in sizes]
    n = 26
    xs = rng.uniform(-0.05, 1.05, n) * W
    ys = rng.uniform(0.03, 0.9, n) * stage.horizon
    idx = rng.choice(3, n, p=[0.6, 0.32, 0.08])
    if slot.role == "hero":
        xs[0], ys[0], idx[0] = slot.cx, slot.base, 2
    phase = rng.uniform(0, 2 * np.pi, n)
    speed = rng.uniform(1.0, 3.0, n)

    def positions(t: float):
        a = 0.55 + 0.45 * np.sin(speed * t + phase)
        return xs, ys, idx, a

    layers: list[Layer] = [Swarm(frames=frames, positions=positions, z=1.1, parallax=0.08)]
    # Shooting stars: streaks that cross and are gone.
    streak = Pen(even(W * 0.16), even(max(4, H * 0.012)), ss=3)
    sa = streak.aspect
    trail = streak.overlay()
    trail.poly([(0, 0.5), (sa, 0.15), (sa, 0.85)], rgba(colour))
    streak.merge(trail, 0.7, blur=0.08)
    streak.circle(sa - 0.4, 0.5, 0.4, rgba((255, 255, 255)))
    head = streak.rgba()
    frames_s = [Sprite.from_rgba(rotated(head, -22))]
    starts = rng.uniform(0, max(0.5, stage.duration - 1.0), 3)
    x0 = rng.uniform(0.1, 0.6, 3) * W
    y0 = rng.uniform(0.05, 0.3, 3) * stage.horizon

    def path_for(i: int):
        def path(t: float) -> tuple[float, float, int, float]:
            age = (t - starts[i]) / 0.9
            if age < 0 or age > 1:
                return -10 * W, 0, 0, 0.0
            return x0[i] + age * W * 0.45, y0[i] + age * W * 0.18, 0, math.sin(math.pi * age)

        return path

    for i in range(3):
        layers.append(Flip(frames=frames_s, path=path_for(i), z=1.2, parallax=0.1))
    return layers


# --- clouds --------------------------------------------------------------------------------


def cloud_sprite(
    width: float, colour, shadow, rng: np.random.Generator, alpha: float = 0.92
) -> Sprite:
    """A storybook cloud: round puffs on a flat base, lit from above."""
    w = even(width)
    h = even(width * 0.45)
    pen = Pen(w, h)
    a = pen.aspect
    n = int(rng.integers(4, 7))
    puffs = []
    for k in range(n):
        u = k / (n - 1)
        x = a * (0.16 + 0.68 * u) + rng.uniform(-0.04, 0.04)
        r = (0.16 + 0.24 * math.sin(math.pi * u) ** 0.8) * rng.uniform(0.8, 1.2)
        puffs.append((x, 0.8 - r * 0.75, r))
    light = mix(colour, (255, 255, 255), 0.45)
    body = pen.overlay()
    body.rect(a * 0.12, 0.62, a * 0.88, 0.86, rgba(shadow), r=0.12)
    for x, y, r in puffs:
        body.circle(x, y + 0.03, r, rgba(shadow))
    for x, y, r in puffs:
        body.circle(x - r * 0.06, y - 0.02, r * 0.9, rgba(colour))
    for x, y, r in puffs:
        body.circle(x - r * 0.25, y - r * 0.3, r * 0.45, rgba(light))
    body.rect(a * 0.12, 0.8, a * 0.88, 0.9, (0, 0, 0, 0))
    pen.merge(body, alpha)
    return pen.sprite()


def cloud_layers(
    stage: Stage,
    count: int,
    seed: int,
    *,
    opacity: float = 0.9,
    low: float = 0.1,
    high: float = 0.6,
    z: float = 1.5,
    scale: float = 1.0,
    speed: float = 1.0,
) -> list[Layer]:
    """Clouds drifting across the sky, leaving one side and coming back on the other."""
    if count <= 0:
        return []
    m = stage.mood
    rng = np.random.default_rng(seed)
    W = stage.width
    colour = mix(m.sky[2], (255, 255, 255), 0.55 if not stage.night else 0.1)
    if stage.night:
        colour = mix(colour, m.sky[1], 0.5)
    if m.clouds > 0.6:
        colour = mix(colour, m.sky[1], 0.45)
    shadow = mix(colour, m.sky[0], 0.3)
    frames = [
        cloud_sprite(W * rng.uniform(0.18, 0.34) * scale, colour, shadow, rng, opacity)
        for _ in range(min(count, 4))
    ]
    xs = rng.uniform(0, 1, count) * W * 1.6 - W * 0.3
    ys = rng.uniform(low, high, count) * stage.horizon
    idx = np.arange(count) % len(frames)
    depth = rng.uniform(0.0, 1.0, count)
    velocity = (6 + 18 * depth) * m.pace * speed * W / 640 * (1 if rng.uniform() < 0.5 else -1)
    margin = W * 0.45 * scale

    def positions(t: float):
        return wrap(xs + velocity * t, -margin, W + margin), ys, idx, np.ones(count)

    return [Swarm(frames=frames, positions=positions, z=z, parallax=0.15)]


@motif("cloud", "sky", height=0.3, width=2.4)
def cloud(stage: Stage, slot: Slot, pick: Pick) -> list[Layer]:
    rng_seed = int(stage.rng.integers(1 << 30))
    scale = 1.6 if slot.role == "hero" else 1.2
    return cloud_layers(stage, 5, rng_seed, opacity=0.95, scale=scale, low=0.15, high=0.7, z=1.6)


# --- eye -----------------------------------------------------------------------------------


@motif("eye", "sky", height=0.32, width=2.0)
def eye(stage: Stage, slot: Slot, pick: Pick) -> list[Layer]:
    """A giant eye in the sky that looks about and blinks."""
    m = stage.mood
    h = even(slot.size)
    w = even(h * 2.0)
    white = lit(stage, (236, 232, 224), depth=0.3)
    white = mix(white, (255, 255, 255), 0.3)
    iris = main_colour(pick, mix(m.accent, (70, 150, 190), 0.4))
    skin = mix(m.sky[1], m.ink, 0.2)
    pen = Pen(w, h)
    a = pen.aspect
    upper = [(a * u, 0.5 - 0.42 * math.sin(math.pi * u) ** 0.9) for u in np.linspace(0, 1, 40)]
    lower = [(a * u, 0.5 + 0.34 * math.sin(math.pi * u) ** 0.9) for u in np.linspace(1, 0, 40)]
    pen.glow(a / 2, 0.5, 0.9, m.glow, 0.45)
    pen.poly(upper + lower, rgba(white))
    sclera = pen.sprite()
    # Iris and pupil: pasted each frame where the eye looks.
    ip = Pen(even(h * 0.62), even(h * 0.62))
    ip.circle(0.5, 0.5, 0.5, rgba(mix(iris, m.ink, 0.35)))
    ip.circle(0.5, 0.5, 0.44, rgba(iris))
    for k in range(12):
        ang = 2 * math.pi * k / 12
        ip.line(
            [
                (0.5 + 0.2 * math.cos(ang), 0.5 + 0.2 * math.sin(ang)),
                (0.5 + 0.42 * math.cos(ang), 0.5 + 0.42 * math.sin(ang)),
            ],
            0.025,
            rgba(mix(iris, (255, 255, 255), 0.3)),
        )
    ip.circle(0.5, 0.5, 0.2, rgba(m.ink))
    ip.circle(0.38, 0.38, 0.07, rgba((255, 255, 255)))
    iris_sprite = ip.sprite()
    # Lids and lashes over it (the opening is transparent), and a closed lid for blinks.
    lid = Pen(w, h)
    frame = [(0, 0), (a, 0), (a, 1), (0, 1)]
    lid.poly(frame, rgba(skin))
    lid.poly(upper + lower, (0, 0, 0, 0))
    lid.line(upper, 0.035, rgba(m.ink))
    lid.line(lower, 0.02, rgba(mix(m.ink, skin, 0.5)))
    for u in np.linspace(0.12, 0.88, 9):
        x, y = a * u, 0.5 - 0.42 * math.sin(math.pi * u) ** 0.9
        lid.line([(x, y), (x + (u - 0.5) * 0.25, y - 0.13)], 0.02, rgba(m.ink))
    lid_img = lid.rgba()
    # Feather the lid's outer edge into the sky.
    outer = Image.new("L", lid_img.size, 0)
    ImageDraw.Draw(outer).ellipse([w * 0.02, h * 0.02, w * 0.98, h * 0.98], fill=255)
    outer = outer.filter(ImageFilter.GaussianBlur(h * 0.06))
    alpha = np.minimum(
        np.asarray(lid_img.getchannel("A"), np.float32), np.asarray(outer, np.float32)
    )
    lid_img.putalpha(Image.fromarray(alpha.astype(np.uint8), "L"))
    lid_sprite = Sprite.from_rgba(lid_img)
    closed = Pen(w, h)
    closed.poly(upper + lower, rgba(skin))
    closed.line(
        [(a * u, 0.5 + 0.05 * math.sin(math.pi * u)) for u in np.linspace(0, 1, 30)],
        0.03,
        rgba(m.ink),
    )
    closed_sprite = closed.sprite()
    rng = np.random.default_rng(int(stage.rng.integers(1 << 30)))
    blinks = rng.uniform(0.8, max(1.0, stage.duration - 0.3), max(1, int(stage.duration / 3)))
    look_phase = rng.uniform(0, 6.28)

    def draw(canvas: Canvas, t: float, cam: Cam) -> None:
        x = slot.cx - w / 2 - cam.x * slot.parallax
        y = slot.base - h / 2 - cam.y * slot.parallax + math.sin(t * 0.7) * h * 0.05
        canvas.paste(sclera, x, y)
        look_x = math.sin(t * 0.9 * m.pace + look_phase) * w * 0.16
        look_y = math.sin(t * 0.63 + 1.3) * h * 0.06
        canvas.paste(
            iris_sprite,
            x + w / 2 - iris_sprite.width / 2 + look_x,
            y + h / 2 - iris_sprite.height / 2 + look_y,
        )
        canvas.paste(lid_sprite, x, y)
        if any(0 <= t - b < 0.16 for b in blinks):
            canvas.paste(closed_sprite, x, y)

    return [Custom(fn=draw, z=1.8)]


# --- clock ---------------------------------------------------------------------------------


@motif("clock", "sky", height=0.36, width=1.0)
def clock(stage: Stage, slot: Slot, pick: Pick) -> list[Layer]:
    """A clock face whose hands run far too fast."""
    m = stage.mood
    d = even(slot.size)
    pen = Pen(d, d)
    brass = main_colour(pick, (206, 166, 88))
    face = lit(stage, (246, 238, 216), depth=0.2)
    face = mix(face, (255, 255, 255), 0.25)
    if slot.role != "wall":
        pen.glow(0.5, 0.5, 0.6, m.glow, 0.4)
    pen.circle(0.5, 0.5, 0.48, rgba(mix(brass, m.ink, 0.3)))
    pen.circle(0.5, 0.5, 0.44, rgba(brass))
    pen.circle(0.5, 0.5, 0.39, rgba(face))
    for k in range(12):
        ang = 2 * math.pi * k / 12
        r0 = 0.31 if k % 3 else 0.28
        pen.line(
            [
                (0.5 + r0 * math.cos(ang), 0.5 + r0 * math.sin(ang)),
                (0.5 + 0.36 * math.cos(ang), 0.5 + 0.36 * math.sin(ang)),
            ],
            0.02 if k % 3 else 0.035,
            rgba(m.ink),
        )
    sprite = finish(pen, pick, stage)
    ink = yuv(mix(m.ink, (30, 20, 20), 0.5))
    red = yuv((200, 50, 40))
    fast = 2 * math.pi / (2.5 / m.pace)
    r = d / 2
    start = float(stage.rng.uniform(0, 6.28))
    bob = 0.0 if slot.role == "wall" else d * 0.04

    def hand(cx: float, cy: float, ang: float, length: float, width: float):
        ca, sa = math.cos(ang), math.sin(ang)
        px, py = -sa * width, ca * width
        tip = (cx + ca * length, cy + sa * length)
        back = (cx - ca * length * 0.15, cy - sa * length * 0.15)
        return [(back[0] + px, back[1] + py), (tip[0], tip[1]), (back[0] - px, back[1] - py)]

    def draw(canvas: Canvas, t: float, cam: Cam) -> None:
        x = slot.cx - cam.x * slot.parallax
        y = slot.base - cam.y * slot.parallax + math.sin(t * 0.8) * bob
        canvas.paste(sprite, x - d / 2, y - d / 2)
        canvas.polygons(
            [
                (hand(x, y, start + fast * t / 12, r * 0.48, r * 0.06), ink),
                (hand(x, y, start * 2 + fast * t, r * 0.7, r * 0.04), ink),
                (hand(x, y, fast * 4 * t, r * 0.74, r * 0.015), red),
            ]
        )

    return [Custom(fn=draw, z=slot.z if slot.role == "wall" else 1.8)]


# --- key -----------------------------------------------------------------------------------


@motif("key", "sky", height=0.46, width=0.5)
def key(stage: Stage, slot: Slot, pick: Pick) -> list[Layer]:
    """A big ornate key, floating and swinging, glinting now and then."""
    m = stage.mood
    h = even(slot.size)
    pen = Pen(even(h * 0.5), h)
    a = pen.aspect
    cx = a / 2
    gold = main_colour(pick, (226, 180, 70))
    dark = mix(gold, m.ink, 0.45)
    light = mix(gold, (255, 255, 255), 0.45)
    pen.circle(cx, 0.17, 0.15, rgba(gold))
    pen.circle(cx, 0.17, 0.08, (0, 0, 0, 0))
    for ang in (0, 120, 240):
        px = cx + 0.13 * math.cos(math.radians(ang - 90))
        py = 0.17 + 0.13 * math.sin(math.radians(ang - 90))
        pen.circle(px, py, 0.05, rgba(gold))
    pen.rect(cx - 0.035, 0.3, cx + 0.035, 0.95, rgba(gold))
    pen.rect(cx - 0.06, 0.34, cx + 0.06, 0.37, rgba(gold))
    pen.rect(cx + 0.03, 0.78, cx + 0.15, 0.83, rgba(gold))
    pen.rect(cx + 0.03, 0.88, cx + 0.12, 0.94, rgba(gold))
    pen.line([(cx - 0.02, 0.32), (cx - 0.02, 0.92)], 0.012, rgba(light))
    pen.line([(cx + 0.02, 0.32), (cx + 0.02, 0.92)], 0.01, rgba(dark, 0.7))
    base_img = pen.rgba()
    if pick.glass:
        base_img = glaze(base_img, stage)
    frames = [Sprite.from_rgba(rotated(base_img, d)) for d in (-24, -16, -8, 0, 8, 16, 24)]
    halo = glow_sprite(h * 0.5, m.glow, 0.45)
    sparkle = sparkle_sprite(h * 0.22, (255, 250, 220))

    def path(t: float) -> tuple[float, float, int, float]:
        swing = math.sin(t * 1.1 * m.pace)
        return slot.cx, slot.base + math.sin(t * 0.8) * h * 0.05, round((swing + 1) * 3), 1.0

    def glint(canvas: Canvas, t: float, cam: Cam) -> None:
        phase = (t * 0.5) % 1.0
        if phase < 0.25:
            a_ = math.sin(math.pi * phase / 0.25)
            x = slot.cx - cam.x * slot.parallax + h * 0.05
            y = slot.base - cam.y * slot.parallax - h * 0.3 + phase * 4 * h * 0.6
            canvas.paste(sparkle, x - sparkle.width / 2, y - sparkle.height / 2, a_)

    return [
        Still(
            halo,
            x=slot.cx - halo.width / 2,
            y=slot.base - halo.height / 2,
            z=1.79,
            parallax=slot.parallax,
            alpha=lambda t: 0.6 + 0.2 * math.sin(t),
        ),
        Flip(frames=frames, path=path, z=1.8, parallax=slot.parallax),
        Custom(fn=glint, z=1.81),
    ]


# --- birds ---------------------------------------------------------------------------------


def _bird_frames(size: float, colour, gull: bool) -> list[Sprite]:
    frames = []
    for lift in (-0.35, -0.1, 0.2, -0.1):
        w = even(size * 2)
        h = even(size)
        pen = Pen(w, h)
        a = pen.aspect
        cx = a / 2
        wing = 0.06
        pen.line(
            [(cx - 0.9, 0.5 + lift), (cx - 0.45, 0.5 + lift * 0.4 - 0.05), (cx - 0.05, 0.55)],
            wing,
            rgba(colour),
        )
        pen.line(
            [(cx + 0.9, 0.5 + lift), (cx + 0.45, 0.5 + lift * 0.4 - 0.05), (cx + 0.05, 0.55)],
            wing,
            rgba(colour),
        )
        pen.ellipse(cx, 0.57, 0.16, 0.08, rgba(colour))
        if gull:
            pen.line(
                [(cx - 0.9, 0.5 + lift), (cx - 0.7, 0.5 + lift * 0.75)],
                wing * 1.1,
                rgba((60, 60, 70)),
            )
            pen.line(
                [(cx + 0.9, 0.5 + lift), (cx + 0.7, 0.5 + lift * 0.75)],
                wing * 1.1,
                rgba((60, 60, 70)),
            )
        frames.append(pen.sprite())
    return frames


@motif("bird", "sky", height=0.085, width=2.0)
def bird(stage: Stage, slot: Slot, pick: Pick) -> list[Layer]:
    """A flock crossing the sky: in on one side, out on the other."""
    m = stage.mood
    rng = np.random.default_rng(int(stage.rng.integers(1 << 30)))
    hero = slot.role == "hero"
    gull = stage.setting == "sea" and not stage.night and pick.tint is None
    colour = main_colour(pick, (236, 236, 240) if gull else mix(m.ink, m.sky[1], 0.25))
    n = 7 if hero else 5
    sizes = [slot.size * s for s in (0.6, 0.8, 1.0)]
    frame_sets = [_bird_frames(s, colour, gull) for s in sizes]
    frames = [f for fs in frame_sets for f in fs]
    W = stage.width
    direction = 1 if rng.uniform() < 0.5 else -1
    depth = rng.integers(0, 3, n)
    # A V of birds: the leader ahead, the others behind on both sides.
    rank = np.arange(n)
    side = np.where(rank % 2 == 0, 1, -1)
    back = (rank + 1) // 2
    off_x = -direction * back * slot.size * 1.6
    off_y = side * back * slot.size * 0.7 + rng.normal(0, slot.size * 0.15, n)
    speed = direction * (W * 1.25) / max(2.5, stage.duration * (0.8 if hero else 0.6))
    start = W / 2 - direction * W * 0.62 if not hero else slot.cx - speed * stage.duration / 2
    flap = rng.uniform(0, 4, n)

    def positions(t: float):
        x = start + speed * t + off_x + np.sin(t * 0.8 + rank) * slot.size * 0.2
        y = slot.base + off_y + np.sin(t * 1.1 + rank * 0.7) * slot.size * 0.3
        index = depth * 4 + (np.floor(flap + t * 7 * m.pace).astype(int) % 4)
        return x, y, index, np.ones(n)

    return [
        Swarm(
            frames=frames,
            positions=positions,
            z=1.9 if not hero else slot.z,
            parallax=slot.parallax * 0.5,
        )
    ]


# --- ghost ---------------------------------------------------------------------------------


@motif("ghost", "sky", height=0.4, width=0.75)
def ghost(stage: Stage, slot: Slot, pick: Pick) -> list[Layer]:
    m = stage.mood
    sheet = main_colour(pick, mix((240, 244, 250), m.light, 0.3))
    frames = []
    for k in range(4):
        pen = Pen(even(slot.size * 0.75), even(slot.size))
        a = pen.aspect
        cx = a / 2
        pen.glow(cx, 0.45, 0.55, m.glow, 0.5)
        body = pen.overlay()
        hem = []
        for i in range(25):
            u = i / 24
            x = cx + (u - 0.5) * 0.62
            y = 0.9 + 0.06 * math.sin(u * 4 * math.pi + k * math.pi / 2)
            hem.append((x, y))
        outline = (
            [(cx - 0.31, 0.9)]
            + [(cx - 0.31, 0.4)]
            + [
                (cx + 0.31 * math.cos(math.pi * (1 - u)), 0.4 - 0.3 * math.sin(math.pi * u))
                for u in np.linspace(0, 1, 30)
            ]
            + [(cx + 0.31, 0.9)]
            + hem[::-1]
        )
        body.poly(outline, rgba(sheet))
        body.ellipse(cx - 0.1, 0.33, 0.045, 0.07, rgba(m.ink))
        body.ellipse(cx + 0.1, 0.33, 0.045, 0.07, rgba(m.ink))
        body.ellipse(cx, 0.5, 0.05, 0.07, rgba(m.ink))
        pen.merge(body, 0.82)
        frames.append(pen.sprite())
    h = frames[0].height
    drift = stage.width * 0.12 * (1 if stage.rng.uniform() < 0.5 else -1)

    def path(t: float) -> tuple[float, float, int, float]:
        x = slot.cx + drift * (t / stage.duration - 0.5)
        y = slot.base + math.sin(t * 1.3) * h * 0.08
        return x, y, int(t * 6), 0.85 + 0.15 * math.sin(t * 2.1)

    return [
        Flip(
            frames=frames,
            path=path,
            z=slot.z if slot.role != "sky" else 1.85,
            parallax=slot.parallax,
        )
    ]


# --- fish ----------------------------------------------------------------------------------


def _fish_image(size: float, body, fin, ink) -> Image.Image:
    pen = Pen(even(size * 2.2), even(size))
    a = pen.aspect
    pen.poly([(0.25, 0.5), (0.02, 0.15), (0.1, 0.5), (0.02, 0.85)], rgba(fin))
    pen.ellipse(a * 0.55, 0.5, a * 0.4, 0.34, rgba(body))
    pen.poly([(a * 0.5, 0.2), (a * 0.62, 0.02), (a * 0.72, 0.22)], rgba(fin))
    pen.ellipse(a * 0.6, 0.62, a * 0.25, 0.1, rgba(mix(body, (255, 255, 255), 0.35)))
    pen.circle(a * 0.8, 0.42, 0.07, rgba((250, 250, 250)))
    pen.circle(a * 0.81, 0.42, 0.04, rgba(ink))
    return pen.rgba()


@motif("fish", "sky", height=0.12, width=2.2)
def fish(stage: Stage, slot: Slot, pick: Pick) -> list[Layer]:
    """At sea, fish leap from the water in arcs; elsewhere a school swims through the air."""
    m = stage.mood
    rng = np.random.default_rng(int(stage.rng.integers(1 << 30)))
    body = main_colour(pick, (236, 120, 60) if stage.setting != "sea" else (190, 206, 220))
    body = lit(stage, body, depth=0.1)
    fin = mix(body, m.accent, 0.4)
    image = _fish_image(slot.size, body, fin, m.ink)
    W, H = stage.width, stage.height
    if stage.setting == "sea":
        angles = list(range(-60, 61, 20))
        frames = [Sprite.from_rgba(rotated(image, a)) for a in angles]
        n = 3
        jumps = rng.uniform(0, 1, n)
        xs = slot.cx + rng.uniform(-0.3, 0.3, n) * W
        span = rng.uniform(0.1, 0.18, n) * W
        height = rng.uniform(0.1, 0.18, n) * H
        water = stage.horizon + (H - stage.horizon) * rng.uniform(0.2, 0.5, n)
        period = 2.4 / m.pace

        def positions(t: float):
            u = np.mod(t / period + jumps, 1.0) * 1.6  # leap for 1, under water for 0.6
            up = np.clip(u, 0, 1)
            x = xs + span * (up - 0.5)
            y = water - height * 4 * up * (1 - up)
            slope = -np.arctan2(height * 4 * (1 - 2 * up), span) * 180 / np.pi
            index = np.clip(np.rint((slope + 60) / 20), 0, len(angles) - 1).astype(int)
            alpha = np.where(u <= 1.0, np.clip(np.minimum(up, 1 - up) * 12, 0, 1), 0.0)
            return x, y, index, alpha

        return [Swarm(frames=frames, positions=positions, z=3.0 + 0.3, parallax=0.8)]
    frames = [Sprite.from_rgba(image)]
    n = 6
    off = rng.normal(0, 1, (2, n))
    speed = W * 0.12 * m.pace

    def school(t: float):
        x = slot.cx + speed * (t - stage.duration / 2) + off[0] * slot.size * 2.5
        y = slot.base + off[1] * slot.size * 1.5 + np.sin(t * 2 + off[0] * 3) * slot.size * 0.3
        return x, y, np.zeros(n, int), np.ones(n)

    return [Swarm(frames=frames, positions=school, z=1.85, parallax=slot.parallax)]
