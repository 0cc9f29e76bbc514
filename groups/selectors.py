"""Non-trivial reads for groups. Each takes the viewer and returns only what
that viewer may see; callers have already passed the permission check."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from groups import permissions as perms
from groups.models import (
    Group,
    Invite,
    Membership,
    MembershipStatus,
    Role,
    SubGroup,
    SubGroupMembership,
    SubGroupMembershipStatus,
    Visibility,
)

ROLE_ORDER = {Role.ADMIN: 0, Role.STAFF: 1, Role.MODERATOR: 2, Role.MEMBER: 3}


def _group_by_slug(viewer: Any, group_slug: str) -> Group:
    """The group, else 404, with the viewer's membership row read in the same
    query when they have one (every group page asks for both) and remembered
    for the permission checks that follow (permissions.membership_for)."""
    if viewer is not None and viewer.is_authenticated:
        membership = (
            Membership.objects.select_related("group")
            .filter(user=viewer, group__slug=group_slug)
            .first()
        )
        if membership is not None:
            perms.prime_memberships(viewer, group_id=membership.group_id, membership=membership)
            return membership.group
    group = get_object_or_404(Group, slug=group_slug)
    perms.prime_memberships(viewer, group_id=group.pk, membership=None)
    return group


def group_get_for_face(*, viewer: Any, group_slug: str) -> Group:
    """The group whose public face the viewer may see, else 404."""
    group = _group_by_slug(viewer, group_slug)
    perms.require_public_face(viewer, group)
    return group


def group_get_for_member(*, viewer: Any, group_slug: str) -> Group:
    """The group whose content the viewer may see, else 404 (same answer as a
    group that does not exist)."""
    group = _group_by_slug(viewer, group_slug)
    perms.require_member(viewer, group)
    return group


def subgroup_get(*, viewer: Any, group: Group, subgroup_slug: str) -> SubGroup:
    sub = (
        SubGroup.objects.select_related("facilitator", "group")
        .filter(group=group, slug=subgroup_slug)
        .first()
    )
    if sub is None:
        raise Http404
    perms.require_view_subgroup(viewer, sub)
    return sub


def active_member_count(group: Group) -> int:
    return Membership.objects.filter(group=group, status=MembershipStatus.ACTIVE).count()


def group_admin_names(group: Group) -> list[str]:
    return list(
        Membership.objects.filter(group=group, status=MembershipStatus.ACTIVE, role=Role.ADMIN)
        .order_by("user__display_name")
        .values_list("user__display_name", flat=True)
    )


def group_members(*, group: Group, query: str = "") -> QuerySet[Membership]:
    qs = Membership.objects.filter(group=group, status=MembershipStatus.ACTIVE).select_related(
        "user"
    )
    if query:
        qs = qs.filter(user__display_name__icontains=query)
    return qs.order_by("user__display_name")


def group_staff_members(*, group: Group) -> list[Membership]:
    """Admins, staff and moderators, so members know who to turn to."""
    rows = list(
        Membership.objects.filter(group=group, status=MembershipStatus.ACTIVE)
        .exclude(role=Role.MEMBER)
        .select_related("user")
    )
    rows.sort(key=lambda m: (ROLE_ORDER[Role(m.role)], m.user.display_name))
    return rows


def members_with_roles(*, group: Any, roles: Any) -> QuerySet[Membership]:
    """The group's active members with one of these roles (a role set of
    groups.permissions: the team, its administrators, its planners)."""
    return Membership.objects.filter(group=group, status=MembershipStatus.ACTIVE, role__in=roles)


def group_pending_requests(*, group: Group) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(group=group, status=MembershipStatus.PENDING)
        .select_related("user")
        .order_by("requested_at")
    )


def group_banned(*, group: Group) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(group=group, status=MembershipStatus.BANNED)
        .select_related("user", "decided_by")
        .order_by("-decided_at")
    )


def group_invites(*, group: Group) -> QuerySet[Invite]:
    return Invite.objects.filter(group=group).select_related("created_by").order_by("-created_at")


def _subgroups_with_counts(group: Group) -> list[SubGroup]:
    subs: list[SubGroup] = list(
        SubGroup.objects.filter(group=group)
        .select_related("facilitator")
        .annotate(
            active_count=Count(
                "memberships", filter=Q(memberships__status=SubGroupMembershipStatus.ACTIVE)
            )
        )
        .order_by("name")
    )
    for sub in subs:
        sub.is_full = (  # type: ignore[attr-defined]
            sub.member_cap is not None and sub.active_count >= sub.member_cap  # type: ignore[attr-defined]
        )
    return subs


def _with_viewer_status(viewer: Any, group: Group, subs: list[SubGroup]) -> list[SubGroup]:
    mine: dict[int, SubGroupMembership] = {}
    if subs and getattr(viewer, "pk", None):
        mine = {
            sm.subgroup_id: sm
            for sm in SubGroupMembership.objects.filter(user=viewer, subgroup__group=group)
        }
    for sub in subs:
        sub.my_membership = mine.get(sub.pk)  # type: ignore[attr-defined]
    return subs


def group_subgroups(*, viewer: Any, group: Group) -> list[SubGroup]:
    """Sub-groups with their active member counts and the viewer's own status."""
    return _with_viewer_status(viewer, group, _subgroups_with_counts(group))


