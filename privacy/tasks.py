"""Celery tasks of privacy: thin, by explicit names; the services do the work."""

from __future__ import annotations

from celery import shared_task

from privacy import retention, services


@shared_task(name="privacy.export_build", ignore_result=True, acks_late=True)
def export_build(export_id: int) -> None:
    services.export_build(export_id=export_id)


@shared_task(name="privacy.deletion_run", ignore_result=True, acks_late=True)
def deletion_run(request_id: int) -> None:
    services.deletion_run(request_id=request_id)


@shared_task(name="privacy.deletions_due", ignore_result=True)
def deletions_due() -> int:
    return len(services.deletions_due())


@shared_task(name="privacy.retention", ignore_result=True)
def run_retention() -> dict[str, int]:
    return retention.run()
