"""Who may flag, review, decide and read the log; and what is held back.

Checks raise `Http404` where the person may not know the thing exists (a
non-member, a post they cannot read) and `PermissionDenied` where they may
see the group but not act (a member calling a moderator URL).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from groups import permissions as group_perms
from groups.models import Group, Membership
from posts import permissions as post_perms
from posts.models import Comment, ContentState, Post


def can_moderate(user: Any, group: Group) -> bool:
    """Work the review queue and decide: the group's moderators and administrators."""
    return group_perms.is_admin_or_moderator(user, group)


def can_see_concerns(user: Any, group: Group) -> bool:
    """Concern-for-a-member flags also reach staff, who answer members: they
    see those items (read only) and get the e-mail."""
    return group_perms.is_team(user, group)


def can_view_queue(user: Any, group: Group) -> bool:
    return can_see_concerns(user, group)


def can_view_audit_log(user: Any, group: Group) -> bool:
    return group_perms.is_admin(user, group)


def can_edit_settings(user: Any, group: Group) -> bool:
    return group_perms.is_admin(user, group)


def can_act_on_author(user: Any, group: Group, author_membership: Membership | None) -> bool:
    """Mute, remove or ban the author of an item (see groups.permissions)."""
    return author_membership is not None and group_perms.can_discipline(
        user, group, author_membership
    )


# --- checks that raise ---------------------------------------------------------


def require_moderate(user: Any, group: Group) -> None:
    group_perms.require_member(user, group)
    if not can_moderate(user, group):
        raise PermissionDenied


def require_view_queue(user: Any, group: Group) -> None:
    group_perms.require_member(user, group)
    if not can_view_queue(user, group):
        raise PermissionDenied


def require_view_audit_log(user: Any, group: Group) -> None:
    group_perms.require_member(user, group)
    if not can_view_audit_log(user, group):
        raise PermissionDenied


def require_edit_settings(user: Any, group: Group) -> None:
    group_perms.require_member(user, group)
    if not can_edit_settings(user, group):
        raise PermissionDenied


def require_view_item(user: Any, post: Post, comment: Comment | None) -> None:
    """404 unless the person may read the item (removed items included: the
    flag service then explains that it is gone)."""
    if not post_perms.can_read_place(user, post.group, post.subgroup):
        raise Http404
    for item in (post, comment):
        if item is None or item.state in (ContentState.VISIBLE, ContentState.REMOVED):
            continue
        if item.author_id != getattr(user, "pk", None) and not can_moderate(user, post.group):
            raise Http404


def moderation_capabilities(user: Any, group: Group) -> dict[str, bool]:
    return {
        "moderate": can_moderate(user, group),
        "view_queue": can_view_queue(user, group),
        "view_log": can_view_audit_log(user, group),
        "edit_settings": can_edit_settings(user, group),
    }
