"""Turn a FeedEvent into the page changes one viewer may see.

Called by the consumer for each event (live, or replayed on reconnect). It
re-reads everything from the database and re-checks permission for this
viewer; the event itself carries only ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from groups.models import Group
from posts import permissions as perms
from posts import selectors
from posts.models import Comment, ContentState, FeedEvent


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


def make_request(user: Any, path: str, csrf_secret: str | None) -> HttpRequest:
    """A stand-in request so fragments render exactly like on the page: the
    viewer's user, the page path and their CSRF secret for the forms."""
    request = HttpRequest()
    request.user = user
    request.path = request.path_info = path
    request.method = "GET"
    if csrf_secret:
        request.META["CSRF_COOKIE"] = csrf_secret
    return request


def _ops_for(
    viewer: Any, group: Group, event: FeedEvent, view: View, request: HttpRequest
) -> tuple[list[dict[str, str]], str]:
    post_id = event.post_ref
    if post_id is None:
        return [], ""
    # Only events for what this page shows.
    if view.is_feed and event.subgroup_id != view.subgroup_id:
        return [], ""
    if not view.is_feed and post_id != view.post_id:
        return [], ""

    if event.kind == "post.deleted":
        return [{"op": "remove", "target": f"#post-{post_id}"}], ""

    posts = selectors.posts_for_render(viewer=viewer, group=group, post_ids=[post_id])
    if not posts:
        # Gone, hidden or no longer readable for this viewer: take it off the page.
        return [{"op": "remove", "target": f"#post-{post_id}"}], ""
    post = posts[0]
    context: dict[str, Any] = {
        "post": post,
        "group": group,
        "detail": not view.is_feed,
    }

    if event.kind == "post.created":
        if not view.is_feed or (view.theme and post.theme != view.theme):
            return [], ""
        html = render_to_string("posts/partials/post.html", context, request=request)
        author = post.author.display_name if post.author else ""
        return [{"op": "prepend", "target": "#feed-posts", "html": html}], _(
            "Nyt opslag fra %(name)s"
        ) % {"name": author}

    if event.kind == "post.updated":
        html = render_to_string("posts/partials/post_body.html", context, request=request)
        return [{"op": "replace", "target": f"#post-{post.pk}-body", "html": html}], ""

    count_op = {"op": "text", "target": f"#post-{post.pk}-count", "html": str(post.comment_count)}
    comments = {c.pk: c for c in _thread_comments(post)}

    if event.kind in ("comment.created", "comment.updated"):
        comment = comments.get(event.comment_ref or 0)
        if comment is None:
            return [{"op": "remove", "target": f"#comment-{event.comment_ref}"}, count_op], ""
        ctx = {**context, "c": comment, "reply": comment.parent_id is not None}
        if event.kind == "comment.updated":
            html = render_to_string("posts/partials/comment_body.html", ctx, request=request)
            return [{"op": "replace", "target": f"#comment-{comment.pk}-body", "html": html}], ""
        html = render_to_string("posts/partials/comment.html", ctx, request=request)
        target = f"#replies-{comment.parent_id}" if comment.parent_id else f"#comments-{post.pk}"
        author = comment.author.display_name if comment.author else ""
        return [{"op": "append", "target": target, "html": html}, count_op], _(
            "Ny kommentar fra %(name)s"
        ) % {"name": author}

    if event.kind == "comment.deleted":
        return [{"op": "remove", "target": f"#comment-{event.comment_ref}"}, count_op], ""

    if event.kind == "reaction.changed":
        if event.comment_ref:
            comment = comments.get(event.comment_ref)
            if comment is None:
                return [], ""
            ctx = {
                **context,
                "target": "comment",
                "obj": comment,
                "summary": comment.reactions_summary,  # type: ignore[attr-defined]
                "can_react": comment.can["react"],  # type: ignore[attr-defined]
            }
            dom_id = f"#reactions-comment-{comment.pk}"
        else:
            ctx = {
                **context,
                "target": "post",
                "obj": post,
                "summary": post.reactions_summary,  # type: ignore[attr-defined]
                "can_react": post.can["react"],  # type: ignore[attr-defined]
            }
            dom_id = f"#reactions-post-{post.pk}"
        html = render_to_string("posts/partials/reactions.html", ctx, request=request)
        return [{"op": "replace", "target": dom_id, "html": html}], ""
    return [], ""


def _thread_comments(post: Any) -> list[Comment]:
    out: list[Comment] = []
    for c in post.thread:
        out.append(c)
        out.extend(c.thread_replies)
    return out


def render_event(
    *,
    viewer: Any,
    group: Group,
    event: FeedEvent,
    view: View,
    csrf_secret: str | None,
    language: str,
) -> dict[str, Any] | None:
    """The message for one viewer, or None when the event shows nothing here."""
    if not perms.can_read_place(viewer, group, None if view.subgroup_id is None else _sub(view)):
        return None
    request = make_request(viewer, view.path, csrf_secret)
    with translation.override(language):
        ops, announce = _ops_for(viewer, group, event, view, request)
    if not ops:
        return {"event_id": event.pk, "ops": []}
    return {"event_id": event.pk, "ops": ops, "announce": announce}


def _sub(view: View) -> Any:
    from groups.models import SubGroup

    assert view.subgroup_id is not None
    return SubGroup.objects.select_related("group").get(pk=view.subgroup_id)


__all__ = ["ContentState", "View", "render_event"]
