"""The live page socket: a group feed, a sub-group feed, or one post.

Connect is refused (4403) for anyone who may not read that page. Events on
the group's channel carry only a FeedEvent id; each is re-read and rendered
for this socket's own user (posts.live). On (re)connect the client sends
{"type": "resume", "last_event_id": N} and receives what it missed, straight
from the database.
"""

from __future__ import annotations

import asyncio
import json
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.conf import settings
from django.core.exceptions import SynchronousOnlyOperation

from groups import permissions as group_perms
from groups.consumers import CLOSE_BAD_MESSAGE, CLOSE_FORBIDDEN, GroupConsumer
from groups.models import Group, SubGroup
from posts import live, selectors
from posts import permissions as perms
from posts.live import Snapshot, View
from posts.models import Post, Theme
from sammen import csrf

REPLAY_LIMIT = 200


_pending: dict[int, asyncio.Future[Snapshot | None]] = {}


async def _snapshot(event_id: int, group_id: int) -> Snapshot | None:
    """One database read per event per process, however many sockets wait."""
    snap = live.cached_snapshot(event_id)
    if snap is None:
        future = _pending.get(event_id)
        if future is None:
            future = asyncio.ensure_future(
                database_sync_to_async(live.load_snapshot)(event_id, group_id)
            )
            _pending[event_id] = future
            future.add_done_callback(lambda _f: _pending.pop(event_id, None))
        snap = await future
    if snap is None or snap.event.group_id != group_id:
        return None
    return snap


_rendering: dict[tuple[Any, ...], asyncio.Future[str]] = {}


async def _message(
    snap: Snapshot, view: View, state: tuple[str, Any], user: Any, language: str
) -> str:
    """One render per distinct message per process, however many sockets wait.

    Every socket of a page wakes for the same event at once; without this each
    would queue its own trip to the database thread only to find the first
    one's render in the cache (a thread hop per socket, most of a fan-out)."""
    message = live.cached_message(snap.event.pk, view, state, language)
    if message is not None:
        return message
    key = (snap.event.pk, view, state, language)
    future = _rendering.get(key)
    if future is None:
        future = asyncio.ensure_future(
            database_sync_to_async(live.render_message)(snap, view, state, user, language)
        )
        _rendering[key] = future
        future.add_done_callback(lambda _f: _rendering.pop(key, None))
    return await future


