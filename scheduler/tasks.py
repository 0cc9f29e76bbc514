"""The one periodic task: publish what is due. Thin: the service does the work."""

from __future__ import annotations

from celery import shared_task

from scheduler import services


@shared_task(name="scheduler.publish_due", ignore_result=True)
def publish_due() -> int:
    return services.publish_due()
