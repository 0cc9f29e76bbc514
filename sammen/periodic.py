"""The in-process beat of the embedded default (`make run`, no Redis).

A daemon thread in the server process runs the same periodic tasks as the
Celery beat + worker pair of a deployment: every entry of
CELERY_BEAT_SCHEDULE, on its own schedule (publishing the weekly plan,
sending due e-mails and digests, pruning). Tasks run in this thread
(CELERY_TASK_ALWAYS_EAGER). It is started by sammen.asgi only when
SCHEDULER_IN_PROCESS is on, so tests, management commands and Celery workers
never start it.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

from celery import current_app
from celery.schedules import BaseSchedule, schedule
from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

logger = logging.getLogger(__name__)

_started = threading.Event()
_stop = threading.Event()
# The thread never sleeps longer than this, so a short interval is honoured.
MAX_SLEEP = 5.0


class Entry:
    def __init__(self, name: str, task: str, every: Any) -> None:
        self.name = name
        self.task = task
        if isinstance(every, BaseSchedule):
            self.schedule = every
            # A crontab entry waits for its time; an interval runs at once
            # (catching up with what fell due while the server was down).
            self.last_run: Any = timezone.now()
        else:
            seconds = every.total_seconds() if isinstance(every, timedelta) else float(every)
            self.schedule = schedule(timedelta(seconds=seconds))
            self.last_run = timezone.now() - timedelta(seconds=seconds)
        self.schedule.app = current_app

    def run_if_due(self) -> float:
        """Run the task if due; the seconds until it should be asked again."""
        due, next_check = self.schedule.is_due(self.last_run)
        if due:
            self.last_run = timezone.now()
            try:
                close_old_connections()
                current_app.tasks[self.task]()  # in this thread, as a worker would
            except Exception:
                logger.exception("Periodic task %s failed; it runs again on schedule", self.name)
            finally:
                connection.close()
        return float(next_check)


def entries() -> list[Entry]:
    return [
        Entry(name, spec["task"], spec["schedule"])
        for name, spec in settings.CELERY_BEAT_SCHEDULE.items()
    ]


def run_forever() -> None:
    current_app.loader.import_default_modules()  # registers every app's tasks
    jobs = entries()
    while not _stop.is_set():
        wait = min((job.run_if_due() for job in jobs), default=MAX_SLEEP)
        _stop.wait(max(0.2, min(wait, MAX_SLEEP)))


def start() -> None:
    if _started.is_set():
        return
    _started.set()
    _stop.clear()
    threading.Thread(target=run_forever, name="sammen-periodic", daemon=True).start()
    logger.info("In-process beat started (%d periodic tasks)", len(settings.CELERY_BEAT_SCHEDULE))


def stop() -> None:
    _stop.set()
    _started.clear()
