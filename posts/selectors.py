"""Reads for feeds and post pages, in a fixed number of queries whatever the
number of posts, comments, reactions and photos."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Count, F, Prefetch, Q, QuerySet, Window, prefetch_related_objects
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils.dateparse import parse_datetime

from groups import permissions as group_perms
from groups.models import Group, Membership, MembershipStatus, SubGroup
from posts import permissions as perms
from posts.models import (
    REACTION_EMOJI,
    Comment,
    ContentState,
    FeedEvent,
    Post,
    PostImage,
    Reaction,
    ReactionKind,
)

PAGE_SIZE = 20
# The newest comment (with its replies) under each post on a feed, the rest
# behind "Se N tidligere kommentarer": on a phone the next post comes sooner,
# and a page of 20 posts stays under 100 KB (issue 18).
FEED_COMMENTS = 1
# A post's page shows the newest threads (a comment with its replies) up to
# this many, and a link to all of them: a long, lively thread costs no more to
# render, send and read on a phone than one of this length. A link to one
# comment asks for all (comment_url).
POST_PAGE_COMMENTS = 50


@dataclass
class FeedPage:
    pinned: list[Post]
    posts: list[Post]
    next_cursor: str | None
    last_event_id: int


@dataclass
class ReactionSummary:
    total: int = 0
    by_kind: list[tuple[str, str, str, int]] = field(default_factory=list)  # kind, emoji, label, n
    mine: str | None = None


_AWAITING = (ContentState.PENDING, ContentState.HIDDEN)


def _visible_filter(viewer: Any, group: Group) -> Q:
    """Visible items, plus the viewer's own pending or hidden ones; moderators
    see pending and hidden items too (_is_visible is the same rule for one
    row in hand)."""
    q = Q(state=ContentState.VISIBLE)
    if group_perms.is_admin_or_moderator(viewer, group):
        q |= Q(state__in=_AWAITING)
    elif getattr(viewer, "pk", None):
        q |= Q(state__in=_AWAITING, author_id=viewer.pk)
    return q


def _is_visible(viewer: Any, group: Group, *, state: str, author_id: int | None) -> bool:
    """_visible_filter for one row already read."""
    if state == ContentState.VISIBLE:
        return True
    if state not in _AWAITING:
        return False
    if group_perms.is_admin_or_moderator(viewer, group):
        return True
    return author_id is not None and author_id == getattr(viewer, "pk", None)


def encode_cursor(post: Post) -> str:
    return f"{post.created_at.isoformat()}_{post.pk}"


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    if not cursor or "_" not in cursor:
        return None
    stamp, _sep, pk = cursor.rpartition("_")
    try:
        when = parse_datetime(stamp.replace(" ", "+"))
    except ValueError:  # well-formed but impossible, e.g. month 13
        return None
    if when is None or not pk.isdigit():
        return None
    return when, int(pk)


def _post_queryset(viewer: Any, group: Group) -> QuerySet[Post]:
    return Post.objects.filter(_visible_filter(viewer, group)).select_related(
        "author", "group", "subgroup"
    )


def attach(viewer: Any, posts: list[Post], *, shown: int | None = FEED_COMMENTS) -> None:
    """Photos, comments, reaction summaries and capabilities for a list of
    posts, in a constant number of queries: what a post card shows. Each post
    shows its newest `shown` threads (None: every one); `hidden_comment_count`
    says how many earlier ones its card leaves out."""
    if not posts:
        return
    prefetch_related_objects(
        posts, Prefetch("images", queryset=PostImage.objects.order_by("position", "id"))
    )
    group = posts[0].group
    ids = [p.pk for p in posts]
    comments, threads = _comments(viewer, group, ids, shown)
    comment_ids = [c.pk for c in comments]
    post_counts: dict[int, dict[str, int]] = defaultdict(dict)
    comment_counts: dict[int, dict[str, int]] = defaultdict(dict)
    for row in (
        Reaction.objects.filter(Q(post_id__in=ids) | Q(comment_id__in=comment_ids))
        .values("post_id", "comment_id", "kind")
        .annotate(n=Count("id"))
    ):
        if row["post_id"]:
            post_counts[row["post_id"]][row["kind"]] = row["n"]
        else:
            comment_counts[row["comment_id"]][row["kind"]] = row["n"]
    mine_post: dict[int, str] = {}
    mine_comment: dict[int, str] = {}
    if getattr(viewer, "pk", None):
        for mine in Reaction.objects.filter(
            Q(post_id__in=ids) | Q(comment_id__in=comment_ids), user_id=viewer.pk
        ).values("post_id", "comment_id", "kind"):
            if mine["post_id"]:
                mine_post[mine["post_id"]] = mine["kind"]
            else:
                mine_comment[mine["comment_id"]] = mine["kind"]

    by_post: dict[int, list[Comment]] = defaultdict(list)
    replies: dict[int, list[Comment]] = defaultdict(list)
    for c in comments:
        c.reactions_summary = summarize(comment_counts.get(c.pk, {}), mine_comment.get(c.pk))  # type: ignore[attr-defined]
        if c.parent_id:
            replies[c.parent_id].append(c)
        else:
            by_post[c.post_id].append(c)
    for c in comments:
        c.thread_replies = replies.get(c.pk, [])  # type: ignore[attr-defined]

    for p in posts:
        top = by_post.get(p.pk, [])
        p.thread = top  # type: ignore[attr-defined]
        p.hidden_comment_count = max(0, threads.get(p.pk, len(top)) - len(top))  # type: ignore[attr-defined]
        p.reactions_summary = summarize(post_counts.get(p.pk, {}), mine_post.get(p.pk))  # type: ignore[attr-defined]
        p.can = perms.post_capabilities(viewer, p)  # type: ignore[attr-defined]
        for c in top + [r for t in top for r in replies.get(t.pk, [])]:
            c.post = p  # share the loaded post: no query per comment
            c.can = perms.comment_capabilities(viewer, c)  # type: ignore[attr-defined]


def _comments(
    viewer: Any, group: Group, ids: list[int], shown: int | None
) -> tuple[list[Comment], dict[int, int]]:
    """The comments the cards of these posts show, oldest first: every one
    (`shown` None), or each post's newest `shown` (at least 1) threads (a
    top-level comment and its replies), read as such so that a post with
    hundreds of comments costs no more than one with `shown`; and each post's
    number of threads when not every one is read (empty otherwise)."""
    visible = Comment.objects.filter(_visible_filter(viewer, group), post_id__in=ids)
    if shown is None:
        return list(visible.select_related("author").order_by("created_at", "id")), {}
    tops = list(
        visible.filter(parent__isnull=True)
        .select_related("author")
        .annotate(
            newest=Window(
                RowNumber(),
                partition_by=[F("post_id")],
                order_by=[F("created_at").desc(), F("id").desc()],
            ),
            threads=Window(Count("id"), partition_by=[F("post_id")]),
        )
        .filter(newest__lte=max(1, shown))
    )
    replies = (
        list(visible.filter(parent_id__in=[c.pk for c in tops]).select_related("author"))
        if tops
        else []
    )
    threads = {c.post_id: c.threads for c in tops}
    return sorted(tops + replies, key=lambda c: (c.created_at, c.pk)), threads


def summarize(counts: dict[str, int], mine: str | None) -> ReactionSummary:
    """Reaction counts by kind, in the fixed order of the buttons."""
    s = ReactionSummary(mine=mine)
    for kind in ReactionKind:
        n = counts.get(kind.value, 0)
        if n:
            s.by_kind.append((kind.value, REACTION_EMOJI[kind], str(kind.label), n))
            s.total += n
    return s


def last_event_id(group: Group) -> int:
    """The group's newest FeedEvent id (0: none). Asked by every feed page
    and live socket, so written out: the ORM's compiling cost more CPU than
    the database's answer (an index's last entry)."""
    table = connection.ops.quote_name(FeedEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table} WHERE group_id = %s ORDER BY id DESC LIMIT 1",  # noqa: S608 - a model's table
            [group.pk],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def feed(
    *,
    viewer: Any,
    group: Group,
    subgroup: SubGroup | None = None,
    theme: str = "",
    cursor: str | None = None,
    page_size: int = PAGE_SIZE,
    prepare: bool = True,
    event_id: int | None = None,
) -> FeedPage:
    """A group's (or sub-group's) feed: pinned posts first on the first page,
    then newest first. Keyset pagination by (created_at, id), so posts that
    arrive while someone reads do not shift the next page.

    With prepare=False the posts come bare (no photos, comments, reactions):
    posts.fragments.render_cards then prepares only those whose card is not
    in the cache. `event_id`: the group's last event, when the caller read it
    already (before anything else, so the page is at least that new)."""
    perms.require_read_place(viewer, group, subgroup)
    if event_id is None:
        event_id = last_event_id(group)
    qs = _post_queryset(viewer, group).filter(group=group, subgroup=subgroup)
    if theme:
        qs = qs.filter(theme=theme)
    position = decode_cursor(cursor)
    pinned: list[Post] = []
    if position is None and subgroup is None:
        pinned = list(qs.filter(pinned=True).order_by("-created_at", "-id"))
    rest = qs.filter(pinned=False) if subgroup is None else qs
    if position is not None:
        when, pk = position
        rest = rest.filter(Q(created_at__lt=when) | Q(created_at=when, id__lt=pk))
    page = list(rest.order_by("-created_at", "-id")[: page_size + 1])
    next_cursor = encode_cursor(page[page_size - 1]) if len(page) > page_size else None
    page = page[:page_size]
    if prepare:
        attach(viewer, pinned + page)
    return FeedPage(pinned=pinned, posts=page, next_cursor=next_cursor, last_event_id=event_id)


def post_get(*, viewer: Any, group: Group, post_id: int) -> Post:
    post = _post_queryset(viewer, group).filter(group=group, pk=post_id).first()
    if post is None:
        raise Http404
    perms.require_view_post(viewer, post)
    return post


def post_get_for_key(*, viewer: Any, group: Group, post_id: int) -> tuple[Post, int]:
    """The post as far as its cached page needs it before knowing whether it
    must be rendered: the columns the permission check and the page's key
    read (sub-group, author, state), with the group's last event id, in one
    statement written out rather than built by the ORM. On a cached post page
    the ORM's compiling of post_get's query (three joins, every column) and of
    last_event_id was a third of the request's CPU; this is a twentieth of
    that. The same checks as post_get (_is_visible is _visible_filter; then
    permissions.require_view_post), else 404. Only ids and the state are read,
    so no column needs a backend's converter. The page, when it must be
    rendered, reads the whole post with post_get."""
    post_table = connection.ops.quote_name(Post._meta.db_table)
    event_table = connection.ops.quote_name(FeedEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.subgroup_id, p.author_id, p.state, "  # noqa: S608 - models' tables
            f"(SELECT e.id FROM {event_table} e WHERE e.group_id = p.group_id"
            " ORDER BY e.id DESC LIMIT 1) "
            f"FROM {post_table} p WHERE p.group_id = %s AND p.id = %s",
            [group.pk, post_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise Http404
    subgroup_id, author_id, state, event_id = row
    if not _is_visible(viewer, group, state=state, author_id=author_id):
        raise Http404
    post = Post(id=post_id, group=group, subgroup_id=subgroup_id, author_id=author_id, state=state)
    post._state.adding = False
    post._state.db = connection.alias
    if subgroup_id is not None:
        # The sub-group's own row for the permission check; its group is this one.
        subgroup = SubGroup.objects.filter(pk=subgroup_id, group=group).first()
        if subgroup is None:
            raise Http404
        subgroup.group = group
        post.subgroup = subgroup
    perms.require_view_post(viewer, post)
    return post, int(event_id or 0)


def post_detail(*, viewer: Any, group: Group, post_id: int) -> Post:
    post = post_get(viewer=viewer, group=group, post_id=post_id)
    attach(viewer, [post], shown=None)
    return post


def events_after(*, group: Group, after_id: int, limit: int = 200) -> list[FeedEvent]:
    return list(FeedEvent.objects.filter(group=group, id__gt=after_id).order_by("id")[:limit])


def recent_events(*, since: datetime, scan: int = 10_000) -> dict[int, list[int]]:
    """The ids of each group's events since `since`, oldest first, among the
    newest `scan` events: a range of the primary key, not a walk of the table."""
    newest = FeedEvent.objects.order_by("-id").values_list("id", flat=True).first()
    if newest is None:
        return {}
    found: dict[int, list[int]] = defaultdict(list)
    for group_id, event_id in (
        FeedEvent.objects.filter(id__gt=newest - scan, created_at__gte=since)
        .order_by("id")
        .values_list("group_id", "id")
    ):
        found[group_id].append(event_id)
    return dict(found)


def reactions_list(*, viewer: Any, post: Post, comment: Comment | None = None) -> list[Reaction]:
    """Who reacted, and how."""
    target: dict[str, Any] = {"comment": comment} if comment is not None else {"post": post}
    return list(
        Reaction.objects.filter(**target).select_related("user").order_by("kind", "created_at")
    )


def mention_candidates(*, viewer: Any, group: Group, prefix: str, limit: int = 8) -> list[str]:
    prefix = prefix.strip()[:40]
    if not prefix:
        return []
    return list(
        Membership.objects.filter(
            group=group,
            status=MembershipStatus.ACTIVE,
            user__display_name__istartswith=prefix,
        )
        .exclude(user_id=getattr(viewer, "pk", None) or 0)
        .order_by("user__display_name")
        .values_list("user__display_name", flat=True)[:limit]
    )


def card_states(*, viewer: Any, group: Group, posts: list[Post]) -> dict[int, Any]:
    """For each bare post, everything its card depends on besides the post's
    own version: the viewer's role and pause, what they may do with the post,
    their own comments on it (any state) and their own reactions on it and its
    comments. Two viewers with equal states see the same card (comment
    capabilities and which comments show follow from these too). Two queries."""
    if not posts:
        return {}
    ids = [p.pk for p in posts]
    own_comments: dict[int, list[tuple[int, str]]] = defaultdict(list)
    own_reactions: dict[int, list[tuple[int | None, str]]] = defaultdict(list)
    if getattr(viewer, "pk", None):
        for post_id, comment_id, state in Comment.objects.filter(
            post_id__in=ids, author_id=viewer.pk
        ).values_list("post_id", "id", "state"):
            own_comments[post_id].append((comment_id, state))
        for post_id, comment_id, comment_post_id, kind in (
            Reaction.objects.filter(user_id=viewer.pk)
            .filter(Q(post_id__in=ids) | Q(comment__post_id__in=ids))
            .values_list("post_id", "comment_id", "comment__post_id", "kind")
        ):
            own_reactions[post_id or comment_post_id].append((comment_id, kind))
    role = group_perms.role_in(viewer, group)
    paused = perms.muted_until(viewer, group) is not None
    return {
        p.pk: (
            role,
            paused,
            sorted(perms.post_capabilities(viewer, p).items()),
            sorted(own_comments.get(p.pk, [])),
            sorted(own_reactions.get(p.pk, []), key=repr),
        )
        for p in posts
    }


def reaction_of(*, viewer: Any, post: Post) -> str | None:
    """The kind of the viewer's own reaction on the post itself, or None."""
    return (
        Reaction.objects.filter(post=post, comment__isnull=True, user_id=viewer.pk)
        .values_list("kind", flat=True)
        .first()
    )
