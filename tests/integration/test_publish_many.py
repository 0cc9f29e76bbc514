"""sammen.events.publish_many on the deployments' channel layer (channels-redis
pub/sub, real Redis): a batch goes out in one pipeline per shard and reaches
every group; the fallback is the layer's own group_send."""

from __future__ import annotations

import asyncio
import os

import pytest
from asgiref.sync import async_to_sync
from channels_redis.pubsub import RedisPubSubChannelLayer

from sammen import events


def test_a_batch_reaches_every_group_through_the_pipeline() -> None:
    url = os.environ.get("REDIS_URL", "")
    if not url.startswith("redis"):
        pytest.skip("needs REDIS_URL=redis://… (set by .ci/run)")
    layer = RedisPubSubChannelLayer(hosts=[{"address": url}])

    async def scenario() -> None:
        channels = [await layer.new_channel() for _ in range(5)]
        for i, channel in enumerate(channels):
            await layer.group_add(f"batch-{i}", channel)
        batch = [(f"batch-{i}", {"type": "sammen.event", "n": i}) for i in range(5)]
        assert await events._pipelined(layer, batch)
        got = [await asyncio.wait_for(layer.receive(c), timeout=5) for c in channels]
        assert [m["n"] for m in got] == [0, 1, 2, 3, 4]
        await layer.flush()

    async_to_sync(scenario)()


def test_another_layer_is_left_to_its_own_group_send() -> None:
    from channels.layers import InMemoryChannelLayer

    async def scenario() -> None:
        assert not await events._pipelined(InMemoryChannelLayer(), [("g", {"type": "x"})])

    async_to_sync(scenario)()
