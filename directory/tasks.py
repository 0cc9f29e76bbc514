"""Periodic work of the directory. Thin: the modules named do the work."""

from __future__ import annotations

from celery import shared_task

from directory import freshness


@shared_task(name="directory.freshness_due", ignore_result=True)
def freshness_due() -> dict[str, int]:
    """Ask contacts to confirm entries that are due; hide those that did not
    answer in time (each once per period: directory.freshness)."""
    return freshness.freshness_due()
