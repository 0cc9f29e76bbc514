"""Who may see a notification, checked when it is shown, not only when it was
made: a post hidden or removed since, a group left, a role lost, and the row
is no longer shown (nor e-mailed)."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from directory import permissions as directory_perms
from groups import permissions as group_perms
from moderation import permissions as mod_perms
from notifications.models import Kind, Notification
from posts import permissions as post_perms
from posts.models import ContentState
from scheduler import permissions as scheduler_perms

POST_KINDS = {Kind.REPLY, Kind.COMMENT, Kind.MENTION, Kind.REACTION, Kind.NEW_POST}
# About the person themselves, whatever became of the group since.
SELF_KINDS = {Kind.JOIN_DECIDED, Kind.MODERATION, Kind.MAIL_STOPPED}
# About the person's own directory entry (the editors' decision).
DIRECTORY_SELF_KINDS = {Kind.DIRECTORY_APPROVED, Kind.DIRECTORY_DECLINED, Kind.DIRECTORY_CHANGES}


def can_see(user: Any, n: Notification) -> bool:
    if n.recipient_id != getattr(user, "pk", None):
        return False
    if n.kind in SELF_KINDS or n.kind in DIRECTORY_SELF_KINDS:
        return True  # about the person's own request, words, address or entry
    if n.kind == Kind.DIRECTORY_STALE:
        return directory_perms.is_directory_editor(user)
    group = n.group
    if group is None:
        return False
    if n.kind in POST_KINDS:
        post = n.post
        if post is None or post.state != ContentState.VISIBLE:
            return False
        if n.comment is not None and n.comment.state != ContentState.VISIBLE:
            return False
        return post_perms.can_read_place(user, group, post.subgroup)
    if n.kind == Kind.JOIN_REQUEST:
        return group_perms.can_manage_members(user, group)
    if n.kind == Kind.CONCERN:
        return mod_perms.can_see_concerns(user, group)
    if n.kind == Kind.CASE:
        return mod_perms.can_moderate(user, group)
    if n.kind == Kind.PUBLISH_FAILED:
        return scheduler_perms.can_plan(user, group)
    return False


def require_own(user: Any, n: Notification) -> None:
    """404 for a notification of someone else (or one the person may no longer see)."""
    if not can_see(user, n):
        raise Http404


def can_set_level(user: Any, group: Any, subgroup: Any = None) -> bool:
    """One's own level, for a group one is in (or a sub-group one may read)."""
    if subgroup is not None:
        return post_perms.can_read_place(user, group, subgroup)
    return group_perms.is_member(user, group)


def can_follow(user: Any, post: Any) -> bool:
    return post.state == ContentState.VISIBLE and post_perms.can_read_place(
        user, post.group, post.subgroup
    )


def require_digest_preview(user: Any, group: Any) -> None:
    """Those who plan the group's posts see what its weekly e-mail looks like
    (404 for those who may not read the group, 403 for its other members)."""
    scheduler_perms.require_plan(user, group)