class LiveConsumer(GroupConsumer):
    view: View | None = None
    # The newest event this page has been sent (or told it missed nothing
    # before), from its "resume" on; None until the page has said where it is.
    last_event_id: int | None = None
    # Where the page said it was, and the events after it handled since.
    resumed_from: int | None = None
    handled: set[int]

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
        secret = (
            cookie[settings.CSRF_COOKIE_NAME].value if settings.CSRF_COOKIE_NAME in cookie else None
        )
        self.csrf_token = csrf.token_for_secret(secret)
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
            self.last_event_id = max(self.last_event_id or 0, last)
            if self.resumed_from is None:
                self.resumed_from, self.handled = last, set()
            await self._replay(last)
            return
        await super().receive_json(content, **kwargs)

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels runs close_old_connections in a thread before every handler.
        # The event handler reaches the database only through
        # database_sync_to_async (which does that itself), and mostly not at all:
        # skipping the extra thread hop per socket per event is a quarter of the
        # fan-out time (py-spy, bench/realtime.py).
        if message.get("type") == "sammen.event":
            await self.sammen_event(message)
            return
        await super().dispatch(message)

    async def sammen_event(self, event: dict[str, Any]) -> None:
        kind = event.get("event", "")
        if kind.startswith(("membership.", "session.")):
            await super().sammen_event(event)
            return
        if kind == "feed.sync":
            await self._fill_gaps(event.get("recent"))
            return
        event_id = event.get("event_id")
        if isinstance(event_id, int):
            await self._deliver(event_id)
            return
        # Many events in one signal (posts.services.record_events: a batch of
        # posts published together), oldest first: each delivered as if alone.
        event_ids = event.get("event_ids")
        if isinstance(event_ids, list):
            for one in event_ids[:REPLAY_LIMIT]:
                if isinstance(one, int) and not isinstance(one, bool):
                    await self._deliver(one)
            if len(event_ids) > REPLAY_LIMIT:
                await self.send_json({"reload": True, "ops": []})

    async def _fill_gaps(self, recent: Any) -> None:
        """The group's recent event ids as [first, last] runs
        (posts.services.live_sync): those after where the page resumed that
        this socket never handled lost their signal on the way, and are
        delivered now, oldest first (too many: the page reloads)."""
        if self.resumed_from is None or not isinstance(recent, list):
            return
        runs = [
            (r[0], r[1])
            for r in recent
            if isinstance(r, list)
            and len(r) == 2
            and all(isinstance(i, int) and not isinstance(i, bool) for i in r)
            and r[1] - r[0] < 100_000
        ]
        missed: list[int] = []
        for first, last in runs:
            for event_id in range(max(first, self.resumed_from + 1), last + 1):
                if event_id not in self.handled:
                    missed.append(event_id)
            if len(missed) > REPLAY_LIMIT:
                await self.send_json({"reload": True, "ops": []})
                return
        for event_id in missed:
            await self._deliver(event_id, always=False)
        if runs:  # older ones will not be asked about again
            oldest = min(first for first, _last in runs)
            self.handled = {i for i in self.handled if i >= oldest}

    async def _deliver(self, event_id: int, *, always: bool = True) -> bool:
        """Send this viewer what the event changes on their page. An event that
        changes nothing here is still acknowledged (`ops: []`) so the page's
        last seen id moves on and a reconnect replays only what matters."""
        assert self.view is not None and self.group_id is not None
        if self.resumed_from is not None:
            self.handled.add(event_id)
        snap = await _snapshot(event_id, self.group_id)
        if snap is None:
            return False
        user = self.scope.get("user")
        try:
            state = live.viewer_state(snap, self.view, user)
        except SynchronousOnlyOperation:
            # Belt and braces: should a predicate ever need a row the event's read
            # did not bring, let it query from a thread instead of failing.
            state = await database_sync_to_async(live.viewer_state)(snap, self.view, user)
        if state is None:
            if always:
                await self.send(text_data=json.dumps({"event_id": event_id, "ops": []}))
                self._sent(event_id)
            return always
        message = await _message(snap, self.view, state, user, self.language)
        await self.send(text_data=csrf.fill_text(message, self.csrf_token))
        self._sent(event_id)
        return True

    def _sent(self, event_id: int) -> None:
        if self.last_event_id is not None and event_id > self.last_event_id:
            self.last_event_id = event_id

    async def catch_up(self) -> None:
        """After events were lost on the way (sammen.layers' resync): what
        this page missed since the last event it was sent, from the database.
        A page that has not said where it is yet will, with its resume."""
        if self.last_event_id is not None:
            await self._replay(self.last_event_id)

    async def _replay(self, last_id: int) -> None:
        events = await database_sync_to_async(selectors.events_after)(
            group=self.group_obj, after_id=last_id, limit=REPLAY_LIMIT + 1
        )
        if len(events) > REPLAY_LIMIT:
            # Too much missed: a fresh page load is quicker than a replay.
            await self.send_json({"reload": True, "ops": []})
            return
        for i, event in enumerate(events):
            # In a replay only the last no-op needs acknowledging.
            await self._deliver(event.pk, always=i == len(events) - 1)

    # --- database work, off the event loop --------------------------------------

    @database_sync_to_async
    def _still_member(self, user: Any) -> bool:
        """After a membership change: may this user still read this page?
        Re-reads (and so re-caches) the viewer's membership rows."""
        group_perms.forget_memberships(user)
        kwargs = self.scope["url_route"]["kwargs"]
        return self._resolve_sync(user, kwargs) is not None

    async def _resolve(self, user: Any, kwargs: dict[str, Any]) -> tuple[Group, View] | None:
        return await database_sync_to_async(self._resolve_sync)(user, kwargs)

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
            if post.subgroup is not None:
                perms.can_read_place(user, group, post.subgroup)  # caches the row
            return group, View(group.pk, post_id=post.pk, path=post.get_absolute_url())
        return group, View(group.pk, theme=theme, path=group.get_absolute_url())
