"""Composition: which motifs a dream gets, where they go, and each frame of the video.

:func:`plan_scene` reads the dream (symbols, title, keywords, free text, mood, emotions)
into a :class:`Plan`: a setting (land, sea, garden, road, hallway, classroom), a hero
motif, up to two extras, a backdrop band, a swarm, the sun or moon. :class:`Scene` turns
a plan into a painted base and layers, and :meth:`Scene.frame` composites one moment.
Everything random is drawn from generators seeded by the request, so the same dream
gives the same frames.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from videos.demo_renderer.canvas import Canvas, Sprite, mix
from videos.demo_renderer.layers import Base, Cam, Layer, Slot, Stage
from videos.demo_renderer.motifs import REGISTRY
from videos.demo_renderer.motifs.sky import cloud_layers
from videos.demo_renderer.motifs.swarms import mood_swarm, wind
from videos.demo_renderer.palette import Mood, resolve_mood
from videos.demo_renderer.symbols import Pick, read_symbols
from videos.demo_renderer.titlecard import TitleCard

__all__ = ["Plan", "Scene", "plan_scene", "stable_int"]

INDOOR = frozenset({"hallway", "classroom"})
CELESTIAL = frozenset({"moon", "sun"})
# What a thing implies about where we are, when the dream names no place.
_IMPLIED_SETTING = {
    "lighthouse": "sea",
    "boat": "sea",
    "fish": "sea",
    "bridge": "sea",
    "car": "road",
    "flower": "garden",
    "butterfly": "garden",
}
# Seed-chosen heroes for a dream that names nothing we can draw.
_FALLBACK_HEROES = ("door", "stairs", "tree", "house", "key", "clock", "moon", "boat", "lighthouse")
_STORM_WORDS = frozenset({"storm", "stormy", "thunder", "lightning", "thunderstorm"})


def stable_int(*parts: str) -> int:
    """A 64-bit number from text that is the same in every process (unlike ``hash()``)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


@dataclass(frozen=True)
class Plan:
    mood: Mood
    setting: str
    hero: Pick | None
    extras: tuple[Pick, ...]
    backdrop: Pick | None
    swarm: Pick | None  # a swarm the dream named (rain, snow, teeth, butterflies)
    celestial: Pick | None  # the sun or moon, when it is not the hero
    night: bool
    flight: bool
    chase: bool
    storm: bool
    title: str
    words: frozenset[str] = field(default_factory=frozenset)
    picks: tuple[Pick, ...] = ()

    @property
    def motifs(self) -> list[str]:
        """Every motif drawn, setting first."""
        names = [self.setting]
        for p in (self.backdrop, self.hero, *self.extras, self.celestial, self.swarm):
            if p is not None and p.motif not in names:
                names.append(p.motif)
        return names


def _kind(pick: Pick) -> str:
    return REGISTRY[pick.motif].kind


