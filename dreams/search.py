"""Finding dreams in a journal: full-text search and filters, one set for the API and the pages.

On PostgreSQL, ``q`` is plain words (each matching as a prefix) or web-search syntax
(``"glass house" -fear``, ``or``) over a stored, weighted search vector (migration 0004's
trigger: title and tags, then the analysis' emotions, keywords and symbols, then the
text), ranked best first. On SQLite (the embedded default) ``q`` is one phrase matched
case-insensitively in the same places.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, IntegerField, Q, QuerySet
from django.db.models.functions import Cast

SEARCH_CONFIG = "english"
QUERY_MAX_CHARS = 200
# Ranks are floats; the journal's keyset cursor needs exact values, so it pages by rank
# in millionths (ties then fall back to the journal's own order).
_RANK_SCALE = 1_000_000
_WORD = re.compile(r"\w+")
_WEB_SYNTAX = re.compile(r'["-]|\bor\b', re.IGNORECASE)
_MAX_WORDS = 32
_SEARCHED_JSON = ("analysis__emotions", "analysis__keywords", "analysis__symbols", "tags")


@dataclass(frozen=True)
class JournalFilters:
    """What a journal is narrowed to. Every field is optional; set fields combine (AND)."""

    q: str = ""
    emotion: str = ""
    tag: str = ""
    lucid: bool | None = None
    nightmare: bool | None = None
    recurring: bool | None = None
    min_clarity: int | None = None
    min_sleep_quality: int | None = None
    dreamt_from: date | None = None
    dreamt_to: date | None = None
    has_video: bool | None = None
    is_public: bool | None = None

    @property
    def active(self) -> bool:
        return self != JournalFilters()


def _full_text() -> bool:
    return connection.vendor == "postgresql"


def _json_has(field: str, value: str) -> Q:
    """``field`` (a JSON list of strings) holds ``value``, on either database."""
    if _full_text():
        return Q(**{f"{field}__contains": [value]})  # jsonb @>, served by a GIN index on tags
    # SQLite keeps JSON as text: the quoted value is one whole item.
    return Q(**{f"{field}__icontains": f'"{value}"'})


def journal_filter(queryset: QuerySet, filters: JournalFilters) -> QuerySet:
    """``queryset`` narrowed by ``filters``; with a search, ordered best match first.

    Its ``order_by`` is then ``rank_key`` (an integer rank) before the journal's order,
    so keyset pagination (``common.pagination.KeysetPagination``) still pages exactly.
    """
    qs = queryset
    if filters.emotion:
        # Whole items, any case: a client's own analysis may say "Anxiety".
        qs = qs.filter(analysis__emotions__icontains=f'"{filters.emotion}"')
    if filters.tag:
        qs = qs.filter(_json_has("tags", filters.tag))
    for flag in ("lucid", "nightmare", "recurring", "has_video", "is_public"):
        value = getattr(filters, flag)
        if value is not None and flag != "has_video":
            qs = qs.filter(**{flag: value})
    if filters.has_video is not None:
        ready = Q(video_status="ready")
        qs = qs.filter(ready) if filters.has_video else qs.exclude(ready)
    if filters.min_clarity is not None:
        qs = qs.filter(clarity__gte=filters.min_clarity)
    if filters.min_sleep_quality is not None:
        qs = qs.filter(sleep_quality__gte=filters.min_sleep_quality)
    if filters.dreamt_from is not None:
        qs = qs.filter(dreamt_on__gte=filters.dreamt_from)
    if filters.dreamt_to is not None:
        qs = qs.filter(dreamt_on__lte=filters.dreamt_to)
    if filters.q:
        qs = _search(qs, filters.q)
    return qs


def search_query(text: str) -> SearchQuery:
    """Plain words match as prefixes, so a word still being typed finds its dreams
    ("pian" finds "piano"); quotes, ``-`` or ``or`` make it web-search syntax."""
    words = _WORD.findall(text)
    if _WEB_SYNTAX.search(text) or not words:
        return SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
    return SearchQuery(
        " & ".join(f"{word}:*" for word in words[:_MAX_WORDS]),
        search_type="raw",
        config=SEARCH_CONFIG,
    )


def _search(qs: QuerySet, text: str) -> QuerySet:
    if _full_text():
        query = search_query(text)
        rank = SearchRank(F("search_vector"), query)
        return (
            qs.filter(search_vector=query)
            .annotate(rank_key=Cast(rank * _RANK_SCALE, IntegerField()))
            .order_by("-rank_key", *qs.query.order_by)
        )
    found = Q(title__icontains=text) | Q(content__icontains=text)
    for field in _SEARCHED_JSON:
        found |= Q(**{f"{field}__icontains": text})
    return qs.filter(found)
