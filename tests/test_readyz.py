"""/readyz: ready when the database answers, Redis answers (when configured)
and every migration is applied; 503 naming what is not."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client

from sammen import views

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "_migrated", False)  # each test reads the migrations anew


def test_ready_with_everything_in_place(settings: Any) -> None:
    response = Client().get("/readyz")
    assert response.status_code == 200
    expected = {"database": "ok", "migrations": "ok"}
    if settings.REDIS_URL:
        expected["redis"] = "ok"
    assert response.json() == expected
    assert "no-cache" in response["Cache-Control"]


def test_not_ready_while_a_migration_is_not_applied() -> None:
    last = MigrationRecorder.Migration.objects.filter(app="posts").latest("id")
    last.delete()  # as if the new release's `migrate` had not run yet
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["migrations"] == "pending"
    assert response.json()["database"] == "ok"


def test_not_ready_while_redis_does_not_answer(settings: Any) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["redis"] == "error"
    assert response.json()["migrations"] == "ok"
