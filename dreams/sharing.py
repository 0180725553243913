"""What lets a public dream travel: its share link, its link preview (Open Graph and
Twitter card tags, a canonical URL) and the gallery's filter links.

Only a dream in the public gallery (public, approved by a moderator, with a ready video,
not hidden by reports: ``dreams.caching.dream_in_gallery``) exposes any of it; private,
pending, rejected, demo dreams and dreams still in the emergency journal expose nothing.
Every URL is absolute and reachable by a crawler without a session: the page itself and
our own media URLs (``/media/dreams/<id>/…``), which serve gallery dreams to anyone and,
on object storage, redirect to a fresh presigned URL (a presigned URL in a preview would
expire within the hour).

Twitter's card is ``summary_large_image``, not ``player``: a player card needs an HTTPS
page made to be framed (and the CSP forbids framing us), while the large image previews
well everywhere; ``og:video`` still lets apps that play videos inline (Slack, Discord,
Facebook) play ours.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse

from dreams.caching import dream_in_gallery
from dreams.excerpts import PREVIEW_CHARS, plain_excerpt
from dreams.gallery import GALLERY_MOODS, GalleryFilters
from dreams.models import AbstractDream, StorageTier
from dreams.services import dream_thumbnail_path, dream_video_path
from videos.media import thumbnail_size

SITE_NAME = "DreamJourney"
VIDEO_TYPE = "video/mp4"


def dream_is_shareable(dream: AbstractDream) -> bool:
    """May the dream be shared and previewed: is it in the public gallery?"""
    waiting = getattr(dream, "storage_tier", None) == StorageTier.EMERGENCY
    return not waiting and dream_in_gallery(dream)


def dream_link_preview(request: HttpRequest, dream: AbstractDream) -> dict[str, Any]:
    """The Open Graph / Twitter card values of a shareable dream, URLs absolute (an asset
    without a thumbnail has no image, and its Twitter card is the small ``summary``)."""
    asset = dream.video_asset
    version = f"?v={dream.video_asset_id}"
    page_url = request.build_absolute_uri(reverse("dream-page", kwargs={"dream_id": dream.pk}))
    video_url = request.build_absolute_uri(dream_video_path(dream.pk) + version)
    poster = asset is not None and bool(asset.thumbnail)
    preview: dict[str, Any] = {
        "site_name": SITE_NAME,
        "title": dream.title,
        "description": plain_excerpt(dream.content, PREVIEW_CHARS)
        or "A dream shared in the DreamJourney gallery.",
        "type": "video.other",
        "url": page_url,
        "image": (
            request.build_absolute_uri(dream_thumbnail_path(dream.pk) + version) if poster else ""
        ),
        "image_alt": f"A still from the video of “{dream.title}”",
        "video": video_url,
        "video_secure_url": video_url if video_url.startswith("https://") else "",
        "video_type": VIDEO_TYPE,
        "twitter_card": "summary_large_image" if poster else "summary",
    }
    if asset is not None and asset.width and asset.height:
        preview |= {"video_width": asset.width, "video_height": asset.height}
        if poster:
            width, height = thumbnail_size(asset.width, asset.height)
            preview |= {"image_width": width, "image_height": height}
    return preview


def dream_share_context(request: HttpRequest, dream: AbstractDream) -> dict[str, Any]:
    """What the dream page adds for a shareable dream (nothing for any other): the
    ``link_preview`` tags, the ``canonical_url``, the ``share_link`` its button shares and
    the gallery links of its mood and symbols."""
    if not dream_is_shareable(dream):
        return {}
    preview = dream_link_preview(request, dream)
    gallery = reverse("gallery")
    analysis = dream.analysis if isinstance(dream.analysis, dict) else {}
    mood = analysis.get("mood")
    mood = mood.lower() if isinstance(mood, str) else ""
    mood_url = f"{gallery}?{urlencode({'mood': mood})}" if mood in GALLERY_MOODS else ""
    return {
        "link_preview": preview,
        "canonical_url": preview["url"],
        "share_link": {"url": preview["url"], "title": dream.title},
        # Its mood and symbols lead to the gallery's dreams that share them.
        "gallery_mood_url": mood_url,
        "gallery_symbol_url": f"{gallery}?symbol=",
    }


def gallery_filter_context(
    filters: GalleryFilters, moods: list[tuple[str, int]], *, problem: str = ""
) -> dict[str, Any]:
    """The gallery page's filter links: one chip per mood the gallery has (with its
    count; the chosen one current), the symbol searched, what is active, the problem."""
    gallery = reverse("gallery")

    def url(**changes: str) -> str:
        query = {**filters.query(), **changes}
        query = {name: value for name, value in query.items() if value}
        return f"{gallery}?{urlencode(query)}" if query else gallery

    chips = [
        {
            "word": word,
            "count": count,
            "url": url(mood="" if word == filters.mood else word),
            "current": word == filters.mood,
        }
        for word, count in moods
    ]
    if filters.mood and filters.mood not in {word for word, _ in moods}:
        chips.append({"word": filters.mood, "count": 0, "url": url(mood=""), "current": True})
    return {
        "filters": filters,
        "filtered": filters.active,
        "mood_chips": chips,
        "all_moods_url": url(mood=""),
        "newest_url": url(),
        "without_symbol_url": url(symbol=""),
        "filter_problem": problem,
    }
