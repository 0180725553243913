"""What the dream endpoints may cache, and what tells the cache that something changed.

**The gallery** is the same for every anonymous visitor, so its answers are kept in the
shared cache (:class:`GalleryFastLaneMiddleware`, which serves them before routing and DRF
run; the HTML pages keep their dreams through :func:`gallery_cached`), keyed by what
shapes the bytes (the URL with its cursor and page size, the origin of the absolute URLs)
and tagged with the *gallery version* they were built at: the version and the entry are
read in one round trip, and an entry of another version is never served. Nothing is
invalidated entry by entry: :func:`gallery_changed` gives the gallery a new version once
the writing transaction commits, and every process's next request misses and rebuilds.
It is called on every write of a ``Dream`` row: the ``post_save`` and ``post_delete``
signals (``dreams.receivers``) cover every ``save()`` and ``delete()``, cascades and the
admin included; the few bulk writes that send no signal (a moderator's bulk decision, a
video job's state mirrored on its dream, claimed demo dreams, an imported journal) call
it themselves. Demo dreams never show in the gallery.

Only a cache that every process shares is used for this (Redis, via ``CACHE_URL``): a
per-process cache would never hear of a change made by another process, such as the task
worker finishing a video. Without one, the gallery is read from the database every time
and its ETag is a hash of the body.

**Validators** (ETags, computed before the body is built): the gallery's is its version;
a journal page's is the same page read narrowly (ids, ``updated_at``, videos and the keys
of its links: every service that changes what a dream shows touches ``updated_at``) plus
the dreams waiting in the emergency journal; a dream's is its ``updated_at`` and video.
All include the caller (owners see their tags and the analyst's reflection) and the
request's variant (URL, origin, media type).
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.http.response import HttpResponseBase
from django.urls import reverse
from rest_framework.request import Request
from rest_framework.response import Response

from common import http_cache
from common.http_cache import PRIVATE, CachePolicy
from common.owners import Owner
from common.pagination import KeysetPagination, NewestFirstCursorPagination
from dreams.gallery import FILTER_NAMES, canonical_filters
from dreams.models import AbstractDream, Dream, ModerationStatus, StorageTier, VideoStatus
from dreams.ownership import owns_dream

GALLERY_VERSION_KEY = "dreams:gallery:version"
_GALLERY_ENTRY_KEY = "dreams:gallery:{kind}:{variant}"


# --- The gallery version --------------------------------------------------------------------


def _bump_gallery() -> None:
    http_cache.version_bump(GALLERY_VERSION_KEY)


def _pending(using: str) -> bool:
    conn = connections[using]
    return conn.in_atomic_block and any(func is _bump_gallery for _, func, _ in conn.run_on_commit)


def gallery_changed(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """What the gallery shows may have changed: bump its version once this commits.

    Outside a transaction at once; inside one, once on commit however many rows it
    wrote (nothing if it rolls back). Until then this connection reads the gallery
    from the database (:func:`gallery_version` is ``None``), so it never caches what
    it has not committed.
    """
    if not _pending(using):
        transaction.on_commit(_bump_gallery, using=using, robust=True)


def gallery_cache_enabled() -> bool:
    return settings.GALLERY_CACHE_SECONDS > 0 and http_cache.cache_is_shared()


def _gallery_lookup(entry_key: str | None = None, *, using: str = DEFAULT_DB_ALIAS):
    """The gallery's version and the entry stored at it (one round trip), or no version
    when the pages must come from the database: no shared cache, the cache does not
    answer, or this connection wrote gallery changes it has not committed yet."""
    if not gallery_cache_enabled() or _pending(using):
        return http_cache.Versioned(None)
    return http_cache.versioned_get(GALLERY_VERSION_KEY, entry_key)


def gallery_version(*, using: str = DEFAULT_DB_ALIAS) -> str | None:
    """The gallery's current version, or ``None`` (see ``_gallery_lookup``)."""
    return _gallery_lookup(using=using).version


def gallery_cached(parts: tuple, build: Callable[[], Any]) -> Any:
    """``build()``'s result for ``parts`` at the gallery's current version, from the shared
    cache when it is there (what the HTML pages use); ``build()`` alone without one."""
    key = _GALLERY_ENTRY_KEY.format(kind="page", variant=http_cache.fingerprint(*parts))
    found = _gallery_lookup(key)
    if found.version is None:
        return build()
    if found.value is not None:
        return found.value
    value = build()
    http_cache.versioned_set(key, found.version, value, settings.GALLERY_CACHE_SECONDS)
    return value


