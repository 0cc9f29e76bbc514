"""Reads of insights: the dashboard's figures and the unanswered-post radar.

Aggregates only: counts, medians, shares. No figure names a member, and no
list says who read or wrote what, except the radar's posts, which staff may
read in the group anyway. The dashboard costs a fixed number of queries
whatever the size of the group, and is kept in the cache for at most
DASHBOARD_MAX_AGE seconds (the figures are at most that old).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from groups import permissions as group_perms
from groups.models import (
    Group,
    Membership,
    MembershipStatus,
    SubGroup,
    SubGroupMembership,
    SubGroupMembershipStatus,
)
from insights.models import InsightSettings, MembershipEnded, PostView
from posts.models import Comment, ContentState, Post, Reaction, Theme
from scheduler.models import ScheduledPost, ScheduledState

DASHBOARD_MAX_AGE = 15 * 60
PERIOD_DAYS = (7, 30, 90)
DEFAULT_DAYS = 30
TOP = 5
DAY = timedelta(days=1)


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


# --- Periods ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    key: str  # "30" (the last 30 days) or "2026-10" (a month)

    @property
    def days(self) -> int:
        return max(1, round((self.end - self.start) / DAY))

    def previous(self) -> Period:
        if "-" in self.key:  # a month: the month before
            first = timezone.localtime(self.start).date().replace(day=1)
            before = (first - DAY).replace(day=1)
            return Period(_local_midnight(before), self.start, before.strftime("%Y-%m"))
        return Period(self.start - (self.end - self.start), self.start, f"{self.key}-before")

    @property
    def file_label(self) -> str:
        first = timezone.localtime(self.start).date()
        last = timezone.localtime(self.end - timedelta(seconds=1)).date()
        return f"{first:%Y-%m-%d}_{last:%Y-%m-%d}"


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone())


def period_from(*, days: str | None, month: str | None, now: datetime | None = None) -> Period:
    """The period a dashboard asks for: ?dage=7|30|90 or ?maaned=YYYY-MM
    (a month that has begun). Anything else is refused in Danish."""
    now = now or timezone.now()
    if month:
        try:
            year, number = (int(part) for part in month.split("-"))
            first = date(year, number, 1)
        except ValueError as exc:
            raise ValidationError(_("Vælg en måned som år og måned, fx 2026-10.")) from exc
        if _local_midnight(first) > now:
            raise ValidationError(_("Den måned er ikke begyndt endnu. Vælg en måned, der er gået."))
        following = (first + timedelta(days=32)).replace(day=1)
        return Period(_local_midnight(first), min(_local_midnight(following), now), month)
    if not days:
        return Period(now - DEFAULT_DAYS * DAY, now, str(DEFAULT_DAYS))
    chosen = int(days) if days.isdigit() else 0
    if chosen not in PERIOD_DAYS:
        raise ValidationError(_("Vælg de sidste 7, 30 eller 90 dage, eller en måned."))
    return Period(now - chosen * DAY, now, str(chosen))


def months_to_choose(now: datetime | None = None, count: int = 12) -> list[str]:
    """The last months, newest first, for the period menu."""
    first = timezone.localtime(now or timezone.now()).date().replace(day=1)
    months = []
    for _i in range(count):
        months.append(first.strftime("%Y-%m"))
        first = (first - DAY).replace(day=1)
    return months


# --- The place: a group, or one of its sub-groups ---------------------------------------


@dataclass(frozen=True)
class Place:
    group: Group
    subgroup: SubGroup | None = None

    def posts(self) -> QuerySet[Post]:
        rows = Post.objects.filter(group=self.group, state=ContentState.VISIBLE)
        return rows.filter(subgroup=self.subgroup) if self.subgroup else rows

    def comments(self) -> QuerySet[Comment]:
        rows = Comment.objects.filter(
            post__group=self.group, post__state=ContentState.VISIBLE, state=ContentState.VISIBLE
        )
        return rows.filter(post__subgroup=self.subgroup) if self.subgroup else rows

    def reactions(self) -> tuple[QuerySet[Reaction], QuerySet[Reaction]]:
        """Reactions on the place's visible posts, and on its visible
        comments: two querysets to add up (or UNION ALL). One queryset with
        an OR (through joins, or of two IN sub-queries) made PostgreSQL read
        every reaction against every post and comment; apart, each is an IN
        over a hashed sub-query, 2-3x faster (bench/insights.py's data)."""
        return (
            Reaction.objects.filter(post_id__in=self.posts().values("pk")),
            Reaction.objects.filter(comment_id__in=self.comments().values("pk")),
        )

    def views(self) -> QuerySet[PostView]:
        rows = PostView.objects.filter(group=self.group)
        return rows.filter(post__subgroup=self.subgroup) if self.subgroup else rows

    @property
    def cache_key(self) -> str:
        return f"{self.group.pk}:{self.subgroup.pk if self.subgroup else 0}"


def _between(field: str, start: datetime, end: datetime) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def _days_between(start: datetime, end: datetime) -> Q:
    return Q(day__gte=timezone.localtime(start).date(), day__lt=timezone.localtime(end).date())


# --- Figures ----------------------------------------------------------------------------


def _team_ids(group: Group) -> set[int]:
    return set(
        Membership.objects.filter(
            group=group, status=MembershipStatus.ACTIVE, role__in=group_perms.TEAM
        ).values_list("user_id", flat=True)
    )


# Members active in the period, its last week and the last 30 days, and
# member-days in the period, over a UNION of (member, local day); every value
# is a parameter.
ACTIVE_COUNTS = (
    "SELECT COUNT(DISTINCT CASE WHEN d >= %s THEN u END),"
    " COUNT(DISTINCT CASE WHEN d >= %s THEN u END),"
    " COUNT(DISTINCT CASE WHEN d >= %s THEN u END),"
    " COALESCE(SUM(CASE WHEN d >= %s THEN 1 ELSE 0 END), 0)"
    " FROM (UNION) activity"
)


def _actives(place: Place, period: Period) -> dict[str, int]:
    """Distinct members who posted, commented, reacted or viewed in the
    period, in its last 7 and the last 30 days, and member-days (for the
    average day): one query over one UNION of (member, local day), counted
    with CASE for each window; and those who wrote, one more. Counted by
    local day: a window is whole days in Copenhagen."""
    tz = zone()
    start, end = period.start, period.end
    span = min(start, end - 30 * DAY)
    # Unordered: a compound statement's parts may not have ORDER BY.
    posts = place.posts().filter(_between("created_at", span, end)).order_by()
    comments = place.comments().filter(_between("created_at", span, end)).order_by()
    on_posts, on_comments = (
        rows.filter(_between("created_at", span, end)).order_by() for rows in place.reactions()
    )
    views = place.views().filter(_days_between(span, end)).order_by()

    def pairs(rows: QuerySet[Any], who: str) -> QuerySet[Any]:
        return rows.annotate(u=F(who), d=TruncDate("created_at", tzinfo=tz)).values_list("u", "d")

    member_days = (
        pairs(posts, "author_id")
        .union(pairs(comments, "author_id"))
        .union(pairs(on_posts, "user_id"))
        .union(pairs(on_comments, "user_id"))
        .union(views.annotate(u=F("user_id"), d=F("day")).values_list("u", "d"))
    )
    sql, params = member_days.query.sql_with_params()
    first = timezone.localtime(start).date()
    week = timezone.localtime(end - 7 * DAY).date()
    month = timezone.localtime(end - 30 * DAY).date()
    counting = ACTIVE_COUNTS.replace("(UNION)", f"({sql})")  # the ORM's own SQL
    with connection.cursor() as cursor:
        cursor.execute(counting, [first, max(first, week), month, first, *params])
        active, weekly, monthly, days = (int(v or 0) for v in cursor.fetchone())
    writers = (
        posts.filter(_between("created_at", start, end))
        .values_list("author_id")
        .union(comments.filter(_between("created_at", start, end)).values_list("author_id"))
    )
    contributors = writers.count()
    return {
        "active": active,
        "weekly_active": weekly,
        "monthly_active": monthly,
        "contributors": contributors,
        "readers": max(0, active - contributors),
        "member_days": days,
    }


def _members(place: Place, period: Period) -> dict[str, Any]:
    """Members now and over time, joined, ended, waiting, and how long a
    request waited for its answer (median, hours)."""
    start, end = period.start, period.end
    if place.subgroup is not None:
        rows = SubGroupMembership.objects.filter(subgroup=place.subgroup)
        active_joined = list(
            rows.filter(status=SubGroupMembershipStatus.ACTIVE).values_list("joined_at", flat=True)
        )
        return {
            "total": sum(1 for j in active_joined if j is None or j < end),
            "joined": sum(1 for j in active_joined if j is not None and start <= j < end),
            "left": None,
            "removed": None,
            "pending": rows.filter(status=SubGroupMembershipStatus.PENDING).count(),
            "answer_hours": None,
            "series": [],
        }
    memberships = Membership.objects.filter(group=place.group)
    joined_now = list(
        memberships.filter(status=MembershipStatus.ACTIVE).values_list("joined_at", flat=True)
    )
    ended = list(
        MembershipEnded.objects.filter(group=place.group, ended_at__gte=start).values_list(
            "joined_at", "ended_at", "how"
        )
    )
    ended_in = [(j, e, how) for j, e, how in ended if e < end]

    def total_at(moment: datetime) -> int:
        now_members = sum(1 for j in joined_now if j is None or j < moment)
        gone_since = sum(1 for j, e, _how in ended if (j is None or j < moment) and e >= moment)
        return now_members + gone_since

    waits = [
        (decided - asked).total_seconds() / 3600
        for asked, decided in memberships.filter(
            decided_at__gte=start, decided_at__lt=end, requested_at__isnull=False
        )
        .exclude(status=MembershipStatus.PENDING)
        .values_list("requested_at", "decided_at")
        if asked is not None and decided is not None
    ]
    step = max(DAY, (end - start) / 12)
    series = []
    moment = start + step
    while moment <= end + timedelta(seconds=1):
        series.append((timezone.localtime(moment).date().isoformat(), total_at(moment)))
        moment += step
    return {
        "total": total_at(end),
        "joined": sum(1 for j in joined_now if j is not None and start <= j < end)
        + sum(1 for j, _e, _h in ended_in if j is not None and start <= j < end),
        "left": sum(1 for _j, _e, how in ended_in if how == "left"),
        "removed": sum(1 for _j, _e, how in ended_in if how in ("removed", "banned")),
        "pending": memberships.filter(status=MembershipStatus.PENDING).count(),
        "answer_hours": round(statistics.median(waits), 1) if waits else None,
        "series": series,
    }


def _activity(place: Place, period: Period, team: set[int]) -> dict[str, Any]:
    start, end = period.start, period.end
    posts = place.posts().filter(_between("created_at", start, end))
    by_team = posts.filter(author_id__in=team).count() if team else 0
    total_posts = posts.count()
    actives = _actives(place, period)
    daily = actives["member_days"] / period.days
    monthly = actives["monthly_active"]
    return {
        **actives,
        "daily_active": round(daily, 1),
        "dau_mau": round(100 * daily / monthly) if monthly else None,
        "posts": total_posts,
        "posts_staff": by_team,
        "posts_members": total_posts - by_team,
        "comments": place.comments().filter(_between("created_at", start, end)).count(),
        "reactions": sum(
            rows.filter(_between("created_at", start, end)).count() for rows in place.reactions()
        ),
        "views": place.views().filter(_days_between(start, end)).count(),
    }


def _themes(place: Place, period: Period) -> list[dict[str, Any]]:
    rows = {
        r["theme"]: r
        for r in place.posts()
        .filter(_between("created_at", period.start, period.end))
        .values("theme")
        .annotate(
            n=Count("id"), comment_sum=Sum("comment_count"), reaction_sum=Sum("reaction_count")
        )
    }
    plan = ScheduledPost.objects.filter(group=place.group).filter(
        _between("publish_at", period.start, period.end)
    )
    if place.subgroup is not None:
        plan = plan.filter(subgroup=place.subgroup)
    planned = {
        (r["theme"], r["state"]): r["n"]
        for r in plan.filter(state__in=[ScheduledState.SCHEDULED, ScheduledState.PUBLISHED])
        .values("theme", "state")
        .annotate(n=Count("id"))
    }
    out = []
    for value, label in [*Theme.choices, ("", _("Uden tema"))]:
        r = rows.get(value, {})
        n = r.get("n", 0)
        published = planned.get((value, ScheduledState.PUBLISHED), 0)
        out.append(
            {
                "theme": value,
                "label": str(label),
                "posts": n,
                "comments_per_post": round((r.get("comment_sum") or 0) / n, 1) if n else None,
                "reactions_per_post": round((r.get("reaction_sum") or 0) / n, 1) if n else None,
                "planned": published + planned.get((value, ScheduledState.SCHEDULED), 0),
                "published_from_plan": published,
            }
        )
    return out


def _heatmap(place: Place, period: Period) -> list[list[int]]:
    """Activity (posts, comments, reactions) by weekday (Monday first) and
    hour, in Copenhagen time: 7 rows of 24."""
    tz = zone()
    grid = [[0] * 24 for _day in range(7)]
    for rows in (place.posts(), place.comments(), *place.reactions()):
        counted = (
            rows.filter(_between("created_at", period.start, period.end))
            .annotate(
                wd=ExtractIsoWeekDay("created_at", tzinfo=tz),
                h=ExtractHour("created_at", tzinfo=tz),
            )
            .values("wd", "h")
            .annotate(n=Count("id"))
            .order_by()
        )
        for r in counted:
            grid[int(r["wd"]) - 1][int(r["h"])] += int(r["n"])
    return grid


def _top_posts(place: Place, period: Period) -> dict[str, list[dict[str, Any]]]:
    posts = place.posts().filter(_between("created_at", period.start, period.end))

    def rows(qs: Any) -> list[dict[str, Any]]:
        return [
            {"id": p.pk, "excerpt": p.excerpt, "url": p.get_absolute_url(), "value": value}
            for p, value in qs
        ]

    by_comments = [
        (p, p.comment_count)
        for p in posts.filter(comment_count__gt=0)
        .select_related("group")
        .order_by("-comment_count", "-id")[:TOP]
    ]
    by_reactions = [
        (p, p.reaction_count)
        for p in posts.filter(reaction_count__gt=0)
        .select_related("group")
        .order_by("-reaction_count", "-id")[:TOP]
    ]
    viewed = list(
        place.views()
        .filter(_days_between(period.start, period.end))
        .values("post_id")
        .annotate(n=Count("id"))
        .order_by("-n", "-post_id")[:TOP]
    )
    found = {
        p.pk: p
        for p in Post.objects.filter(
            pk__in=[v["post_id"] for v in viewed], state=ContentState.VISIBLE
        ).select_related("group")
    }
    by_views = [(found[v["post_id"]], v["n"]) for v in viewed if v["post_id"] in found]
    return {
        "comments": rows(by_comments),
        "reactions": rows(by_reactions),
        "views": rows(by_views),
    }


def _first_replies(place: Place, start: datetime, end: datetime, team: set[int]) -> list[Any]:
    """(created, first reply by someone else or None) for members' posts."""
    first_reply = (
        Comment.objects.filter(post=OuterRef("pk"), state=ContentState.VISIBLE)
        .exclude(author_id=OuterRef("author_id"))
        .order_by("created_at")
        .values("created_at")[:1]
    )
    return list(
        place.posts()
        .filter(_between("created_at", start, end))
        .exclude(author_id__in=team)
        .annotate(first=Subquery(first_reply))
        .values_list("created_at", "first")
    )


def _response(place: Place, period: Period, team: set[int]) -> dict[str, Any]:
    """Median time to the first reply on members' posts, and the share
    answered within 24 hours (posts younger than 24 hours are not judged)."""
    now = timezone.now()
    rows = _first_replies(place, period.start, min(period.end, now - DAY), team)
    waits = [(first - created).total_seconds() / 3600 for created, first in rows if first]
    within = sum(1 for w in waits if w <= 24)
    return {
        "member_posts": len(rows),
        "answered": len(waits),
        "median_hours": round(statistics.median(waits), 1) if waits else None,
        "within_24h_pct": round(100 * within / len(rows)) if rows else None,
    }


def _figures(place: Place, period: Period) -> dict[str, Any]:
    team = _team_ids(place.group)
    return {
        "members": _members(place, period),
        "activity": _activity(place, period, team),
        "themes": _themes(place, period),
        "heatmap": _heatmap(place, period),
        "top": _top_posts(place, period),
        "response": _response(place, period, team),
    }


def dashboard(*, group: Group, subgroup: SubGroup | None, period: Period) -> dict[str, Any]:
    """The dashboard's figures for the period and the one before, from the
    cache when they are younger than DASHBOARD_MAX_AGE."""
    place = Place(group, subgroup)
    bucket = int(timezone.now().timestamp() // DASHBOARD_MAX_AGE)
    key = f"insights:{place.cache_key}:{period.key}:{bucket}"

    def compute() -> dict[str, Any]:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # The activity UNIONs sort a few hundred thousand rows: in
                # memory, not in files (the default 4 MB spilled ~9 MB to disk).
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL work_mem = '32MB'")
            return {
                "now": _figures(place, period),
                "before": _figures(place, period.previous()),
                "computed_at": timezone.now(),
            }

    return dict(cache.get_or_set(key, compute, DASHBOARD_MAX_AGE) or compute())


# --- The radar --------------------------------------------------------------------------


def radar_hours(group: Group) -> int:
    row = InsightSettings.objects.filter(group=group).first()
    return row.radar_hours if row is not None else 24


def insight_settings(group: Group) -> InsightSettings:
    row = InsightSettings.objects.filter(group=group).first()
    return row if row is not None else InsightSettings(group=group)


def _radar_base(group: Group, hours: int) -> QuerySet[Post]:
    """Members' visible posts older than the radar's hours (in the group and
    its sub-groups), oldest first."""
    team = Membership.objects.filter(
        group=group, status=MembershipStatus.ACTIVE, role__in=group_perms.TEAM
    ).values("user_id")
    return (
        Post.objects.filter(
            group=group,
            state=ContentState.VISIBLE,
            created_at__lt=timezone.now() - timedelta(hours=hours),
        )
        .exclude(author_id__in=team)
        .exclude(author__isnull=True)
        .order_by("created_at", "id")
    )


def _replied_by(team_only: bool, group: Group) -> Any:
    replies = Comment.objects.filter(post=OuterRef("pk"), state=ContentState.VISIBLE).exclude(
        author_id=OuterRef("author_id")
    )
    if team_only:
        replies = replies.filter(
            author__memberships__group=group,
            author__memberships__status=MembershipStatus.ACTIVE,
            author__memberships__role__in=group_perms.TEAM,
        )
    return replies


def radar(*, group: Group, limit: int = 100) -> dict[str, Any]:
    """Members' posts nobody has answered after N hours, and those no one
    from the staff has answered, oldest first."""
    hours = radar_hours(group)
    base = _radar_base(group, hours).select_related("author", "subgroup", "group")
    unanswered = base.filter(~Exists(_replied_by(False, group)))
    no_staff = base.filter(Exists(_replied_by(False, group))).filter(
        ~Exists(_replied_by(True, group))
    )
    return {
        "hours": hours,
        "unanswered": list(unanswered[:limit]),
        "unanswered_count": unanswered.count(),
        "no_staff": list(no_staff[:limit]),
        "no_staff_count": no_staff.count(),
    }


_RADAR_ATTR = "_sammen_radar_count"


def radar_count(group: Group) -> int:
    """The number on the staff's tab: posts nobody has answered (counted
    once per request: the header and the page both ask)."""
    if _RADAR_ATTR not in group.__dict__:
        unanswered = _radar_base(group, radar_hours(group)).filter(
            ~Exists(_replied_by(False, group))
        )
        group.__dict__[_RADAR_ATTR] = unanswered.count()
    return int(group.__dict__[_RADAR_ATTR])
