"""sammen.events.publish: nothing leaves before commit, nothing after a rollback."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db import transaction

from sammen.events import group_channel_name, publish

CHANNEL_GROUP = group_channel_name(4711)


async def _receive(layer: Any, channel: str, timeout: float = 0.2) -> dict[str, Any] | None:
    try:
        return await asyncio.wait_for(layer.receive(channel), timeout)
    except TimeoutError:
        return None


@pytest.fixture
def listener(in_memory_channel_layer: Any) -> Any:
    """A channel subscribed to the test group; call it to get the next message or None."""
    layer = in_memory_channel_layer
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(CHANNEL_GROUP, channel)
    return lambda: async_to_sync(_receive)(layer, channel)


@pytest.mark.django_db(transaction=True)
def test_publish_sends_nothing_before_commit_and_the_event_after(listener: Any) -> None:
    with transaction.atomic():
        publish(CHANNEL_GROUP, "comment.created", id=17)
        assert listener() is None

    assert listener() == {"type": "sammen.event", "event": "comment.created", "id": 17}
    assert listener() is None  # exactly once


@pytest.mark.django_db(transaction=True)
def test_publish_sends_nothing_if_the_transaction_rolls_back(listener: Any) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        publish(CHANNEL_GROUP, "comment.created", id=17)
        raise RuntimeError("the write failed")

    assert listener() is None


def test_publish_waits_for_the_outermost_commit(
    db: None, listener: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():  # a savepoint inside the test's transaction
            publish(CHANNEL_GROUP, "post.deleted", id=3)
        assert listener() is None

    assert len(callbacks) == 1
    assert listener() == {"type": "sammen.event", "event": "post.deleted", "id": 3}


@pytest.mark.django_db(transaction=True)
def test_publish_does_not_fail_the_request_when_the_layer_fails(
    in_memory_channel_layer: Any, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    async def broken_group_send(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("redis is gone")

    monkeypatch.setattr(in_memory_channel_layer, "group_send", broken_group_send)

    with transaction.atomic():
        publish(CHANNEL_GROUP, "comment.created", id=1)

    # The committed write is not turned into a 500; the failure is logged.
    assert "Could not publish comment.created" in caplog.text
