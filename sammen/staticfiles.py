"""Static files in both of Django's request modes.

ServeStatic's Django middleware is async-only. Under a WSGI server (gunicorn,
the documented choice for pages) Django must then run every request's whole
middleware chain through ``async_to_sync``: a new event loop and two thread
hops per request, about a fifth of a feed page's CPU. Under ASGI it splits the
chain, so each of Django's own middleware hooks hops to a thread and back.

This middleware keeps ServeStatic's file table and async path and adds the
synchronous path its WSGI application uses (``StaticFile.get_response``). In
sync mode the file is sent as one body, not streamed: the app's static files
are small (the largest, htmx, is about 50 KB), and a synchronous stream under
ASGI would be read into memory by Django anyway, with a warning each time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from inspect import iscoroutinefunction
from typing import Any

from asgiref.sync import markcoroutinefunction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from servestatic.middleware import ServeStaticMiddleware
from servestatic.responders import Redirect, StaticFile


async def _unused(request: HttpRequest) -> HttpResponseBase:  # pragma: no cover
    raise AssertionError("only the file table of this ServeStatic instance is used")


class StaticFilesMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        self.servestatic = ServeStaticMiddleware(get_response if self.is_async else _unused)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        if self.is_async:
            return self.servestatic(request)
        static_file = self._find(request.path_info)
        if static_file is None:
            return self.get_response(request)
        return self._serve(static_file, request)

    def _find(self, path: str) -> StaticFile | Redirect | None:
        if self.servestatic.autorefresh:
            return self.servestatic.find_file(path)
        return self.servestatic.files.get(path)

    @staticmethod
    def _serve(static_file: StaticFile | Redirect, request: HttpRequest) -> HttpResponseBase:
        # The synchronous twin of ServeStaticMiddleware.aserve.
        response = static_file.get_response(request.method or "GET", request.META)
        body = b""
        if response.file is not None:
            with response.file:
                body = response.file.read()
        http_response = HttpResponse(body, status=int(response.status))
        del http_response["Content-Type"]
        for key, value in response.headers:
            if value is not None:
                http_response[key] = value
        return http_response
