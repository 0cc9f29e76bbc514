"""Every non-trivial read of the directory's public half: finding entries
(search + filters + facet counts), an entry with what its page shows, the
calendar of the coming weeks, favourites.

`directory_find` costs a fixed number of queries whatever the number of
results (tests/directory/test_queries.py): one for the managed lists, one
EXISTS for a text search (two or three more on the typo path), one aggregate
for the total and the checkbox counts, one GROUP BY per list filter, one
aggregate per weekday/time/theme filter in use, one for the page and three
prefetches.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Prefetch, Q, QuerySet, Value
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from directory import schedule, search
from directory.forms import FLAG_FILTERS
from directory.generation import generation
from directory.models import (
    DAY_PART_BITS,
    THEME_BITS,
    WEEKDAY_BITS,
    ActivityType,
    Area,
    Entry,
    EntryDate,
    EntryStatus,
    Favourite,
    TargetGroup,
)

PER_PAGE = 20
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
# The calendar and the search's .ics look this far ahead.
CALENDAR_WEEKS = 6
ICS_MAX_ENTRIES = 200


def local_today() -> dt.date:
    return timezone.now().astimezone(COPENHAGEN).date()


def published_entries() -> QuerySet[Entry]:
    return Entry.objects.filter(status=EntryStatus.PUBLISHED)


def with_page_relations(queryset: QuerySet[Entry], *, today: dt.date) -> QuerySet[Entry]:
    """What a result or an entry page shows: area, group, types, target groups
    and the dates still to come (three prefetches, whatever the count)."""
    return (
        queryset.select_related("area", "group", "subgroup")
        # The search columns are large and never shown.
        .defer("search_vector", "search_text")
        .prefetch_related(
            Prefetch("activity_types", queryset=ActivityType.objects.order_by("order", "name")),
            Prefetch("target_groups", queryset=TargetGroup.objects.order_by("order", "name")),
            Prefetch("dates", queryset=EntryDate.objects.filter(date__gte=today)),
        )
    )


def attach_next(entries: Iterable[Entry], *, today: dt.date) -> None:
    """Set `entry.next` to its next meeting (from the prefetched dates)."""
    for entry in entries:
        entry.next = schedule.next_occurrence(  # type: ignore[attr-defined]
            entry, today=today, dates=entry.dates.all()
        )


# --- The managed lists --------------------------------------------------------


def directory_options() -> dict[str, list[tuple[str, str]]]:
    """The areas, activity types and target groups as (slug, name), in their
    order, keyed by the filter's URL name: one query (a UNION)."""
    parts = [
        model.objects.order_by().values_list(Value(key), "slug", "name", "order")
        for key, model in (("omraade", Area), ("type", ActivityType), ("maalgruppe", TargetGroup))
    ]
    rows = sorted(parts[0].union(parts[1], parts[2], all=True), key=lambda r: (r[0], r[3], r[2]))
    options: dict[str, list[tuple[str, str]]] = {"omraade": [], "type": [], "maalgruppe": []}
    for key, slug, name, _order in rows:
        options[key].append((slug, name))
    return options


# --- Filters ------------------------------------------------------------------


def _has_bit(name: str, bit: int) -> GreaterThan:
    return GreaterThan(F(name).bitand(bit), 0)


def month_start(today: dt.date) -> dt.datetime:
    return dt.datetime(today.year, today.month, 1, tzinfo=COPENHAGEN)


def filter_condition(name: str, value: Any, *, today: dt.date) -> Any:
    """The condition of one filter (a Q or a boolean expression)."""
    if name == "tema":
        return _has_bit("theme_mask", THEME_BITS[value])
    if name == "dag":
        return _has_bit("weekday_mask", WEEKDAY_BITS[int(value) - 1])
    if name == "tid":
        return _has_bit("day_part_mask", DAY_PART_BITS[value])
    if name == "type":
        return Q(
            pk__in=Entry.activity_types.through.objects.filter(activitytype__slug=value).values(
                "entry_id"
            )
        )
    if name == "maalgruppe":
        return Q(
            pk__in=Entry.target_groups.through.objects.filter(targetgroup__slug=value).values(
                "entry_id"
            )
        )
    if name == "omraade":
        return Q(area__slug=value)
    if name == "alder":
        return (Q(min_age__isnull=True) | Q(min_age__lte=value)) & (
            Q(max_age__isnull=True) | Q(max_age__gte=value)
        )
    if name == "nyt":
        return Q(published_at__gte=month_start(today))
    if name in FLAG_FILTERS:
        return Q(**{FLAG_FILTERS[name][0]: True})
    raise KeyError(name)


