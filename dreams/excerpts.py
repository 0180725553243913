"""Short plain-text excerpts of a dream's words, for cards, link previews and the feed.

One rule everywhere (``static/js/feed.js`` repeats it for cards it builds): runs of
whitespace become one space, and a text longer than the limit is cut at the last word
boundary before it, with an ellipsis; a single word longer than the limit is cut inside.
"""

from __future__ import annotations

import re

from django.utils.html import strip_tags

GALLERY_CARD_CHARS = 140  # a gallery card's excerpt
PREVIEW_CHARS = 200  # og:description, twitter:description and the feed's summaries
_SPACES = re.compile(r"\s+")
ELLIPSIS = "…"


def excerpt(text: object, limit: int) -> str:
    """``text`` as at most ``limit`` characters (the ellipsis included), cut at a word."""
    if not isinstance(text, str):
        return ""
    flat = _SPACES.sub(" ", text).strip()
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
