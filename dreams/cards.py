"""Dream cards as the pages print them (``templates/dreams/_gallery_card.html`` and
``_dream_card.html``): every value a card shows, prepared once in Python.

Django's template language spends about 0.2 ms on a card that reverses three URLs,
formats two dates and looks up keys a dream may lack; here a card costs a few µs and the
templates only print plain values. The markup stays in the templates and the output is
the same as when they computed it (``tests/dreams/test_cards.py``). Cards are plain
dicts, built from rows (``dreams.selectors.dream_rows``) or dream instances alike.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.template.loader import get_template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.dates import MONTHS, MONTHS_3, WEEKDAYS, WEEKDAYS_ABBR
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from dreams.api.representation import id_url_template
from dreams.excerpts import GALLERY_CARD_CHARS, excerpt, truncated_chars
from dreams.models import AbstractDream, VideoStatus
from dreams.selectors import VIDEO_PREVIEW_READY, dream_row
from dreams.services import dream_preview_path, dream_thumbnail_path, dream_video_path
from dreams.video_credentials import ai_generated

Row = Mapping[str, Any]
EXCERPT_CHARS = 200
CARD_EMOTIONS = 3


def _dream_page_path(dream_id: str) -> str:
    return reverse("dream-page", kwargs={"dream_id": dream_id})


class _Paths:
    """A page's media and dream-page paths, from one ``reverse()`` each."""

    def __init__(self) -> None:
        self.video = id_url_template(dream_video_path)
        self.thumbnail = id_url_template(dream_thumbnail_path)
        self.preview = id_url_template(dream_preview_path)
        self.page = id_url_template(_dream_page_path)

    @staticmethod
    def of(template: tuple[str, str], dream_id: str) -> str:
        return f"{template[0]}{dream_id}{template[1]}"


def _rows(dreams: Iterable[AbstractDream | Row]) -> Iterable[Row]:
    return (d if isinstance(d, Mapping) else dream_row(d) for d in dreams)


def _analysis(row: Row) -> dict:
    analysis = row["analysis"]
    return analysis if isinstance(analysis, dict) else {}


def _mood_key(analysis: dict) -> Any:
    """``analysis.emotions.0|default:'neutral'``: the first emotion colours the card."""
    emotions = analysis.get("emotions")
    first = emotions[0] if isinstance(emotions, list) and emotions else ""
    return first or "neutral"


def _day_month_year(day: Any, month_names: Mapping[int, Any]) -> str:
    return f"{day.day} {month_names[day.month]} {day.year:04d}"


def _digits(value: Any) -> Any:
    return str(value) if type(value) is int else value


@functools.lru_cache(maxsize=32)
def _calendar(language: str | None) -> tuple[dict[int, str], ...]:
    """Weekday and month names, long and short (titled), translated once per language:
    each lookup of Django's lazy names is a translation."""
    return tuple(
        {key: str(name) for key, name in names.items()}
        for names in (WEEKDAYS, WEEKDAYS_ABBR, MONTHS, {k: v.title() for k, v in MONTHS_3.items()})
    )


def gallery_cards(dreams: Iterable[AbstractDream | Row]) -> list[dict[str, Any]]:
    """Cards of gallery dreams (the home page and the gallery)."""
    paths = _Paths()
    months_3 = _calendar(get_language())[3]
    zone = timezone.get_current_timezone()
    cards = []
    for row in _rows(dreams):
        dream_id = str(row["id"])
        analysis = _analysis(row)
        mood = analysis.get("mood")
        version = f"?v={row['video_asset_id']}"
        # The template's date filter showed the time in the current zone.
        created = row["created_at"] and row["created_at"].astimezone(zone)
        cards.append(
            {
                "id": dream_id,
                "title": row["title"],
                "url": paths.of(paths.page, dream_id),
                "video_src": paths.of(paths.video, dream_id) + version,
                "poster": paths.of(paths.thumbnail, dream_id) + version,
                # The ~2 s preview loop (videos.renditions) once made: the hover plays it.
                "preview_src": (
                    paths.of(paths.preview, dream_id) + version
                    if row.get(VIDEO_PREVIEW_READY)
                    else ""
                ),
                "mood_key": _mood_key(analysis),
                "mood": mood if mood and mood != "neutral" else "",
                "excerpt": excerpt(row["content"], GALLERY_CARD_CHARS),
                "ai_generated": ai_generated(row),
                "created_iso": created.isoformat() if created else "",
                "created_text": (
                    f"{created.day} {months_3[created.month]} {created.year:04d}" if created else ""
                ),
            }
        )
    return cards


