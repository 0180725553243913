"""Django's Redis cache backend, with one Redis client per connection pool.

Django's backend shares its connection pools but builds a new ``redis.Redis`` client for
every cache call, and redis-py fills each new client's table of response callbacks (some
170 entries): about a tenth of a millisecond per call, more than the network round trip
on loopback. A client is thread-safe and its pool notices a fork, so one per pool is kept.
Settings use this class wherever ``CACHE_URL`` names Django's Redis backend.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


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
