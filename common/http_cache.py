"""HTTP caching plumbing: validators, conditional answers, Cache-Control and Vary, versions.

Three tools, none of which knows what it caches:

* **validators**: ``etag_for(*parts)`` names a response by what it is made of (computed
  before the body is built, so a matching ``If-None-Match`` costs no body) and
  ``conditional()`` answers 304 or builds the response, with the same headers either way;
* **policies**: ``CachePolicy`` says who may store a response (``public`` for a short
  while, or ``private``) and every answer varies on ``Authorization`` and ``Cookie``, so a
  shared cache never hands one caller's answer to another;
* **versions**: ``version_bump`` gives a key a new random token in the shared cache;
  ``versioned_get`` reads the token and an entry in one round trip and keeps the entry
  only if it was stored at that token: entries are never invalidated one by one, a bump
  orphans them all.

The cache is an accelerator, never a dependency: every cache call here swallows the
backend's errors (Redis down) and answers "no value", so callers fall back to the database.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpRequest, HttpResponseNotModified
from django.http.response import HttpResponseBase
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from rest_framework.request import Request
from rest_framework.response import Response

logger = logging.getLogger(__name__)

#: Who the caller is travels in these headers: every answer here varies on them.
IDENTITY_HEADERS = ("Authorization", "Cookie")


# --- Validators ---------------------------------------------------------------------------


def fingerprint(*parts: Any) -> str:
    """A short hex digest of the ``parts``' ``repr``: for validators and cache keys."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def etag_for(*parts: Any) -> str:
    """A weak ETag naming a response by the ``parts`` it is made of.

    Weak: two answers with the same parts mean the same, byte-for-byte or not.
    """
    return f'W/"{fingerprint(*parts)}"'


def etag_of_content(content: bytes) -> str:
    """A weak ETag for a body already built (when nothing cheaper names it)."""
    return f'W/"{hashlib.blake2b(content, digest_size=16).hexdigest()}"'


def _opaque(tag: str) -> str:
    return tag.removeprefix("W/")


def client_has(request: HttpRequest | Request, etag: str) -> bool:
    """Does the request's ``If-None-Match`` name ``etag`` (weak comparison, or ``*``)?"""
    header = request.headers.get("If-None-Match", "")
    if not header:
        return False
    wanted = _opaque(etag)
    return any(tag == "*" or _opaque(tag) == wanted for tag in parse_etags(header))


def representation_variant(request: HttpRequest | Request) -> tuple[str, str, str]:
    """What makes two answers of one view differ besides the data: the URL with its query
    (pages, sizes, filters), the origin (absolute URLs in the body) and the media type."""
    media_type = getattr(request, "accepted_media_type", "") or ""
    return (request.get_full_path(), request.build_absolute_uri("/"), media_type)


# --- Cache-Control and Vary ---------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CachePolicy:
    """Who may store a response, and for how long.

    ``public`` responses may sit in shared caches (a CDN, a proxy) for ``max_age`` seconds
    and be served stale for ``stale_while_revalidate`` more while one request refreshes
    them; private ones only in the caller's own browser, revalidated every time
    (``no-cache``: the ETag makes that a cheap 304), or never (``no_store``).
    """

    public: bool = False
    max_age: int = 0
    stale_while_revalidate: int = 0
    no_store: bool = False

    def header(self) -> str:
        if not self.public:
            return "private, no-store" if self.no_store else "private, no-cache"
        parts = ["public", f"max-age={self.max_age}"]
        if self.stale_while_revalidate:
            parts.append(f"stale-while-revalidate={self.stale_while_revalidate}")
        return ", ".join(parts)


PRIVATE = CachePolicy()


def apply_policy(
    response: HttpResponseBase, policy: CachePolicy, *, etag: str | None = None
) -> HttpResponseBase:
    """Set ``Cache-Control``, ``Vary`` (the identity headers) and, when given, ``ETag``."""
    response["Cache-Control"] = policy.header()
    patch_vary_headers(response, IDENTITY_HEADERS)
    if etag:
        response["ETag"] = etag
    return response


def not_modified(etag: str, policy: CachePolicy) -> HttpResponseNotModified:
    """The 304 for ``etag``: the same validator, Cache-Control and Vary as the 200 had."""
    return apply_policy(HttpResponseNotModified(), policy, etag=etag)


