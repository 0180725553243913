"""A dream's symbols: the things, places, people and creatures in it, as noun phrases.

No parser and no model: first the dream-symbol lexicon (:mod:`dreams.analysis.lexicon`)
is matched word by word, multiword entries first, with the adjectives right before a
symbol kept as its modifiers ("glass lighthouse", "endless hallway"). Then YAKE, a
statistical extractor, proposes what the lexicon lacks, and only noun-like phrases are
kept: no word may be a verb, adverb, adjective or function word by a suffix and
stop-list test, and the phrase must follow a determiner or possessive somewhere in the
dream ("a vending machine", "my typewriter"), which verbs and clause fragments never do.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from dreams.analysis import lexicon
from dreams.analysis.emotions import is_feeling_word
from dreams.analysis.lexicon import DETERMINERS, MODIFIERS, SURFACES
from dreams.analysis.text import SENTENCE_END, is_word, stem, tokenize, word_set

try:
    import yake
except ImportError:  # pragma: no cover - yake is a hard dependency, but never crash analysis
    yake = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

MAX_SYMBOLS = 20
MAX_SYMBOL_CHARS = 50
OTHER_FAMILY = "other"

# YAKE costs about 7 ms per 1,000 characters here, so it only reads the title and the
# opening of a long dream; the lexicon reads all of it.
STATISTICAL_TEXT_CHARS = 2_000
_NGRAM = 2
_TITLE_BONUS = 1.5
# A statistical phrase counts for less than a lexicon symbol mentioned as often.
_STATISTICAL_SHARE = 0.8

# A word right before a noun-or-verb word that shows it is a verb here ("I fly", "could bear").
_VERBAL = word_set(
    """
    i you he she we they can could would will should might must may did do does shall
    don't didn't couldn't wouldn't cannot can't won't shouldn't
    """
)
# Preceding words after which a symbol is narration, not imagery ("last night").
_NOT_AFTER: dict[str, frozenset[str]] = {
    "night": frozenset({"last", "that", "one", "every", "each", "this", "all", "other"}),
    "home": frozenset({"at"}),
}
# ...and following words after which it is an idiom ("the foot of the bed").
_NOT_BEFORE: dict[str, frozenset[str]] = {"foot": frozenset({"of"}), "face": frozenset({"to"})}
# The dreamer's own body in passing ("my face", "my hands") weighs half a mention.
_OWN_BODY_WEIGHT = 0.5
_PASSING_BODY = frozenset({"face", "hand", "hair", "foot", "leg", "finger", "body", "skin"})
# A symbol needs at least this much weight to be reported.
_MIN_SALIENCE = 1.0
# Words before a plural that show it is a noun ("over fences", "while sirens wailed").
_PLURAL_CONTEXT = word_set(
    """
    of over through with into onto past between among like from under behind across
    along around above below beside near inside outside without and or while for
    """
)
_NUMBERS = word_set("one two three four five six seven eight nine ten dozen hundred")

# Narration and generic nouns that are never a dream's symbol.
# fmt: off
_GENERIC = word_set(
    """
    dream dreams dreamed dreamt dreaming nightmare nightmares woke wake waking awake
    thing things stuff something someone somebody somewhere anything anyone everything
    everyone nothing nobody everywhere time times way ways lot lots bit bits kind kinds
    sort sorts part parts piece pieces place places moment moments minute minutes second
    seconds hour hours day days week weeks year years while point reason idea ideas
    feeling feelings sense sound sounds noise words word question questions answer
    name names number numbers colour colours color colors shape shapes size side sides
    edge corner middle centre center top bottom front back inside outside rest end
    beginning start left right distance direction same other whole next first last only
    few many much more most less least own kind okay yeah maybe also still just really
    suddenly again then soon later away around back ahead instead
    people person memory memories version scene scenes reality life ground
    hundred hundreds thousand thousands dozen dozens million millions
    """
)
# Common verbs and adverbs in the forms a suffix test misses.
_VERBS = word_set(
    """
    made make makes went go goes gone came come comes took take takes saw see sees seen
    got get gets found find finds ran run runs grew grow grows turned turn turns told tell
    said say says knew know knows thought think felt feel left leave kept keep began begin
    begun became become brought bring held hold stood stand sat sit fell fall flew fly
    threw throw gave give put set let seemed seem looked look tried try wanted want
    needed need started start heard hear opened open closed close walked walk told
    asked ask called call moved move showed show stopped stop woke wake swam swim sang
    sing spoke speak wore wear broke break drove drive rode ride climbed climb reached
    reach realised realized remember remembered noticed notice appeared appear
    disappeared disappear happened happen became led lead lost lose met meet paid pay
    built build bought buy caught catch taught teach fought fight sought chose choose
    hid hide bit shook shake stuck struck hung hang lay lie laid rose rise sank
    sold told bought brought caught taught thought fought sought held dealt meant sent
    spent lent built burnt learnt slept wept swept crept leapt knelt dreamt forgot forget
    inside outside bigger smaller larger taller higher lower longer shorter darker
    brighter louder closer further farther faster slower older younger stranger deeper
    wider heavier lighter colder warmer softer harder later earlier
    """
)
# Adjectives a suffix test misses, which follow determiners like nouns ("a steep road").
_ADJECTIVES = word_set(
    """
    past full fat steep loose bare normal wrong right backward backwards soft hard sunlit
    stolen exact real same different whole entire main usual strange weird odd sure ready
    able alive asleep awake alone afraid aware free open shut tight loud quiet calm warm
    cool hot cold windy rainy sunny cloudy shiny thin thick heavy light fresh clean dirty
    rich poor young late early good bad great fine nice pretty lovely sweet kind cruel
    sad happy angry sorry tired sick ill weak strong brave proud funny crazy silly
    certain complete perfect simple plain rough smooth sharp blunt flat round square
    huge tiny giant enormous little big small long short tall high low deep wide narrow
    anymore somehow anyway almost nearly quite rather pretty instead otherwise together
    halfway midway sideways upstairs downstairs overhead
    """
)
# Words ending in -ing that are nouns ("a clearing", "the ceiling").
_ING_NOUNS = word_set(
    """
    building ceiling painting wedding clearing landing ring king wing string spring swing
    evening morning clothing sibling icing railing pudding stocking earring dumpling
    darling duckling lightning offspring sling sting drawing carving crossing gathering
    dwelling wing ping thing
    """
)
# fmt: on
_ADJECTIVE_SUFFIXES = ("ful", "ous", "ive", "able", "ible", "less", "ish", "est", "ly")
_PARTICIPLES = word_set(
    "stolen broken fallen hidden frozen forgotten eaten given taken written woken risen"
)
_WORD_RE = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")


@dataclass
class Symbol:
    """A symbol found in a dream, with what ranks it."""

    name: str  # what users see: modifiers and the dreamer's own word ("glass lighthouse")
    canonical: str  # what mentions are merged on ("lighthouse"; "mother" for "mom")
    family: str
    score: float
    first: int  # position of the first mention (title mentions come first)
    modified: bool = False  # the name carries modifiers

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "family": self.family}


def _noun_context(tokens: list[str], index: int, *, canonical: str) -> bool:
    """True when the word at ``index`` stands where a noun stands.

    After a determiner, a number, a modifier or a possessive ("the light", "two dogs",
    "red light", "mum's watch"), or opening a sentence ("Fish jumped out").
    """
    if index == 0:
        return True
    previous = tokens[index - 1]
    if previous in _NOT_AFTER.get(canonical, ()):
        return False
    if previous in DETERMINERS or previous in MODIFIERS or previous in _NUMBERS:
        return True
    if previous in SENTENCE_END or previous.endswith(("'s", "s'")):
        return True
    return _surface_at(tokens, index - 1) is not None  # "night" train, "stage" lights


def _nounish_word(token: str) -> bool:
    """Could ``token``, after an adjective, be the noun it qualifies ("dark figure")?"""
    return (
        is_word(token)
        and token not in _stopwords()
        and token not in _ADJECTIVES
        and not token.endswith(("ed", "ly"))
    )


def _surface_at(tokens: list[str], index: int) -> tuple[lexicon.Surface, int] | None:
    """The longest lexicon entry starting at ``tokens[index]``, with its length in words."""
    first = tokens[index]
    longest = lexicon.MULTIWORD_STARTS.get(first)
    if longest is not None:
        for length in range(min(longest, len(tokens) - index), 1, -1):
            words = tokens[index : index + length]
            if not all(is_word(w) for w in words):
                continue
            surface = SURFACES.get(" ".join([*words[:-1], stem(words[-1])]))
            if surface is not None:
                return surface, length
    surface = SURFACES.get(stem(first))
    return (surface, 1) if surface is not None else None


def _modifiers_before(tokens: list[str], index: int) -> list[str]:
    """Up to two modifiers right before ``tokens[index]``: "huge black" dog, or a noun
    that qualifies it ("birthday" party, "old school" bus)."""
    mods: list[str] = []
    position = index - 1
    while position >= 0 and len(mods) < 2:
        word = tokens[position]
        qualifier = position == index - 1 and SURFACES.get(word) is not None
        if word not in MODIFIERS and not qualifier:
            break
        mods.insert(0, word)
        position -= 1
    return mods


def _qualifies_next(tokens: list[str], index: int) -> bool:
    """True when the single word at ``index`` qualifies what follows it rather than
    being a symbol itself: a noun before a symbol ("chocolate" cake, "night" train), or
    an adjective before any noun ("dark" figure, "glass" lighthouse)."""
    following = index + 1
    if following >= len(tokens) or not is_word(tokens[following]) or "'" in tokens[index]:
        return False  # a possessive owns what follows ("grandmother's house"): both count
    if _surface_at(tokens, following) is not None:
        return True
    after = tokens[following]
    return tokens[index] in MODIFIERS and (after in MODIFIERS or _nounish_word(after))


def _scan(tokens: list[str], found: dict[str, Symbol], *, offset: int, weight: float) -> None:
    """Add every lexicon symbol in ``tokens`` to ``found`` (keyed by canonical name)."""
    index = 0
    count = len(tokens)
    while index < count:
        token = tokens[index]
        if not is_word(token) or (token in _GENERIC and token not in SURFACES):
            index += 1
            continue
        hit = _surface_at(tokens, index)
        if hit is None:
            index += 1
            continue
        surface, length = hit
        after = index + length
        previous = tokens[index - 1] if index else ""
        if previous in _VERBAL:
            index = after
            continue
        if length == 1 and _qualifies_next(tokens, index):
            index += 1
            continue
        if surface.needs_context and not _noun_context(tokens, index, canonical=surface.canonical):
            index = after
            continue
        if previous in _NOT_AFTER.get(surface.canonical, ()) or (
            after < count and tokens[after] in _NOT_BEFORE.get(surface.canonical, ())
        ):
            index = after
            continue
        mods = [m for m in _modifiers_before(tokens, index) if m != surface.display]
        name = " ".join([*mods, surface.display])[:MAX_SYMBOL_CHARS].strip()
        mention = weight
        if surface.canonical in _PASSING_BODY and previous == "my":
            mention *= _OWN_BODY_WEIGHT
        symbol = found.get(surface.canonical)
        if symbol is None:
            found[surface.canonical] = Symbol(
                name, surface.canonical, surface.family, mention, offset + index
            )
        else:
            symbol.score += mention
            if mods and not symbol.modified:  # "the lighthouse", then "a glass lighthouse"
                symbol.name = name
        if mods:
            found[surface.canonical].modified = True
        index = after


def lexicon_symbols(title_tokens: list[str], tokens: list[str]) -> dict[str, Symbol]:
    """Lexicon symbols of a dream, keyed by canonical name (title mentions weigh more)."""
    found: dict[str, Symbol] = {}
    # Title positions are negative so a title mention counts as the earliest.
    _scan(title_tokens, found, offset=-len(title_tokens) - 1, weight=_TITLE_BONUS)
    _scan(tokens, found, offset=0, weight=1.0)
    return {key: s for key, s in found.items() if s.score >= _MIN_SALIENCE}


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    """YAKE's bundled English stopwords (read once, no network) plus narration words."""
    base = frozenset(yake.KeywordExtractor(lan="en").stopword_set) if yake is not None else ()
    return frozenset(base) | _GENERIC | _VERBS


