"""Operational endpoints and public media."""

from __future__ import annotations

import re

import redis
from django.conf import settings
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.static import serve


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database (and Redis, if configured) answer; 503 otherwise."""
    status: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        status["database"] = "ok"
    except Exception:
        status["database"] = "error"
    if settings.REDIS_URL:
        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
            status["redis"] = "ok"
        except Exception:
            status["redis"] = "error"
    healthy = all(v == "ok" for v in status.values())
    return JsonResponse(status, status=200 if healthy else 503)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the Danish error page (templates/500.html), which needs no
    database, as a failed database is one way to get here. A form sent with
    htmx shows the answer as text where the form's feedback goes: to it, the
    page's words as one sentence instead of a page of HTML."""
    if request.headers.get("HX-Request"):
        return HttpResponse(
            _("Der skete en fejl hos os. Prøv igen om lidt."),
            status=500,
            content_type="text/plain; charset=utf-8",
        )
    return defaults.server_error(request)


# Public media is an allow-list: a folder that is public by design, then one
# plain file name of the shape our uploads are stored under. Everything else
# (empty, "." or ".." segments, back slashes, other folders, other cases,
# trailing dots) is 404 before any file system call. Private files are not
# below MEDIA_ROOT at all (sammen/storage.py); this is the second wall.
PUBLIC_MEDIA_FOLDERS = frozenset({"avatars", "covers"})
_PUBLIC_MEDIA_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}\.(?:jpg|jpeg|png|webp)")


def public_media_path_ok(path: str) -> bool:
    """Whether `path` (below MEDIA_URL, already URL-decoded) names a public file."""
    folder, _slash, name = path.partition("/")
    return folder in PUBLIC_MEDIA_FOLDERS and _PUBLIC_MEDIA_NAME.fullmatch(name) is not None


def public_media(request: HttpRequest, path: str) -> HttpResponseBase:
    """An avatar or a group cover. A front proxy may serve the same two folders
    itself (docs/operations.md); nothing else below /media/ exists."""
    if not public_media_path_ok(path):
        raise Http404
    return serve(request, path, document_root=str(settings.MEDIA_ROOT))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: in the site's layout and in Danish, with a way forward
    (Django's own page is in English and meant for developers)."""
    return render(request, "403_csrf.html", status=403)
