"""Local, offline analysis of a dream: emotions, keywords and an overall mood.

Everything here runs in-process with no network and no model files: keywords
come from YAKE (a statistical extractor whose stopword lists ship inside the
package) and emotions from a small hand-made English lexicon. The result is a
plain dict so it can be stored as JSON and handed to the video prompt builder.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

try:
    import yake
except ImportError:  # pragma: no cover - yake is a hard dependency, but never crash analysis
    yake = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

MAX_KEYWORDS = 20
MAX_KEYWORD_CHARS = 50
MAX_EMOTIONS = 5
NEUTRAL_MOOD = "neutral"

# YAKE's cost is linear in the text but high (about 5-7 ms per 1,000 characters
# here), and it favours early terms anyway, so only the opening of a long dream is
# fed to it: this keeps a 20,000-character dream well under 200 ms in total.
_KEYWORD_TEXT_CHARS = 10_000
# The lexicon scan is cheap, but a pathological multi-megabyte body should not
# be able to hold a request thread, so it is bounded too.
_EMOTION_TEXT_CHARS = 200_000
# Longest n-gram YAKE may propose. Two words gives motifs like "dark forest"
# without whole clauses such as "door was locked".
_KEYWORD_NGRAM = 2

# Cue words per emotion, in tie-break order. An entry ending in "*" matches any
# word starting with it ("terrif*" -> terrified, terrifying); other entries
# match the whole word only, which is how short or ambiguous stems are kept from
# matching unrelated words ("sad" vs "saddle", "hug" vs "huge", "star" vs "start").
# fmt: off
EMOTION_LEXICON: dict[str, tuple[str, ...]] = {
    "joy": (
        "happy", "happi*", "joy", "joyful", "joyous", "joyfully", "delight*", "glad",
        "gladness", "cheer*", "laugh*", "smil*", "grin", "grinned", "grinning", "excit*",
        "elat*", "euphori*", "thrill*", "celebrat*", "fun", "playful", "bliss*", "ecsta*",
        "giggl*", "danc*", "wonderful", "overjoyed", "jubilant", "free", "freedom",
    ),
    "fear": (
        "afraid", "fear", "feared", "fearful", "fears", "scare*", "scary", "scari*",
        "terrif*", "terror*", "horrif*", "horror*", "frighten*", "fright", "panic*",
        "chase*", "chasing", "pursu*", "hunted", "monster*", "demon*", "ghost*",
        "nightmare*", "dark", "darkness", "darkened", "shadow*", "creature*", "scream*",
        "blood*", "kill*", "murder*", "attack*", "trapped", "falling", "drown*", "dread*",
        "spider*", "zombie*", "threat*", "danger*", "evil", "fled", "flee*", "creep*",
        "haunt*", "sinister", "menac*",
    ),
    "sadness": (
        "sad", "sadly", "sadness", "sorrow*", "cry", "cried", "cries", "crying", "tears",
        "tearful", "weep*", "wept", "grie*", "mourn*", "lonely", "loneli*", "alone",
        "depress*", "miser*", "heartbr*", "sob", "sobbed", "sobbing", "funeral*", "died",
        "dead", "death", "dying", "gloom*", "despair*", "hopeless*", "regret*", "unhapp*",
        "melanchol*", "goodbye", "emptiness",
    ),
    "anger": (
        "angry", "angri*", "anger*", "furious*", "fury", "rage*", "raging", "enraged", "mad",
        "hate*", "hatred", "hating", "annoy*", "irritat*", "frustrat*", "resent*", "yell*",
        "shout*", "argu*", "fight*", "fought", "punch*", "slam*", "livid", "outrage*",
        "betray*", "jealous*", "hostil*", "revenge*",
    ),
    "surprise": (
        "surpris*", "sudden*", "shock*", "astonish*", "amaz*", "startl*", "stunned",
        "unexpect*", "gasp*", "jolt*", "abrupt*", "speechless",
    ),
    "love": (
        "love*", "loving", "lover*", "kiss*", "hug", "hugs", "hugged", "hugging",
        "embrac*", "cuddl*", "romanc*", "romantic", "ador*", "affection*", "tender*",
        "darling", "sweetheart", "beloved", "crush", "wedding*", "marri*",
        "caring", "cared", "intima*", "soulmate*",
    ),
    "calm": (
        "calm*", "peace*", "serene", "serenity", "tranquil*", "relax*", "quiet*", "gentle",
        "gently", "soft*", "drift*", "breez*", "meadow*", "safe", "safety", "rested",
        "resting", "restful", "sooth*", "comfort*", "warmth", "cozy", "cosy", "harmon*",
        "contented", "ease",
    ),
    "anxiety": (
        "anxious*", "anxiety", "anxieti*", "worr*", "nervous*", "stress*", "tense",
        "tension", "uneas*", "restless*", "late", "exam", "exams", "examination",
        "unprepared", "naked", "sweat*", "trembl*", "shaking", "shaky", "overwhelm*",
        "pressure*", "deadline*", "forgot", "forgotten", "forgetting", "hurry*", "rush*",
        "panic*", "pounding", "racing", "embarrass*", "humiliat*", "helpless*", "stuck",
    ),
    "wonder": (
        "wonder", "wondered", "wondering", "wondrous", "awe", "awed", "awestruck",
        "marvel*", "magic*", "magnific*", "majestic", "enchant*", "glow*", "shimmer*",
        "sparkl*", "glitter*", "luminous", "radiant", "fly", "flying", "flew", "float*",
        "soar*", "star", "stars", "starry", "starlight", "galax*", "cosmos", "cosmic",
        "universe", "infinite", "beautiful", "beauty", "breathtak*", "mystic*", "heaven*",
        "celestial", "rainbow*", "aurora*", "fairy", "fairies", "miracul*", "miracle*",
    ),
    "confusion": (
        "confus*", "puzzl*", "bewilder*", "baffl*", "strange*", "weird*", "odd", "bizarre",
        "disorient*", "lost", "maze*", "labyrinth*", "unsure", "uncertain*", "unclear",
        "nonsens*", "absurd*", "blurr*", "fog", "foggy", "riddle*", "chao*", "morph*",
        "unfamiliar", "surreal*", "dizz*", "shifting", "shifted",
    ),
}
# fmt: on

# Words that negate a cue shortly after them: "not afraid", "never felt scared".
# fmt: off
_NEGATORS = frozenset(
    {
        "not", "no", "never", "nor", "neither", "without", "hardly", "barely", "nothing",
        "nobody", "none", "cannot", "dont", "didnt", "doesnt", "wasnt", "werent", "isnt",
        "arent", "cant", "couldnt", "wouldnt", "shouldnt", "havent", "hasnt", "hadnt",
        "aint",
    }
)
# Words allowed between a negator and the cue it negates. Anything else ends the
# negation, so "couldn't escape the monster" or "couldn't stop crying" still
# count, while "not at all afraid" and "didn't feel scared" do not. A negated cue
# keeps the scope open, so "not afraid of the dark" negates "dark" as well.
_NEGATION_BRIDGE = frozenset(
    {
        "a", "an", "the", "any", "at", "all", "so", "too", "very", "really", "even",
        "more", "much", "that", "particularly", "remotely", "one", "bit", "feel", "feeling",
        "felt", "feels", "seem", "seemed", "seems", "look", "looked", "get", "got",
        "become", "became", "be", "been", "being", "was", "were", "is", "am", "are",
        "i", "me", "myself", "anymore", "longer", "slightly", "in", "of", "or", "nor",
        "by", "about",
    }
)
# fmt: on
_NEGATION_MAX_GAP = 3

# Narration words every dream is full of; as motifs they say nothing ("felt",
# "woke", "dream"), so YAKE treats them as stopwords on top of its own list.
# fmt: off
_DREAM_STOPWORDS = frozenset(
    {
        "dream", "dreams", "dreamed", "dreamt", "dreaming", "woke", "wake", "waking",
        "awake", "felt", "feel", "feeling", "feels", "remember", "remembered", "thing",
        "things", "something", "someone", "somebody", "somewhere", "suddenly", "started",
        "start", "began", "kept", "tried", "trying", "saw", "see", "seeing", "went", "got",
        "get", "getting", "like", "just", "really", "seemed", "seem", "realized",
        "realised", "looked", "knew", "know", "think", "thought", "lot", "kind", "way",
        "time", "back", "around", "maybe", "also", "still", "okay", "yeah",
    }
)
# fmt: on

# Words (with apostrophes kept inside) or clause punctuation. Punctuation tokens
# close any open negation: "not tired, afraid" should still count "afraid".
_TOKEN_RE = re.compile(r"[a-z]+(?:'[a-z]+)*|[.,;:!?()\[\]\"…—–\n]")
_CLAUSE_BREAKERS = frozenset({"but", "yet", "though", "although", "however"})


def _build_cue_index() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]], int]:
    """Split the lexicon into exact-word and prefix lookups, keyed by cue."""
    exact: dict[str, list[str]] = {}
    prefixes: dict[str, list[str]] = {}
    for emotion, cues in EMOTION_LEXICON.items():
        for cue in cues:
            if cue.endswith("*"):
                bucket, key = prefixes, cue[:-1]
            else:
                bucket, key = exact, cue
            emotions = bucket.setdefault(key, [])
            if emotion not in emotions:
                emotions.append(emotion)
    shortest = min((len(p) for p in prefixes), default=1)
    return (
        {k: tuple(v) for k, v in exact.items()},
        {k: tuple(v) for k, v in prefixes.items()},
        shortest,
    )


_EXACT_CUES, _PREFIX_CUES, _MIN_PREFIX_LEN = _build_cue_index()


def _cue_emotions(token: str) -> tuple[str, ...]:
    """Emotions a single lowercase token signals, or () when it is not a cue.

    A whole-word cue wins over prefixes; otherwise the longest matching prefix
    decides, so each token counts at most once per emotion.
    """
    hit = _EXACT_CUES.get(token)
    if hit:
        return hit
    # Possessives and contractions ("monster's") are matched on their stem.
    if "'" in token:
        token = token.split("'", 1)[0]
        hit = _EXACT_CUES.get(token)
        if hit:
            return hit
    for end in range(len(token), _MIN_PREFIX_LEN - 1, -1):
        hit = _PREFIX_CUES.get(token[:end])
        if hit:
            return hit
    return ()


def _is_negator(token: str) -> bool:
    return token in _NEGATORS or token.endswith("n't")


def detect_emotions(text: str, *, limit: int = MAX_EMOTIONS) -> list[str]:
    """Return up to ``limit`` lexicon emotions found in ``text``, most frequent first.

    Ties keep the order of :data:`EMOTION_LEXICON`. Negated cues ("not afraid",
    "wasn't at all scared", "no monsters") are not counted. Returns [] when no
    cue is found or the text is empty.
    """
    if not text or limit <= 0:
        return []
    # Curly apostrophes are normalised so "wasn’t" negates like "wasn't".
    lowered = text[:_EMOTION_TEXT_CHARS].lower().replace("\u2019", "'").replace("`", "'")
    counts: dict[str, int] = {}
    # Tokens since the last negator, or None when no negation is open.
    since_negator: int | None = None
    for match in _TOKEN_RE.finditer(lowered):
        token = match.group()
        if not token[0].isalpha() or token in _CLAUSE_BREAKERS:
            since_negator = None
            continue
        if _is_negator(token):
            since_negator = 0
            continue
        emotions = _cue_emotions(token)
        if emotions:
            if since_negator is None:
                for emotion in emotions:
                    counts[emotion] = counts.get(emotion, 0) + 1
            else:
                since_negator = 0
            continue
        if since_negator is not None:
            if token in _NEGATION_BRIDGE and since_negator < _NEGATION_MAX_GAP:
                since_negator += 1
            else:
                since_negator = None
    order = {emotion: index for index, emotion in enumerate(EMOTION_LEXICON)}
    ranked = sorted(counts, key=lambda emotion: (-counts[emotion], order[emotion]))
    return ranked[:limit]


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    """YAKE's bundled English stopwords (read once, no network) plus dream filler."""
    if yake is None:
        return _DREAM_STOPWORDS
    return frozenset(yake.KeywordExtractor(lan="en").stopword_set) | _DREAM_STOPWORDS


