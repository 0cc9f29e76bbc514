"""A reader's whole page, cached and stored compressed.

The group and sub-group pages are read far more often than anything on them
changes. The view that owns a page builds the key from everything the page
shows (for a feed: the group's last event, its generation and the reader's
capabilities; see groups.views.render_place); this module adds what every
page shows besides: the reader, their CSRF secret (the page's forms carry a
token masked from it), the full path (the language form returns to it) and
the language. A page is neither served from nor stored in the cache when the
person has messages waiting (they are shown once), when the request carries no
usable CSRF cookie yet (the response must set one), or for anything but GET.

A stored page is the gzip body the GZip middleware would have sent, so a hit
costs one cache read and no template or compression work. Django's gzip adds
random bytes to each compression against BREACH; a stored page is compressed
once per version of its content, so the size an observer sees changes only
when the content, and with it the token's mask, is new.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from typing import Any

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.text import compress_string
from django.utils.translation import get_language

# As long as the cached cards it is made of (posts.fragments.CARD_TTL).
PAGE_TTL = 300
_ACCEPTS_GZIP = re.compile(r"\bgzip\b")


def key_for(request: HttpRequest, *parts: Any) -> str | None:
    """The cache key of this reader's page, or None when it must be rendered."""
    if request.method != "GET":
        return None
    secret = request.META.get("CSRF_COOKIE")
    if not secret or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return None
    if len(get_messages(request)):
        return None
    raw = repr(
        (
            parts,
            getattr(request.user, "pk", None),
            hashlib.blake2b(secret.encode(), digest_size=16).hexdigest(),
            request.get_full_path(),
            get_language(),
        )
    )
    return "page:" + hashlib.blake2b(raw.encode(), digest_size=20).hexdigest()


def _send(request: HttpRequest, response: HttpResponse, compressed: bytes) -> HttpResponse:
    """The page compressed if the client takes gzip (as the GZip middleware
    would send it), else as it is."""
    patch_vary_headers(response, ("Accept-Encoding",))
    if _ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        response.content = compressed
        response.headers["Content-Encoding"] = "gzip"
    elif not response.content:
        response.content = gzip.decompress(compressed)
    return response


def get(request: HttpRequest, key: str | None) -> HttpResponse | None:
    """The stored page as a response, or None."""
    compressed = cache.get(key) if key is not None else None
    if not isinstance(compressed, bytes):
        return None
    return _send(request, HttpResponse(), compressed)


def store(request: HttpRequest, key: str | None, response: HttpResponse) -> HttpResponse:
    """Keep a freshly rendered page and send it compressed."""
    if key is None or response.status_code != 200 or response.streaming:
        return response
    compressed = compress_string(response.content, max_random_bytes=100)
    cache.set(key, compressed, PAGE_TTL)
    return _send(request, response, compressed)
