from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from scheduler import localtime

TZ = localtime.TZ


def local_dt(*args: int) -> dt.datetime:
    """An aware local (Copenhagen) datetime: local_dt(2026, 11, 30, 9, 0)."""
    return dt.datetime(*args, tzinfo=TZ)  # type: ignore[misc]


@pytest.fixture
def tomorrow_9() -> dt.datetime:
    day = localtime.now_local().date() + dt.timedelta(days=1)
    return localtime.to_instant(day, dt.time(9, 0), localtime.FIRST)


@pytest.fixture
def mail_outbox(mailoutbox: list[Any], settings: Any) -> list[Any]:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return mailoutbox