def plan_scene(
    *,
    seed: int,
    title: str = "",
    symbols: Sequence[str] = (),
    keywords: Sequence[str] = (),
    text: str = "",
    mood: str = "",
    emotions: Sequence[str] = (),
) -> Plan:
    """Decide what the video shows. Same arguments, same plan."""
    picks, cues = read_symbols(symbols=symbols, title=title, keywords=keywords, text=text)
    picks = [p for p in picks if p.motif in REGISTRY]
    chosen_mood = resolve_mood(mood, emotions)
    rng = np.random.default_rng([int(seed) % 2**64, 0x5EED])

    settings = [p for p in picks if _kind(p) == "setting"]
    backdrops = [p for p in picks if _kind(p) == "backdrop"]
    swarms = [p for p in picks if _kind(p) == "swarm"]
    objects = [p for p in picks if _kind(p) in ("ground", "sky")]
    plain = [p for p in objects if p.motif not in CELESTIAL and p.motif not in ("cloud", "star")]

    hero = plain[0] if plain else None
    if hero is None and cues.flight:
        hero = Pick("figure", source="cue")
    if hero is None and cues.chase:
        hero = Pick("figure", source="cue")
    if hero is None:
        hero = next((p for p in objects), None)
    setting = settings[0].motif if settings else None
    if setting is None:
        for p in [*objects, *swarms]:
            if p.motif in _IMPLIED_SETTING:
                setting = _IMPLIED_SETTING[p.motif]
                break
    if hero is None and setting is None and not backdrops and not swarms:
        hero = Pick(_FALLBACK_HEROES[int(rng.integers(len(_FALLBACK_HEROES)))], source="seed")
    if setting is None:
        # A city stands on streets, not on grass.
        setting = "street" if backdrops and backdrops[0].motif == "city" else "land"
    if cues.chase and hero is not None and hero.motif != "figure":
        plain = [Pick("figure", source="cue"), *plain]

    extras = [p for p in plain if p is not hero and p.motif != (hero.motif if hero else None)]
    # The sun, moon, stars and clouds are drawn anyway; keep extras for things.
    extras = extras[:2]
    if setting in INDOOR:
        # Indoors there is no room for a forest; a lone sky thing still floats in.
        extras = [
            p
            for p in extras
            if _kind(p) == "ground" or p.motif in ("eye", "clock", "key", "ghost", "bird", "fish")
        ]
    explicit_sky = next((p for p in objects if p.motif in CELESTIAL), None)
    day_cue = cues.day or (explicit_sky is not None and explicit_sky.motif == "sun")
    night_cue = cues.night or (explicit_sky is not None and explicit_sky.motif == "moon")
    night = night_cue or (chosen_mood.night and not day_cue)
    if night and not chosen_mood.night:
        chosen_mood = chosen_mood.at_night()
    elif not night and chosen_mood.night:
        chosen_mood = chosen_mood.at_day()
    if any(p.motif == "snow" for p in swarms) or {"winter", "snowy"} & cues.words:
        chosen_mood = chosen_mood.snowy()
    celestial = explicit_sky if explicit_sky is not hero else None
    if hero is not None and hero.motif in CELESTIAL:
        celestial = None
    elif celestial is None and setting not in INDOOR:
        if night:
            celestial = Pick("moon", source="mood")
        elif chosen_mood.clouds < 0.7:
            celestial = Pick("sun", source="mood")
    star_or_cloud = [p for p in objects if p.motif in ("star", "cloud") and p is not hero]
    extras = (extras + star_or_cloud)[:3]
    return Plan(
        mood=chosen_mood,
        setting=setting,
        hero=hero,
        extras=tuple(extras),
        backdrop=backdrops[0] if backdrops and setting not in INDOOR else None,
        swarm=swarms[0] if swarms else None,
        celestial=celestial,
        night=night,
        flight=cues.flight,
        chase=cues.chase,
        storm=bool(_STORM_WORDS & cues.words),
        title=" ".join(str(title).split()),
        words=frozenset(cues.words),
        picks=tuple(picks),
    )


