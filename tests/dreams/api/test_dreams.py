"""The dreams API (``/api/dreams``, ``/api/dreams/{id}``): the representation, list, search,
filters, pagination, read/update/delete, ownership, ingest on create, query counts.

Create-with-video: ``test_with_video.py``; input validation: ``test_validation.py``.
"""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta

import pytest
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from common.owners import DEMO_SESSION_FIELD
from tests.support.contract import DREAM_FIELDS
from tests.support.factories import DemoDreamFactory, DreamFactory

pytestmark = pytest.mark.django_db

DREAMS = "/api/dreams"


def dream_body(title: str = "Flying over the sea", **extra) -> dict:
    return {"title": title, "content": "I flew over a calm sea at dawn.", **extra}


def dream_url(dream_id) -> str:
    return f"{DREAMS}/{dream_id}"


def all_pages(client: APIClient, url: str) -> list[dict]:
    """Follow `next` from `url` to the end; every result in the order served."""
    results: list[dict] = []
    for _ in range(100):
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        results += body["results"]
        if not body["next"]:
            return results
        url = body["next"]
    raise AssertionError("pagination never ended")


# --- the representation ------------------------------------------------------------------


def test_created_dream_has_exactly_the_documented_fields(auth_client):
    # When a signed-in user writes a dream
    response = auth_client.post(DREAMS, dream_body(), format="json")

    # Then it comes back with the design's fields, defaults filled in
    assert response.status_code == 201, response.content
    dream = response.json()
    assert set(dream) == DREAM_FIELDS
    uuid.UUID(dream["id"])
    assert dream["title"] == "Flying over the sea"
    assert dream["content"] == "I flew over a calm sea at dawn."
    assert dream["video_url"] is None
    assert dream["thumbnail_url"] is None
    assert dream["video_prompt"] == ""
    assert dream["video_duration"] == 4
    assert dream["video_status"] == "none"
    assert dream["is_public"] is False
    assert dream["moderation_status"] == "pending"
    assert dream["moderation_reason"] == ""
    assert dream["storage"] == "dreams"
    assert dream["created_at"] and dream["updated_at"]


def test_anonymous_dream_has_the_same_fields_and_demo_storage(api_client):
    response = api_client.post(DREAMS, dream_body(), format="json")

    assert response.status_code == 201, response.content
    assert set(response.json()) == DREAM_FIELDS
    assert response.json()["storage"] == "demo_dreams"


def test_create_computes_the_analysis_when_none_is_sent(auth_client):
    response = auth_client.post(
        DREAMS,
        {
            "title": "Chased in the forest",
            "content": "A monster chased me through a dark forest and I was terrified.",
        },
        format="json",
    )

    analysis = response.json()["analysis"]
    assert "fear" in analysis["emotions"]
    assert analysis["keywords"]
    assert all(isinstance(k, str) for k in analysis["keywords"])


def test_create_keeps_the_clients_analysis(auth_client):
    sent = {"emotions": ["joy"], "keywords": ["balloon", "summer"], "mood": "joy"}

    response = auth_client.post(DREAMS, dream_body(analysis=sent), format="json")

    assert response.json()["analysis"] == sent


def test_create_accepts_video_fields_and_is_public(auth_client):
    response = auth_client.post(
        DREAMS,
        dream_body(video_prompt="A calm sea at dawn", video_duration=7, is_public=True),
        format="json",
    )

    dream = response.json()
    assert dream["video_prompt"] == "A calm sea at dawn"
    assert dream["video_duration"] == 7
    assert dream["is_public"] is True
    # Public dreams wait for a moderator before the gallery shows them
    assert dream["moderation_status"] == "pending"


def test_create_trims_surrounding_whitespace(auth_client):
    response = auth_client.post(
        DREAMS, {"title": "  Moon  ", "content": "\n Silver light \n"}, format="json"
    )

    assert response.json()["title"] == "Moon"
    assert response.json()["content"] == "Silver light"


