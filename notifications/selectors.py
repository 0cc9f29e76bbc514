"""Reads of notifications: the unread count, the centre's pages, levels."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Q, QuerySet

from groups import permissions as group_perms
from groups.models import (
    Group,
    Membership,
    MembershipStatus,
    SubGroup,
    SubGroupMembership,
    SubGroupMembershipStatus,
)
from notifications import permissions as perms
from notifications.models import (
    Follow,
    GroupDefault,
    Level,
    MailSettings,
    Notification,
    Preference,
    PushSubscription,
)

PER_PAGE = 20


_UNREAD_ATTR = "_sammen_unread_notifications"


def unread_count(user: Any, *, fresh: bool = False) -> int:
    """The bell's number: unread rows (one query, kept on the user object for
    the rest of the request: the page's cache key and its header both ask).
    `fresh` counts again (a socket's user object lives as long as the socket)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    if fresh or _UNREAD_ATTR not in user.__dict__:
        with connection.cursor() as cursor:
            cursor.execute(_unread_sql(), [user.pk])
            user.__dict__[_UNREAD_ATTR] = int(cursor.fetchone()[0])
    return int(user.__dict__[_UNREAD_ATTR])


def _unread_sql() -> str:
    """The bell's count of one recipient (%s), written out: on a cached page
    the ORM's compiling of it cost more CPU than the database's answer."""
    table = connection.ops.quote_name(Notification._meta.db_table)
    return f"SELECT COUNT(*) FROM {table} WHERE recipient_id = %s AND read_at IS NULL"  # noqa: S608 - a model's table


def unread_counts(user_ids: Iterable[int]) -> dict[int, int]:
    """The bell's number for many people in one query (0 for those with none)."""
    ids = list(user_ids)
    found = dict(
        Notification.objects.filter(recipient_id__in=ids, read_at__isnull=True)
        .order_by()
        .values("recipient_id")
        .annotate(n=Count("id"))
        .values_list("recipient_id", "n")
    )
    return {user_id: int(found.get(user_id, 0)) for user_id in ids}


def forget_unread(user: Any) -> None:
    """After the person's own notifications changed in this request."""
    user.__dict__.pop(_UNREAD_ATTR, None)


def prime_reader(user: Any) -> None:
    """Read all the person's memberships in two queries, so that re-checking
    any number of notifications asks the database nothing more."""
    memberships = {m.group_id: m for m in Membership.objects.filter(user=user)}
    groups_seen = set(memberships)
    for group_id in groups_seen:
        group_perms.prime_memberships(user, group_id=group_id, membership=memberships[group_id])
    for sm in SubGroupMembership.objects.filter(user=user).select_related("subgroup"):
        group_perms.prime_memberships(
            user,
            group_id=sm.subgroup.group_id,
            membership=memberships.get(sm.subgroup.group_id),
            subgroup_id=sm.subgroup_id,
            subgroup_membership=sm,
        )


def _rows(user: Any) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(recipient=user)
        .select_related("group", "post", "post__subgroup", "comment", "actor")
        .order_by("-updated_at", "-id")
    )


def centre_page(*, viewer: Any, page: Any) -> tuple[Page[Notification], list[Notification]]:
    """One page of the person's notifications, newest first, and the rows of it
    the person may still see (the others are left out, not shown as gaps)."""
    paginator = Paginator(_rows(viewer), PER_PAGE)
    current = paginator.get_page(page)
    prime_reader(viewer)
    visible = [n for n in current.object_list if perms.can_see(viewer, n)]
    return current, visible


def group_default(group: Group) -> str:
    row = GroupDefault.objects.filter(group=group).first()
    return row.level if row is not None else Level.NORMAL


def level_for(user: Any, group: Group, subgroup: SubGroup | None = None) -> str:
    """The person's level for a place: their own choice for it, else for its
    group, else the group's default."""
    chosen = {
        p.subgroup_id: p.level
        for p in Preference.objects.filter(user=user, group=group).filter(
            Q(subgroup__isnull=True) | Q(subgroup=subgroup)
        )
    }
    if subgroup is not None and subgroup.pk in chosen:
        return chosen[subgroup.pk]
    if None in chosen:
        return chosen[None]
    return group_default(group)


def levels_for(user_ids: Iterable[int], group: Group, subgroup: SubGroup | None) -> dict[int, str]:
    """level_for for many people at once (three queries)."""
    ids = list(user_ids)
    default = group_default(group)
    levels = {user_id: default for user_id in ids}
    rows = Preference.objects.filter(user_id__in=ids, group=group).filter(
        Q(subgroup__isnull=True) | Q(subgroup=subgroup)
    )
    # Group choices first, then the sub-group's own, which win.
    for p in sorted(rows, key=lambda p: p.subgroup_id is not None):
        levels[p.user_id] = p.level
    return levels


