"""The gallery as an Atom feed (``/gallery/feed.atom``): Django's syndication framework.

Each entry is a gallery dream (public, approved, with a ready video; newest first, at
most :data:`FEED_SIZE`): its title, page, a plain-text excerpt, when it was written and
last changed, and its video as an enclosure (our own stable media URL, its length in
bytes, ``video/mp4``). Dreamers are never named: the product promises "your name is
never shown", so every entry's author is "A dreamer".

The feed is cached like the gallery (``dreams.caching``): its bytes are kept in the
shared cache at the gallery's version, its ETag names that version (a revalidation is a
304 without SQL), and it carries ``Last-Modified`` (the newest entry's change).
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import feedgenerator
from django.utils.http import http_date, parse_http_date_safe
from django.views.decorators.http import require_safe

from common import http_cache
from common.text import without_controls
from dreams import selectors
from dreams.caching import gallery_cached, gallery_version, public_policy
from dreams.excerpts import PREVIEW_CHARS, plain_excerpt
from dreams.models import Dream
from dreams.services import dream_video_path
from dreams.sharing import SITE_NAME, VIDEO_TYPE

FEED_SIZE = 50
AUTHOR = "A dreamer"


def xml_text(text: str) -> str:
    """``text`` without the control characters XML 1.0 cannot hold: the API drops them from
    what it stores, but a dream stored before it did must not make the whole feed fail."""
    return without_controls(text, breaks=" ")


class GalleryFeed(Feed):
    """The newest :data:`FEED_SIZE` gallery dreams; built per request (see the view)."""

    feed_type = feedgenerator.Atom1Feed
    title = f"{SITE_NAME} gallery"
    subtitle = "Dreams people chose to share, each approved by a moderator, as short films."
    author_name = SITE_NAME

    def __init__(self) -> None:
        super().__init__()
        self.request: HttpRequest | None = None

    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def link(self) -> str:
        return reverse("gallery")

    def feed_url(self) -> str:
        return reverse("gallery-feed")

    def items(self) -> list[Dream]:
        return list(selectors.dream_gallery_list()[:FEED_SIZE])

    def item_title(self, item: Dream) -> str:
        return xml_text(item.title)

    def item_link(self, item: Dream) -> str:
        return reverse("dream-page", kwargs={"dream_id": item.pk})

    def item_guid(self, item: Dream) -> str:
        return f"urn:uuid:{item.pk}"  # stays the same if the site moves

    item_guid_is_permalink = False

    def item_description(self, item: Dream) -> str:
        # Atom's summary is written as type="html": escaped, the dreamer's words stay words.
        return escape(xml_text(plain_excerpt(item.content, PREVIEW_CHARS)))

    def item_author_name(self, item: Dream) -> str:
        return AUTHOR

    def item_pubdate(self, item: Dream) -> datetime:
        return item.created_at

    def item_updateddate(self, item: Dream) -> datetime:
        return item.updated_at

    def item_enclosures(self, item: Dream) -> list[feedgenerator.Enclosure]:
        path = f"{dream_video_path(item.pk)}?v={item.video_asset_id}"
        url = self.request.build_absolute_uri(path) if self.request else path
        return [feedgenerator.Enclosure(url, str(item.video_asset.bytes), VIDEO_TYPE)]


def _feed(request: HttpRequest) -> tuple[bytes, str]:
    response = GalleryFeed()(request)
    return response.content, response["Last-Modified"]


@require_safe
def gallery_feed(request: HttpRequest) -> HttpResponse:
    """The gallery's Atom feed, anonymous-identical: ``public``, validated by the gallery's
    version (or, without a shared cache, by the body's hash) and ``Last-Modified``."""
    policy = public_policy()
    origin = request.build_absolute_uri("/")  # the feed's URLs are absolute
    version = gallery_version()
    etag = http_cache.etag_for("gallery-feed", version, origin) if version else None
    if etag and http_cache.client_has(request, etag):
        return http_cache.not_modified(etag, policy)
    content, modified = gallery_cached(("feed", origin), lambda: _feed(request))
    etag = etag or http_cache.etag_of_content(content)
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    newest = parse_http_date_safe(modified)
    unchanged = since is not None and newest is not None and newest <= since
    if "If-None-Match" not in request.headers and unchanged:
        response = http_cache.not_modified(etag, policy)
        response["Last-Modified"] = modified
        return response

    def build() -> HttpResponse:
        response = HttpResponse(content, content_type=feedgenerator.Atom1Feed.content_type)
        response["Last-Modified"] = modified or http_date()
        return response

    return http_cache.conditional(request, etag=etag, policy=policy, build=build)