def test_create_with_a_video_url_starts_copying_it(auth_client):
    # When a dream is created with a video made elsewhere
    response = auth_client.post(
        DREAMS,
        dream_body(video_url="https://videos.example.com/clip.mp4", video_duration=6),
        format="json",
    )

    # Then the dream is waiting for its copy, not claiming a ready video
    assert response.status_code == 201, response.content
    dream = response.json()
    assert dream["video_status"] in {"queued", "ingesting"}
    assert dream["video_duration"] == 6
    # And the copy shows as in progress when the dream is read again
    again = auth_client.get(dream_url(dream["id"])).json()
    assert again["video_status"] in {"queued", "ingesting"}


def test_patch_with_a_video_url_starts_copying_it(auth_client):
    dream_id = auth_client.post(DREAMS, dream_body(), format="json").json()["id"]

    response = auth_client.patch(
        dream_url(dream_id), {"video_url": "https://videos.example.com/new.mp4"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["video_status"] in {"queued", "ingesting"}


def test_demo_create_with_a_video_url_starts_copying_it(api_client):
    response = api_client.post(
        DREAMS, dream_body(video_url="https://videos.example.com/clip.mp4"), format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["storage"] == "demo_dreams"
    assert response.json()["video_status"] in {"queued", "ingesting"}


# --- GET /api/dreams: order, pagination, search, filters ---------------------------------


def test_list_is_newest_first_and_paginated_by_cursor(client_for):
    # Given 25 dreams written one after another
    client = client_for()
    titles = [f"Dream {i:02d}" for i in range(25)]
    for title in titles:
        assert client.post(DREAMS, dream_body(title), format="json").status_code == 201

    # When the first page is read
    first = client.get(DREAMS).json()

    # Then it is the newest 20, with a cursor to the rest
    assert set(first) == {"next", "previous", "results"}
    assert first["previous"] is None
    assert first["next"]
    assert [d["title"] for d in first["results"]] == titles[::-1][:20]
    # And following `next` gives the remaining 5, with a way back
    second = client.get(first["next"]).json()
    assert [d["title"] for d in second["results"]] == titles[::-1][20:]
    assert second["next"] is None
    assert second["previous"]
    back = client.get(second["previous"]).json()
    assert [d["title"] for d in back["results"]] == titles[::-1][:20]


def test_following_next_returns_every_dream_once(client_for):
    # Given 23 dreams, several sharing one timestamp
    client = client_for()
    same_moment = timezone.now() - timedelta(hours=1)
    dreams = DreamFactory.create_batch(13, owner=client.user)
    dreams += DreamFactory.create_batch(
        10, owner=client.user, created_at=same_moment, updated_at=same_moment
    )

    # When every page is read, 4 at a time
    results = all_pages(client, f"{DREAMS}?page_size=4")

    # Then each dream appears exactly once, newest first
    ids = [d["id"] for d in results]
    assert len(ids) == len(set(ids)) == 23
    assert set(ids) == {str(d.pk) for d in dreams}
    stamps = [d["created_at"] for d in results]
    assert stamps == sorted(stamps, reverse=True)


def test_list_shows_only_the_callers_dreams(client_for):
    me, neighbour = client_for(), client_for()
    mine = DreamFactory(owner=me.user, title="Mine")
    DreamFactory(owner=neighbour.user, title="Theirs")
    DemoDreamFactory(title="A visitor's")

    results = me.get(DREAMS).json()["results"]

    assert [d["id"] for d in results] == [str(mine.pk)]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("ocean", {"Ocean of stars"}),
        ("OCEAN", {"Ocean of stars"}),
        ("piano", {"Music room"}),
        ("pian", {"Music room"}),  # a word still being typed
        ("nowhere", set()),
    ],
)
def test_search_matches_title_or_content_of_own_dreams(client_for, query, expected):
    # Given my two dreams, and a neighbour's that also mentions an ocean and a piano
    me, neighbour = client_for(), client_for()
    DreamFactory(owner=me.user, title="Ocean of stars", content="Floating, weightless.")
    DreamFactory(owner=me.user, title="Music room", content="A piano played by itself.")
    DreamFactory(owner=neighbour.user, title="Ocean piano", content="ocean piano o")

    # When I search
    response = me.get(DREAMS, {"q": query})

    # Then only my matching dreams come back
    assert response.status_code == 200
    assert {d["title"] for d in response.json()["results"]} == expected


def test_demo_search_is_limited_to_the_session(api_client):
    api_client.post(DREAMS, dream_body("Ocean of stars"), format="json")
    APIClient().post(DREAMS, dream_body("Ocean of someone else"), format="json")

    results = api_client.get(DREAMS, {"q": "ocean"}).json()["results"]

    assert [d["title"] for d in results] == ["Ocean of stars"]


@pytest.fixture
def varied_dreams(client_for):
    """One signed-in client owning: public+video, private+video, public, private."""
    client = client_for()
    DreamFactory(owner=client.user, title="public video", is_public=True, with_video=True)
    DreamFactory(owner=client.user, title="private video", with_video=True)
    DreamFactory(owner=client.user, title="public text", is_public=True)
    DreamFactory(owner=client.user, title="private text")
    return client


@pytest.mark.parametrize(
    "params, expected",
    [
        ({}, {"public video", "private video", "public text", "private text"}),
        ({"has_video": "true"}, {"public video", "private video"}),
        ({"has_video": "false"}, {"public text", "private text"}),
        ({"is_public": "true"}, {"public video", "public text"}),
        ({"is_public": "false"}, {"private video", "private text"}),
        ({"has_video": "true", "is_public": "true"}, {"public video"}),
        ({"has_video": "1", "is_public": "0"}, {"private video"}),
        ({"has_video": "true", "q": "private"}, {"private video"}),
    ],
)
def test_list_filters(varied_dreams, params, expected):
    response = varied_dreams.get(DREAMS, params)

    assert response.status_code == 200
    assert {d["title"] for d in response.json()["results"]} == expected


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "%%%",
        base64.b64encode(b"p=not-a-date").decode(),
        base64.b64encode(b"o=-5&p=2024-01-01").decode(),
        base64.b64encode(b"o=99999999999999999999").decode(),
    ],
)
def test_a_tampered_cursor_is_a_client_error_not_a_crash(client_for, cursor):
    client = client_for()
    DreamFactory.create_batch(3, owner=client.user)

    response = client.get(DREAMS, {"cursor": cursor})

    # A cursor that decodes to nothing is the first page; anything else is refused politely
    assert response.status_code in {200, 400, 404}
    if response.status_code != 200:
        assert response.json()["detail"]