def _noun_like(word: str, *, head: bool) -> bool:
    """Could ``word`` be (part of) a noun phrase? A suffix and stop-list test."""
    if len(word) < 3 or word in _stopwords() or not _WORD_RE.fullmatch(word) or "'" in word:
        return False
    if word in _ADJECTIVES or is_feeling_word(word):  # feelings are the emotions' business
        return False
    if word in MODIFIERS:
        return not head
    if word.endswith(_ADJECTIVE_SUFFIXES):
        return False
    if word.endswith("ed") and not word.endswith(("eed", "ead")):
        return False
    if word.endswith("en") and word in _PARTICIPLES:
        return False
    # "-ing" words qualify nouns ("vending machine") but are rarely nouns themselves.
    return not (head and word.endswith("ing") and word not in _ING_NOUNS)


def _noun_slot(word: str) -> bool:
    """Can a noun phrase start right after ``word``? ("" is the start of a sentence.)"""
    return not word or word in DETERMINERS or word.endswith(("'s", "s'")) or word in _NUMBERS


def _phrase_counts(tokens: list[str], *, sentence_start: bool = True) -> tuple[Counter, set[str]]:
    """Occurrences of each word and word pair, and those seen in a noun's place:
    after a determiner, a possessive or a number, at a sentence's start (unless
    ``sentence_start`` is False, as in titles, which often open with a verb), or
    (plurals) after a preposition or conjunction ("climbed over fences")."""
    counts: Counter = Counter()
    nounish: set[str] = set()
    start = "" if sentence_start else "\n"
    previous = before_previous = start
    for token in tokens:
        if not is_word(token):
            previous = before_previous = start
            continue
        raw = token
        token = stem(token)
        counts[token] += 1
        if previous:
            pair = f"{previous} {token}"
            counts[pair] += 1
            if _noun_slot(before_previous):
                nounish.add(pair)
        plural = raw.endswith("s") and not raw.endswith(("ss", "us", "is", "'s"))
        if (
            _noun_slot(previous)
            or previous in MODIFIERS
            or (plural and previous in _PLURAL_CONTEXT)
        ):
            nounish.add(token)
        before_previous, previous = previous, token
    return counts, nounish