# --- a group's generation, and the side panel cached by it ---------------------------
#
# Member count, administrators, staff and the sub-groups with their counts are
# the same for every member and change rarely, so they are read once per
# "generation" of the group. groups.receivers starts a new generation after any
# commit that saves or deletes a group, membership, sub-group, sub-group
# membership, or a profile shown there (and seed_demo after re-seeding). The
# feed's cached pages carry it in their key too (posts.fragments), for what
# changes a feed without a FeedEvent. The viewer's own sub-group status is read
# fresh on every page.

SIDE_PANEL_TTL = 600


def _generation_key(group_id: int) -> str:
    return f"group-gen:{group_id}"


def group_changed(group_id: int) -> None:
    """Start a new generation (call after commit)."""
    cache.set(_generation_key(group_id), secrets.token_hex(6), None)


def group_generation(group: Group) -> str:
    """The group's current generation; read once per request (kept on `group`)."""
    gen: str | None = getattr(group, "_sammen_generation", None)
    if gen is not None:
        return gen
    key = _generation_key(group.pk)
    value = cache.get(key)
    if value is None:
        # Never fall back to a fixed value: an evicted generation would bring
        # back what was cached under it before.
        fresh = secrets.token_hex(6)
        cache.add(key, fresh, None)
        value = cache.get(key) or fresh
    gen = str(value)
    group._sammen_generation = gen  # type: ignore[attr-defined]
    return gen


def group_side_panel(*, viewer: Any, group: Group) -> dict[str, Any]:
    """member_count, admin_names, staff_members and subgroups (with the
    viewer's status on each) for the group page."""
    key = f"group-panel:{group.pk}:{group.created_at.timestamp()}:{group_generation(group)}"
    panel: dict[str, Any] | None = cache.get(key)
    if panel is None:
        panel = {
            "member_count": active_member_count(group),
            "admin_names": group_admin_names(group),
            "staff_members": group_staff_members(group=group),
            "subgroups": _subgroups_with_counts(group),
        }
        cache.set(key, panel, SIDE_PANEL_TTL)
    panel["subgroups"] = _with_viewer_status(viewer, group, panel["subgroups"])
    return panel


def subgroup_members(*, subgroup: SubGroup) -> QuerySet[SubGroupMembership]:
    return (
        SubGroupMembership.objects.filter(subgroup=subgroup, status=SubGroupMembershipStatus.ACTIVE)
        .select_related("user")
        .order_by("user__display_name")
    )


def subgroup_pending(*, subgroup: SubGroup) -> QuerySet[SubGroupMembership]:
    return (
        SubGroupMembership.objects.filter(
            subgroup=subgroup, status=SubGroupMembershipStatus.PENDING
        )
        .select_related("user")
        .order_by("requested_at")
    )


def subgroup_active_count(subgroup: SubGroup) -> int:
    return SubGroupMembership.objects.filter(
        subgroup=subgroup, status=SubGroupMembershipStatus.ACTIVE
    ).count()


