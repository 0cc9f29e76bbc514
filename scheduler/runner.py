"""The in-process scheduler of the embedded default (`make run`, no Redis).

A daemon thread in the server process runs the same publishing code as the
Celery beat + worker pair of a deployment, every SCHEDULER_POLL_SECONDS. It is
started by sammen.asgi only when SCHEDULER_IN_PROCESS is on, so tests,
management commands and Celery workers never start it.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import close_old_connections, connection

from scheduler.publishing import publish_due

logger = logging.getLogger(__name__)

_started = threading.Event()
_stop = threading.Event()


def run_forever(poll: float) -> None:
    delay = 0.0  # catch up at once with what fell due while the server was down
    while not _stop.wait(delay):
        delay = poll
        try:
            close_old_connections()
            count = publish_due()
            if count:
                logger.info("Published %d scheduled post(s)", count)
        except Exception:
            logger.exception("The in-process scheduler failed; trying again in %s s", poll)
        finally:
            connection.close()


def start() -> None:
    if _started.is_set():
        return
    _started.set()
    _stop.clear()
    poll = float(settings.SCHEDULER_POLL_SECONDS)
    threading.Thread(target=run_forever, args=(poll,), name="sammen-scheduler", daemon=True).start()
    logger.info("In-process scheduler started (every %s s)", poll)


def stop() -> None:
    _stop.set()
    _started.clear()