class Scene:
    """A plan made concrete for one size and length: the base picture and its layers."""

    def __init__(self, plan: Plan, *, width: int, height: int, duration: float, seed: int) -> None:
        self.plan = plan
        self.width, self.height, self.duration = width, height, float(duration)
        m = plan.mood
        words = set(plan.words)
        if plan.flight:
            words.add("flight")
        if plan.chase:
            words.add("chase")
        rng = np.random.default_rng(
            [int(seed) % 2**64, stable_int(*sorted(plan.motifs), plan.setting)]
        )
        portrait = height > width
        horizon = {
            "sea": 0.56,
            "road": 0.5,
            "land": 0.62,
            "street": 0.66,
            "garden": 0.6,
            "hallway": 0.47,
            "classroom": 0.7,
        }[plan.setting]
        if plan.flight and plan.setting not in INDOOR:
            horizon = 0.74
        if portrait:
            horizon = min(0.75, horizon + 0.06)
        # The camera: a slow pan (faster when flying or fleeing), held still indoors.
        speed = 0.05 * m.pace
        cap = 0.45
        if plan.flight:
            speed, cap = 0.13 * m.pace, 1.1
        elif plan.chase:
            speed, cap = 0.08 * m.pace, 0.6
        if plan.setting in ("hallway", "road"):
            speed = 0.0
        elif plan.setting == "classroom":
            speed = 0.018 * m.pace
        direction = 1.0 if rng.uniform() < 0.5 else -1.0
        pan = direction * min(speed * duration, cap) * width
        self.stage = Stage(
            width=width,
            height=height,
            horizon=height * horizon,
            mood=m,
            rng=rng,
            duration=self.duration,
            pan=pan,
            night=plan.night,
            setting=plan.setting,
            size=min(height, 1.25 * width),
            indoor=plan.setting in INDOOR,
            words=frozenset(words),
            title=plan.title,
            snowy=(plan.swarm is not None and plan.swarm.motif == "snow")
            or bool({"winter", "snowy"} & words),
        )
        self.pan = pan
        self.shake = m.shake * height
        self.margin = math.ceil(self.shake * 2.2) + 2
        self.margin += self.margin % 2
        self.side = 1.0 if rng.uniform() < 0.5 else -1.0
        self.layers: list[Layer] = []
        base = Base(
            rgb=np.zeros((height + 2 * self.margin, width + 2 * self.margin, 3), np.float32),
            margin=self.margin,
        )
        self._build(base)
        self.layers.sort(key=lambda layer: layer.z)
        _darken_edges(base, mix(m.ink, (0, 0, 0), 0.4))
        self.base = Sprite.solid(np.clip(base.rgb, 0, 255), dither=True)
        self.title = TitleCard(plan.title, width, height, m, self.duration)
        self.flashes = sorted(rng.uniform(0.25, 0.85, 2) * self.duration) if plan.storm else []

    # --- building ---------------------------------------------------------------------------

    def _build(self, base: Base) -> None:
        plan, stage = self.plan, self.stage
        W, H = self.width, self.height
        if not stage.indoor:
            _paint_sky(stage, base)
        # The sun or moon first: the water's glitter needs to know where it is.
        if plan.celestial is not None:
            spec = REGISTRY[plan.celestial.motif]
            size = (
                stage.size
                * (0.14 if plan.celestial.motif == "moon" else 0.15)
                * plan.celestial.size
            )
            cx = W * (0.5 - self.side * 0.27)
            cy = stage.horizon * (0.3 if plan.celestial.motif == "moon" else 0.42)
            stage.celestial = (cx, cy)
            slot = Slot(cx=cx, base=cy, size=size, parallax=0.06, z=1.0, role="sky")
            self.layers += spec.build(stage, slot, plan.celestial)  # type: ignore[misc]
        if (
            not stage.indoor
            and plan.mood.clouds > 0.05
            and not any(p.motif == "cloud" for p in plan.extras)
        ):
            count = round(plan.mood.clouds * 5) + (2 if plan.storm else 0)
            self.layers += cloud_layers(
                stage,
                count,
                int(stage.rng.integers(1 << 30)),
                opacity=0.55 + 0.35 * plan.mood.clouds,
            )
        if plan.backdrop is not None:
            painter = REGISTRY[plan.backdrop.motif].paint
            self.layers += painter(stage, base, plan.backdrop)  # type: ignore[misc]
        setting = REGISTRY[plan.setting].paint
        self.layers += setting(stage, base, Pick(plan.setting))  # type: ignore[misc]
        if plan.hero is not None:
            self.layers += self._place(plan.hero, "hero", 0)
        for i, extra in enumerate(plan.extras):
            self.layers += self._place(extra, "extra", i)
        if plan.setting == "classroom" and not any(
            p.motif == "clock" for p in (plan.hero, *plan.extras) if p
        ):
            self.layers += self._place(Pick("clock", source="setting"), "wall", 0)
        if plan.swarm is not None:
            spec = REGISTRY[plan.swarm.motif]
            slot = Slot(cx=W / 2, base=H / 2, size=stage.size, parallax=1.0, z=5.0, role="swarm")
            self.layers += spec.build(stage, slot, plan.swarm)  # type: ignore[misc]
        swarm = plan.mood.swarm
        if (
            plan.setting == "garden"
            and swarm in ("motes", "sparkles", "fireflies", "petals")
            and not plan.night
        ):
            swarm = "butterflies"
        if swarm == "butterflies":
            spec = REGISTRY["butterfly"]
            slot = Slot(cx=W / 2, base=H / 2, size=stage.size, parallax=1.0, z=5.0, role="swarm")
            self.layers += spec.build(stage, slot, Pick("butterfly", source="mood"))  # type: ignore[misc]
        elif plan.swarm is None or plan.swarm.motif not in ("rain", "snow"):
            self.layers += mood_swarm(stage, swarm)
        if plan.flight and not stage.indoor:
            self.layers += wind(stage)

    def _place(self, pick: Pick, role: str, index: int) -> list[Layer]:
        """Build ``pick`` as the hero, an extra (further back, smaller) or a wall clock."""
        stage, plan = self.stage, self.plan
        spec = REGISTRY[pick.motif]
        W, H = self.width, self.height
        hz = stage.horizon
        if spec.kind not in ("ground", "sky"):
            return []
        # Narrow frames keep things nearer the middle, so they stay in the picture.
        side = (self.side if role == "hero" else -self.side) * min(1.0, W / H / 1.4)
        scale = 1.0 if role == "hero" else 0.6 - 0.08 * index
        if pick.source == "text" and role != "hero":
            scale *= 0.75  # a word in passing gets a smaller part
        size = spec.height * stage.size * pick.size * scale
        if role == "wall":
            slot = Slot(cx=W * 0.1, base=H * 0.3, size=H * 0.16, parallax=0.0, z=3.5, role="wall")
            return spec.build(stage, slot, pick)  # type: ignore[misc]
        if pick.motif == "figure" and plan.flight and not stage.indoor:
            # The dreamer, flying: high in the frame, moving with the camera.
            slot = Slot(
                cx=W * (0.5 + side * 0.06),
                base=H * 0.4,
                size=stage.size * 0.42,
                parallax=0.0,
                z=4.8,
                role=role,
            )
            return spec.build(stage, slot, pick)  # type: ignore[misc]
        if spec.kind == "sky":
            cx = W * (0.5 + side * (0.12 if role == "hero" else 0.3 + 0.08 * index))
            cy = hz * (0.45 if role == "hero" else 0.28 + 0.1 * index)
            parallax = 0.5 if role == "hero" else 0.3
            if pick.motif == "bird":
                size = stage.size * (0.085 if role == "hero" else 0.045) * pick.size
                cy = hz * (0.42 if role == "hero" else 0.22)
            if stage.setting == "classroom":
                # Whatever floats in a classroom is seen through its window.
                cx, cy, parallax = W * 0.855, H * 0.32, 0.0
                size = min(size, H * 0.22, W * 0.16 / max(0.3, spec.width))
            elif stage.setting == "hallway":
                cx, cy, parallax = W * (0.5 + side * 0.12), H * 0.24, 0.1
                size = min(size, H * 0.2)
            slot = Slot(cx=cx, base=cy, size=size, parallax=parallax, z=1.8, role=role)
            return spec.build(stage, slot, pick)  # type: ignore[misc]
        # Things on the ground: the hero in the middle distance, extras further back.
        if stage.setting == "hallway":
            if pick.motif == "door":
                # The way out, far down the corridor, glowing.
                cx, base_y, size, parallax = W * 0.5, H * 0.6, H * 0.26, 0.1
            else:
                cx = W * (0.5 + (side * 0.06 if role == "hero" else side * 0.22))
                base_y = H * (0.84 if role == "hero" else 0.74)
                size = H * 0.42 if pick.motif == "figure" else min(size, H * 0.5)
                parallax = 0.15
        elif stage.setting == "classroom":
            cx = W * (0.5 + side * 0.2)
            base_y = H * 0.8
            parallax = 0.9
        else:
            depth = 0.42 if role == "hero" else 0.16 + 0.06 * index
            if stage.setting == "sea":
                depth = {"lighthouse": 0.26, "boat": 0.42}.get(
                    pick.motif, 0.3 if role == "hero" else 0.08
                )
            if pick.motif == "car" and stage.setting == "road":
                depth = 0.7
            cx = W * (0.5 + side * (0.16 if role == "hero" else 0.32 + 0.1 * index))
            if spec.width * size > W * 0.9:
                cx = W * 0.5
            base_y = hz + (H - hz) * depth
            parallax = 1.0 if role == "hero" else 0.72
        size = min(size, W * 0.95 / max(0.2, spec.width), max(8.0, base_y - H * 0.04))
        slot = Slot(
            cx=cx, base=base_y, size=size, parallax=parallax, z=stage.z_at(base_y), role=role
        )
        return spec.build(stage, slot, pick)  # type: ignore[misc]

    # --- drawing ----------------------------------------------------------------------------

    def camera(self, t: float) -> Cam:
        u = t / self.duration - 0.5
        x = self.pan * u
        y = self.height * 0.004 * math.sin(2 * math.pi * 0.17 * t)
        if self.shake:
            x += self.shake * (math.sin(t * 13.0) + math.sin(t * 21.0 + 1.0)) / 2
            y += self.shake * (math.sin(t * 17.0 + 2.0) + math.sin(t * 11.0)) / 2
        return Cam(x, y)

    def frame(self, t: float) -> Canvas:
        """The picture at ``t`` seconds."""
        cam = self.camera(t)
        m = self.margin
        # The base (sky, walls) is far away: it only shakes with the camera, never pans.
        shake_x = round(self.shake * math.sin(t * 13.0)) if self.shake else 0
        shake_y = round(self.shake * math.sin(t * 17.0 + 2.0)) if self.shake else 0
        canvas = Canvas.from_backdrop(self.base, m + shake_x, m + shake_y, self.width, self.height)
        for layer in self.layers:
            layer.draw(canvas, t, cam)
        gain, lift = self._levels(t)
        if gain < 0.999 or lift > 0.001:
            canvas.apply_levels(gain, lift)
        self.title.draw(canvas, t)
        return canvas

    def _levels(self, t: float) -> tuple[float, float]:
        gain = 1.0
        if t < 0.7:
            gain = 0.5 + 0.5 * _ease(t / 0.7)
        end = self.duration - t
        if end < 0.5:
            gain = min(gain, 0.4 + 0.6 * _ease(end / 0.5))
        lift = 0.0
        for flash in self.flashes:
            if 0 <= t - flash < 0.3:
                lift = max(lift, 0.35 * (1 - (t - flash) / 0.3))
        if lift:
            gain = min(gain, 1 - lift * 0.3)
        return gain, lift


