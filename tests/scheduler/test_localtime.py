"""Local wall-clock time across the two daylight-saving changes of 2026
(29 March: 02:00 → 03:00; 25 October: 03:00 → 02:00)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from scheduler import localtime

UTC = dt.UTC


def test_monday_nine_is_nine_local_on_both_sides_of_spring_forward() -> None:
    before = localtime.to_instant(dt.date(2026, 3, 23), dt.time(9, 0))
    after = localtime.to_instant(dt.date(2026, 3, 30), dt.time(9, 0))
    assert before == dt.datetime(2026, 3, 23, 8, 0, tzinfo=UTC)  # CET, UTC+1
    assert after == dt.datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # CEST, UTC+2


def test_monday_nine_is_nine_local_on_both_sides_of_fall_back() -> None:
    before = localtime.to_instant(dt.date(2026, 10, 19), dt.time(9, 0))
    after = localtime.to_instant(dt.date(2026, 10, 26), dt.time(9, 0))
    assert before == dt.datetime(2026, 10, 19, 7, 0, tzinfo=UTC)
    assert after == dt.datetime(2026, 10, 26, 8, 0, tzinfo=UTC)


def test_a_time_skipped_by_spring_forward_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValidationError) as exc:
        localtime.to_instant(dt.date(2026, 3, 29), dt.time(2, 30))
    assert exc.value.code == "nonexistent"
    assert "findes ikke" in exc.value.messages[0]
    assert "03:30" in exc.value.messages[0]


def test_a_time_that_happens_twice_must_be_resolved() -> None:
    day, time = dt.date(2026, 10, 25), dt.time(2, 30)
    assert localtime.is_ambiguous(day, time)
    with pytest.raises(ValidationError) as exc:
        localtime.to_instant(day, time)
    assert exc.value.code == "ambiguous"
    assert "to gange" in exc.value.messages[0]
    first = localtime.to_instant(day, time, localtime.FIRST)
    second = localtime.to_instant(day, time, localtime.SECOND)
    assert first == dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert second == dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_ordinary_times_are_neither_missing_nor_ambiguous() -> None:
    assert localtime.exists(dt.date(2026, 10, 25), dt.time(3, 30))
    assert not localtime.is_ambiguous(dt.date(2026, 10, 25), dt.time(3, 30))
    assert not localtime.is_ambiguous(dt.date(2026, 3, 29), dt.time(2, 30))


def test_weeks_around_the_changes_are_167_and_169_hours() -> None:
    start, end = localtime.week_bounds(dt.date(2026, 3, 23))
    assert end - start == dt.timedelta(hours=167)
    start, end = localtime.week_bounds(dt.date(2026, 10, 19))
    assert end - start == dt.timedelta(hours=169)


def test_iso_weeks() -> None:
    assert localtime.monday_of_iso_week(2026, 48) == dt.date(2026, 11, 23)
    assert localtime.monday_of(dt.date(2026, 11, 29)) == dt.date(2026, 11, 23)
    with pytest.raises(ValueError):
        localtime.monday_of_iso_week(2026, 54)
