"""GroupConsumer: who may hold a live socket to a group, and losing it.

pytest-asyncio is not installed: each test runs one async scenario with
`async_to_sync`, so the communicator, the consumer and the channel layer share
one event loop, while database work hops back to the test's thread.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from accounts.models import User
from groups import services
from groups.consumers import CLOSE_BAD_MESSAGE, CLOSE_FORBIDDEN
from groups.models import Group
from sammen.routing import websocket_urlpatterns

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("in_memory_channel_layer"),
]


def as_user(user: User | None) -> Any:
    """The real WebSocket routes, with scope["user"] set as the session
    middleware would set it."""
    router = URLRouter(websocket_urlpatterns)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> Any:
        return await router({**scope, "user": user or AnonymousUser()}, receive, send)

    return app


def socket(user: User | None, group: Group) -> WebsocketCommunicator:
    return WebsocketCommunicator(as_user(user), f"/ws/groups/{group.slug}/")


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    async_to_sync(scenario)()


@pytest.mark.parametrize("role", ["member", "moderator", "staff", "admin"])
def test_group_member_connects_and_gets_pong(
    role: str, request: pytest.FixtureRequest, group: Group
) -> None:
    user = request.getfixturevalue(role)

    async def scenario() -> None:
        ws = socket(user, group)
        connected, _ = await ws.connect()
        assert connected
        await ws.send_json_to({"type": "ping"})
        assert await ws.receive_json_from() == {"type": "pong"}
        await ws.disconnect()

    run(scenario)


@pytest.mark.parametrize("role", ["anonymous", "outsider", "pending", "banned"])
def test_non_member_is_refused_with_4403(
    role: str, request: pytest.FixtureRequest, group: Group
) -> None:
    user = request.getfixturevalue(role)

    async def scenario() -> None:
        connected, code = await socket(user, group).connect()
        assert (connected, code) == (False, CLOSE_FORBIDDEN)

    run(scenario)


def test_unknown_group_is_refused_like_a_forbidden_one(member: User) -> None:
    async def scenario() -> None:
        connected, code = await socket(member, Group(slug="findes-ikke")).connect()
        assert (connected, code) == (False, CLOSE_FORBIDDEN)

    run(scenario)


def test_member_removed_by_admin_is_disconnected(admin: User, member: User, group: Group) -> None:
    async def scenario() -> None:
        ws = socket(member, group)
        assert (await ws.connect())[0]

        await database_sync_to_async(services.membership_remove)(
            actor=admin, group=group, user_id=member.pk
        )

        assert await ws.receive_output(timeout=2) == {
            "type": "websocket.close",
            "code": CLOSE_FORBIDDEN,
        }

    run(scenario)


def test_member_banned_by_admin_is_disconnected(admin: User, member: User, group: Group) -> None:
    async def scenario() -> None:
        ws = socket(member, group)
        assert (await ws.connect())[0]

        await database_sync_to_async(services.membership_ban)(
            actor=admin, group=group, user_id=member.pk
        )

        assert await ws.receive_output(timeout=2) == {
            "type": "websocket.close",
            "code": CLOSE_FORBIDDEN,
        }

    run(scenario)


def test_other_members_stay_connected_when_someone_is_removed(
    admin: User, member: User, moderator: User, group: Group
) -> None:
    async def scenario() -> None:
        stays = socket(moderator, group)
        goes = socket(member, group)
        assert (await stays.connect())[0]
        assert (await goes.connect())[0]

        await database_sync_to_async(services.membership_remove)(
            actor=admin, group=group, user_id=member.pk
        )

        assert (await goes.receive_output(timeout=2))["code"] == CLOSE_FORBIDDEN
        assert await stays.receive_nothing(timeout=0.3)
        await stays.send_json_to({"type": "ping"})
        assert await stays.receive_json_from() == {"type": "pong"}
        await stays.disconnect()

    run(scenario)


@pytest.mark.parametrize("message", ['{"type": "shout"}', "not json", "x" * 5000])
def test_unexpected_message_closes_the_socket(message: str, member: User, group: Group) -> None:
    async def scenario() -> None:
        ws = socket(member, group)
        assert (await ws.connect())[0]
        await ws.send_to(text_data=message)
        assert await ws.receive_output(timeout=2) == {
            "type": "websocket.close",
            "code": CLOSE_BAD_MESSAGE,
        }

    run(scenario)


# --- the real ASGI stack: session cookie and origin check ------------------------------


def session_headers(user: User, origin: str) -> list[tuple[bytes, bytes]]:
    client = Client()
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    return [(b"cookie", cookie.encode()), (b"origin", origin.encode()), (b"host", b"testserver")]


@pytest.mark.parametrize(
    ("who", "origin", "accepted"),
    [
        ("member", "http://testserver", True),
        ("outsider", "http://testserver", False),
        ("member", "https://evil.example.com", False),  # another site using our cookie
        ("member", "http://testserver:9999", False),  # another port of the same host
        ("member", "https://testserver", False),  # another scheme
        ("member", "null", False),  # a sandboxed frame or a file
    ],
)
def test_real_asgi_stack_reads_the_session_and_checks_the_origin(
    who: str, origin: str, accepted: bool, request: pytest.FixtureRequest, group: Group
) -> None:
    from sammen.asgi import application

    headers = session_headers(request.getfixturevalue(who), origin)

    async def scenario() -> None:
        ws = WebsocketCommunicator(application, f"/ws/groups/{group.slug}/", headers=headers)
        connected, _ = await ws.connect()
        assert connected is accepted
        if connected:
            await ws.disconnect()

    run(scenario)
