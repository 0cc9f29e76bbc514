"""The live page socket: a group feed, a sub-group feed, or one post.

Connect is refused (4403) for anyone who may not read that page. Events on
the group's channel carry only a FeedEvent id; each is re-read and rendered
for this socket's own user (posts.live). On (re)connect the client sends
{"type": "resume", "last_event_id": N} and receives what it missed, straight
from the database.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.conf import settings

from groups import permissions as group_perms
from groups.consumers import CLOSE_BAD_MESSAGE, CLOSE_FORBIDDEN, GroupConsumer
from groups.models import Group, SubGroup
from posts import permissions as perms
from posts import selectors
from posts.live import View, render_event
from posts.models import FeedEvent, Post, Theme

REPLAY_LIMIT = 200


class LiveConsumer(GroupConsumer):
    view: View | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        kwargs = self.scope["url_route"]["kwargs"]
        resolved = await self._resolve(user, kwargs)
        if resolved is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group_obj, self.view = resolved
        self.group_id = self.group_obj.pk
        headers = dict(self.scope.get("headers") or [])
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get(b"cookie", b"").decode("latin-1"))
        except Exception:
            cookie = SimpleCookie()
        self.csrf_secret = (
            cookie[settings.CSRF_COOKIE_NAME].value if settings.CSRF_COOKIE_NAME in cookie else None
        )
        chosen = (
            cookie[settings.LANGUAGE_COOKIE_NAME].value
            if settings.LANGUAGE_COOKIE_NAME in cookie
            else ""
        )
        self.language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        await self._join_channels(user)
        await self.accept()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "resume":
            last = content.get("last_event_id")
            if not isinstance(last, int) or isinstance(last, bool) or last < 0:
                await self.close(code=CLOSE_BAD_MESSAGE)
                return
            for message in await self._replay(last):
                await self.send_json(message)
            return
        await super().receive_json(content, **kwargs)

    async def sammen_event(self, event: dict[str, Any]) -> None:
        kind = event.get("event", "")
        if kind.startswith(("membership.", "session.")):
            await super().sammen_event(event)
            return
        event_id = event.get("event_id")
        if not isinstance(event_id, int):
            return
        message = await self._render(event_id)
        if message is not None:
            await self.send_json(message)

    # --- database work, off the event loop --------------------------------------

    @database_sync_to_async
    def _still_member(self, user: Any) -> bool:
        """After a membership change: may this user still read this page?"""
        group_perms.forget_memberships(user)
        kwargs = self.scope["url_route"]["kwargs"]
        return self._resolve_sync(user, kwargs) is not None

    @database_sync_to_async
    def _resolve(self, user: Any, kwargs: dict[str, Any]) -> tuple[Group, View] | None:
        return self._resolve_sync(user, kwargs)

    def _resolve_sync(self, user: Any, kwargs: dict[str, Any]) -> tuple[Group, View] | None:
        group = Group.objects.filter(slug=kwargs.get("group_slug", "")).first()
        if group is None or not group_perms.can_view_content(user, group):
            return None
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        theme = (query.get("tema") or [""])[0]
        theme = theme if theme in Theme.values else ""
        if "subgroup_slug" in kwargs:
            sub = SubGroup.objects.filter(group=group, slug=kwargs["subgroup_slug"]).first()
            if sub is None or not perms.can_read_place(user, group, sub):
                return None
            return group, View(
                group.pk, subgroup_id=sub.pk, theme=theme, path=sub.get_absolute_url()
            )
        if "post_id" in kwargs:
            post = (
                Post.objects.select_related("group", "subgroup")
                .filter(group=group, pk=kwargs["post_id"])
                .first()
            )
            if post is None or not perms.can_view_post(user, post):
                return None
            return group, View(group.pk, post_id=post.pk, path=post.get_absolute_url())
        return group, View(group.pk, theme=theme, path=group.get_absolute_url())

    def _render_sync(self, event: FeedEvent) -> dict[str, Any] | None:
        user = self.scope.get("user")
        group_perms.forget_memberships(user)
        assert self.view is not None
        return render_event(
            viewer=user,
            group=self.group_obj,
            event=event,
            view=self.view,
            csrf_secret=self.csrf_secret,
            language=self.language,
        )

    @database_sync_to_async
    def _render(self, event_id: int) -> dict[str, Any] | None:
        event = FeedEvent.objects.filter(pk=event_id, group_id=self.group_id or 0).first()
        if event is None:
            return None
        return self._render_sync(event)

    @database_sync_to_async
    def _replay(self, last_id: int) -> list[dict[str, Any]]:
        events = selectors.events_after(
            group=self.group_obj, after_id=last_id, limit=REPLAY_LIMIT + 1
        )
        if len(events) > REPLAY_LIMIT:
            # Too much missed: a fresh page load is quicker than a replay.
            return [{"reload": True, "ops": []}]
        out = []
        for event in events:
            message = self._render_sync(event)
            if message is not None and message["ops"]:
                out.append(message)
        if events and (not out or out[-1]["event_id"] != events[-1].pk):
            out.append({"event_id": events[-1].pk, "ops": []})
        return out
