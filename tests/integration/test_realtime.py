"""Real time across processes: two Daphne processes (or gunicorn serving pages
with Daphne or uvicorn holding the sockets) on the Redis channel layer; a
comment posted through one arrives on a socket held by the other."""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from typing import Any

import pytest
from websockets.sync.client import connect

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _session_cookie(user: Any) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _post_comment(base: str, cookie: str, path: str, text: str) -> int:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = urllib.request.Request(base + path, headers={"Cookie": cookie})
    with opener.open(page, timeout=10) as response:
        assert response.status == 200
    token = next(c.value for c in jar if c.name == "csrftoken")
    body = urllib.parse.urlencode({"body": text}).encode()
    request = urllib.request.Request(
        base + path + "comments/",
        data=body,
        headers={
            "Cookie": f"{cookie}; csrftoken={token}",
            "X-CSRFToken": token,
            "Referer": base + path,
            "HX-Request": "true",
        },
        method="POST",
    )
    with opener.open(request, timeout=10) as response:
        return int(response.status)


@pytest.mark.parametrize(
    ("through", "sockets"),
    [("daphne", "daphne"), ("gunicorn", "daphne"), ("gunicorn", "uvicorn")],
)
def test_comment_posted_through_another_process_arrives_on_a_socket(
    through: str, sockets: str, request: pytest.FixtureRequest
) -> None:
    """Through a second Daphne, or through gunicorn serving the pages over WSGI
    with sockets on Daphne or uvicorn (the topologies in docs/operations.md):
    the event crosses Redis."""
    from accounts.models import User
    from groups import services as group_services
    from posts import services as post_services

    founder = User.objects.create_user(
        email="a@example.org", password="x-long-password", display_name="Anna Admin", is_staff=True
    )
    reader = User.objects.create_user(
        email="r@example.org", password="x-long-password", display_name="Rasmus Læser"
    )
    group = group_services.group_create(actor=founder, name="Læsehesten", description="Bøger.")
    invite = group_services.invite_create(actor=founder, group=group, valid_days=1, max_uses=1)
    group_services.invite_accept(actor=reader, token=invite.token)
    post = post_services.post_create(actor=founder, group=group, body="Hvad læser I?")

    web_a, web_b = request.getfixturevalue(through)(), request.getfixturevalue(sockets)()
    host_b = web_b.removeprefix("http://")
    path = f"/groups/{group.slug}/posts/{post.pk}/"
    with connect(
        f"ws://{host_b}/ws/groups/{group.slug}/posts/{post.pk}/",
        additional_headers={"Cookie": _session_cookie(reader), "Origin": f"http://{host_b}"},
        open_timeout=10,
    ) as socket:
        socket.send(json.dumps({"type": "resume", "last_event_id": 10**9}))
        status = _post_comment(web_a, _session_cookie(founder), path, "Krimier fra Horsens!")
        assert status == 204
        deadline = time.monotonic() + 10
        received = ""
        while time.monotonic() < deadline and "Krimier fra Horsens!" not in received:
            received = socket.recv(timeout=deadline - time.monotonic())
        message = json.loads(received)
        assert any(op["target"] == f"#comments-{post.pk}" for op in message["ops"])
        assert "Krimier fra Horsens!" in received
        assert "Anna Admin" in received


@pytest.mark.parametrize("sockets", ["daphne", "uvicorn"])
def test_outsider_socket_is_refused_on_a_real_server(
    sockets: str, request: pytest.FixtureRequest
) -> None:
    from websockets.exceptions import ConnectionClosed, InvalidStatus

    from accounts.models import User
    from groups import services as group_services

    founder = User.objects.create_user(
        email="a@example.org", password="x-long-password", display_name="Anna", is_staff=True
    )
    outsider = User.objects.create_user(
        email="o@example.org", password="x-long-password", display_name="Otto"
    )
    group = group_services.group_create(actor=founder, name="Lukket", description="Hemmeligt.")
    host = request.getfixturevalue(sockets)().removeprefix("http://")
    with (
        pytest.raises((InvalidStatus, ConnectionClosed)),
        connect(
            f"ws://{host}/ws/groups/{group.slug}/",
            additional_headers={"Cookie": _session_cookie(outsider), "Origin": f"http://{host}"},
            open_timeout=10,
        ) as socket,
    ):
        socket.recv(timeout=5)