def journal_cards(dreams: Iterable[AbstractDream | Row]) -> list[dict[str, Any]]:
    """Cards of the owner's own dreams (the journal); dates in this year omit the year."""
    paths = _Paths()
    this_year = timezone.localdate().year
    weekdays, weekdays_abbr, months, months_3 = _calendar(get_language())
    cards = []
    for row in _rows(dreams):
        dream_id = str(row["id"])
        analysis = _analysis(row)
        emotions = analysis.get("emotions")
        day = row["dreamt_on"]
        ready = row["video_status"] == VideoStatus.READY and row["video_asset_id"] is not None
        short = f"{weekdays_abbr[day.weekday()]} {day.day} {months_3[day.month]}"
        cards.append(
            {
                "id": dream_id,
                "title": row["title"],
                "url": paths.of(paths.page, dream_id),
                "video_status": row["video_status"],
                "has_ready_video": ready,
                "poster": (
                    f"{paths.of(paths.thumbnail, dream_id)}?v={row['video_asset_id']}"
                    if ready
                    else ""
                ),
                # Text: a number in a template is localised, ~10 µs each.
                "video_duration": _digits(row["video_duration"]),
                "ai_generated": ready and ai_generated(row),
                "mood_key": _mood_key(analysis),
                "dreamt_iso": f"{day.year:04d}-{day.month:02d}-{day.day:02d}",
                "dreamt_long": f"{weekdays[day.weekday()]} {_day_month_year(day, months)}",
                "dreamt_short": short if day.year == this_year else f"{short} {day.year:04d}",
                "lucid": row["lucid"],
                "nightmare": row["nightmare"],
                "recurring": row["recurring"],
                "is_public": row["is_public"],
                "excerpt": truncated_chars(row["content"], EXCERPT_CHARS),
                "emotions": emotions[:CARD_EMOTIONS] if emotions else [],
            }
        )
    return cards


# --- Rendered cards -----------------------------------------------------------------------

JOURNAL_CARD_TEMPLATE = "dreams/_dream_card.html"
GALLERY_CARD_TEMPLATE = "dreams/_gallery_card.html"
#: Rendered cards a process keeps: journal cards (~1.5 kB each), gallery cards (~3 kB
#: with their key; every visitor sees the same few pages).
RENDERED_JOURNAL_CARDS_KEPT = 4096
RENDERED_GALLERY_CARDS_KEPT = 1024


class _RenderedCards:
    """A bounded, least-recently-used map of rendered cards, shared by a process's threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._cards: OrderedDict[Hashable, SafeString] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> SafeString | None:
        with self._lock:
            card = self._cards.get(key)
            if card is not None:
                self._cards.move_to_end(key)
            return card

    def put(self, key: Hashable, card: SafeString) -> None:
        with self._lock:
            self._cards[key] = card
            self._cards.move_to_end(key)
            while len(self._cards) > self.size:
                self._cards.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._cards.clear()


_rendered_journal_cards = _RenderedCards(RENDERED_JOURNAL_CARDS_KEPT)
_rendered_gallery_cards = _RenderedCards(RENDERED_GALLERY_CARDS_KEPT)


def clear_rendered_cards() -> None:
    """Forget every rendered card (tests; a deploy's new templates start a new process)."""
    _rendered_journal_cards.clear()
    _rendered_gallery_cards.clear()


def gallery_cards_rendered(cards: Iterable[dict[str, Any]], *, level: int) -> list[SafeString]:
    """``gallery_cards``' cards as ``_gallery_card.html`` renders them with heading
    ``level``; a card whose every value was rendered before comes from this process's
    memory (the key is the values themselves: nothing else goes into the markup)."""
    rendered = []
    template = None
    for card in cards:
        key = (level, *card.items())
        html = _rendered_gallery_cards.get(key)
        if html is None:
            template = template or get_template(GALLERY_CARD_TEMPLATE)
            html = template.render({"dream": card, "level": level})  # SafeString: escaped
            _rendered_gallery_cards.put(key, html)
        rendered.append(html)
    return rendered


def journal_cards_rendered(dreams: Iterable[AbstractDream | Row]) -> list[SafeString]:
    """Each dream's journal card as ``_dream_card.html`` renders ``journal_cards``' dict.

    A card this process rendered before for the same version of the same dream comes back
    without building or rendering it again: it is keyed by what names a dream's
    representation (its id, ``updated_at`` and video: every change to what a card shows
    touches ``updated_at``, as the journal's ETag relies on too) and by what the card's
    text depends on besides (this year, the language, the URL prefix). Records waiting in
    the emergency journal are rendered every time.
    """
    shared = (
        timezone.localdate().year,
        get_language(),
        get_script_prefix(),
        get_urlconf() or settings.ROOT_URLCONF,
    )
    rendered: list[SafeString | None] = []
    missing: list[tuple[int, AbstractDream | Row, Hashable | None]] = []
    for dream in dreams:
        key = (
            (dream["id"], dream["updated_at"], dream["video_asset_id"], *shared)
            if isinstance(dream, Mapping)
            else None
        )
        card = _rendered_journal_cards.get(key) if key is not None else None
        if card is None:
            missing.append((len(rendered), dream, key))
        rendered.append(card)
    if missing:
        template = get_template(JOURNAL_CARD_TEMPLATE)
        built = journal_cards(dream for _, dream, _ in missing)
        for (index, _, key), card in zip(missing, built, strict=True):
            html = template.render({"dream": card})  # SafeString: the template escaped it
            rendered[index] = html
            if key is not None:
                _rendered_journal_cards.put(key, html)
    return rendered  # type: ignore[return-value]  # every gap was filled
