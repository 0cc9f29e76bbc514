"""Danish first: the interface is Danish unless the person chose English.

Django's LocaleMiddleware would follow the browser's Accept-Language, which on
many library and care-home PCs says English. Here only the language cookie
set by the switcher (`/i18n/setlang/`) changes the language.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers


class DanishFirstLocaleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        translation.deactivate()
        return response


class PrivatePagesMiddleware:
    """Pages for a logged-in person (a request with a session) show group
    content or personal data: no shared proxy and no browser's disk (a library
    or care-home PC) may keep them. A response that set its own private policy
    (a photo may stay in its reader's browser for a day) keeps it; nothing is
    ever marked public."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # A session cookie is enough to say so: reading the user here would cost
        # every response a session and a user lookup the view itself may not need.
        cached_user = getattr(request, "_cached_user", None)
        signed_in = settings.SESSION_COOKIE_NAME in request.COOKIES or bool(
            cached_user is not None and cached_user.is_authenticated
        )
        if signed_in and "private" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "private, no-store"
        return response
