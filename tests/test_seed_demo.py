"""The demo community: what `make run` gives a new person to try Sammen with."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command

from accounts.models import User
from groups.models import (
    Group,
    Membership,
    MembershipStatus,
    Role,
    SubGroup,
    SubGroupMembership,
    SubGroupMembershipStatus,
    Visibility,
)
from scheduler.models import ScheduledPost, ScheduledState, Slot

pytestmark = pytest.mark.django_db

DEMO = {
    "admin@example.org": Role.ADMIN,
    "staff@example.org": Role.STAFF,
    "moderator@example.org": Role.MODERATOR,
    "member@example.org": Role.MEMBER,
}


@pytest.fixture(autouse=True)
def _debug_on(settings: object) -> None:
    # The embedded default runs with DEBUG on; Django's test runner turns it off.
    settings.DEBUG = True  # type: ignore[attr-defined]


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "emails": EmailAddress.objects.count(),
        "groups": Group.objects.count(),
        "memberships": Membership.objects.count(),
        "subgroups": SubGroup.objects.count(),
        "subgroup_memberships": SubGroupMembership.objects.count(),
        "slots": Slot.objects.count(),
        "scheduled": ScheduledPost.objects.count(),
    }


@pytest.fixture
def demo() -> Group:
    seed()
    return Group.objects.get(name="Sammen hver for sig")


def test_seed_demo_is_idempotent() -> None:
    seed()
    first = counts()
    seed()
    assert counts() == first
    assert first["groups"] == 1


# Seeding takes a few seconds (it also writes demo posts), so each test below
# checks one part of the community after a single seed.


def test_seed_demo_creates_the_closed_group_with_rules_questions_and_about_forty_members(
    demo: Group,
) -> None:
    assert demo.visibility == Visibility.CLOSED
    assert demo.rules
    assert len(demo.questions) == 2
    assert all(q.endswith("?") for q in demo.questions)
    active = Membership.objects.filter(group=demo, status=MembershipStatus.ACTIVE)
    assert 38 <= active.count() <= 45
    names = list(active.values_list("user__display_name", flat=True))
    assert len(set(names)) == len(names)  # realistic, distinct names
    assert all(" " in n for n in names)


def test_seed_demo_accounts_are_verified_use_the_demo_password_and_have_their_roles(
    demo: Group,
) -> None:
    for email in [*DEMO, "pending@example.org", "outsider@example.org"]:
        user = User.objects.get(email=email)
        assert user.check_password("sammen-demo"), email
        assert user.display_name
        assert EmailAddress.objects.filter(user=user, email=email, verified=True).exists()
    for email, role in DEMO.items():
        m = Membership.objects.get(user__email=email, group=demo)
        assert (m.status, m.role) == (MembershipStatus.ACTIVE, role), email
    pending = Membership.objects.get(user__email="pending@example.org", group=demo)
    assert pending.status == MembershipStatus.PENDING
    assert len(pending.answers) == 2
    assert not Membership.objects.filter(user__email="outsider@example.org").exists()


def test_seed_demo_admin_logs_in_through_the_login_form(demo: Group, client: object) -> None:
    response = client.post(  # type: ignore[attr-defined]
        "/accounts/login/", {"login": "admin@example.org", "password": "sammen-demo"}, follow=True
    )
    assert response.status_code == 200
    assert response.context["user"].email == "admin@example.org"
    assert "Sammen hver for sig" in response.content.decode()


def test_seed_demo_creates_three_subgroups_with_gaaturen_full_at_eight(demo: Group) -> None:
    assert set(demo.subgroups.values_list("name", flat=True)) == {
        "Strikkeklubben",
        "Læseklubben",
        "Gåturen",
    }
    gaaturen = demo.subgroups.get(name="Gåturen")
    assert gaaturen.member_cap == 8
    assert gaaturen.memberships.filter(status=SubGroupMembershipStatus.ACTIVE).count() == 8
    assert SubGroupMembership.objects.filter(
        subgroup__name="Strikkeklubben",
        user__email="member@example.org",
        status=SubGroupMembershipStatus.ACTIVE,
    ).exists()
    # Everyone in a sub-group, facilitators too, is a member of the group.
    active_ids = set(
        demo.memberships.filter(status=MembershipStatus.ACTIVE).values_list("user_id", flat=True)
    )
    sub_ids = set(
        SubGroupMembership.objects.filter(subgroup__group=demo).values_list("user_id", flat=True)
    )
    facilitators = set(demo.subgroups.values_list("facilitator_id", flat=True))
    assert sub_ids <= active_ids
    assert facilitators <= active_ids


def test_seed_demo_prints_the_accounts() -> None:
    out = seed()
    for email in [*DEMO, "pending@example.org", "outsider@example.org"]:
        assert email in out
    assert "sammen-demo" in out


def test_seed_demo_refuses_with_debug_off(settings: object) -> None:
    settings.DEBUG = False  # type: ignore[attr-defined]
    with pytest.raises(CommandError, match="--force"):
        seed()
    assert counts()["users"] == 0


def test_seed_demo_runs_with_debug_off_when_forced(settings: object) -> None:
    settings.DEBUG = False  # type: ignore[attr-defined]
    seed("--force")
    assert Group.objects.filter(name="Sammen hver for sig").exists()


def test_seed_demo_gives_the_group_a_living_weekly_plan(demo: Group) -> None:
    from scheduler import selectors

    slots = Slot.objects.filter(group=demo)
    assert {s.theme for s in slots} == {"aktiv", "sammen", "meningsfuld"}
    planned = ScheduledPost.objects.filter(group=demo, state=ScheduledState.SCHEDULED)
    assert planned.count() >= 4  # at least next week's, whatever day it is today
    assert ScheduledPost.objects.filter(group=demo, state=ScheduledState.DRAFT).exists()
    published = ScheduledPost.objects.filter(group=demo, state=ScheduledState.PUBLISHED)
    assert published.exists() and all(p.post_id for p in published)
    # Next week lacks its "Meningsfuld" post: the theme balance points it out.
    from scheduler import localtime

    next_monday = localtime.monday_of(localtime.now_local().date()) + timedelta(weeks=1)
    week = selectors.week_plan(group=demo, monday=next_monday)
    assert [t.value for t in week.missing_themes] == ["meningsfuld"]


def test_seed_demo_gives_birthe_unread_notifications_with_a_mention_and_a_grouped_row(
    demo: Group, client: object
) -> None:
    from notifications.models import Kind, Notification

    birthe = User.objects.get(email="member@example.org")
    unread = Notification.objects.filter(recipient=birthe, read_at__isnull=True)
    assert unread.filter(kind=Kind.MENTION).exists()
    assert unread.filter(count__gt=1).exists()
    assert Notification.objects.filter(recipient=birthe, read_at__isnull=False).exists()
    client.force_login(birthe)  # type: ignore[attr-defined]
    page = client.get("/notifications/").content.decode()  # type: ignore[attr-defined]
    assert "har nævnt dig i" in page
    seed()  # idempotent: no second mention
    assert Notification.objects.filter(recipient=birthe, kind=Kind.MENTION).count() == 1


@pytest.mark.parametrize("today", ["2027-01-01 09:00", "2026-12-31 21:00"])
def test_seed_demo_shows_who5_for_the_last_whole_month_and_hides_a_small_subgroup(
    today: str,
) -> None:
    """Whatever day the demo is seeded (the first of a month included), the
    team sees the group's WHO-5 figures for the last whole month, and a
    sub-group where only three answered shows "færre end 5"."""
    import time_machine

    from insights import who5

    moment = datetime.fromisoformat(today).replace(tzinfo=ZoneInfo("Europe/Copenhagen"))
    with time_machine.travel(moment, tick=False):
        seed()
        group = Group.objects.get(name="Sammen hver for sig")
        month = who5.complete_months()[0]
        agg = who5.who5_monthly(group=group, month=month)
        score = agg.figures[("this", "score")]
        assert score.shown and score.n == 10
        assert agg.figures[("previous", "score")].shown
        for sub in group.subgroups.all():
            figures = who5.who5_monthly(group=group, subgroup=sub, month=month).figures
            assert not any(f.shown for f in figures.values())
