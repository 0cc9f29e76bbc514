"""Turn a FeedEvent into the page changes one viewer may see.

The consumer calls this for every socket, so the work is split in three:

1. `load_snapshot` reads the event and the rows it names from the database,
   once per event per process, whatever the number of sockets.
2. `viewer_state` works out, for one viewer, what the fragment depends on:
   may they see the item, which controls they get (`can`), their own
   reaction. Permission is re-checked here for every viewer, from the
   membership rows the socket holds (refreshed on every membership event).
3. `render_message` renders the fragment once per distinct viewer state and
   caches it; each socket only swaps in its own CSRF token.

The event itself carries only ids; nothing is trusted from the channel layer.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from groups import permissions as group_perms
from groups.models import (
    Group,
    Membership,
    MembershipStatus,
    SubGroupMembership,
    SubGroupMembershipStatus,
)
from posts import permissions as perms
from posts import selectors
from posts.models import Comment, FeedEvent, Post, Reaction
from sammen import csrf


@dataclass(frozen=True)
class View:
    """What the socket's page shows: a group feed, a sub-group feed, or a post."""

    group_id: int
    subgroup_id: int | None = None
    post_id: int | None = None
    theme: str = ""
    path: str = "/"

    @property
    def is_feed(self) -> bool:
        return self.post_id is None


@dataclass
class Snapshot:
    """An event and the rows it names, as read once after commit."""

    event: FeedEvent
    group: Group
    post: Post | None
    comment: Comment | None
    post_counts: dict[str, int] = field(default_factory=dict)
    comment_counts: dict[str, int] = field(default_factory=dict)
    # Who may read, as of this event: user id -> (role, muted_until) of every
    # active member; for a sub-group post, the ids of its active members.
    members: dict[int, tuple[str, Any]] = field(default_factory=dict)
    subgroup_members: frozenset[int] = frozenset()