#: How long a process may reuse a figure about the whole gallery (the mood chips' counts)
#: when no shared cache names the gallery's version.
GALLERY_FIGURES_SECONDS = 30


def gallery_figures_cached(parts: tuple, build: Callable[[], Any]) -> Any:
    """``build()``'s result for ``parts``: figures about the whole gallery that may lag a
    little (counts, not which dreams are shown). At the gallery's version in the shared
    cache when there is one; otherwise this process keeps them for
    ``GALLERY_FIGURES_SECONDS``, so a page view never aggregates the whole gallery."""
    if gallery_cache_enabled():
        return gallery_cached(parts, build)
    key = _GALLERY_ENTRY_KEY.format(kind="figures", variant=http_cache.fingerprint(*parts))
    return cache.get_or_set(key, build, GALLERY_FIGURES_SECONDS)


# --- Policies -------------------------------------------------------------------------------


def public_policy() -> CachePolicy:
    """For answers that are the same for every anonymous caller: short, so a moderator's
    decision reaches shared caches within ``PUBLIC_MAX_AGE + PUBLIC_STALE_SECONDS``."""
    return CachePolicy(
        public=True,
        max_age=settings.PUBLIC_MAX_AGE,
        stale_while_revalidate=settings.PUBLIC_STALE_SECONDS,
    )


def _signed_in(request: Request) -> bool:
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


# --- Responses --------------------------------------------------------------------------------


def gallery_response(request: Request, *, view: Any, build: Callable[[], Response]):
    """A gallery page: 304 for a caller who already has it, else ``build()``; validated by
    the gallery's version (no SQL), or without a shared cache by the body's hash. ``view``
    renders it then (DRF's renderer and context). Anonymous pages come from the shared
    cache before they get here (:class:`GalleryFastLaneMiddleware`).

    A signed-in caller may own dreams on the page (they see their own tags): their
    answers are private and validated for them alone.
    """
    signed_in = _signed_in(request)
    policy = PRIVATE if signed_in else public_policy()
    version = gallery_version()
    if version is None:  # no shared cache: the body names itself
        response = http_cache.rendered(view, request, build())
        etag = http_cache.etag_of_content(response.content) if response.status_code == 200 else None
        return http_cache.conditional(request, etag=etag, policy=policy, build=lambda: response)
    viewer = request.user.pk if signed_in else None
    variant = http_cache.representation_variant(request)
    etag = http_cache.etag_for("gallery", version, variant, viewer)
    return http_cache.conditional(request, etag=etag, policy=policy, build=build)


#: The query parameters that shape a gallery page; a request with others is not cached.
#: The filters (``dreams.gallery``) key entries of their own, only when spelled as the
#: view reads them: a mood is one of a few words, a symbol one normalised, bounded motif.
_PAGE_PARAMETERS = frozenset({"cursor", "page_size", *FILTER_NAMES})
_MAX_PAGE_SIZE = NewestFirstCursorPagination.max_page_size
#: Accept values whose answer is plain ``application/json`` (DRF negotiates the rest).
_JSON_RANGES = frozenset({"*/*", "application/*", "application/json"})


def gallery_page_cacheable(params) -> bool:
    """Only first pages (per filter, and page size our pages and the API can ask for)
    are kept: anyone can write a new cursor or size, and each would be an entry."""
    if params.get("cursor"):
        return False
    size = params.get("page_size")
    return size is None or (
        size.isdigit() and str(int(size)) == size and 1 <= int(size) <= _MAX_PAGE_SIZE
    )


def _canonical(request: HttpRequest) -> bool:
    """Only what our clients send takes the fast lane: made-up parameters (each would be
    an entry of its own, its links repeating them) or media types are left to the view."""
    params = request.GET
    if not set(params) <= _PAGE_PARAMETERS or any(len(params.getlist(n)) > 1 for n in params):
        return False
    if not gallery_page_cacheable(params):
        return False
    if not canonical_filters(params):  # the view answers 400, or for another spelling
        return False
    ranges = [r.strip() for r in request.headers.get("Accept", "*/*").split(",")]
    # A parameter such as ``indent=4`` changes DRF's bytes: only bare ranges qualify.
    return any(r in _JSON_RANGES for r in ranges) and all(";" not in r for r in ranges)


@functools.cache
def _gallery_path() -> str:
    return reverse("dream-gallery")


