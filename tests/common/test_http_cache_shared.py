"""Whether the default cache is shared between processes decides if the gallery is cached."""

from __future__ import annotations

from common.http_cache import cache_is_shared


def test_the_per_process_memory_cache_is_not_taken_for_a_shared_one(settings):
    # Given `make run`'s default: each process keeps its own memory cache
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    # Then a video the worker finishes could never reach the web process's cached gallery
    assert cache_is_shared() is False


def test_redis_is_a_shared_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/14",
        }
    }

    assert cache_is_shared() is True
