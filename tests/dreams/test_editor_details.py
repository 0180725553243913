"""A dream's details on the server-rendered pages: the editor's controls and the dream page.

The editor opens with the night's date (today, or the dream's), the three flags, the two
1–5 ratings with a "not rated" choice, the tags as normalised text with the owner's own
tags to suggest, and a marker that keeps each account's browser drafts apart. The dream
page shows the date, the flags and the ratings to whoever may see the dream, and the
tags to its owner alone.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.support.database import database_unreachable
from tests.support.factories import DemoDreamFactory, DreamFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW = reverse("dream-new")


def edit_url(dream) -> str:
    return reverse("dream-edit", kwargs={"dream_id": dream.pk})


def page_url(dream) -> str:
    return reverse("dream-page", kwargs={"dream_id": dream.pk})


class Page(HTMLParser):
    """The page's elements by id and name, and its text without tags."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[dict[str, str]] = []
        self.words: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append({"tag": tag, **{name: value or "" for name, value in attrs}})

    def handle_data(self, data):
        self.words.append(data)

    @property
    def text(self) -> str:
        return " ".join("".join(self.words).split())

    def by_id(self, element_id: str) -> dict[str, str]:
        found = [e for e in self.elements if e.get("id") == element_id]
        assert len(found) == 1, f"{len(found)} elements with id {element_id!r}"
        return found[0]

    def has_id(self, element_id: str) -> bool:
        return any(e.get("id") == element_id for e in self.elements)

    def checked(self, name: str) -> list[str]:
        """The values of the checked controls called ``name``."""
        return [
            e.get("value", "on") for e in self.elements if e.get("name") == name and "checked" in e
        ]

    def options(self, datalist_id: str) -> list[str]:
        start = self.elements.index(self.by_id(datalist_id))
        values = []
        for element in self.elements[start + 1 :]:
            if element["tag"] != "option":
                break
            values.append(element["value"])
        return values


def get_page(client: Client, url: str) -> Page:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return Page(response.content.decode())


# --- The editor ----------------------------------------------------------------------------


def test_a_new_dream_starts_on_today_with_nothing_flagged_or_rated(client, user):
    client.force_login(user)

    page = get_page(client, NEW)

    when = page.by_id("dreamt_on")
    today = timezone.localdate()
    assert when["type"] == "date"
    # The server's today until the browser puts in its own (data-local-today).
    assert when["value"] == today.isoformat() and "data-local-today" in when
    assert when["max"] == (today + timedelta(days=1)).isoformat()
    assert when["min"] == "1900-01-01"
    for flag in ("lucid", "nightmare", "recurring"):
        assert page.by_id(flag)["type"] == "checkbox"
        assert page.checked(flag) == []
    assert "You knew you were dreaming." in page.text
    assert page.checked("clarity") == [""] and page.checked("sleep_quality") == [""]
    assert "Not rated" in page.text and "5 of 5, vivid" in page.text
    assert page.by_id("tags")["value"] == ""


def test_the_editor_shows_a_dreams_details_as_stored(client, user):
    dream = DreamFactory(
        owner=user,
        dreamt_on=date(2024, 2, 29),
        lucid=True,
        recurring=True,
        clarity=4,
        tags=["flying", "the sea"],
    )
    client.force_login(user)

    page = get_page(client, edit_url(dream))

    when = page.by_id("dreamt_on")
    assert when["value"] == "2024-02-29" and "data-local-today" not in when
    assert page.checked("lucid") == ["on"] and page.checked("recurring") == ["on"]
    assert page.checked("nightmare") == []
    assert page.checked("clarity") == ["4"]
    assert page.checked("sleep_quality") == [""]  # not rated
    assert page.by_id("tags")["value"] == "flying, the sea"


def test_every_detail_has_a_labelled_control_and_a_place_for_its_error(client, user):
    client.force_login(user)

    html = client.get(NEW).content.decode()
    page = Page(html)

    for name in (
        "dreamt_on",
        "lucid",
        "nightmare",
        "recurring",
        "clarity",
        "sleep_quality",
        "tags",
    ):
        error = page.by_id(f"{name}-error")
        assert error["data-error-for"] == name and "hidden" in error
    for control in ("dreamt_on", "tags", "clarity-none", "clarity-5", "sleep_quality-1"):
        assert re.search(rf'<label[^>]*for="{control}"', html), control
    assert re.search(r"<legend>Clarity</legend>", html)
    assert re.search(r"<legend>Sleep quality</legend>", html)


def test_tags_are_suggested_from_the_owners_own_most_used_first(client, user):
    DreamFactory(owner=user, tags=["school", "flying"])
    DreamFactory(owner=user, tags=["flying"])
    DreamFactory(tags=["someone else's tag"])
    client.force_login(user)

    page = get_page(client, NEW)

    assert page.by_id("tags")["list"] == "tag-suggestions"
    assert page.options("tag-suggestions") == ["flying", "school"]


