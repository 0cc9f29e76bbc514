"""Every rule of who may see and do what in groups and sub-groups.

Predicates (`can_*`) answer yes/no; checks (`require_*`) raise `Http404` when
the user may not even know the object exists and `PermissionDenied` when they
may see it but not act. Views, templates (through `group_perms`), services and
consumers all use these, so a rule changes in one place.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from groups.models import (
    Group,
    Invite,
    Membership,
    MembershipStatus,
    Role,
    SubGroup,
    SubGroupMembership,
    SubGroupMembershipStatus,
)

_CACHE_ATTR = "_sammen_membership_cache"
_SUB_CACHE_ATTR = "_sammen_subgroup_membership_cache"


def _authenticated(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def membership_for(user: Any, group: Group) -> Membership | None:
    """The user's membership row in the group (any status), cached on the user
    object for the life of the request so repeated checks cost one query."""
    if not _authenticated(user):
        return None
    cache: dict[int, Membership | None] = user.__dict__.setdefault(_CACHE_ATTR, {})
    if group.pk not in cache:
        cache[group.pk] = Membership.objects.filter(user=user, group=group).first()
    return cache[group.pk]


def prime_memberships(
    user: Any,
    *,
    group_id: int,
    membership: Membership | None,
    subgroup_id: int | None = None,
    subgroup_membership: SubGroupMembership | None = None,
) -> None:
    """Put rows read elsewhere (for many viewers at once, e.g. by the live
    consumer) into the user's cache, so the predicates below judge by them."""
    if not _authenticated(user):
        return
    user.__dict__.setdefault(_CACHE_ATTR, {})[group_id] = membership
    if subgroup_id is not None:
        user.__dict__.setdefault(_SUB_CACHE_ATTR, {})[subgroup_id] = subgroup_membership


def forget_memberships(user: Any) -> None:
    """Drop cached rows after a write changed them."""
    user.__dict__.pop(_CACHE_ATTR, None)
    user.__dict__.pop(_SUB_CACHE_ATTR, None)


# The role sets the rules are made of, each named once.
# Administrators and staff: found sub-groups, pin, plan the week's posts.
ADMIN_OR_STAFF = frozenset({Role.ADMIN, Role.STAFF})
# Administrators and moderators: work the moderation queue, discipline members.
ADMIN_OR_MODERATOR = frozenset({Role.ADMIN, Role.MODERATOR})
# The group's team: everyone who answers members (concerns reach all of them).
TEAM = frozenset({Role.ADMIN, Role.MODERATOR, Role.STAFF})


def role_in(user: Any, group: Group) -> str | None:
    m = membership_for(user, group)
    return m.role if m is not None and m.status == MembershipStatus.ACTIVE else None


def is_member(user: Any, group: Group) -> bool:
    return role_in(user, group) is not None


def is_admin(user: Any, group: Group) -> bool:
    return role_in(user, group) == Role.ADMIN


def is_admin_or_staff(user: Any, group: Group) -> bool:
    return role_in(user, group) in ADMIN_OR_STAFF


def is_admin_or_moderator(user: Any, group: Group) -> bool:
    return role_in(user, group) in ADMIN_OR_MODERATOR


def is_team(user: Any, group: Group) -> bool:
    return role_in(user, group) in TEAM


def is_banned(user: Any, group: Group) -> bool:
    m = membership_for(user, group)
    return m is not None and m.status == MembershipStatus.BANNED


def is_pending(user: Any, group: Group) -> bool:
    m = membership_for(user, group)
    return m is not None and m.status == MembershipStatus.PENDING


# --- Groups -----------------------------------------------------------------


def sees_welcome(user: Any, group: Group) -> bool:
    """A member who has not closed the welcome card of their first visit."""
    m = membership_for(user, group)
    return m is not None and m.is_active and m.welcomed_at is None


def can_view_public_face(user: Any, group: Group) -> bool:
    """Closed groups show name, description and rules to everyone; secret ones
    exist only for their members."""
    return not group.is_secret or is_member(user, group)


def can_view_content(user: Any, group: Group) -> bool:
    """Members list, sub-groups and (later) posts: active members only."""
    return is_member(user, group)


def can_request_join(user: Any, group: Group) -> bool:
    if not _authenticated(user) or group.is_secret:
        return False
    m = membership_for(user, group)
    return m is None or m.status == MembershipStatus.DECLINED


def can_leave(user: Any, group: Group) -> bool:
    return is_member(user, group)


def can_manage_members(user: Any, group: Group) -> bool:
    """Approve requests, change roles, remove and ban: administrators."""
    return is_admin(user, group)


def can_discipline(user: Any, group: Group, target: Membership) -> bool:
    """Remove, ban or mute someone: administrators (anyone but themselves);
    moderators too, from the moderation queue, but only ordinary members."""
    if not _authenticated(user) or target.user_id == user.pk:
        return False
    role = role_in(user, group)
    if role == Role.ADMIN:
        return True
    return (
        role == Role.MODERATOR
        and target.status == MembershipStatus.ACTIVE
        and target.role == Role.MEMBER
    )


