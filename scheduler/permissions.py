"""Who may plan: the group's staff and administrators. Members never see the plan."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from groups import permissions as group_perms
from groups.models import Group, MembershipStatus

PLANNER_ROLES = group_perms.ADMIN_OR_STAFF


def can_plan(user: Any, group: Group | None) -> bool:
    """Staff and administrators plan the group's posts (and its sub-groups')."""
    if group is None:
        return False
    m = group_perms.membership_for(user, group)
    return m is not None and m.status == MembershipStatus.ACTIVE and m.role in PLANNER_ROLES


def require_plan(user: Any, group: Group) -> None:
    """404 for anyone who may not read the group (it may be secret); 403 for a
    member who may read it but not plan."""
    if not group_perms.can_view_content(user, group):
        raise Http404
    if not can_plan(user, group):
        raise PermissionDenied


def cannot_publish_reason(author: Any, group: Group | None, lost_subgroup: bool) -> str:
    """Why a scheduled post may no longer be published, or "" if it may.
    Judged by the author's memberships as cached on `author`: the publisher
    forgets them first (group_perms.forget_memberships), once per batch."""
    if group is None:
        return _("Gruppen findes ikke længere.")
    if lost_subgroup:
        return _("Undergruppen findes ikke længere.")
    if not can_plan(author, group):
        return _("%(name)s er ikke længere medarbejder eller administrator i gruppen.") % {
            "name": author.display_name
        }
    return ""
