"""Moods: the colours, pace, light and sound of a video, from the dream's mood and emotions.

A mood word from the analysis ("serene", "uneasy") or an emotion ("joy", "fear") is
matched by word stems, so "Happy", "joyful" and "joy" all give the joyful mood. The
``mood`` hint wins; the emotions come next; nothing recognisable gives ``neutral``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from videos.demo_renderer.canvas import RGB, mix, scale

__all__ = ["MOODS", "Mood", "resolve_mood"]


@dataclass(frozen=True)
class Mood:
    name: str
    # Sky, top to horizon, and the glow along the horizon.
    sky: tuple[RGB, RGB, RGB]
    glow: RGB
    night: bool  # stars and a moon rather than a sun
    stars: float  # 0..1, how many stars show
    clouds: float  # 0..1, how overcast
    fog: float  # 0..1, mist over the ground
    # Land and water, far to near, and the darkest ink for silhouettes.
    land: tuple[RGB, RGB]
    water: tuple[RGB, RGB]
    ink: RGB
    light: RGB  # lit windows, lanterns, flames: what glows
    accent: RGB
    # How objects' own colours are lit: a brightness and a tint multiplied in.
    lightness: float
    tint: tuple[float, float, float]
    # Pacing: camera speed, particle speed, shake and flicker of lights.
    pace: float
    shake: float  # camera shake, in frame heights
    flicker: float  # 0..1
    swarm: str  # particles when the dream names none
    # Sound: semitones of the pad's chord above the root, the root (Hz), how bright.
    chord: tuple[int, ...]
    root: float
    brightness: float
    pulse: float  # how fast the pad breathes (Hz)

    def lit(self, colour: Sequence[float], depth: float = 0.0) -> RGB:
        """An object's own ``colour`` under this mood's light, hazed toward the horizon by
        ``depth`` (0 = near, 1 = as far as the horizon)."""
        r, g, b = colour
        tr, tg, tb = self.tint
        shaded = scale((r * tr, g * tg, b * tb), self.lightness)
        return mix(shaded, self.haze, 0.85 * depth**1.2)

    @property
    def haze(self) -> RGB:
        return mix(self.sky[2], self.sky[1], 0.35)

    def at_night(self) -> Mood:
        """This mood after dark (a joyful dream "at night"): deep sky, stars, a moon."""
        if self.night:
            return self
        return replace(
            self,
            sky=(
                mix(self.sky[0], (6, 10, 34), 0.75),
                mix(self.sky[1], (22, 28, 70), 0.7),
                mix(self.sky[2], (70, 60, 110), 0.6),
            ),
            glow=mix(self.glow, (140, 120, 190), 0.55),
            night=True,
            stars=max(self.stars, 0.7),
            clouds=self.clouds * 0.5,
            land=(mix(self.land[0], (30, 34, 60), 0.65), mix(self.land[1], (10, 12, 26), 0.7)),
            water=(mix(self.water[0], (40, 50, 90), 0.6), mix(self.water[1], (8, 10, 30), 0.7)),
            ink=mix(self.ink, (4, 6, 16), 0.5),
            lightness=self.lightness * 0.6,
            tint=(self.tint[0] * 0.88, self.tint[1] * 0.92, self.tint[2] * 1.1),
        )

    def at_day(self) -> Mood:
        """This mood by daylight (a sad dream "in the morning"): a paler, brighter sky."""
        if not self.night:
            return self
        return replace(
            self,
            sky=(
                mix(self.sky[0], (90, 140, 200), 0.6),
                mix(self.sky[1], (160, 196, 230), 0.6),
                mix(self.sky[2], (246, 230, 206), 0.6),
            ),
            night=False,
            stars=0.0,
            land=(mix(self.land[0], (130, 160, 120), 0.4), mix(self.land[1], (70, 100, 70), 0.35)),
            water=(
                mix(self.water[0], (150, 190, 210), 0.5),
                mix(self.water[1], (40, 80, 120), 0.4),
            ),
            lightness=max(self.lightness, 0.85),
        )

    def snowy(self) -> Mood:
        """The same mood with snow on the ground."""
        snow_far = mix((236, 242, 252), self.haze, 0.3)
        snow_near = mix((220, 230, 246), self.sky[0], 0.25)
        scale_ = self.lightness if self.lightness < 0.9 else 0.95
        return replace(
            self,
            land=(scale(snow_far, 0.55 + 0.45 * scale_), scale(snow_near, 0.5 + 0.45 * scale_)),
        )


def _m(**kwargs: object) -> Mood:
    return Mood(**kwargs)  # type: ignore[arg-type]


MAJOR = (0, 4, 7, 11, 14)
MINOR = (0, 3, 7, 10, 14)
SUS = (0, 5, 7, 12, 14)
DIM = (0, 3, 6, 10, 13)
LYDIAN = (0, 4, 6, 11, 14)

MOODS: dict[str, Mood] = {
    "neutral": _m(
        name="neutral",
        sky=((22, 24, 64), (88, 62, 132), (238, 160, 140)),
        glow=(255, 190, 150),
        night=True,
        stars=0.6,
        clouds=0.25,
        fog=0.1,
        land=((92, 70, 120), (40, 30, 62)),
        water=((150, 120, 170), (34, 32, 76)),
        ink=(18, 14, 34),
        light=(255, 214, 150),
        accent=(255, 140, 120),
        lightness=0.62,
        tint=(0.92, 0.86, 1.06),
        pace=1.0,
        shake=0.0,
        flicker=0.1,
        swarm="fireflies",
        chord=MAJOR,
        root=110.0,
        brightness=0.5,
        pulse=0.12,
    ),
    "serene": _m(
        name="serene",
        sky=((44, 116, 160), (126, 192, 202), (250, 230, 186)),
        glow=(255, 240, 200),
        night=False,
        stars=0.0,
        clouds=0.3,
        fog=0.15,
        land=((120, 176, 150), (56, 110, 92)),
        water=((170, 214, 216), (36, 104, 128)),
        ink=(24, 50, 56),
        light=(255, 246, 214),
        accent=(255, 186, 168),
        lightness=0.98,
        tint=(0.95, 1.02, 1.02),
        pace=0.75,
        shake=0.0,
        flicker=0.0,
        swarm="motes",
        chord=MAJOR,
        root=130.81,
        brightness=0.55,
        pulse=0.08,
    ),
    "joyful": _m(
        name="joyful",
        sky=((48, 126, 226), (120, 192, 244), (255, 226, 150)),
        glow=(255, 244, 190),
        night=False,
        stars=0.0,
        clouds=0.35,
        fog=0.0,
        land=((132, 200, 100), (58, 142, 62)),
        water=((120, 196, 238), (26, 106, 182)),
        ink=(30, 50, 40),
        light=(255, 250, 204),
        accent=(255, 110, 90),
        lightness=1.06,
        tint=(1.05, 1.0, 0.94),
        pace=1.2,
        shake=0.0,
        flicker=0.0,
        swarm="sparkles",
        chord=MAJOR,
        root=146.83,
        brightness=0.8,
        pulse=0.25,
    ),
    "melancholy": _m(
        name="melancholy",
        sky=((30, 42, 74), (76, 98, 134), (160, 174, 196)),
        glow=(190, 200, 220),
        night=True,
        stars=0.1,
        clouds=0.8,
        fog=0.3,
        land=((78, 92, 114), (34, 42, 60)),
        water=((120, 136, 160), (26, 36, 58)),
        ink=(16, 20, 32),
        light=(226, 230, 255),
        accent=(150, 172, 214),
        lightness=0.62,
        tint=(0.84, 0.92, 1.12),
        pace=0.6,
        shake=0.0,
        flicker=0.0,
        swarm="drizzle",
        chord=MINOR,
        root=98.0,
        brightness=0.35,
        pulse=0.07,
    ),
    "tense": _m(
        name="tense",
        sky=((8, 10, 22), (26, 34, 54), (128, 44, 44)),
        glow=(220, 90, 70),
        night=True,
        stars=0.2,
        clouds=0.5,
        fog=0.25,
        land=((38, 36, 50), (12, 12, 20)),
        water=((60, 50, 62), (10, 10, 22)),
        ink=(6, 6, 12),
        light=(255, 206, 150),
        accent=(226, 40, 40),
        lightness=0.46,
        tint=(0.92, 0.86, 0.98),
        pace=1.55,
        shake=0.0035,
        flicker=0.55,
        swarm="ash",
        chord=DIM,
        root=82.41,
        brightness=0.45,
        pulse=0.9,
    ),
    "eerie": _m(
        name="eerie",
        sky=((16, 10, 34), (38, 56, 66), (116, 166, 118)),
        glow=(170, 230, 170),
        night=True,
        stars=0.4,
        clouds=0.3,
        fog=0.55,
        land=((36, 58, 58), (10, 22, 24)),
        water=((70, 100, 90), (10, 26, 28)),
        ink=(6, 14, 16),
        light=(196, 255, 196),
        accent=(176, 114, 226),
        lightness=0.5,
        tint=(0.84, 1.06, 0.96),
        pace=0.8,
        shake=0.0,
        flicker=0.4,
        swarm="wisps",
        chord=DIM,
        root=92.5,
        brightness=0.3,
        pulse=0.15,
    ),
    "uneasy": _m(
        name="uneasy",
        sky=((44, 44, 34), (104, 100, 66), (214, 192, 122)),
        glow=(240, 210, 130),
        night=False,
        stars=0.05,
        clouds=0.55,
        fog=0.3,
        land=((98, 94, 62), (44, 44, 28)),
        water=((140, 138, 96), (40, 46, 32)),
        ink=(24, 24, 14),
        light=(255, 236, 164),
        accent=(206, 118, 78),
        lightness=0.78,
        tint=(1.03, 1.0, 0.8),
        pace=1.1,
        shake=0.0015,
        flicker=0.2,
        swarm="dust",
        chord=SUS,
        root=103.83,
        brightness=0.45,
        pulse=0.45,
    ),
    "angry": _m(
        name="angry",
        sky=((44, 6, 10), (138, 30, 24), (255, 142, 62)),
        glow=(255, 170, 80),
        night=False,
        stars=0.0,
        clouds=0.4,
        fog=0.1,
        land=((96, 28, 24), (34, 8, 8)),
        water=((160, 60, 36), (44, 10, 10)),
        ink=(22, 4, 4),
        light=(255, 214, 126),
        accent=(255, 86, 40),
        lightness=0.66,
        tint=(1.25, 0.78, 0.68),
        pace=1.45,
        shake=0.003,
        flicker=0.3,
        swarm="embers",
        chord=MINOR,
        root=73.42,
        brightness=0.6,
        pulse=0.7,
    ),
    "loving": _m(
        name="loving",
        sky=((74, 26, 74), (176, 72, 124), (255, 198, 180)),
        glow=(255, 210, 190),
        night=False,
        stars=0.2,
        clouds=0.3,
        fog=0.1,
        land=((144, 74, 110), (66, 28, 60)),
        water=((216, 138, 166), (72, 30, 74)),
        ink=(34, 10, 30),
        light=(255, 224, 204),
        accent=(255, 108, 150),
        lightness=0.88,
        tint=(1.1, 0.9, 0.98),
        pace=0.9,
        shake=0.0,
        flicker=0.0,
        swarm="petals",
        chord=MAJOR,
        root=123.47,
        brightness=0.6,
        pulse=0.1,
    ),
    "surprised": _m(
        name="surprised",
        sky=((36, 22, 104), (72, 124, 206), (255, 222, 124)),
        glow=(255, 236, 160),
        night=False,
        stars=0.4,
        clouds=0.2,
        fog=0.0,
        land=((70, 92, 150), (28, 32, 74)),
        water=((96, 176, 214), (20, 42, 96)),
        ink=(14, 14, 40),
        light=(255, 255, 204),
        accent=(255, 140, 240),
        lightness=0.9,
        tint=(1.0, 0.98, 1.06),
        pace=1.2,
        shake=0.0,
        flicker=0.1,
        swarm="sparkles",
        chord=LYDIAN,
        root=138.59,
        brightness=0.75,
        pulse=0.35,
    ),
    "wondrous": _m(
        name="wondrous",
        sky=((6, 10, 42), (42, 42, 124), (72, 172, 184)),
        glow=(140, 230, 220),
        night=True,
        stars=1.0,
        clouds=0.1,
        fog=0.15,
        land=((38, 48, 100), (10, 14, 42)),
        water=((70, 120, 170), (8, 16, 52)),
        ink=(4, 8, 26),
        light=(204, 242, 255),
        accent=(160, 255, 220),
        lightness=0.58,
        tint=(0.86, 0.96, 1.16),
        pace=0.9,
        shake=0.0,
        flicker=0.05,
        swarm="fireflies",
        chord=LYDIAN,
        root=116.54,
        brightness=0.65,
        pulse=0.1,
    ),
    "confused": _m(
        name="confused",
        sky=((62, 40, 84), (62, 104, 114), (176, 144, 164)),
        glow=(220, 190, 220),
        night=False,
        stars=0.3,
        clouds=0.45,
        fog=0.3,
        land=((94, 84, 106), (42, 40, 54)),
        water=((126, 124, 156), (40, 40, 62)),
        ink=(20, 18, 28),
        light=(244, 224, 255),
        accent=(180, 255, 204),
        lightness=0.74,
        tint=(1.0, 0.96, 1.04),
        pace=1.0,
        shake=0.0,
        flicker=0.15,
        swarm="bubbles",
        chord=SUS,
        root=87.31,
        brightness=0.5,
        pulse=0.3,
    ),
}
DEFAULT_MOOD = "neutral"

# Word stems that name a mood; the longest stem that starts a word wins
# ("restless" is uneasy even though "rest" is serene).
_STEMS: dict[str, tuple[str, ...]] = {
    "joyful": (
        "joy", "happ", "glad", "delight", "excit", "elat", "cheer", "euphor", "bliss", "hope",
        "playful", "ecsta", "thrill", "merry", "exhilar", "elated",
    ),
    "tense": (
        "fear", "afraid", "scare", "scary", "terr", "fright", "dread", "horr", "panic", "tense",
        "tension", "chase", "chasing", "hunted", "alarm", "threat", "nightmar", "desperat",
    ),
    "melancholy": (
        "sad", "sorrow", "grief", "griev", "melanchol", "lonel", "depress", "despair", "heartbr",
        "gloom", "mourn", "regret", "hopeless", "unhapp", "wistful", "nostalg", "longing",
        "bittersweet",
    ),
    "angry": (
        "anger", "angry", "rage", "furi", "fury", "irrit", "frustr", "annoy", "resent", "hostil",
        "jealous", "livid",
    ),
    "serene": (
        "calm", "peace", "seren", "tranquil", "relax", "content", "rest", "comfort", "relie",
        "gentle", "quiet", "still", "safe",
    ),
    "loving": ("love", "loving", "affection", "romanc", "romant", "tender", "passion", "ador"),
    "surprised": ("surpris", "shock", "amaz", "astonish", "startl", "sudden"),
    "uneasy": (
        "anxi", "worr", "nervous", "stress", "uneas", "restless", "unsettl", "disquiet",
        "embarrass", "shame", "asham", "awkward", "insecur",
    ),
    "wondrous": (
        "wonder", "awe", "curio", "fascinat", "magic", "marvel", "enchant", "mystic", "dreamy",
    ),
    "confused": (
        "confus", "disorient", "lost", "bewild", "puzzl", "perplex", "strange", "weird", "surreal",
    ),
    "eerie": (
        "eerie", "uncann", "ghost", "haunt", "spook", "ominous", "sinister", "creep", "otherworld",
    ),
    # Named on purpose, so an analysis that says "neutral" is not overruled by an emotion.
    "neutral": ("neutral", "pensive", "reflect", "thoughtful", "contemplat"),
}  # fmt: skip
_STEM_TO_MOOD: list[tuple[str, str]] = sorted(
    ((stem, mood) for mood, stems in _STEMS.items() for stem in stems),
    key=lambda item: (-len(item[0]), item[0]),
)


def match_mood(word: str) -> str | None:
    """The mood one word (or short phrase) names, or None."""
    for token in re.findall(r"[a-z]+", str(word).lower()):
        for stem, mood in _STEM_TO_MOOD:
            if token.startswith(stem):
                return mood
    return None


def resolve_mood(mood: str, emotions: Sequence[str]) -> Mood:
    """The mood to render: the ``mood`` hint if recognised, else the first recognised
    emotion, else :data:`DEFAULT_MOOD`."""
    for word in (mood, *emotions):
        name = match_mood(word) if isinstance(word, str) else None
        if name is not None:
            return MOODS[name]
    return MOODS[DEFAULT_MOOD]
