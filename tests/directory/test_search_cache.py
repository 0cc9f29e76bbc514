"""Cached search results: the same search is answered from the cache, and a
committed change to any entry is seen by the next search."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache

from directory import selectors, services
from directory.models import Entry


@pytest.fixture
def cached(settings: Any) -> None:
    settings.DIRECTORY_FIND_CACHE_SECONDS = 60
    cache.clear()


def titles(query: str) -> list[str]:
    return [e.title for e in selectors.directory_find_cached(query=query, filters={}).entries]


@pytest.mark.django_db(transaction=True)
def test_cached_search_follows_every_committed_change(
    cached: None, make_entry: Callable[..., Entry], django_assert_num_queries: Any
) -> None:
    entry = make_entry("Gåtur ved åen")
    assert titles("gåtur") == ["Gåtur ved åen"]
    with django_assert_num_queries(0):
        assert titles("gåtur") == ["Gåtur ved åen"]
    services.entry_update(actor=None, entry=entry, title="Gåtur i skoven")
    assert titles("gåtur") == ["Gåtur i skoven"]
    make_entry("Gåtur nummer to")
    assert titles("gåtur") == ["Gåtur i skoven", "Gåtur nummer to"]
    Entry.objects.get(title="Gåtur nummer to").delete()
    assert titles("gåtur") == ["Gåtur i skoven"]
    # A plain save elsewhere (not through the services) is seen too.
    entry.refresh_from_db()
    entry.status = "hidden"
    entry.save(update_fields=["status"])
    assert titles("gåtur") == []
