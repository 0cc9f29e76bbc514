"""Working days in Denmark, for the coordinators' promise to call back.

A working day is Monday to Friday that is not a Danish public holiday
(helligdag, from the `holidays` package, country DK) nor one of the days the
public sector has off by agreement (Grundlovsdag 5 June, juleaftensdag 24
December, nytårsaftensdag 31 December): the days a municipality's
coordinator is at work.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

# Days off in Danish municipalities by agreement, though not helligdage.
_DAYS_OFF = {(6, 5), (12, 24), (12, 31)}


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("DK", years=year).keys())


def is_working_day(day: date) -> bool:
    if day.weekday() >= 5 or (day.month, day.day) in _DAYS_OFF:
        return False
    return day not in _holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The `days`-th working day after `start` (start itself not counted):
    received on a Wednesday, 2 working days is Friday; received on the
    Wednesday before Easter, it is the Wednesday after."""
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day
