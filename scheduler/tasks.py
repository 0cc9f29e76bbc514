"""The one periodic task: publish what is due. Thin: scheduler.publishing does the work."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from scheduler import publishing

# A backlog larger than this (posts that fell due while no worker ran, or a
# whole week copied into one minute) is shared out: the tick asks idle worker
# processes to publish alongside it. SKIP LOCKED keeps them off each other's rows.
BACKLOG = 20


@shared_task(name="scheduler.publish_due", ignore_result=True)
def publish_due(share: bool = True) -> int:
    helpers = int(settings.SCHEDULER_BACKLOG_HELPERS)
    if share and helpers and publishing.due_count(at_most=BACKLOG + 1) > BACKLOG:
        for _ in range(helpers):
            # Expires like the tick: a helper nobody picked up in time is dropped.
            publish_due.apply_async(
                kwargs={"share": False}, expires=settings.SCHEDULER_POLL_SECONDS
            )
    return publishing.publish_due()