def _flag_condition(name: str, today: dt.date) -> Any:
    return filter_condition(name, True, today=today)


# --- Finding --------------------------------------------------------------------


@dataclass
class Finding:
    entries: list[Entry]
    total: int
    page: int
    pages: int
    # Filter URL name -> {value: how many entries choosing it would leave}.
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    terms: list[str] = field(default_factory=list)
    fuzzy: bool = False
    alternatives: list[str] = field(default_factory=list)


def _bit_facet(name: str, values: Iterable[str]) -> dict[str, Any]:
    bits: dict[str, Any] = {}
    for value in values:
        bits[f"{name}:{value}"] = Count(
            "pk", filter=filter_condition(name, value, today=dt.date.min)
        )
    return bits


BIT_FACETS: dict[str, list[str]] = {
    "tema": list(THEME_BITS),
    "dag": [str(i) for i in range(1, 8)],
    "tid": list(DAY_PART_BITS),
}
GROUP_FACETS: dict[str, str] = {
    "omraade": "area__slug",
    "type": "activity_types__slug",
    "maalgruppe": "target_groups__slug",
}


def directory_find(
    *,
    query: str,
    filters: dict[str, Any],
    page: int = 1,
    today: dt.date | None = None,
    per_page: int = PER_PAGE,
    with_facets: bool = True,
) -> Finding:
    """Published entries matching the text (Danish full-text search) and every
    filter, ranked by the text's relevance (else by title), one page of them
    with their next meeting, and each filter value's count."""
    today = today or local_today()
    terms = search.query_terms(query)
    base = published_entries()
    match = search.match(base, terms)
    conditions = {name: filter_condition(name, v, today=today) for name, v in filters.items()}

    def without(excluded: str | None) -> QuerySet[Entry]:
        qs = base.filter(*match.where)
        for name, condition in conditions.items():
            if name != excluded:
                qs = qs.filter(condition)
        return qs

    full = without(None)
    facets: dict[str, dict[str, int]] = {}
    # One aggregate: the total, each checkbox's count and the bit facets of
    # filters not in use (they share the full set).
    aggregates: dict[str, Any] = {"total": Count("pk")}
    for name in FLAG_FILTERS:
        aggregates[f"flag:{name}"] = Count("pk", filter=_flag_condition(name, today))
    if with_facets:
        for name, values in BIT_FACETS.items():
            if name not in conditions:
                aggregates.update(_bit_facet(name, values))
    counts = full.order_by().aggregate(**aggregates)
    total = counts.pop("total")
    if with_facets:
        for name, values in BIT_FACETS.items():
            if name in conditions:
                counts.update(without(name).order_by().aggregate(**_bit_facet(name, values)))
        for key, n in counts.items():
            kind, value = key.split(":", 1)
            facets.setdefault(value if kind == "flag" else kind, {})
            if kind == "flag":
                facets[value] = {"on": n}
            else:
                facets[kind][value] = n
        for name, path in GROUP_FACETS.items():
            rows = (
                without(name)
                .order_by()
                .values(path)
                .annotate(n=Count("pk", distinct=True))
                .values_list(path, "n")
            )
            facets[name] = {slug: n for slug, n in rows if slug}

    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    ordering = ["-rank", "title", "pk"] if terms else ["title", "pk"]
    page_qs = with_page_relations(full.annotate(rank=match.rank).order_by(*ordering), today=today)[
        (page - 1) * per_page : page * per_page
    ]
    entries = list(page_qs)
    attach_next(entries, today=today)
    return Finding(
        entries=entries,
        total=total,
        page=page,
        pages=pages,
        facets=facets,
        terms=terms,
        fuzzy=match.fuzzy,
        alternatives=match.alternatives,
    )


