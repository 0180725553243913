"""Finding dreams through ``GET /api/dreams``: every filter alone and combined, search (web
syntax and ranking on PostgreSQL, the fallback on SQLite), validation, exact keyset pages;
and the journal's details of a dream (``dreamt_on``, flags, ratings, tags) on create and
update, tags private to the owner.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from tests.support.factories import DreamFactory

pytestmark = pytest.mark.django_db

DREAMS = "/api/dreams"
POSTGRES = connection.vendor == "postgresql"


def titles(client: APIClient, params: dict | None = None) -> list[str]:
    response = client.get(DREAMS, params or {})
    assert response.status_code == 200, response.content
    return [dream["title"] for dream in response.json()["results"]]


def dream_body(**extra) -> dict:
    return {
        "title": "The lift",
        "content": "A lift that went sideways through the house.",
        "analysis": {"emotions": ["wonder"], "keywords": ["lift"]},
        **extra,
    }


# --- every filter, alone and combined -----------------------------------------------------------


@pytest.fixture
def journal(client_for):
    """A journal whose dreams differ in every filtered detail (plus a neighbour's dream)."""
    client = client_for()
    mine = client.user

    def dream(title, **fields):
        fields.setdefault("analysis", {"emotions": ["calm"], "keywords": []})
        # Fixed words: random text could hold "fly", which a search for "flying" finds.
        fields.setdefault("content", f"{title}: a night I wrote down.")
        return DreamFactory(owner=mine, title=title, **fields)

    dream(
        "Flying lucid",
        dreamt_on=date(2026, 3, 1),
        lucid=True,
        clarity=5,
        sleep_quality=4,
        tags=["flying", "sky"],
        analysis={"emotions": ["joy", "wonder"], "keywords": ["sky"]},
    )
    dream(
        "Chased nightmare",
        dreamt_on=date(2026, 3, 5),
        nightmare=True,
        recurring=True,
        clarity=3,
        sleep_quality=1,
        tags=["chase"],
        analysis={"emotions": ["fear"], "keywords": ["dog"]},
    )
    dream(
        "Recurring school",
        dreamt_on=date(2026, 3, 10),
        recurring=True,
        clarity=2,
        tags=["school", "flying"],
        analysis={"emotions": ["anxiety"], "keywords": ["exam"]},
    )
    dream("Quiet beach", dreamt_on=date(2026, 2, 20), with_video=True, is_public=True)
    DreamFactory(title="A neighbour's lucid flight", lucid=True, tags=["flying"])
    return client


@pytest.mark.parametrize(
    "params, expected",
    [
        ({}, ["Recurring school", "Chased nightmare", "Flying lucid", "Quiet beach"]),
        ({"emotion": "fear"}, ["Chased nightmare"]),
        ({"emotion": "ANXIETY"}, ["Recurring school"]),  # emotions match in any case
        ({"emotion": "wonder"}, ["Flying lucid"]),
        ({"tag": "flying"}, ["Recurring school", "Flying lucid"]),
        ({"tag": "#Flying "}, ["Recurring school", "Flying lucid"]),  # normalised like a tag
        ({"tag": "fly"}, []),  # a tag is matched whole
        ({"lucid": "true"}, ["Flying lucid"]),
        ({"lucid": "false"}, ["Recurring school", "Chased nightmare", "Quiet beach"]),
        ({"nightmare": "1"}, ["Chased nightmare"]),
        ({"recurring": "true"}, ["Recurring school", "Chased nightmare"]),
        ({"recurring": "0"}, ["Flying lucid", "Quiet beach"]),
        ({"min_clarity": "3"}, ["Chased nightmare", "Flying lucid"]),
        ({"min_clarity": "5"}, ["Flying lucid"]),
        ({"min_clarity": "1"}, ["Recurring school", "Chased nightmare", "Flying lucid"]),
        ({"min_sleep_quality": "2"}, ["Flying lucid"]),
        ({"dreamt_from": "2026-03-05"}, ["Recurring school", "Chased nightmare"]),
        ({"dreamt_to": "2026-03-01"}, ["Flying lucid", "Quiet beach"]),
        ({"dreamt_from": "2026-03-05", "dreamt_to": "2026-03-05"}, ["Chased nightmare"]),
        ({"dreamt_from": "2026-03-02", "dreamt_to": "2026-03-04"}, []),
        ({"has_video": "true"}, ["Quiet beach"]),
        ({"is_public": "false"}, ["Recurring school", "Chased nightmare", "Flying lucid"]),
        # combined: every filter given must hold
        ({"tag": "flying", "recurring": "true"}, ["Recurring school"]),
        ({"recurring": "true", "min_clarity": "3"}, ["Chased nightmare"]),
        ({"tag": "flying", "dreamt_to": "2026-03-09", "lucid": "true"}, ["Flying lucid"]),
        ({"emotion": "fear", "nightmare": "false"}, []),
        (
            {"dreamt_from": "2026-02-01", "dreamt_to": "2026-02-28", "is_public": "1"},
            ["Quiet beach"],
        ),
        # empty values are absent
        ({"tag": "", "emotion": "", "lucid": "", "min_clarity": ""}, None),
    ],
)
def test_filters_narrow_the_journal_alone_and_combined(journal, params, expected):
    # When the owner lists their dreams with filters
    found = titles(journal, params)

    # Then exactly the matching dreams of theirs come back, in the journal's order
    everything = ["Recurring school", "Chased nightmare", "Flying lucid", "Quiet beach"]
    assert found == (everything if expected is None else expected)


def test_a_search_combines_with_filters(journal):
    assert titles(journal, {"q": "flying", "recurring": "true"}) == ["Recurring school"]


# --- search --------------------------------------------------------------------------------------


@pytest.fixture
def searchable(client_for):
    client = client_for()
    today = timezone.localdate()

    def dream(title, content, days_ago, emotions=("calm",), tags=()):
        DreamFactory(
            owner=client.user,
            title=title,
            content=content,
            dreamt_on=today - timedelta(days=days_ago),
            analysis={"emotions": list(emotions), "keywords": []},
            tags=list(tags),
        )

    dream("The glass house", "Rooms of light, every wall clear.", 5)
    dream("Afternoon walk", "We found a glass house in the woods.", 1)
    dream("Glass house on fire", "The glass house burned.", 3, emotions=["fear"])
    dream("House of glass", "A house made of glass jars.", 2)
    dream("The concert", "A piano played itself in an empty hall.", 4, tags=["music"])
    dream("Falling", "Down the stairs forever.", 6, emotions=["fear"], tags=["flying"])
    return client


@pytest.mark.skipif(not POSTGRES, reason="web-search syntax is PostgreSQL full-text search")
@pytest.mark.parametrize(
    "q, expected",
    [
        # a quoted phrase needs the words side by side; -word leaves out what has it
        ('"glass house" -fear', ["The glass house", "Afternoon walk"]),
        ('"glass house" -burned', ["The glass house", "Afternoon walk"]),
        ('"house of glass"', ["House of glass"]),
        ("piano or stairs", ["The concert", "Falling"]),
        # plain words are prefixes, all required: a word still being typed finds its dream
        ("pian", ["The concert"]),
        ("glass jar", ["House of glass"]),
        # emotions and tags are searched too
        ("music", ["The concert"]),
        ("fear -fire", ["Falling"]),
    ],
)
def test_postgres_search_reads_web_syntax(searchable, q, expected):
    assert sorted(titles(searchable, {"q": q})) == sorted(expected)


@pytest.mark.skipif(not POSTGRES, reason="ranking is PostgreSQL full-text search")
def test_postgres_search_ranks_a_title_hit_above_a_text_only_hit(searchable):
    # Given "Afternoon walk" was dreamt later, but mentions the glass house only in its text
    found = titles(searchable, {"q": '"glass house" -fear'})

    # Then the dream with the words in its title comes first
    assert found == ["The glass house", "Afternoon walk"]


@pytest.mark.skipif(POSTGRES, reason="the SQLite fallback (one phrase, case-insensitive)")
@pytest.mark.parametrize(
    "q, expected",
    [
        ("glass house", ["Afternoon walk", "Glass house on fire", "The glass house"]),
        ("FEAR", ["Glass house on fire", "Falling"]),  # emotions
        ("music", ["The concert"]),  # tags
        ("flying", ["Falling"]),
        ("piano played", ["The concert"]),
    ],
)
def test_sqlite_search_finds_text_emotions_and_tags(searchable, q, expected):
    assert titles(searchable, {"q": q}) == expected


def test_search_finds_nothing_politely(searchable):
    assert titles(searchable, {"q": "submarine"}) == []


# --- validation: always a 400 naming the parameter, never a 500 --------------------------------


@pytest.mark.parametrize(
    "params, field",
    [
        ({"dreamt_from": "2026-13-01"}, "dreamt_from"),
        ({"dreamt_from": "yesterday"}, "dreamt_from"),
        ({"dreamt_to": "2026-02-30"}, "dreamt_to"),
        ({"dreamt_to": "0000-01-01"}, "dreamt_to"),
        ({"dreamt_from": "2026-03-10", "dreamt_to": "2026-03-09"}, "dreamt_to"),
        ({"min_clarity": "0"}, "min_clarity"),
        ({"min_clarity": "6"}, "min_clarity"),
        ({"min_clarity": "x"}, "min_clarity"),
        ({"min_sleep_quality": "0"}, "min_sleep_quality"),
        ({"min_sleep_quality": "6"}, "min_sleep_quality"),
        ({"min_sleep_quality": "x"}, "min_sleep_quality"),
        ({"min_sleep_quality": "2.5"}, "min_sleep_quality"),
        ({"lucid": "maybe"}, "lucid"),
        ({"has_video": "yes please"}, "has_video"),
        ({"q": "a" * 201}, "q"),
        ({"q": "glass\x00house"}, "q"),
        ({"emotion": "fe\x00ar"}, "emotion"),
        ({"tag": "fly\x00ing"}, "tag"),
        ({"emotion": "e" * 51}, "emotion"),
        ({"tag": "t" * 51}, "tag"),
    ],
)
def test_bad_filters_are_a_400_naming_the_parameter(journal, params, field):
    response = journal.get(DREAMS, params)

    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()


def test_a_query_of_200_characters_is_accepted(journal):
    assert journal.get(DREAMS, {"q": "a" * 200}).status_code == 200


# --- exact pages -----------------------------------------------------------------------------


def follow(client: APIClient, url: str, link: str) -> list[list[str]]:
    """Pages from ``url`` following ``link`` ("next" or "previous") to its end, as id lists."""
    pages: list[list[str]] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append([dream["id"] for dream in body["results"]])
        url = body[link]
        assert len(pages) < 20, "pagination never ended"
    return pages


@pytest.mark.parametrize(
    "params", ["&lucid=false", "&tag=night", "&q=night", "&q=night&dreamt_from=2026-01-15"]
)
def test_45_dreams_of_one_night_are_each_paged_exactly_once(client_for, params):
    # Given 45 dreams dreamt on the same day, some written at the very same moment
    client = client_for()
    night = date(2026, 1, 15)
    moment = timezone.now() - timedelta(hours=2)
    dreams = DreamFactory.create_batch(25, owner=client.user, dreamt_on=night, tags=["night"])
    dreams += DreamFactory.create_batch(
        20, owner=client.user, dreamt_on=night, tags=["night"], created_at=moment
    )
    DreamFactory(owner=client.user, dreamt_on=date(2026, 1, 14), lucid=True)  # filtered out

    # When every page is read, 20 at a time, forwards
    forwards = follow(client, f"{DREAMS}?page_size=20{params}", "next")

    # Then each of the 45 comes exactly once, in pages of 20, 20 and 5
    assert [len(page) for page in forwards] == [20, 20, 5]
    ids = [dream_id for page in forwards for dream_id in page]
    assert len(set(ids)) == 45 and set(ids) == {str(d.pk) for d in dreams}

    # And following `previous` from the last page gives the same pages back
    last = client.get(f"{DREAMS}?page_size=20{params}").json()["next"]
    last = client.get(last).json()["next"]
    backwards = follow(client, client.get(last).json()["previous"], "previous")
    assert backwards == forwards[:2][::-1]


def test_a_filtered_page_costs_the_same_queries_whatever_the_journal_holds(client_for):
    client = client_for()
    url = f"{DREAMS}?page_size=20&tag=night&lucid=true&min_clarity=2&dreamt_from=2026-01-01"
    DreamFactory.create_batch(
        3, owner=client.user, tags=["night"], lucid=True, clarity=3, with_video=True
    )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    with_3 = queries()
    DreamFactory.create_batch(
        40, owner=client.user, tags=["night"], lucid=True, clarity=3, with_video=True
    )
    with_43 = queries()
    second_page = client.get(url).json()["next"]
    with CaptureQueriesContext(connection) as captured:
        client.get(second_page)

    assert with_43 == with_3
    assert len(captured) == with_3


# --- the details of a dream on create and update ------------------------------------------------


def test_a_new_dream_is_dreamt_today_by_default_with_no_flags_ratings_or_tags(auth_client):
    response = auth_client.post(DREAMS, dream_body(), format="json")

    assert response.status_code == 201, response.content
    dream = response.json()
    assert dream["dreamt_on"] == timezone.localdate().isoformat()
    assert (dream["lucid"], dream["nightmare"], dream["recurring"]) == (False, False, False)
    assert (dream["clarity"], dream["sleep_quality"], dream["tags"]) == (None, None, [])


def test_details_are_stored_as_sent(auth_client):
    details = {
        "dreamt_on": "1987-06-30",
        "lucid": True,
        "nightmare": True,
        "recurring": True,
        "clarity": 5,
        "sleep_quality": 1,
    }

    dream = auth_client.post(DREAMS, dream_body(**details), format="json").json()

    assert {name: dream[name] for name in details} == details


@pytest.mark.parametrize(
    "dreamt_on, accepted",
    [
        (lambda today: today + timedelta(days=1), True),  # tomorrow is someone's today
        (lambda today: today + timedelta(days=2), False),
        (lambda today: date(1900, 1, 1), True),
        (lambda today: date(1899, 12, 31), False),
    ],
)
def test_dreamt_on_is_from_1900_up_to_a_day_ahead(auth_client, dreamt_on, accepted):
    day = dreamt_on(timezone.localdate()).isoformat()

    response = auth_client.post(DREAMS, dream_body(dreamt_on=day), format="json")

    if accepted:
        assert response.status_code == 201, response.content
        assert response.json()["dreamt_on"] == day
    else:
        assert response.status_code == 400 and "dreamt_on" in response.json()


@pytest.mark.parametrize("value", ["not a date", "2026-02-30", 20260101])
def test_a_dreamt_on_that_is_not_a_date_is_a_400(auth_client, value):
    response = auth_client.post(DREAMS, dream_body(dreamt_on=value), format="json")

    assert response.status_code == 400 and "dreamt_on" in response.json()


def test_tags_are_normalised_and_repeats_dropped(auth_client):
    tags = ["#Flying ", "FLYING", "flying", "Old  House", "", "  ", "#"]

    dream = auth_client.post(DREAMS, dream_body(tags=tags), format="json").json()

    assert dream["tags"] == ["flying", "old house"]


@pytest.mark.parametrize(
    "tags",
    [
        [f"tag {n}" for n in range(21)],  # more than 20
        ["t" * 51],  # longer than 50
        "flying",  # not a list
        [["nested"]],
    ],
)
def test_bad_tags_are_a_400(auth_client, tags):
    response = auth_client.post(DREAMS, dream_body(tags=tags), format="json")

    assert response.status_code == 400, response.content
    assert "tags" in response.json()


def test_twenty_tags_of_fifty_characters_are_accepted(auth_client):
    tags = [f"{n:02d}".ljust(50, "x") for n in range(20)]

    response = auth_client.post(DREAMS, dream_body(tags=tags), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["tags"] == tags


@pytest.mark.parametrize("field", ["clarity", "sleep_quality"])
@pytest.mark.parametrize(
    "value, accepted", [(1, True), (5, True), (None, True), (0, False), (6, False), ("x", False)]
)
def test_ratings_are_1_to_5_or_null(auth_client, field, value, accepted):
    response = auth_client.post(DREAMS, dream_body(**{field: value}), format="json")

    if accepted:
        assert response.status_code == 201, response.content
        assert response.json()[field] == value
    else:
        assert response.status_code == 400 and field in response.json()


def test_patch_changes_details_and_null_clears_a_rating(auth_client):
    created = auth_client.post(
        DREAMS, dream_body(clarity=4, tags=["sea"], lucid=True), format="json"
    ).json()
    url = f"{DREAMS}/{created['id']}"

    response = auth_client.patch(
        url,
        {"clarity": None, "tags": ["#Sea", "Storm"], "nightmare": True, "dreamt_on": "2025-12-24"},
        format="json",
    )

    assert response.status_code == 200, response.content
    dream = auth_client.get(url).json()
    assert dream["clarity"] is None
    assert dream["tags"] == ["sea", "storm"]
    assert (dream["lucid"], dream["nightmare"]) == (True, True)
    assert dream["dreamt_on"] == "2025-12-24"


@pytest.mark.parametrize(
    "change",
    [
        {"dreamt_on": "1850-01-01"},
        {"clarity": 9},
        {"tags": ["x" * 51]},
        {"lucid": "sometimes"},
    ],
)
def test_a_bad_detail_on_edit_is_a_400_and_nothing_changes(auth_client, change):
    created = auth_client.post(DREAMS, dream_body(clarity=2, tags=["sea"]), format="json").json()
    url = f"{DREAMS}/{created['id']}"

    response = auth_client.patch(url, change, format="json")

    assert response.status_code == 400 and set(change) <= set(response.json())
    assert auth_client.get(url).json() == created


# --- tags are the owner's own ------------------------------------------------------------------


def test_tags_of_a_public_dream_are_shown_only_to_its_owner(client_for):
    # Given a public dream in the gallery with the owner's tags
    owner, stranger = client_for(), client_for()
    dream = DreamFactory(owner=owner.user, in_gallery=True, tags=["ex", "therapy"])
    url = f"{DREAMS}/{dream.pk}"

    # Then the owner sees them, and nobody else does
    assert owner.get(url).json()["tags"] == ["ex", "therapy"]
    assert stranger.get(url).json()["tags"] == []
    assert APIClient().get(url).json()["tags"] == []
    gallery = APIClient().get(f"{DREAMS}/public/gallery").json()["results"]
    assert [item["tags"] for item in gallery] == [[]]
