"""Cards made in Python (``dreams.cards``) print what the card templates printed when they
computed every value themselves (``tests/data/cards_before/``), for varied dreams."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.template import engines
from django.template.loader import render_to_string
from django.utils import timezone

from dreams.cards import gallery_cards, journal_cards
from dreams.models import Dream, VideoStatus
from dreams.selectors import dream_rows
from tests.support.factories import DreamFactory, UserFactory

pytestmark = pytest.mark.django_db

# The card templates before dreams.cards, which looked every value up themselves.
BEFORE = Path(__file__).resolve().parents[1] / "data" / "cards_before"
GALLERY_CARD_BEFORE = (BEFORE / "gallery_card.html").read_text()
JOURNAL_CARD_BEFORE = (BEFORE / "journal_card.html").read_text()


def _varied_dreams() -> list[Dream]:
    owner = UserFactory()
    this_year = timezone.localdate()
    long_text = "A tide of glass rose over the pier & the “whales” sang <loudly>. " * 6
    return [
        DreamFactory(
            owner=owner,
            in_gallery=True,
            title="Träume <b>& “moons”</b> 🌙",
            content=long_text,
            analysis={"emotions": ["Wonder", "fear", "joy", "calm"], "mood": "uneasy"},
            lucid=True,
            nightmare=True,
            recurring=True,
            dreamt_on=date(1999, 12, 31),
        ),
        DreamFactory(
            owner=owner,
            in_gallery=True,
            analysis={"emotions": [], "mood": "neutral"},
            dreamt_on=this_year,
        ),
        DreamFactory(owner=owner, analysis={}, dreamt_on=this_year - timedelta(days=40)),
        DreamFactory(owner=owner, analysis=["not", "a", "dict"], video_status=VideoStatus.FAILED),
        DreamFactory(owner=owner, video_status=VideoStatus.INGESTING, is_public=True),
        DreamFactory(owner=owner, video_status=VideoStatus.QUEUED, analysis={"mood": 3}),
    ]


def _squeezed(html: str) -> str:
    return re.sub(r"\s+", " ", html).strip()


def _before(source: str, dreams, **context) -> str:
    template = engines["django"].from_string(source)
    return "".join(template.render({"dream": dream, **context}) for dream in dreams)


def _after(template: str, cards, **context) -> str:
    return "".join(render_to_string(template, {"dream": card, **context}) for card in cards)


@pytest.mark.parametrize("level", [None, 3])
def test_gallery_cards_print_what_the_template_printed(level):
    # Given varied gallery dreams, as instances and as rows
    dreams = [d for d in _varied_dreams() if d.video_asset_id]
    rows = list(dream_rows(Dream.objects.filter(pk__in=[d.pk for d in dreams])))
    rows.sort(key=lambda row: [d.pk for d in dreams].index(row["id"]))
    context = {"level": level} if level else {}

    # When their cards are printed
    before = _before(GALLERY_CARD_BEFORE, dreams, **context)
    after = _after("dreams/_gallery_card.html", gallery_cards(dreams), level=level or 2)

    # Then the page shows exactly what it showed before, from instances or rows alike
    assert _squeezed(after) == _squeezed(before)
    assert gallery_cards(rows) == gallery_cards(dreams)


def test_journal_cards_print_what_the_template_printed():
    # Given varied journal dreams (this year and earlier, every video state)
    dreams = _varied_dreams()
    rows = list(dream_rows(Dream.objects.filter(pk__in=[d.pk for d in dreams])))
    rows.sort(key=lambda row: [d.pk for d in dreams].index(row["id"]))

    # When their cards are printed
    before = _before(JOURNAL_CARD_BEFORE, dreams)
    after = _after("dreams/_dream_card.html", journal_cards(dreams))

    # Then the journal shows exactly what it showed before
    assert _squeezed(after) == _squeezed(before)
    assert journal_cards(rows) == journal_cards(dreams)
