"""A dream's mood: valence and arousal, and the one word users see.

Three kinds of evidence, strongest first: the emotion cues (each pulling towards its
emotion's place on the circumplex, a strong word further than a mild one), tone words
("horrible", "lovely", "running") and, weakest, the affect of the dream's symbols (a
"monster" is tense, a "meadow" calm). Little evidence keeps the figures near the
neutral point (valence 0, arousal :data:`BASE_AROUSAL`); "neutral" is the word only when
there is no evidence at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dreams.analysis import lexicon
from dreams.analysis.emotions import EmotionReading
from dreams.analysis.symbols import Symbol

NEUTRAL_MOOD = "neutral"
BASE_AROUSAL = 0.3
# The words users see, one of these.
MOOD_WORDS = (
    "joyful",
    "exhilarated",
    "tender",
    "serene",
    "enchanted",
    "startled",
    "terrified",
    "frightened",
    "eerie",
    "tense",
    "uneasy",
    "melancholy",
    "bittersweet",
    "angry",
    "bewildered",
    "pensive",
    NEUTRAL_MOOD,
)

# Evidence it takes to move halfway from neutral to what the evidence says.
_HALF_CONFIDENCE = 1.5
_SYMBOL_WEIGHT = 0.3
# Without emotions, less evidence than this only says the dream was not empty.
_WEAK_EVIDENCE = 1.0
_POSITIVE = frozenset({"joy", "love", "calm", "wonder"})


@dataclass(frozen=True, slots=True)
class Mood:
    word: str
    valence: float  # -1 (distressing) .. 1 (pleasant)
    arousal: float  # 0 (still, sleepy) .. 1 (frantic)


def _symbol_affect(symbols: Iterable[Symbol]) -> tuple[float, float, float]:
    weight = valence = arousal = 0.0
    for symbol in symbols:
        affect = lexicon.affect_of(symbol.canonical)
        # A kitchen or a bus says nothing of how the dream felt: only telling symbols count.
        if affect is None or (abs(affect[0]) < 0.15 and abs(affect[1] - BASE_AROUSAL) < 0.2):
            continue
        w = _SYMBOL_WEIGHT * min(symbol.score, 2.0)
        weight += w
        valence += w * affect[0]
        arousal += w * affect[1]
    return weight, valence, arousal


def _word(
    emotions: Sequence[str],
    scores: dict[str, float],
    valence: float,
    arousal: float,
    *,
    strongest: float,
    evidence: float,
) -> str:
    """The mood word for the evidence (``valence`` and ``arousal`` unshrunk)."""
    if not emotions:
        if evidence < _WEAK_EVIDENCE:
            return "pensive"
        if valence >= 0.15:
            return "enchanted" if arousal >= 0.55 else "serene"
        if valence <= -0.15:
            if arousal >= 0.6:
                return "tense"
            return "melancholy" if arousal < 0.4 else "uneasy"
        return "pensive"
    top = emotions[0]
    sad = scores.get("sadness", 0.0)
    happy = max((scores.get(e, 0.0) for e in _POSITIVE), default=0.0)
    if "sadness" in emotions[:2] and happy >= 0.6 * sad and any(e in _POSITIVE for e in emotions):
        return "bittersweet"
    if top == "joy":
        return "exhilarated" if arousal >= 0.7 and "wonder" in emotions else "joyful"
    if top == "love":
        return "tender"
    if top == "calm":
        return "serene"
    if top == "wonder":
        return "exhilarated" if "joy" in emotions[:2] and arousal >= 0.65 else "enchanted"
    if top == "surprise":
        return "startled"
    if top == "fear":
        fear = scores.get("fear", 0.0)
        if strongest >= 3.0 and fear >= 3.0:
            return "terrified"
        if "confusion" in emotions or fear < 1.5 or arousal < 0.55:
            return "eerie"
        return "frightened"
    if top == "anxiety":
        return "tense" if arousal >= 0.6 else "uneasy"
    if top == "sadness":
        return "melancholy"
    if top == "anger":
        return "angry"
    # confusion
    return "eerie" if "fear" in emotions or "anxiety" in emotions else "bewildered"


def assess_mood(
    reading: EmotionReading,
    emotions: Sequence[str],
    symbols: Iterable[Symbol],
    *,
    scores: dict[str, float] | None = None,
) -> Mood:
    """The mood of a dream from its emotion reading, chosen emotions and symbols.

    ``scores`` are the emotions' scores when they do not come from ``reading`` (emotions
    hinted by symbols in a dream that names no feeling).
    """
    sym_weight, sym_valence, sym_arousal = _symbol_affect(symbols)
    total = reading.weight + reading.tone_weight + sym_weight
    if total <= 0:
        return Mood(NEUTRAL_MOOD, 0.0, BASE_AROUSAL)
    valence = (reading.valence_sum + reading.tone_valence_sum + sym_valence) / total
    arousal = (reading.arousal_sum + reading.tone_arousal_sum + sym_arousal) / total
    confidence = total / (total + _HALF_CONFIDENCE)
    scores = reading.scores if scores is None else scores
    word = _word(
        emotions, scores, valence, arousal, strongest=reading.strongest_cue, evidence=total
    )
    shown_valence = max(-1.0, min(1.0, valence * confidence))
    shown_arousal = max(0.0, min(1.0, BASE_AROUSAL + (arousal - BASE_AROUSAL) * confidence))
    return Mood(word, round(shown_valence, 2), round(shown_arousal, 2))
