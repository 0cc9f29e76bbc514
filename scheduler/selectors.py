"""Reads of the weekly plan: the week view, the upcoming list, the failures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.utils import timezone

from groups.models import Group, SubGroup, SubGroupMembershipStatus
from posts import permissions as post_perms
from posts.models import Theme
from scheduler import localtime
from scheduler.models import ScheduledPost, ScheduledState, Slot

# What counts towards a week's theme balance: what members will see or saw.
COUNTED = (ScheduledState.SCHEDULED, ScheduledState.PUBLISHED)
SHOWN_IN_WEEK = (*COUNTED, ScheduledState.DRAFT, ScheduledState.FAILED)


@dataclass
class Entry:
    """One line of a day: a scheduled post, or a slot still open."""

    at: dt.time
    slot: Slot | None = None
    scheduled: ScheduledPost | None = None
    # The slot's occurrence as a local date-time, for "plan a post here" links.
    open_at: dt.datetime | None = None
    in_past: bool = False


@dataclass
class Day:
    date: dt.date
    entries: list[Entry] = field(default_factory=list)
    is_today: bool = False


@dataclass
class ThemeCount:
    value: str
    label: str
    planned: int
    drafts: int

    @property
    def missing(self) -> bool:
        return self.planned == 0


@dataclass
class WeekPlan:
    monday: dt.date
    days: list[Day]
    balance: list[ThemeCount]
    no_theme: int
    undated_drafts: list[ScheduledPost]
    failed: list[ScheduledPost]

    @property
    def iso(self) -> tuple[int, int]:
        year, week, _ = self.monday.isocalendar()
        return year, week

    @property
    def previous(self) -> dt.date:
        return self.monday - dt.timedelta(weeks=1)

    @property
    def next(self) -> dt.date:
        return self.monday + dt.timedelta(weeks=1)

    @property
    def is_empty(self) -> bool:
        return not any(day.entries for day in self.days)

    @property
    def missing_themes(self) -> list[ThemeCount]:
        return [t for t in self.balance if t.missing]


def planner_subgroups(*, actor: Any, group: Group) -> list[SubGroup]:
    """The sub-groups a planner may plan posts into: those they can write in
    (their own active sub-groups, unless they are paused), in one query."""
    if not post_perms.can_write_place(actor, group, None):
        return []
    return list(
        SubGroup.objects.filter(
            group=group,
            memberships__user=actor,
            memberships__status=SubGroupMembershipStatus.ACTIVE,
        ).order_by("name")
    )


def all_subgroups(*, group: Group) -> list[SubGroup]:
    return list(SubGroup.objects.filter(group=group).order_by("name"))


def scheduled_for_group(*, group: Group) -> QuerySet[ScheduledPost]:
    return ScheduledPost.objects.filter(group=group).select_related(
        "author", "subgroup", "updated_by"
    )


def week_plan(*, group: Group, monday: dt.date) -> WeekPlan:
    start, end = localtime.week_bounds(monday)
    now = timezone.now()
    today = localtime.now_local().date()
    rows = list(
        scheduled_for_group(group=group)
        .filter(publish_at__gte=start, publish_at__lt=end, state__in=SHOWN_IN_WEEK)
        .prefetch_related("photos")
        .order_by("publish_at", "id")
    )
    slots = list(Slot.objects.filter(group=group).select_related("subgroup"))
    days = [Day(date=d, is_today=d == today) for d in localtime.week_days(monday)]
    filled: set[tuple[int, dt.date]] = set()
    for row in rows:
        assert row.publish_at is not None
        at = localtime.local(row.publish_at)
        day = days[(at.date() - monday).days]
        day.entries.append(Entry(at=at.time().replace(tzinfo=None), scheduled=row))
        if row.slot_id is not None and row.state != ScheduledState.FAILED:
            filled.add((row.slot_id, at.date()))
    for slot in slots:
        day = days[slot.weekday]
        if (slot.pk, day.date) in filled:
            continue
        try:
            occurs = localtime.to_instant(day.date, slot.local_time, localtime.FIRST)
        except ValidationError:  # a slot at 02:30 on the spring-forward night: no occurrence
            continue
        day.entries.append(
            Entry(
                at=slot.local_time,
                slot=slot,
                open_at=localtime.local(occurs),
                in_past=occurs <= now,
            )
        )
    for day in days:
        day.entries.sort(key=lambda e: (e.at, e.scheduled is None))

    balance = []
    for value, label in Theme.choices:
        balance.append(
            ThemeCount(
                value=value,
                label=str(label),
                planned=sum(1 for r in rows if r.theme == value and r.state in COUNTED),
                drafts=sum(1 for r in rows if r.theme == value and r.state == ScheduledState.DRAFT),
            )
        )
    no_theme = sum(1 for r in rows if not r.theme and r.state in COUNTED)
    undated = list(
        scheduled_for_group(group=group)
        .filter(state=ScheduledState.DRAFT, publish_at__isnull=True)
        .order_by("-updated_at")[:50]
    )
    return WeekPlan(
        monday=monday,
        days=days,
        balance=balance,
        no_theme=no_theme,
        undated_drafts=undated,
        failed=failed_for_group(group=group),
    )


def failed_for_group(*, group: Group) -> list[ScheduledPost]:
    return list(
        scheduled_for_group(group=group)
        .filter(state=ScheduledState.FAILED)
        .order_by("-updated_at")[:50]
    )


def upcoming(*, group: Group) -> QuerySet[ScheduledPost]:
    """Everything planned from now on, soonest first; drafts without a time last."""
    return (
        scheduled_for_group(group=group)
        .filter(state__in=[ScheduledState.SCHEDULED, ScheduledState.DRAFT])
        .order_by(F("publish_at").asc(nulls_last=True), "id")
    )
