"""GET /api/dreams/public/gallery: public, approved dreams with a ready video, newest first."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from dreams.models import ModerationStatus, VideoStatus
from tests.support.factories import DemoDreamFactory, DreamFactory, VideoAssetFactory

pytestmark = pytest.mark.django_db

GALLERY = "/api/dreams/public/gallery"


def gallery_ids(client: APIClient | None = None, url: str = GALLERY) -> list[str]:
    response = (client or APIClient()).get(url)
    assert response.status_code == 200, response.content
    return [d["id"] for d in response.json()["results"]]


# Every combination of the four conditions; only (public, approved, ready, asset) qualifies.
COMBINATIONS = list(
    itertools.product(
        [True, False],  # is_public
        list(ModerationStatus),  # moderation_status
        [VideoStatus.READY, VideoStatus.NONE, VideoStatus.GENERATING, VideoStatus.FAILED],
        [True, False],  # has a stored video asset
    )
)


@pytest.mark.parametrize(
    "is_public, moderation, video_status, has_asset",
    COMBINATIONS,
    ids=[
        f"{'public' if p else 'private'}-{m.value}-{v.value}-{'asset' if a else 'no_asset'}"
        for p, m, v, a in COMBINATIONS
    ],
)
def test_gallery_shows_only_public_approved_dreams_with_a_ready_video(
    is_public, moderation, video_status, has_asset
):
    # Given one dream in this state
    dream = DreamFactory(
        is_public=is_public,
        moderation_status=moderation,
        video_status=video_status,
        video_asset=VideoAssetFactory() if has_asset else None,
    )

    # When anyone looks at the gallery
    ids = gallery_ids()

    # Then it is there only when all four conditions hold
    expected = (
        is_public
        and moderation == ModerationStatus.APPROVED
        and video_status == VideoStatus.READY
        and has_asset
    )
    assert ids == ([str(dream.pk)] if expected else [])


def test_gallery_entry_is_the_dream_with_urls_into_our_storage():
    dream = DreamFactory(in_gallery=True, title="Aurora", video_prompt="Green lights")

    entry = APIClient().get(GALLERY).json()["results"][0]

    assert entry["id"] == str(dream.pk)
    assert entry["title"] == "Aurora"
    assert entry["storage"] == "dreams"
    assert entry["video_status"] == "ready"
    assert entry["is_public"] is True
    assert entry["moderation_status"] == "approved"
    # Absolute URLs served by us, never a provider's expiring link
    assert entry["video_url"] == f"http://testserver/media/dreams/{dream.pk}/video.mp4"
    assert entry["thumbnail_url"] == f"http://testserver/media/dreams/{dream.pk}/thumbnail.jpg"
    # No owner details leak into the public view
    assert "owner" not in entry
    assert "session_key" not in entry


def test_gallery_never_shows_demo_dreams():
    DemoDreamFactory(in_gallery=True)

    assert gallery_ids() == []


def test_gallery_is_the_same_for_everyone(client_for):
    # Given public dreams from two users
    alice, bob = client_for(), client_for()
    dreams = [
        DreamFactory(owner=alice.user, in_gallery=True),
        DreamFactory(owner=bob.user, in_gallery=True),
    ]
    expected = [str(d.pk) for d in reversed(dreams)]

    # Then a signed-in user, another, a demo visitor and a stranger all see both
    visitor = APIClient()
    visitor.post("/api/dreams", {"title": "T", "content": "C"}, format="json")
    for client in (alice, bob, visitor, APIClient()):
        assert gallery_ids(client) == expected


def test_gallery_is_newest_first():
    now = timezone.now()
    middle = DreamFactory(in_gallery=True, created_at=now - timedelta(days=2))
    newest = DreamFactory(in_gallery=True, created_at=now - timedelta(hours=1))
    oldest = DreamFactory(in_gallery=True, created_at=now - timedelta(days=30))

    assert gallery_ids() == [str(newest.pk), str(middle.pk), str(oldest.pk)]


def test_gallery_is_cursor_paginated_without_duplicates():
    # Given 25 gallery dreams (some sharing a timestamp) among others that do not qualify
    same_moment = timezone.now() - timedelta(hours=3)
    shown = DreamFactory.create_batch(20, in_gallery=True)
    shown += DreamFactory.create_batch(
        5, in_gallery=True, created_at=same_moment, updated_at=same_moment
    )
    DreamFactory.create_batch(5, is_public=True, with_video=True)  # not yet approved

    # When the first page is read
    client = APIClient()
    first = client.get(GALLERY).json()

    # Then it has 20, newest first, and a cursor to the rest
    assert set(first) == {"next", "previous", "results"}
    assert first["previous"] is None
    assert len(first["results"]) == 20
    assert first["next"]
    # And following `next` to the end gives every gallery dream exactly once
    results = first["results"]
    url = first["next"]
    while url:
        page = client.get(url).json()
        assert page["previous"]
        results += page["results"]
        url = page["next"]
    ids = [d["id"] for d in results]
    assert len(ids) == len(set(ids)) == 25
    assert set(ids) == {str(d.pk) for d in shown}
    stamps = [d["created_at"] for d in results]
    assert stamps == sorted(stamps, reverse=True)


def test_gallery_page_size_can_be_chosen():
    DreamFactory.create_batch(7, in_gallery=True)

    body = APIClient().get(GALLERY, {"page_size": 3}).json()

    assert len(body["results"]) == 3
    assert body["next"]


def test_a_dream_leaves_the_gallery_when_made_private(client_for):
    owner = client_for()
    dream = DreamFactory(owner=owner.user, in_gallery=True)
    assert gallery_ids() == [str(dream.pk)]

    response = owner.patch(f"/api/dreams/{dream.pk}", {"is_public": False}, format="json")

    assert response.status_code == 200
    assert gallery_ids() == []


def test_an_edited_gallery_dream_goes_back_to_moderation(client_for):
    # Given an approved gallery dream
    owner = client_for()
    dream = DreamFactory(owner=owner.user, in_gallery=True)

    # When its owner rewrites the text
    response = owner.patch(f"/api/dreams/{dream.pk}", {"title": "Rewritten"}, format="json")

    # Then it waits for a moderator again and leaves the gallery meanwhile
    assert response.json()["moderation_status"] == "pending"
    assert gallery_ids() == []


def test_gallery_dreams_stay_private_to_edit(client_for):
    # Given Alice's gallery dream
    alice, mallory = client_for(), client_for()
    dream = DreamFactory(owner=alice.user, in_gallery=True, title="Alice's")

    # When Mallory tries to edit or delete it, then it does not exist for her
    url = f"/api/dreams/{dream.pk}"
    assert mallory.patch(url, {"title": "Mine"}, format="json").status_code == 404
    assert mallory.delete(url).status_code == 404
    assert APIClient().delete(url).status_code == 404
    # And the gallery still shows it unchanged
    entry = APIClient().get(GALLERY).json()["results"][0]
    assert entry["title"] == "Alice's"


def test_gallery_is_read_only():
    response = APIClient().post(GALLERY, {"title": "T", "content": "C"}, format="json")

    assert response.status_code == 405


def test_gallery_query_count_does_not_grow_with_rows():
    client = APIClient()
    url = f"{GALLERY}?page_size=100"
    DreamFactory.create_batch(3, in_gallery=True)
    with CaptureQueriesContext(connection) as with_3:
        assert len(client.get(url).json()["results"]) == 3

    DreamFactory.create_batch(27, in_gallery=True)
    with CaptureQueriesContext(connection) as with_30:
        assert len(client.get(url).json()["results"]) == 30

    assert len(with_30) == len(with_3)


def test_gallery_query_count_for_a_signed_in_caller_is_bounded(
    auth_client, django_assert_max_num_queries
):
    DreamFactory.create_batch(30, in_gallery=True)

    # Token lookup, then the page itself: nothing per row
    with django_assert_max_num_queries(3):
        response = auth_client.get(f"{GALLERY}?page_size=100")

    assert len(response.json()["results"]) == 30
