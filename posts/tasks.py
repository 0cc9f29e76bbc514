"""Periodic upkeep of the live pages. Thin: the service does the work."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from posts import services


@shared_task(name="posts.live_sync", ignore_result=True)
def live_sync() -> int:
    """Tell each group with recent events its newest one (posts.services.live_sync)."""
    return services.live_sync(window_seconds=max(60.0, 6 * float(settings.LIVE_SYNC_SECONDS)))
