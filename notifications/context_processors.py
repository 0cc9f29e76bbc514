"""The bell in the header of every page."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from notifications import selectors


def bell(request: HttpRequest) -> dict[str, object]:
    # Lazy: a page that shows no header asks nothing.
    return {"unread_notifications": SimpleLazyObject(lambda: selectors.unread_count(request.user))}
