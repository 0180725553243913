"""The owner's tags on a dream: one normal form, so "#Flying " and "FLYING" are one tag."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from dreams.models import TAG_MAX_CHARS, TAGS_MAX_ITEMS

# Characters a tag never keeps: separators of the editor's "a, b, c" field, quotes (a tag
# filter matches the stored JSON text on SQLite) and the hashtags people type out of habit.
_DROPPED = re.compile(r'[,"#\\]')
_SPACES = re.compile(r"\s+")


def normalise_tag(text: str) -> str:
    """Lower-case, NFC, single spaces, without commas, quotes, backslashes, '#' or control
    characters; "" when nothing is left."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in " \t\n")
    return _SPACES.sub(" ", _DROPPED.sub(" ", text)).strip().casefold()


def normalise_tags(tags: Iterable[str]) -> list[str]:
    """Normal forms in their first order, without blanks or repeats (not yet bounded)."""
    seen: dict[str, None] = {}
    for tag in tags:
        if normalised := normalise_tag(tag):
            seen.setdefault(normalised, None)
    return list(seen)


def tags_problem(tags: list[str]) -> str | None:
    """Why normalised ``tags`` cannot be stored, or ``None``."""
    if len(tags) > TAGS_MAX_ITEMS:
        return f"At most {TAGS_MAX_ITEMS} tags."
    if any(len(tag) > TAG_MAX_CHARS for tag in tags):
        return f"Each tag is at most {TAG_MAX_CHARS} characters."
    return None
