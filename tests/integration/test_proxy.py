"""The documented production proxy (docs/nginx-sammen.conf, as docs/operations.md
shows it) in front of gunicorn for pages and uvicorn for sockets, probed with
the same raw requests as tests/test_probes.py: no spelling of a private photo's
path is served, public avatars are, and sockets still open through it."""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from accounts.models import User
from tests.integration.conftest import ROOT, free_port
from tests.probes import (
    get,
    give_avatar,
    make_world,
    served_private_paths,
    session_cookie,
    socket_accepted,
)

pytestmark = pytest.mark.django_db(transaction=True)

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DOCUMENTED = ROOT / "docs" / "nginx-sammen.conf"


def _nginx_conf(tmp: Path, port: int, pages: str, sockets: str) -> Path:
    """A whole nginx.conf around the documented locations, with the test's media
    folder and servers in place of the example's."""
    locations = DOCUMENTED.read_text().replace("/srv/sammen/var/media", str(settings.MEDIA_ROOT))
    (tmp / "sammen.conf").write_text(locations)
    conf = tmp / "nginx.conf"
    temp = {name: tmp / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for folder in temp.values():
        folder.mkdir()
    conf.write_text(
        f"""
user root;
worker_processes 1;
error_log {tmp}/error.log warn;
pid {tmp}/nginx.pid;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    upstream sammen_pages {{ server {pages.removeprefix("http://")}; }}
    upstream sammen_sockets {{ server {sockets.removeprefix("http://")}; }}
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        include {tmp}/sammen.conf;
    }}
}}
"""
    )
    return conf


@pytest.fixture
def proxy(gunicorn: Any, uvicorn: Any, start_process: Any, tmp_path: Path) -> str:
    if not Path(NGINX).exists():
        pytest.fail("nginx is missing: `make test` installs Debian's nginx")
    port = free_port()
    conf = _nginx_conf(tmp_path, port, gunicorn(), uvicorn())
    check = subprocess.run(  # noqa: S603
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr
    start_process([NGINX, "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"], {})
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):
                return base
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_behind_the_documented_proxy_no_private_photo_path_is_served(
    proxy: str, admin: User
) -> None:
    world = make_world(admin)
    assert served_private_paths(proxy, world) == []

    # The same proxy serves what is public and what a member may see.
    status, headers, body = get(proxy, give_avatar(admin))
    assert (status, body[:4]) == (200, b"\x89PNG")
    assert "public" in headers["cache-control"]  # nginx served it, not Django

    image = world["image"]
    member_cookie = session_cookie(world["people"]["member"])
    photo = f"/groups/{world['group'].slug}/photos/{image.pk}/thumb/"
    status, _headers, body = get(proxy, photo, member_cookie)
    assert (status, body[:2]) == (200, b"\xff\xd8")


def test_behind_the_documented_proxy_sockets_open_only_from_its_own_origin(
    proxy: str, admin: User
) -> None:
    world = make_world(admin)
    cookie = session_cookie(world["people"]["member"])
    path = f"/ws/groups/{world['group'].slug}/"
    port = proxy.rsplit(":", 1)[1]
    assert socket_accepted(proxy, path, cookie, proxy)
    assert not socket_accepted(proxy, path, cookie, "http://127.0.0.1:9999")
    assert not socket_accepted(proxy, path, cookie, f"http://localhost:{port}")
