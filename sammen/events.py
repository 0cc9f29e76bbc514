"""Real-time events: the one helper services use to publish after commit.

Events carry only a type and ids. Consumers re-fetch from the database and
re-check the viewer's permission before they render anything; the channel
layer is a signal that may drop, never the source of truth.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def group_channel_name(group_id: int) -> str:
    return f"group-{group_id}"


def moderation_channel_name(group_id: int) -> str:
    """A group's moderators and administrators (the review queue's counts)."""
    return f"moderation-{group_id}"


def user_channel_name(user_id: int) -> str:
    return f"user-{user_id}"


def session_channel_name(session_key: str) -> str:
    """One login session (one browser). Hashed: channel names are not secret."""
    return "session-" + hashlib.sha256(session_key.encode()).hexdigest()[:32]


# The server's event loop, when the channel layer lives in this process's memory
# (the embedded default): a send from a plain thread, such as the in-process
# scheduler, must run on that loop to wake the consumers waiting there.
_server_loop: asyncio.AbstractEventLoop | None = None


def bind_server_loop(loop: asyncio.AbstractEventLoop) -> None:
    global _server_loop
    _server_loop = loop


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


# Outside a server (a Celery worker, a management command) async_to_sync would
# start a new event loop for every send, and the Redis layer would connect
# afresh each time (~6 ms per event when the weekly plan publishes a backlog).
# One loop in a daemon thread per process keeps its connections instead.
_publisher_loop: asyncio.AbstractEventLoop | None = None
_publisher_pid = 0
_publisher_lock = threading.Lock()


def _publisher() -> asyncio.AbstractEventLoop:
    global _publisher_loop, _publisher_pid
    with _publisher_lock:
        if _publisher_loop is None or _publisher_pid != os.getpid():  # new, or forked
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="sammen-events", daemon=True).start()
            _publisher_loop, _publisher_pid = loop, os.getpid()
        return _publisher_loop


def _in_server_thread() -> bool:
    """A sync view under the ASGI server: async_to_sync already uses its loop."""
    return getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) == os.getpid()


def _run(layer: Any, make: Callable[[], Coroutine[Any, Any, Any]]) -> None:
    """Run a coroutine of the channel layer on the loop it belongs to."""
    loop = _server_loop
    if loop is not None and loop.is_running() and _running_loop() is not loop:
        asyncio.run_coroutine_threadsafe(make(), loop).result(timeout=10)
        return
    in_memory = type(layer).__name__ == "InMemoryChannelLayer"
    if not in_memory and _running_loop() is None and not _in_server_thread():
        asyncio.run_coroutine_threadsafe(make(), _publisher()).result(timeout=10)
        return

    async def call() -> Any:
        return await make()

    async_to_sync(call)()


def _group_send(layer: Any, channel_group: str, message: dict[str, Any]) -> None:
    _run(layer, lambda: layer.group_send(channel_group, message))


def publish(channel_group: str, event_type: str, **ids: Any) -> None:
    """Send `{"type": "sammen.event", "event": event_type, **ids}` once the
    surrounding transaction commits; nothing is sent if it rolls back."""
    message = {"type": "sammen.event", "event": event_type, **ids}

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            _group_send(layer, channel_group, message)
        except Exception:
            # The database already holds the change; clients catch up on reconnect.
            logger.exception("Could not publish %s to %s", event_type, channel_group)

    transaction.on_commit(send)


def publish_many(events: Iterable[tuple[str, str, dict[str, Any]]]) -> None:
    """publish() for many channel groups at once (a new post telling a
    thousand bells): after commit, every send goes out together instead of
    one after another, and a send that fails does not stop the others."""
    messages = [
        (group, {"type": "sammen.event", "event": event_type, **ids})
        for group, event_type, ids in events
    ]
    if not messages:
        return

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return

        async def send_all() -> None:
            if await _pipelined(layer, messages):
                return
            results = await asyncio.gather(
                *(layer.group_send(group, message) for group, message in messages),
                return_exceptions=True,
            )
            failed = sum(1 for r in results if isinstance(r, BaseException))
            if failed:
                logger.error("Could not publish %d of %d events", failed, len(messages))

        try:
            _run(layer, send_all)
        except Exception:
            logger.exception("Could not publish %d events", len(messages))

    transaction.on_commit(send)


async def _pipelined(layer: Any, messages: list[tuple[str, dict[str, Any]]]) -> bool:
    """With channels-redis' pub/sub layer (the deployments' layer): every
    PUBLISH of a batch in one Redis pipeline per shard. Its group_send takes
    a lock and a round trip per message, so a thousand bells queued behind
    each other for a quarter of a second (bench/notify.py). This reaches into
    the layer's shards (channels-redis is pinned; tests/integration/
    test_realtime.py runs it); any other layer, or a change there, falls back
    to one group_send each. False: not sent, use the fallback."""
    get_layer = getattr(type(layer), "_get_layer", None)
    if get_layer is None:
        return False
    loop_layer = layer._get_layer()
    shard_of = getattr(loop_layer, "_get_shard", None)
    name_of = getattr(loop_layer, "_get_group_channel_name", None)
    if shard_of is None or name_of is None:
        return False
    by_shard: dict[Any, list[tuple[str, bytes]]] = {}
    for group, message in messages:
        channel = name_of(group)
        by_shard.setdefault(shard_of(channel), []).append((channel, layer.serialize(message)))
    for shard, items in by_shard.items():
        if not all(hasattr(shard, attr) for attr in ("_lock", "_ensure_redis", "_redis")):
            return False
        async with shard._lock:
            shard._ensure_redis()
            async with shard._redis.pipeline(transaction=False) as pipe:
                for channel, data in items:
                    pipe.publish(channel, data)
                await pipe.execute()
    return True