def conditional(
    request: HttpRequest | Request,
    *,
    etag: str | None,
    policy: CachePolicy,
    build: Callable[[], HttpResponseBase],
) -> HttpResponseBase:
    """304 when the caller already holds ``etag``, else ``build()``; headers on both.

    ``etag`` must be computed before anything ``build`` reads, so that a change made
    meanwhile gives the body a newer state than its validator (a later revalidation then
    gets the new body), never an older one. ``None``: no validator (e.g. the database
    is unreachable and the body is a fallback).
    """
    if etag is not None and client_has(request, etag):
        return not_modified(etag, policy)
    return apply_policy(build(), policy, etag=etag)


def rendered(view: Any, request: Request, response: Response) -> Response:
    """Render a DRF ``response`` now, as DRF would after the view returns (same renderer,
    same bytes), so its ``content`` can be hashed or cached."""
    response.accepted_renderer = request.accepted_renderer
    response.accepted_media_type = request.accepted_media_type
    response.renderer_context = view.get_renderer_context()
    response.render()
    return response


# --- The shared cache: safe calls, versions, shared or not ---------------------------------


def cache_is_shared(backend: BaseCache | None = None) -> bool:
    """Do all processes see the same entries? (Redis, Memcached, files, the database: yes;
    the per-process memory cache and the dummy cache: no.)"""
    # `cache` is a proxy: ask the backend it stands for.
    return not isinstance(backend or caches["default"], LocMemCache | DummyCache)


def cache_set(key: str, value: Any, timeout: float | None, backend: BaseCache | None = None):
    """Store ``value``; a cache that does not answer is logged and ignored."""
    try:
        (backend or cache).set(key, value, timeout)
    except Exception:  # the next request rebuilds: nothing is lost
        logger.warning("cache unavailable: set %s", key, exc_info=True)


def _fresh_version() -> str:
    return secrets.token_hex(8)


@dataclass(frozen=True)
class Versioned:
    """What :func:`versioned_get` found: the current ``version`` (``None``: the cache does
    not answer) and the entry's ``value`` if it was stored at that version."""

    version: str | None
    value: Any = None


def versioned_get(
    version_key: str, entry_key: str | None = None, backend: BaseCache | None = None
) -> Versioned:
    """The version token under ``version_key`` (a new one if it was lost) and, read in the
    same round trip, the value under ``entry_key`` if :func:`versioned_set` stored it at
    that version. An entry of another version is no entry.

    Read the version *before* reading the data it versions: what is stored under it then
    holds data at least as new as the version.
    """
    backend = backend or cache
    try:
        found = backend.get_many([version_key, *([entry_key] if entry_key else [])])
        version = found.get(version_key)
        if version is None:
            # Lost (restart, eviction) or never set: a fresh random token can name no
            # entry written before, and ``add`` makes concurrent readers agree on one.
            fresh = _fresh_version()
            return Versioned(fresh if backend.add(version_key, fresh, None) else None)
        entry = found.get(entry_key) if entry_key else None
        if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == version:
            return Versioned(version, entry[1])
        return Versioned(version)
    except Exception:  # the cache is down: callers read the database
        logger.warning("cache unavailable: version %s", version_key, exc_info=True)
        return Versioned(None)


def versioned_set(
    entry_key: str, version: str, value: Any, timeout: float | None, backend=None
) -> None:
    """Store ``value`` under ``entry_key`` as made at ``version`` (see :func:`versioned_get`)."""
    cache_set(entry_key, (version, value), timeout, backend)


def version_bump(key: str, backend: BaseCache | None = None) -> None:
    """Give ``key`` a new version token, orphaning every entry keyed by the old one.

    A new random token rather than ``incr``: two bumps racing can only both change the
    version (an increment can lose one on backends without an atomic ``incr``), and a
    version re-created after an eviction can never equal an old one.
    """
    try:
        (backend or cache).set(key, _fresh_version(), None)
    except Exception:  # entries then expire by their timeout, the bound on staleness
        logger.error("cache unavailable: version %s was not bumped", key, exc_info=True)


# --- The default for answers nobody gave a policy ------------------------------------------


class PrivateByDefaultMiddleware:
    """An answer to a caller who may have identified themselves (a token, a session cookie)
    that no view gave a ``Cache-Control`` gets :data:`PRIVATE`'s, and varies on the identity
    headers: account pages, notifications, insights are somebody's own. A compliant shared
    cache would not store them anyway; this says so instead of relying on it, as the dream
    endpoints do. Answers that chose a policy keep it; callers with neither header are left
    alone. It reads headers only, never ``request.user`` (a query, and the database may be
    the thing that is down).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if "Cache-Control" in response:
            return response
        if "Authorization" in request.headers or settings.SESSION_COOKIE_NAME in request.COOKIES:
            apply_policy(response, PRIVATE)
        return response
