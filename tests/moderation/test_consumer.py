"""The review queue's socket: who may hold it, and live counts."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from groups.consumers import CLOSE_FORBIDDEN
from groups.models import Group
from moderation.models import FlagReason
from posts.models import Post
from sammen.routing import websocket_urlpatterns

from .conftest import flag

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("in_memory_channel_layer"),
]


def socket(user: User | None, group: Group) -> WebsocketCommunicator:
    router = URLRouter(websocket_urlpatterns)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> Any:
        return await router({**scope, "user": user or AnonymousUser()}, receive, send)

    return WebsocketCommunicator(app, f"/ws/groups/{group.slug}/moderation/")


@pytest.mark.parametrize("role", ["anonymous", "outsider", "pending", "banned", "member"])
def test_queue_socket_is_refused_to_non_moderators(
    role: str, request: pytest.FixtureRequest, group: Group
) -> None:
    user = None if role == "anonymous" else request.getfixturevalue(role)

    async def scenario() -> None:
        ws = socket(user, group)
        connected, code = await ws.connect()
        assert not connected and code == CLOSE_FORBIDDEN

    async_to_sync(scenario)()


def test_queue_counts_update_live_for_a_moderator(
    group: Group, moderator: User, post: Post, member: User
) -> None:
    async def scenario() -> None:
        ws = socket(moderator, group)
        connected, _ = await ws.connect()
        assert connected
        await ws.send_json_to({"type": "resume", "last_event_id": 0})
        first = await ws.receive_json_from()
        assert {"op": "text", "target": "#queue-open-count", "html": "0"} in first["ops"]
        await database_sync_to_async(flag)(member, post, reason=FlagReason.CONCERN)
        changed = await ws.receive_json_from(timeout=5)
        assert {"op": "text", "target": "#queue-open-count", "html": "1"} in changed["ops"]
        assert {"op": "text", "target": "#queue-concern-count", "html": "1"} in changed["ops"]
        await ws.disconnect()

    async_to_sync(scenario)()


def test_staff_get_only_the_concern_count(group: Group, staff: User) -> None:
    async def scenario() -> None:
        ws = socket(staff, group)
        connected, _ = await ws.connect()
        assert connected
        await ws.send_json_to({"type": "resume", "last_event_id": 0})
        message = await ws.receive_json_from()
        targets = [op["target"] for op in message["ops"]]
        assert targets == ["#queue-concern-count"]
        await ws.disconnect()

    async_to_sync(scenario)()


def test_a_post_hidden_by_flags_leaves_members_pages_live_and_returns_on_approval(
    group: Group, post: Post, member: User, author: User, moderator: User, flaggers: list[User]
) -> None:
    from moderation import services
    from moderation.models import Case

    from .conftest import POST_TEXT

    async def scenario() -> None:
        path = f"/ws/groups/{group.slug}/"
        ws_member = WebsocketCommunicator(_as(member), path)
        ws_author = WebsocketCommunicator(_as(author), path)
        assert (await ws_member.connect())[0] and (await ws_author.connect())[0]
        for person in flaggers[:3]:
            await database_sync_to_async(flag)(person, post)
        hidden = await ws_member.receive_json_from(timeout=5)
        assert hidden["ops"] == [{"op": "remove", "target": f"#post-{post.pk}"}]
        marked = await ws_author.receive_json_from(timeout=5)
        assert "Skjult, afventer gennemgang" in marked["ops"][0]["html"]

        case = await database_sync_to_async(Case.objects.get)(post=post)
        await database_sync_to_async(services.case_approve)(
            actor=moderator, group=group, case_id=case.pk
        )
        back = await ws_member.receive_json_from(timeout=5)
        assert back["ops"][0]["op"] == "prepend"
        assert POST_TEXT in back["ops"][0]["html"]
        for ws in (ws_member, ws_author):
            await ws.disconnect()

    async_to_sync(scenario)()


def _as(user: User) -> Any:
    router = URLRouter(websocket_urlpatterns)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> Any:
        return await router({**scope, "user": user}, receive, send)

    return app