def can_edit_group(user: Any, group: Group) -> bool:
    return is_admin(user, group)


def can_manage_invites(user: Any, group: Group) -> bool:
    return is_admin(user, group)


def can_create_group(user: Any) -> bool:
    """Groups are founded by the site operator's people (Django staff)."""
    return _authenticated(user) and bool(user.is_staff)


def can_view_invite_landing(user: Any, invite: Invite) -> bool:
    """A working link shows its group's public face, even a secret group's. A
    revoked, expired or used-up one shows it only to those who may see it
    anyway: a dead link to a secret group must not keep revealing it."""
    return invite.is_usable or can_view_public_face(user, invite.group)


# --- Sub-groups ---------------------------------------------------------------


def subgroup_membership_for(user: Any, subgroup: SubGroup) -> SubGroupMembership | None:
    if not _authenticated(user):
        return None
    cache: dict[int, SubGroupMembership | None] = user.__dict__.setdefault(_SUB_CACHE_ATTR, {})
    if subgroup.pk not in cache:
        cache[subgroup.pk] = SubGroupMembership.objects.filter(user=user, subgroup=subgroup).first()
    return cache[subgroup.pk]


def is_subgroup_member(user: Any, subgroup: SubGroup) -> bool:
    sm = subgroup_membership_for(user, subgroup)
    return (
        sm is not None
        and sm.status == SubGroupMembershipStatus.ACTIVE
        and is_member(user, subgroup.group)
    )


def can_create_subgroup(user: Any, group: Group) -> bool:
    return is_admin_or_staff(user, group)


def can_view_subgroup(user: Any, subgroup: SubGroup) -> bool:
    """A sub-group's face (name, description, facilitator): parent members."""
    return is_member(user, subgroup.group)


def can_view_subgroup_members(user: Any, subgroup: SubGroup) -> bool:
    """Its member list and content: its members and the parent group's
    administrators and moderators."""
    return is_subgroup_member(user, subgroup) or role_in(user, subgroup.group) in (
        Role.ADMIN,
        Role.MODERATOR,
    )


def can_manage_subgroup(user: Any, subgroup: SubGroup) -> bool:
    """Edit, approve requests, remove members: parent admins and the facilitator."""
    if is_admin(user, subgroup.group):
        return True
    return (
        _authenticated(user)
        and subgroup.facilitator_id == user.pk
        and is_member(user, subgroup.group)
    )


def can_join_subgroup(user: Any, subgroup: SubGroup) -> bool:
    return is_member(user, subgroup.group) and subgroup_membership_for(user, subgroup) is None


# --- Checks that raise ----------------------------------------------------------


def require_public_face(user: Any, group: Group) -> None:
    if not can_view_public_face(user, group):
        raise Http404


def require_member(user: Any, group: Group) -> None:
    """Anything beyond the public face is 404 to non-members: they must not
    learn what is inside."""
    if not can_view_content(user, group):
        raise Http404


def require_group_admin(user: Any, group: Group) -> None:
    require_member(user, group)
    if not is_admin(user, group):
        raise PermissionDenied


def require_can_create_subgroup(user: Any, group: Group) -> None:
    require_member(user, group)
    if not can_create_subgroup(user, group):
        raise PermissionDenied


def require_view_subgroup(user: Any, subgroup: SubGroup) -> None:
    if not can_view_subgroup(user, subgroup):
        raise Http404


def require_manage_subgroup(user: Any, subgroup: SubGroup) -> None:
    require_view_subgroup(user, subgroup)
    if not can_manage_subgroup(user, subgroup):
        raise PermissionDenied


def group_capabilities(user: Any, group: Group) -> dict[str, bool]:
    """What the viewer may do in this group, for templates to show only the
    controls a person may use."""
    return {
        "is_member": is_member(user, group),
        "is_pending": is_pending(user, group),
        "is_banned": is_banned(user, group),
        "can_view_content": can_view_content(user, group),
        "can_request_join": can_request_join(user, group),
        "can_leave": can_leave(user, group),
        "can_manage_members": can_manage_members(user, group),
        "can_edit_group": can_edit_group(user, group),
        "can_manage_invites": can_manage_invites(user, group),
        "can_create_subgroup": can_create_subgroup(user, group),
    }


def subgroup_capabilities(user: Any, subgroup: SubGroup) -> dict[str, bool]:
    return {
        "is_subgroup_member": is_subgroup_member(user, subgroup),
        "can_view_members": can_view_subgroup_members(user, subgroup),
        "can_manage": can_manage_subgroup(user, subgroup),
        "can_join": can_join_subgroup(user, subgroup),
        "can_delete": is_admin(user, subgroup.group),
    }
