"""Dream analysis: emotions, symbols and mood.

The local analyzer (:mod:`dreams.analysis.local`) runs offline and in-process; its
parts are the symbol lexicon (:mod:`~dreams.analysis.lexicon`), symbol extraction
(:mod:`~dreams.analysis.symbols`), emotions (:mod:`~dreams.analysis.emotions`) and the
mood (:mod:`~dreams.analysis.mood`). ``analyse_dream(*, title, content, max_keywords=8)``
is the entry point; its dict is stored with the dream as ``analysis``.
"""

from dreams.analysis.emotions import (
    EMOTION_AFFECT,
    EMOTION_LEXICON,
    MAX_EMOTIONS,
    detect_emotions,
)
from dreams.analysis.lexicon import SYMBOL_FAMILIES, canonical_symbol
from dreams.analysis.local import (
    MAX_KEYWORD_CHARS,
    MAX_KEYWORDS,
    analyse_dream,
    extract_keywords,
)
from dreams.analysis.mood import MOOD_WORDS, NEUTRAL_MOOD
from dreams.analysis.symbols import MAX_SYMBOLS, extract_symbols

__all__ = [
    "EMOTION_AFFECT",
    "EMOTION_LEXICON",
    "MAX_EMOTIONS",
    "MAX_KEYWORDS",
    "MAX_KEYWORD_CHARS",
    "MAX_SYMBOLS",
    "MOOD_WORDS",
    "NEUTRAL_MOOD",
    "SYMBOL_FAMILIES",
    "analyse_dream",
    "canonical_symbol",
    "detect_emotions",
    "extract_keywords",
    "extract_symbols",
]
