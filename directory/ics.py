"""iCalendar files of entries (RFC 5545, the icalendar library): a rule is
exported as its RRULE, single dates as events of their own, all in
Europe/Copenhagen with its VTIMEZONE, so a phone's calendar repeats the choir
every Tuesday at 10 in summer and winter alike."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.utils import timezone
from icalendar import Calendar, Event, vRecur

from directory import schedule
from directory.models import Entry

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
MAX_DATED_EVENTS = 60


def _local(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=COPENHAGEN)


def _base_event(entry: Entry, *, uid: str, url: str) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", timezone.now())
    event.add("summary", entry.title)
    event.add("description", f"{entry.description}\n\n{url}".strip())
    location = ", ".join(part for part in (entry.place_name, entry.address) if part)
    if location:
        event.add("location", location)
    event.add("url", url)
    return event


def entry_events(entry: Entry, *, url: str, host: str, today: dt.date) -> list[Event]:
    """The events of one entry: one with an RRULE, and one per coming date."""
    events: list[Event] = []
    rule = schedule.parse_rule(entry)
    if rule is not None and entry.starts_on is not None and entry.start_time is not None:
        event = _base_event(entry, uid=f"directory-entry-{entry.pk}@{host}", url=url)
        event.add("dtstart", _local(entry.starts_on, entry.start_time))
        if entry.end_time is not None:
            event.add("dtend", _local(entry.starts_on, entry.end_time))
        recur = vRecur.from_ical(schedule.rule_text(entry))
        recur.pop("UNTIL", None)
        recur.pop("COUNT", None)
        if entry.ends_on is not None:
            # With a TZID start, UNTIL is said in UTC (RFC 5545 3.3.10).
            until = dt.datetime.combine(entry.ends_on, dt.time(23, 59, 59), tzinfo=COPENHAGEN)
            recur["UNTIL"] = until.astimezone(dt.UTC)
        event.add("rrule", recur)
        events.append(event)
    dates = [d for d in entry.dates.all() if d.date >= today][:MAX_DATED_EVENTS]
    for row in dates:
        event = _base_event(
            entry, uid=f"directory-entry-{entry.pk}-{row.date:%Y%m%d}@{host}", url=url
        )
        start_time = row.start_time or (entry.start_time if not entry.rrule else None)
        end_time = row.end_time or (entry.end_time if not entry.rrule else None)
        if start_time is None:
            event.add("dtstart", row.date)
            event.add("dtend", row.date + dt.timedelta(days=1))
        else:
            event.add("dtstart", _local(row.date, start_time))
            if end_time is not None and end_time > start_time:
                event.add("dtend", _local(row.date, end_time))
        events.append(event)
    return events


def calendar_bytes(events: Iterable[Event], *, name: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Sammen//Faellesskaber//DA")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Copenhagen")
    for event in events:
        cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
