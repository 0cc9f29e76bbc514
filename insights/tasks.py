"""Periodic work of insights. Thin: insights.reports does the work."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from insights import reports


@shared_task(name="insights.weekly_reports_due", ignore_result=True)
def weekly_reports_due() -> int:
    """Make this Monday's Ugens tal rows (from NOTIFY_DIGEST_HOUR) and hand
    the pending ones out in batches."""
    ids = reports.weekly_reports_due()
    size = int(settings.NOTIFY_DIGEST_BATCH)
    for start in range(0, len(ids), size):
        send_weekly_reports.delay(ids[start : start + size])
    return len(ids)


@shared_task(name="insights.send_weekly_reports", ignore_result=True, acks_late=True)
def send_weekly_reports(ids: list[int]) -> int:
    """Send these Ugens tal e-mails (each at most once; see insights.reports)."""
    return reports.weekly_report_send(ids=ids)


@shared_task(name="insights.prune", ignore_result=True)
def prune() -> int:
    """Delete the record of Ugens tal older than a quarter."""
    return reports.weekly_reports_prune()
