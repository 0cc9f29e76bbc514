"""Who may read a group's insights, and who may answer WHO-5 where."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from groups import permissions as group_perms
from groups.models import Group


def can_view_insights(user: Any, group: Group) -> bool:
    """The dashboard and the radar: the group's staff, moderators and administrators."""
    return group_perms.is_team(user, group)


def require_insights(user: Any, group: Group) -> None:
    """404 for anyone who may not read the group; 403 for its other members."""
    if not group_perms.can_view_content(user, group):
        raise Http404
    if not can_view_insights(user, group):
        raise PermissionDenied


def can_change_insight_settings(user: Any, group: Group) -> bool:
    """The radar's hours and switching WHO-5 on: administrators."""
    return group_perms.is_admin(user, group)
