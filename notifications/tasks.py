"""Periodic upkeep of notifications. Thin: the service does the work."""

from __future__ import annotations

from celery import shared_task

from notifications import services


@shared_task(name="notifications.prune", ignore_result=True)
def prune() -> int:
    """Delete read notifications older than NOTIFICATIONS_KEEP_READ_DAYS."""
    return services.notifications_prune()
