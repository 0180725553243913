"""Django's Redis cache backend: one Redis client per pool, and an outage it survives.

**Speed.** Django's backend shares its connection pools but builds a new ``redis.Redis``
client for every cache call, and redis-py fills each new client's table of response
callbacks (some 170 entries): about a tenth of a millisecond per call, more than the
network round trip on loopback. A client is thread-safe and its pool notices a fork, so
one per pool is kept.

**Outages.** The cache only remembers: when Redis stops answering, a read is a miss and
a write is dropped, so pages and the API go on from the database instead of answering
500. After a failure the process leaves Redis alone for ``OUTAGE_PAUSE_SECONDS`` (every
call would otherwise wait out the socket timeout). Counters are different: an increment
that cannot reach Redis raises ``CacheUnavailable``, so a quota refuses (fails closed)
rather than letting everyone through. Settings use this class wherever ``CACHE_URL``
names Django's Redis backend.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

#: How long a process leaves an unreachable Redis alone before trying it again.
OUTAGE_PAUSE_SECONDS = 5.0
_OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError)
# Per process and per server list: every thread's backend instance shares the verdict.
_down_until: dict[str, float] = {}


class CacheUnavailable(Exception):
    """The shared cache cannot be reached, so a counter kept in it cannot be trusted."""


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        self._outage_key = ",".join(self._servers)

    # --- outage bookkeeping ------------------------------------------------------------

    def _available(self) -> bool:
        return _down_until.get(self._outage_key, 0.0) <= time.monotonic()

    def _went_down(self, error: Exception) -> None:
        if self._available():
            logger.error(
                "Redis cache unreachable (%s); reading the database for %.0f s.",
                error,
                OUTAGE_PAUSE_SECONDS,
            )
        _down_until[self._outage_key] = time.monotonic() + OUTAGE_PAUSE_SECONDS

    def _call(self, method, *args: Any, fallback: Any = None, **kwargs: Any) -> Any:
        if not self._available():
            return fallback
        try:
            return method(*args, **kwargs)
        except _OUTAGE_ERRORS as error:
            self._went_down(error)
            return fallback

    # --- reads: a miss -------------------------------------------------------------------

    def get(self, key, default=None, version=None):
        return self._call(super().get, key, default, version, fallback=default)

    def get_many(self, keys, version=None):
        return self._call(super().get_many, keys, version, fallback={})

    def has_key(self, key, version=None):
        return self._call(super().has_key, key, version, fallback=False)

    # --- writes: dropped -----------------------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().add, key, value, timeout, version, fallback=False)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._call(super().set, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set_many, data, timeout, version, fallback=[])

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().touch, key, timeout, version, fallback=False)

    def delete(self, key, version=None):
        return self._call(super().delete, key, version, fallback=False)

    def delete_many(self, keys, version=None):
        self._call(super().delete_many, keys, version)

    def clear(self):
        return self._call(super().clear, fallback=False)

    # --- counters: fail closed -----------------------------------------------------------

    def incr(self, key, delta=1, version=None):
        """As Django's (``ValueError`` for a missing key); ``CacheUnavailable`` in an outage."""
        if not self._available():
            raise CacheUnavailable("The shared cache is unreachable.")
        try:
            return super().incr(key, delta, version)
        except _OUTAGE_ERRORS as error:
            self._went_down(error)
            raise CacheUnavailable("The shared cache is unreachable.") from error
