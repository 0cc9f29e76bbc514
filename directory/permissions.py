"""Who may see and change what in the directory.

Published entries are public: anyone, logged in or not, may read them. Every
other state is seen only by the people it concerns (the submitter, the
organising Sammen group's administrators) and the directory's editors; to
anyone else such an entry does not exist (Http404, as a missing one).
Roles are installation-wide (DirectoryRole), not per group.
"""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
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


# --- Submissions, review, freshness, coordinators, lists (issue 15, second half) ---


def has_verified_email(user: Any) -> bool:
    """An account whose e-mail address allauth has verified."""
    if not _authenticated(user):
        return False
    cached = user.__dict__.get("_sammen_verified_email")
    if cached is None:
        cached = EmailAddress.objects.filter(user=user, verified=True).exists()
        user.__dict__["_sammen_verified_email"] = cached
    return bool(cached)


def can_submit_entry(user: Any) -> bool:
    """Anyone with a verified account may submit their association's entry."""
    return has_verified_email(user)


def require_submit_entry(user: Any) -> None:
    if not can_submit_entry(user):
        raise PermissionDenied


def require_own_entry(user: Any, entry: Entry) -> None:
    """The organiser's own pages of an entry (its edit form): to anyone but
    its organiser and the editors the entry is not there (404, whatever its
    state: a submitter editing someone else's entry learns nothing)."""
    if not (is_directory_editor(user) or is_organiser(user, entry)):
        raise Http404
    if not can_edit_entry(user, entry):
        raise PermissionDenied


def can_review(user: Any) -> bool:
    """Approve, decline or ask for changes: the directory's editors."""
    return is_directory_editor(user)


def require_review(user: Any) -> None:
    require_directory_editor(user)


def require_coordinator_inbox(user: Any) -> None:
    """The coordinators' requests hold a citizen's name, phone and wishes:
    to anyone else they do not exist (404, never a hint)."""
    if not is_coordinator(user):
        raise Http404


def can_curate_lists(user: Any) -> bool:
    """Inspiration lists are curated by the directory's editors."""
    return is_directory_editor(user)


def require_curate_lists(user: Any) -> None:
    require_directory_editor(user)
