"""Periodic upkeep of notifications. Thin: the service does the work."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from notifications import mailing, push, services


@shared_task(name="notifications.prune", ignore_result=True)
def prune() -> int:
    """Delete read notifications older than NOTIFICATIONS_KEEP_READ_DAYS, and
    the e-mail record older than a month."""
    return services.notifications_prune() + mailing.mail_prune()


@shared_task(name="notifications.mail_due", ignore_result=True)
def mail_due() -> int:
    """Send the immediate e-mails whose delay window has passed."""
    return mailing.mail_due()


@shared_task(name="notifications.digests_due", ignore_result=True)
def digests_due() -> int:
    """Make the digests that fall due now and hand them out in batches."""
    ids = mailing.digests_due()
    size = int(settings.NOTIFY_DIGEST_BATCH)
    for start in range(0, len(ids), size):
        send_digests.delay(ids[start : start + size])
    return len(ids)


@shared_task(name="notifications.send_digests", ignore_result=True, acks_late=True)
def send_digests(digest_ids: list[int]) -> int:
    """Send these digests (each at most once; see notifications.mailing)."""
    return mailing.digest_send(digest_ids=digest_ids)


# --- Web push ------------------------------------------------------------------


@shared_task(name="notifications.push", ignore_result=True)
def push_send(user_ids: list[int], kind: str) -> int:
    """Push `kind` to these people's devices (enqueued after commit by
    notifications.push.push_after_commit; never raises, see push.deliver)."""
    return push.deliver(user_ids=user_ids, kind=kind)
