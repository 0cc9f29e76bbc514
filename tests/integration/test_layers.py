"""sammen.layers on a real Redis of the test's own, stopped and started again
under a subscribed consumer: the consumer is told to catch up
("sammen.resync"), and its subscriptions work again."""

from __future__ import annotations

import asyncio
from pathlib import Path

from asgiref.sync import async_to_sync
from redis.exceptions import ConnectionError

from sammen.layers import RESYNC, ResyncingPubSubChannelLayer

from .faults_support import PrivateRedis


def test_after_redis_came_back_each_consumer_is_told_to_catch_up(tmp_path: Path) -> None:
    redis = PrivateRedis(tmp_path)
    redis.start()
    layer = ResyncingPubSubChannelLayer(hosts=[{"address": redis.url()}])

    async def scenario() -> None:
        channel = await layer.new_channel()
        await layer.group_add("fejl", channel)
        await layer.group_send("fejl", {"type": "før"})
        assert await asyncio.wait_for(layer.receive(channel), 5) == {"type": "før"}

        await asyncio.to_thread(redis.stop)
        await asyncio.sleep(1.5)
        # Sent while Redis is away: gone, as pub/sub keeps nothing.
        await asyncio.to_thread(redis.start)
        assert await asyncio.wait_for(layer.receive(channel), 15) == RESYNC
        # Subscribed again: what is sent now arrives. (The first send may meet
        # the publishing connection Redis closed; the pool then makes a new one.)
        for _attempt in range(3):
            try:
                await layer.group_send("fejl", {"type": "efter"})
                break
            except ConnectionError:
                await asyncio.sleep(0.2)
        assert await asyncio.wait_for(layer.receive(channel), 5) == {"type": "efter"}
        await layer.flush()

    try:
        async_to_sync(scenario)()
    finally:
        redis.stop()
