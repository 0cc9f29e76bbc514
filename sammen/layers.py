"""The deployments' channel layer: channels-redis' pub/sub layer that tells
this process's consumers when its Redis connection was lost and is back.

Redis pub/sub keeps nothing for a subscriber that is away: every event
published while the connection was down (Redis restarting, a network fault)
is gone, though the sockets themselves stayed open and their pages never
learn they missed something. redis-py reconnects the subscription by itself;
on each reconnect this layer puts `{"type": "sammen.resync"}` in the queue of
every consumer of the process, after the channels are subscribed again, and
each consumer catches its page up from the database (posts.consumers:
replayed from the last event it sent). Whatever is published from then on
arrives as usual, so nothing falls between the two.

channels-redis is pinned (pyproject.toml); tests/integration/test_faults.py
stops a real Redis under live sockets to hold this to it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from channels_redis.pubsub import (
    RedisPubSubChannelLayer,
    RedisPubSubLoopLayer,
    RedisSingleShardConnection,
)
from channels_redis.utils import _wrap_close, decode_hosts
from redis.asyncio.client import PubSub

logger = logging.getLogger(__name__)

RESYNC = {"type": "sammen.resync"}


class _TellingPubSub(PubSub):
    """redis-py's PubSub, which re-subscribes in on_connect after a lost
    connection (never on the first connection), and then tells its shard."""

    reconnected: Any = None

    async def on_connect(self, connection: Any) -> None:
        await super().on_connect(connection)
        if self.reconnected is not None:
            self.reconnected()


class _Shard(RedisSingleShardConnection):
    def _ensure_redis(self) -> None:
        fresh = self._redis is None
        super()._ensure_redis()
        if fresh:
            pubsub = _TellingPubSub(
                self._redis.connection_pool,
                event_dispatcher=getattr(self._redis, "_event_dispatcher", None),
            )
            pubsub.reconnected = self._resync
            self._pubsub = pubsub

    def _resync(self) -> None:
        layer = self.channel_layer
        channels = list(layer.channels.values())
        logger.warning(
            "Channel layer reconnected to Redis: %d consumer(s) catch up from the database",
            len(channels),
        )
        message = layer.channel_layer.serialize(RESYNC)
        for queue in channels:
            queue.put_nowait(message)


class _LoopLayer(RedisPubSubLoopLayer):
    def __init__(self, hosts: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(hosts, *args, **kwargs)
        self._shards = [_Shard(host, self) for host in decode_hosts(hosts)]


class ResyncingPubSubChannelLayer(RedisPubSubChannelLayer):
    """RedisPubSubChannelLayer whose consumers are sent `sammen.resync` after
    the layer lost its connection to Redis and made it again."""

    def _get_layer(self) -> Any:
        loop = asyncio.get_running_loop()
        try:
            return self._layers[loop]
        except KeyError:
            layer = _LoopLayer(*self._args, **self._kwargs, channel_layer=self)
            self._layers[loop] = layer
            _wrap_close(self, loop)
            return layer
