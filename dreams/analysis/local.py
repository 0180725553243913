"""The local analyzer: a dream's emotions, symbols and mood, offline and in-process.

No network and no model files: emotions come from a weighted cue lexicon with negation
and intensity (:mod:`dreams.analysis.emotions`), symbols from the dream-symbol lexicon
plus YAKE for what it lacks (:mod:`dreams.analysis.symbols`), the mood from both
(:mod:`dreams.analysis.mood`). The result is a plain JSON-ready dict, stored with the
dream and handed to the video prompt builder.
"""

from __future__ import annotations

import logging
from typing import Any

from dreams.analysis import lexicon
from dreams.analysis.emotions import MAX_EMOTIONS, EmotionReading, read_emotions
from dreams.analysis.mood import NEUTRAL_MOOD, assess_mood
from dreams.analysis.symbols import (
    MAX_SYMBOLS,
    Symbol,
    lexicon_symbols,
    statistical_symbols,
)
from dreams.analysis.text import tokenize

logger = logging.getLogger(__name__)

SOURCE = "local"
MAX_KEYWORDS = MAX_SYMBOLS
MAX_KEYWORD_CHARS = 50
DEFAULT_KEYWORDS = 8


def _limit(max_keywords: object) -> int:
    try:
        return max(0, min(int(max_keywords), MAX_KEYWORDS))  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        return DEFAULT_KEYWORDS


def _ranked(symbols: list[Symbol]) -> list[Symbol]:
    return sorted(symbols, key=lambda s: (-s.score, s.first))


def _hinted_emotions(symbols: list[Symbol]) -> tuple[list[str], dict[str, float]]:
    """Emotions the symbols hint at, for a dream whose words name none."""
    reading = EmotionReading()
    for symbol in symbols:
        emotion = lexicon.emotion_hint(symbol.canonical)
        if emotion:
            reading.scores[emotion] = reading.scores.get(emotion, 0.0) + min(symbol.score, 2.0)
    return reading.ranked(MAX_EMOTIONS), reading.scores


def extract_keywords(
    *, title: str, content: str, max_keywords: int = DEFAULT_KEYWORDS
) -> list[str]:
    """The names of the dream's symbols, best first: noun phrases of at most 50 characters."""
    result = analyse_dream(title=title, content=content, max_keywords=max_keywords)
    return result["keywords"]


def analyse_dream(
    *, title: str, content: str, max_keywords: int = DEFAULT_KEYWORDS
) -> dict[str, Any]:
    """Analyse a dream locally. Offline, never raises on any text.

    Returns ``{"emotions", "keywords", "symbols", "mood", "valence", "arousal", "source"}``:

    - ``emotions``: up to 5 of the ten lexicon emotions, strongest first ([] when the
      dream gives no sign of any);
    - ``symbols``: up to ``max_keywords`` (at most 20) ``{"name", "family"}``, most
      salient first; ``keywords`` are their names (lowercase noun phrases, ≤ 50 chars);
    - ``mood``: one of :data:`dreams.analysis.mood.MOOD_WORDS`, "neutral" only when
      nothing in the dream carries a feeling; ``valence`` -1..1 and ``arousal`` 0..1;
    - ``source``: "local".
    """
    title = title if isinstance(title, str) else ""
    content = content if isinstance(content, str) else ""
    limit = _limit(max_keywords)
    title_tokens = tokenize(title)
    tokens = tokenize(content)

    try:
        found = lexicon_symbols(title_tokens, tokens)
    except Exception:  # a lexicon bug must not take the dream page down
        logger.warning("Symbol lookup failed", exc_info=True)
        found = {}
    lexical = _ranked(list(found.values()))
    symbols = list(lexical)
    if limit:
        symbols.extend(statistical_symbols(title, content, found, limit=limit))
    symbols = _ranked(symbols)[:limit]

    try:
        reading = read_emotions([*title_tokens, "\n", *tokens])
        emotions = reading.ranked(MAX_EMOTIONS)
        scores = None
        if not emotions:
            emotions, scores = _hinted_emotions(lexical)
        mood = assess_mood(reading, emotions, lexical, scores=scores)
        mood_word, valence, arousal = mood.word, mood.valence, mood.arousal
    except Exception:
        logger.warning("Emotion detection failed", exc_info=True)
        emotions, mood_word, valence, arousal = [], NEUTRAL_MOOD, 0.0, 0.3

    return {
        "emotions": emotions,
        "keywords": [s.name for s in symbols],
        "symbols": [s.as_dict() for s in symbols],
        "mood": mood_word,
        "valence": valence,
        "arousal": arousal,
        "source": SOURCE,
    }