def statistical_symbols(
    title: str, content: str, known: dict[str, Symbol], *, limit: int
) -> list[Symbol]:
    """Noun phrases YAKE finds that the lexicon lacks, best first (``[]`` on any failure)."""
    if yake is None or limit <= 0:
        return []
    window = content[:STATISTICAL_TEXT_CHARS]
    if len(content) > STATISTICAL_TEXT_CHARS:
        space = window.rfind(" ")
        window = window[:space] if space > STATISTICAL_TEXT_CHARS // 2 else window
    title = title.strip()
    if title and window:
        # A sentence break keeps YAKE from gluing the title's last word to the content's first.
        text = f"{title}{' ' if title[-1] in '.!?' else '. '}{window}"
    else:
        text = title or window
    text = text.replace("\u2019", "'")
    if not any(ch.isalpha() for ch in text):
        return []
    try:
        # A fresh extractor per call: its similarity cache is per instance and not meant
        # to be shared across request threads. lemmatize=False keeps YAKE from loading
        # spaCy/NLTK (the NLTK path would try to download data).
        extractor = yake.KeywordExtractor(
            lan="en", n=_NGRAM, top=limit * 4, stopwords=_stopwords(), lemmatize=False
        )
        candidates = [kw for kw, _score in extractor.extract_keywords(text) if isinstance(kw, str)]
    except Exception:  # yake catches its own errors, its tokenizer may not; carry on
        logger.warning("Statistical symbol extraction failed", exc_info=True)
        return []
    counts, nounish = _phrase_counts(tokenize(window))
    title_counts, title_nounish = _phrase_counts(tokenize(title), sentence_start=False)
    nounish |= title_nounish
    taken = set(known)
    taken_words = {w for s in known.values() for w in s.name.split()}
    out: list[Symbol] = []
    for rank, raw in enumerate(candidates):
        words = [stem(w) for w in raw.lower().replace("\u2019", "'").split()]
        if not words or not all(
            _noun_like(w, head=i == len(words) - 1) for i, w in enumerate(words)
        ):
            continue
        if any(w in SURFACES for w in words) or set(words) <= taken_words:
            continue  # the lexicon already has it, with its family
        phrase = " ".join(words)
        in_title = phrase in title_counts
        if phrase not in nounish:
            continue
        name = " ".join([*words[:-1], lexicon.singular(words[-1])])
        canonical = lexicon.canonical_symbol(name)
        if not canonical or canonical in taken or len(name) > MAX_SYMBOL_CHARS:
            continue
        score = _STATISTICAL_SHARE * max(counts.get(phrase, 0), 1)
        score += _TITLE_BONUS if in_title else 0.0
        # YAKE's own order breaks ties after the lexicon's positions.
        out.append(Symbol(name, canonical, OTHER_FAMILY, score, 1_000_000 + rank))
        taken.add(canonical)
        taken_words.update(words)
    # A single word already inside a chosen phrase ("machine" after "vending machine") goes.
    phrases = [s for s in out if " " in s.name]
    return [s for s in out if " " in s.name or not any(s.name in p.name.split() for p in phrases)]


def extract_symbols(*, title: str, content: str, limit: int = 8) -> list[Symbol]:
    """The dream's symbols, most salient first, at most ``limit`` (capped at 20)."""
    limit = max(0, min(limit, MAX_SYMBOLS))
    if limit == 0:
        return []
    title = title if isinstance(title, str) else ""
    content = content if isinstance(content, str) else ""
    found = lexicon_symbols(tokenize(title), tokenize(content))
    symbols = list(found.values())
    symbols.extend(statistical_symbols(title, content, found, limit=limit))
    symbols.sort(key=lambda s: (-s.score, s.first))
    return symbols[:limit]
