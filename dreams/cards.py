"""Dream cards as the pages print them (``templates/dreams/_gallery_card.html`` and
``_dream_card.html``): every value a card shows, prepared once in Python.

Django's template language spends about 0.2 ms on a card that reverses three URLs,
formats two dates and looks up keys a dream may lack; here a card costs a few µs and the
templates only print plain values. The markup stays in the templates and the output is
the same as when they computed it (``tests/dreams/test_cards.py``). Cards are plain
dicts, built from rows (``dreams.selectors.dream_rows``) or dream instances alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS, MONTHS_3, WEEKDAYS, WEEKDAYS_ABBR
from django.utils.text import Truncator

from dreams.api.representation import id_url_template
from dreams.excerpts import GALLERY_CARD_CHARS, excerpt
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


def gallery_cards(dreams: Iterable[AbstractDream | Row]) -> list[dict[str, Any]]:
    """Cards of gallery dreams (the home page and the gallery)."""
    paths = _Paths()
    cards = []
    for row in _rows(dreams):
        dream_id = str(row["id"])
        analysis = _analysis(row)
        mood = analysis.get("mood")
        version = f"?v={row['video_asset_id']}"
        # The template's date filter showed the time in the current zone.
        created = row["created_at"] and timezone.localtime(row["created_at"])
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
                    f"{created.day} {MONTHS_3[created.month].title()} {created.year:04d}"
                    if created
                    else ""
                ),
            }
        )
    return cards


def journal_cards(dreams: Iterable[AbstractDream | Row]) -> list[dict[str, Any]]:
    """Cards of the owner's own dreams (the journal); dates in this year omit the year."""
    paths = _Paths()
    this_year = timezone.localdate().year
    cards = []
    for row in _rows(dreams):
        dream_id = str(row["id"])
        analysis = _analysis(row)
        emotions = analysis.get("emotions")
        day = row["dreamt_on"]
        ready = row["video_status"] == VideoStatus.READY and row["video_asset_id"] is not None
        short = f"{WEEKDAYS_ABBR[day.weekday()]} {day.day} {MONTHS_3[day.month].title()}"
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
                "video_duration": row["video_duration"],
                "ai_generated": ready and ai_generated(row),
                "mood_key": _mood_key(analysis),
                "dreamt_iso": f"{day.year:04d}-{day.month:02d}-{day.day:02d}",
                "dreamt_long": f"{WEEKDAYS[day.weekday()]} {_day_month_year(day, MONTHS)}",
                "dreamt_short": short if day.year == this_year else f"{short} {day.year:04d}",
                "lucid": row["lucid"],
                "nightmare": row["nightmare"],
                "recurring": row["recurring"],
                "is_public": row["is_public"],
                "excerpt": Truncator(row["content"]).chars(EXCERPT_CHARS),
                "emotions": emotions[:CARD_EMOTIONS] if emotions else [],
            }
        )
    return cards
