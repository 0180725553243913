"""For tests of caching: a shared cache (the machine's Redis, one database number, a key
prefix per test), the gallery as a visitor reads it, and a video finishing as the worker
finishes one.

Tests never flush the Redis database (others may use it): each test gets its own key
prefix, and its keys are deleted afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from rest_framework.test import APIClient

from dreams.models import Dream
from tests.support.factories import VideoAssetFactory
from tests.support.processes import free_port
from videos.jobs.machine import job_finish
from videos.models import JobKind, JobStatus, VideoJob
from videos.sources import VideoSource

GALLERY = "/api/dreams/public/gallery"

#: The Redis database number tests use for shared caches (0: RQ, 1: compose's cache).
TEST_REDIS_DB = 14
REDIS_URL = f"redis://127.0.0.1:6379/{TEST_REDIS_DB}"


def redis_cache(prefix: str, *, location: str = REDIS_URL) -> dict:
    """A ``CACHES`` entry for Django's Redis backend, as settings build it from CACHE_URL."""
    return {
        "BACKEND": "common.redis_cache.RedisCache",
        "LOCATION": location,
        "KEY_PREFIX": prefix,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }


def cache_url(prefix: str) -> str:
    """The same cache as a ``CACHE_URL`` for another process."""
    return f"rediscache://127.0.0.1:6379/{TEST_REDIS_DB}?key_prefix={prefix}"


def unreachable_redis_cache() -> dict:
    """A Redis cache nobody listens for: every call fails at once (connection refused)."""
    return redis_cache("unreachable", location=f"redis://127.0.0.1:{free_port()}/0")


def keys_under(prefix: str, pattern: str = "*") -> list[str]:
    """The Redis keys a cache with ``prefix`` holds (Django's ``<prefix>:<version>:<key>``)."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        return [key.decode() for key in client.scan_iter(f"{prefix}:*:{pattern}")]
    finally:
        client.close()


@contextmanager
def redis_prefix(name: str) -> Iterator[str]:
    """A fresh key prefix; every key under it is deleted on the way out."""
    prefix = f"test-{name}-{uuid.uuid4().hex[:12]}"
    try:
        yield prefix
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)
        client.close()


def gallery(client: APIClient | None = None, **extra):
    """The gallery's page 1 as ``client`` (a new anonymous one by default) gets it."""
    response = (client or APIClient()).get(GALLERY, **extra)
    assert response.status_code == 200, response.content
    return response


def titles(response) -> list[str]:
    return [dream["title"] for dream in response.json()["results"]]


def finish_a_video(dream: Dream) -> None:
    """A generation job for ``dream`` succeeds, as the worker ends one (its announcement
    reaches the dream through ``dream_video_sync``)."""
    job = VideoJob.objects.create(
        kind=JobKind.GENERATE,
        provider=VideoSource.DEMO,
        status=JobStatus.INGESTING,
        dream=dream,
        user=dream.owner,
        prompt="Green lights over a frozen sea",
    )
    job_finish(job, status=JobStatus.SUCCEEDED, asset=VideoAssetFactory())
