"""The group socket: a member's live connection to one group.

Connect is refused (close code 4403) for anyone who may not read the group.
A socket whose user leaves, is removed or banned is closed at once; the posts
issue adds the content events on the same channel group.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from groups import permissions as perms
from groups.models import Group
from sammen.events import group_channel_name, session_channel_name, user_channel_name
from sammen.websocket import still_signed_in

CLOSE_FORBIDDEN = 4403
CLOSE_BAD_MESSAGE = 4400
MAX_MESSAGE_BYTES = 4096


class GroupConsumer(AsyncJsonWebsocketConsumer):
    group_id: int | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        slug = self.scope["url_route"]["kwargs"]["group_slug"]
        group = await self._readable_group(user, slug)
        if group is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group_id = group.pk
        await self._join_channels(user)
        await self.accept()

    async def _join_channels(self, user: Any) -> None:
        assert self.group_id is not None
        self.channel_groups = [group_channel_name(self.group_id), user_channel_name(user.pk)]
        session = self.scope.get("session")
        if session is not None and getattr(session, "session_key", None):
            self.channel_groups.append(session_channel_name(session.session_key))
        for name in self.channel_groups:
            await self.channel_layer.group_add(name, self.channel_name)

    async def disconnect(self, code: int) -> None:
        for name in getattr(self, "channel_groups", []):
            await self.channel_layer.group_discard(name, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if bytes_data is not None or text_data is None or len(text_data) > MAX_MESSAGE_BYTES:
            await self.close(code=CLOSE_BAD_MESSAGE)
            return
        await super().receive(text_data=text_data)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or content.get("type") != "ping":
            await self.close(code=CLOSE_BAD_MESSAGE)
            return
        await self.send_json({"type": "pong"})

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        try:
            return await super().decode_json(text_data)
        except ValueError:
            return None

    async def sammen_event(self, event: dict[str, Any]) -> None:
        """Every event is re-checked against the database for this viewer."""
        user = self.scope.get("user")
        if event.get("event") == "session.ended":
            # The person logged out in this browser: nothing more for this socket.
            await self.close(code=CLOSE_FORBIDDEN)
            return
        mine = event.get("user_id") == getattr(user, "pk", None)
        this_group = event.get("group_id") == self.group_id
        if (
            event.get("event") == "membership.removed"
            and (mine or this_group)
            and not await self._still_member(user)
        ):
            await self.close(code=CLOSE_FORBIDDEN)

    async def sammen_resync(self, message: dict[str, Any]) -> None:
        """The channel layer lost Redis for a while (sammen.layers): what was
        published meanwhile is gone, a logout or a removal among it. Check
        again from the database, then let the page catch up."""
        user = self.scope.get("user")
        if not await still_signed_in(self.scope) or not await self._still_member(user):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.catch_up()

    async def catch_up(self) -> None:
        """Bring the page up to date after missed events (subclasses)."""

    @database_sync_to_async
    def _readable_group(self, user: Any, slug: str) -> Group | None:
        group = Group.objects.filter(slug=slug).first()
        if group is None or not perms.can_view_content(user, group):
            return None
        return group

    @database_sync_to_async
    def _still_member(self, user: Any) -> bool:
        if self.group_id is None:
            return False
        group = Group.objects.filter(pk=self.group_id).first()
        perms.forget_memberships(user)
        return group is not None and perms.can_view_content(user, group)