def directory_find_cached(
    *, query: str, filters: dict[str, Any], page: int = 1, today: dt.date | None = None
) -> Finding:
    """directory_find, kept in the cache for DIRECTORY_FIND_CACHE_SECONDS (60)
    under the directory's generation: any committed change to an entry starts
    a new generation, so a cached answer is never older than the data it came
    from, only up to that long for a change made outside the services with
    QuerySet.update(). Most searches are the same few words and filters."""
    today = today or local_today()
    seconds = getattr(settings, "DIRECTORY_FIND_CACHE_SECONDS", 60)
    if seconds <= 0:
        return directory_find(query=query, filters=filters, page=page, today=today)
    raw = json.dumps(
        [
            generation(),
            query,
            sorted((k, str(v)) for k, v in filters.items()),
            page,
            today.isoformat(),
        ]
    )
    key = "directory:find:" + hashlib.sha256(raw.encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = directory_find(query=query, filters=filters, page=page, today=today)
        cache.set(key, found, seconds)
    return found


def entries_for_ics(*, query: str, filters: dict[str, Any], today: dt.date) -> list[Entry]:
    """The entries of a search for its calendar file (at most ICS_MAX_ENTRIES)."""
    terms = search.query_terms(query)
    match = search.match(published_entries(), terms)
    qs = published_entries().filter(*match.where)
    for name, value in filters.items():
        qs = qs.filter(filter_condition(name, value, today=today))
    qs = qs.prefetch_related(Prefetch("dates", queryset=EntryDate.objects.filter(date__gte=today)))
    return list(qs.select_related("area").order_by("title", "pk")[:ICS_MAX_ENTRIES])


# --- One entry ------------------------------------------------------------------


def entry_get(*, entry_id: int, today: dt.date | None = None) -> Entry | None:
    """An entry with what its page shows (any status: the caller checks)."""
    today = today or local_today()
    entry = with_page_relations(Entry.objects.filter(pk=entry_id), today=today).first()
    if entry is not None:
        attach_next([entry], today=today)
    return entry


def upcoming(entry: Entry, *, today: dt.date, weeks: int = CALENDAR_WEEKS) -> list[Any]:
    """The entry's next meetings (for its page), from the prefetched dates."""
    return schedule.occurrences(
        entry, start=today, end=today + dt.timedelta(weeks=weeks), dates=entry.dates.all(), limit=8
    )


# --- The calendar -----------------------------------------------------------------


@dataclass
class CalendarDay:
    date: dt.date
    items: list[tuple[schedule.Occurrence, Entry]]


def calendar(
    *, start: dt.date, days: int, filters: dict[str, Any], today: dt.date | None = None
) -> list[CalendarDay]:
    """The dated meetings of published entries on `days` days from `start`,
    day by day (days without any are left out). Entries are read in one query
    (plus their dates); rules are expanded in Python."""
    today = today or local_today()
    end = start + dt.timedelta(days=days - 1)
    qs = published_entries().filter(
        (~Q(rrule="") & Q(starts_on__lte=end) & (Q(ends_on__isnull=True) | Q(ends_on__gte=start)))
        | Q(dates__date__range=(start, end))
    )
    for name, value in filters.items():
        qs = qs.filter(filter_condition(name, value, today=today))
    qs = (
        qs.distinct()
        .select_related("area")
        .prefetch_related(
            Prefetch("dates", queryset=EntryDate.objects.filter(date__range=(start, end)))
        )
    )
    by_day: dict[dt.date, list[tuple[schedule.Occurrence, Entry]]] = {}
    for entry in qs:
        for occurrence in schedule.occurrences(
            entry, start=start, end=end, dates=entry.dates.all()
        ):
            by_day.setdefault(occurrence.date, []).append((occurrence, entry))
    return [
        CalendarDay(day, sorted(items, key=lambda i: (i[0].start, i[1].title)))
        for day, items in sorted(by_day.items())
    ]


# --- Favourites ----------------------------------------------------------------


def favourite_ids_for_member(user: Any) -> list[int]:
    return list(Favourite.objects.filter(user=user).values_list("entry_id", flat=True))


def entries_by_ids(ids: list[int], *, today: dt.date) -> list[Entry]:
    """Published entries among `ids`, in the order of `ids` (a saved list)."""
    found = {
        e.pk: e
        for e in with_page_relations(published_entries().filter(pk__in=ids[:200]), today=today)
    }
    entries = [found[i] for i in ids if i in found]
    attach_next(entries, today=today)
    return entries
