"""From the dream's words to motifs: "glass lighthouse" is a lighthouse, and glassy.

Sources are read in order of trust: the analysis' symbols (noun phrases), the title,
the keywords, then any free text (the prompt). Each phrase gives at most one motif:
its head noun's (the last motif word before a preposition, so "city at night" is a
city), and colour words in front of it tint that motif ("red door"). Scene words
("night", "flying", "chased") are collected separately as :class:`Cues`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from videos.demo_renderer.canvas import RGB

__all__ = ["MOTIF_WORDS", "Cues", "Pick", "read_symbols"]

# Motif -> the words that name it. Plurals are listed where "s" alone would not do.
MOTIF_WORDS: dict[str, tuple[str, ...]] = {
    "lighthouse": ("lighthouse", "lighthouses", "beacon", "lightkeeper"),
    "sea": (
        "sea", "seas", "ocean", "oceans", "wave", "waves", "water", "waters", "beach",
        "shore", "coast", "tide", "lake", "bay", "harbour", "harbor", "surf", "seaside",
        "river", "pond", "seashore", "tsunami", "island", "whirlpool", "pool", "swamp",
        "jellyfish", "octopus", "turtle", "submarine", "sailor",
    ),
    "house": (
        "house", "houses", "home", "cottage", "cabin", "hut", "mansion", "farmhouse",
        "room", "bedroom", "kitchen", "bathroom", "basement", "attic", "apartment",
        "closet", "fireplace", "balcony", "garage", "village", "farm", "barn", "window",
        "windows",
    ),
    "door": (
        "door", "doors", "doorway", "gate", "gates", "portal", "entrance", "threshold",
        "elevator", "lift",
    ),
    "stairs": ("stairs", "stair", "staircase", "stairway", "steps", "ladder", "escalator"),
    "forest": ("forest", "forests", "woods", "woodland", "jungle", "pines", "grove"),
    "tree": (
        "tree", "trees", "oak", "willow", "branch", "branches", "orchard", "roots", "leaf",
        "leaves", "vine", "vines",
    ),
    "bird": (
        "bird", "birds", "crow", "crows", "raven", "ravens", "owl", "owls", "eagle", "gull",
        "gulls", "seagull", "seagulls", "dove", "doves", "flock", "sparrow", "swallow",
        "wings", "feather", "feathers", "wing", "bat", "bats",
    ),
    "fish": ("fish", "fishes", "shark", "sharks", "dolphin", "dolphins", "whale", "whales", "koi"),
    "mountain": (
        "mountain", "mountains", "cliff", "cliffs", "peak", "peaks", "volcano", "summit",
        "canyon", "valley", "rock", "rocks", "waterfall", "lava",
    ),
    "fire": (
        "fire", "fires", "flame", "flames", "burning", "burn", "burned", "campfire",
        "candle", "candles", "blaze", "smoke", "inferno", "torch", "bonfire", "explosion",
        "bomb", "lantern", "lamp",
    ),
    "rain": (
        "rain", "raining", "rained", "rainy", "storm", "storms", "stormy", "thunder",
        "lightning", "downpour", "drizzle", "flood", "puddle", "tornado", "hurricane",
    ),
    "road": ("road", "roads", "highway", "path", "driving", "motorway", "lane", "journey"),
    "city": (
        "city", "cities", "town", "skyline", "skyscraper", "skyscrapers", "buildings",
        "downtown", "rooftop", "rooftops", "metropolis", "street", "streets", "tower",
        "hospital", "hotel", "museum", "mall", "shop", "market", "restaurant", "cafe",
        "office tower", "factory",
    ),
    "eye": ("eye", "eyes", "gaze", "watching", "watched", "stare", "staring", "watcher"),
    "key": ("key", "keys", "lock", "locked", "keyhole", "unlock"),
    "clock": ("clock", "clocks", "hourglass", "late", "deadline", "ticking", "time"),
    "boat": (
        "boat", "boats", "ship", "ships", "sail", "sailing", "sailboat", "canoe", "raft",
        "ferry", "yacht",
    ),
    "bridge": ("bridge", "bridges"),
    "flower": (
        "flower", "flowers", "rose", "roses", "tulip", "tulips", "blossom", "blossoms",
        "lily", "lilies", "daisy", "daisies", "bloom", "sunflower", "sunflowers",
    ),
    "snake": ("snake", "snakes", "serpent", "serpents", "python", "cobra", "viper", "vipers"),
    "cat": ("cat", "cats", "kitten", "kittens", "kitty"),
    "car": (
        "car", "cars", "taxi", "truck", "bus", "vehicle", "drove", "bicycle", "bike",
        "motorcycle", "van", "ambulance", "jeep",
    ),
    "moon": ("moon", "moons", "moonlight", "moonlit", "lunar", "eclipse"),
    "sun": ("sun", "sunlight", "sunny", "sunshine", "sunrise", "sunset"),
    "star": (
        "star", "stars", "starry", "starlight", "galaxy", "cosmos", "universe",
        "constellation", "comet", "planet", "planets", "meteor", "fireworks", "space",
        "astronomy",
    ),
    "cloud": ("cloud", "clouds", "cloudy", "sky", "skies", "heaven", "fog", "mist", "wind"),
    "hallway": (
        "hallway", "hallways", "corridor", "corridors", "hall", "tunnel", "tunnels", "maze",
        "labyrinth", "passage", "passageway",
    ),
    "classroom": (
        "classroom", "school", "class", "teacher", "exam", "exams", "lesson", "desk",
        "desks", "blackboard", "chalkboard", "university", "lecture", "homework", "office",
        "meeting", "interview", "presentation", "library", "book", "books",
    ),
    "garden": (
        "garden", "gardens", "meadow", "meadows", "field", "fields", "park", "lawn", "yard",
        "grass", "fountain", "playground",
    ),
    "tooth": ("tooth", "teeth", "dentist", "molar", "toothbrush"),
    "figure": (
        "man", "woman", "person", "people", "stranger", "strangers", "figure", "someone",
        "mother", "father", "mom", "dad", "friend", "child", "girl", "boy", "shadow",
        "shadows", "dancer", "runner", "grandmother", "grandfather", "grandma", "grandpa",
        "parents", "brother", "sister", "baby", "son", "daughter", "husband", "wife",
        "boyfriend", "girlfriend", "crowd", "boss", "doctor", "nurse", "police",
        "policeman", "soldier", "king", "queen", "prince", "princess", "family", "cousin",
        "aunt", "uncle", "neighbour", "neighbor", "classmate", "colleague", "twin", "clown",
        "astronaut", "guard", "stalker", "intruder", "attacker", "killer", "kidnapper",
        "thief", "hunter",
    ),
    "snow": (
        "snow", "snowing", "snowy", "ice", "icy", "frozen", "winter", "snowflake",
        "snowflakes", "blizzard",
    ),
    "butterfly": ("butterfly", "butterflies", "moth", "moths"),
    "ghost": (
        "ghost", "ghosts", "spirit", "spirits", "phantom", "apparition", "spectre",
        "monster", "monsters", "demon", "demons", "zombie", "zombies", "vampire", "witch",
        "angel", "wraith",
    ),
    "train": (
        "train", "trains", "railway", "station", "tracks", "subway", "locomotive", "tram",
        "carriage", "wagon",
    ),
}  # fmt: skip

# Scene cues: words that change how the scene is shot rather than what is in it.
_CUE_WORDS: dict[str, tuple[str, ...]] = {
    "night": ("night", "midnight", "nighttime", "dark", "darkness", "evening", "moonlit"),
    "flight": (
        "fly", "flying", "flew", "flight", "float", "floating", "floated", "soar", "soaring",
        "soared", "hover", "hovering", "levitating", "airborne",
    ),
    "chase": (
        "chase", "chased", "chasing", "run", "running", "ran", "flee", "fleeing", "fled",
        "escape", "escaping", "pursued", "hunted", "race", "racing", "stalker", "intruder",
        "attacker", "killer", "kidnapper", "pursuer",
    ),
    "falling": ("fall", "falling", "fell", "fallen", "drop", "dropping", "crumbling"),
    "day": ("day", "daylight", "morning", "noon", "afternoon", "bright"),
}  # fmt: skip

# Colour words that tint the motif they qualify.
COLOUR_WORDS: dict[str, RGB] = {
    "red": (214, 52, 48),
    "crimson": (178, 24, 48),
    "scarlet": (226, 40, 36),
    "blue": (60, 110, 220),
    "green": (60, 170, 90),
    "emerald": (30, 160, 110),
    "yellow": (244, 210, 60),
    "golden": (236, 186, 64),
    "gold": (236, 186, 64),
    "silver": (206, 214, 226),
    "white": (240, 240, 236),
    "black": (34, 32, 40),
    "purple": (140, 70, 190),
    "violet": (150, 90, 220),
    "pink": (246, 140, 180),
    "orange": (244, 140, 50),
    "brown": (130, 86, 50),
    "grey": (140, 140, 150),
    "gray": (140, 140, 150),
    "wooden": (150, 100, 60),
    "stone": (150, 146, 138),
    "rusty": (160, 84, 48),
}
_GLASS_WORDS = frozenset({"glass", "crystal", "transparent", "translucent", "ice", "invisible"})
_GIANT_WORDS = frozenset({"giant", "huge", "enormous", "massive", "colossal", "towering", "vast"})
_SMALL_WORDS = frozenset({"tiny", "little", "small", "miniature"})
_PREPOSITIONS = frozenset(
    {
        "of", "at", "in", "on", "over", "under", "with", "through", "by", "near", "from",
        "into", "above", "below", "behind", "beneath", "across", "along", "toward", "towards",
        "inside", "outside", "around",
    }
)  # fmt: skip

_WORD_TO_MOTIF: dict[str, str] = {w: m for m, words in MOTIF_WORDS.items() for w in words}
_WORD_TO_CUE: dict[str, str] = {w: c for c, words in _CUE_WORDS.items() for w in words}
_TOKEN_RE = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class Pick:
    """One motif the dream asks for, with how it should look."""

    motif: str
    tint: RGB | None = None
    glass: bool = False
    size: float = 1.0  # "giant" 1.3, "tiny" 0.7
    source: str = "symbol"  # symbol, title, keyword, text, seed


@dataclass
class Cues:
    night: bool = False
    day: bool = False
    flight: bool = False
    chase: bool = False
    falling: bool = False
    words: set[str] = field(default_factory=set)


def _motif_of(token: str) -> str | None:
    motif = _WORD_TO_MOTIF.get(token)
    if motif is None and len(token) > 3 and token.endswith("s"):
        motif = _WORD_TO_MOTIF.get(token[:-1])
    if motif is None and len(token) >= 7:
        # Compounds end in their kind: "seashore", "farmhouse", "rainstorm".
        for start in range(2, len(token) - 3):
            motif = _WORD_TO_MOTIF.get(token[start:])
            if motif is not None:
                break
    return motif


def _phrase_pick(tokens: Sequence[str], source: str) -> Pick | None:
    """The motif a phrase is about (its head noun), tinted by the words before it."""
    head: int | None = None
    for i, token in enumerate(tokens):
        if token in _PREPOSITIONS and head is not None:
            break
        if _motif_of(token) is not None:
            head = i
    if head is None:
        return None
    modifiers = tokens[:head]
    tint = next((COLOUR_WORDS[w] for w in reversed(modifiers) if w in COLOUR_WORDS), None)
    size = 1.3 if _GIANT_WORDS & set(modifiers) else 0.72 if _SMALL_WORDS & set(modifiers) else 1.0
    return Pick(
        motif=_motif_of(tokens[head]) or "",
        tint=tint,
        glass=bool(_GLASS_WORDS & set(modifiers)),
        size=size,
        source=source,
    )


def read_symbols(
    *,
    symbols: Iterable[str] = (),
    title: str = "",
    keywords: Iterable[str] = (),
    text: str = "",
) -> tuple[list[Pick], Cues]:
    """Motifs named by the dream, most trusted first, without repeats; and its scene cues.

    Symbols and keywords are phrases, one pick each at most. The title and the free text
    are split at punctuation into phrases. Never raises for strings.
    """
    picks: list[Pick] = []
    seen: set[str] = set()
    cues = Cues()

    def phrases(source: str, values: Iterable[str]) -> None:
        for value in values:
            if not isinstance(value, str):
                continue
            tokens = _TOKEN_RE.findall(value.lower())
            for token in tokens:
                cue = _WORD_TO_CUE.get(token)
                if cue is not None:
                    setattr(cues, cue, True)
                cues.words.add(token)
            # Phrases never run across a comma or a full stop, and stay short.
            for chunk in re.split(r"[,.;:!?()\n]+| and | or | but ", value.lower()):
                chunk_tokens = _TOKEN_RE.findall(chunk)
                while chunk_tokens:
                    pick = _phrase_pick(chunk_tokens[:8], source)
                    if pick is None:
                        chunk_tokens = chunk_tokens[8:]
                        continue
                    if pick.motif not in seen:
                        seen.add(pick.motif)
                        picks.append(pick)
                    # Look for further motifs after this one's head in the same chunk.
                    index = max(
                        i for i, t in enumerate(chunk_tokens[:8]) if _motif_of(t) == pick.motif
                    )
                    chunk_tokens = chunk_tokens[index + 1 :]
                    if source in ("symbol", "keyword"):
                        break  # a symbol is one thing

    phrases("symbol", symbols)
    phrases("title", [title])
    phrases("keyword", keywords)
    phrases("text", [text[:2000]] if isinstance(text, str) else [])
    return picks, cues
