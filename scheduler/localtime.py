"""Local (Europe/Copenhagen) wall-clock time at the edges of the plan.

Everything is stored in UTC. Staff think in local time: "Monday 09:00" must
publish at 09:00 on both sides of a daylight-saving change, so a planned time
is kept as a local date and time until it is turned into an instant here.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _

from sammen.dates import format_for

TZ = ZoneInfo("Europe/Copenhagen")
UTC = dt.UTC

# How a person resolves a time that happens twice (the autumn fall-back night).
FIRST = "first"  # summer time, the first 02:30
SECOND = "second"  # winter time, the second 02:30


def now_local() -> dt.datetime:
    return dt.datetime.now(TZ)


def local(instant: dt.datetime) -> dt.datetime:
    return instant.astimezone(TZ)


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def monday_of_iso_week(year: int, week: int) -> dt.date:
    """The Monday of ISO week `week` of `year`; ValueError for a week that does not exist."""
    return dt.date.fromisocalendar(year, week, 1)


def is_ambiguous(day: dt.date, time: dt.time) -> bool:
    first = dt.datetime.combine(day, time, tzinfo=TZ).replace(fold=0)
    second = first.replace(fold=1)
    return first.utcoffset() != second.utcoffset() and exists(day, time)


def exists(day: dt.date, time: dt.time) -> bool:
    naive = dt.datetime.combine(day, time)
    aware = naive.replace(tzinfo=TZ)
    return aware.astimezone(UTC).astimezone(TZ).replace(tzinfo=None) == naive


def to_instant(day: dt.date, time: dt.time, resolve: str = "") -> dt.datetime:
    """The UTC instant of a local date and time.

    Raises ValidationError (code "nonexistent") for a time skipped when the
    clocks go forward, and (code "ambiguous") for a time that happens twice when
    they go back, unless `resolve` says which of the two is meant."""
    time = time.replace(second=0, microsecond=0, tzinfo=None)
    if not exists(day, time):
        raise ValidationError(
            _(
                "Klokken %(time)s findes ikke den %(date)s: urene stilles en time frem "
                "den nat. Vælg et andet tidspunkt, fx %(later)s."
            )
            % {
                "time": time.strftime("%H:%M"),
                "date": formats.date_format(day, format_for("date")),
                "later": (dt.datetime.combine(day, time) + dt.timedelta(hours=1)).strftime("%H:%M"),
            },
            code="nonexistent",
        )
    aware = dt.datetime.combine(day, time, tzinfo=TZ)
    if is_ambiguous(day, time):
        if resolve not in (FIRST, SECOND):
            raise ValidationError(
                _(
                    "Klokken %(time)s kommer to gange den %(date)s, fordi urene stilles "
                    "tilbage. Vælg, om du mener den første (sommertid) eller den anden "
                    "(vintertid)."
                )
                % {
                    "time": time.strftime("%H:%M"),
                    "date": formats.date_format(day, format_for("date")),
                },
                code="ambiguous",
            )
        aware = aware.replace(fold=0 if resolve == FIRST else 1)
    return aware.astimezone(UTC)


def week_days(monday: dt.date) -> list[dt.date]:
    return [monday + dt.timedelta(days=i) for i in range(7)]


def week_bounds(monday: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants where the local week starts and ends (a week around a
    DST change is 167 or 169 hours long)."""
    start = dt.datetime.combine(monday, dt.time(0), tzinfo=TZ).astimezone(UTC)
    end = dt.datetime.combine(monday + dt.timedelta(days=7), dt.time(0), tzinfo=TZ).astimezone(UTC)
    return start, end
