"""The demo's history for insights (part of seed_demo): twelve weeks of a
group's life, so the staff's dashboard has something to say.

Members joined over the weeks (some asked and waited for an answer), a few
left or were removed, members wrote posts on weekdays and at the hours such a
group is busy, others commented, reacted and read; two member posts from the
last days wait for an answer (the radar). WHO-5 is switched on: enough members
answered at the start and later for the group's aggregates to show, and in
one sub-group too few for any figure (it shows "færre end 5").
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from groups.models import Group, Membership, MembershipStatus, Role, SubGroup
from insights.models import (
    InsightSettings,
    MembershipEnded,
    PostView,
    Who5Answer,
    Who5Consent,
)
from insights.reports import weekly_report_subscribe
from insights.who5 import complete_months
from posts import services as post_services
from posts.models import Comment, ContentState, Post, Reaction, ReactionKind

WEEKS = 12
# When members of such a group write: mornings and early evenings, more on weekdays.
HOURS = [8, 9, 9, 10, 10, 10, 11, 13, 14, 15, 16, 19, 19, 20, 20, 21]
HISTORY_POSTS = [
    ("aktiv", "Vi gik en tur rundt om søen i dag. Dejligt vejr!"),
    ("sammen", "Nogen der vil med til kaffe i biblioteket på torsdag?"),
    ("meningsfuld", "Jeg har plantet tulipanløg på altanen. Glæder mig til foråret."),
    ("aktiv", "Stolegymnastik hjemme – det hjælper på ryggen."),
    ("sammen", "Tak for en hyggelig eftermiddag i går, alle sammen."),
    ("meningsfuld", "Jeg har fundet gamle fotos fra min barndom i Horsens."),
    ("", "Hvad laver I, når det regner hele dagen?"),
    ("aktiv", "Cykelturen til Bygholm Park var længere end jeg troede, men jeg klarede den!"),
]
COMMENT_TEXTS = ["Hvor dejligt!", "Det vil jeg gerne.", "Godt gået 😊", "Tak for at dele."]
WAITING = [
    "Er der nogen, der ved, om der er fællesspisning i næste uge?",
    "Jeg har haft en svær uge. Det er rart at kunne skrive her.",
]
CONSENT_PURPOSE = "Trivselsmåling i gruppen (WHO-5)"


def _at_hour(day: datetime, rng: random.Random) -> datetime:
    local = timezone.localtime(day)
    return local.replace(hour=rng.choice(HOURS), minute=rng.randint(0, 59), second=0)


def _weekday_bias(rng: random.Random, start: datetime, days: int) -> datetime:
    """A day in the span, weekdays three times as likely as weekends."""
    while True:
        day = start + timedelta(days=rng.randrange(days))
        if timezone.localtime(day).weekday() < 5 or rng.random() < 0.33:
            return day


def seed_insights(*, group: Group, staff: User, members: list[User], subgroup: SubGroup) -> None:
    """Once: skipped when the group has views already."""
    if PostView.objects.filter(group=group).exists():
        return
    rng = random.Random(1405)
    now = timezone.now()
    # Those still in the group (the moderation demo has removed and banned some).
    active = set(
        Membership.objects.filter(group=group, status=MembershipStatus.ACTIVE).values_list(
            "user_id", flat=True
        )
    )
    members = [m for m in members if m.pk in active]

    # The content seeded before reacted "now": spread its reactions over the
    # days after what they react to, as people would have.
    for reaction in Reaction.objects.filter(
        Q(post__group=group) | Q(comment__post__group=group)
    ).select_related("post", "comment"):
        target = reaction.post or reaction.comment
        if target is not None:
            when = min(now, target.created_at + timedelta(hours=rng.randint(1, 72)))
            Reaction.objects.filter(pk=reaction.pk).update(created_at=when)
    start = now - timedelta(weeks=WEEKS)

    # Members joined over the twelve weeks; some asked and waited for an answer.
    for i, m in enumerate(
        Membership.objects.filter(group=group, status=MembershipStatus.ACTIVE, role=Role.MEMBER)
    ):
        joined = start + timedelta(days=(i * 83) % (WEEKS * 7 - 7), hours=rng.randint(8, 20))
        asked = joined - timedelta(hours=rng.randint(2, 60))
        Membership.objects.filter(pk=m.pk).update(
            joined_at=joined, requested_at=asked, decided_at=joined
        )
    MembershipEnded.objects.bulk_create(
        [
            MembershipEnded(
                group=group,
                how=how,
                joined_at=start + timedelta(days=3 * k),
                ended_at=start + timedelta(days=30 + 11 * k),
            )
            for k, how in enumerate(["left", "left", "removed", "left"])
        ]
    )

    # Posts, comments and reactions, spread over weekdays and hours, by members
    # who have posted before (the demo holds a member's first post for a
    # moderator, and the queue should stay the moderation demo's).
    veterans = set(
        Post.objects.filter(group=group, author__in=members).values_list("author_id", flat=True)
    )
    writers = [m for m in members if m.pk in veterans]
    for week in range(WEEKS, 2, -1):
        week_start = now - timedelta(weeks=week)
        for n in range(rng.randint(2, 4)):
            theme, text = HISTORY_POSTS[(week * 3 + n) % len(HISTORY_POSTS)]
            author = writers[(week * 7 + n * 5) % len(writers)]
            post = post_services.post_create(actor=author, group=group, body=text, theme=theme)
            if post.state != ContentState.VISIBLE:
                continue  # a new member's first posts wait for a moderator (the demo's rule)
            when = _at_hour(_weekday_bias(rng, week_start, 7), rng)
            Post.objects.filter(pk=post.pk).update(created_at=when)
            for k in range(rng.randint(1, 3)):
                commenter = staff if k == 0 and rng.random() < 0.6 else rng.choice(members)
                if commenter == author:
                    continue
                comment = post_services.comment_create(
                    actor=commenter, post=post, body=rng.choice(COMMENT_TEXTS)
                )
                Comment.objects.filter(pk=comment.pk).update(
                    created_at=when + timedelta(hours=rng.randint(1, 20))
                )
            for person in rng.sample(members, rng.randint(2, 8)):
                if person != author:
                    given = post_services.reaction_set(
                        actor=person, post=post, kind=ReactionKind.LIKE
                    )
                    if given is not None:
                        Reaction.objects.filter(pk=given.pk).update(
                            created_at=when + timedelta(hours=rng.randint(1, 48))
                        )

    # Reading: members open posts on the days after they were written.
    views = []
    for post in Post.objects.filter(group=group, subgroup__isnull=True):
        for person in rng.sample(members, min(len(members), rng.randint(5, 20))):
            if person.pk == post.author_id:
                continue
            day = timezone.localtime(post.created_at + timedelta(days=rng.randint(0, 3))).date()
            if day <= timezone.localdate():
                views.append(PostView(group=group, post=post, user=person, day=day))
    PostView.objects.bulk_create(views, ignore_conflicts=True)

    # Two member posts from the last days that nobody has answered yet.
    for k, text in enumerate(WAITING):
        post = post_services.post_create(actor=writers[k], group=group, body=text)
        Post.objects.filter(pk=post.pk).update(created_at=now - timedelta(hours=30 + 20 * k))

    _seed_who5(group=group, members=members, subgroup=subgroup, rng=rng)

    # Ugens tal: the staff member asked for the weekly e-mail on Monday mornings.
    weekly_report_subscribe(actor=staff, group=group)


def _seed_who5(
    *,
    group: Group,
    members: list[User],
    subgroup: SubGroup,
    rng: random.Random,
) -> None:
    """WHO-5 on, a baseline from 14 members in the month before last and a
    second answer from 10 of them last month (most a little better): staff
    see figures for the last whole month whatever day the demo is seeded,
    since WHO-5 is shown for whole months only (insights.who5.who5_monthly).
    In the sub-group only three answered, too few to show."""
    InsightSettings.objects.update_or_create(group=group, defaults={"who5_enabled": True})
    last_month, month_before = complete_months(count=2)
    in_sub = set(subgroup.memberships.values_list("user_id", flat=True))
    answering = [m for m in members if m.pk not in in_sub][:14]
    answering += [m for m in members if m.pk in in_sub][:3]
    consents, answers = [], []
    for i, person in enumerate(answering):
        given = _local_day(month_before, 2 + i)
        consents.append(
            Who5Consent(
                user=person,
                group=group,
                purpose=CONSENT_PURPOSE,
                text_version="2026-11",
                given_at=given,
            )
        )
        base = [rng.randint(1, 4) for _item in range(5)]
        answers.append(Who5Answer(user=person, group=group, answered_at=given, **_items(base)))
        if i < 10:
            later = [min(5, a + rng.choice([0, 1, 1, 2])) for a in base]
            answers.append(
                Who5Answer(
                    user=person,
                    group=group,
                    answered_at=_local_day(last_month, 3 + i),
                    **_items(later),
                )
            )
    Who5Consent.objects.bulk_create(consents)
    Who5Answer.objects.bulk_create(answers)


def _local_day(month: date, day: int) -> datetime:
    """10 o'clock on that day of the month, Copenhagen time."""
    return datetime.combine(
        month.replace(day=day), time(10), tzinfo=timezone.get_current_timezone()
    )


def _items(values: list[int]) -> dict[str, int]:
    return {f"a{k + 1}": v for k, v in enumerate(values)}
