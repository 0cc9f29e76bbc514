"""The review queue's socket: live counts for the group's moderators.

Connect is refused (4403) for anyone who may not see the queue. Events carry
only the group id; the counts are re-read from the database, and the
viewer's right to see them re-checked, for every event.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from groups import permissions as group_perms
from groups.consumers import CLOSE_BAD_MESSAGE, CLOSE_FORBIDDEN, GroupConsumer
from groups.models import Group
from moderation import permissions as perms
from moderation import selectors
from sammen.events import moderation_channel_name, session_channel_name, user_channel_name


def _language(scope: dict[str, Any]) -> str:
    headers = dict(scope.get("headers") or [])
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get(b"cookie", b"").decode("latin-1"))
    except Exception:
        return str(settings.LANGUAGE_CODE)
    name = settings.LANGUAGE_COOKIE_NAME
    chosen = cookie[name].value if name in cookie else ""
    return chosen if chosen in dict(settings.LANGUAGES) else str(settings.LANGUAGE_CODE)


class ModerationQueueConsumer(GroupConsumer):
    language = "da"

    async def connect(self) -> None:
        user = self.scope.get("user")
        slug = self.scope["url_route"]["kwargs"]["group_slug"]
        group = await self._queue_group(user, slug)
        if group is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group_id = group.pk
        self.language = _language(self.scope)
        self.channel_groups = [moderation_channel_name(group.pk), user_channel_name(user.pk)]
        session = self.scope.get("session")
        if session is not None and getattr(session, "session_key", None):
            self.channel_groups.append(session_channel_name(session.session_key))
        for name in self.channel_groups:
            await self.channel_layer.group_add(name, self.channel_name)
        await self.accept()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "resume":
            await self._send_counts(changed=False)
        else:
            await self.close(code=CLOSE_BAD_MESSAGE)

    async def sammen_event(self, event: dict[str, Any]) -> None:
        if event.get("event") == "moderation.changed":
            await self._send_counts(changed=True)
            return
        await super().sammen_event(event)

    async def catch_up(self) -> None:
        await self._send_counts(changed=False)

    async def _send_counts(self, *, changed: bool) -> None:
        message = await self._counts_message(self.scope.get("user"), changed)
        if message is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.send_json(message)

    @database_sync_to_async
    def _queue_group(self, user: Any, slug: str) -> Group | None:
        group = Group.objects.filter(slug=slug).first()
        if group is None or not perms.can_view_queue(user, group):
            return None
        return group

    @database_sync_to_async
    def _counts_message(self, user: Any, changed: bool) -> dict[str, Any] | None:
        group = Group.objects.filter(pk=self.group_id or 0).first()
        group_perms.forget_memberships(user)
        if group is None or not perms.can_view_queue(user, group):
            return None
        counts = selectors.queue_counts(group)
        ops = [{"op": "text", "target": "#queue-concern-count", "html": str(counts.concern)}]
        if perms.can_moderate(user, group):
            ops.append({"op": "text", "target": "#queue-open-count", "html": str(counts.open)})
        announce = ""
        if changed:
            with translation.override(self.language):
                note = _("Køen er ændret. Genindlæs siden for at se ændringerne.")
            ops.append({"op": "text", "target": "#queue-live", "html": note})
        return {"ops": ops, "announce": announce}
