"""One JSON line per request (issue 17, operators): a request id (the proxy's
X-Request-ID when it sent a sane one, else a new one; echoed in the response),
the person as a keyed hash (never the id or e-mail itself: a log is read by
people who should not learn who did what), method, path (never the query
string, which may hold a search or a token), status and time in milliseconds.
Works under WSGI (gunicorn) and ASGI (Daphne, uvicorn)."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac

logger = logging.getLogger("sammen.requests")
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def person_hash(user_id: int) -> str:
    """The same person gives the same 12 characters in every line (to follow
    one person's trouble), which cannot be turned back into an id without
    the SECRET_KEY."""
    return salted_hmac("sammen.requestlog", str(user_id)).hexdigest()[:12]


def request_id(request: HttpRequest) -> str:
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    return given if _SANE_ID.match(given) else uuid.uuid4().hex


def _person(request: HttpRequest) -> str | None:
    """The person, only if the request already looked them up: the log line
    never asks the database (which may be the very thing that is down)."""
    user = getattr(request, "_cached_user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return person_hash(user.pk)


def log_line(request: HttpRequest, status: int, started: float) -> str:
    line = {
        "request_id": getattr(request, "request_id", ""),
        "user": _person(request),
        "method": request.method,
        "path": request.path,
        "status": status,
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }
    return json.dumps(line, ensure_ascii=False)


class RequestLogMiddleware:
    """Outermost but for the security headers: it times the whole request."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.enabled = getattr(settings, "REQUEST_LOG", True)
        if iscoroutinefunction(self.get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if iscoroutinefunction(self):
            return self.__acall__(request)
        started = time.perf_counter()
        request.request_id = request_id(request)  # type: ignore[attr-defined]
        response: HttpResponse = self.get_response(request)
        return self._done(request, response, started)

    async def __acall__(self, request: HttpRequest) -> Any:
        started = time.perf_counter()
        request.request_id = request_id(request)  # type: ignore[attr-defined]
        response = await self.get_response(request)
        return self._done(request, response, started)

    def _done(self, request: HttpRequest, response: HttpResponse, started: float) -> Any:
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
        if self.enabled:
            logger.info(log_line(request, response.status_code, started))
        return response
