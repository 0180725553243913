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

from dreams.cards import (
    gallery_cards,
    gallery_cards_rendered,
    journal_cards,
    journal_cards_rendered,
)
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


def test_rendered_journal_cards_are_the_templates_and_follow_each_change(client):
    # Given varied journal dreams, read as the journal reads them (rows)
    dreams = _varied_dreams()
    owner = dreams[0].owner

    def rows():
        found = list(dream_rows(Dream.objects.filter(pk__in=[d.pk for d in dreams])))
        return sorted(found, key=lambda row: [d.pk for d in dreams].index(row["id"]))

    # When their cards are rendered twice (the second time from the process's memory)
    first = journal_cards_rendered(rows())
    again = journal_cards_rendered(rows())

    # Then both are exactly the card template's output, and so are instances' cards
    expected = [
        render_to_string("dreams/_dream_card.html", {"dream": c}) for c in journal_cards(rows())
    ]
    assert first == again == expected
    assert journal_cards_rendered(dreams) == expected

    # When one dream is edited by its owner, the next journal page shows the edit
    client.force_login(owner)
    assert "A later title" not in client.get("/journal/").content.decode()
    response = client.patch(
        f"/api/dreams/{dreams[2].pk}", {"title": "A later title"}, content_type="application/json"
    )
    assert response.status_code == 200
    page = client.get("/journal/").content.decode()
    assert "A later title" in page
    assert page.count('data-dream-id="') == len(dreams)


@pytest.mark.parametrize("level", [2, 3])
def test_rendered_gallery_cards_are_the_templates(level):
    # Given gallery cards
    cards = gallery_cards([d for d in _varied_dreams() if d.video_asset_id])
    expected = [
        render_to_string("dreams/_gallery_card.html", {"dream": c, "level": level}) for c in cards
    ]

    # When rendered twice (the second time from memory), and once with a changed title
    assert gallery_cards_rendered(cards, level=level) == expected
    assert gallery_cards_rendered(cards, level=level) == expected
    changed = [{**cards[0], "title": "Renamed"}]

    # Then a changed value is a new card
    assert "Renamed" in gallery_cards_rendered(changed, level=level)[0]