# --- GET/PUT/PATCH/DELETE /api/dreams/{id} ------------------------------------------------


def test_get_one_dream(auth_client):
    created = auth_client.post(DREAMS, dream_body(), format="json").json()

    response = auth_client.get(dream_url(created["id"]))

    assert response.status_code == 200
    assert response.json() == created


def test_put_replaces_text_and_sets_video_fields(auth_client):
    dream_id = auth_client.post(DREAMS, dream_body(), format="json").json()["id"]

    response = auth_client.put(
        dream_url(dream_id),
        {
            "title": "Rewritten",
            "content": "Now the sea was made of glass.",
            "video_prompt": "A glass sea under a pale sun",
            "video_duration": 9,
            "is_public": True,
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    dream = response.json()
    assert dream["title"] == "Rewritten"
    assert dream["content"] == "Now the sea was made of glass."
    assert dream["video_prompt"] == "A glass sea under a pale sun"
    assert dream["video_duration"] == 9
    assert dream["is_public"] is True
    assert dream["storage"] == "dreams"
    # And the change is stored
    assert auth_client.get(dream_url(dream_id)).json() == dream


def test_put_requires_title_and_content(auth_client):
    dream_id = auth_client.post(DREAMS, dream_body(), format="json").json()["id"]

    response = auth_client.put(dream_url(dream_id), {"video_duration": 5}, format="json")

    assert response.status_code == 400
    assert {"title", "content"} <= set(response.json())


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Only the title"},
        {"content": "Only the content."},
        {"video_prompt": "Only the prompt"},
        {"video_duration": 2},
        {"video_duration": 10},
        {"is_public": True},
        {"analysis": {"emotions": ["awe"], "keywords": ["comet"]}},
    ],
    ids=lambda change: next(iter(change)),
)
def test_patch_changes_only_what_is_sent(auth_client, change):
    before = auth_client.post(DREAMS, dream_body(), format="json").json()

    response = auth_client.patch(dream_url(before["id"]), change, format="json")

    assert response.status_code == 200, response.content
    after = response.json()
    for field, value in change.items():
        assert after[field] == value
    untouched = DREAM_FIELDS - set(change) - {"updated_at", "moderation_status"}
    if change.keys() & {"title", "content"}:
        untouched -= {"analysis"}  # new words, a new reading (test_edited_words_are_read_again)
    assert {f: after[f] for f in untouched} == {f: before[f] for f in untouched}
    assert auth_client.get(dream_url(before["id"])).json() == after


