"""When an entry meets: its occurrences from an RRULE or its single dates.

Times are local (Europe/Copenhagen) wall-clock times: "hver tirsdag 10–12" is
10:00 in winter and in summer alike, so rules are expanded on naive local
datetimes and made aware only at the edges (the .ics export says TZID).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, rrulestr

from directory.models import DAY_PART_BITS, WEEKDAY_BITS, DayPart, Entry, EntryDate

# The longest an expansion looks ahead, and how many occurrences it returns at most.
HORIZON_DAYS = 400
MAX_OCCURRENCES = 500
NOON = dt.time(12, 0)
FIVE_PM = dt.time(17, 0)


@dataclass(frozen=True)
class Occurrence:
    entry_id: int
    start: dt.datetime  # naive, local time
    end: dt.datetime | None
    all_day: bool = False

    @property
    def date(self) -> dt.date:
        return self.start.date()


def rule_text(entry: Entry) -> str:
    text = entry.rrule.strip()
    return text[len("RRULE:") :] if text.upper().startswith("RRULE:") else text


def parse_rule(entry: Entry, *, near: dt.date | None = None) -> rrule | None:
    """The entry's rule from its first day and start time, ending on `ends_on`.

    With `near`, the rule starts as late as it can before that day while
    meeting on the same days: dateutil walks a rule from its start, and a
    weekly rule begun two years ago would be walked a hundred steps for every
    "next time" on every page. It is moved by whole periods (interval × weeks,
    months, years), which keeps every day it lands on; a rule with COUNT is
    never moved (its count runs from the real start)."""
    if not entry.rrule or entry.starts_on is None:
        return None
    time = entry.start_time or dt.time(0, 0)
    start = dt.datetime.combine(entry.starts_on, time)
    try:
        rule = rrulestr(rule_text(entry), dtstart=start, forceset=False)
    except (ValueError, TypeError, KeyError, IndexError):
        return None
    if not isinstance(rule, rrule):
        return None
    changes: dict[str, object] = {}
    if near is not None and near > entry.starts_on + dt.timedelta(days=62):
        moved = _moved_start(rule, entry.starts_on, near - dt.timedelta(days=31))
        if moved is not None:
            changes["dtstart"] = dt.datetime.combine(moved, time)
    if entry.ends_on is not None:
        changes["until"] = dt.datetime.combine(entry.ends_on, dt.time(23, 59, 59))
    return rule.replace(**changes) if changes else rule  # type: ignore[arg-type]


def _moved_start(rule: rrule, start: dt.date, target: dt.date) -> dt.date | None:
    """`start` moved forward by whole periods of `rule` to at most `target`."""
    if rule._count is not None:  # type: ignore[attr-defined]
        return None
    freq, interval = rule._freq, rule._interval  # type: ignore[attr-defined]
    if freq in (DAILY, WEEKLY):
        step = interval * (7 if freq == WEEKLY else 1)
        return start + dt.timedelta(days=((target - start).days // step) * step)
    if freq in (MONTHLY, YEARLY):
        months = (target.year - start.year) * 12 + target.month - start.month
        step = interval * (12 if freq == YEARLY else 1)
        moved = start + relativedelta(months=(months // step) * step)
        # A 31st moved into a shorter month would change the day: do not move it.
        return moved if moved.day == start.day else None
    return None


def _end(
    start: dt.datetime, start_time: dt.time | None, end_time: dt.time | None
) -> dt.datetime | None:
    if start_time is None or end_time is None:
        return None
    return dt.datetime.combine(start.date(), end_time)


def occurrences(
    entry: Entry,
    *,
    start: dt.date,
    end: dt.date,
    dates: Iterable[EntryDate] | None = None,
    limit: int = MAX_OCCURRENCES,
) -> list[Occurrence]:
    """The entry's meetings on the days start..end (both included), in order.

    `dates` are the entry's EntryDate rows if already fetched (a prefetch);
    otherwise they are read."""
    found: list[Occurrence] = []
    rule = parse_rule(entry, near=start)
    window_start = dt.datetime.combine(start, dt.time(0, 0))
    window_end = dt.datetime.combine(end, dt.time(23, 59, 59))
    if rule is not None:
        for when in rule.xafter(window_start, count=limit, inc=True):
            if when > window_end:
                break
            found.append(Occurrence(entry.pk, when, _end(when, entry.start_time, entry.end_time)))
    rows = list(entry.dates.all()) if dates is None else list(dates)
    for row in rows:
        if start <= row.date <= end:
            begins = dt.datetime.combine(row.date, row.start_time or dt.time(0, 0))
            found.append(
                Occurrence(
                    entry.pk,
                    begins,
                    _end(begins, row.start_time, row.end_time),
                    all_day=row.start_time is None,
                )
            )
    found.sort(key=lambda o: o.start)
    return found[:limit]


def next_occurrence(
    entry: Entry, *, today: dt.date, dates: Iterable[EntryDate] | None = None
) -> Occurrence | None:
    found = occurrences(
        entry, start=today, end=today + dt.timedelta(days=HORIZON_DAYS), dates=dates, limit=1
    )
    return found[0] if found else None


def day_parts(start_time: dt.time | None, end_time: dt.time | None) -> int:
    """DAY_PART_BITS of the parts of the day a meeting covers."""
    if start_time is None:
        return 0
    end_time = end_time or start_time
    mask = 0
    if start_time < NOON:
        mask |= DAY_PART_BITS[DayPart.MORNING]
    if start_time < FIVE_PM and end_time > NOON or NOON <= start_time < FIVE_PM:
        mask |= DAY_PART_BITS[DayPart.AFTERNOON]
    if end_time > FIVE_PM or start_time >= FIVE_PM:
        mask |= DAY_PART_BITS[DayPart.EVENING]
    return mask


def derived_masks(entry: Entry, dates: Iterable[EntryDate]) -> tuple[int, int]:
    """(weekday_mask, day_part_mask) for the filters, from the rule and dates."""
    weekdays = 0
    parts = 0
    rule = parse_rule(entry)
    if rule is not None:
        # A year of a rule shows every weekday it uses (monthly rules included).
        first = dt.datetime.combine(
            entry.starts_on or dt.date.today(), entry.start_time or dt.time()
        )
        for when in rule.xafter(first, count=60, inc=True):
            weekdays |= WEEKDAY_BITS[when.weekday()]
        parts |= day_parts(entry.start_time, entry.end_time)
    for row in dates:
        weekdays |= WEEKDAY_BITS[row.date.weekday()]
        parts |= day_parts(row.start_time or entry.start_time, row.end_time or entry.end_time)
    return weekdays, parts
