"""The production topology as plain processes: two Daphne web processes and a
Celery worker on PostgreSQL and Redis (what docker-compose.yml starts)."""

from __future__ import annotations

import json
import urllib.request

import pytest

from .conftest import BIN

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_two_daphne_processes_answer_health_with_database_and_redis(daphne: object) -> None:
    for base in (daphne(), daphne()):  # type: ignore[operator]
        with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
            assert response.status == 200
            assert json.loads(response.read()) == {"database": "ok", "redis": "ok"}


def test_group_created_in_test_is_served_by_a_daphne_process(daphne: object) -> None:
    from accounts.models import User
    from groups import services

    founder = User.objects.create_user(
        email="founder@example.org",
        password="x-long-password",
        display_name="Stifter",
        is_staff=True,
    )
    services.group_create(actor=founder, name="Havefolket", description="Vi dyrker grøntsager.")
    base = daphne()  # type: ignore[operator]
    with urllib.request.urlopen(base + "/groups/havefolket/", timeout=5) as response:
        body = response.read().decode()
    assert "Havefolket" in body
    assert "Vi dyrker grøntsager." in body


def test_celery_worker_on_redis_runs_a_task(
    service_env: dict[str, str], start_process: object
) -> None:
    start_process(  # type: ignore[operator]
        [str(BIN / "celery"), "-A", "sammen", "worker", "--pool=solo", "--loglevel=warning"],
        service_env,
    )
    from sammen.celery import app
    from sammen.tasks import ping

    app.conf.task_always_eager = False
    result = ping.delay()
    assert result.get(timeout=30) == "pong"


def _backend_pids(dbname: str) -> set[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [dbname],
        )
        return {row[0] for row in cursor.fetchall()}


def test_daphne_reuses_database_connections_from_its_pool(daphne: object) -> None:
    """Under ASGI each request runs in a new thread; without the pool
    (sammen/asgi.py sets SAMMEN_DB_POOL) each would open its own connection."""
    from django.conf import settings

    dbname = settings.DATABASES["default"]["NAME"]
    before = _backend_pids(dbname)
    base = daphne()  # type: ignore[operator]
    seen: set[int] = set()
    for _ in range(40):
        with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
            assert json.loads(response.read())["database"] == "ok"
        seen |= _backend_pids(dbname) - before
    assert seen, "the web process never connected"
    assert len(seen) <= settings.DB_POOL_MAX_SIZE, f"{len(seen)} connections for 40 requests"
