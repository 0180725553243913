"""A public dream page's share button and link preview (Open Graph, Twitter card,
canonical): present, absolute and fetchable by a crawler without a session for a gallery
dream; absent for private, pending, rejected, hidden, demo dreams. And the favicon."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.test import Client
from PIL import Image

from common.owners import DEMO_SESSION_FIELD
from dreams.models import ModerationStatus, VideoStatus
from tests.support.factories import DemoDreamFactory, DreamFactory, VideoAssetFactory
from tests.support.mp4s import make_mp4
from videos.assets import video_asset_create_from_file
from videos.sources import VideoSource

pytestmark = pytest.mark.django_db

ORIGIN = "http://testserver"


class _Head(HTMLParser):
    """The ``<meta property|name>`` values and ``<link rel>`` hrefs of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, list[str]] = {}
        self.links: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs) -> None:
        found = dict(attrs)
        if tag == "meta" and (key := found.get("property") or found.get("name")):
            self.meta.setdefault(key, []).append(found.get("content", ""))
        if tag == "link" and found.get("rel"):
            self.links.setdefault(found["rel"], []).append(found.get("href", ""))


def head_of(html: str) -> _Head:
    parser = _Head()
    parser.feed(html)
    return parser


def page_of(dream, client: Client | None = None):
    return (client or Client()).get(f"/dreams/{dream.pk}/")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def preview_tags(head: _Head) -> set[str]:
    return {key for key in head.meta if key.startswith(("og:", "twitter:"))}


@pytest.fixture
def real_gallery_dream(tmp_path):
    """A gallery dream whose video and thumbnail are stored for real (a 64×48 MP4)."""
    asset = video_asset_create_from_file(
        path=make_mp4(tmp_path / "clip.mp4", width=64, height=48), source_kind=VideoSource.UPLOAD
    )
    return DreamFactory(
        in_gallery=True,
        video_asset=asset,
        title="The lighthouse & the <owl>",
        content="I climbed   a lighthouse\nmade of glass. " + "The owl kept counting stars. " * 20,
    )


def test_a_gallery_dream_page_previews_with_absolute_urls_a_crawler_can_fetch(real_gallery_dream):
    dream = real_gallery_dream

    # When a chat app's crawler (no cookies) fetches the page
    response = page_of(dream)

    # Then the preview names the dream, its excerpt, the page, the poster and the video
    assert response.status_code == 200
    head = head_of(response.content.decode())
    meta = {key: values[0] for key, values in head.meta.items()}
    page_url = f"{ORIGIN}/dreams/{dream.pk}/"
    assert head.links["canonical"] == [page_url]
    assert meta["og:url"] == page_url
    assert meta["og:title"] == meta["twitter:title"] == "The lighthouse & the <owl>"
    assert meta["og:type"] == "video.other"
    assert meta["twitter:card"] == "summary_large_image"
    description = meta["og:description"]
    assert description.startswith("I climbed a lighthouse made of glass. The owl")
    assert len(description) <= 200 and description.endswith("…")
    assert not description[:-1].endswith(" ")  # cut at a word, never mid-space
    assert meta["twitter:description"] == description == meta["description"]
    assert meta["og:image"] == meta["twitter:image"]
    assert meta["og:image"].startswith(f"{ORIGIN}/media/dreams/{dream.pk}/thumbnail.jpg?v=")
    assert (meta["og:image:width"], meta["og:image:height"]) == ("64", "48")
    assert meta["og:video"].startswith(f"{ORIGIN}/media/dreams/{dream.pk}/video.mp4?v=")
    assert meta["og:video:type"] == "video/mp4"
    assert (meta["og:video:width"], meta["og:video:height"]) == ("64", "48")
    assert "og:video:secure_url" not in meta  # plain http here: see the https test

    # And both media URLs answer an anonymous crawler with the bytes
    crawler = Client()
    image = crawler.get(meta["og:image"].removeprefix(ORIGIN))
    video = crawler.get(meta["og:video"].removeprefix(ORIGIN))
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert video.status_code == 200 and video["Content-Type"] == "video/mp4"
    assert b"".join(video.streaming_content)[4:8] == b"ftyp"


