"""Static files under both request modes (sammen.staticfiles).

ServeStatic's own middleware is async-only, which made Django run every
request of a WSGI process (gunicorn) through async_to_sync. Ours serves the
same files in sync mode, so a WSGI process stays in its thread."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import AsyncToSync, SyncToAsync, async_to_sync
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.test import AsyncClient, Client

from tests.conftest import static_from_finders

SCRIPT = "js/sammen-live.js"


@pytest.fixture(autouse=True)
def _static_from_finders(settings: Any) -> None:
    static_from_finders(settings)


def _expected() -> bytes:
    return (Path(settings.BASE_DIR) / "static" / SCRIPT).read_bytes()


@pytest.mark.django_db
def test_a_wsgi_request_gets_the_file() -> None:
    response = Client().get(settings.STATIC_URL + SCRIPT)
    assert response.status_code == 200
    assert "javascript" in response["Content-Type"]
    assert response.content == _expected()
    assert response["Content-Length"] == str(len(_expected()))


@pytest.mark.django_db
def test_a_wsgi_request_for_a_missing_file_is_a_plain_404() -> None:
    assert Client().get(settings.STATIC_URL + "js/findes-ikke.js").status_code == 404


@pytest.mark.django_db
def test_an_unchanged_file_is_not_sent_again() -> None:
    first = Client().get(settings.STATIC_URL + SCRIPT)
    again = Client().get(settings.STATIC_URL + SCRIPT, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


@pytest.mark.django_db
def test_an_asgi_request_gets_the_file() -> None:
    async def fetch() -> Any:
        return await AsyncClient().get(settings.STATIC_URL + SCRIPT)

    response = async_to_sync(fetch)()
    assert response.status_code == 200
    assert response.content == _expected()


def test_a_wsgi_process_runs_its_middleware_without_an_event_loop() -> None:
    handler = WSGIHandler()
    assert not isinstance(handler._middleware_chain, AsyncToSync)  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_an_asgi_request_hops_to_a_thread_a_few_times_not_per_middleware(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The sync-only locale middleware is innermost (settings.MIDDLEWARE), so
    under ASGI Django enters a thread once for the whole chain (and again for
    the view), not once per middleware hook."""
    hops = []
    original = SyncToAsync.__call__

    async def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        hops.append(getattr(self.func, "__qualname__", repr(self.func)))
        return await original(self, *args, **kwargs)

    async def fetch() -> Any:
        return await AsyncClient().get("/healthz")

    monkeypatch.setattr(SyncToAsync, "__call__", counted)
    response = async_to_sync(fetch)()
    assert response.status_code == 200
    middleware_hops = [h for h in hops if "process_" in h or "Middleware" in h]
    assert len(middleware_hops) <= 2, hops
