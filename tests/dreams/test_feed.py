"""The gallery's Atom feed (``/gallery/feed.atom``): valid Atom listing only gallery
dreams, newest first, each with its video as an enclosure; no dreamer named; cached like
the gallery (ETag, Last-Modified, 304s)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.utils.http import http_date

from dreams.feeds import FEED_SIZE
from dreams.models import ModerationStatus, VideoStatus
from tests.support.caching import redis_cache, redis_prefix
from tests.support.factories import DemoDreamFactory, DreamFactory, VideoAssetFactory

FEED = "/gallery/feed.atom"
ATOM = "{http://www.w3.org/2005/Atom}"


def atom(response) -> ET.Element:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return root


def entries(root: ET.Element) -> list[ET.Element]:
    return root.findall(f"{ATOM}entry")


def text(element: ET.Element, name: str) -> str:
    found = element.find(f"{ATOM}{name}")
    assert found is not None, f"no <{name}>"
    return found.text or ""


@pytest.mark.django_db
def test_the_feed_is_atom_with_every_required_element_and_an_enclosure_per_video():
    asset = VideoAssetFactory(bytes=734_003)
    dream = DreamFactory(
        in_gallery=True,
        video_asset=asset,
        title="Tide <of> glass",
        content="The tide  came in as glass & sang. " * 12,
        owner__username="secret-sleeper",
        owner__email="secret@example.com",
    )

    root = atom(Client().get(FEED))

    # The feed: id, title, updated, its self and alternate links, an author
    for name in ("id", "title", "updated"):
        assert text(root, name)
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links["self"] == "http://testserver/gallery/feed.atom"
    assert links["alternate"] == "http://testserver/gallery/"
    # The entry: id, title, updated, link, summary, author, the video enclosure
    (entry,) = entries(root)
    assert text(entry, "id") == f"urn:uuid:{dream.pk}"
    assert text(entry, "title") == "Tide <of> glass"
    assert text(entry, "updated").startswith(dream.updated_at.strftime("%Y-%m-%dT%H:%M:%S"))
    summary = text(entry, "summary")
    assert summary.startswith("The tide came in as glass &amp; sang.")  # html, escaped once
    assert len(summary.replace("&amp;", "&")) <= 200 and summary.endswith("…")
    assert text(entry.find(f"{ATOM}author"), "name") == "A dreamer"
    entry_links = {link.get("rel"): link for link in entry.findall(f"{ATOM}link")}
    assert entry_links["alternate"].get("href") == f"http://testserver/dreams/{dream.pk}/"
    enclosure = entry_links["enclosure"]
    assert enclosure.get("href") == (
        f"http://testserver/media/dreams/{dream.pk}/video.mp4?v={asset.pk}"
    )
    assert (enclosure.get("length"), enclosure.get("type")) == ("734003", "video/mp4")
    # And nobody is named
    assert b"secret" not in Client().get(FEED).content


@pytest.mark.django_db
def test_the_feed_lists_only_gallery_dreams_newest_first():
    older = DreamFactory(in_gallery=True, title="older")
    newer = DreamFactory(in_gallery=True, title="newer")
    DreamFactory(in_gallery=True, is_public=False, title="private")
    DreamFactory(in_gallery=True, moderation_status=ModerationStatus.PENDING, title="pending")
    DreamFactory(in_gallery=True, moderation_status=ModerationStatus.REJECTED, title="rejected")
    DreamFactory(in_gallery=True, video_status=VideoStatus.GENERATING, title="no video yet")
    hidden = DreamFactory(in_gallery=True, title="hidden")
    type(hidden).objects.filter(pk=hidden.pk).update(hidden_by_reports=True)
    DemoDreamFactory(
        is_public=True, moderation_status=ModerationStatus.APPROVED, with_video=True, title="demo"
    )

    root = atom(Client().get(FEED))

    assert [text(e, "title") for e in entries(root)] == ["newer", "older"]
    assert [text(e, "id") for e in entries(root)] == [
        f"urn:uuid:{newer.pk}",
        f"urn:uuid:{older.pk}",
    ]


@pytest.mark.django_db
def test_the_feed_is_bounded_and_costs_one_query(django_assert_num_queries):
    DreamFactory.create_batch(FEED_SIZE + 3, in_gallery=True)

    with django_assert_num_queries(1):
        root = atom(Client().get(FEED))

    assert len(entries(root)) == FEED_SIZE


@pytest.mark.django_db
def test_control_characters_in_a_gallery_dream_are_left_out_not_a_500():
    # Given a gallery dream typed with characters XML 1.0 cannot hold (the API keeps them)
    DreamFactory(
        in_gallery=True, title="Night\x0bswim\x1b", content="I swam \x0c in a lake\x08 of stars"
    )

    # When anyone reads the feed, then it is valid Atom, the text without them
    [entry] = entries(atom(Client().get(FEED)))
    assert text(entry, "title") == "Night swim"
    assert text(entry, "summary") == "I swam in a lake of stars"


@pytest.mark.django_db
def test_an_empty_gallery_is_still_a_valid_feed():
    root = atom(Client().get(FEED))

    assert entries(root) == [] and text(root, "updated")


@pytest.mark.django_db
def test_the_feed_is_public_and_revalidates_by_etag_and_last_modified():
    DreamFactory(in_gallery=True)
    client = Client()

    first = client.get(FEED)
    by_etag = client.get(FEED, HTTP_IF_NONE_MATCH=first["ETag"])
    by_date = client.get(FEED, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    stale = client.get(FEED, HTTP_IF_MODIFIED_SINCE=http_date(0))

    assert first["Cache-Control"].startswith("public, max-age=")
    assert not first.cookies
    assert (by_etag.status_code, by_date.status_code, stale.status_code) == (304, 304, 200)
    assert by_etag["ETag"] == first["ETag"]


@pytest.fixture
def shared_cache(settings):
    with redis_prefix("gallery-feed") as prefix:
        settings.CACHES = {"default": redis_cache(prefix)}
        yield prefix


@pytest.mark.django_db(transaction=True)
def test_with_a_shared_cache_the_feed_is_served_without_sql_until_the_gallery_changes(
    shared_cache, django_assert_num_queries
):
    DreamFactory(in_gallery=True, title="first")
    client = Client()
    first = client.get(FEED)

    with django_assert_num_queries(0):
        again = client.get(FEED)
        revalidated = client.get(FEED, HTTP_IF_NONE_MATCH=first["ETag"])
    DreamFactory(in_gallery=True, title="second")
    changed = client.get(FEED, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.content == first.content and revalidated.status_code == 304
    assert [text(e, "title") for e in entries(atom(changed))] == ["second", "first"]
    assert changed["ETag"] != first["ETag"]
