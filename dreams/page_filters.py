"""The journal's search and filters as the pages read and show them (the journal and its
calendar): the query string is the bookmark, a value that cannot be used is left out and
named politely, and every active filter is a chip that removes it.

Validation is the API's own (``dreams.api.serializers.journal_filters``), so a page and
"Load more" through the API always agree on what a filter means.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.db import connection
from django.http import HttpRequest
from django.utils.dateformat import format as format_date
from rest_framework.exceptions import ValidationError

from dreams.api.serializers import journal_filters
from dreams.search import QUERY_MAX_CHARS, JournalFilters

#: The journal's filters as the page's form and the API name them (``JournalFilters``).
JOURNAL_FILTER_NAMES = (
    "q",
    "emotion",
    "tag",
    "lucid",
    "nightmare",
    "recurring",
    "min_clarity",
    "min_sleep_quality",
    "dreamt_from",
    "dreamt_to",
    "has_video",
    "is_public",
)
#: The filters in the panel (everything but the search box).
PANEL_FILTER_NAMES = JOURNAL_FILTER_NAMES[1:]
DATE_NAMES = ("dreamt_from", "dreamt_to")

_LABELS = {
    "q": "Search",
    "emotion": "Emotion",
    "tag": "Tag",
    "lucid": "Lucid",
    "nightmare": "Nightmare",
    "recurring": "Recurring",
    "min_clarity": "Clarity",
    "min_sleep_quality": "Sleep quality",
    "dreamt_from": "From",
    "dreamt_to": "To",
    "has_video": "Has video",
    "is_public": "Public",
}
# What a flag filter reads as when it asks for dreams with (True) or without (False) it.
_FLAG_WORDS = {
    "lucid": ("Lucid", "Not lucid"),
    "nightmare": ("Nightmare", "Not a nightmare"),
    "recurring": ("Recurring", "Not recurring"),
    "has_video": ("Has video", "No video"),
    "is_public": ("Public", "Private"),
}
_DAY_FORMAT = "D j M Y"


@dataclass(frozen=True)
class Chip:
    """An active filter as the page shows it, and the link that removes it."""

    label: str
    remove_url: str


@dataclass(frozen=True)
class PageFilters:
    """The filters of a page's query string.

    ``given`` holds the usable values (kept in links and "Load more"); ``typed`` everything
    the visitor typed (the form shows it back, to be corrected); ``problems`` says what was
    left out and why.
    """

    filters: JournalFilters = field(default_factory=JournalFilters)
    given: dict[str, str] = field(default_factory=dict)
    typed: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def panel_count(self) -> int:
        """How many filters of the panel are in use (a day range counts once)."""
        names = {n for n in self.given if n in PANEL_FILTER_NAMES}
        return len(names) - (1 if set(DATE_NAMES) <= names else 0)

    def url(self, path: str, *, drop: tuple[str, ...] = (), **extra: str) -> str:
        """``path`` with the usable filters, less ``drop``, plus ``extra``."""
        params = {n: v for n, v in self.given.items() if n not in drop}
        params.update({n: v for n, v in extra.items() if v})
        return f"{path}?{urlencode(params)}" if params else path

    def chips(self, path: str, **extra: str) -> list[Chip]:
        """One chip per active filter (a day range is one), each linking to ``path``
        without it (``extra`` parameters, e.g. the calendar's month, are kept)."""
        f = self.filters
        chips: list[Chip] = []

        def add(label: str, *names: str) -> None:
            chips.append(Chip(label=label, remove_url=self.url(path, drop=names, **extra)))

        if f.q:
            add(f"“{f.q}”", "q")
        if f.emotion:
            add(f"Emotion: {f.emotion}", "emotion")
        if f.tag:
            add(f"#{f.tag}", "tag")
        for name in ("lucid", "nightmare", "recurring"):
            if (value := getattr(f, name)) is not None:
                add(_FLAG_WORDS[name][0 if value else 1], name)
        if f.min_clarity is not None:
            add(f"Clarity {f.min_clarity}+", "min_clarity")
        if f.min_sleep_quality is not None:
            add(f"Sleep quality {f.min_sleep_quality}+", "min_sleep_quality")
        if f.dreamt_from and f.dreamt_to:
            add(_day_range(f.dreamt_from, f.dreamt_to), *DATE_NAMES)
        elif f.dreamt_from:
            add(f"From {format_date(f.dreamt_from, _DAY_FORMAT)}", "dreamt_from")
        elif f.dreamt_to:
            add(f"Until {format_date(f.dreamt_to, _DAY_FORMAT)}", "dreamt_to")
        for name in ("has_video", "is_public"):
            if (value := getattr(f, name)) is not None:
                add(_FLAG_WORDS[name][0 if value else 1], name)
        return chips


def _day_range(start: date, end: date) -> str:
    if start == end:
        return f"On {format_date(start, _DAY_FORMAT)}"
    return f"{format_date(start, _DAY_FORMAT)} – {format_date(end, _DAY_FORMAT)}"


def _problem(name: str, errors: object) -> str:
    words = " ".join(map(str, errors)) if isinstance(errors, list) else str(errors)
    return f"{_LABELS.get(name, 'Filters')}: {words}"


def page_filters(request: HttpRequest) -> PageFilters:
    """The journal filters in the page's query string. Values that cannot be used are left
    out (the others still apply) and named in ``problems``; never raises."""
    typed = {
        name: value
        for name in JOURNAL_FILTER_NAMES
        if (value := request.GET.get(name, "").replace("\x00", "").strip()[:QUERY_MAX_CHARS])
    }
    given, problems = dict(typed), []
    # Field errors come first; a range error (from after to) only once the fields are valid.
    for _ in range(3):
        try:
            return PageFilters(
                filters=journal_filters(given), given=given, typed=typed, problems=problems
            )
        except ValidationError as invalid:
            errors = invalid.detail if isinstance(invalid.detail, dict) else {}
            problems += [_problem(name, detail) for name, detail in errors.items()]
            if not errors or not set(errors) & set(given):
                break
            given = {name: value for name, value in given.items() if name not in errors}
    return PageFilters(typed=typed, problems=problems)


def search_syntax_available() -> bool:
    """Whether ``q`` reads web-search syntax (quotes, ``-``, ``or``): on PostgreSQL only;
    the SQLite fallback matches the text as one phrase (``dreams.search``)."""
    return connection.vendor == "postgresql"
