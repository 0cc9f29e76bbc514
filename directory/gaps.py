"""Where communities are missing: the editors' view of the search statistics.

Read from SearchStat (aggregated per month by directory.services; no person,
no address) and from the coordinators' requests (counts only). A free-text
query is shown only if at least MIN_PEOPLE distinct visitors searched for it
in the month: a row's `people` counts distinct visitors of that one row, so
the largest of a query's rows is a lower bound of its distinct searchers and
the rule never shows a rarer query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from directory.models import (
    ActivityType,
    Area,
    CoordinatorRequest,
    RequestState,
    ResultBucket,
    SearchStat,
    TargetGroup,
)
from sammen.themes import Theme

MIN_PEOPLE = 3
TOP = 25


@dataclass
class Combination:
    area: str
    target_group: str
    theme: str
    activity_type: str
    none: int
    few: int

    @property
    def total(self) -> int:
        return self.none + self.few


@dataclass
class Word:
    query: str
    searches: int
    empty: int
    people: int


def months(*, count: int = 12, today: dt.date | None = None) -> list[dt.date]:
    today = today or timezone.localdate()
    month = today.replace(day=1)
    found = []
    for _i in range(count):
        found.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    return found


def _names() -> dict[str, dict[str, str]]:
    return {
        "area": dict(Area.objects.values_list("slug", "name")),
        "target_group": dict(TargetGroup.objects.values_list("slug", "name")),
        "activity_type": dict(ActivityType.objects.values_list("slug", "name")),
        "theme": {value: str(label) for value, label in Theme.choices},
    }


def thin_combinations(month: dt.date) -> list[Combination]:
    """Filter combinations (area, target group, theme, activity type) whose
    searches found nothing or 1–2 entries in the month, most searched first.
    The free text is not part of it (rare words would show through)."""
    names = _names()
    rows = (
        SearchStat.objects.filter(month=month, bucket__in=[ResultBucket.NONE, ResultBucket.FEW])
        .exclude(area="", target_group="", theme="", activity_type="")
        .values("area", "target_group", "theme", "activity_type")
        .annotate(
            none=Sum("count", filter=Q(bucket=ResultBucket.NONE)),
            few=Sum("count", filter=Q(bucket=ResultBucket.FEW)),
        )
    )
    found = [
        Combination(
            area=names["area"].get(r["area"], r["area"]),
            target_group=names["target_group"].get(r["target_group"], r["target_group"]),
            theme=names["theme"].get(r["theme"], r["theme"]),
            activity_type=names["activity_type"].get(r["activity_type"], r["activity_type"]),
            none=r["none"] or 0,
            few=r["few"] or 0,
        )
        for r in rows
    ]
    found.sort(key=lambda c: (-c.none, -c.total, c.area, c.target_group))
    return found[:TOP]


def top_words(month: dt.date) -> list[Word]:
    """The most searched words of the month, each searched by at least
    MIN_PEOPLE distinct visitors (lower bound, see the module's note)."""
    rows = (
        SearchStat.objects.filter(month=month)
        .exclude(query="")
        .values("query")
        .annotate(
            searches=Sum("count"),
            empty=Sum("count", filter=Q(bucket=ResultBucket.NONE)),
            people=Max("people"),
        )
        .filter(people__gte=MIN_PEOPLE)
        .order_by("-searches", "query")[:TOP]
    )
    return [Word(r["query"], r["searches"] or 0, r["empty"] or 0, r["people"] or 0) for r in rows]


def unmatched_requests(month: dt.date) -> dict[str, object]:
    """Coordinator requests of the month that were closed without a match,
    counted by the area the person gave (counts only)."""
    start = timezone.make_aware(dt.datetime.combine(month, dt.time(0, 0)))
    end_month = (month + timedelta(days=32)).replace(day=1)
    end = timezone.make_aware(dt.datetime.combine(end_month, dt.time(0, 0)))
    rows = CoordinatorRequest.objects.filter(
        created_at__gte=start,
        created_at__lt=end,
        state=RequestState.CLOSED,
        matched_at__isnull=True,
    )
    by_area = list(rows.values("area__name").annotate(n=Count("pk")).order_by("-n", "area__name"))
    return {"total": sum(r["n"] for r in by_area), "by_area": by_area}
