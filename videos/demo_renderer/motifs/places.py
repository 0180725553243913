"""Places: the ground a scene stands on (land, sea, garden, road, a hallway, a classroom)
and the bands far behind it (mountains, forest, city)."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from videos.demo_renderer.canvas import RGB, Canvas, Pen, Point, Sprite, mix, yuv
from videos.demo_renderer.layers import Base, Cam, Custom, Layer, Stage, Still, Swarm, Tiled
from videos.demo_renderer.motifs.common import (
    even,
    glow_sprite,
    lit,
    place,
    rgba,
    ridge_rgba,
    smooth_noise,
)
from videos.demo_renderer.symbols import Pick
from videos.demo_renderer.titlecard import chalk_text

# --- helpers -------------------------------------------------------------------------------


def ground_colour(stage: Stage, y: np.ndarray | float) -> np.ndarray:
    """The bare ground's colour at frame row(s) ``y`` (the base's gradient)."""
    d = np.clip((np.asarray(y, np.float32) - stage.horizon) / (stage.height - stage.horizon), 0, 1)
    far, near = (np.array(c, np.float32) for c in stage.mood.land)
    d = d[..., None] ** 0.8
    return far + (near - far) * d


def paint_ground(stage: Stage, base: Base, far: RGB, near: RGB) -> None:
    ys = base.ys
    d = np.clip((ys - stage.horizon) / (stage.height - stage.horizon), 0, 1) ** 0.8
    below = ys[:, 0] >= stage.horizon
    colours = (
        np.array(far, np.float32)
        + (np.array(near, np.float32) - np.array(far, np.float32)) * d[..., None]
    )
    base.rgb[below] = colours[below].reshape(-1, 1, 3)


def paint_polygon(base: Base, points: list[Point], colour: RGB, alpha: float = 1.0) -> None:
    """Fill a polygon given in frame pixels on the base, anti-aliased (2x supersampled)."""
    h, w = base.rgb.shape[:2]
    m = base.margin
    mask = Image.new("L", (w * 2, h * 2), 0)
    ImageDraw.Draw(mask).polygon([((x + m) * 2, (y + m) * 2) for x, y in points], fill=255)
    a = np.asarray(mask.resize((w, h), Image.Resampling.BOX), np.float32)[..., None] / 255 * alpha
    base.rgb += (np.array(colour, np.float32) - base.rgb) * a


def band(stage: Stage, sprite: Sprite, top: float, z: float, parallax: float) -> Still:
    left, _ = stage.span(parallax)
    return Still(sprite=sprite, x=left, y=top, z=z, parallax=parallax)


def hills(
    stage: Stage, parallax: float, rise: float, below: float, haze: float, z: float, seed: int
) -> Still:
    """A band of rolling hills whose ridge rises ``rise`` (frame heights) over the horizon."""
    rng = np.random.default_rng(seed)
    left, width = stage.span(parallax)
    H = stage.height
    up, down = int(rise * H), int(below * H)
    height = even(up + down)
    wave = smooth_noise(
        rng,
        width,
        [(max(1, width // 500), 1.0), (max(2, width // 220), 0.45), (max(3, width // 90), 0.12)],
    )
    wave = (wave - wave.min()) / max(1e-3, np.ptp(wave))
    heights = down + up * (0.35 + 0.65 * wave)
    bottom_row = stage.horizon + down
    ground = ground_colour(stage, bottom_row)
    top = mix(stage.mood.land[0], stage.mood.haze, haze)
    rim = mix(top, stage.mood.glow, 0.25)
    arr = ridge_rgba(
        heights,
        height,
        mix(top, rim, 0.5),
        tuple(ground),
        cap=(np.full(width, max(1.5, H * 0.004)), rim),
    )
    return Still(
        sprite=Sprite.from_arrays(arr), x=left, y=stage.horizon - up, z=z, parallax=parallax
    )


def grass_strip(stage: Stage, seed: int, height_frac: float = 0.13, flowers: float = 0.0) -> Tiled:
    """Foreground grass (and flowers) sliding past fastest, tiled sideways."""
    rng = np.random.default_rng(seed)
    H, W = stage.height, stage.width
    height = even(H * height_frac)
    period = even(W * 0.6)
    pen = Pen(period, height, ss=2)
    aspect = pen.aspect
    m = stage.mood
    if stage.snowy:
        snow = mix(m.land[1], (255, 255, 255), 0.25)
        shade = mix(m.land[1], m.sky[0], 0.35)
        pen.rect(0, 0.7, aspect, 1.0, rgba(shade))
        x = 0.0
        while x < aspect:
            r = rng.uniform(0.25, 0.5)
            for dx in (-aspect, 0, aspect):
                pen.ellipse(x + dx, 0.78, r * 1.6, r * 0.5, rgba(shade))
                pen.ellipse(x + dx - 0.05, 0.76, r * 1.5, r * 0.45, rgba(snow))
            x += r * 2.2
        for _ in range(int(14 * aspect)):
            x = rng.uniform(0, aspect)
            for dx in (-aspect, 0, aspect):
                pen.line(
                    [(x + dx, 0.75), (x + dx + rng.uniform(-0.05, 0.05), 0.5)],
                    0.012,
                    rgba(mix(m.ink, shade, 0.4)),
                )
        return Tiled(sprite=pen.sprite(), y=H - height + 2, z=4.6, parallax=1.35)
    dark = mix(m.land[1], m.ink, 0.45)
    mid = mix(m.land[1], m.land[0], 0.25)
    pen.rect(0, 0.72, aspect, 1.0, rgba(dark))
    for _ in range(int(110 * aspect)):
        x = rng.uniform(0, aspect)
        h = rng.uniform(0.25, 0.95)
        lean = rng.uniform(-0.12, 0.12)
        w = rng.uniform(0.012, 0.03)
        colour = mix(dark, mid, rng.uniform(0, 0.8))
        for dx in (-aspect, 0, aspect):  # draw across the seam so the tile wraps
            pen.poly([(x + dx - w, 1.0), (x + dx + lean, 1.0 - h), (x + dx + w, 1.0)], rgba(colour))
    if flowers > 0:
        palette = [
            m.accent,
            mix(m.accent, m.light, 0.5),
            m.light,
            mix(m.accent, (120, 80, 220), 0.5),
        ]
        for _ in range(int(26 * aspect * flowers)):
            x = rng.uniform(0, aspect)
            y = rng.uniform(0.3, 0.75)
            r = rng.uniform(0.035, 0.07)
            c = lit(stage, palette[int(rng.integers(len(palette)))], depth=0.0)
            for dx in (-aspect, 0, aspect):
                pen.line([(x + dx, y), (x + dx + 0.01, 1.0)], 0.012, rgba(dark))
                for k in range(5):
                    a = 2 * math.pi * k / 5
                    pen.circle(
                        x + dx + r * 0.55 * math.cos(a),
                        y + r * 0.55 * math.sin(a),
                        r * 0.5,
                        rgba(c),
                    )
                pen.circle(x + dx, y, r * 0.35, rgba(mix(m.light, (250, 210, 80), 0.6)))
    return Tiled(sprite=pen.sprite(), y=H - height + 2, z=4.6, parallax=1.35)


def mist_layers(stage: Stage, amount: float, seed: int) -> list[Layer]:
    """Slow banks of mist drifting over the ground (eerie and sad moods)."""
    from videos.demo_renderer.motifs.common import soft_band

    if amount <= 0.05:
        return []
    H, W = stage.height, stage.width
    colour = mix(stage.mood.haze, stage.mood.light, 0.25)
    out: list[Layer] = []
    for i in range(2):
        height = even(H * (0.16 + 0.06 * i))
        sprite = soft_band(even(W * 1.3), height, colour, 0.18 + 0.3 * amount, seed + i)
        y = stage.horizon - height * 0.45 + i * H * 0.08
        speed = (8 + 10 * i) * (1 if i % 2 else -1) * stage.mood.pace * W / 640
        out.append(
            Tiled(
                sprite=sprite,
                y=y,
                z=3.3 + 1.0 * i,
                parallax=0.5 + 0.6 * i,
                speed=speed,
                offset=i * W * 0.4,
            )
        )
    return out


# --- settings ------------------------------------------------------------------------------


@place("land")
def land(stage: Stage, base: Base, pick: Pick) -> list[Layer]:
    m = stage.mood
    paint_ground(stage, base, m.land[0], m.land[1])
    seed = int(stage.rng.integers(1 << 30))
    return [
        hills(stage, 0.3, 0.07, 0.03, 0.45, 3.02, seed),
        hills(stage, 0.55, 0.045, 0.1, 0.15, 3.1, seed + 1),
        grass_strip(stage, seed + 2, flowers=0.15 if not stage.night else 0.0),
        *mist_layers(stage, m.fog, seed + 3),
    ]


@place("street")
def street(stage: Stage, base: Base, pick: Pick) -> list[Layer]:
    """Streets under a city: a dark plaza, lamps along it, low roofs sliding past in front."""
    m = stage.mood
    far = mix(lit(stage, (96, 98, 112)), m.haze, 0.45)
    near = mix(lit(stage, (48, 48, 58)), m.ink, 0.35)
    paint_ground(stage, base, far, near)
    H, W = stage.height, stage.width
    seed = int(stage.rng.integers(1 << 30))
    rng = np.random.default_rng(seed)
    layers: list[Layer] = []
    # Lamps along the street.
    if stage.night:
        halo = glow_sprite(H * 0.035, m.light, 0.9)
        n = 14
        xs = np.linspace(-0.2, 1.2, n) * W + rng.uniform(-10, 10, n)
        ys = np.full(n, stage.horizon + (H - stage.horizon) * 0.18)

        def lamps(t: float):
            return xs, ys, np.zeros(n, int), np.full(n, 0.8)

        layers.append(Swarm(frames=[halo], positions=lamps, z=3.2, parallax=0.7))
    # Roofs in front: dark, a few lit windows, sliding past fastest.
    height = even(H * (0.2 if "flight" in stage.words else 0.14))
    period = even(W * 1.2)
    pen = Pen(period, height, ss=2)
    a = pen.aspect
    roof = mix(near, m.ink, 0.5)
    window = m.light if stage.night else mix(m.sky[1], (255, 255, 255), 0.3)
    x = 0.0
    while x < a:
        w = rng.uniform(0.5, 1.1)
        top = rng.uniform(0.15, 0.55)
        pts = [(x, 1.0), (x, top)]
        if rng.uniform() < 0.5:
            pts.append((x + w / 2, top - rng.uniform(0.1, 0.25)))
        pts += [(x + w, top), (x + w, 1.0)]
        pen.poly(pts, rgba(roof))
        for _ in range(int(rng.integers(0, 3))):
            wx = x + rng.uniform(0.1, max(0.15, w - 0.2))
            wy = rng.uniform(top + 0.08, 0.85)
            pen.rect(wx, wy, wx + 0.08, wy + 0.1, rgba(window, 0.9))
        if rng.uniform() < 0.3:
            cx = x + rng.uniform(0.1, w - 0.1)
            pen.rect(cx, top - 0.18, cx + 0.07, top + 0.02, rgba(roof))
        x += w
    layers.append(Tiled(sprite=pen.sprite(), y=H - height + 2, z=4.6, parallax=1.4))
    layers.extend(mist_layers(stage, m.fog * 0.5, seed + 3))
    return layers


@place("garden")
def garden(stage: Stage, base: Base, pick: Pick) -> list[Layer]:
    m = stage.mood
    greener = (mix(m.land[0], (110, 180, 90), 0.35), mix(m.land[1], (40, 120, 50), 0.35))
    paint_ground(stage, base, *greener)
    seed = int(stage.rng.integers(1 << 30))
    rng = np.random.default_rng(seed)
    # A hedge along the back of the garden: round bushes in a row.
    parallax = 0.5
    left, width = stage.span(parallax)
    H = stage.height
    height = even(H * 0.16)
    pen = Pen(width, height, ss=2)
    hedge = lit(stage, (60, 120, 60), depth=0.3)
    light = mix(hedge, m.glow, 0.25)
    x = 0.0
    aspect = pen.aspect
    while x < aspect + 0.2:
        r = rng.uniform(0.28, 0.45)
        pen.circle(x, 0.62, r, rgba(hedge))
        pen.circle(x - r * 0.25, 0.55, r * 0.55, rgba(light))
        pen.circle(x + r * 0.05, 0.6, r * 0.62, rgba(hedge))
        x += r * rng.uniform(0.9, 1.3)
    pen.rect(0, 0.62, aspect, 1.0, rgba(hedge))
    hedge_layer = Still(
        pen.sprite(), x=left, y=stage.horizon - height * 0.55, z=3.05, parallax=parallax
    )
    return [
        hills(stage, 0.3, 0.06, 0.03, 0.5, 3.01, seed),
        hedge_layer,
        grass_strip(stage, seed + 2, height_frac=0.16, flowers=1.0),
        *mist_layers(stage, m.fog * 0.5, seed + 3),
    ]


@place("sea")
def sea(stage: Stage, base: Base, pick: Pick) -> list[Layer]:
    m = stage.mood
    H, W = stage.height, stage.width
    ys = base.ys
    d = np.clip((ys - stage.horizon) / (H - stage.horizon), 0, 1)
    far = np.array(m.water[0], np.float32)
    near = np.array(m.water[1], np.float32)
    water = far + (near - far) * (d**0.6)[..., None]
    # The sky's glow lies on the water just under the horizon.
    water += (np.array(m.glow, np.float32) - water) * (0.45 * np.exp(-d / 0.06))[..., None]
    below = ys[:, 0] >= stage.horizon
    base.rgb[below] = water[below].reshape(-1, 1, 3)
    line = np.abs(ys[:, 0] - stage.horizon) < max(1.0, H * 0.002)
    base.rgb[line] = base.rgb[line] * 0.4 + np.array(m.glow, np.float32) * 0.6

    seed = int(stage.rng.integers(1 << 30))
    rng = np.random.default_rng(seed)
    layers: list[Layer] = []
    crest = mix(m.water[0], (255, 255, 255), 0.45)
    trough = mix(m.water[1], m.ink, 0.4)
    rows = 9
    for i in range(rows):
        depth = ((i + 1) / rows) ** 1.6
        period = even(W * (0.5 + 0.6 * depth))
        height = even(max(4, H * (0.01 + 0.05 * depth)))
        pen = Pen(period, height, ss=3)
        aspect = pen.aspect
        count = int(rng.integers(3, 6)) + int(4 * (1 - depth))
        for _ in range(count):
            cx = rng.uniform(0, aspect)
            rx = aspect / count * rng.uniform(0.15, 0.45)
            cy = rng.uniform(0.4, 0.6)
            for dx in (-aspect, 0, aspect):
                pen.ellipse(cx + dx, cy + 0.1, rx, 0.3, rgba(trough, 0.3))
                pen.ellipse(cx + dx, cy, rx * 0.9, 0.26, rgba(crest, 0.55 + 0.3 * depth))
                pen.ellipse(cx + dx, cy + 0.16, rx * 0.95, 0.28, (0, 0, 0, 0))
        y = stage.horizon + (H - stage.horizon) * depth - height * 0.6
        speed = (6 + 40 * depth) * m.pace * W / 640 * (1 if i % 2 else -1) * rng.uniform(0.7, 1.2)
        layers.append(
            Tiled(
                sprite=pen.sprite(),
                y=y,
                z=3.0 + depth,
                parallax=0.2 + 1.0 * depth,
                speed=speed,
                offset=rng.uniform(0, period),
                bob=(H * 0.006 * depth * m.pace, 0.35 + 0.3 * rng.uniform(), rng.uniform(0, 6.28)),
                alpha=0.85,
            )
        )
    # A dark swell in the very front, sliding past.
    height = even(H * 0.09)
    period = even(W * 0.9)
    pen = Pen(period, height, ss=2)
    aspect = pen.aspect
    swell = mix(m.water[1], m.ink, 0.25)
    pts = [(0.0, 1.0)]
    for k in range(41):
        x = aspect * k / 40
        pts.append((x, 0.45 + 0.25 * math.sin(2 * math.pi * 2 * k / 40)))
    pts.append((aspect, 1.0))
    pen.poly(pts, rgba(swell, 0.95))
    pen.line(pts[1:-1], 0.06, rgba(crest, 0.5))
    layers.append(
        Tiled(
            sprite=pen.sprite(),
            y=H - height + 2,
            z=4.7,
            parallax=1.4,
            speed=-20 * m.pace * W / 640,
            bob=(H * 0.008, 0.3, 0.0),
        )
    )
    layers.extend(glitter(stage, seed + 5))
    layers.extend(mist_layers(stage, m.fog * 0.7, seed + 7))
    return layers


def glitter(stage: Stage, seed: int) -> list[Layer]:
    """The sun's or moon's path on the water: short dashes that twinkle."""
    if stage.celestial is None:
        return []
    cx, _ = stage.celestial
    rng = np.random.default_rng(seed)
    H, W = stage.height, stage.width
    n = 36
    u = rng.uniform(0, 1, n) ** 1.3
    ys = stage.horizon + 3 + (H - stage.horizon) * u
    spread = (0.015 + 0.12 * u) * W
    xs = cx + rng.normal(0, 1, n) * spread
    phase = rng.uniform(0, 2 * np.pi, n)
    omega = rng.uniform(2.0, 5.0, n)
    frames = []
    colour = mix(stage.mood.light, (255, 255, 255), 0.4)
    for k in range(3):
        w = even(W * (0.01 + 0.012 * k))
        h = even(max(2, H * 0.004 * (1 + k * 0.5)))
        pen = Pen(w, h, ss=3)
        pen.ellipse(pen.aspect / 2, 0.5, pen.aspect / 2, 0.5, rgba(colour, 0.9))
        frames.append(pen.sprite())
    size = np.minimum(2, (u * 3).astype(int))
    level = 0.9 if stage.night else 0.75

    def positions(t: float):
        a = np.clip(0.35 + 0.8 * np.sin(omega * t + phase), 0, 1) * level * (1 - 0.4 * u)
        return xs + 4 * np.sin(t * 0.9 + phase), ys, size, a

    return [Swarm(frames=frames, positions=positions, z=3.0 + 0.001, parallax=0.06)]


@place("road")
def road(stage: Stage, base: Base, pick: Pick) -> list[Layer]:
    m = stage.mood
    paint_ground(stage, base, m.land[0], m.land[1])
    H, W = stage.height, stage.width
    vx = W * 0.5
    hz = stage.horizon
    half = W * 0.55
    asphalt = mix(lit(stage, (70, 70, 76)), m.ink, 0.2)
    far_asphalt = mix(asphalt, m.haze, 0.55)
    # The road: a trapezoid to the vanishing point, hazier far away.
    ys = base.ys
    xs = base.xs
    d = np.clip((ys - hz) / (H - hz), 0, 1)
    edge = half * d
    inside = (np.abs(xs - vx) < edge) & (ys >= hz)
    colour = (
        np.array(far_asphalt, np.float32)
        + (np.array(asphalt, np.float32) - np.array(far_asphalt, np.float32)) * d[..., None] ** 0.5
    )
    base.rgb[:] = np.where(inside[..., None], colour, base.rgb)
    line = mix(m.light, (255, 255, 255), 0.3)
    for side in (-1, 1):
        paint_polygon(
            base,
            [
                (vx + side * 1, hz),
                (vx + side * 3, hz),
                (vx + side * (half * 0.96), H + 2),
                (vx + side * (half * 0.9), H + 2),
            ],
            mix(line, far_asphalt, 0.3),
            0.85,
        )
    seed = int(stage.rng.integers(1 << 30))
    rng = np.random.default_rng(seed)
    dash = yuv(mix(line, (250, 220, 120), 0.4))
    speed = 0.55 * m.pace
    n_dash = 7

    def perspective(z: float) -> float:
        return hz + (H - hz) / z

    def draw_road(canvas: Canvas, t: float, cam: Cam) -> None:
        shapes = []
        for k in range(n_dash):
            s = (k / n_dash + speed * t / 3.0) % 1.0  # 0 far .. 1 near
            z = 1.0 / max(0.02, s)
            z0, z1 = z, z * 1.35
            y0, y1 = perspective(z0 * 0.8), perspective(z1 * 0.8)
            w0 = half * (y0 - hz) / (H - hz) * 0.03
            w1 = half * (y1 - hz) / (H - hz) * 0.03
            x = vx - cam.x * 0.0
            shapes.append(([(x - w0, y0), (x + w0, y0), (x + w1, y1), (x - w1, y1)], dash))
        canvas.polygons(shapes)

    # Posts on both sides (lamp posts at night), coming toward us and leaving the frame.
    scales = [0.12 + 0.13 * i for i in range(12)]
    post_frames = [_post_sprite(stage, H * 0.55 * s) for s in scales]
    n_posts = 6
    phase = rng.uniform(0, 1)

    def posts(t: float):
        k = np.arange(n_posts)
        s = np.mod(k / n_posts + phase + speed * t / 4.0, 1.0) ** 2.2
        z = 1.0 / np.maximum(0.04, s)
        y = hz + (H - hz) / z * 1.05
        side = np.where(k % 2 == 0, -1.0, 1.0)
        x = vx + side * half * (y - hz) / (H - hz) * 1.25
        idx = np.clip(np.rint((1.0 / z) * (len(scales) - 1)), 0, len(scales) - 1).astype(int)
        heights = np.array([post_frames[i].height for i in idx.tolist()], np.float32)
        alpha = np.clip(s * 6, 0, 1)
        return x, y - heights / 2, idx, alpha

    return [
        hills(stage, 0.3, 0.06, 0.02, 0.5, 3.01, seed),
        Custom(fn=draw_road, z=3.05),
        Swarm(frames=post_frames, positions=posts, z=4.4, parallax=0.0),
        *mist_layers(stage, m.fog * 0.6, seed + 3),
    ]


def _post_sprite(stage: Stage, height: float) -> Sprite:
    h = even(max(8, height))
    w = even(max(4, h * 0.3))
    pen = Pen(w, h)
    aspect = pen.aspect
    pole = mix(stage.mood.ink, stage.mood.land[1], 0.3)
    cx = aspect / 2
    pen.rect(cx - 0.012, 0.1, cx + 0.012, 1.0, rgba(pole))
    if stage.night:
        pen.glow(cx, 0.1, 0.12, stage.mood.light, 0.9)
        pen.rect(cx - 0.05, 0.06, cx + 0.05, 0.11, rgba(pole), r=0.02)
        pen.ellipse(cx, 0.12, 0.035, 0.015, rgba(stage.mood.light))
    else:
        pen.rect(cx - 0.05, 0.08, cx + 0.05, 0.11, rgba(pole), r=0.02)
    return pen.sprite()


@place("hallway")
def hallway(stage: Stage, base: Base, pick: Pick) -> list[Layer]:
    """A corridor in one-point perspective whose doors and lamps keep coming at us."""
    m = stage.mood
    H, W = stage.height, stage.width
    vx, vy = W * 0.5, H * 0.47
    A, B, C = W * 0.62, vy, H - vy
    far_z = 14.0
    wall = lit(stage, mix((196, 184, 160), m.sky[1], 0.35))
    wain = lit(stage, mix((120, 96, 80), m.accent, 0.2))
    floor = lit(stage, (118, 84, 60))
    ceiling = lit(stage, mix((210, 204, 190), m.sky[0], 0.3))
    dark_end = (
        m.ink if stage.mood.name in ("tense", "eerie", "melancholy", "uneasy", "angry") else m.light
    )
    ys, xs = base.ys, base.xs
    dx = (xs - vx) / A
    up = (vy - ys) / B
    down = (ys - vy) / C
    reach = np.maximum(np.maximum(np.abs(dx), up), down)
    z = 1.0 / np.maximum(reach, 1.0 / far_z)
    is_wall = np.abs(dx) >= np.maximum(up, down)
    is_floor = (~is_wall) & (down >= up)
    # World coordinates on each surface, for patterns.
    wall_y = np.where(is_wall, (ys - vy) * z / C, 0)  # 1 at the floor, -B/C at the ceiling
    floor_x = np.where(is_floor, (xs - vx) * z / A, 0)
    rgb = np.empty(base.rgb.shape, np.float32)
    rgb[:] = np.array(ceiling, np.float32)
    rgb = np.where(is_wall[..., None], np.array(wall, np.float32), rgb)
    lower = is_wall & (wall_y > 0.45)
    rgb = np.where(lower[..., None], np.array(wain, np.float32), rgb)
    rail = is_wall & (np.abs(wall_y - 0.45) < 0.02)
    rgb = np.where(rail[..., None], np.array(mix(wain, m.light, 0.3), np.float32), rgb)
    boards = is_floor & (np.mod(floor_x * 6, 1.0) < 0.06)
    rgb = np.where(is_floor[..., None], np.array(floor, np.float32), rgb)
    rgb = np.where(boards[..., None], np.array(mix(floor, m.ink, 0.4), np.float32), rgb)
    # Light falls off with depth into the end colour; the far end itself is that colour.
    fog = np.clip((z - 1.0) / (far_z - 1.0), 0, 1) ** 0.7
    rgb += (np.array(dark_end, np.float32) - rgb) * fog[..., None]
    base.rgb[:] = rgb

    seed = int(stage.rng.integers(1 << 30))
    rng = np.random.default_rng(seed)
    spacing = 2.6
    # Doors pass at a pace from the mood, never a whole spacing per second (which would
    # make frames a second apart look alike).
    speed = spacing * (0.42 + 0.22 * min(1.6, m.pace))
    door_colour = lit(stage, mix((90, 60, 44), m.accent, 0.25))
    frame_colour = lit(stage, mix((210, 196, 170), m.light, 0.2))
    lamp = m.light
    levels = 24

    def fogged(colour: RGB, zz: float) -> tuple[int, int, int]:
        f = min(1.0, max(0.0, (zz - 1.0) / (far_z - 1.0))) ** 0.7
        return yuv(mix(colour, dark_end, f))

    door_yuv = [
        [fogged(c, 1 + (far_z - 1) * i / levels) for i in range(levels + 1)]
        for c in (door_colour, frame_colour)
    ]
    lamp_on = [fogged(lamp, 1 + (far_z - 1) * i / levels) for i in range(levels + 1)]
    lamp_off = [
        fogged(mix(lamp, m.ink, 0.6), 1 + (far_z - 1) * i / levels) for i in range(levels + 1)
    ]
    seam = [fogged(mix(floor, m.ink, 0.5), 1 + (far_z - 1) * i / levels) for i in range(levels + 1)]
    sides = rng.permutation([-1, 1, -1, 1, 1, -1])
    flick_seed = rng.uniform(0, 10, 12)

    def level_of(zz: float) -> int:
        return int(min(levels, max(0, round((zz - 1.0) / (far_z - 1.0) * levels))))

    def x_at(side: float, zz: float) -> float:
        return vx + side * A / zz

    def y_at(world_y: float, zz: float) -> float:
        return vy + world_y * C / zz

    def draw(canvas: Canvas, t: float, cam: Cam) -> None:
        shapes = []
        travel = speed * t
        count = int(far_z / spacing) + 2
        items = []
        for k in range(count):
            zz = (k * spacing - travel) % (count * spacing) + 0.35
            items.append((zz, k))
        for zz, k in sorted(items, reverse=True):
            if zz > far_z or zz < 0.3:
                continue
            side = float(sides[k % len(sides)])
            z0, z1 = zz, zz + 1.1
            lv = level_of(z0)
            ox = -cam.x * 0.2 + sway(t) * (1.0 / zz) * 3
            oy = -cam.y * 0.2
            # Door frame and door on the wall.
            top = -0.25
            frame = [
                (x_at(side, z0) + ox, y_at(top - 0.06, z0) + oy),
                (x_at(side, z1) + ox, y_at(top - 0.06, z1) + oy),
                (x_at(side, z1) + ox, y_at(1.0, z1) + oy),
                (x_at(side, z0) + ox, y_at(1.0, z0) + oy),
            ]
            inset = 0.12
            door = [
                (x_at(side, z0 + inset) + ox, y_at(top, z0 + inset) + oy),
                (x_at(side, z1 - inset) + ox, y_at(top, z1 - inset) + oy),
                (x_at(side, z1 - inset) + ox, y_at(1.0, z1 - inset) + oy),
                (x_at(side, z0 + inset) + ox, y_at(1.0, z0 + inset) + oy),
            ]
            shapes.append((frame, door_yuv[1][lv]))
            shapes.append((door, door_yuv[0][lv]))
            # A lamp on the ceiling between doors, and a seam across the floor.
            zl = zz + spacing / 2
            if zl < far_z:
                lvl = level_of(zl)
                on = flicker_on(t, flick_seed[k % len(flick_seed)])
                wl = 0.18
                lamp_quad = [
                    (vx - wl * A / zl + ox, vy - B / zl + oy),
                    (vx + wl * A / zl + ox, vy - B / zl + oy),
                    (vx + wl * A / (zl + 0.5) + ox, vy - B / (zl + 0.5) + oy),
                    (vx - wl * A / (zl + 0.5) + ox, vy - B / (zl + 0.5) + oy),
                ]
                shapes.append((lamp_quad, (lamp_on if on else lamp_off)[lvl]))
                seam_quad = [
                    (vx - A / zl + ox, vy + C / zl + oy),
                    (vx + A / zl + ox, vy + C / zl + oy),
                    (vx + A / (zl + 0.05) + ox, vy + C / (zl + 0.05) + oy),
                    (vx - A / (zl + 0.05) + ox, vy + C / (zl + 0.05) + oy),
                ]
                shapes.append((seam_quad, seam[lvl]))
        canvas.polygons(shapes)

    def sway(t: float) -> float:
        """The runner's head swaying: near things shift more than far ones."""
        return W * 0.012 * math.sin(t * 2.1 * m.pace)

    def flicker_on(t: float, s: float) -> bool:
        f = stage.mood.flicker
        if f <= 0.05:
            return True
        return math.sin(t * (3 + s) + s * 7) > -1 + 2 * (1 - f * 0.5) - 0.9

    return [Custom(fn=draw, z=3.0)]


