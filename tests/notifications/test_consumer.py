"""The bell's socket: the unread count on connect and after every change, for
the person's own notifications only."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from groups.models import Group
from notifications import services
from posts import services as post_services
from sammen.routing import websocket_urlpatterns

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("in_memory_channel_layer"),
]


def bell(user: User | None) -> WebsocketCommunicator:
    router = URLRouter(websocket_urlpatterns)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> Any:
        return await router({**scope, "user": user or AnonymousUser()}, receive, send)

    return WebsocketCommunicator(app, "/ws/notifications/")


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    async_to_sync(scenario)()


def test_a_reply_rings_the_authors_bell_and_no_one_elses(
    member: User, staff: User, moderator: User, group: Group
) -> None:
    post = post_services.post_create(actor=member, group=group, body="Ugens gåtur")

    async def scenario() -> None:
        mine, theirs = bell(member), bell(moderator)
        assert (await mine.connect())[0] and (await theirs.connect())[0]
        assert await mine.receive_json_from() == {"unread": 0}
        assert await theirs.receive_json_from() == {"unread": 0}

        await database_sync_to_async(post_services.comment_create)(
            actor=staff, post=post, body="Jeg kommer!"
        )
        assert await mine.receive_json_from(timeout=2) == {"unread": 1}
        assert await theirs.receive_nothing(timeout=0.3)

        await database_sync_to_async(services.notifications_read_all)(actor=member)
        assert await mine.receive_json_from(timeout=2) == {"unread": 0}
        await mine.disconnect()
        await theirs.disconnect()

    run(scenario)


def test_an_anonymous_visitor_gets_no_bell() -> None:
    async def scenario() -> None:
        ws = bell(None)
        connected, code = await ws.connect()
        assert not connected and code == 4403

    run(scenario)


def test_the_bell_only_listens(member: User) -> None:
    async def scenario() -> None:
        ws = bell(member)
        assert (await ws.connect())[0]
        await ws.receive_json_from()
        await ws.send_to(text_data='{"type": "read-all"}')
        assert (await ws.receive_output(timeout=2))["type"] == "websocket.close"

    run(scenario)


def test_the_bell_shows_the_count_the_event_carries_and_never_an_older_one(member: User) -> None:
    from channels.layers import get_channel_layer

    from sammen.events import user_channel_name

    layer = get_channel_layer()
    channel = user_channel_name(member.pk)

    async def ring(unread: int, at: float) -> None:
        await layer.group_send(
            channel,
            {"type": "sammen.event", "event": services.BELL_EVENT, "unread": unread, "at": at},
        )

    async def scenario() -> None:
        mine = bell(member)
        assert (await mine.connect())[0]
        assert await mine.receive_json_from() == {"unread": 0}
        now = time.time()
        await ring(7, now + 5)
        # No database read: the count is the event's.
        assert await mine.receive_json_from(timeout=2) == {"unread": 7}
        await ring(3, now + 1)  # older than the one shown: ignored
        assert await mine.receive_nothing(timeout=0.3)
        await ring(2, now + 9)
        assert await mine.receive_json_from(timeout=2) == {"unread": 2}
        await mine.disconnect()

    run(scenario)


def test_one_post_rings_many_bells_with_one_count_query(
    group: Group, member: User, staff: User
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications.models import Notification

    readers = [member, staff]
    for person in readers:
        Notification.objects.create(recipient=person, kind="case", group=group)
    with CaptureQueriesContext(connection) as ctx:
        services.ring_bells([p.pk for p in readers])
    counting = [q for q in ctx.captured_queries if "notifications_notification" in q["sql"]]
    assert len(counting) == 1