def test_edited_words_are_read_again_unless_the_reading_is_the_owners(auth_client):
    # Given a dream we read, and one whose reading its owner wrote
    ours = auth_client.post(DREAMS, dream_body(), format="json").json()
    theirs_reading = {"emotions": ["awe"], "keywords": ["comet"]}
    theirs = auth_client.post(DREAMS, dream_body(analysis=theirs_reading), format="json").json()

    # When both are rewritten
    change = {"content": "A dark forest where a wolf chased me."}
    ours = auth_client.patch(dream_url(ours["id"]), change, format="json").json()
    theirs = auth_client.patch(dream_url(theirs["id"]), change, format="json").json()

    # Then ours is read again from the new words; the owner's reading is kept
    assert "wolf" in ours["analysis"]["keywords"] or "forest" in " ".join(
        ours["analysis"]["keywords"]
    )
    assert theirs["analysis"] == theirs_reading


def test_patch_makes_a_dream_private_again(auth_client):
    dream_id = auth_client.post(DREAMS, dream_body(is_public=True), format="json").json()["id"]

    response = auth_client.patch(dream_url(dream_id), {"is_public": False}, format="json")

    assert response.json()["is_public"] is False


def test_delete_removes_the_dream(auth_client):
    keep = auth_client.post(DREAMS, dream_body("Keep"), format="json").json()["id"]
    drop = auth_client.post(DREAMS, dream_body("Drop"), format="json").json()["id"]

    response = auth_client.delete(dream_url(drop))

    assert response.status_code == 204
    assert auth_client.get(dream_url(drop)).status_code == 404
    assert [d["id"] for d in auth_client.get(DREAMS).json()["results"]] == [keep]
    # And deleting again is 404
    assert auth_client.delete(dream_url(drop)).status_code == 404


def test_delete_of_a_dream_with_a_copy_in_flight(auth_client):
    dream_id = auth_client.post(
        DREAMS, dream_body(video_url="https://videos.example.com/clip.mp4"), format="json"
    ).json()["id"]

    assert auth_client.delete(dream_url(dream_id)).status_code == 204
    assert auth_client.get(dream_url(dream_id)).status_code == 404


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_unknown_dream_id_is_404(auth_client, method):
    url = dream_url(uuid.uuid4())

    response = getattr(auth_client, method)(url, dream_body(), format="json")

    assert response.status_code == 404
    assert response.json()["detail"]


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
@pytest.mark.parametrize(
    "bad_id",
    [
        "not-a-uuid",
        "12345",
        "0" * 31,
        "0" * 33,
        "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
        "00000000-0000-0000-0000-00000000000%00",
        "1 OR 1=1",
    ],
)
def test_malformed_dream_id_is_404(auth_client, method, bad_id):
    response = getattr(auth_client, method)(f"{DREAMS}/{bad_id}", dream_body(), format="json")

    assert response.status_code == 404


