"""The gallery's shared cache: pages served without SQL, kept apart by what shapes them,
and every change to what the gallery shows on the very next request.

The shared cache is the machine's Redis (``tests.support.caching``). These tests run
outside a test transaction: a connection with uncommitted gallery changes reads the
database (``dreams.caching.gallery_version``), as it must. Across processes:
``test_gallery_cache_processes.py``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from dreams import moderation
from dreams.models import Dream, ModerationStatus, VideoStatus
from dreams.services import account_delete, demo_dreams_claim, dream_delete
from tests.support.archives import dream_json, journal_zip, sha256
from tests.support.caching import (
    GALLERY,
    finish_a_video,
    gallery,
    keys_under,
    redis_cache,
    redis_prefix,
    titles,
)
from tests.support.factories import PASSWORD, DemoDreamFactory, DreamFactory, VideoAssetFactory

pytestmark = pytest.mark.django_db(transaction=True)

JOURNAL = "/api/dreams"
PUBLIC = "public, max-age=10, stale-while-revalidate=20"
PRIVATE = "private, no-cache"


@pytest.fixture
def shared_cache(settings):
    """Redis as the cache, as compose and the cluster run it; yields its key prefix."""
    with redis_prefix("gallery-cache") as prefix:
        settings.CACHES = {"default": redis_cache(prefix)}
        settings.PUBLIC_MAX_AGE, settings.PUBLIC_STALE_SECONDS = 10, 20
        yield prefix


@pytest.fixture
def moderator(make_user):
    return make_user("moderator", is_staff=True, is_superuser=True)


def test_a_gallery_page_seen_once_is_served_from_the_shared_cache_without_sql(
    shared_cache, django_assert_num_queries
):
    DreamFactory(in_gallery=True, title="Aurora")
    first = gallery()

    with django_assert_num_queries(0):
        again = gallery()

    # the very answer the view gave: bytes and headers
    assert again.content == first.content
    assert dict(again.headers) == dict(first.headers)
    assert titles(again) == ["Aurora"]


def test_what_the_view_would_answer_differently_never_comes_from_the_cache(shared_cache):
    DreamFactory(in_gallery=True)
    gallery()  # cached for anonymous callers

    html_only = APIClient().get(GALLERY, HTTP_ACCEPT="text/html")
    indented = APIClient().get(GALLERY, HTTP_ACCEPT="application/json; indent=4")
    bad_token = APIClient().get(GALLERY, HTTP_AUTHORIZATION="Token not-a-token")

    assert html_only.status_code == 406
    assert indented.status_code == 200 and b'\n    "results"' in indented.content
    assert bad_token.status_code == 401


def test_pages_sizes_and_origins_are_cached_apart(shared_cache):
    DreamFactory(in_gallery=True, title="Older")
    DreamFactory(in_gallery=True, title="Newer")
    gallery()  # page 1 of the default size, cached

    one = APIClient().get(GALLERY, {"page_size": 1}).json()
    two = APIClient().get(one["next"]).json()
    elsewhere = gallery(HTTP_HOST="localhost", secure=True).json()

    assert [d["title"] for d in one["results"]] == ["Newer"]
    assert [d["title"] for d in two["results"]] == ["Older"]
    assert elsewhere["results"][0]["video_url"].startswith("https://localhost/")


def _approve(moderator, dreams, _):
    moderation.dream_approve(dream=dreams["pending"], moderator=moderator)


def _approve_in_the_admin(moderator, dreams, _):
    client = APIClient()
    client.force_login(moderator)
    response = client.post(
        "/admin/dreams/dream/",
        {"action": "approve_dreams", "_selected_action": [str(dreams["pending"].pk)]},
    )
    assert response.status_code == 302


def _reject_in_bulk(moderator, dreams, _):
    chosen = Dream.objects.filter(pk=dreams["shown"].pk)
    moderation.dreams_reject(queryset=chosen, moderator=moderator, reason="Not for the gallery.")


def _unpublish(moderator, dreams, _):
    moderation.dream_unpublish(dream=dreams["shown"], moderator=moderator)


def _owner_makes_it_private(_, dreams, owner):
    response = owner.patch(f"{JOURNAL}/{dreams['shown'].pk}", {"is_public": False}, format="json")
    assert response.status_code == 200


def _owner_edits_its_title(_, dreams, owner):
    response = owner.patch(f"{JOURNAL}/{dreams['shown'].pk}", {"title": "Renamed"}, format="json")
    assert response.status_code == 200


def _owner_deletes_it(_, dreams, owner):
    assert owner.delete(f"{JOURNAL}/{dreams['shown'].pk}").status_code == 204


def _deleted_by_a_moderator(_, dreams, __):
    dream_delete(dream=dreams["shown"])


def _its_video_is_ready(_, dreams, __):
    finish_a_video(dreams["approved_without_video"])


def _a_new_video_is_being_made(moderator, dreams, _):
    moderation.dream_video_regenerate(dream=dreams["shown"], moderator=moderator)


def _owner_deletes_the_account(_, dreams, owner):
    account_delete(user=owner.user, password=PASSWORD)


def _demo_dreams_are_claimed(_, dreams, owner):
    demo = DemoDreamFactory(in_gallery=True, title="Claimed")
    demo_dreams_claim(session_key=demo.session_key, user=owner.user)


def _a_journal_is_imported(_, dreams, owner):
    # A video stored here already: the archive carries its bytes, hashed but not stored again.
    data = b"stored here already"
    video = VideoAssetFactory(sha256=sha256(data))
    archive = journal_zip(
        dream_json(
            title="Imported",
            is_public=True,
            video={"file": f"videos/{video.sha256}.mp4", "sha256": video.sha256},
        ),
        videos={video.sha256: data},
    )
    upload = SimpleUploadedFile("journal.zip", archive, content_type="application/zip")
    response = owner.post("/api/account/import", {"file": upload}, format="multipart")
    assert response.status_code == 200, response.content


CHANGES: dict[str, tuple[Callable, list[str]]] = {
    # change -> the titles the gallery shows afterwards (post-moderation: edits stay shown)
    "approved": (_approve, ["Pending", "Shown"]),
    "approved in the admin": (_approve_in_the_admin, ["Pending", "Shown"]),
    "rejected in bulk": (_reject_in_bulk, []),
    "unpublished": (_unpublish, []),
    "made private by its owner": (_owner_makes_it_private, []),
    "edited": (_owner_edits_its_title, ["Renamed"]),
    "deleted by its owner": (_owner_deletes_it, []),
    "deleted by a moderator": (_deleted_by_a_moderator, []),
    "a video became ready": (_its_video_is_ready, ["Waiting for its video", "Shown"]),
    "a new video is being made": (_a_new_video_is_being_made, []),
    "the owner's account deleted": (_owner_deletes_the_account, []),
    "demo dreams claimed": (_demo_dreams_are_claimed, ["Shown", "Claimed"]),
    "a journal imported": (_a_journal_is_imported, ["Shown", "Imported"]),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_every_change_to_what_the_gallery_shows_is_on_the_very_next_request(
    shared_cache, settings, client_for, make_user, moderator, change
):
    # Given a gallery seen (and cached) with one dream, and others that could join it
    settings.DREAMS_PREMODERATION = False
    owner = client_for(make_user("alice"))
    dreams = {
        "shown": DreamFactory(in_gallery=True, owner=owner.user, title="Shown"),
        "pending": DreamFactory(
            with_video=True,
            is_public=True,
            moderation_status=ModerationStatus.PENDING,
            title="Pending",
        ),
        "approved_without_video": DreamFactory(
            is_public=True,
            moderation_status=ModerationStatus.APPROVED,
            video_status=VideoStatus.GENERATING,
            title="Waiting for its video",
        ),
    }
    before = gallery()
    assert titles(before) == ["Shown"]

    # When it changes
    act, expected = CHANGES[change]
    act(moderator, dreams, owner)

    # Then the next request shows it, under a new validator
    after = gallery()
    assert sorted(titles(after)) == sorted(expected)
    assert after["ETag"] != before["ETag"]


def test_a_matching_if_none_match_is_a_304_without_sql_until_the_gallery_changes(
    shared_cache, moderator, django_assert_num_queries
):
    dream = DreamFactory(in_gallery=True)
    etag = gallery()["ETag"]

    with django_assert_num_queries(0):
        unchanged = APIClient().get(GALLERY, HTTP_IF_NONE_MATCH=etag)
    moderation.dream_unpublish(dream=dream, moderator=moderator)
    changed = APIClient().get(GALLERY, HTTP_IF_NONE_MATCH=etag)

    assert unchanged.status_code == 304
    assert (unchanged["ETag"], unchanged["Cache-Control"]) == (etag, PUBLIC)
    assert unchanged.content == b""
    assert changed.status_code == 200
    assert changed.json()["results"] == []


def test_an_owners_own_labels_never_reach_the_shared_gallery(shared_cache, client_for):
    # Given a gallery dream with its owner's tags, seen by its owner, anyone, its owner
    owner = client_for()
    DreamFactory(in_gallery=True, owner=owner.user, tags=["secret-label"])
    own_view = gallery(owner)
    public_view = gallery()
    own_view_again = gallery(owner)

    # Then the owner's answers were private and theirs; everyone else gets no tags
    for answer in (own_view, own_view_again):
        assert answer.json()["results"][0]["tags"] == ["secret-label"]
        assert answer["Cache-Control"] == PRIVATE
    assert public_view.json()["results"][0]["tags"] == []
    assert public_view["Cache-Control"] == PUBLIC


@pytest.mark.parametrize("page", ["/gallery/", "/"])
def test_the_gallery_and_home_pages_read_the_shared_cache_and_follow_changes(
    shared_cache, moderator, django_assert_num_queries, page
):
    dream = DreamFactory(in_gallery=True, title="Northern lights")
    browser = Client()
    assert "Northern lights" in browser.get(page).text

    with django_assert_num_queries(0):
        again = browser.get(page)
    moderation.dream_unpublish(dream=dream, moderator=moderator)

    assert "Northern lights" in again.text
    assert "Northern lights" not in browser.get(page).text


def test_made_up_parameters_are_answered_but_never_fill_the_cache(shared_cache):
    DreamFactory(in_gallery=True, title="Aurora")

    answers = [APIClient().get(GALLERY, {"utm_source": n}) for n in range(5)]

    assert [titles(a) for a in answers] == [["Aurora"]] * 5
    assert [k for k in keys_under(shared_cache, "dreams:gallery:*") if "version" not in k] == []


def test_made_up_cursors_and_sizes_are_answered_but_never_fill_the_cache(shared_cache):
    # Given a gallery deep enough for a second page
    for n in range(3):
        DreamFactory(in_gallery=True, title=f"Dream {n}")
    first = APIClient().get(GALLERY, {"page_size": 1}).json()

    # When a visitor walks later pages, and asks for sizes past the largest
    later = [APIClient().get(first["next"]) for _ in range(2)]
    huge = [APIClient().get(GALLERY, {"page_size": 1000 + n}) for n in range(3)]
    pages = [APIClient().get("/gallery/", {"cursor": first["next"].split("cursor=")[1]})]

    # Then each is answered, and only first pages of sizes a client can ask for are kept
    assert all(a.status_code == 200 for a in [*later, *huge, *pages])
    api = keys_under(shared_cache, "dreams:gallery:api:*")
    kept_pages = keys_under(shared_cache, "dreams:gallery:page:*")
    assert len(api) == 1  # page 1 with page_size=1
    assert len(kept_pages) == 1  # the gallery page's mood chips; no later page
