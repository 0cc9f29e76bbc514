"""Start a new generation of a group (groups.selectors.group_generation: the
side panel and the feed's cached pages are keyed on it) after a commit that
changes what they show besides posts, comments and reactions.

Model signals, not calls in each service: every way a membership or sub-group
is saved (services, admin, seed_demo) passes here. The new generation is set
after commit, so a page read in between is cached under the old one, never
the reverse.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.models import User
from groups.models import Group, Membership, MembershipStatus, SubGroup, SubGroupMembership
from groups.selectors import group_changed


def _later(group_id: int | None) -> None:
    if group_id is not None:
        transaction.on_commit(lambda: group_changed(group_id))


@receiver([post_save, post_delete], sender=Group)
def _group(sender: Any, instance: Group, **kwargs: Any) -> None:
    _later(instance.pk)


@receiver([post_save, post_delete], sender=Membership)
@receiver([post_save, post_delete], sender=SubGroup)
def _membership_or_subgroup(sender: Any, instance: Any, **kwargs: Any) -> None:
    _later(instance.group_id)


@receiver([post_save, post_delete], sender=SubGroupMembership)
def _subgroup_membership(sender: Any, instance: SubGroupMembership, **kwargs: Any) -> None:
    group_id = SubGroup.objects.filter(pk=instance.subgroup_id).values_list("group_id", flat=True)
    _later(group_id.first())


@receiver(post_save, sender=User)
def _profile(sender: Any, instance: User, update_fields: Any = None, **kwargs: Any) -> None:
    """A name or picture shown among the group's people."""
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    for group_id in Membership.objects.filter(
        user_id=instance.pk, status=MembershipStatus.ACTIVE
    ).values_list("group_id", flat=True):
        _later(group_id)