class _Memo:
    """A small thread-safe LRU shared by all sockets of this process."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.data: OrderedDict[Any, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self.lock:
            value = self.data.get(key)
            if value is not None:
                self.data.move_to_end(key)
            return value

    def put(self, key: Any, value: Any) -> None:
        with self.lock:
            self.data[key] = value
            self.data.move_to_end(key)
            while len(self.data) > self.size:
                self.data.popitem(last=False)


_snapshots = _Memo(64)
# Rendered messages, keyed by event like the viewer states below: needed while
# the event is sent and for a socket catching up on the last few (a miss only
# renders again). 1,024 covers the last ~50 events of a busy group.
_renders = _Memo(1_024)


def _counts(**filters: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for kind in Reaction.objects.filter(**filters).values_list("kind", flat=True):
        out[kind] = out.get(kind, 0) + 1
    return out


def cached_snapshot(event_id: int) -> Snapshot | None:
    return _snapshots.get(event_id)


def load_snapshot(event_id: int, group_id: int) -> Snapshot | None:
    """Read the event and its rows (database; call from a sync thread)."""
    cached = _snapshots.get(event_id)
    if cached is not None:
        return cached if cached.event.group_id == group_id else None
    event = FeedEvent.objects.select_related("group").filter(pk=event_id).first()
    if event is None or event.group_id != group_id:
        return None
    post = None
    if event.post_ref is not None:
        post = (
            Post.objects.select_related("author", "group", "subgroup")
            .prefetch_related("images")
            .filter(pk=event.post_ref)
            .first()
        )
        if post is not None:
            list(post.images.all())  # load now: templates must not query later
    comment = None
    if event.comment_ref is not None:
        comment = Comment.objects.select_related("author").filter(pk=event.comment_ref).first()
    snap = Snapshot(event=event, group=event.group, post=post, comment=comment)
    # Permission is re-checked against the database for every event: one read
    # of the group's memberships serves every socket of this process.
    snap.members = {
        user_id: (role, muted_until)
        for user_id, role, muted_until in Membership.objects.filter(
            group_id=group_id, status=MembershipStatus.ACTIVE
        ).values_list("user_id", "role", "muted_until")
    }
    if event.subgroup_id is not None:
        snap.subgroup_members = frozenset(
            SubGroupMembership.objects.filter(
                subgroup_id=event.subgroup_id, status=SubGroupMembershipStatus.ACTIVE
            ).values_list("user_id", flat=True)
        )
    if post is not None and event.kind in ("post.created", "post.shown", "reaction.changed"):
        snap.post_counts = _counts(post_id=post.pk)
    if comment is not None and event.kind in (
        "comment.created",
        "comment.shown",
        "reaction.changed",
    ):
        snap.comment_counts = _counts(comment_id=comment.pk)
    _snapshots.put(event_id, snap)
    return snap


# Keyed by event: a state is asked for while the event is being sent to the
# sockets of this process (seconds), so the states of the last ~80 events
# (some 50 each: pages x roles x authorship) are enough; at 50,000 the memo
# kept filling for an hour at a busy group's pace.
_states = _Memo(4_096)


def viewer_state(snap: Snapshot, view: View, viewer: Any) -> tuple[str, Any] | None:
    """`_viewer_state`, shared by viewers who stand in the same relation to the
    event: same membership row, same sub-group membership, same authorship."""
    user_id = getattr(viewer, "pk", None) or 0
    event = snap.event
    key = (
        event.pk,
        view,
        snap.members.get(user_id),
        user_id in snap.subgroup_members,
        snap.post is not None and snap.post.author_id == user_id,
        snap.comment is not None and snap.comment.author_id == user_id,
        event.actor_id == user_id,
        bool(getattr(viewer, "is_active", False)),
    )
    found = _states.get(key)
    if found is not None:
        return None if found == "none" else found
    state = _viewer_state(snap, view, viewer)
    if state is not None and state[0] == "reactions-mine":
        return state  # names the viewer: not shareable
    _states.put(key, "none" if state is None else state)
    return state


def _viewer_state(snap: Snapshot, view: View, viewer: Any) -> tuple[str, Any] | None:
    """What this viewer's fragment depends on, as a hashable key, or None when
    the event changes nothing on this viewer's page. Pure Python: the viewer is
    judged by the membership rows read with the event (`_prime`), so permission
    is as fresh as the event and no socket queries on its own."""
    event, post = snap.event, snap.post
    if event.post_ref is None:
        return None
    _prime(snap, viewer)
    if view.is_feed and event.subgroup_id != view.subgroup_id:
        return None
    if not view.is_feed and event.post_ref != view.post_id:
        return None
    if not perms.can_read_place(viewer, snap.group, post.subgroup if post else None):
        return None
    kind = event.kind
    if kind == "post.deleted" or post is None or not perms.can_view_post(viewer, post):
        return ("remove-post", None)
    post_can = tuple(sorted(perms.post_capabilities(viewer, post).items()))
    if kind == "post.created" or (kind == "post.shown" and view.is_feed):
        # A post shown again after moderation comes back like a new one (the
        # page replaces it where it is still shown, for author and moderators).
        if not view.is_feed or (view.theme and post.theme != view.theme):
            return None
        return ("post", post_can)
    if kind in ("post.updated", "post.hidden", "post.shown"):
        return ("post-body", None)
    comment = snap.comment
    if kind == "comment.deleted" or (
        kind.startswith("comment.")
        and (comment is None or not _can_view_comment(viewer, comment, post))
    ):
        return ("remove-comment", None)
    if kind == "comment.shown":
        assert comment is not None
        if comment.author_id == getattr(viewer, "pk", None) or perms.is_moderator(
            viewer, snap.group
        ):
            # They saw it while it was held or hidden: keep its replies in place.
            return ("comment-body", None)
    if kind in ("comment.created", "comment.shown"):
        assert comment is not None
        return ("comment", (post_can, _comment_can(viewer, comment, post)))
    if kind in ("comment.updated", "comment.hidden"):
        return ("comment-body", None)
    if kind == "reaction.changed":
        if event.actor_id is not None and event.actor_id == getattr(viewer, "pk", None):
            # Only the person who reacted sees their buttons change.
            return ("reactions-mine", (post_can, viewer.pk))
        return ("reaction-summary", None)
    return None


# Model instances are costly to build (a third of the fan-out time when built
# per socket per event); equal rows share one instance.
_membership_rows = _Memo(20_000)


def _membership(group_id: int, user_id: int, row: tuple[str, Any]) -> Membership:
    key = ("m", group_id, user_id, row)
    found = _membership_rows.get(key)
    if found is None:
        found = Membership(
            user_id=user_id,
            group_id=group_id,
            role=row[0],
            status=MembershipStatus.ACTIVE,
            muted_until=row[1],
        )
        _membership_rows.put(key, found)
    return found


def _subgroup_membership(subgroup_id: int, user_id: int) -> SubGroupMembership:
    key = ("s", subgroup_id, user_id)
    found = _membership_rows.get(key)
    if found is None:
        found = SubGroupMembership(
            subgroup_id=subgroup_id, user_id=user_id, status=SubGroupMembershipStatus.ACTIVE
        )
        _membership_rows.put(key, found)
    return found


def _prime(snap: Snapshot, viewer: Any) -> None:
    """Judge this viewer by the memberships read with the event."""
    user_id: int = getattr(viewer, "pk", None) or 0
    row = snap.members.get(user_id)
    membership = _membership(snap.group.pk, user_id, row) if row is not None else None
    sub_id = snap.event.subgroup_id
    sub_row = (
        _subgroup_membership(sub_id, user_id)
        if sub_id is not None and user_id in snap.subgroup_members
        else None
    )
    group_perms.prime_memberships(
        viewer,
        group_id=snap.group.pk,
        membership=membership,
        subgroup_id=sub_id,
        subgroup_membership=sub_row,
    )


def _can_view_comment(viewer: Any, comment: Comment, post: Post) -> bool:
    comment.post = post  # the post read with the event: no query
    return perms.can_view_comment(viewer, comment)


def _comment_can(viewer: Any, comment: Comment, post: Post) -> tuple[tuple[str, bool], ...]:
    comment.post = post
    return tuple(sorted(perms.comment_capabilities(viewer, comment).items()))


def render_message(
    snap: Snapshot, view: View, state: tuple[str, Any], viewer: Any, language: str
) -> str:
    """The JSON message for this state, rendered once and cached. It holds
    csrf.PLACEHOLDER where the viewer's token goes. May query (the actor's own
    reaction), so call from a sync thread on a cache miss."""
    what, detail = state
    key = (snap.event.pk, view, what, detail, language)
    cached = _renders.get(key)
    if cached is not None:
        return str(cached)
    with translation.override(language):
        ops, announce = _build_ops(snap, view, what, detail, viewer)
    message = json.dumps(
        {"event_id": snap.event.pk, "ops": ops, "announce": announce}, ensure_ascii=False
    )
    _renders.put(key, message)
    return message


def cached_message(snap_id: int, view: View, state: tuple[str, Any], language: str) -> str | None:
    value = _renders.get((snap_id, view, state[0], state[1], language))
    return None if value is None else str(value)


def _render(template: str, context: dict[str, Any], view: View) -> str:
    request = HttpRequest()
    request.path = request.path_info = view.path
    request.method = "GET"
    context = {**context, "csrf_token": csrf.PLACEHOLDER, "detail": not view.is_feed}
    return render_to_string(template, context, request=request)


def _build_ops(
    snap: Snapshot, view: View, what: str, detail: Any, viewer: Any
) -> tuple[list[dict[str, str]], str]:
    event, post, group = snap.event, snap.post, snap.group
    post_id = event.post_ref
    if what == "remove-post":
        return [{"op": "remove", "target": f"#post-{post_id}"}], ""
    assert post is not None
    count_op = {"op": "text", "target": f"#post-{post.pk}-count", "html": str(post.comment_count)}
    base = {"group": group, "post": post}
    if what == "post":
        post.can = dict(detail)  # type: ignore[attr-defined]
        post.thread = []  # type: ignore[attr-defined]
        post.hidden_comment_count = 0  # type: ignore[attr-defined]
        post.reactions_summary = selectors.summarize(snap.post_counts, None)  # type: ignore[attr-defined]
        html = _render("posts/partials/post.html", base, view)
        author = post.author.display_name if post.author else ""
        announce = (
            _("Nyt opslag fra %(name)s") % {"name": author} if event.kind == "post.created" else ""
        )
        return [{"op": "prepend", "target": "#feed-posts", "html": html}], announce
    if what == "post-body":
        html = _render("posts/partials/post_body.html", base, view)
        return [{"op": "replace", "target": f"#post-{post.pk}-body", "html": html}], ""
    if what == "remove-comment":
        return [{"op": "remove", "target": f"#comment-{event.comment_ref}"}, count_op], ""
    comment = snap.comment
    if what in ("reaction-summary", "reactions-mine"):
        # A reaction on the comment, if the event names one, else on the post.
        kind, obj, counts = (
            ("comment", comment, snap.comment_counts)
            if comment is not None
            else ("post", post, snap.post_counts)
        )
        ctx = {**base, "target": kind, "obj": obj}
        if what == "reaction-summary":
            # Everyone but the one who reacted: only the counts change.
            ctx["summary"] = selectors.summarize(counts, None)
            html = _render("posts/partials/reaction_summary.html", ctx, view)
            return [
                {"op": "replace", "target": f"#reaction-summary-{kind}-{obj.pk}", "html": html}
            ], ""
        post_can, user_id = dict(detail[0]), detail[1]
        mine = (
            Reaction.objects.filter(**{kind: obj, "user_id": user_id})
            .values_list("kind", flat=True)
            .first()
        )
        ctx["summary"] = selectors.summarize(counts, mine)
        ctx["can_react"] = post_can["react"]
        html = _render("posts/partials/reactions.html", ctx, view)
        return [{"op": "replace", "target": f"#reactions-{kind}-{obj.pk}", "html": html}], ""
    assert comment is not None
    ctx = {**base, "c": comment, "reply": comment.parent_id is not None}
    if what == "comment-body":
        html = _render("posts/partials/comment_body.html", ctx, view)
        return [{"op": "replace", "target": f"#comment-{comment.pk}-body", "html": html}], ""
    # A new comment.
    post_can, comment_can = detail
    comment.post = post
    comment.can = dict(comment_can)  # type: ignore[attr-defined]
    comment.thread_replies = []  # type: ignore[attr-defined]
    comment.reactions_summary = selectors.summarize(snap.comment_counts, None)  # type: ignore[attr-defined]
    html = _render("posts/partials/comment.html", ctx, view)
    target = f"#replies-{comment.parent_id}" if comment.parent_id else f"#comments-{post.pk}"
    author = comment.author.display_name if comment.author else ""
    announce = (
        _("Ny kommentar fra %(name)s") % {"name": author} if event.kind == "comment.created" else ""
    )
    return [{"op": "append", "target": target, "html": html}, count_op], announce
