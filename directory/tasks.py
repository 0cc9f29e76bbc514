"""Periodic work of the directory. Thin: the modules named do the work."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from directory import freshness, services


@shared_task(name="directory.freshness_due", ignore_result=True)
def freshness_due() -> dict[str, int]:
    """Ask contacts to confirm entries that are due; hide those that did not
    answer in time (each once per period: directory.freshness)."""
    return freshness.freshness_due()


@shared_task(name="directory.search_stats_prune", ignore_result=True)
def search_stats_prune() -> int:
    """Forget the daily-salted visitor hashes of past months (the counts stay)."""
    return services.search_stats_prune(today=timezone.localdate())
