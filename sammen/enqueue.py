"""Tasks handed to the broker after commit, without failing what committed."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from sammen.celery import app

logger = logging.getLogger(__name__)


def send_after_commit(
    name: str, *, args: Sequence[Any] = (), kwargs: dict[str, Any] | None = None
) -> None:
    """Send the task called `name` once the surrounding transaction commits
    (nothing is sent if it rolls back). Without a broker (the embedded
    default) Celery runs it in this process instead.

    A broker that does not answer (Redis restarting) must not turn a write
    that has committed into an error page: the person would write it again.
    The send is logged and dropped. A task's work on something recorded in
    the database is picked up again by a periodic task (mail_due,
    deletions_due, publish_due, digests_due); only a task with nothing in the
    database behind it (a web push) is lost with the broker."""

    def send() -> None:
        task = app.tasks[name]  # by name: the caller's tasks module imports the caller
        try:
            task.apply_async(args=list(args), kwargs=kwargs or {})
        except Exception as error:
            logger.warning("Task %s not sent, the broker did not take it: %s", name, error)

    transaction.on_commit(send)
