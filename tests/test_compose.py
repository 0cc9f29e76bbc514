"""docker-compose.yml ships the topology docs/operations.md measured and
bin/production runs (issue 17): nginx in front, gunicorn for pages, uvicorn for
sockets, a worker, exactly one beat, PostgreSQL and Redis; health checks,
restart policies and volumes. (Docker itself is not available in CI; the file
is checked as data, and the same topology runs as plain processes in
tests/integration/test_production_script.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_the_services_are_the_measured_topology() -> None:
    services = compose()["services"]
    assert set(services) == {
        "postgres",
        "redis",
        "migrate",
        "pages",
        "sockets",
        "worker",
        "beat",
        "nginx",
    }
    assert services["pages"]["command"][0] == "gunicorn"
    assert "sammen.wsgi:application" in services["pages"]["command"]
    assert services["sockets"]["command"][0] == "uvicorn"
    assert "sammen.asgi:application" in services["sockets"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "sammen", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "sammen", "beat"]
    assert "deploy" not in services["beat"]  # never scaled: exactly one beat


def test_every_long_running_service_restarts_and_the_servers_have_health_checks() -> None:
    services = compose()["services"]
    for name, service in services.items():
        expected = "no" if name == "migrate" else "unless-stopped"
        assert service["restart"] == expected, name
    for name in ("postgres", "redis", "pages", "sockets", "worker", "nginx"):
        assert "healthcheck" in services[name], name


def test_nginx_serves_static_files_and_routes_sockets_and_pages() -> None:
    nginx = compose()["services"]["nginx"]
    mounts = " ".join(nginx["volumes"])
    assert "docs/nginx-sammen.conf" in mounts and "static:/srv/sammen/var/static" in mounts
    # Private photos are never mounted into nginx.
    assert "private" not in mounts
    conf = (ROOT / "docs" / "nginx-compose.conf").read_text()
    assert "server pages:8000" in conf and "server sockets:8001" in conf
    locations = (ROOT / "docs" / "nginx-sammen.conf").read_text()
    assert "location /static/" in locations and "location /ws/" in locations


def test_migrations_run_before_any_new_process_and_state_is_in_volumes() -> None:
    data = compose()
    services = data["services"]
    for name in ("pages", "sockets", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert {"pgdata", "media", "private", "static"} <= set(data["volumes"])
    assert services["pages"]["environment"]["DEBUG"] == "0"
