"""Who may read a group's insights, and who may answer WHO-5 where."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from groups import permissions as group_perms
from groups.models import Group, Role
from insights.models import InsightSettings, Who5Answer, Who5Consent


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


# --- WHO-5 ---------------------------------------------------------------------------
#
# A member's WHO-5 answers are health data (GDPR art. 9) that no one else ever
# sees: there is no URL that shows one person's answers to anyone but that
# person. Staff read aggregates only (insights.who5.who5_aggregates), on the
# dashboard, under can_view_insights.

_WHO5_SETTINGS_ATTR = "_sammen_who5_settings"


def who5_settings(group: Group) -> InsightSettings:
    """The group's insight settings, or the defaults (unsaved; WHO-5 off) when
    it has no row. Kept on the group object for the request, as
    groups.permissions.membership_for keeps the membership: every WHO-5 check
    asks for it."""
    if _WHO5_SETTINGS_ATTR not in group.__dict__:
        found = InsightSettings.objects.filter(group=group).first()
        group.__dict__[_WHO5_SETTINGS_ATTR] = found or InsightSettings(group=group)
    settings: InsightSettings = group.__dict__[_WHO5_SETTINGS_ATTR]
    return settings


def who5_enabled(group: Group) -> bool:
    return bool(who5_settings(group).who5_enabled)


def can_check_in(user: Any, group: Group) -> bool:
    """Give consent and answer: the group's ordinary members, where the
    administrators have switched WHO-5 on. Not its staff, moderators and
    administrators: the check-ins measure what the group does for its members,
    and an employee's "consent" asked at work is not freely given."""
    return who5_enabled(group) and group_perms.role_in(user, group) == Role.MEMBER


def has_own_who5_data(user: Any, group: Group) -> bool:
    """The person has an active consent or answers in the group."""
    if not group_perms.is_member(user, group):
        return False
    active = Who5Consent.objects.filter(user=user, group=group, withdrawn_at__isnull=True)
    return active.exists() or Who5Answer.objects.filter(user=user, group=group).exists()


def can_see_own_who5(user: Any, group: Group) -> bool:
    """ "Mine svar" and withdrawing: whoever may check in, and anyone in the
    group who still has consent or answers there, also after WHO-5 was switched
    off or their role changed (withdrawing must stay as easy as consenting,
    GDPR art. 7(3))."""
    return can_check_in(user, group) or has_own_who5_data(user, group)


def require_who5_page(user: Any, group: Group) -> None:
    """The explanation page: 404 for those who may not read the group and,
    while WHO-5 is off, for everyone (the feature does not exist then)."""
    if not group_perms.can_view_content(user, group) or not who5_enabled(group):
        raise Http404


def require_check_in(user: Any, group: Group) -> None:
    """Consent and the questions: 404 as require_who5_page, 403 for the
    group's team (they may know WHO-5 exists, not take part)."""
    require_who5_page(user, group)
    if not can_check_in(user, group):
        raise PermissionDenied


def require_own_who5(user: Any, group: Group) -> None:
    """One's own answers and withdrawal (can_see_own_who5): 404 for those who
    may not read the group and, while WHO-5 is off, for those with nothing
    there; 403 for the team."""
    if not group_perms.can_view_content(user, group):
        raise Http404
    if can_see_own_who5(user, group):
        return
    if not who5_enabled(group):
        raise Http404
    raise PermissionDenied
