"""Schedules: a rule's meetings are the same whether it is walked from its
real start or from the later start schedule.py moves it to, and the filters'
weekday and time-of-day masks follow the schedule."""

from __future__ import annotations

import datetime as dt

import pytest
from dateutil.rrule import rrulestr
from django.core.exceptions import ValidationError

from directory import schedule
from directory.models import DAY_PART_BITS, WEEKDAY_BITS, Entry, validate_rrule

RULES = [
    "FREQ=WEEKLY;BYDAY=TU",
    "FREQ=WEEKLY",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH",
    "FREQ=MONTHLY;BYDAY=1SA",
    "FREQ=MONTHLY;BYDAY=-1TH",
    "FREQ=MONTHLY;BYMONTHDAY=31",
    "FREQ=MONTHLY;INTERVAL=3;BYDAY=2WE",
    "FREQ=YEARLY",
    "FREQ=DAILY;INTERVAL=3",
    "FREQ=WEEKLY;COUNT=120",
]


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("first", [dt.date(2023, 1, 31), dt.date(2026, 11, 2)])
def test_moved_start_gives_the_same_meetings(rule: str, first: dt.date) -> None:
    entry = Entry(pk=1, rrule=rule, starts_on=first, start_time=dt.time(10, 0))
    window = (dt.date(2026, 12, 1), dt.date(2027, 4, 30))
    got = [o.start for o in schedule.occurrences(entry, start=window[0], end=window[1], dates=[])]
    walked = rrulestr(rule, dtstart=dt.datetime.combine(first, dt.time(10, 0))).between(
        dt.datetime.combine(window[0], dt.time()),
        dt.datetime.combine(window[1], dt.time(23, 59, 59)),
        inc=True,
    )
    assert got == list(walked)


def test_masks_follow_rule_and_dates() -> None:
    entry = Entry(
        pk=1,
        rrule="FREQ=WEEKLY;BYDAY=TU,TH",
        starts_on=dt.date(2026, 1, 6),
        start_time=dt.time(10, 0),
        end_time=dt.time(13, 0),
    )
    weekdays, parts = schedule.derived_masks(entry, [])
    assert weekdays == WEEKDAY_BITS[1] | WEEKDAY_BITS[3]
    assert parts == DAY_PART_BITS["formiddag"] | DAY_PART_BITS["eftermiddag"]
    assert schedule.day_parts(dt.time(19, 0), dt.time(21, 0)) == DAY_PART_BITS["aften"]


@pytest.mark.parametrize("bad", ["FREQ=SOMETIMES", "hver tirsdag", "FREQ=WEEKLY;BYDAY=XX"])
def test_an_invalid_rule_is_refused_in_danish(bad: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_rrule(bad)
    assert "Gentagelsen" in str(caught.value)