def group_face(*, viewer: Any, group: Group) -> dict[str, Any]:
    """What a group's public face shows a visitor (never its content)."""
    return {
        "member_count": active_member_count(group),
        "admin_names": group_admin_names(group),
        "membership": perms.membership_for(viewer, group),
    }


def subgroup_page(*, viewer: Any, subgroup: SubGroup) -> dict[str, Any]:
    """What a sub-group's page shows around its feed, as far as the viewer may
    see it: its people only to those who may see its members."""
    active_count = subgroup_active_count(subgroup)
    my = perms.subgroup_membership_for(viewer, subgroup)
    can_see_members = perms.can_view_subgroup_members(viewer, subgroup)
    can_manage = perms.can_manage_subgroup(viewer, subgroup)
    return {
        "sub": subgroup,
        "sub_can": perms.subgroup_capabilities(viewer, subgroup),
        "active_count": active_count,
        "is_full": subgroup.member_cap is not None and active_count >= subgroup.member_cap,
        "my_membership": my,
        "is_pending": my is not None and my.status == SubGroupMembershipStatus.PENDING,
        "members": subgroup_members(subgroup=subgroup) if can_see_members else [],
        "pending": subgroup_pending(subgroup=subgroup) if can_manage else [],
    }


def home_for(user: User) -> dict[str, Any]:
    """Everything on a signed-in person's home page."""
    memberships = list(
        Membership.objects.filter(user=user)
        .select_related("group")
        .annotate(
            member_count=Count(
                "group__memberships",
                filter=Q(group__memberships__status=MembershipStatus.ACTIVE),
                distinct=True,
            ),
            waiting_count=Count(
                "group__memberships",
                filter=Q(group__memberships__status=MembershipStatus.PENDING),
                distinct=True,
            ),
        )
        .order_by("group__name")
    )
    active = [m for m in memberships if m.status == MembershipStatus.ACTIVE]
    pending = [m for m in memberships if m.status == MembershipStatus.PENDING]
    recent = timezone.now() - timedelta(days=14)
    decisions = [
        m
        for m in memberships
        if m.decided_at is not None
        and m.decided_at >= recent
        and m.status in (MembershipStatus.ACTIVE, MembershipStatus.DECLINED)
        and m.invite_id is None
    ]
    decisions.sort(key=lambda m: m.decided_at, reverse=True)  # type: ignore[arg-type,return-value]
    my_subgroups = list(
        SubGroupMembership.objects.filter(
            user=user,
            subgroup__group__memberships__user=user,
            subgroup__group__memberships__status=MembershipStatus.ACTIVE,
        )
        .select_related("subgroup", "subgroup__group")
        .order_by("subgroup__group__name", "subgroup__name")
    )
    known = {m.group_id for m in memberships}
    discover = list(discoverable_groups().exclude(pk__in=known)[:12])
    return {
        "active": active,
        "pending": pending,
        "decisions": decisions,
        "my_subgroups": my_subgroups,
        "discover": discover,
    }


def discoverable_groups() -> QuerySet[Group]:
    """Closed groups anyone may find; secret ones are never listed."""
    return (
        Group.objects.filter(visibility=Visibility.CLOSED)
        .annotate(
            member_count=Count("memberships", filter=Q(memberships__status=MembershipStatus.ACTIVE))
        )
        .order_by("name")
    )


def last_admin_groups(user: Any) -> list[Group]:
    """The groups in which the person is the only active administrator: they
    must hand over before they delete their account (privacy)."""
    admin_of = Membership.objects.filter(
        user=user, role=Role.ADMIN, status=MembershipStatus.ACTIVE
    ).values_list("group_id", flat=True)
    lonely = (
        Membership.objects.filter(
            group_id__in=list(admin_of), role=Role.ADMIN, status=MembershipStatus.ACTIVE
        )
        .values("group_id")
        .annotate(n=Count("pk"))
        .filter(n__lte=1)
        .values_list("group_id", flat=True)
    )
    return list(Group.objects.filter(pk__in=list(lonely)).order_by("name"))
