"""CSRF tokens for pages made of cached fragments.

Cached HTML (post cards, a feed page, a whole group page, a live message sent
to every socket of a page) is shared between readers, but each reader's forms
must carry their own CSRF token. Fragments are rendered with PLACEHOLDER where
the token goes; the reader's token is put in just before the HTML leaves: by
`fill()` for a page, by `fill_text()` for a socket message.

Django masks a new token at every get_token call (32 random characters from
the OS); a request gets one (`token_for_request`) however many forms it fills.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.functional import SimpleLazyObject

PLACEHOLDER = "__SAMMEN_CSRF_TOKEN__"


def token_for_request(request: HttpRequest) -> str:
    """The request's one masked CSRF token."""
    token: str | None = getattr(request, "_sammen_csrf_token", None)
    if token is None:
        token = get_token(request)
        request._sammen_csrf_token = token  # type: ignore[attr-defined]
    return token


def token_for_secret(secret: str | None) -> str:
    """The masked token a page with this CSRF cookie would carry (for a socket,
    which has the cookie but no request)."""
    request = HttpRequest()
    if secret:
        request.META["CSRF_COOKIE"] = secret
    return get_token(request)


def fill(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Put the reader's token where cached fragments in the page hold PLACEHOLDER."""
    content = response.content
    if PLACEHOLDER.encode() in content:
        token = token_for_request(request)
        response.content = content.replace(PLACEHOLDER.encode(), token.encode())
    return response


def fill_text(html: str, token: str) -> str:
    """The same for a live message: one socket's token in place of PLACEHOLDER."""
    return html.replace(PLACEHOLDER, token)


def context_processor(request: HttpRequest) -> dict[str, Any]:
    """Django's csrf context processor, with the request's one token."""
    return {"csrf_token": SimpleLazyObject(lambda: token_for_request(request))}