class GalleryFastLaneMiddleware:
    """Answers anonymous callers' gallery pages from the shared cache, before URL routing,
    DRF and the view run: the bulk of a public page's cost is the framework, not the SQL.

    What it stores is what the view answered an earlier anonymous caller (a 200 marked
    ``public``, with no cookie), headers included, tagged with the gallery version it was
    read at; what it serves is that answer, or a 304 for its ETag. Whoever the view
    would answer differently goes past it: a token, a signed-in session, other query
    parameters or media types. It sits after ``AuthenticationMiddleware`` to know who asks.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not self._takes(request):
            return self.get_response(request)
        variant = (request.get_full_path(), request.build_absolute_uri("/"))
        key = _GALLERY_ENTRY_KEY.format(kind="api", variant=http_cache.fingerprint(*variant))
        found = _gallery_lookup(key)
        if found.version is None:
            return self.get_response(request)
        if found.value is not None:
            return self._replay(request, *found.value)
        response = self.get_response(request)
        if (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and response.get("Cache-Control", "").startswith("public")
        ):
            entry = (list(response.items()), response.content)
            http_cache.versioned_set(key, found.version, entry, settings.GALLERY_CACHE_SECONDS)
        return response

    @staticmethod
    def _takes(request: HttpRequest) -> bool:
        return (
            request.method in ("GET", "HEAD")
            and request.path_info == _gallery_path()
            and "Authorization" not in request.headers
            and not request.user.is_authenticated
            and _canonical(request)
        )

    @staticmethod
    def _replay(request: HttpRequest, headers: list, content: bytes) -> HttpResponseBase:
        etag = dict(headers).get("ETag")
        if etag and http_cache.client_has(request, etag):
            response: HttpResponseBase = HttpResponseNotModified()
            headers = [(k, v) for k, v in headers if k in ("ETag", "Cache-Control", "Vary")]
        else:
            response = HttpResponse(content)
        for name, value in headers:
            response[name] = value
        return response


#: What names a dream's representation: every change to what it shows touches
#: ``updated_at``; its video's URLs depend on the stored asset.
_VALIDATED = ("id", "updated_at", "video_asset_id")


def journal_etag(
    request: Request, *, owner: Owner, rows: list[dict], page: KeysetPagination, waiting: list
) -> str:
    """The validator of a journal page: the ``rows`` (``dream_rows`` dicts) that ``page``
    cut from the owner's filtered journal, led by the ``waiting`` ones.

    Made from the very rows the body is built from (one query serves both), so it names
    exactly what the page shows, whatever the journal's size; a 304 skips building and
    rendering the body.
    """
    held = [(str(d.pk), d.updated_at) for d in waiting]
    return http_cache.etag_for(
        "journal",
        (owner.user_id, owner.session_key),
        _validated_digest(rows),
        (page.next_position, page.previous_position),
        held,
        http_cache.representation_variant(request),
    )


def _validated_digest(rows: Iterable[dict]) -> str:
    """The rows' ``_VALIDATED`` values, hashed as bytes (the ``repr()`` of a page's UUIDs
    and datetimes cost a tenth of the request)."""
    digest = hashlib.blake2b(digest_size=16)
    for row in rows:
        for name in _VALIDATED:
            digest.update(_as_bytes(row[name]))
            digest.update(b"\x1f")
        digest.update(b"\x1e")
    return digest.hexdigest()


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, uuid.UUID):
        return value.bytes
    if isinstance(value, datetime):
        return value.isoformat().encode()
    return repr(value).encode()


def _in_gallery(dream: AbstractDream) -> bool:
    return (
        isinstance(dream, Dream)
        and dream.is_public
        and dream.moderation_status == ModerationStatus.APPROVED
        and dream.video_status == VideoStatus.READY
        and dream.video_asset_id is not None
        and not dream.hidden_by_reports
    )


#: Does the dream show in the public gallery? (What sharing and link previews ask too.)
dream_in_gallery = _in_gallery


def dream_etag(request: Request, dream: AbstractDream) -> str:
    """The validator of one dream as ``request``'s caller sees it."""
    owns = owns_dream(Owner.from_request(request), dream)
    tier = getattr(dream, "storage_tier", StorageTier.DREAMS)
    return http_cache.etag_for(
        "dream",
        str(dream.pk),
        dream.updated_at,
        dream.video_asset_id,
        tier,
        owns,
        http_cache.representation_variant(request),
    )


def dream_policy(request: Request, dream: AbstractDream) -> CachePolicy:
    """Public only for a gallery dream seen by an anonymous caller; private otherwise."""
    if (
        _in_gallery(dream)
        and not _signed_in(request)
        and not owns_dream(Owner.from_request(request), dream)
    ):
        return public_policy()
    return PRIVATE
