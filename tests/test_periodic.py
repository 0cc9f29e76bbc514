"""The in-process beat of the embedded default (sammen/periodic.py) runs every
entry of CELERY_BEAT_SCHEDULE on its own schedule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery import shared_task
from celery.schedules import crontab

from sammen import periodic

RAN: list[str] = []

# run_if_due() closes stale database connections around a task, as a worker
# does: a connection left by an earlier test counts, so these may touch it.
pytestmark = pytest.mark.django_db


@shared_task(name="tests.periodic_probe")
def probe() -> None:
    RAN.append("ran")


def test_an_interval_entry_runs_at_once_and_then_waits_its_interval() -> None:
    RAN.clear()
    entry = periodic.Entry("probe", "tests.periodic_probe", 30.0)
    wait = entry.run_if_due()
    assert RAN == ["ran"]
    assert 29 <= wait <= 30
    entry.run_if_due()
    assert RAN == ["ran"]  # not again before its time
    entry.last_run -= timedelta(seconds=31)
    entry.run_if_due()
    assert RAN == ["ran", "ran"]


def test_a_crontab_entry_waits_for_its_time() -> None:
    RAN.clear()
    entry = periodic.Entry("probe", "tests.periodic_probe", crontab(minute="*/5"))
    entry.run_if_due()
    assert RAN == []
    entry.last_run -= timedelta(minutes=6)
    entry.run_if_due()
    assert RAN == ["ran"]


def test_every_beat_entry_names_a_registered_task() -> None:
    from django.conf import settings

    from sammen.celery import app

    app.loader.import_default_modules()
    for spec in settings.CELERY_BEAT_SCHEDULE.values():
        assert spec["task"] in app.tasks
