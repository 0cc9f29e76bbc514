"""Operational endpoints and public media."""

from __future__ import annotations

import re

import redis
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.static import serve


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return False
    return True


def _redis_ok() -> bool:
    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping())
    except Exception:
        return False


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database (and Redis, if configured) answer; 503 otherwise."""
    status = {"database": "ok" if _database_ok() else "error"}
    if settings.REDIS_URL:
        status["redis"] = "ok" if _redis_ok() else "error"
    healthy = all(v == "ok" for v in status.values())
    return JsonResponse(status, status=200 if healthy else 503)


# Once this process has seen every migration applied, they stay applied: the
# migration files are read from disk only until then.
_migrated = False


def _migrations_applied() -> bool:
    global _migrated
    if not _migrated:
        executor = MigrationExecutor(connection)
        _migrated = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return _migrated


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness, for a load balancer or an orchestrator: 200 when this process
    can serve (the database answers, Redis answers if configured, and every
    migration of this code is applied: a new release waits for its `migrate`);
    503 with what is not, as `{"database": "ok", "redis": "error",
    "migrations": "ok"}`. /healthz is liveness: is the process alive at all."""
    status = {"database": "ok" if _database_ok() else "error"}
    if settings.REDIS_URL:
        status["redis"] = "ok" if _redis_ok() else "error"
    if status["database"] != "ok":
        status["migrations"] = "unknown"
    else:
        try:
            status["migrations"] = "ok" if _migrations_applied() else "pending"
        except Exception:
            status["migrations"] = "error"
    ready = all(v == "ok" for v in status.values())
    return JsonResponse(status, status=200 if ready else 503)


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
