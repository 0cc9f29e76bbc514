"""One Redis connection pool per process for Django's cache.

Django's cache handler gives every thread its own RedisCache, and with it a
new connection pool. Under ASGI every request runs its sync code in a new
thread, so each page opened fresh TCP connections to Redis. redis-py's pools
are thread-safe and notice a fork, so one shared pool per (URL, options) is
what they are made for.
"""

from __future__ import annotations

import threading
from typing import Any, ClassVar

import redis


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
