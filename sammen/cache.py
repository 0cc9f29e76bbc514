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

The cache is optional, not a dependency: while Redis does not answer (a
restart, a network fault), every call behaves as on an empty cache that keeps
nothing (a read misses, a write is dropped, `incr` finds no key), logged once
per outage, and pages are built from the database. For a second after a
failure the cache is not asked at all, so a Redis that times out rather than
refuses does not add its timeout to every call of every page.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
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


logger = logging.getLogger(__name__)

T = TypeVar("T")

# What a Redis that is down or unreachable raises (a refused or reset
# connection, a timeout, Redis still loading its data after a start).
UNAVAILABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class RedisCache(DjangoRedisCache):
    """Django's Redis cache with one client per connection pool, that degrades
    to an empty cache while Redis is unavailable."""

    # After a failure, how long calls skip Redis before trying it again.
    retry_after = 1.0
    # Per server, shared by the instances Django makes for each thread: until
    # when the cache is skipped (0: in use).
    _down_until: ClassVar[dict[str, float]] = {}

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _SharedClientCacheClient
        self._where = str(server)

    def _guard(self, call: Callable[[], T], fallback: T) -> T:
        down_until = self._down_until.get(self._where, 0.0)
        if down_until and time.monotonic() < down_until:
            return fallback
        try:
            result = call()
        except UNAVAILABLE as error:
            if not down_until:
                logger.warning("Cache unavailable, pages are served without it: %s", error)
            self._down_until[self._where] = time.monotonic() + self.retry_after
            return fallback
        if down_until:
            self._down_until[self._where] = 0.0
            logger.warning("Cache available again")
        return result

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        return self._guard(lambda: super(RedisCache, self).add(key, value, timeout, version), False)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._guard(lambda: super(RedisCache, self).get(key, default, version), default)

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        self._guard(lambda: super(RedisCache, self).set(key, value, timeout, version), None)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guard(lambda: super(RedisCache, self).touch(key, timeout, version), False)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._guard(lambda: super(RedisCache, self).delete(key, version), False)

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return self._guard(lambda: super(RedisCache, self).get_many(keys, version), {})

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._guard(lambda: super(RedisCache, self).has_key(key, version), False)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        found = self._guard(lambda: super(RedisCache, self).incr(key, delta, version), None)
        if found is None:
            # As for a key that is not there; callers already handle that.
            raise ValueError(f"Key '{key}' not found (cache unavailable)")
        return found

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        # The keys that were not stored: all of them.
        return self._guard(
            lambda: super(RedisCache, self).set_many(data, timeout, version), list(data)
        )

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._guard(lambda: super(RedisCache, self).delete_many(keys, version), None)

    def clear(self) -> None:
        self._guard(lambda: super(RedisCache, self).clear(), None)