@place("classroom")
def classroom(stage: Stage, base: Base, pick: Pick) -> list[Layer]:
    """A classroom: a blackboard with the dream's title in chalk, a window, rows of desks."""
    m = stage.mood
    H, W = stage.height, stage.width
    floor_y = H * 0.7
    wall = lit(stage, mix((214, 204, 176), m.sky[1], 0.3))
    floor = lit(stage, (136, 98, 66))
    ys, xs = base.ys, base.xs
    rgb = base.rgb
    shade = np.clip(1.0 - 0.25 * np.abs(xs - W / 2) / W, 0, 1)
    rgb[:] = (np.array(wall, np.float32) * shade[..., None]) * np.ones_like(ys)[..., None]
    below = ys[:, 0] >= floor_y
    d = np.clip((ys - floor_y) / (H - floor_y), 0, 1)
    floor_rgb = (
        np.array(mix(floor, m.ink, 0.3), np.float32)
        + (np.array(floor, np.float32) - np.array(mix(floor, m.ink, 0.3), np.float32))
        * d[..., None]
    )
    rgb[below] = (floor_rgb * np.ones_like(xs)[..., None])[below]
    skirting = np.abs(ys[:, 0] - floor_y) < H * 0.012
    rgb[skirting] = np.array(mix(wall, m.ink, 0.5), np.float32)
    # The blackboard, framed in wood, with the title in chalk.
    bx0, by0, bx1, by1 = W * 0.2, H * 0.16, W * 0.68, H * 0.52
    wood = lit(stage, (122, 84, 52))
    paint_polygon(
        base,
        [
            (bx0 - H * 0.015, by0 - H * 0.015),
            (bx1 + H * 0.015, by0 - H * 0.015),
            (bx1 + H * 0.015, by1 + H * 0.015),
            (bx0 - H * 0.015, by1 + H * 0.015),
        ],
        wood,
    )
    board = lit(stage, (40, 70, 56))
    paint_polygon(base, [(bx0, by0), (bx1, by0), (bx1, by1), (bx0, by1)], board)
    text = chalk_text(stage.title, int(bx1 - bx0), int(by1 - by0))
    if text is not None:
        base.blend(text, int(bx0), int(by0))
    # A window on the right: the mood's sky, crossed by its frame.
    wx0, wy0, wx1, wy1 = W * 0.76, H * 0.14, W * 0.95, H * 0.5
    sky_top, sky_mid, sky_bottom = (np.array(c, np.float32) for c in m.sky)
    inside = (xs >= wx0) & (xs <= wx1) & (ys >= wy0) & (ys <= wy1)
    f = np.clip((ys - wy0) / (wy1 - wy0), 0, 1)[..., None]
    sky = np.where(
        f < 0.6,
        sky_top + (sky_mid - sky_top) * f / 0.6,
        sky_mid + (sky_bottom - sky_mid) * (f - 0.6) / 0.4,
    )
    rgb[:] = np.where(inside[..., None], sky * np.ones_like(xs)[..., None], rgb)
    bar = lit(stage, (236, 230, 214))
    t = H * 0.012
    for x0, y0, x1, y1 in (
        (wx0 - t, wy0 - t, wx1 + t, wy0 + t),
        (wx0 - t, wy1 - t, wx1 + t, wy1 + t),
        (wx0 - t, wy0 - t, wx0 + t, wy1 + t),
        (wx1 - t, wy0 - t, wx1 + t, wy1 + t),
        ((wx0 + wx1) / 2 - t / 2, wy0, (wx0 + wx1) / 2 + t / 2, wy1),
        (wx0, (wy0 + wy1) / 2 - t / 2, wx1, (wy0 + wy1) / 2 + t / 2),
    ):
        paint_polygon(base, [(x0, y0), (x1, y0), (x1, y1), (x0, y1)], bar)
    # Sunlight (or moonlight) from the window lies on the floor.
    paint_polygon(
        base,
        [
            (wx0 - W * 0.02, floor_y + H * 0.01),
            (wx1, floor_y + H * 0.01),
            (wx1 - W * 0.22, H + 4),
            (wx0 - W * 0.42, H + 4),
        ],
        m.light,
        0.12,
    )

    layers: list[Layer] = []
    seed = int(stage.rng.integers(1 << 30))
    rng = np.random.default_rng(seed)
    for row, (parallax, y_frac, scale) in enumerate(((1.05, 0.83, 0.8), (1.4, 1.0, 1.1))):
        left, width = stage.span(parallax)
        height = even(H * 0.26 * scale)
        pen = Pen(width, height, ss=2)
        aspect = pen.aspect
        desk = lit(stage, mix((150, 110, 70), (200, 170, 120), 0.2 * row))
        top_c = mix(desk, m.light, 0.2)
        leg = mix(desk, m.ink, 0.55)
        step = 0.95 + 0.1 * row
        x = rng.uniform(0.05, 0.3)
        while x < aspect:
            w = 0.7
            pen.rect(x + 0.05, 0.35, x + 0.08, 1.0, rgba(leg))
            pen.rect(x + w - 0.08, 0.35, x + w - 0.05, 1.0, rgba(leg))
            pen.poly([(x, 0.3), (x + w, 0.3), (x + w - 0.04, 0.22), (x + 0.04, 0.22)], rgba(top_c))
            pen.rect(x, 0.3, x + w, 0.38, rgba(desk))
            # The chair behind the desk.
            pen.rect(x + w * 0.3, 0.0, x + w * 0.7, 0.2, rgba(mix(leg, desk, 0.5)), r=0.03)
            x += w + step * 0.35
        layers.append(
            Still(pen.sprite(), x=left, y=H * y_frac - height, z=4.0 + row * 0.5, parallax=parallax)
        )
    # Chalk dust in the window's light.
    return layers


