"""Turning a dream into lowercase tokens, once, for every part of the analysis.

A token is a word (letters, with apostrophes kept inside: "wasn't", "monster's") or one
clause punctuation mark, which ends negations and noun phrases. Hyphens split words
("ex-boyfriend" -> "ex", "boyfriend"), so hyphenated and spaced spellings match alike.
"""

from __future__ import annotations

import re

# Only so much of a pathological body is read: a dream is at most 20,000 characters
# through the API, and every step below is linear in this.
MAX_TEXT_CHARS = 100_000

_WORD = r"[^\W\d_]+(?:'[^\W\d_]+)*"
_TOKEN_RE = re.compile(rf"{_WORD}|[.,;:!?()\[\]\"…—–\n]")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u02bc": "'"})
PUNCTUATION = frozenset('.,;:!?()[]"…—–\n')
SENTENCE_END = frozenset(".!?…\n")


def normalise(text: str) -> str:
    """Lowercase, bounded, with typographic apostrophes made plain."""
    return text[:MAX_TEXT_CHARS].lower().translate(_APOSTROPHES)


def tokenize(text: str) -> list[str]:
    """The words and clause punctuation of ``text``, lowercase, in order."""
    if not isinstance(text, str) or not text:
        return []
    return _TOKEN_RE.findall(normalise(text))


def stem(token: str) -> str:
    """A token without its possessive or contraction ("monster's" -> "monster")."""
    return token.split("'", 1)[0] if "'" in token else token


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text``: how the word lists here are written."""
    return frozenset(text.split())


def is_word(token: str) -> bool:
    return token not in PUNCTUATION
