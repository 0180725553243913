"""Short plain-text excerpts of a dream's words, for cards, link previews and the feed.

One rule everywhere (``static/js/feed.js`` repeats it for cards it builds): runs of
whitespace become one space, and a text longer than the limit is cut at the last word
boundary before it, with an ellipsis; a single word longer than the limit is cut inside.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from django.utils.html import strip_tags
from django.utils.text import Truncator, add_truncation_text, calculate_truncate_chars_length
from django.utils.translation import get_language, pgettext

GALLERY_CARD_CHARS = 140  # a gallery card's excerpt
PREVIEW_CHARS = 200  # og:description, twitter:description and the feed's summaries
_NOT_ASCII = re.compile(r"[^\x00-\x7f]")
ELLIPSIS = "…"


def excerpt(text: object, limit: int) -> str:
    """``text`` as at most ``limit`` characters (the ellipsis included), cut at a word."""
    if not isinstance(text, str):
        return ""
    flat = " ".join(text.split())  # str.split() and re's \s: the same whitespace, 4× faster
    if len(flat) <= limit:
        return flat
    head = flat[: limit - 1]
    cut = head.rfind(" ")
    if cut > limit // 2:  # a word boundary not too far back
        head = head[:cut]
    return head.rstrip(" ,;:.-–—") + ELLIPSIS


def plain_excerpt(text: object, limit: int) -> str:
    """:func:`excerpt` of ``text`` with anything that looks like markup taken out: what
    other sites show (a chat app's link preview, a feed reader) must never render HTML."""
    return excerpt(strip_tags(text) if isinstance(text, str) else "", limit)


def truncated_chars(text: str, length: int) -> str:
    """``Truncator(text).chars(length)``, exactly, without its per-character loop where
    no character before the cut combines (the journal's cards cut a dozen texts a page:
    the loop cost more than the rest of the card). ``tests/dreams/test_excerpts.py``
    holds it to Django's."""
    if length <= 0:
        return ""
    text = unicodedata.normalize("NFC", text)
    if len(text) <= length:
        return text  # never more characters that count than characters
    head = text[: length + 1]
    if any(unicodedata.combining(char.group()) for char in _NOT_ASCII.finditer(head)):
        return Truncator(text).chars(length)  # marks that do not count: Django's loop
    marker, kept = _truncation(get_language(), length)
    return add_truncation_text(text[:kept], marker)


@functools.lru_cache(maxsize=64)
def _truncation(language: str | None, length: int) -> tuple[str, int]:
    """The language's truncation marker ("%(truncated_text)s…") and the characters a
    ``length`` cut keeps before it: translated once, not twice per card."""
    marker = pgettext("String to return when truncating text", "%(truncated_text)s…")
    return marker, calculate_truncate_chars_length(length, marker)
