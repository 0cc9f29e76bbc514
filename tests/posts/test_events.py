"""Services publish after commit only: the FeedEvent row is written in the
same transaction as the change, the channel-layer signal leaves after commit,
and a rollback leaves neither."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db import transaction

from accounts.models import User
from groups.models import Group
from posts import services
from posts.models import Comment, FeedEvent, Post, Reaction
from sammen.events import group_channel_name

pytestmark = pytest.mark.django_db(transaction=True)


async def _receive(layer: Any, channel: str, timeout: float) -> dict[str, Any] | None:
    try:
        return await asyncio.wait_for(layer.receive(channel), timeout)  # type: ignore[no-any-return]
    except TimeoutError:
        return None


@pytest.fixture
def listen(in_memory_channel_layer: Any, group: Group) -> Callable[..., dict[str, Any] | None]:
    """A test channel in the group's channel group; call for the next message
    (None when nothing arrives in time)."""
    layer = in_memory_channel_layer
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group_channel_name(group.pk), channel)

    def receive(timeout: float = 0.2) -> dict[str, Any] | None:
        return async_to_sync(_receive)(layer, channel, timeout)

    return receive


def test_comment_event_is_stored_in_the_transaction_and_sent_after_commit(
    listen: Any, member: User, post: Post
) -> None:
    while listen(0.05) is not None:  # drain what setting up the post sent
        pass

    with transaction.atomic():
        comment = services.comment_create(actor=member, post=post, body="Flot!")
        event = FeedEvent.objects.get(kind="comment.created")
        assert (event.post_ref, event.comment_ref) == (post.pk, comment.pk)
        assert listen() is None  # not before commit

    message = listen()
    assert message == {"type": "sammen.event", "event": "comment.created", "event_id": event.pk}
    assert listen() is None  # exactly once


@pytest.mark.parametrize(
    "action",
    ["post_create", "post_update", "post_delete", "comment_create", "reaction_set"],
)
def test_every_write_is_signalled_only_after_commit(
    action: str, listen: Any, member: User, author: User, group: Group, post: Post
) -> None:
    while listen(0.05) is not None:
        pass
    before = FeedEvent.objects.count()
    calls: dict[str, Callable[[], Any]] = {
        "post_create": lambda: services.post_create(actor=member, group=group, body="Nyt"),
        "post_update": lambda: services.post_update(
            actor=author, post=post, body="Rettet", theme=""
        ),
        "post_delete": lambda: services.post_delete(actor=author, post=post),
        "comment_create": lambda: services.comment_create(actor=member, post=post, body="Hej"),
        "reaction_set": lambda: services.reaction_set(actor=member, post=post, kind="hug"),
    }
    with transaction.atomic():
        calls[action]()
        assert FeedEvent.objects.count() == before + 1
        assert listen() is None
    newest = FeedEvent.objects.latest("id")
    message = listen()
    assert message is not None
    assert message["event_id"] == newest.pk
    assert message["event"] == newest.kind


def test_rollback_sends_nothing_and_leaves_no_event(listen: Any, member: User, post: Post) -> None:
    while listen(0.05) is not None:
        pass
    events_before = FeedEvent.objects.count()

    with pytest.raises(RuntimeError), transaction.atomic():
        services.comment_create(actor=member, post=post, body="Fortrudt")
        services.reaction_set(actor=member, post=post, kind="love")
        assert FeedEvent.objects.count() == events_before + 2
        raise RuntimeError("something later in the request failed")

    assert listen() is None
    assert FeedEvent.objects.count() == events_before
    assert not Comment.objects.exists()
    assert not Reaction.objects.exists()
    post.refresh_from_db()
    assert (post.comment_count, post.reaction_count) == (0, 0)


def test_failed_post_create_sends_nothing_and_leaves_no_event(
    listen: Any, member: User, group: Group
) -> None:
    while listen(0.05) is not None:
        pass
    with pytest.raises(RuntimeError), transaction.atomic():
        services.post_create(actor=member, group=group, body="Forsvinder")
        raise RuntimeError
    assert listen() is None
    assert not FeedEvent.objects.exists()
    assert not Post.objects.exists()


def test_pending_post_records_no_event_and_sends_nothing(
    listen: Any, member: User, group: Group
) -> None:
    while listen(0.05) is not None:
        pass
    services.post_create(actor=member, group=group, body="Afventer", state="pending")
    assert listen() is None
    assert not FeedEvent.objects.exists()


def test_event_carries_only_ids(listen: Any, member: User, post: Post) -> None:
    while listen(0.05) is not None:
        pass
    services.comment_create(actor=member, post=post, body="Meget privat tekst")
    message = listen()
    assert message is not None
    assert set(message) == {"type", "event", "event_id"}
    assert "privat" not in repr(message)
