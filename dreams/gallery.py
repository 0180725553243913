"""The public gallery narrowed by mood and by symbol: one set of rules for the API
(``GET /api/dreams/public/gallery?mood=&symbol=``), the gallery page and its cache.

``mood`` is one of the analysis' mood words (:data:`GALLERY_MOODS`); anything else is
refused, naming the words allowed. ``symbol`` is one of the dream's motifs
(``analysis.keywords``: the names of its symbols), matched as a whole item in any case;
it is normalised (trimmed, spaces collapsed, lower case) and bounded like the motifs
themselves. Both combine (AND) and keep the gallery's order and cursor.

Neither needs an index: the gallery's partial index (``dreams_gallery_idx``) walks gallery
dreams newest first and each filter is a test on a row's ``analysis`` (measured on
PostgreSQL with 20,000 gallery dreams: 12–30 ms a page; a symbol no dream has scans them
all, ~90 ms; a shared cache serves a repeated page in under 1 ms). Both are written so an
expression index can serve them: ``lower(analysis ->> 'mood')`` (a partial btree with
``created_at DESC, id DESC`` halves a rare mood's page) and jsonb containment on
``lower(analysis ->> 'keywords')::jsonb`` (a GIN index there, which the planner uses when
its statistics say a symbol is rare).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from django.db import connection
from django.db.models import Count, JSONField, Q, QuerySet, Value
from django.db.models.fields.json import KT, DataContains
from django.db.models.functions import Cast, Lower
from django.http import HttpRequest

from common.clients import AddressQuota
from dreams.analysis import MOOD_WORDS, NEUTRAL_MOOD

#: The moods the gallery can be narrowed to: every word the analysis gives but "neutral",
#: which the cards never show.
GALLERY_MOODS: tuple[str, ...] = tuple(word for word in MOOD_WORDS if word != NEUTRAL_MOOD)
SYMBOL_MAX_CHARS = 50  # a motif's own bound (dreams.api.serializers.ANALYSIS_ITEM_MAX_CHARS)
FILTER_NAMES = ("mood", "symbol")
_SPACES = re.compile(r"\s+")


class GalleryFilterError(ValueError):
    """A filter the gallery cannot take: ``field`` names it, ``message`` says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class GalleryFilters:
    """What the gallery is narrowed to ("" for no narrowing)."""

    mood: str = ""
    symbol: str = ""

    @property
    def active(self) -> bool:
        return bool(self.mood or self.symbol)

    def query(self) -> dict[str, str]:
        """The filters as query parameters (set ones only), for links that keep them."""
        return {name: value for name, value in asdict(self).items() if value}


def normalise_symbol(value: str) -> str:
    """A symbol as the filter compares it: trimmed, single spaces, lower case."""
    return _SPACES.sub(" ", value.replace("\x00", " ")).strip().lower()


def gallery_filters(params: Mapping[str, str]) -> GalleryFilters:
    """The filters in a query string (absent or empty ones narrow nothing).

    Raises:
        GalleryFilterError: an unknown ``mood`` (the message lists the allowed words), or a
            ``symbol`` longer than :data:`SYMBOL_MAX_CHARS` characters.
    """
    mood = (params.get("mood") or "").strip().lower()
    if mood and mood not in GALLERY_MOODS:
        shown = (params.get("mood") or "")[:40]
        raise GalleryFilterError(
            "mood", f"Unknown mood “{shown}”. Choose one of: {', '.join(GALLERY_MOODS)}."
        )
    symbol = normalise_symbol(params.get("symbol") or "")
    if len(symbol) > SYMBOL_MAX_CHARS:
        raise GalleryFilterError(
            "symbol",
            f"A symbol is at most {SYMBOL_MAX_CHARS} characters (this one has {len(symbol)}).",
        )
    return GalleryFilters(mood=mood, symbol=symbol)


def canonical_filters(params: Mapping[str, str]) -> bool:
    """Are the query's filters valid and already spelled as :func:`gallery_filters` gives
    them? Only such URLs name a shared-cache entry (see ``dreams.caching``)."""
    try:
        filters = gallery_filters(params)
    except GalleryFilterError:
        return False
    return all(params.get(name, "") == getattr(filters, name) for name in FILTER_NAMES)


def _mood_key() -> Lower:
    """``lower(analysis ->> 'mood')``: the filter and the chips' counts use this one
    expression, so one expression index can serve both (see the module's docstring)."""
    return Lower(KT("analysis__mood"))


def _symbol_match(symbol: str) -> Q:
    """``symbol`` is a whole item of ``analysis.keywords``, in any case."""
    if connection.vendor == "postgresql":
        # jsonb containment on the lower-cased list: an expression GIN index can serve it.
        lowered = Cast(Lower(KT("analysis__keywords")), JSONField())
        return Q(DataContains(lowered, Value([symbol], JSONField())))
    # SQLite keeps JSON as text: the quoted value is one whole item (LIKE's wildcards are
    # escaped by Django), as the journal's emotion filter matches.
    return Q(analysis__keywords__icontains=f'"{symbol}"')


def gallery_filter(queryset: QuerySet, filters: GalleryFilters) -> QuerySet:
    """``queryset`` (gallery dreams, or their rows) narrowed by ``filters``; order kept."""
    if filters.mood:
        queryset = queryset.alias(mood_key=_mood_key()).filter(mood_key=filters.mood)
    if filters.symbol:
        queryset = queryset.filter(_symbol_match(filters.symbol))
    return queryset


def gallery_mood_counts(gallery: QuerySet) -> list[tuple[str, int]]:
    """How many of the ``gallery``'s dreams (``selectors.dream_gallery_list()``) have each
    mood, in :data:`GALLERY_MOODS`' order, moods with none left out: the gallery page's
    mood chips. One query."""
    counts = (
        gallery.order_by()
        .annotate(mood_word=_mood_key())
        .values("mood_word")
        .annotate(dreams=Count("id"))
        .values_list("mood_word", "dreams")
    )
    found = dict(counts)
    return [(mood, found[mood]) for mood in GALLERY_MOODS if found.get(mood)]


#: Symbol searches read the whole gallery when no dream has the symbol (and a spelling the
#: shared cache does not hold is never cached): at most ``GALLERY_SEARCH_RATE`` per client.
GALLERY_SEARCHES = AddressQuota("gallery_search", setting="GALLERY_SEARCH_RATE")
GALLERY_SEARCH_MESSAGE = "Too many symbol searches from here; try again in a minute."


def gallery_search_wait(request: HttpRequest, filters: GalleryFilters) -> float:
    """0 when ``filters`` may run (no symbol, or a symbol within the client's budget),
    else the seconds until this client may search symbols again."""
    return GALLERY_SEARCHES.take(request) if filters.symbol else 0
