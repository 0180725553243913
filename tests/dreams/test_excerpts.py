"""Excerpts: ``truncated_chars`` is Django's ``Truncator.chars``, exactly, only faster;
``excerpt`` flattens whitespace as the regular expression ``\\s+`` did."""

from __future__ import annotations

import random
import re

import pytest
from django.utils import translation
from django.utils.text import Truncator

from dreams.excerpts import excerpt, truncated_chars

# Plain letters, typography, emoji, a decomposed "é" and marks that combine with what
# precedes them, and whitespace of several kinds.
ALPHABET = list("abc xyz.,") + [
    "é",
    "“",
    "”",
    "—",
    "🌙",
    "e\u0301",
    "\u0301",
    "\u20dd",
    "\n",
    "\u2003",
]


def _texts(count: int, seed: int = 13) -> list[str]:
    rng = random.Random(seed)
    texts = ["", "short", "x" * 200, "x" * 201, "é" * 201, "e\u0301" * 150, "\u0301" * 300]
    for _ in range(count):
        size = rng.choice([5, 150, 199, 200, 201, 202, 260, 900])
        texts.append("".join(rng.choice(ALPHABET) for _ in range(size)))
    return texts


@pytest.mark.parametrize("length", [-1, 0, 1, 2, 20, 199, 200, 201])
def test_truncated_chars_is_djangos_truncator(length):
    for text in _texts(150):
        assert truncated_chars(text, length) == Truncator(text).chars(length), (text, length)


def test_truncated_chars_follows_the_active_language():
    text = "A tide of glass rose over the pier " * 10
    for language in ("en", "de", "fr", "ja"):
        with translation.override(language):
            assert truncated_chars(text, 50) == Truncator(text).chars(50)


def _excerpt_with_a_regular_expression(text: str, limit: int) -> str:
    flat = re.sub(r"\s+", " ", text).strip()
    if len(flat) <= limit:
        return flat
    head = flat[: limit - 1]
    cut = head.rfind(" ")
    if cut > limit // 2:
        head = head[:cut]
    return head.rstrip(" ,;:.-–—") + "…"


def test_excerpt_flattens_whitespace_as_a_regular_expression_did():
    for text in _texts(150, seed=7):
        for limit in (20, 140, 200):
            assert excerpt(text, limit) == _excerpt_with_a_regular_expression(text, limit)