def test_over_https_the_video_has_a_secure_url_too(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    dream = DreamFactory(in_gallery=True)

    response = Client().get(
        f"/dreams/{dream.pk}/", HTTP_X_FORWARDED_PROTO="https", SERVER_PORT="443"
    )

    meta = head_of(response.content.decode()).meta
    assert meta["og:url"] == [f"https://testserver/dreams/{dream.pk}/"]
    assert meta["og:video:secure_url"] == meta["og:video"]
    assert meta["og:video"][0].startswith("https://testserver/media/dreams/")


def test_a_large_video_gives_the_thumbnail_its_scaled_size():
    dream = DreamFactory(in_gallery=True, video_asset=VideoAssetFactory(width=1280, height=720))

    meta = head_of(page_of(dream).content.decode()).meta

    assert (meta["og:image:width"], meta["og:image:height"]) == (["640"], ["360"])
    assert (meta["og:video:width"], meta["og:video:height"]) == (["1280"], ["720"])


def test_a_video_without_a_thumbnail_previews_without_an_image():
    dream = DreamFactory(in_gallery=True, video_asset=VideoAssetFactory(thumbnail=""))

    meta = head_of(page_of(dream).content.decode()).meta

    assert "og:image" not in meta and "twitter:image" not in meta
    assert meta["twitter:card"] == ["summary"]
    assert meta["og:video"][0].startswith(f"{ORIGIN}/media/dreams/{dream.pk}/video.mp4")


def test_the_share_button_is_on_a_gallery_dream_for_visitors_and_its_owner():
    dream = DreamFactory(in_gallery=True)

    visitor = page_of(dream).content.decode()
    owner = page_of(dream, signed_in(dream.owner)).content.decode()

    for html in (visitor, owner):
        assert "data-share-link" in html and "js/share.js" in html
        assert f'data-url="{ORIGIN}/dreams/{dream.pk}/"' in html


def test_a_gallery_dreams_mood_and_symbols_lead_to_the_gallery_filtered_by_them():
    analysis = {
        "emotions": ["calm"],
        "keywords": ["Glass House"],
        "symbols": [{"name": "Glass House", "family": "places"}],
        "mood": "serene",
    }
    shared = DreamFactory(in_gallery=True, analysis=analysis)
    private = DreamFactory(with_video=True, analysis=analysis)

    html = page_of(shared).content.decode()
    own = page_of(private, signed_in(private.owner)).content.decode()

    assert 'href="/gallery/?mood=serene"' in html
    assert 'href="/gallery/?symbol=glass%20house">Glass House</a>' in html
    assert "/gallery/?" not in own
    assert (
        Client()
        .get("/gallery/?symbol=glass%20house")
        .content.decode()
        .count(f'href="/dreams/{shared.pk}/"')
    )


NOT_SHAREABLE = {
    "private": {"is_public": False, "moderation_status": ModerationStatus.APPROVED},
    "pending": {"moderation_status": ModerationStatus.PENDING},
    "rejected": {"moderation_status": ModerationStatus.REJECTED},
    "no ready video": {"video_status": VideoStatus.GENERATING},
}


@pytest.mark.parametrize("state", NOT_SHAREABLE, ids=list(NOT_SHAREABLE))
def test_a_dream_outside_the_gallery_has_no_preview_canonical_or_share_button(state):
    # Given the owner's dream, public but not (or not yet) in the gallery
    dream = DreamFactory(in_gallery=True, **NOT_SHAREABLE[state])

    # When its owner opens it (visitors get a 404)
    response = page_of(dream, signed_in(dream.owner))

    # Then nothing would let it travel, and the description is the site's own
    assert response.status_code == 200
    html = response.content.decode()
    head = head_of(html)
    assert preview_tags(head) == set()
    assert "canonical" not in head.links
    assert "data-share-link" not in html and "js/share.js" not in html
    assert head.meta["description"] == [
        "A quiet journal for your dreams: write what you dreamt and keep it as a short film."
    ]
    assert page_of(dream).status_code == 404


def test_a_dream_hidden_by_reports_has_no_preview():
    dream = DreamFactory(in_gallery=True)
    type(dream).objects.filter(pk=dream.pk).update(hidden_by_reports=True)

    response = page_of(dream, signed_in(dream.owner))

    assert response.status_code == 200
    assert preview_tags(head_of(response.content.decode())) == set()


def test_a_demo_dream_has_no_preview():
    # Given a demo visitor's dream, even one marked as if it were public and approved
    client = Client()
    client.get("/dreams/new/")  # the visitor's demo identity
    dream = DemoDreamFactory(
        session_key=client.session[DEMO_SESSION_FIELD],
        is_public=True,
        moderation_status=ModerationStatus.APPROVED,
        with_video=True,
    )

    # When its owner opens it
    response = page_of(dream, client)

    # Then it has no preview and no share button (and no one else can open it)
    assert response.status_code == 200
    html = response.content.decode()
    assert preview_tags(head_of(html)) == set()
    assert page_of(dream).status_code == 404
    assert "data-share-link" not in html


def test_the_favicon_is_served_at_the_root_and_linked_from_every_page():
    client = Client()

    icon = client.get("/favicon.ico", follow=True)
    page = client.get("/gallery/").content.decode()

    assert icon.status_code == 200
    body = b"".join(icon.streaming_content) if icon.streaming else icon.content
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file
    links = head_of(page).links
    assert any(href.endswith("favicon.svg") for href in links["icon"])
    assert any(href.endswith("favicon.ico") for href in links["icon"])
    assert links["apple-touch-icon"][0].endswith("apple-touch-icon.png")
    for href in (*links["icon"], *links["apple-touch-icon"]):
        assert client.get(href).status_code == 200, href
    assert re.search(rb"<svg[^>]*viewBox", client.get(links["icon"][0]).getvalue())


def test_make_favicons_draws_the_ico_and_the_touch_icon(tmp_path):
    call_command("make_favicons", out=tmp_path, stdout=io.StringIO())

    with Image.open(tmp_path / "favicon.ico") as ico:
        assert ico.format == "ICO" and {(16, 16), (32, 32), (48, 48)} <= ico.info["sizes"]
    with Image.open(tmp_path / "apple-touch-icon.png") as touch:
        assert (touch.format, touch.size, touch.mode) == ("PNG", (180, 180), "RGB")
        assert touch.getpixel((2, 2)) == (0x11, 0x17, 0x35)  # the night fills the corners