# --- backdrops -----------------------------------------------------------------------------


@place("mountain", kind="backdrop")
def mountain(stage: Stage, base: Base, pick: Pick) -> list[Layer]:
    m = stage.mood
    H = stage.height
    seed = int(stage.rng.integers(1 << 30))
    rng = np.random.default_rng(seed)
    out: list[Layer] = []
    colour = pick.tint or None
    for i, (parallax, rise, haze) in enumerate(((0.12, 0.34, 0.6), (0.25, 0.22, 0.3))):
        left, width = stage.span(parallax)
        up = int(H * rise * pick.size)
        height = even(up + 2)
        xs = np.arange(width, dtype=np.float32)
        heights = np.zeros(width, np.float32)
        n_peaks = max(3, int(width / (H * 0.55)))
        for _ in range(n_peaks * 2):
            c = rng.uniform(-0.1, 1.1) * width
            w = rng.uniform(0.25, 0.6) * H
            h = rng.uniform(0.35, 1.0) * up
            heights = np.maximum(
                heights, h * np.clip(1 - np.abs(xs - c) / w, 0, 1) ** rng.uniform(0.9, 1.3)
            )
        heights += smooth_noise(
            rng, width, [(max(8, width // 40), H * 0.006), (max(20, width // 12), H * 0.003)]
        )
        heights = np.clip(heights, 2, up)
        body = mix(colour or m.land[0], m.haze, haze)
        top = mix(body, m.glow, 0.15)
        snow = mix((246, 246, 250), m.haze, haze * 0.6)
        cap_depth = np.clip(heights - up * 0.62, 0, None) * 0.55
        arr = ridge_rgba(
            heights, height, top, mix(body, m.haze, 0.3), cap=(cap_depth, snow) if i == 0 else None
        )
        out.append(
            Still(
                Sprite.from_arrays(arr),
                x=left,
                y=stage.horizon - height + 2,
                z=2.5 + i * 0.1,
                parallax=parallax,
            )
        )
    return out


@place("forest", kind="backdrop")
def forest(stage: Stage, base: Base, pick: Pick) -> list[Layer]:
    m = stage.mood
    H = stage.height
    seed = int(stage.rng.integers(1 << 30))
    rng = np.random.default_rng(seed)
    out: list[Layer] = []
    green = pick.tint or (46, 96, 60)
    for i, (parallax, rise, haze, below) in enumerate(
        ((0.22, 0.2, 0.55, 0.0), (0.45, 0.3, 0.15, 0.04))
    ):
        left, width = stage.span(parallax)
        up = int(H * rise * pick.size)
        height = even(up + H * below + 2)
        xs = np.arange(width, dtype=np.float32)
        heights = np.zeros(width, np.float32)
        x = rng.uniform(0, H * 0.05)
        while x < width + H * 0.1:
            h = rng.uniform(0.45, 1.0) * up
            w = h * rng.uniform(0.22, 0.3)
            profile = np.clip(1 - np.abs(xs - x) / w, 0, 1)
            # Tiers: a saw edge makes a fir's stacked branches.
            tiers = 1 - 0.12 * np.mod(profile * 4, 1.0)
            heights = np.maximum(heights, (H * below + h * profile * tiers) * (profile > 0))
            x += w * rng.uniform(0.55, 0.9)
        body = mix(lit(stage, green), m.haze, haze)
        dark = mix(body, m.ink, 0.35)
        arr = ridge_rgba(heights + 1, height, body, dark)
        out.append(
            Still(
                Sprite.from_arrays(arr),
                x=left,
                y=stage.horizon - up + 2,
                z=2.7 + i * 0.1,
                parallax=parallax,
            )
        )
    return out


@place("city", kind="backdrop")
def city(stage: Stage, base: Base, pick: Pick) -> list[Layer]:
    m = stage.mood
    H, W = stage.height, stage.width
    seed = int(stage.rng.integers(1 << 30))
    rng = np.random.default_rng(seed)
    out: list[Layer] = []
    lights_x: list[float] = []
    lights_y: list[float] = []
    lights_p: list[float] = []
    tall = 1.5 if stage.setting == "city" or "flight" in stage.words else 1.0
    for i, (parallax, rise, haze) in enumerate(((0.15, 0.3, 0.55), (0.32, 0.42, 0.1))):
        left, width = stage.span(parallax)
        up = int(H * rise * pick.size * tall * (0.8 if H > W else 1.0))
        height = even(up + 4)
        heights = np.zeros(width, np.float32)
        stone = lit(stage, pick.tint or (74, 80, 104))
        body = mix(mix(stone, m.ink, 0.25 * i), m.haze, haze)
        arr = np.zeros((height, width, 4), np.float32)
        x = 0
        lit_share = 0.38 if stage.night else 0.1
        window_on = np.array(m.light, np.float32)
        window_off = np.array(mix(body, m.sky[1], 0.25), np.float32)
        haze_rgb = np.array(m.haze, np.float32)
        window_tint_on = window_on * (1 - haze * 0.5) + haze_rgb * haze * 0.5
        window_tint_off = window_off * (1 - haze * 0.5) + haze_rgb * haze * 0.5
        while x < width:
            w = int(rng.uniform(0.05, 0.11) * H)
            h = int(rng.uniform(0.3, 1.0) * up)
            x1 = min(width, x + w)
            arr[height - h : height, x:x1, :3] = np.array(body, np.float32)
            arr[height - h : height, x:x1, 3] = 255
            heights[x:x1] = h
            # Windows: a grid over the facade, some lit (one vectorised pass per building).
            ww = max(1, int(H * 0.008))
            gap = max(2, int(H * 0.02))
            top = height - h + gap
            x0w = x + gap // 2
            rows_n = max(0, (height - gap - top) // gap)
            cols_n = max(0, min((x1 - ww - 1 - x0w) // gap + 1, (width - x0w) // gap))
            if rows_n > 0 and cols_n > 0:
                on = rng.uniform(0, 1, (rows_n, cols_n)) < lit_share
                cell = np.where(on[..., None], window_tint_on, window_tint_off)
                colours = np.repeat(np.repeat(cell, gap, axis=0), gap, axis=1)
                glass = (np.arange(rows_n * gap) % gap <= ww)[:, None] & (
                    np.arange(cols_n * gap) % gap < ww
                )[None, :]
                facade = arr[top : top + rows_n * gap, x0w : x0w + cols_n * gap, :3]
                facade[:] = np.where(glass[..., None], colours, facade)
            if h > up * 0.8 and rng.uniform() < 0.6:
                ax = x + w // 2
                ah = int(H * 0.04)
                arr[height - h - ah : height - h, ax : ax + max(1, int(H * 0.003)), :3] = np.array(
                    body, np.float32
                )
                arr[height - h - ah : height - h, ax : ax + max(1, int(H * 0.003)), 3] = 255
                lights_x.append(left + ax)
                lights_y.append(stage.horizon - h - ah + 2)
                lights_p.append(parallax)
            x = x1 + int(rng.uniform(0, 0.01) * H)
        out.append(
            Still(
                Sprite.from_arrays(arr),
                x=left,
                y=stage.horizon - height + 2,
                z=2.6 + i * 0.1,
                parallax=parallax,
            )
        )
    if lights_x:
        pen = Pen(6, 6)
        pen.circle(0.5, 0.5, 0.45, rgba((255, 70, 60)))
        dot = pen.sprite()
        halo = glow_sprite(H * 0.012, (255, 80, 70), 0.8)
        xs_l = np.array(lights_x, np.float32)
        ys_l = np.array(lights_y, np.float32)
        ph = rng.uniform(0, 2 * np.pi, len(lights_x))
        for parallax in sorted(set(lights_p)):
            sel = np.array([p == parallax for p in lights_p])

            def positions(t: float, sel=sel):
                a = (np.sin(t * 3.0 + ph[sel]) > 0.2).astype(np.float32)
                n = int(sel.sum())
                return (
                    np.concatenate([xs_l[sel], xs_l[sel]]),
                    np.concatenate([ys_l[sel], ys_l[sel]]),
                    np.concatenate([np.zeros(n, int), np.ones(n, int)]),
                    np.concatenate([a * 0.8, a]),
                )

            out.append(
                Swarm(
                    frames=[halo, dot],
                    positions=positions,
                    z=2.65 + 0.1 * (parallax > 0.2),
                    parallax=parallax,
                )
            )
    return out