# Pieces segtok splits contractions into ("was" + "n't", "monster" + "'s").
_CONTRACTION_PIECES = frozenset({"n't", "'s", "'re", "'ll", "'ve", "'m", "'d", "s", "t"})


def _clean_keyword(raw: object) -> str:
    """Lowercase, trim punctuation and collapse whitespace; "" if unusable."""
    if not isinstance(raw, str):
        return ""
    words = [w for w in raw.lower().split() if w not in _CONTRACTION_PIECES]
    keyword = " ".join(words).strip(" \t.,;:!?\"'()[]{}-–—…*_/\\|<>#@&^%$~`+=")
    if len(keyword) < 2 or len(keyword) > MAX_KEYWORD_CHARS:
        return ""
    if not any(ch.isalpha() for ch in keyword):
        return ""
    return keyword


def _word_key(word: str) -> str:
    """Crude singular form so "monsters" and "monster" count as one word."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _select_keywords(candidates: list[str], limit: int) -> list[str]:
    """Pick up to ``limit`` distinct keywords, best first, without redundant ones.

    A candidate whose words are all already covered ("forest" after "dark
    forest", "monsters" after "monster") is skipped; a phrase that extends an
    already chosen single word ("huge monster" after "monster") replaces it in place.
    """
    chosen: list[str] = []
    covered: set[str] = set()
    for candidate in candidates:
        keyword = _clean_keyword(candidate)
        if not keyword:
            continue
        words = [_word_key(word) for word in keyword.split()]
        if set(words) <= covered:
            continue
        absorbed = [i for i, kw in enumerate(chosen) if " " not in kw and _word_key(kw) in words]
        if len(words) > 1 and absorbed:
            chosen[absorbed[0]] = keyword
            for index in reversed(absorbed[1:]):
                del chosen[index]
        elif len(chosen) < limit:
            chosen.append(keyword)
        else:
            continue
        covered.update(words)
        if len(chosen) >= limit:
            break
    return chosen


def extract_keywords(*, title: str, content: str, max_keywords: int = 8) -> list[str]:
    """Return up to ``max_keywords`` (capped at 20) lowercase YAKE keywords.

    Keywords are distinct case-insensitively, at most 50 characters each, and
    best first. The title is prepended to the content so its words weigh more.
    Never raises: empty, emoji-only or otherwise unusable text gives [].
    """
    try:
        limit = max(0, min(int(max_keywords), MAX_KEYWORDS))
    except (TypeError, ValueError):
        limit = 8
    if limit == 0 or yake is None:
        return []
    title = title.strip() if isinstance(title, str) else ""
    content = content.strip() if isinstance(content, str) else ""
    if len(content) > _KEYWORD_TEXT_CHARS:
        # Cut at a space so YAKE does not see a half word as a rare term.
        head = content[:_KEYWORD_TEXT_CHARS]
        space = head.rfind(" ")
        content = head[:space] if space > _KEYWORD_TEXT_CHARS // 2 else head
    if title and content:
        # A sentence break keeps YAKE from gluing the title's last word to the
        # content's first word into one phrase.
        joiner = " " if title[-1] in ".!?。！？" else ". "
        text = f"{title}{joiner}{content}"
    else:
        text = title or content
    # segtok only splits ASCII contractions; curly ones would leave "wasn’t" whole.
    text = text.replace("\u2019", "'")
    if not any(ch.isalpha() for ch in text):
        return []
    try:
        # A fresh extractor per call: its similarity cache is per instance and
        # not meant to be shared across request threads. lemmatize=False keeps
        # YAKE from loading spaCy/NLTK (the NLTK path would try to download data).
        extractor = yake.KeywordExtractor(
            lan="en",
            n=_KEYWORD_NGRAM,
            top=limit * 3,
            stopwords=_stopwords(),
            lemmatize=False,
        )
        scored = extractor.extract_keywords(text)
        candidates = [kw for kw, _score in scored if isinstance(kw, str)]
    except Exception:  # yake catches its own errors, its tokenizer may not; carry on
        logger.warning("Keyword extraction failed", exc_info=True)
        return []
    return _select_keywords(candidates, limit)


def analyse_dream(*, title: str, content: str, max_keywords: int = 8) -> dict[str, Any]:
    """Analyse a dream locally and return its emotions, keywords and mood.

    Returns ``{"emotions": [...], "keywords": [...], "mood": str, "source": "local"}``:
    up to 5 emotions from :data:`EMOTION_LEXICON`, most frequent first ([] when
    none); up to ``max_keywords`` (at most 20) lowercase keywords; ``mood`` is the
    first emotion or ``"neutral"``. Offline, never raises on any text.
    """
    title = title if isinstance(title, str) else ""
    content = content if isinstance(content, str) else ""
    try:
        emotions = detect_emotions(f"{title}\n{content}")
    except Exception:  # a lexicon bug must not take the dream page down
        logger.warning("Emotion detection failed", exc_info=True)
        emotions = []
    keywords = extract_keywords(title=title, content=content, max_keywords=max_keywords)
    return {
        "emotions": emotions,
        "keywords": keywords,
        "mood": emotions[0] if emotions else NEUTRAL_MOOD,
        "source": "local",
    }
