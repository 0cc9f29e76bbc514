"""Integration tests start real processes (Daphne, Celery) against the real
PostgreSQL and Redis named by DATABASE_URL and REDIS_URL. Without both, they
are skipped; `.ci/run` always sets both."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


def _require_services() -> None:
    if not (
        os.environ.get("DATABASE_URL", "").startswith("postgres")
        and os.environ.get("REDIS_URL", "").startswith("redis")
    ):
        pytest.skip("needs DATABASE_URL=postgres://… and REDIS_URL=redis://… (set by .ci/run)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except Exception:
            time.sleep(0.2)
    raise TimeoutError(url)


@pytest.fixture
def service_env(django_db_blocker: object) -> Iterator[dict[str, str]]:
    """Environment for child processes: the test database pytest-django made,
    so the processes see the rows the test commits."""
    _require_services()
    from django.conf import settings

    db = settings.DATABASES["default"]
    url = "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(
        USER=db["USER"] or "postgres",
        HOST=db["HOST"] or "127.0.0.1",
        PORT=db["PORT"] or 5432,
        NAME=db["NAME"],
    )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "sammen.settings",
        # The files this test's own settings write to (tests/conftest.py).
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
    }
    yield env


@pytest.fixture
def start_process() -> Iterator[object]:
    procs: list[subprocess.Popen[bytes]] = []

    def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        p = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        procs.append(p)
        return p

    yield start
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()


def _server(start_process: object, env: dict[str, str], argv: list[str]) -> str:
    """Start one web process on a free port (PORT in argv) and wait for /healthz."""
    port = str(free_port())
    start_process([a.replace("PORT", port) for a in argv], env)  # type: ignore[operator]
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/healthz")
    return base


@pytest.fixture
def daphne(service_env: dict[str, str], start_process: object) -> object:
    argv = [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", "PORT", "sammen.asgi:application"]
    return lambda: _server(start_process, service_env, argv)


@pytest.fixture
def gunicorn(service_env: dict[str, str], start_process: object) -> object:
    """HTTP through WSGI (docs/operations.md: pages on gunicorn, sockets on uvicorn)."""
    argv = [str(BIN / "gunicorn"), "-b", "127.0.0.1:PORT", "-w", "2", "sammen.wsgi:application"]
    return lambda: _server(start_process, service_env, argv)


@pytest.fixture
def uvicorn(service_env: dict[str, str], start_process: object) -> object:
    """Sockets (and pages) through uvicorn, with the flags docs/operations.md runs /ws/ with."""
    argv = [
        str(BIN / "uvicorn"),
        "sammen.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        "PORT",
        "--ws",
        "websockets-sansio",
        "--ws-per-message-deflate",
        "false",
        "--lifespan",
        "off",
        "--no-access-log",
    ]
    return lambda: _server(start_process, service_env, argv)
