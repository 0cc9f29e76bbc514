"""The staff's insights: views counted once a day, the dashboard's figures
and CSV, the radar, the settings; who may see them."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from accounts.models import User
from groups import services as group_services
from groups.models import Group, Membership
from insights import selectors, services
from insights.models import InsightSettings, MembershipEnded, PostView
from posts import services as post_services
from tests.conftest import LOGIN, MatrixRow, assert_answer, make_membership, make_user
from tests.conftest import matrix_params as _matrix_params

pytestmark = pytest.mark.django_db

L = LOGIN
# fmt: off
MATRIX: list[MatrixRow] = [
    # url name              method   anon outs pend bann memb mod  staff admin
    ("insights",            "get",  (L,  404, 404, 404, 403, 200, 200, 200)),
    ("insights-csv",        "get",  (L,  404, 404, 404, 403, 200, 200, 200)),
    ("insights-radar",      "get",  (L,  404, 404, 404, 403, 200, 200, 200)),
    ("insights-settings",   "get",  (L,  404, 404, 404, 403, 403, 403, 200)),
    ("insights-settings",   "post", (L,  404, 404, 404, 403, 403, 403, 302)),
]
# fmt: on


@pytest.mark.parametrize(("name", "method", "role", "expected"), _matrix_params(MATRIX))
def test_insights_matrix(
    name: str,
    method: str,
    role: str,
    expected: Any,
    group: Group,
    member: User,
    everyone: dict[str, User | None],
    client_for: Any,
) -> None:
    post_services.post_create(actor=member, group=group, body="Hemmeligt indhold")
    kwargs: dict[str, Any] = {"group_slug": group.slug}
    if name == "insights-csv":
        kwargs["table"] = "aktivitet"
    client = client_for(everyone[role])
    path = reverse(name, kwargs=kwargs)
    data = {"radar_hours": "12", "who5_every_weeks": "8"}
    response = client.post(path, data) if method == "post" else client.get(path)
    assert_answer(response, expected, f"{role} {method} {name}")
    if response.status_code != 302 and role not in ("admin", "staff", "moderator"):
        assert not InsightSettings.objects.exists(), "a refused request changed something"


# --- views ---------------------------------------------------------------------------


def test_a_hundred_reloads_make_one_view(
    group: Group, member: User, staff: User, client_for: Any
) -> None:
    post = post_services.post_create(actor=staff, group=group, body="Ugens gåtur")
    client = client_for(member)
    for _i in range(100):
        assert client.get(post.get_absolute_url()).status_code == 200
    assert PostView.objects.filter(post=post).count() == 1


def test_the_author_prefetches_and_partials_are_not_views(
    group: Group, member: User, client_for: Any
) -> None:
    post = post_services.post_create(actor=member, group=group, body="Mit eget opslag")
    client_for(member).get(post.get_absolute_url())
    other = make_user("anden@example.org", "Anden Læser")
    make_membership(other, group)
    client_for(other).get(post.get_absolute_url(), HTTP_SEC_PURPOSE="prefetch")
    client_for(other).get(post.get_absolute_url(), HTTP_HX_REQUEST="true")
    assert PostView.objects.count() == 0
    client_for(other).get(post.get_absolute_url())
    assert PostView.objects.count() == 1


def test_counting_a_view_is_one_statement(
    group: Group, member: User, staff: User, django_assert_num_queries: Any
) -> None:
    post = post_services.post_create(actor=staff, group=group, body="Ugens gåtur")
    with django_assert_num_queries(1):
        services.post_view_count(post=post, user_id=member.pk)
    with django_assert_num_queries(1):
        services.post_view_count(post=post, user_id=member.pk)  # the same day: nothing new


def test_a_new_day_is_a_new_view(group: Group, member: User, staff: User) -> None:
    post = post_services.post_create(actor=staff, group=group, body="Ugens gåtur")
    with time_machine.travel(datetime(2026, 11, 30, 10, tzinfo=UTC), tick=False) as clock:
        services.post_view_count(post=post, user_id=member.pk)
        clock.shift(timedelta(days=1))
        services.post_view_count(post=post, user_id=member.pk)
    assert PostView.objects.filter(post=post).count() == 2


# --- the dashboard ---------------------------------------------------------------------


def test_the_dashboard_counts_the_periods_activity_beside_the_one_before(
    group: Group, member: User, staff: User, admin: User
) -> None:
    with time_machine.travel(datetime(2026, 10, 20, 9, tzinfo=UTC), tick=False):
        post_services.post_create(actor=member, group=group, body="Sidste måned")
    with time_machine.travel(datetime(2026, 11, 20, 9, tzinfo=UTC), tick=False):
        post = post_services.post_create(
            actor=member, group=group, body="Denne måned", theme="aktiv"
        )
        post_services.comment_create(actor=staff, post=post, body="Svar fra personalet")
        post_services.reaction_set(actor=admin, post=post, kind="love")
        services.post_view_count(post=post, user_id=admin.pk)
    with time_machine.travel(datetime(2026, 11, 30, 9, tzinfo=UTC), tick=False):
        period = selectors.period_from(days="30", month=None)
        figures = selectors.dashboard(group=group, subgroup=None, period=period)
    now, before = figures["now"]["activity"], figures["before"]["activity"]
    assert (now["posts"], before["posts"]) == (1, 1)
    assert (now["comments"], now["reactions"], now["views"]) == (1, 1, 1)
    assert now["active"] == 3  # member wrote, staff commented, admin reacted and viewed
    assert now["weekly_active"] == 0  # all of it ten days before the period's end
    assert now["monthly_active"] == 3 and now["member_days"] == 3
    assert before["active"] == 1  # last month: the member's post
    assert (now["contributors"], now["readers"]) == (2, 1)
    assert (now["posts_staff"], now["posts_members"]) == (0, 1)
    [aktiv] = [t for t in figures["now"]["themes"] if t["theme"] == "aktiv"]
    assert (aktiv["posts"], aktiv["comments_per_post"], aktiv["reactions_per_post"]) == (
        1,
        1.0,
        1.0,
    )
    response = figures["now"]["response"]
    assert response["answered"] == 1 and response["median_hours"] == 0.0
    # 20 November 10:00 in Copenhagen is a Friday: the post, comment and reaction.
    assert figures["now"]["heatmap"][4][10] == 3


def test_members_over_time_count_those_who_left(group: Group, member: User, admin: User) -> None:
    Membership.objects.filter(group=group).update(joined_at=datetime(2026, 1, 5, tzinfo=UTC))
    with time_machine.travel(datetime(2026, 11, 25, 9, tzinfo=UTC), tick=False):
        group_services.membership_leave(actor=member, group=group)
    assert MembershipEnded.objects.get().how == "left"
    with time_machine.travel(datetime(2026, 11, 30, 9, tzinfo=UTC), tick=False):
        figures = selectors.dashboard(
            group=group, subgroup=None, period=selectors.period_from(days="7", month=None)
        )
    members = figures["now"]["members"]
    assert members["left"] == 1
    assert members["series"][0][1] == members["total"] + 1  # before they left


@pytest.mark.parametrize(
    ("days", "month"), [("8", None), ("abc", None), (None, "2099-01"), (None, "2026-13")]
)
def test_a_bad_period_is_refused_in_danish(
    days: str | None, month: str | None, group: Group, staff: User, client_for: Any
) -> None:
    query = {k: v for k, v in (("dage", days), ("maaned", month)) if v}
    response = client_for(staff).get(reverse("insights", args=[group.slug]), query)
    assert response.status_code == 400
    assert "Vælg" in response.content.decode() or "ikke begyndt" in response.content.decode()


def test_the_dashboard_costs_the_same_queries_with_more_data(
    group: Group, member: User, staff: User, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(staff)
    url = reverse("insights", args=[group.slug])

    def queries() -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    post_services.post_create(actor=member, group=group, body="Et opslag")
    few = queries()
    for k in range(30):
        post = post_services.post_create(actor=member, group=group, body=f"Opslag {k}")
        post_services.comment_create(actor=staff, post=post, body="Svar")
    assert queries() == few


def test_the_csv_opens_in_danish_excel(group: Group, staff: User, client_for: Any) -> None:
    response = client_for(staff).get(
        reverse("insights-csv", args=[group.slug, "aktivitet"]), {"dage": "7"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    name = response["Content-Disposition"]
    assert f"sammen-{group.slug}-aktivitet-" in name and name.endswith('.csv"')
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["Tal", "Denne periode", "Forrige periode", "Ændring"]
    assert rows[1][0] == "Aktive medlemmer"


def test_an_unknown_table_is_not_found(group: Group, staff: User, client_for: Any) -> None:
    response = client_for(staff).get(reverse("insights-csv", args=[group.slug, "hvem-læste"]))
    assert response.status_code == 404


def test_the_dashboard_page_shows_tables_and_no_names(
    group: Group, member: User, staff: User, client_for: Any
) -> None:
    post = post_services.post_create(actor=member, group=group, body="Hej alle")
    services.post_view_count(post=post, user_id=staff.pk)
    page = client_for(staff).get(reverse("insights", args=[group.slug])).content.decode()
    assert "Aktive medlemmer" in page and "Hvornår er medlemmerne aktive?" in page
    assert member.display_name not in page.split("<main", 1)[-1].split("Mangler svar", 1)[-1]


# --- the radar -------------------------------------------------------------------------


def test_the_radar_finds_members_posts_nobody_answered(
    group: Group, member: User, staff: User, admin: User, client_for: Any
) -> None:
    other = make_user("anden@example.org", "Anden Medlem")
    make_membership(other, group)
    with time_machine.travel(datetime(2026, 11, 28, 9, tzinfo=UTC), tick=False):
        alone = post_services.post_create(actor=member, group=group, body="Er der nogen?")
        peers = post_services.post_create(actor=member, group=group, body="Kun medlemmer svarede")
        post_services.comment_create(actor=other, post=peers, body="Ja, mig")
        answered = post_services.post_create(actor=member, group=group, body="Personalet svarede")
        post_services.comment_create(actor=staff, post=answered, body="Hej!")
        post_services.post_create(actor=staff, group=group, body="Personalets eget opslag")
    with time_machine.travel(datetime(2026, 11, 28, 20, tzinfo=UTC), tick=False):
        assert selectors.radar_count(group) == 0  # not 24 hours yet
    with time_machine.travel(datetime(2026, 11, 30, 9, tzinfo=UTC), tick=False):
        post_services.post_create(actor=member, group=group, body="Helt nyt")
        found = selectors.radar(group=group)
        assert [p.pk for p in found["unanswered"]] == [alone.pk]
        assert [p.pk for p in found["no_staff"]] == [peers.pk]
        # A new request's group object (the count is kept for one request).
        assert selectors.radar_count(Group.objects.get(pk=group.pk)) == 1
        page = client_for(staff).get(reverse("insights-radar", args=[group.slug])).content.decode()
        assert "Er der nogen?" in page
        assert f"{alone.get_absolute_url()}#comment-form" in page
        header = client_for(staff).get(reverse("group-detail", args=[group.slug])).content.decode()
        assert '1<span class="visually-hidden"> opslag mangler svar' in header


def test_an_administrator_sets_the_radar_hours(group: Group, admin: User, client_for: Any) -> None:
    response = client_for(admin).post(
        reverse("insights-settings", args=[group.slug]),
        {"radar_hours": "6", "who5_enabled": "1", "who5_every_weeks": "8"},
        follow=True,
    )
    assert "Indstillingerne er gemt." in response.content.decode()
    assert selectors.radar_hours(group) == 6
    bad = client_for(admin).post(
        reverse("insights-settings", args=[group.slug]),
        {"radar_hours": "0", "who5_every_weeks": "8"},
    )
    assert "mellem 1 og 168" in bad.content.decode()
    assert selectors.radar_hours(group) == 6


# --- WHO-5 beside the activity ------------------------------------------------------------


@time_machine.travel(datetime(2026, 12, 7, 10, 0, tzinfo=UTC), tick=False)
def test_the_dashboard_shows_who5_for_the_last_whole_month_and_its_csv(
    group: Group, staff: User, client_for: Any
) -> None:
    from insights.models import Who5Answer

    client = client_for(staff)
    url = reverse("insights", args=[group.slug])
    csv_url = reverse("insights-csv", args=[group.slug, "trivsel"])
    # Off and never used: no table, no file.
    assert "Trivsel (WHO-5)" not in client.get(url).content.decode()
    assert client.get(csv_url).status_code == 404
    InsightSettings.objects.create(group=group, who5_enabled=True)
    people = []
    for i in range(6):
        user = make_user(f"trivsel{i}@example.org", f"Trivselsperson {i}")
        make_membership(user, group)
        people.append(user)
        # 15 × 4 = 60 in November; one answer in the running month does not count yet.
        Who5Answer.objects.create(
            user=user,
            group=group,
            answered_at=datetime(2026, 11, 5 + i, 12, tzinfo=UTC),
            a1=3,
            a2=3,
            a3=3,
            a4=3,
            a5=3,
        )
    Who5Answer.objects.create(
        user=people[0],
        group=group,
        answered_at=datetime(2026, 12, 3, 12, tzinfo=UTC),
        a1=0,
        a2=0,
        a3=0,
        a4=0,
        a5=0,
    )
    for query in ({"dage": "30"}, {"dage": "7"}, {"maaned": "2026-12"}, {"maaned": "2026-11"}):
        page = client.get(url, query).content.decode()
        section = page.split('id="who5-aggregates-title"', 1)[1]
        assert "november 2026" in section
        assert ">60<" in section and ">6<" in section
        assert "færre end 5" in section  # October: nobody
        for user in people:
            assert user.display_name not in page
    body = client.get(csv_url, {"dage": "30"}).content.decode("utf-8")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Sted", "Mål", "Periode"]
    assert [r[5] for r in rows[1:] if r[1].startswith("Gennemsnitlig trivselsscore")] == ["60"]
    assert all(r[2] == "Denne periode" for r in rows[1:])  # October's cells are left out
