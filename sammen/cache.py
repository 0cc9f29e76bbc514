"""One Redis connection pool and one client per process for Django's cache.

Django's cache handler gives every thread its own RedisCache, and with it a
new connection pool. Under ASGI every request runs its sync code in a new
thread, so each page opened fresh TCP connections to Redis. redis-py's pools
are thread-safe and notice a fork, so one shared pool per (URL, options) is
what they are made for.

Django also builds a new ``redis.Redis`` for every cache call; redis-py 8
fills a table of about 170 response callbacks in each, a third of a
millisecond, which was a fifth of a cached page's CPU. A client holds no
connection of its own (it takes one from the pool per command), so one per
pool serves every thread, as redis-py documents.
"""

from __future__ import annotations

import threading
from typing import Any, ClassVar

import redis
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class SharedConnectionPool(redis.ConnectionPool):
    _shared: ClassVar[dict[tuple[str, str], redis.ConnectionPool]] = {}
    _shared_lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Any:
        key = (url, repr(sorted(kwargs.items())))
        with cls._shared_lock:
            pool = cls._shared.get(key)
            if pool is None:
                pool = cls._shared[key] = super().from_url(url, **kwargs)
        return pool


class _SharedClientCacheClient(RedisCacheClient):
    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = getattr(pool, "sammen_client", None)
        if client is None:
            client = pool.sammen_client = super().get_client(key, write=write)
        return client


class RedisCache(DjangoRedisCache):
    """Django's Redis cache with one client per connection pool."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _SharedClientCacheClient
