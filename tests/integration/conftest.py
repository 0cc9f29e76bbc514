"""Integration tests start real processes (Daphne, Celery) against the real
PostgreSQL and Redis named by DATABASE_URL and REDIS_URL. Without both, they
are skipped; `.ci/run` always sets both."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
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


# --- Celery workers and beats as processes ------------------------------------------


class Procs:
    """Celery workers and beats as child processes, each in its own session
    (process group), with its output in a log file for the failure message."""

    def __init__(self, env: dict[str, str], logdir: Path) -> None:
        self.env = {**env, "SCHEDULER_POLL_SECONDS": "1", "LOG_LEVEL": "WARNING"}
        self.logdir = logdir
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def _start(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log = open(self.logdir / f"{name}.log", "ab")  # noqa: SIM115 - closed by the child
        # The process's PostgreSQL sessions carry its name (pg_stat_activity).
        env = {**self.env, "DATABASE_URL": f"{self.env['DATABASE_URL']}?application_name={name}"}
        proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.procs[name] = proc
        return proc

    def worker(self, name: str, concurrency: int = 2) -> subprocess.Popen[bytes]:
        return self._start(
            name,
            [
                str(BIN / "celery"),
                "-A",
                "sammen",
                "worker",
                f"--concurrency={concurrency}",
                "--loglevel=warning",
                "-n",
                f"{name}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
        )

    def beat(self, name: str) -> subprocess.Popen[bytes]:
        # DatabaseScheduler (CELERY_BEAT_SCHEDULER): reads the schedule from the test
        # database, where it syncs CELERY_BEAT_SCHEDULE at start; -s is unused by it
        # but keeps any file out of the working tree.
        return self._start(
            name,
            [
                str(BIN / "celery"),
                "-A",
                "sammen",
                "beat",
                "--loglevel=warning",
                "-s",
                str(self.logdir / f"{name}-schedule"),
            ],
        )

    def kill(self, name: str) -> None:
        """SIGKILL the whole process group: the worker and its pool children."""
        proc = self.procs[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)

    def logs(self) -> str:
        parts = []
        for name in self.procs:
            text = (self.logdir / f"{name}.log").read_text(errors="replace")
            parts.append(f"--- {name} (last 3000 chars) ---\n{text[-3000:]}")
        return "\n".join(parts)


@pytest.fixture
def procs(service_env: dict[str, str], tmp_path: Path) -> Iterator[Procs]:
    from sammen.celery import app

    # Ticks left in the queue by an earlier run would only expire, but start clean.
    app.control.purge()
    p = Procs(service_env, tmp_path)
    try:
        yield p
    finally:
        # Before pytest-django flushes the tables the processes still use.
        p.stop_all()


def wait_for(
    predicate: Callable[[], bool], timeout: float, procs: Procs, what: str, every: float = 0.25
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(every)
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}\n{procs.logs()}")
