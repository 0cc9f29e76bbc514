"""The cache is optional (sammen/cache.py): while Redis does not answer, every
call behaves as on an empty cache that keeps nothing, and pages are served
from the database. A real Redis client against a port where nothing listens."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from django.core.cache import caches

from accounts.models import User
from groups.models import Group
from sammen.cache import RedisCache

pytestmark = pytest.mark.django_db


def _nothing_listens() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def cache_down(settings: Any) -> RedisCache:
    """The project's cache backend on a Redis that is not there."""
    settings.CACHES = {
        "default": {
            "BACKEND": "sammen.cache.RedisCache",
            "LOCATION": _nothing_listens(),
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
    }
    RedisCache._down_until.clear()
    cache = caches["default"]
    assert isinstance(cache, RedisCache)
    return cache


def test_a_cache_that_does_not_answer_acts_as_an_empty_one(cache_down: RedisCache) -> None:
    assert cache_down.get("k") is None
    assert cache_down.get("k", "standard") == "standard"
    cache_down.set("k", 1)
    assert cache_down.add("k", 1) is False
    assert cache_down.get_many(["a", "b"]) == {}
    assert cache_down.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert cache_down.has_key("k") is False
    assert cache_down.delete("k") is False
    cache_down.delete_many(["a", "b"])
    assert cache_down.get_or_set("k", lambda: "regnet ud") == "regnet ud"
    with pytest.raises(ValueError):  # as for a key that is not there
        cache_down.incr("k")
    with pytest.raises(ValueError):
        cache_down.decr("k")


def test_pages_are_served_while_the_cache_does_not_answer(
    cache_down: RedisCache, client_for: Any, member: User, group: Group
) -> None:
    client = client_for(member)
    for path in (group.get_absolute_url(), "/", "/profile/"):
        assert client.get(path).status_code == 200, path
