"""Every write of notifications: telling people, marking read, levels, follows.

Notifications are written in the transaction of what caused them (the apps
below tell this one with signals; notifications.receivers). The live bell of
each person told is nudged after commit, over their own channel.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ConsentPurpose, User
from accounts.services import consent_give, consent_withdraw
from groups import permissions as group_perms
from groups.models import Group, SubGroup
from notifications import permissions as perms
from notifications import push, selectors
from notifications.models import (
    IMMEDIATE_KINDS,
    MAIL_KINDS,
    Follow,
    GroupDefault,
    Kind,
    Level,
    Notification,
    Preference,
    PushSubscription,
)
from posts.models import Comment, Post
from sammen.enqueue import send_after_commit
from sammen.events import publish_many, user_channel_name

BELL_EVENT = "notifications.changed"
# The version of the words beside "Få besked på telefonen", for the consent ledger.
PUSH_TEXT_VERSION = "2026-12"


@dataclass(frozen=True)
class Notice:
    """One notify() call's worth: these people told of one thing."""

    recipients: Collection[int | None]
    kind: str
    group: Group | None
    actor: User | None = None
    post: Post | None = None
    comment: Comment | None = None
    object_id: int | None = None
    text: str = ""


def notify(
    *,
    recipients: Iterable[int],
    kind: str,
    group: Group | None,
    actor: User | None = None,
    post: Post | None = None,
    comment: Comment | None = None,
    object_id: int | None = None,
    text: str = "",
) -> int:
    """Tell these people (never the actor). An unread row of the same kind
    about the same post gathers the new event (count + 1, newest actor and
    comment); otherwise a new row. Returns how many people were told."""
    notice = Notice(
        recipients=list(recipients),
        kind=kind,
        group=group,
        actor=actor,
        post=post,
        comment=comment,
        object_id=object_id,
        text=text,
    )
    return notify_many(notices=[notice])


def notify_many(*, notices: Sequence[Notice]) -> int:
    """notify() for many notices at once (a batch of posts published together):
    the unread rows they join read in one query, the new rows written in one
    INSERT, one bell send for everyone told, one push per kind. Each notice
    gets exactly the rows its own notify() would make. Two notices of the same
    kind about the same post are told one after the other (the second joins
    the row the first made), as two calls would. Returns how many were told."""
    keys = [(n.kind, n.post.pk) for n in notices if n.post is not None]
    if len(keys) != len(set(keys)):
        return sum(notify_many(notices=[notice]) for notice in notices)
    now = timezone.now()
    delay = timedelta(seconds=int(settings.NOTIFY_EMAIL_DELAY_SECONDS))
    plan: list[tuple[Notice, set[int], datetime | None]] = []
    for notice in notices:
        actor_id = getattr(notice.actor, "pk", None)
        told = {r for r in notice.recipients if r is not None and r != actor_id}
        if told:
            # A reply or mention waits for its e-mail (notifications.mailing.mail_due).
            email_due = now + delay if notice.kind in MAIL_KINDS else None
            plan.append((notice, told, email_due))
    if not plan:
        return 0
    joined_by: dict[tuple[str, int], set[int]] = {}
    about_posts = [(notice, told) for notice, told, _due in plan if notice.post is not None]
    if about_posts:
        unread = Notification.objects.filter(
            read_at__isnull=True,
            kind__in={notice.kind for notice, _told in about_posts},
            post_id__in={notice.post.pk for notice, _told in about_posts if notice.post},
            recipient_id__in=set().union(*(told for _notice, told in about_posts)),
        ).values_list("kind", "post_id", "recipient_id")
        for kind, post_id, recipient_id in unread:
            joined_by.setdefault((kind, post_id), set()).add(recipient_id)
    fresh: list[Notification] = []
    everyone: set[int] = set()
    pushed: dict[str, set[int]] = {}
    for notice, told, email_due in plan:
        joined: set[int] = set()
        if notice.post is not None:
            joined = joined_by.get((notice.kind, notice.post.pk), set()) & told
        if joined:
            existing = Notification.objects.filter(
                recipient_id__in=joined, kind=notice.kind, post=notice.post, read_at__isnull=True
            )
            existing.update(
                count=F("count") + 1,
                actor=notice.actor,
                comment=notice.comment,
                updated_at=now,
                text=notice.text[:200],
            )
            if email_due is not None:
                # Coalesced: one e-mail per unread row, however many events join it.
                existing.filter(email_due_at__isnull=True, emailed_at__isnull=True).update(
                    email_due_at=email_due
                )
        fresh += [
            Notification(
                recipient_id=user_id,
                kind=notice.kind,
                group=notice.group,
                post=notice.post,
                comment=notice.comment,
                actor=notice.actor,
                object_id=notice.object_id,
                text=notice.text[:200],
                created_at=now,
                updated_at=now,
                email_due_at=email_due,
            )
            for user_id in sorted(told - joined)
        ]
        everyone |= told
        if notice.kind in IMMEDIATE_KINDS:
            pushed.setdefault(notice.kind, set()).update(told)
    # Another request may have made the unread row a moment ago: that row
    # stands, this event is then not counted twice.
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    _ring_after_commit(sorted(everyone))
    if any(due is not None and due <= now for _notice, _told, due in plan):
        # NOTIFY_EMAIL_DELAY_SECONDS = 0. By name: notifications.tasks imports
        # this module. Lost with a broker that is down, the beat's sweep sends it.
        send_after_commit("notifications.mail_due")
    for kind, user_ids in pushed.items():
        # The push names only the kind: one per kind, however many notices.
        push.push_after_commit(user_ids=user_ids, kind=kind)
    return sum(len(told) for _notice, told, _due in plan)


