"""HTTP caching of the dream reads: ETags and 304s that never build a body (the journal,
a dream, the gallery), every change that must alter them, Cache-Control and Vary, no
cookie on public answers, and a cache that does not answer.

The gallery's shared cache itself is tested in ``tests/dreams/test_gallery_cache.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rest_framework.test import APIClient

from dreams import moderation
from dreams.models import Dream
from dreams.storage import journal
from tests.support.caching import GALLERY, finish_a_video, gallery, titles, unreachable_redis_cache
from tests.support.factories import DreamFactory

pytestmark = pytest.mark.django_db

JOURNAL = "/api/dreams"
PUBLIC = "public, max-age=10, stale-while-revalidate=20"
PRIVATE = "private, no-cache"


@pytest.fixture(autouse=True)
def _short_public_lifetimes(settings):
    settings.PUBLIC_MAX_AGE, settings.PUBLIC_STALE_SECONDS = 10, 20


@pytest.fixture
def moderator(make_user):
    return make_user("moderator", is_staff=True, is_superuser=True)


def vary_of(response) -> set[str]:
    return {v.strip() for v in response.get("Vary", "").split(",")}


def test_without_a_shared_cache_the_gallery_is_read_fresh_and_still_validated(moderator):
    # Given the per-process cache of the default set-up (never used for the gallery)
    dream = DreamFactory(in_gallery=True)
    first = gallery()

    assert APIClient().get(GALLERY, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    moderation.dream_reject(dream=dream, moderator=moderator, reason="No.")
    assert gallery().json()["results"] == []


@pytest.mark.django_db(transaction=True)
def test_a_cache_that_does_not_answer_falls_back_to_the_database(settings, moderator):
    # Given a gallery dream, and then Redis stops answering
    dream = DreamFactory(in_gallery=True, title="Still here")
    settings.CACHES = {"default": unreachable_redis_cache()}

    # Then the gallery and a public dream are served from the database, validated
    first = gallery()
    assert titles(first) == ["Still here"]
    assert APIClient().get(GALLERY, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert APIClient().get(f"{JOURNAL}/{dream.pk}").status_code == 200
    # and a change shows at once
    moderation.dream_unpublish(dream=dream, moderator=moderator)
    assert gallery().json()["results"] == []


# --- Cache-Control, Vary, cookies ---------------------------------------------------------------


def test_public_answers_may_be_shared_and_carry_no_cookie(api_client):
    dream = DreamFactory(in_gallery=True)

    for response in (gallery(api_client), api_client.get(f"{JOURNAL}/{dream.pk}")):
        assert response["Cache-Control"] == PUBLIC
        assert {"Authorization", "Cookie"} <= vary_of(response)
        assert "Set-Cookie" not in response.headers
        assert not response.cookies


def test_a_demo_visitor_gets_the_public_gallery_without_a_new_cookie(api_client):
    DreamFactory(in_gallery=True)
    assert api_client.post(JOURNAL, {"title": "Mine", "content": "A demo dream."}).status_code in (
        201,
        202,
    )

    response = gallery(api_client)

    assert response["Cache-Control"] == PUBLIC
    assert not response.cookies


@pytest.mark.parametrize("who", ["owner", "someone signed in", "demo visitor"])
def test_answers_for_a_caller_are_private_and_vary_on_who_asks(client_for, api_client, who):
    owner = client_for()
    public = DreamFactory(in_gallery=True, owner=owner.user)
    private = DreamFactory(owner=owner.user)
    if who == "demo visitor":
        api_client.post(JOURNAL, {"title": "Mine", "content": "A demo dream."})
        caller, own = api_client, api_client.get(JOURNAL).json()["results"][0]["id"]
    else:
        caller = owner if who == "owner" else client_for()
        own = private.pk if who == "owner" else None

    answers = [caller.get(JOURNAL), caller.get(f"{JOURNAL}/{public.pk}")]
    if who != "demo visitor":
        answers.append(caller.get(GALLERY))  # a signed-in caller may see their own labels
    if own:
        answers.append(caller.get(f"{JOURNAL}/{own}"))

    for response in answers:
        assert response.status_code == 200
        if who == "demo visitor" and response.json().get("id") == str(public.pk):
            assert response["Cache-Control"] == PUBLIC  # the same for every visitor
            continue
        assert response["Cache-Control"] == PRIVATE
        assert {"Authorization", "Cookie"} <= vary_of(response)


# --- The journal: validated by its page, read narrowly --------------------------------------------


def _journal_etag(client, path: str = JOURNAL) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response["ETag"]


def test_a_journal_304_costs_the_sign_in_and_one_query(client_for, django_assert_num_queries):
    owner = client_for()
    DreamFactory.create_batch(3, owner=owner.user)
    etag = _journal_etag(owner)

    with django_assert_num_queries(2):  # the token, the validator
        response = owner.get(JOURNAL, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert (response["ETag"], response["Cache-Control"]) == (etag, PRIVATE)


def _create(owner, dream):
    owner.post(JOURNAL, {"title": "Another", "content": "Another night."})


def _edit(owner, dream):
    owner.patch(f"{JOURNAL}/{dream.pk}", {"lucid": True}, format="json")


def _delete(owner, dream):
    owner.delete(f"{JOURNAL}/{dream.pk}")


def _reject(owner, dream):
    Dream.objects.filter(pk=dream.pk).update(is_public=True)
    moderator = owner.user.__class__.objects.create_user("mod", is_staff=True)
    moderation.dream_reject(dream=Dream.objects.get(pk=dream.pk), moderator=moderator, reason="No")


def _store_a_video(owner, dream):
    body = {"dream_id": str(dream.pk), "video_url": "https://videos.example/night.mp4"}
    assert owner.post("/api/ai/store-video", body, format="json").status_code == 202


def _finish_a_video(owner, dream):
    finish_a_video(dream)


def _wait_in_the_emergency_journal(owner, dream):
    journal.emergency_append(
        owner_user_id=owner.user.pk,
        owner_session="",
        payload={"title": "Written offline", "content": "The database was down."},
    )


@pytest.mark.parametrize(
    "change",
    [
        _create,
        _edit,
        _delete,
        _reject,
        _store_a_video,
        _finish_a_video,
        _wait_in_the_emergency_journal,
    ],
    ids=lambda f: f.__name__.strip("_"),
)
def test_every_change_to_a_journal_changes_its_etag(client_for, change):
    owner = client_for()
    dream = DreamFactory(owner=owner.user, created_at=datetime(2024, 5, 1, tzinfo=UTC))
    etag = _journal_etag(owner)

    change(owner, dream)

    after = owner.get(JOURNAL, HTTP_IF_NONE_MATCH=etag)
    assert after.status_code == 200
    assert after["ETag"] != etag


def test_journal_validators_differ_by_caller_and_by_query(client_for):
    alice, bob = client_for(), client_for()
    for client in (alice, bob):
        DreamFactory(owner=client.user, title="Same", created_at=datetime(2024, 5, 1, tzinfo=UTC))

    etags = {
        _journal_etag(alice),
        _journal_etag(bob),
        _journal_etag(alice, f"{JOURNAL}?lucid=true"),
        _journal_etag(alice, f"{JOURNAL}?page_size=1"),
        _journal_etag(alice, f"{JOURNAL}?q=same"),
    }

    assert len(etags) == 5
    assert alice.get(f"{JOURNAL}?cursor=not-a-cursor").status_code == 404


# --- One dream ------------------------------------------------------------------------------------


def test_a_dream_304_costs_the_sign_in_and_its_lookup(client_for, django_assert_num_queries):
    owner = client_for()
    dream = DreamFactory(owner=owner.user)
    etag = owner.get(f"{JOURNAL}/{dream.pk}")["ETag"]

    with django_assert_num_queries(2):  # the token, the dream
        response = owner.get(f"{JOURNAL}/{dream.pk}", HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304


@pytest.mark.parametrize("change", [_edit, _store_a_video, _finish_a_video, _reject])
def test_every_change_to_a_dream_changes_its_etag(client_for, change):
    owner = client_for()
    dream = DreamFactory(owner=owner.user)
    path = f"{JOURNAL}/{dream.pk}"
    etag = owner.get(path)["ETag"]

    change(owner, dream)

    assert owner.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_gallery_dream_is_validated_apart_for_its_owner(client_for, api_client):
    owner = client_for()
    dream = DreamFactory(in_gallery=True, owner=owner.user, tags=["mine"])
    path = f"{JOURNAL}/{dream.pk}"

    theirs = owner.get(path)
    anyone = api_client.get(path)

    assert theirs["ETag"] != anyone["ETag"]
    assert api_client.get(path, HTTP_IF_NONE_MATCH=theirs["ETag"]).status_code == 200
    assert api_client.get(path, HTTP_IF_NONE_MATCH=anyone["ETag"]).status_code == 304
