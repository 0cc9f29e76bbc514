"""Probes shared by the live security tests (tests/test_probes.py on Daphne,
tests/integration/test_proxy.py behind nginx): raw requests that no client
library normalises, and a closed group with private photos to aim them at."""

from __future__ import annotations

import http.client
import io
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from accounts.models import User
from accounts.services import user_update_profile
from groups import services as group_services
from posts import services as post_services
from posts.services import PhotoUpload
from scheduler import services as scheduler_services
from tests.conftest import make_group, make_membership, make_user

# The ways a path can be spelled to reach "posts/…" below /media/ (the audit's
# table and more). {name} is a stored name such as posts/2026/11/ab12.jpg; the
# spellings that rewrite the first slash take {rest}, the name after "posts/".
PATH_SPELLINGS = [
    "/media/{name}",
    "/media//{name}",
    "/media///{name}",
    "/media/./{name}",
    "/media/%2e/{name}",
    "/media/%2E/{name}",
    "/media/x/../{name}",
    "/media/x/%2e%2e/{name}",
    "/media/avatars/../{name}",
    "/media/avatars/..%2f{name}",
    "/media/avatars/%2e%2e%2f{name}",
    "/media/covers/..%5c{name}",
    "/media/posts%2f{rest}",
    "/media/posts%2F{rest}",
    "/media/posts%5c{rest}",
    "/media/%2f{name}",
    "/media/%5c{name}",
    "/media/POSTS/{rest}",
    "/media/Posts/{rest}",
    "/media/posts./{rest}",
    "/media/{name}.",
    "/media/{name}%20",
    "/media/{name}%00",
    "/media/./avatars/../{name}",
    "/media/../private/{name}",
    "/media/%2e%2e/private/{name}",
    "/media/..%2fprivate/{name}",
    "/private/{name}",
    "/var/private/{name}",
    "/static/../private/{name}",
    "/static/%2e%2e/private/{name}",
]


def _photo_upload() -> PhotoUpload:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 120, 60)).save(buffer, format="JPEG")
    return PhotoUpload(SimpleUploadedFile("have.jpg", buffer.getvalue(), "image/jpeg"), "En have")


def session_cookie(user: User | None) -> str:
    if user is None:
        return ""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def get(base_url: str, path: str, cookie: str = "") -> tuple[int, dict[str, str], bytes]:
    """A GET with the path sent exactly as written (http.client does not
    normalise it), as a scanner would."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=15)
    try:
        headers = {"Cookie": cookie} if cookie else {}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def make_world(admin: User) -> dict[str, Any]:
    """A closed group with a photo post and a planned post with a photo, and one
    person for each way of standing outside (or inside) it."""
    group = make_group("Haven", slug="haven", admin=admin)
    member = make_user("m@example.org", "Mona Medlem")
    make_membership(member, group)
    former = make_user("f@example.org", "Frede Fhv")
    make_membership(former, group)
    group_services.membership_leave(actor=former, group=group)
    banned = make_user("b@example.org", "Bent Bandlyst")
    make_membership(banned, group, status="banned", decided_by=admin)
    other = make_user("o@example.org", "Olga Anden")
    make_group("Naboerne", slug="naboerne", admin=other)
    outsider = make_user("u@example.org", "Ulla Udenfor")
    post = post_services.post_create(
        actor=member, group=group, body="Mine tomater", photos=[_photo_upload()]
    )
    planned = scheduler_services.scheduled_post_create(
        actor=admin, group=group, body="Næste uge", photos=[_photo_upload()], draft=True
    )
    image = post.images.get()
    planned_photo = planned.photos.get()
    return {
        "group": group,
        "image": image,
        "names": [
            image.image.name,
            image.thumbnail.name,
            planned_photo.image.name,
            planned_photo.thumbnail.name,
        ],
        "people": {
            "anonymous": None,
            "outsider": outsider,
            "former member": former,
            "banned": banned,
            "member of another group": other,
            "member": member,
            "administrator": admin,
        },
    }


def socket_accepted(base_url: str, path: str, cookie: str, origin: str) -> bool:
    """Whether the server accepts a WebSocket from a page at `origin`."""
    host = base_url.removeprefix("http://")
    try:
        with connect(
            f"ws://{host}{path}",
            additional_headers={"Cookie": cookie, "Origin": origin},
            open_timeout=10,
        ):
            return True
    except InvalidStatus:
        return False


def served_private_paths(base_url: str, world: dict[str, Any]) -> list[str]:
    """Every spelling of every private photo's path, as every kind of reader:
    those that were answered with the file (there must be none)."""
    served = []
    for who, person in world["people"].items():
        cookie = session_cookie(person)
        for name in world["names"]:
            rest = name.removeprefix("posts/")
            for spelling in PATH_SPELLINGS:
                path = spelling.format(name=name, rest=rest)
                status, _headers, body = get(base_url, path, cookie)
                if status == 200 or body.startswith(b"\xff\xd8"):
                    served.append(f"{who}: {path} -> {status}")
    return served


def give_avatar(user: User) -> str:
    """Upload a PNG avatar for `user` (a public file); its path below /media/."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 0, 0)).save(buffer, format="PNG")
    user_update_profile(
        actor=user,
        display_name=user.display_name,
        bio="",
        avatar=SimpleUploadedFile("a.png", buffer.getvalue(), "image/png"),
    )
    user.refresh_from_db()
    return f"/media/{user.avatar.name}"
