"""The production topology as plain processes, started by the one documented
script (bin/production, issue 17): nginx in front serving static files and
routing /ws/ to uvicorn and pages to gunicorn, a Celery worker and one beat,
on PostgreSQL and Redis. Started, used as a browser would, and stopped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from .conftest import BIN, ROOT, free_port, wait_http

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _get(url: str, **headers: str) -> Any:
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10)


@pytest.fixture
def production(service_env: dict[str, str], tmp_path: Path) -> Any:
    from django.conf import settings

    port, pages, sockets = free_port(), free_port(), free_port()
    env = {
        **service_env,
        "DEBUG": "0",
        # The test's own key: the session the test makes must be valid there.
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "SECURE_SSL_REDIRECT": "0",
        "PORT": str(port),
        "PAGES_PORT": str(pages),
        "SOCKETS_PORT": str(sockets),
        "SAMMEN_VAR_DIR": str(tmp_path / "var"),
        "PYTHON_BIN": str(BIN),
        "WEB_WORKERS": "1",
    }
    log = tmp_path / "production.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(ROOT / "bin" / "production")],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/healthz", timeout=120)
        yield {"base": base, "env": env, "proc": proc, "log": log, "ports": (port, pages, sockets)}
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_the_script_serves_pages_static_files_and_sockets_and_stops_cleanly(
    production: dict[str, Any],
) -> None:
    from django.conf import settings
    from django.test import Client

    from accounts.models import User

    base = production["base"]
    with _get(base + "/healthz") as response:
        assert json.loads(response.read()) == {"database": "ok", "redis": "ok"}
    # A page through nginx to gunicorn, with the security headers and a request id.
    with _get(base + "/") as response:
        assert response.status == 200
        assert "nginx/" not in response.headers.get("Server", "")  # no version
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert len(response.headers["X-Request-ID"]) == 32
        page = response.read().decode()
    # Static files from nginx: the fingerprinted stylesheet, cached for a year, gzipped.
    css = next(
        part.split('"')[0] for part in page.split('href="')[1:] if part.startswith("/static/css/")
    )
    assert css != "/static/css/sammen.css"  # the manifest's hashed name
    with _get(base + css, **{"Accept-Encoding": "gzip"}) as response:
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.headers.get("Content-Encoding") == "gzip"
    # A logged-in socket through nginx's /ws/ to uvicorn.
    person = User.objects.create_user(
        email="drift@example.org", password="et-langt-kodeord-1", display_name="Drift"
    )
    client = Client()
    client.force_login(person, backend="django.contrib.auth.backends.ModelBackend")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    from websockets.sync.client import connect

    with connect(
        base.replace("http", "ws") + "/ws/notifications/",
        origin=base,  # type: ignore[arg-type]
        additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"},
        open_timeout=10,
    ) as socket:
        assert json.loads(socket.recv(timeout=10)) == {"unread": 0}
    # The worker answers, and the one beat has started.
    deadline = time.monotonic() + 90
    while " ready." not in production["log"].read_text() and time.monotonic() < deadline:
        time.sleep(0.5)
    ping = subprocess.run(
        [str(BIN / "celery"), "-A", "sammen", "inspect", "ping", "--timeout", "10"],
        cwd=ROOT,
        env=production["env"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "pong" in ping.stdout, ping.stdout + ping.stderr
    deadline = time.monotonic() + 30
    while "beat: Starting" not in production["log"].read_text() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert "beat: Starting" in production["log"].read_text()
    # A worker that exits is started again (as compose's restart policy does).
    worker = subprocess.run(
        ["pgrep", "-f", "-s", str(production["proc"].pid), "celery -A sammen worker"],
        capture_output=True,
        text=True,
    ).stdout.split()
    assert worker, "no worker process found"
    for pid in worker:
        os.kill(int(pid), signal.SIGKILL)
    deadline = time.monotonic() + 60
    while "the worker stopped; starting it again" not in production["log"].read_text():
        assert time.monotonic() < deadline, production["log"].read_text()[-3000:]
        time.sleep(0.5)
    assert production["proc"].poll() is None  # the site is still up
    # One JSON line per request in the log.
    logged = [
        json.loads(line)
        for line in production["log"].read_text().splitlines()
        if line.startswith('{"request_id"')
    ]
    assert any(line["path"] == "/" and line["status"] == 200 for line in logged)
    # Stopping the script stops every process.
    production["proc"].send_signal(signal.SIGTERM)
    production["proc"].wait(timeout=30)
    time.sleep(1)
    assert not any(_port_open(port) for port in production["ports"])