def _ease(x: float) -> float:
    x = min(1.0, max(0.0, x))
    return 0.5 - 0.5 * math.cos(math.pi * x)


def _paint_sky(stage: Stage, base: Base) -> None:
    m = stage.mood
    ys = base.ys
    hz = stage.horizon
    top, mid, low = (np.array(c, np.float32) for c in m.sky)
    u = np.clip((ys + base.margin) / max(1.0, hz + base.margin), 0, 1)[..., None]
    sky = np.where(
        u < 0.55,
        top + (mid - top) * (u / 0.55),
        mid + (low - mid) * np.clip((u - 0.55) / 0.45, 0, 1) ** 1.3,
    )
    glow = np.array(m.glow, np.float32)
    band = np.exp(-(((ys - hz) / (stage.height * 0.1)) ** 2))[..., None] * 0.4
    sky = sky + (glow - sky) * band
    base.rgb[:] = sky
    stars = m.stars if stage.night else m.stars * 0.3
    if stars > 0.02:
        rng = np.random.default_rng(int(stage.rng.integers(1 << 30)))
        n = int(stars * 170 * stage.width / stage.height)
        xs = rng.uniform(0, base.rgb.shape[1], n)
        ys_ = rng.uniform(0, 1, n) ** 1.4 * (hz + base.margin) * 0.92
        level = rng.uniform(0.3, 1.0, n) * (1 - ys_ / (hz + base.margin)) ** 0.5
        r = max(0.6, stage.height / 600)
        star = np.array((255, 250, 236), np.float32)
        size = math.ceil(r * 3)
        offs = np.arange(-size, size + 1)
        for x, y, a in zip(xs, ys_, level, strict=True):
            ix, iy = int(x), int(y)
            y0, y1 = max(0, iy - size), min(base.rgb.shape[0], iy + size + 1)
            x0, x1 = max(0, ix - size), min(base.rgb.shape[1], ix + size + 1)
            if y1 <= y0 or x1 <= x0:
                continue
            gy = np.exp(
                -((offs[y0 - iy + size : y1 - iy + size] + iy + 0.5 - y) ** 2) / (2 * r * r * 0.4)
            )
            gx = np.exp(
                -((offs[x0 - ix + size : x1 - ix + size] + ix + 0.5 - x) ** 2) / (2 * r * r * 0.4)
            )
            w = (gy[:, None] * gx[None, :] * a)[..., None]
            base.rgb[y0:y1, x0:x1] += (star - base.rgb[y0:y1, x0:x1]) * w


def _darken_edges(base: Base, colour: tuple[int, int, int]) -> None:
    """A soft vignette, painted into the base once (the layers above it stay clear)."""
    height, width = base.rgb.shape[:2]
    ys = (np.arange(height, dtype=np.float32) + 0.5) / height - 0.5
    xs = (np.arange(width, dtype=np.float32) + 0.5) / width - 0.5
    r2 = (xs[None, :] ** 2 + ys[:, None] ** 2) * 2
    alpha = np.minimum(0.5 * r2 * r2, 0.45)[..., None]
    base.rgb += (np.array(colour, np.float32) - base.rgb) * alpha
