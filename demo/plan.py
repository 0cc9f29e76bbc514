"""The demo group's weekly plan (seed_demo's third part): recurring slots for each
ABC theme, this week's and next week's posts planned into them, one draft, and
last week's staff posts shown as published from the plan."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.models import User
from groups.models import Group
from posts.models import Post
from scheduler import localtime
from scheduler.models import ScheduledPost, ScheduledState, Slot

SLOTS = [
    # weekday, local time, theme, title hint
    (0, dt.time(9, 0), "aktiv", "Ugens gåtur"),
    (1, dt.time(19, 0), "meningsfuld", "Ugens bog eller film"),
    (2, dt.time(14, 0), "sammen", "Ring til en, du savner"),
    (4, dt.time(10, 0), "aktiv", "Fredagsbevægelse"),
    (6, dt.time(11, 0), "sammen", "Søndagens billede"),
]

TEXTS = {
    "aktiv": [
        "### Ugens gåtur\n\nFind en rute på 20 minutter tæt på, hvor du bor. Gå den i "
        "dag, og læg mærke til tre ting, du ikke har set før. Del gerne et billede!",
        "### Fredagsbevægelse\n\nSæt din yndlingsmusik på og bevæg dig i ét nummer: "
        "dans, stræk ud eller gå rundt i stuen. Hvilken sang valgte du?",
    ],
    "sammen": [
        "### Ring til en, du savner\n\nTænk på én, du ikke har talt med længe. Send en "
        "sms eller ring i dag, bare for at sige hej. Fortæl os gerne, hvordan det gik.",
        "### Søndagens billede\n\nDel et billede fra din uge: en kop kaffe, en blomst, "
        "en udsigt. Skriv et par ord om, hvorfor du valgte det.",
    ],
    "meningsfuld": [
        "### Ugens bog eller film\n\nHvilken bog, film eller radioudsendelse har gjort "
        "indtryk på dig for nylig? Anbefal den til de andre, og fortæl hvorfor.",
    ],
}

DRAFT = (
    "### Julehygge i gruppen\n\nIdé til december: vi deler opskrifter på småkager, og "
    "hver søndag viser vi, hvad vi har bagt. (Kladde – skal drøftes på personalemødet.)"
)


def seed_plan(*, group: Group, planners: list[User]) -> None:
    """Give the demo group a living plan. Done once: skipped when it has slots."""
    if Slot.objects.filter(group=group).exists():
        return
    now = timezone.now()
    slots = [
        Slot.objects.create(
            group=group,
            weekday=w,
            local_time=t,
            theme=theme,
            title_hint=hint,
            created_by=planners[0],
        )
        for w, t, theme, hint in SLOTS
    ]
    monday = localtime.monday_of(localtime.now_local().date())
    used = {theme: 0 for theme in TEXTS}
    for week in (0, 1):
        for i, slot in enumerate(slots):
            day = monday + dt.timedelta(days=7 * week + slot.weekday)
            at = localtime.to_instant(day, slot.local_time, localtime.FIRST)
            # Next week's Tuesday is left open, so the plan shows a theme missing.
            if at <= now or (week == 1 and slot.weekday == 1):
                continue
            texts = TEXTS[slot.theme]
            body = texts[used[slot.theme] % len(texts)]
            used[slot.theme] += 1
            ScheduledPost.objects.create(
                group=group,
                place_name=group.name,
                author=planners[i % len(planners)],
                updated_by=planners[i % len(planners)],
                body=body,
                theme=slot.theme,
                state=ScheduledState.SCHEDULED,
                publish_at=at,
                slot=slot,
            )
    ScheduledPost.objects.create(
        group=group,
        place_name=group.name,
        author=planners[0],
        updated_by=planners[0],
        body=DRAFT,
        theme="sammen",
        state=ScheduledState.DRAFT,
    )
    # Last week's staff posts, as published from the plan (with links).
    since = now - dt.timedelta(days=8)
    for post in Post.objects.filter(
        group=group, subgroup=None, author__in=planners, created_at__gte=since, pinned=False
    ).select_related("author"):
        author = post.author
        if author is None:
            continue
        ScheduledPost.objects.create(
            group=group,
            place_name=group.name,
            author=author,
            updated_by=author,
            body=post.body,
            theme=post.theme,
            state=ScheduledState.PUBLISHED,
            publish_at=post.created_at,
            published_at=post.created_at,
            post=post,
        )