def readers_among(user_ids: Iterable[int], group: Group, subgroup: SubGroup | None) -> set[int]:
    """Which of these people can read the place now (active members; for a
    sub-group, its active members and the group's administrators and moderators)."""
    ids = set(user_ids)
    if not ids:
        return set()
    active = Membership.objects.filter(group=group, user_id__in=ids, status=MembershipStatus.ACTIVE)
    if subgroup is None:
        return set(active.values_list("user_id", flat=True))
    keepers = set(
        active.filter(role__in=group_perms.ADMIN_OR_MODERATOR).values_list("user_id", flat=True)
    )
    in_sub = set(
        SubGroupMembership.objects.filter(
            subgroup=subgroup, user_id__in=ids, status=SubGroupMembershipStatus.ACTIVE
        ).values_list("user_id", flat=True)
    )
    return keepers | (in_sub & set(active.values_list("user_id", flat=True)))


def members_at_level(group: Group, subgroup: SubGroup | None, level: str) -> set[int]:
    """The readers of a place whose level there is `level`."""
    if level != group_default(group):
        # Only those who chose this level (for the group or the sub-group) can
        # be at it: start from their choices, not from every member.
        chosen = Preference.objects.filter(group=group, level=level).filter(
            Q(subgroup__isnull=True) | Q(subgroup=subgroup)
        )
        readers = readers_among(chosen.values_list("user_id", flat=True), group, subgroup)
        levels = levels_for(readers, group, subgroup)
        return {user_id for user_id, lv in levels.items() if lv == level}
    if subgroup is None:
        readers = set(
            Membership.objects.filter(group=group, status=MembershipStatus.ACTIVE).values_list(
                "user_id", flat=True
            )
        )
    else:
        readers = readers_among(
            SubGroupMembership.objects.filter(subgroup=subgroup).values_list("user_id", flat=True),
            group,
            subgroup,
        )
    levels = levels_for(readers, group, subgroup)
    return {user_id for user_id, lv in levels.items() if lv == level}


def followers(post: Any) -> set[int]:
    return set(Follow.objects.filter(post=post, following=True).values_list("user_id", flat=True))


def is_following(user: Any, post: Any) -> bool:
    return Follow.objects.filter(user=user, post=post, following=True).exists()


def is_following_with_unread(user: Any, post: Any) -> bool:
    """is_following, with the bell's unread count read in the same statement
    and kept for unread_count: the two reads of a cached post page's key, as
    one statement written out (the ORM's compiling of the two queries cost
    more CPU than the database's answer)."""
    if not getattr(user, "is_authenticated", False):
        return False
    follow_table = connection.ops.quote_name(Follow._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ({_unread_sql()}), "  # noqa: S608 - models' tables
            f"EXISTS (SELECT 1 FROM {follow_table}"
            " WHERE user_id = %s AND post_id = %s AND following)",
            [user.pk, user.pk, post.pk],
        )
        unread, following = cursor.fetchone()
    user.__dict__[_UNREAD_ATTR] = int(unread)
    return bool(following)


def my_places(user: Any) -> list[dict[str, Any]]:
    """The groups and sub-groups the person is in, with their level and the
    group's default, for the settings page."""
    memberships = list(
        Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE)
        .select_related("group")
        .order_by("group__name")
    )
    groups = [m.group for m in memberships]
    chosen = {(p.group_id, p.subgroup_id): p.level for p in Preference.objects.filter(user=user)}
    defaults = dict(GroupDefault.objects.filter(group__in=groups).values_list("group_id", "level"))
    subs = (
        SubGroupMembership.objects.filter(
            user=user, status=SubGroupMembershipStatus.ACTIVE, subgroup__group__in=groups
        )
        .select_related("subgroup")
        .order_by("subgroup__name")
    )
    subs_by_group: dict[int, list[SubGroup]] = {}
    for sm in subs:
        subs_by_group.setdefault(sm.subgroup.group_id, []).append(sm.subgroup)
    places = []
    for group in groups:
        default = defaults.get(group.pk, Level.NORMAL)
        places.append(
            {
                "group": group,
                "default": default,
                "level": chosen.get((group.pk, None), ""),
                "subgroups": [
                    {"subgroup": s, "level": chosen.get((group.pk, s.pk), "")}
                    for s in subs_by_group.get(group.pk, [])
                ],
            }
        )
    return places


def mail_choices(user: Any) -> MailSettings:
    """The person's e-mail choices; the defaults (unsaved) if never chosen."""
    row = MailSettings.objects.filter(user=user).first()
    return row if row is not None else MailSettings(user=user)


# --- Web push -------------------------------------------------------------------------


def push_devices(user: Any) -> int:
    """On how many browsers or phones the person has push messages on."""
    return PushSubscription.objects.filter(user=user).count()