def test_dream_id_without_dashes_or_in_upper_case_finds_the_dream(auth_client):
    dream_id = auth_client.post(DREAMS, dream_body(), format="json").json()["id"]

    assert auth_client.get(dream_url(dream_id.replace("-", ""))).status_code == 200
    assert auth_client.get(dream_url(dream_id.upper())).status_code == 200


# --- ownership: someone else's private dream does not exist for you -----------------------


@pytest.mark.parametrize(
    "method, body",
    [
        ("get", None),
        ("put", {"title": "Hijacked", "content": "Mine now.", "is_public": True}),
        ("patch", {"title": "Hijacked", "is_public": True}),
        ("delete", None),
    ],
)
def test_another_users_dream_is_404_and_unchanged(client_for, method, body):
    # Given Alice's private dream
    alice, mallory = client_for(), client_for()
    created = alice.post(DREAMS, dream_body("Alice's dream"), format="json").json()

    # When Mallory tries to touch it
    response = getattr(mallory, method)(dream_url(created["id"]), body, format="json")

    # Then it does not exist for her
    assert response.status_code == 404
    # And Alice's dream is exactly as it was
    assert alice.get(dream_url(created["id"])).json() == created


def test_invalid_edit_of_another_users_dream_is_still_404(client_for):
    alice, mallory = client_for(), client_for()
    dream_id = alice.post(DREAMS, dream_body(), format="json").json()["id"]

    response = mallory.patch(dream_url(dream_id), {"video_duration": 99}, format="json")

    assert response.status_code == 404


def test_anonymous_caller_cannot_see_a_users_dream(auth_client):
    dream_id = auth_client.post(DREAMS, dream_body(), format="json").json()["id"]
    visitor = APIClient()
    visitor.post(DREAMS, dream_body("Visitor's"), format="json")  # has a session now

    for client in (APIClient(), visitor):
        assert client.get(dream_url(dream_id)).status_code == 404
        assert client.delete(dream_url(dream_id)).status_code == 404
        titles = [d["title"] for d in client.get(DREAMS).json()["results"]]
        assert "Flying over the sea" not in titles
    assert auth_client.get(dream_url(dream_id)).status_code == 200


# --- query counts do not grow with rows -----------------------------------------------------


def count_queries(client: APIClient, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_list_query_count_does_not_grow_with_rows(client_for):
    client = client_for()
    DreamFactory.create_batch(3, owner=client.user, with_video=True)
    with_3 = count_queries(client, f"{DREAMS}?page_size=100")

    DreamFactory.create_batch(27, owner=client.user, with_video=True)
    with_30 = count_queries(client, f"{DREAMS}?page_size=100")

    assert len(client.get(f"{DREAMS}?page_size=100").json()["results"]) == 30
    assert with_30 == with_3


def test_demo_list_query_count_does_not_grow_with_rows(api_client):
    api_client.post(DREAMS, dream_body(), format="json")
    session = SessionStore(session_key=api_client.cookies["sessionid"].value).load()
    session_key = session[DEMO_SESSION_FIELD]
    DemoDreamFactory.create_batch(2, session_key=session_key, with_video=True)
    with_3 = count_queries(api_client, f"{DREAMS}?page_size=100")

    DemoDreamFactory.create_batch(27, session_key=session_key, with_video=True)
    with_30 = count_queries(api_client, f"{DREAMS}?page_size=100")

    assert len(api_client.get(f"{DREAMS}?page_size=100").json()["results"]) == 30
    assert with_30 == with_3
