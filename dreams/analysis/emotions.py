"""Emotions in a dream: a weighted cue lexicon with negation and intensity.

Every cue word carries a weight: a feeling named outright weighs 2 ("scared"), a strong
one 3 ("terrified"), a mild one less ("uneasy" 1.5), and a scene that usually comes with
a feeling ("monster", "crying", "exam") 1 or less. An intensifier just before a cue
multiplies it by 1.5 ("so scared"), a softener by 0.5 ("a bit nervous"). A negated cue
("wasn't afraid", "never felt scared") does not count for its emotion; a negated fear
or worry counts a little for calm instead, a negated calm for anxiety and a negated joy
or love for sadness ("I wasn't afraid at all" reads as calm).

An entry ending in ``*`` matches any word starting with it ("terrif*" -> terrified,
terrifying); other entries match the whole word only, which is how short or ambiguous
stems are kept from matching unrelated words ("sad" vs "saddle", "hug" vs "huge").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from dreams.analysis.text import is_word, stem, tokenize

MAX_EMOTIONS = 5

# Each emotion's place on the circumplex: (valence -1..1, arousal 0..1).
EMOTION_AFFECT: dict[str, tuple[float, float]] = {
    "joy": (0.8, 0.7),
    "fear": (-0.8, 0.9),
    "sadness": (-0.7, 0.3),
    "anger": (-0.7, 0.85),
    "surprise": (0.1, 0.8),
    "love": (0.8, 0.5),
    "calm": (0.6, 0.15),
    "anxiety": (-0.6, 0.75),
    "wonder": (0.7, 0.55),
    "confusion": (-0.2, 0.5),
}

# Cues per emotion as "cue" (weight 2: a feeling named) or "cue:weight". Order of the
# emotions is the tie-break order.
# fmt: off
_FEELINGS: dict[str, str] = {
    "joy": """
        happy happi* glad gladness joy joyful joyous joyfully delight* cheerful cheer*:1.5
        excit* elat*:3 euphori*:3 thrill*:2.5 overjoyed:3 jubilant:3 ecsta*:3 bliss*:2.5
        wonderful:1.5 fun:1.5 playful:1.5 proud:1.5 grateful:1.5
        carefree:2 giddy:2 exhilarat*:3 powerful:1.5 free:1.5 freedom:1.5 hopeful:1.5
        amused:1.5 hilarious:1.5 glee*:2
    """,
    "fear": """
        afraid fear feared fearful fears scared scare* scary scari* frighten* fright
        terrif*:3 horrif*:3 horror*:3 terror*:3 petrified:3 panic*:3 dread*:2.5
        creepy:1.5 creeped:1.5 spooked spooky:1.5 alarmed unsettl*:1.5 unnerv* chilling:1.5
        menac*:1.5
    """,
    "sadness": """
        sad sadly sadness sorrow* grie* mourn* lonely loneli* depress* miser* heartbr*:3
        gloom* despair*:3 hopeless*:2.5 regret* unhapp* melanchol* emptiness devastat*:3
        upset:1.5 disappoint* homesick nostalgi*:1.5 wistful:1.5 heartache longing:1.5
        yearning:1.5 sorry:1.5 hurt:1
    """,
    "anger": """
        angry angri* anger* furious*:3 fury:3 rage*:3 raging:3 enraged:3 livid:3 mad:1.5
        hate* hatred hating annoy*:1.5 irritat*:1.5 frustrat* resent* outrage*:3
        jealous*:1.5 hostil* revenge* betray*:1.5 bitter:1.5 upset:1 envious:1.5 irate:2.5
        disgust*:1.5
    """,
    "surprise": """
        surpris* shock*:2.5 astonish*:2.5 amaz*:1.5 startl* stunned gasp*:1.5 speechless
        unexpect*:1.5 dumbfounded:2.5 astound*:2.5 flabbergast*:2.5
    """,
    "love": """
        love* loving lover* ador* affection* tender* darling sweetheart beloved crush:1.5
        romanc* romantic intima* soulmate* caring cared fond:1.5 cherish*
    """,
    "calm": """
        calm* peace* serene serenity tranquil* relax* safe safety rested restful sooth*
        comfort* content contented ease relief:1.5 relieved:1.5 fearless:1.5 unafraid:1.5
        secure:1.5 protected:1.5
    """,
    "anxiety": """
        anxious* anxiety anxieti* worr* nervous* stress* tense tension uneas*:1.5
        restless*:1.5 overwhelm*:2.5 helpless*:2.5 panic*:2 embarrass* humiliat*:2.5
        ashamed:1.5 desperat*:2.5 frantic*:3 apprehensi* insecure mortified:2.5 shame*
        guilt*:1.5 awkward:1.5 jittery
    """,
    "wonder": """
        wonder wondrous awe awed awestruck marvel* magic*:1.5 magnific* majestic enchant*
        breathtak*:3 mesmeri*:2.5 amaz*:1.5 beautiful:1.5 beauty:1.5 wondered:1 curious:1.5
        fascinat* spellbound:2.5 dazzl*:1.5
    """,
    "confusion": """
        confus* puzzl* bewilder* baffl* disorient* unsure:1.5 uncertain*:1.5 unclear:1.5
        lost:1 strange:1 strangely:1 strangeness:1 weird*:1 odd:1 bizarre:1 nonsens*:1
        absurd*:1 surreal*:1
    """,
}
# Scenes that usually carry a feeling: weaker evidence than the feeling itself.
_SCENES: dict[str, str] = {
    "joy": """
        laugh* smil* grin grinned grinning giggl* danc*:0.75 celebrat* cheering:0.75
    """,
    "fear": """
        monster*:1 demon* ghost*:0.75 nightmare* creature*:0.75 scream* blood*:0.75 kill*
        murder* attack* trapped drown* spider*:0.75 zombie* threat* danger* evil fled
        flee* haunt* sinister chase* chasing pursu* hunted dark:0.5 darkness:0.75
        shadow*:0.5 falling:0.75 intruder* fire:0.5 flames:0.5 burning:0.5 smoke:0.5
    """,
    "sadness": """
        cry:1.5 cried:1.5 cries:1.5 crying:1.5 tears:1.5 tearful:1.5 weep*:1.5 wept:1.5
        sob:1.5 sobbed:1.5 sobbing:1.5 funeral* died dead:0.75 death:0.75 dying goodbye
        alone:0.75 grave:0.5
    """,
    "anger": """
        yell* shout* argu* fight*:0.75 fought:0.75 punch* slam* smash*:0.75 screamed:0.5
    """,
    "surprise": "",
    "love": """
        kiss* hug hugs hugged hugging embrac* cuddl* wedding*:0.75 marri*:0.75
    """,
    "calm": """
        drift* breez* meadow* warmth cozy cosy harmon* resting floating:0.5 quiet*:0.5
        gentle:0.75 gently:0.75
    """,
    "anxiety": """
        late exam exams examination unprepared naked sweat* trembl* shaking shaky
        pressure* deadline* forgot forgotten forgetting hurry* rush* pounding racing stuck
        lost:0.5 missed:0.75 falling:0.5 teeth:0.5
    """,
    "wonder": """
        glow* shimmer* sparkl* glitter* luminous radiant fly:1 flying:1 flew:1 float*:0.75
        soar* star:0.75 stars:0.75 starry starlight galax* cosmos cosmic universe infinite
        mystic* heaven* celestial rainbow* aurora* fairy fairies miracul* miracle*
    """,
    "confusion": """
        maze* labyrinth* blurr* riddle* chao* morph* unfamiliar dizz* shifting shifted
        changing:0.5 changed:0.5
    """,
}
# fmt: on

# Words that colour a dream without naming a feeling: (valence, arousal), for the mood.
# fmt: off
_TONE: dict[str, tuple[float, float]] = {
    "good": (0.4, 0.4), "nice": (0.5, 0.35), "lovely": (0.7, 0.4), "pleasant": (0.6, 0.3),
    "perfect": (0.7, 0.45), "bright": (0.4, 0.5), "warm": (0.4, 0.3), "sweet": (0.5, 0.35),
    "kind": (0.5, 0.3), "friendly": (0.5, 0.4), "golden": (0.4, 0.4), "sunny": (0.5, 0.45),
    "colourful": (0.5, 0.5), "colorful": (0.5, 0.5), "gorgeous": (0.7, 0.55),
    "smiled": (0.5, 0.45), "welcome": (0.5, 0.4), "welcomed": (0.5, 0.4), "fine": (0.3, 0.3),
    "bad": (-0.5, 0.5), "awful": (-0.7, 0.6), "horrible": (-0.8, 0.7), "terrible": (-0.7, 0.6),
    "ugly": (-0.5, 0.5), "disgusting": (-0.7, 0.6), "gross": (-0.6, 0.55),
    "wrong": (-0.4, 0.55), "broken": (-0.3, 0.45), "rotten": (-0.6, 0.5),
    "rotting": (-0.6, 0.5), "cold": (-0.2, 0.35), "grey": (-0.15, 0.25), "gray": (-0.15, 0.25),
    "dirty": (-0.4, 0.45), "sick": (-0.5, 0.45), "pain": (-0.6, 0.65), "painful": (-0.6, 0.65),
    "bleeding": (-0.6, 0.75), "injured": (-0.5, 0.65), "empty": (-0.3, 0.2),
    "abandoned": (-0.4, 0.3), "silent": (-0.1, 0.2), "loud": (-0.1, 0.75),
    "crashing": (-0.4, 0.8), "crashed": (-0.5, 0.8), "exploded": (-0.5, 0.9),
    "burning": (-0.4, 0.8), "collapsed": (-0.5, 0.75), "sinking": (-0.4, 0.6),
    "cracked": (-0.3, 0.5), "crumbling": (-0.4, 0.55), "decaying": (-0.5, 0.4),
    "running": (-0.1, 0.75), "ran": (-0.1, 0.75), "hiding": (-0.4, 0.7), "hid": (-0.4, 0.7),
    "escape": (-0.3, 0.8), "escaped": (-0.1, 0.8), "fast": (0.0, 0.75), "slowly": (0.1, 0.2),
    "slow": (0.0, 0.2), "sleepy": (0.1, 0.1), "lazy": (0.2, 0.15), "ordinary": (0.0, 0.25),
    "normal": (0.05, 0.25), "sunlit": (0.5, 0.35), "moonlit": (0.2, 0.3),
}
# fmt: on
_TONE_WEIGHT = 0.5

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
        "by", "about", "single", "least", "slightest", "it", "this", "there", "anything",
        "such", "have", "had", "has", "ever",
    }
)
_INTENSIFIERS = frozenset(
    {
        "very", "so", "really", "extremely", "incredibly", "utterly", "completely", "totally",
        "deeply", "absolutely", "terribly", "truly", "too", "super", "insanely", "awfully",
        "overwhelmingly", "intensely", "genuinely", "horribly", "profoundly", "most",
        "overwhelming", "such", "pure", "sheer",
    }
)
_SOFTENERS = frozenset(
    {"slightly", "somewhat", "little", "bit", "mildly", "faintly", "kinda", "vaguely", "rather"}
)
# fmt: on
_NEGATION_MAX_GAP = 3
# After these a scene word is a feeling named: "I felt trapped", "feeling lost".
_FEELING_VERBS = frozenset({"feel", "felt", "feels", "feeling"})
_INTENSIFIED = 1.5
_SOFTENED = 0.5
_CLAUSE_BREAKERS = frozenset({"but", "yet", "though", "although", "however"})
# What a negated cue counts for instead, at this share of its weight.
_NEGATION_FLIPS: dict[str, str] = {"fear": "calm", "anxiety": "calm", "calm": "anxiety"}
# "never been so scared", "never felt more alive": the negator makes it stronger.
_COMPARATIVES = frozenset({"so", "more", "such"})
# A cue right before one of these is a phrase that means something else ("calm down").
_NOT_BEFORE: dict[str, frozenset[str]] = {"calm": frozenset({"down"})}
_FLIP_SHARE = 0.5
# An emotion is reported when it scores at least this share of the strongest one, and
# it is named outright ("scared") or scenes add up to at least MIN_SCENE_SCORE for it.
MIN_SHARE = 0.3
MIN_SCENE_SCORE = 1.5


# One cue's signal: (emotion, weight, named) where ``named`` is True for a feeling word.
Cue = tuple[str, float, bool]


def _parse(groups: Sequence[tuple[dict[str, str], float, bool]]) -> dict[str, list[Cue]]:
    """Turn the cue strings into {cue: [(emotion, weight, named), ...]} (keeping ``*``)."""
    cues: dict[str, list[Cue]] = {}
    for group, default, named in groups:
        for emotion, text in group.items():
            for entry in text.split():
                cue, _, weight = entry.partition(":")
                value = float(weight) if weight else default
                hits = cues.setdefault(cue, [])
                if value > 0 and all(existing != emotion for existing, _, _ in hits):
                    hits.append((emotion, value, named))
    return cues


def _build_index() -> tuple[dict[str, tuple[Cue, ...]], dict[str, tuple[Cue, ...]], int]:
    cues = _parse([(_FEELINGS, 2.0, True), (_SCENES, 1.0, False)])
    exact = {k: tuple(v) for k, v in cues.items() if not k.endswith("*") and v}
    prefixes = {k[:-1]: tuple(v) for k, v in cues.items() if k.endswith("*") and v}
    return exact, prefixes, min((len(p) for p in prefixes), default=1)


_EXACT_CUES, _PREFIX_CUES, _MIN_PREFIX_LEN = _build_index()

# The emotions and their cue words, for reference and tests: {emotion: (cue, ...)}.
EMOTION_LEXICON: dict[str, tuple[str, ...]] = {
    emotion: tuple(
        entry.partition(":")[0]
        for group in (_FEELINGS, _SCENES)
        for entry in group[emotion].split()
    )
    for emotion in EMOTION_AFFECT
}
_ORDER = {emotion: index for index, emotion in enumerate(EMOTION_AFFECT)}


@lru_cache(maxsize=16_384)
def cue_weights(token: str) -> tuple[Cue, ...]:
    """The (emotion, weight, named) a lowercase token signals, or () when it is no cue.

    Whole-word cues come first; the longest matching prefix adds the emotions they lack
    ("screamed": anger as a word, fear as "scream*"), so each token counts at most once
    per emotion.
    """
    if token in _INTENSIFIERS:
        return ()
    if "'" in token:
        token = stem(token)
    hits = list(_EXACT_CUES.get(token, ()))
    for end in range(len(token), _MIN_PREFIX_LEN - 1, -1):
        prefix_hits = _PREFIX_CUES.get(token[:end])
        if prefix_hits:
            seen = {emotion for emotion, _, _ in hits}
            hits.extend(hit for hit in prefix_hits if hit[0] not in seen)
            break
    return tuple(hits)


def is_feeling_word(token: str) -> bool:
    """True for a word that names a feeling ("scared", "terrified"), not a scene."""
    return any(named for _, _, named in cue_weights(token))


def _is_negator(token: str) -> bool:
    return token in _NEGATORS or token.endswith("n't")


def _degree(tokens: list[str], index: int) -> float:
    """How the two words before ``tokens[index]`` scale it: 1.5, 0.5 or 1."""
    before = tokens[max(0, index - 2) : index]
    if before and before[-1] == "of" and len(before) == 2 and before[0] in ("kind", "sort"):
        return _SOFTENED
    for word in reversed(before):
        if not is_word(word):
            break
        if word in _INTENSIFIERS:
            return _INTENSIFIED
        if word in _SOFTENERS:
            return _SOFTENED
    return 1.0


@dataclass
class EmotionReading:
    """What the cue scan found: a score per emotion and the affect the cues carry."""

    scores: dict[str, float] = field(default_factory=dict)
    # Sums over every counted cue of weight, weight * valence and weight * arousal.
    weight: float = 0.0
    valence_sum: float = 0.0
    arousal_sum: float = 0.0
    strongest_cue: float = 0.0
    negated: int = 0
    # Emotions named outright by a feeling word (not only suggested by a scene).
    named: set[str] = field(default_factory=set)
    # The same sums for tone words, which colour the mood but name no emotion.
    tone_weight: float = 0.0
    tone_valence_sum: float = 0.0
    tone_arousal_sum: float = 0.0

    def add_tone(self, valence: float, arousal: float, weight: float = _TONE_WEIGHT) -> None:
        self.tone_weight += weight
        self.tone_valence_sum += weight * valence
        self.tone_arousal_sum += weight * arousal

    def add(self, emotion: str, weight: float) -> None:
        self.scores[emotion] = self.scores.get(emotion, 0.0) + weight
        valence, arousal = EMOTION_AFFECT[emotion]
        # A strong word pulls further from neutral than a mild one ("terrified" > "uneasy").
        scale = 0.6 + 0.4 * min(weight, 3.0) / 3.0
        self.weight += weight
        self.valence_sum += weight * valence * scale
        self.arousal_sum += weight * arousal * scale
        self.strongest_cue = max(self.strongest_cue, weight)

    def ranked(self, limit: int = MAX_EMOTIONS) -> list[str]:
        """Emotions worth reporting, strongest first (ties in lexicon order)."""
        if not self.scores or limit <= 0:
            return []
        top = max(self.scores.values())
        floor = MIN_SHARE * top
        kept = [
            e
            for e, score in self.scores.items()
            if score >= floor and score > 0 and (e in self.named or score >= MIN_SCENE_SCORE)
        ]
        kept.sort(key=lambda e: (-self.scores[e], _ORDER[e]))
        return kept[:limit]


def read_emotions(tokens: list[str]) -> EmotionReading:
    """Score every emotion cue in ``tokens`` (from :func:`dreams.analysis.text.tokenize`)."""
    reading = EmotionReading()
    # Tokens since the last negator, or None when no negation is open.
    since_negator: int | None = None
    negator = ""
    comparative = False
    for index, token in enumerate(tokens):
        if not is_word(token) or token in _CLAUSE_BREAKERS:
            since_negator = None
            continue
        if _is_negator(token):
            since_negator, negator, comparative = 0, token, False
            continue
        cues = cue_weights(token)
        if cues and index + 1 < len(tokens) and tokens[index + 1] in _NOT_BEFORE.get(token, ()):
            cues = ()
        if cues and since_negator is not None and negator == "never" and comparative:
            since_negator = None  # "never been so scared": stronger, not negated
            cues = tuple((emotion, weight * _INTENSIFIED, named) for emotion, weight, named in cues)
        tone = _TONE.get(token)
        if tone is not None and not cues:
            if since_negator is None:
                reading.add_tone(*tone)
            else:  # "not bad" is mildly good, "wasn't cold" mildly warm
                reading.add_tone(-tone[0] * _FLIP_SHARE, tone[1])
                since_negator = 0
            continue
        if cues:
            degree = _degree(tokens, index)
            if since_negator is None:
                felt = index > 0 and tokens[index - 1] in _FEELING_VERBS
                for emotion, weight, named in cues:
                    reading.add(emotion, weight * degree)
                    if named or felt:
                        reading.named.add(emotion)
            else:
                reading.negated += 1
                for emotion, weight, named in cues:
                    flip = _NEGATION_FLIPS.get(emotion)
                    if flip and named:  # "not afraid" says something; "no monsters" less
                        reading.add(flip, weight * degree * _FLIP_SHARE)
                        reading.named.add(flip)
                since_negator = 0
            continue
        if since_negator is not None:
            if token in _NEGATION_BRIDGE and since_negator < _NEGATION_MAX_GAP:
                since_negator += 1
                comparative = comparative or token in _COMPARATIVES
            else:
                since_negator = None
    return reading


def detect_emotions(text: str, *, limit: int = MAX_EMOTIONS) -> list[str]:
    """Return up to ``limit`` emotions felt in ``text``, strongest first.

    Cues are weighted by intensity and degree words; negated cues do not count for
    their emotion. An emotion is kept when it scores at least :data:`MIN_SHARE` of the
    strongest one and is named by a feeling word or suggested by scenes scoring at least
    :data:`MIN_SCENE_SCORE`. Returns [] when no cue is found.
    """
    if not isinstance(text, str) or not text:
        return []
    return read_emotions(tokenize(text)).ranked(limit)
