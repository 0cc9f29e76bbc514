"""Who may read and write posts, comments and reactions.

Built on groups.permissions: a post in a group is for the group's members; a
post in a sub-group is for the sub-group's members and the group's
administrators and moderators. Muted members read but do not write. Items
that are pending or hidden show only to their author and to moderators;
removed items show to no one.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from groups import permissions as group_perms
from groups.models import Group, SubGroup
from posts.models import Comment, ContentState, Post
from sammen.dates import format_for


def can_read_place(user: Any, group: Group, subgroup: SubGroup | None) -> bool:
    """The feed of a group, or of one of its sub-groups."""
    if subgroup is not None:
        return subgroup.group_id == group.pk and group_perms.can_view_subgroup_members(
            user, subgroup
        )
    return group_perms.can_view_content(user, group)


def is_moderator(user: Any, group: Group) -> bool:
    return group_perms.is_admin_or_moderator(user, group)


def can_pin(user: Any, group: Group) -> bool:
    return group_perms.is_admin_or_staff(user, group)


def muted_until(user: Any, group: Group) -> Any:
    m = group_perms.membership_for(user, group)
    return m.muted_until if m is not None and m.is_muted else None


def can_write_place(user: Any, group: Group, subgroup: SubGroup | None) -> bool:
    if not can_read_place(user, group, subgroup):
        return False
    if subgroup is not None and not group_perms.is_subgroup_member(user, subgroup):
        # Admins and moderators read sub-groups to keep them safe; only members post.
        return False
    return muted_until(user, group) is None


def can_view_post(user: Any, post: Post) -> bool:
    if not can_read_place(user, post.group, post.subgroup):
        return False
    if post.state == ContentState.VISIBLE:
        return True
    if post.state == ContentState.REMOVED:
        return False
    return post.author_id == getattr(user, "pk", None) or is_moderator(user, post.group)


def can_view_comment(user: Any, comment: Comment) -> bool:
    if comment.state == ContentState.VISIBLE:
        return True
    if comment.state == ContentState.REMOVED:
        return False
    return comment.author_id == getattr(user, "pk", None) or is_moderator(user, comment.post.group)


def can_edit_post(user: Any, post: Post) -> bool:
    return (
        post.author_id == getattr(user, "pk", None)
        and post.state != ContentState.REMOVED
        and can_write_place(user, post.group, post.subgroup)
    )


def can_delete_post(user: Any, post: Post) -> bool:
    if post.state == ContentState.REMOVED or not can_read_place(user, post.group, post.subgroup):
        return False
    return post.author_id == getattr(user, "pk", None) or is_moderator(user, post.group)


def can_comment(user: Any, post: Post) -> bool:
    return post.state == ContentState.VISIBLE and can_write_place(user, post.group, post.subgroup)


def can_edit_comment(user: Any, comment: Comment) -> bool:
    return comment.author_id == getattr(user, "pk", None) and can_comment(user, comment.post)


def can_delete_comment(user: Any, comment: Comment) -> bool:
    if comment.state == ContentState.REMOVED:
        return False
    post = comment.post
    if not can_read_place(user, post.group, post.subgroup):
        return False
    return comment.author_id == getattr(user, "pk", None) or is_moderator(user, post.group)


def can_react(user: Any, post: Post) -> bool:
    return can_comment(user, post)


# --- checks that raise -------------------------------------------------------------


def require_read_place(user: Any, group: Group, subgroup: SubGroup | None) -> None:
    if not can_read_place(user, group, subgroup):
        raise Http404


def require_view_post(user: Any, post: Post) -> None:
    if not can_view_post(user, post):
        raise Http404


def require_write_place(user: Any, group: Group, subgroup: SubGroup | None) -> None:
    require_read_place(user, group, subgroup)
    until = muted_until(user, group)
    if until is not None:
        raise ValidationError(
            _("Du kan ikke skrive i gruppen før %(when)s. En moderator har sat dig på pause.")
            % {"when": formats.date_format(timezone.localtime(until), format_for("datetime"))}
        )
    if not can_write_place(user, group, subgroup):
        raise PermissionDenied


def require_comment(user: Any, post: Post) -> None:
    require_view_post(user, post)
    require_write_place(user, post.group, post.subgroup)
    if post.state != ContentState.VISIBLE:
        raise ValidationError(_("Du kan ikke kommentere på et opslag, der afventer gennemgang."))


def flag_refusal(user: Any, post: Post, comment: Comment | None) -> str:
    """Why this person may not report this post or comment: "own" (their own
    words), "outsider" (not a member who can read it), or "" when they may."""
    item: Any = comment if comment is not None else post
    if item.author_id is not None and item.author_id == getattr(user, "pk", None):
        return "own"
    if not (
        can_read_place(user, post.group, post.subgroup) and group_perms.is_member(user, post.group)
    ):
        return "outsider"
    return ""


def can_flag(user: Any, post: Post, comment: Comment | None) -> bool:
    """Whether to offer the report button: any member who can read a visible
    item that is not their own."""
    item: Any = comment if comment is not None else post
    if item.state != ContentState.VISIBLE or post.state != ContentState.VISIBLE:
        return False
    return flag_refusal(user, post, comment) == ""


def comment_capabilities(user: Any, comment: Comment) -> dict[str, bool]:
    """What the viewer may do with a comment (its post already on `comment.post`)."""
    can_comment_here = can_comment(user, comment.post)
    return {
        "flag": can_flag(user, comment.post, comment),
        "edit": comment.author_id == getattr(user, "pk", None) and can_comment_here,
        "delete": can_delete_comment(user, comment),
        "reply": can_comment_here,
        "react": can_comment_here,
    }


def post_capabilities(user: Any, post: Post) -> dict[str, bool]:
    return {
        "flag": can_flag(user, post, None),
        "edit": can_edit_post(user, post),
        "delete": can_delete_post(user, post),
        "comment": can_comment(user, post),
        "react": can_react(user, post),
        "pin": can_pin(user, post.group) and post.subgroup_id is None,
    }