def test_without_tags_yet_there_is_nothing_to_suggest(client, user):
    client.force_login(user)

    page = get_page(client, NEW)

    assert "list" not in page.by_id("tags")
    assert not page.has_id("tag-suggestions")


def _draft_owner(client: Client, url: str = NEW) -> str:
    return get_page(client, url).by_id("dream-form")["data-draft-owner"]


def test_drafts_are_kept_per_account_never_shared_between_accounts(user):
    other = UserFactory()
    first, again, second = Client(), Client(), Client()
    first.force_login(user)
    again.force_login(user)  # the same account in a later session
    second.force_login(other)

    mine, mine_later, theirs = _draft_owner(first), _draft_owner(again), _draft_owner(second)

    assert mine and mine == mine_later
    assert theirs != mine
    assert user.username not in mine


def test_each_demo_visitor_gets_drafts_of_their_own_from_the_first_visit(client):
    other_visitor = Client()

    first_marker = _draft_owner(client)
    second_marker = _draft_owner(other_visitor)

    assert first_marker != second_marker
    # The same visitor keeps their marker once they wrote a dream in demo mode.
    written = client.post(
        "/api/dreams", {"title": "Demo", "content": "Fog."}, content_type="application/json"
    )
    assert written.status_code == 201
    assert _draft_owner(client) == first_marker


def test_a_dreams_draft_is_its_own_not_the_new_dreams(client, user):
    dream = DreamFactory(owner=user)
    client.force_login(user)

    form = get_page(client, edit_url(dream)).by_id("dream-form")

    assert form["data-dream-id"] == str(dream.pk)
    assert get_page(client, NEW).by_id("dream-form")["data-dream-id"] == ""


def test_a_demo_visitor_can_edit_the_details_of_their_demo_dream(client):
    response = client.post(
        "/api/dreams",
        {"title": "Demo", "content": "Fog.", "nightmare": True, "sleep_quality": 2},
        content_type="application/json",
    )
    dream_id = response.json()["id"]

    page = get_page(client, reverse("dream-edit", kwargs={"dream_id": dream_id}))

    assert page.checked("nightmare") == ["on"] and page.checked("sleep_quality") == ["2"]


@pytest.mark.django_db(transaction=True)
def test_the_editor_opens_while_the_database_is_unreachable(client):
    DemoDreamFactory(tags=["fog"])  # suggestions cannot be read: the editor opens without

    with database_unreachable():
        page = get_page(client, NEW)

    assert page.by_id("dreamt_on")["value"] == timezone.localdate().isoformat()
    assert not page.has_id("tag-suggestions")


# --- The dream page ------------------------------------------------------------------------


def test_the_owner_sees_the_nights_date_flags_ratings_and_tags(client, user):
    dream = DreamFactory(
        owner=user,
        dreamt_on=date(2025, 6, 2),
        lucid=True,
        nightmare=True,
        clarity=4,
        sleep_quality=2,
        tags=["flying", "the sea"],
    )
    client.force_login(user)

    html = client.get(page_url(dream)).content.decode()
    page = Page(html)

    assert "Monday 2 June 2025" in page.text
    assert re.search(r'<time datetime="2025-06-02"', html)
    written_on = timezone.localdate(dream.created_at)  # written later than dreamt
    assert f"written {written_on.day} {written_on:%B %Y}" in page.text
    assert re.findall(r'class="flag-badge[^"]*">([^<]+)<', html) == ["Lucid", "Nightmare"]
    assert "Clarity 4 of 5, clear" in page.text
    assert "Sleep quality 2 of 5, poor" in page.text
    journal = reverse("journal")
    assert f'href="{journal}?tag=flying"' in html
    assert f'href="{journal}?tag=the%20sea"' in html


@pytest.mark.parametrize("days_before", [0, 1])
def test_a_dream_written_down_the_next_morning_has_no_written_note(client, user, days_before):
    # A day apart is the same night as seen from another time zone: not a backdated dream.
    dream = DreamFactory(owner=user)
    dream.dreamt_on = timezone.localdate(dream.created_at) - timedelta(days=days_before)
    dream.save(update_fields=["dreamt_on"])
    client.force_login(user)

    html = client.get(page_url(dream)).content.decode()

    assert "eyebrow-aside" not in html and "written " not in Page(html).text
    assert "The night" not in Page(html).text  # nothing rated, no tags
    assert "flag-badge" not in html


def test_a_gallery_visitor_sees_the_details_but_never_the_owners_tags(client):
    dream = DreamFactory(in_gallery=True, recurring=True, clarity=5, tags=["my secret label"])

    html = client.get(page_url(dream)).content.decode()
    page = Page(html)

    assert "Recurring" in page.text
    assert "Clarity 5 of 5, vivid" in page.text
    assert "my secret label" not in html
    assert "Your tags" not in page.text
