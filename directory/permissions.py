"""Who may see and change what in the directory.

Published entries are public: anyone, logged in or not, may read them. Every
other state is seen only by the people it concerns (the submitter, the
organising Sammen group's administrators) and the directory's editors; to
anyone else such an entry does not exist (Http404, as a missing one).
Roles are installation-wide (DirectoryRole), not per group.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from directory.models import DirectoryRole, DirectoryRoleKind, Entry, EntryStatus
from groups import permissions as group_permissions
from groups.models import Group, SubGroup

_ROLES_ATTR = "_sammen_directory_roles"


def _authenticated(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def directory_roles(user: Any) -> frozenset[str]:
    """The user's directory roles, read once per request (cached on the user)."""
    if not _authenticated(user):
        return frozenset()
    cached = user.__dict__.get(_ROLES_ATTR)
    if cached is None:
        cached = frozenset(DirectoryRole.objects.filter(user=user).values_list("role", flat=True))
        user.__dict__[_ROLES_ATTR] = cached
    return cached


def forget_directory_roles(user: Any) -> None:
    """Drop the cached roles after a write changed them."""
    user.__dict__.pop(_ROLES_ATTR, None)


def is_directory_editor(user: Any) -> bool:
    """Editors review submissions and keep the directory fresh."""
    return DirectoryRoleKind.EDITOR in directory_roles(user)


def is_coordinator(user: Any) -> bool:
    """Coordinators work the 'Tal med en fællesskabskoordinator' requests."""
    return DirectoryRoleKind.COORDINATOR in directory_roles(user)


def is_organiser(user: Any, entry: Entry) -> bool:
    """The submitter, or an administrator of the Sammen group the entry lists."""
    if not _authenticated(user):
        return False
    if entry.created_by_id is not None and entry.created_by_id == user.pk:
        return True
    if entry.group is not None:
        return group_permissions.is_admin(user, entry.group)
    return False


def can_view_entry(user: Any, entry: Entry) -> bool:
    """Published entries are public; others only to their organiser and editors."""
    if entry.status == EntryStatus.PUBLISHED:
        return True
    return is_directory_editor(user) or is_organiser(user, entry)


def can_edit_entry(user: Any, entry: Entry) -> bool:
    """Editors edit anything; the organiser edits their own unless it was declined
    (an edit to a published entry goes back to review: D2's services)."""
    if is_directory_editor(user):
        return True
    return entry.status != EntryStatus.DECLINED and is_organiser(user, entry)


def can_list_group(user: Any, group: Group) -> bool:
    """A closed group's administrators may show its public face in the
    directory; a secret group is never listed."""
    return not group.is_secret and group_permissions.is_admin(user, group)


def can_list_subgroup(user: Any, subgroup: SubGroup) -> bool:
    """A sub-group of a closed group, by the parent group's administrators."""
    return can_list_group(user, subgroup.group)


# --- Checks that raise ----------------------------------------------------------


def require_view_entry(user: Any, entry: Entry) -> None:
    if not can_view_entry(user, entry):
        raise Http404


def require_edit_entry(user: Any, entry: Entry) -> None:
    require_view_entry(user, entry)
    if not can_edit_entry(user, entry):
        raise PermissionDenied


def require_directory_editor(user: Any) -> None:
    """Editors' pages are not secret, but only editors may use them."""
    if not is_directory_editor(user):
        raise PermissionDenied


def require_coordinator(user: Any) -> None:
    if not is_coordinator(user):
        raise PermissionDenied


def require_list_group(user: Any, group: Group) -> None:
    group_permissions.require_group_admin(user, group)
    if group.is_secret:
        raise PermissionDenied
