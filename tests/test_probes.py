"""Security probes against a live server (Daphne, as `make run` serves), with raw
HTTP requests that no client library normalises: the audit's path tricks on
/media/, the WebSocket origin check, and the headers of private pages.

They run on whichever database the suite uses, so on the embedded default too;
tests/integration/test_proxy.py runs the same path probes through the nginx
configuration docs/operations.md documents. A change to routes, storage or
headers that reopens one of these fails here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from accounts.models import User
from groups.models import Group
from tests.conftest import AsgiServer
from tests.probes import (
    PATH_SPELLINGS,
    get,
    give_avatar,
    make_world,
    served_private_paths,
    session_cookie,
    socket_accepted,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(admin: User) -> dict[str, Any]:
    return make_world(admin)


def test_no_spelling_of_a_private_photo_path_is_served_to_anyone(
    asgi_server: AsgiServer, world: dict[str, Any]
) -> None:
    assert served_private_paths(asgi_server.url, world) == []


def test_probes_would_see_a_served_file(
    asgi_server: AsgiServer, world: dict[str, Any], admin: User
) -> None:
    """The probe above can fail: the same requests find a public avatar, and a
    member gets the photo through its checked view, named by the photo's id."""
    status, _headers, body = get(asgi_server.url, give_avatar(admin))
    assert (status, body[:4]) == (200, b"\x89PNG")

    image = world["image"]
    photo = f"/groups/{world['group'].slug}/photos/{image.pk}/full/"
    status, headers, body = get(asgi_server.url, photo, session_cookie(world["people"]["member"]))
    assert (status, body[:2]) == (200, b"\xff\xd8")
    assert headers["content-disposition"] == f'inline; filename="foto-{image.pk}-full.jpg"'
    assert image.image.name.rsplit("/", 1)[-1] not in str(headers)
    assert "private" in headers["cache-control"]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 302),  # to the login page
        ("outsider", 404),
        ("former member", 404),
        ("banned", 404),
        ("member of another group", 404),
        ("member", 200),
    ],
)
def test_the_photo_view_answers_only_those_who_may_see_the_post(
    who: str, expected: int, asgi_server: AsgiServer, world: dict[str, Any]
) -> None:
    image = world["image"]
    cookie = session_cookie(world["people"][who])
    for size in ("full", "thumb"):
        path = f"/groups/{world['group'].slug}/photos/{image.pk}/{size}/"
        status, _headers, body = get(asgi_server.url, path, cookie)
        assert status == expected, (who, path)
        assert (body[:2] == b"\xff\xd8") is (expected == 200)


def test_private_pages_say_no_store_and_every_page_sends_a_permissions_policy(
    asgi_server: AsgiServer, world: dict[str, Any]
) -> None:
    group: Group = world["group"]
    cookie = session_cookie(world["people"]["member"])
    image = world["image"]
    private_pages = [
        "/",
        group.get_absolute_url(),
        group.get_absolute_url(),  # the second answer comes from the whole-page cache
        image.post.get_absolute_url(),
        "/profile/",
    ]
    for path in private_pages:
        status, headers, _body = get(asgi_server.url, path, cookie)
        assert status == 200, path
        policy = {part.strip() for part in headers["cache-control"].split(",")}
        assert {"private", "no-store"} <= policy, (path, headers["cache-control"])
    for path, who in [("/accounts/login/", None), (group.get_absolute_url(), None), ("/", cookie)]:
        _status, headers, _body = get(asgi_server.url, path, who or "")
        permissions = headers["permissions-policy"]
        for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
            assert feature in permissions, (path, permissions)


@pytest.mark.parametrize(
    ("origin", "accepted"),
    [
        ("{own}", True),
        ("http://127.0.0.1:9999", False),  # another port of the same host
        ("https://{host}", False),  # another scheme
        ("http://localhost:{port}", False),  # another host name for the same server
        ("http://evil.example.com", False),
        ("null", False),
    ],
)
def test_a_socket_opens_only_from_a_page_of_this_very_origin(
    origin: str, accepted: bool, asgi_server: AsgiServer, world: dict[str, Any]
) -> None:
    parts = urlsplit(asgi_server.url)
    origin = origin.format(own=asgi_server.url, host=parts.netloc, port=parts.port)
    cookie = session_cookie(world["people"]["member"])
    path = f"/ws/groups/{world['group'].slug}/"
    assert socket_accepted(asgi_server.url, path, cookie, origin) is accepted


def test_probe_helpers_cover_every_spelling_the_audit_listed() -> None:
    # The audit's table: a doubled slash, "./", "%2e" and "x/..", and the issue's
    # "%2f", "%5c", upper case and trailing dots.
    listed = ["//", "/./", "%2e/", "x/../", "%2f", "%5c", "POSTS", "."]
    joined = "\n".join(PATH_SPELLINGS)
    assert all(piece in joined for piece in listed)
