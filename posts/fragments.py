"""Rendered post cards and feed pages, cached.

A post card is the most expensive thing on a page (text, photos, comments,
reaction buttons). It is the same for every reader in the same situation, so
it is rendered once per (post version, what the reader may do, their own
reactions, language, page) and cached. The CSRF token is the one part that
differs per reader: cards carry a placeholder, swapped for the reader's token
when the page is sent (and per socket for live updates).

A whole page of a feed (its cards and the link to older posts) is cached too,
per reader: its key holds the group's last FeedEvent id, and every change a
feed shows writes a FeedEvent in the same transaction, so a new post, comment,
reaction, edit, deletion, pin or moderation decision gives the next reader a
new key. What else decides the cards is the reader's own situation, which is
in the key as well, and the group's generation (groups.selectors), renewed
after any change to the group or its memberships and when a member saves their
profile, so cards and pages show a new name or picture at once. (A former
member's name on their old posts can be up to CARD_TTL old.)
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from groups import permissions as group_perms
from groups.selectors import group_generation
from posts import permissions as perms
from posts import selectors
from posts.forms import CommentForm, PostForm
from posts.models import ReactionKind, Theme
from sammen import csrf

# Cards and pages are one per reader situation and page: they live a few
# minutes so the cache holds what is being read, not every version ever made.
CARD_TTL = 300

_INDENT = re.compile(r"\n\s+")


def compact(html: str) -> str:
    """The templates' indentation and blank lines taken out (a fifth of a
    feed's bytes); a line break stays where there was one, so text reads the
    same. Left alone where whitespace is content (a <pre> in a post; the
    cards' text fields are empty)."""
    if "<pre" in html:
        return html
    return _INDENT.sub("\n", html)


def _viewer_state(post: Any) -> str:
    """Everything in a card that depends on the reader."""
    parts: list[Any] = [
        sorted(post.can.items()),
        post.reactions_summary.mine,
        post.hidden_comment_count,
    ]
    for c in post.thread:
        for x in [c, *c.thread_replies]:
            parts.append((x.pk, sorted(x.can.items()), x.reactions_summary.mine))
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


def render_cards(
    request: HttpRequest,
    *,
    group: Any,
    posts: list[Any],
    detail: bool = False,
    prepare: Callable[[list[Any]], None] | None = None,
) -> list[str]:
    """HTML for each post, from the cache where possible. The HTML holds
    csrf.PLACEHOLDER; see sammen.csrf.

    Without `prepare`, the posts come prepared (posts.selectors.attach) and the
    key is read from what was prepared. With `prepare`, the posts come bare: the
    key comes from posts.selectors.card_states (two small queries), and only the
    posts missing from the cache are prepared and rendered."""
    language = translation.get_language()
    if prepare is None:
        states = {p.pk: _viewer_state(p) for p in posts}
    else:
        states = {
            pk: hashlib.blake2b(repr(state).encode(), digest_size=12).hexdigest()
            for pk, state in selectors.card_states(
                viewer=request.user, group=group, posts=posts
            ).items()
        }
    kind = "p" if prepare is None else "b"
    # The group's generation: a member's new name or picture (groups.receivers) shows at once.
    generation = group_generation(group)
    keys = [
        # created_at too: a deleted group's post ids can come back on SQLite.
        f"card:{kind}:{p.pk}:{p.created_at.timestamp()}:{p.version}:{generation}:{language}"
        f":{int(detail)}:{request.path}:{states[p.pk]}"
        for p in posts
    ]
    found = cache.get_many(keys) if keys else {}
    missing = [p for key, p in zip(keys, posts, strict=True) if key not in found]
    if missing and prepare is not None:
        prepare(missing)
    fresh: dict[str, str] = {}
    out: list[str] = []
    for key, post in zip(keys, posts, strict=True):
        html = found.get(key)
        if html is None:
            html = compact(
                render_to_string(
                    "posts/partials/post.html",
                    {
                        "group": group,
                        "post": post,
                        "detail": detail,
                        "csrf_token": csrf.PLACEHOLDER,
                    },
                    request=request,
                )
            )
            fresh[key] = html
        out.append(mark_safe(html))  # noqa: S308 - our own rendered template
    if fresh:
        cache.set_many(fresh, CARD_TTL)
    return out


def feed_key(
    request: HttpRequest,
    *,
    group: Any,
    subgroup: Any,
    theme: str,
    cursor: str | None,
    event_id: int | None = None,
) -> tuple[str, int]:
    """The cache key of the reader's page of a feed, and the group's last event
    id it is built on (read first: whatever is read after is at least this new;
    a caller that read it already passes it)."""
    if event_id is None:
        event_id = selectors.last_event_id(group)
    user = request.user
    situation: tuple[Any, ...] = (
        group_perms.role_in(user, group),
        perms.muted_until(user, group) is not None,
    )
    if subgroup is not None:
        situation += (
            group_perms.is_subgroup_member(user, subgroup),
            group_perms.can_view_subgroup_members(user, subgroup),
        )
    raw = repr(
        (
            # created_at too: on SQLite a deleted group's ids can come back.
            group.created_at.timestamp(),
            getattr(subgroup, "pk", 0),
            theme,
            cursor or "",
            request.path,
            translation.get_language(),
            getattr(user, "pk", None),
            situation,
        )
    )
    # The group's generation covers what changes a feed without a FeedEvent
    # (group settings, memberships, a re-seeded demo whose events were cleared).
    generation = group_generation(group)
    key = (
        f"feed:{group.pk}:{event_id}:{generation}:"
        + hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()
    )
    return key, event_id


def feed_section(
    request: HttpRequest,
    *,
    group: Any,
    subgroup: Any,
    theme: str,
    cursor: str | None,
    prepare: Callable[[list[Any]], None],
) -> tuple[str, int]:
    """The feed's posts (pinned first) and pagination as HTML with
    csrf.PLACEHOLDER, and the group's last event id the page shows.

    The caller has checked that the reader may read the place."""
    key, event_id = feed_key(request, group=group, subgroup=subgroup, theme=theme, cursor=cursor)
    user = request.user
    stored = cache.get(key)
    html = zlib.decompress(stored).decode() if isinstance(stored, bytes) else None
    if html is None:
        page = selectors.feed(
            viewer=user,
            group=group,
            subgroup=subgroup,
            theme=theme,
            cursor=cursor,
            prepare=False,
            event_id=event_id,
        )
        html = render_to_string(
            "posts/partials/feed_items.html",
            {
                "group": group,
                "feed": page,
                "theme": theme,
                "first_page": not cursor,
                "pinned_cards": render_cards(
                    request, group=group, posts=page.pinned, prepare=prepare
                ),
                "post_cards": render_cards(request, group=group, posts=page.posts, prepare=prepare),
            },
            request=request,
        )
        # Compressed: one entry per reader and page, ~200 KB of HTML each, ~15 KB so.
        cache.set(key, zlib.compress(html.encode(), 1), CARD_TTL)
    return mark_safe(html), event_id  # noqa: S308 - our own rendered template


def composer(request: HttpRequest, *, group: Any, subgroup: Any, can_pin: bool) -> str:
    """The empty "Skriv et opslag" form (the same for everyone who may post
    there), with csrf.PLACEHOLDER."""
    key = (
        f"composer:2:{group.pk}:{group.created_at.timestamp()}:{getattr(subgroup, 'pk', 0)}"
        f":{int(can_pin)}:{translation.get_language()}"
    )
    html = cache.get(key)
    if html is None:
        html = render_to_string(
            "posts/partials/composer.html",
            {
                "group": group,
                "sub": subgroup,
                "post_form": PostForm(can_pin=can_pin),
                "csrf_token": csrf.PLACEHOLDER,
            },
            request=request,
        )
        cache.set(key, html, CARD_TTL)
    return mark_safe(html)  # noqa: S308 - our own rendered template


# --- what the pages of a group and a sub-group need of the feed ------------------


def feed_params(request: HttpRequest) -> tuple[str, str | None]:
    """The theme filter (unknown ones ignored) and the cursor of a feed page."""
    theme = request.GET.get("tema", "")
    return (theme if theme in Theme.values else ""), request.GET.get("før")


def feed_page_key(request: HttpRequest, group: Any, subgroup: Any = None) -> str:
    """What identifies the feed a reader would see now (feed_key), for the
    cache of whole pages (pages.views)."""
    perms.require_read_place(request.user, group, subgroup)
    theme, cursor = feed_params(request)
    key, _event_id = feed_key(request, group=group, subgroup=subgroup, theme=theme, cursor=cursor)
    return key


def feed_context(request: HttpRequest, group: Any, subgroup: Any = None) -> dict[str, Any]:
    """What the group and sub-group pages (pages.views) need to show a feed."""
    theme, cursor = feed_params(request)
    perms.require_read_place(request.user, group, subgroup)

    def prepare(posts: list[Any]) -> None:
        selectors.attach(request.user, posts)

    feed_html, event_id = feed_section(
        request,
        group=group,
        subgroup=subgroup,
        theme=theme,
        cursor=cursor,
        prepare=prepare,
    )
    can_write = perms.can_write_place(request.user, group, subgroup)
    return {
        "feed_html": feed_html,
        "last_event_id": event_id,
        "theme": theme,
        "themes": Theme.choices,
        # The reaction choices and the comment form, once per page, for those who may use them.
        "can_write": can_write,
        "reaction_kinds": ReactionKind.choices,
        # A form sent back with errors replaces this (pages.views.render_place).
        "post_form": None,
        "composer_html": composer(
            request,
            group=group,
            subgroup=subgroup,
            can_pin=perms.can_pin(request.user, group) and subgroup is None,
        )
        if can_write
        else None,
        "muted_until": perms.muted_until(request.user, group),
        "socket_path": (
            f"/ws/groups/{group.slug}/subgroups/{subgroup.slug}/"
            if subgroup is not None
            else f"/ws/groups/{group.slug}/"
        )
        + (f"?tema={theme}" if theme else ""),
    }


# --- what the post page (pages.post_page) needs of the post --------------------------


def post_page_key(request: HttpRequest, *, group: Any, post: Any, event_id: int) -> str:
    """What identifies the post page a reader would see now, for the cache of
    whole pages: the group's last event (every change to the post, its
    comments, reactions, photos and text writes one; read with the post by
    selectors.post_get_for_key), its generation, and the reader's situation,
    as for a feed (feed_key), on this page's path."""
    key, _event_id = feed_key(
        request, group=group, subgroup=post.subgroup, theme="", cursor=None, event_id=event_id
    )
    return key


def post_page_context(
    request: HttpRequest,
    *,
    group: Any,
    post: Any,
    event_id: int | None = None,
    all_comments: bool = False,
) -> dict[str, Any]:
    """The post page (posts/post_detail.html) of a post the reader may read
    (selectors.post_get): its card with the newest threads of comments
    (selectors.POST_PAGE_COMMENTS; every one with `all_comments`), and its
    earlier versions. `event_id`: the group's last event, read before the
    post (the page's socket resumes after it)."""
    if event_id is None:
        event_id = selectors.last_event_id(group)
    selectors.attach(
        request.user, [post], shown=None if all_comments else selectors.POST_PAGE_COMMENTS
    )
    return {
        "group": group,
        "post": post,
        "post_card": render_cards(request, group=group, posts=[post], detail=True)[0],
        "can": group_perms.group_capabilities(request.user, group),
        "reaction_kinds": ReactionKind.choices,
        "comment_form": CommentForm(),
        "last_event_id": event_id,
        "socket_path": f"/ws/groups/{group.slug}/posts/{post.pk}/",
        "revisions": list(post.revisions.select_related("edited_by")[:20])
        if post.edited_at
        else [],
    }