def _ring_after_commit(user_ids: list[int]) -> None:
    """ring_bells once the transaction commits. Robust: a bell that cannot
    ring (the database gone right after the commit) is logged, not raised,
    so the write that has committed is not answered with an error, and the
    live signals registered after this one still go out."""

    def ring() -> None:  # named: Django's robust on_commit logs the callback's name
        ring_bells(user_ids)

    transaction.on_commit(ring, robust=True)


def ring_bells(user_ids: list[int]) -> None:
    """After commit: each person's bell gets their unread count, read for all
    of them in one query, in one send for all (sammen.events.publish_many):
    a new post in a place a thousand people follow at "Alt" makes no
    thousand database reads in the socket servers. `at` lets a bell ignore a
    count older than one it has shown."""
    counts = selectors.unread_counts(user_ids)
    at = time.time()
    publish_many(
        (user_channel_name(u), BELL_EVENT, {"unread": counts.get(u, 0), "at": at}) for u in user_ids
    )


def notification_read(*, actor: User, notification: Notification) -> Notification:
    """The person opened a notification."""
    perms.require_own(actor, notification)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        notification.read_at = timezone.now()
        selectors.forget_unread(actor)
        _ring_after_commit([actor.pk])
    return notification


def notifications_read_all(*, actor: User) -> int:
    """ "Marker alle som læst"."""
    with transaction.atomic():
        count = Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        if count:
            selectors.forget_unread(actor)
            _ring_after_commit([actor.pk])
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
    follow_implicitly_many(pairs=[(user_id, post)])


def follow_implicitly_many(*, pairs: Iterable[tuple[int, Post]]) -> None:
    """follow_implicitly for many (person, post) pairs in one INSERT; a row that
    exists (followed, or chosen not to) stays as it is."""
    Follow.objects.bulk_create(
        [Follow(user_id=user_id, post=post, following=True) for user_id, post in pairs],
        ignore_conflicts=True,
    )


def kinds_for_level(level: str) -> set[str]:
    """What a level lets through from a group's content."""
    if level == Level.OFF:
        return set()
    if level == Level.MENTIONS:
        return {Kind.MENTION.value}
    normal = {k.value for k in (Kind.REPLY, Kind.COMMENT, Kind.MENTION, Kind.REACTION)}
    return normal | {Kind.NEW_POST.value} if level == Level.ALL else normal


# --- Web push ("Beskeder på telefonen"; the protocol is notifications/push.py) ----


def push_subscription_save(
    *, actor: User, endpoint: str, p256dh: str, auth: str
) -> PushSubscription:
    """Remember a browser that asked for push messages after the person pressed
    "Få besked på telefonen". The endpoint belongs to the browser: sent again
    from another account (a shared computer), it moves to that account. Refused
    with a ValidationError unless the endpoint is a push service over https
    (push.endpoint_allowed) and the keys are the sizes Web Push uses. A person
    keeps their newest push.MAX_DEVICES devices."""
    endpoint = push.clean_endpoint(endpoint)
    p256dh, auth = push.clean_keys(p256dh=p256dh, auth=auth)
    with transaction.atomic():
        subscription, _created = PushSubscription.objects.update_or_create(
            endpoint=endpoint, defaults={"user": actor, "p256dh": p256dh, "auth": auth}
        )
        older = PushSubscription.objects.filter(user=actor).order_by("-created_at", "-pk")
        stale = list(older.values_list("pk", flat=True)[push.MAX_DEVICES :])
        if stale:
            PushSubscription.objects.filter(pk__in=stale).delete()
        consent_give(user=actor, purpose=ConsentPurpose.PUSH, text_version=PUSH_TEXT_VERSION)
    return subscription


def push_subscription_delete(*, actor: User, endpoint: str) -> int:
    """ "Slå fra" on one device: the person's own subscription only (another's
    endpoint deletes nothing). Returns how many were deleted (0 or 1)."""
    with transaction.atomic():
        deleted, _kinds = PushSubscription.objects.filter(user=actor, endpoint=endpoint).delete()
        if not PushSubscription.objects.filter(user=actor).exists():
            # No device left: the consent to push ends (the ledger, accounts.Consent).
            consent_withdraw(user=actor, purpose=ConsentPurpose.PUSH)
    return deleted


def push_consent_withdraw(*, actor: User) -> int:
    """Withdraw the consent to push on every device at once (the privacy
    page's one click): every subscription of the person goes."""
    with transaction.atomic():
        deleted, _kinds = PushSubscription.objects.filter(user=actor).delete()
        consent_withdraw(user=actor, purpose=ConsentPurpose.PUSH)
    return deleted


def push_test_send(*, actor: User) -> int:
    """ "Send en prøve": the test push to each of the person's devices, now.
    Returns how many devices' push services accepted it (a device they no
    longer know is forgotten)."""
    if not PushSubscription.objects.filter(user=actor).exists():
        raise ValidationError(
            _("Du har ikke slået beskeder på telefonen til på denne enhed endnu.")
        )
    return push.deliver(user_ids=[actor.pk], kind=push.TEST)
