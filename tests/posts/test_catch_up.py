"""A live page that missed an event's signal catches up without reconnecting:
from the beat's "feed.sync" (posts.services.live_sync: the group's recent
event ids) and from "sammen.resync" (sammen.layers: the channel layer lost
Redis). The signal is lost here as a killed process loses it: the rows are
committed and nothing is sent."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from accounts.models import User
from groups.consumers import CLOSE_FORBIDDEN
from groups.models import Group
from posts import services
from posts.models import Comment, FeedEvent, Post
from sammen.events import group_channel_name
from tests.posts.test_consumer import connected, html_of, messages_until_quiet, post_path

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("in_memory_channel_layer"),
]


def _unsignalled_comment(author: User, post: Post, body: str) -> Comment:
    """A comment and its event committed, its signal never sent (the process
    that wrote them died after the commit)."""
    comment = Comment.objects.create(
        post=post, author=author, body=body, body_html=f"<p>{body}</p>"
    )
    FeedEvent.objects.create(
        kind="comment.created",
        actor=author,
        group=post.group,
        post=post,
        comment=comment,
        post_ref=post.pk,
        comment_ref=comment.pk,
        created_at=timezone.now(),
    )
    return comment


def _latest() -> int:
    return int(FeedEvent.objects.latest("id").pk)


def test_a_signal_lost_after_the_commit_reaches_the_page_with_the_next_live_sync(
    member: User, author: User, group: Group, post: Post
) -> None:
    seen = _latest()

    async def scenario() -> None:
        ws = await connected(member, post_path(post))
        await ws.send_json_to({"type": "resume", "last_event_id": seen})
        assert await ws.receive_nothing(timeout=0.3)
        lost = await database_sync_to_async(_unsignalled_comment)(author, post, "Tabt signal")
        assert await ws.receive_nothing(timeout=0.3)
        assert await database_sync_to_async(services.live_sync)() >= 1
        message = await ws.receive_json_from(timeout=5)
        assert f'id="comment-{lost.pk}"' in html_of(message) and "Tabt signal" in html_of(message)
        # Handled now: the next sync sends nothing again.
        await database_sync_to_async(services.live_sync)()
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()

    async_to_sync(scenario)()


def test_live_sync_sends_nothing_to_a_page_that_missed_nothing(
    member: User, author: User, group: Group, post: Post
) -> None:
    seen = _latest()

    async def scenario() -> None:
        ws = await connected(member, post_path(post))
        await ws.send_json_to({"type": "resume", "last_event_id": seen})
        await database_sync_to_async(services.comment_create)(
            actor=author, post=post, body="Med signal"
        )
        assert await messages_until_quiet(ws)  # delivered live
        await database_sync_to_async(services.live_sync)()
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()

    async_to_sync(scenario)()


def test_a_page_that_missed_too_much_for_a_replay_is_asked_to_reload(
    member: User, author: User, group: Group, post: Post, monkeypatch: pytest.MonkeyPatch
) -> None:
    from posts import consumers

    monkeypatch.setattr(consumers, "REPLAY_LIMIT", 2)
    seen = _latest()

    async def scenario() -> None:
        ws = await connected(member, post_path(post))
        await ws.send_json_to({"type": "resume", "last_event_id": seen})
        assert await ws.receive_nothing(timeout=0.3)
        for n in range(3):
            await database_sync_to_async(_unsignalled_comment)(author, post, f"nr. {n}")
        await database_sync_to_async(services.live_sync)()
        assert await ws.receive_json_from(timeout=5) == {"reload": True, "ops": []}
        await ws.disconnect()

    async_to_sync(scenario)()


def test_after_the_layer_reconnected_the_page_gets_what_was_published_meanwhile(
    member: User, author: User, group: Group, post: Post
) -> None:
    seen = _latest()

    async def scenario() -> None:
        ws = await connected(member, post_path(post))
        await ws.send_json_to({"type": "resume", "last_event_id": seen})
        assert await ws.receive_nothing(timeout=0.3)
        lost = await database_sync_to_async(_unsignalled_comment)(author, post, "Mens Redis sov")
        # What sammen.layers puts in every consumer's queue after a reconnect.
        await get_channel_layer().group_send(
            group_channel_name(group.pk), {"type": "sammen.resync"}
        )
        replayed = await messages_until_quiet(ws)
        assert any(f'id="comment-{lost.pk}"' in html_of(m) for m in replayed), replayed
        await ws.disconnect()

    async_to_sync(scenario)()


def test_after_the_layer_reconnected_a_socket_whose_session_ended_meanwhile_closes(
    member: User, post: Post
) -> None:
    from sammen.asgi import application

    browser = Client()
    browser.force_login(member)
    headers = [
        (b"cookie", f"sessionid={browser.cookies['sessionid'].value}".encode()),
        (b"origin", b"http://testserver"),
        (b"host", b"testserver"),
    ]

    def end_sessions_silently() -> None:
        # Logged out everywhere while the "session.ended" signal was lost.
        Session.objects.all().delete()
        cache.clear()

    async def scenario() -> None:
        ws = WebsocketCommunicator(application, post_path(post), headers=headers)
        assert (await ws.connect())[0]
        await ws.send_json_to({"type": "resume", "last_event_id": 10**9})
        await database_sync_to_async(end_sessions_silently)()
        await get_channel_layer().group_send(
            group_channel_name(post.group_id), {"type": "sammen.resync"}
        )
        assert await ws.receive_output(timeout=2) == {
            "type": "websocket.close",
            "code": CLOSE_FORBIDDEN,
        }

    async_to_sync(scenario)()


def test_id_ranges_are_runs_of_consecutive_ids() -> None:
    assert services.id_ranges([]) == []
    assert services.id_ranges([4, 5, 6, 9, 11, 12]) == [[4, 6], [9, 9], [11, 12]]
