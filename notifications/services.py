"""Every write of notifications: telling people, marking read, levels, follows.

Notifications are written in the transaction of what caused them (the apps
below tell this one with signals; notifications.receivers). The live bell of
each person told is nudged after commit, over their own channel.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from groups import permissions as group_perms
from groups.models import Group, SubGroup
from notifications import permissions as perms
from notifications import selectors
from notifications.models import Follow, GroupDefault, Kind, Level, Notification, Preference
from posts.models import Comment, Post
from sammen.events import publish, user_channel_name

BELL_EVENT = "notifications.changed"


def notify(
    *,
    recipients: Iterable[int],
    kind: str,
    group: Group,
    actor: User | None = None,
    post: Post | None = None,
    comment: Comment | None = None,
    object_id: int | None = None,
    text: str = "",
) -> int:
    """Tell these people (never the actor). An unread row of the same kind
    about the same post gathers the new event (count + 1, newest actor and
    comment); otherwise a new row. Returns how many people were told."""
    told = {r for r in recipients if r is not None and r != getattr(actor, "pk", None)}
    if not told:
        return 0
    now = timezone.now()
    joined: set[int] = set()
    if post is not None:
        existing = Notification.objects.filter(
            recipient_id__in=told, kind=kind, post=post, read_at__isnull=True
        )
        joined = set(existing.values_list("recipient_id", flat=True))
        if joined:
            existing.update(
                count=F("count") + 1,
                actor=actor,
                comment=comment,
                updated_at=now,
                text=text[:200],
            )
    fresh = [
        Notification(
            recipient_id=user_id,
            kind=kind,
            group=group,
            post=post,
            comment=comment,
            actor=actor,
            object_id=object_id,
            text=text[:200],
            created_at=now,
            updated_at=now,
        )
        for user_id in sorted(told - joined)
    ]
    # Another request may have made the unread row a moment ago: that row
    # stands, this event is then not counted twice.
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    for user_id in sorted(told):
        publish(user_channel_name(user_id), BELL_EVENT)
    return len(told)


def notification_read(*, actor: User, notification: Notification) -> Notification:
    """The person opened a notification."""
    perms.require_own(actor, notification)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        notification.read_at = timezone.now()
        selectors.forget_unread(actor)
        publish(user_channel_name(actor.pk), BELL_EVENT)
    return notification


def notifications_read_all(*, actor: User) -> int:
    """ "Marker alle som læst"."""
    with transaction.atomic():
        count = Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        if count:
            selectors.forget_unread(actor)
            publish(user_channel_name(actor.pk), BELL_EVENT)
    return count


def notifications_prune(*, older_than_days: int | None = None) -> int:
    """Delete read notifications older than the setting (default 90 days)."""
    days = older_than_days or int(getattr(settings, "NOTIFICATIONS_KEEP_READ_DAYS", 90))
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _kinds = Notification.objects.filter(read_at__lt=cutoff).delete()
    return deleted


def level_set(*, actor: User, group: Group, subgroup: SubGroup | None = None, level: str) -> None:
    """The person's own level for a group or sub-group; "" returns to the default."""
    if level and level not in Level.values:
        raise ValidationError(_("Vælg et af niveauerne på listen."))
    if not perms.can_set_level(actor, group, subgroup):
        raise PermissionDenied
    with transaction.atomic():
        rows = Preference.objects.filter(user=actor, group=group, subgroup=subgroup)
        if not level:
            rows.delete()
        elif not rows.update(level=level):
            Preference.objects.create(user=actor, group=group, subgroup=subgroup, level=level)


def group_default_set(*, actor: User, group: Group, level: str) -> None:
    """An administrator's default for everyone in the group who has not chosen."""
    if level not in Level.values:
        raise ValidationError(_("Vælg et af niveauerne på listen."))
    if not group_perms.is_admin(actor, group):
        raise PermissionDenied
    GroupDefault.objects.update_or_create(group=group, defaults={"level": level})


def follow_set(*, actor: User, post: Post, following: bool) -> None:
    """ "Følg" / "Følg ikke" on a post."""
    if not perms.can_follow(actor, post):
        raise PermissionDenied
    with transaction.atomic():
        if not Follow.objects.filter(user=actor, post=post).update(following=following):
            try:
                with transaction.atomic():
                    Follow.objects.create(user=actor, post=post, following=following)
            except IntegrityError:  # a double click: the other request made it
                Follow.objects.filter(user=actor, post=post).update(following=following)


def follow_implicitly(*, user_id: int, post: Post) -> None:
    """Authors follow their post and commenters the post they commented on,
    unless they chose not to (that row stays)."""
    Follow.objects.get_or_create(user_id=user_id, post=post, defaults={"following": True})


def kinds_for_level(level: str) -> set[str]:
    """What a level lets through from a group's content."""
    if level == Level.OFF:
        return set()
    if level == Level.MENTIONS:
        return {Kind.MENTION.value}
    normal = {k.value for k in (Kind.REPLY, Kind.COMMENT, Kind.MENTION, Kind.REACTION)}
    return normal | {Kind.NEW_POST.value} if level == Level.ALL else normal
