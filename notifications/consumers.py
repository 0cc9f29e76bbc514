"""The bell's socket (/ws/notifications/): one per open page of a logged-in
person. It listens on the person's own channel and answers every
"notifications.changed" with the unread count: the one the event carries
(read for everyone told in one query after the commit,
notifications.services.ring_bells), else one read from the database. A
dropped signal is mended by the next one or by a page load; a count older
than one already shown is ignored."""

from __future__ import annotations

import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from notifications import selectors
from notifications.services import BELL_EVENT
from sammen.events import session_channel_name, user_channel_name
from sammen.websocket import still_signed_in

CLOSE_FORBIDDEN = 4403


class BellConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.channel_groups = [user_channel_name(user.pk)]
        session = self.scope.get("session")
        if session is not None and getattr(session, "session_key", None):
            self.channel_groups.append(session_channel_name(session.session_key))
        for name in self.channel_groups:
            await self.channel_layer.group_add(name, self.channel_name)
        await self.accept()
        await self._send_count()

    async def disconnect(self, code: int) -> None:
        for name in getattr(self, "channel_groups", []):
            await self.channel_layer.group_discard(name, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        # The bell only listens; anything sent to it closes it.
        await self.close(code=4400)

    async def sammen_event(self, event: dict[str, Any]) -> None:
        if event.get("event") == "session.ended":
            await self.close(code=CLOSE_FORBIDDEN)
        elif event.get("event") == BELL_EVENT:
            if isinstance(event.get("unread"), int):
                at = float(event.get("at") or 0)
                if at >= getattr(self, "shown_at", 0.0):
                    self.shown_at = at
                    await self.send_json({"unread": event["unread"]})
            else:
                await self._send_count()

    async def sammen_resync(self, message: dict[str, Any]) -> None:
        """Events were lost while the channel layer was away from Redis
        (sammen.layers): the count again, unless the session ended meanwhile."""
        if not await still_signed_in(self.scope):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self._send_count()

    async def _send_count(self) -> None:
        self.shown_at = time.time()
        count = await database_sync_to_async(selectors.unread_count)(self.scope["user"], fresh=True)
        await self.send_json({"unread": count})
