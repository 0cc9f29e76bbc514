"""A counter in the cache that changes whenever a directory entry does, so
cached search results (selectors.directory_find_cached) are never served
after a change once it has committed. Losing the cache only costs a recount."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import transaction

GENERATION_KEY = "directory:generation"


def generation() -> int:
    return int(cache.get(GENERATION_KEY) or 0)


def _bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, timeout=None)


def directory_changed() -> None:
    """Call after any write that changes what a search finds (the services do;
    so do Entry's post_save and post_delete, for writes elsewhere). Takes
    effect when the transaction commits, so no request caches the old state
    after the new one is visible."""
    transaction.on_commit(_bump)


def entry_saved_or_deleted(sender: Any, **kwargs: Any) -> None:
    directory_changed()
