"""Ugens tal (insights.reports): the weekly e-mail staff may ask for, sent
Monday from 07:00 Copenhagen time, exactly once per week and recipient, with
its figures and the week's theme balance in both parts, and a one-click
unsubscribe that needs nothing but the signed link."""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail as outbox
from django.core.exceptions import PermissionDenied
from django.db import connection as db_connection
from django.test import Client
from django.urls import reverse

from accounts.models import User
from groups import services as group_services
from groups.models import Group, Role
from insights import reports, services, tasks
from insights.models import WeeklyReport, WeeklyReportSent, WeeklyReportState
from posts import services as post_services
from sammen import mail as sammen_mail
from scheduler import services as plan_services
from tests.conftest import (
    LOGIN,
    MatrixRow,
    SmtpSink,
    assert_answer,
    make_group,
    make_membership,
    make_user,
)
from tests.conftest import matrix_params as _matrix_params

pytestmark = pytest.mark.django_db

# Monday 30 November 2026, winter time (CET, UTC+1): 07:00 local is 06:00 UTC.
MONDAY_7 = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
# Two weeks before, when the group's story begins.
START = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)

L = LOGIN
# fmt: off
MATRIX: list[MatrixRow] = [
    # url name                            method   anon outs pend bann memb mod  staff admin
    ("insights-weekly-report",            "post", (L,  404, 404, 404, 403, 302, 302, 302)),
    # The signed link is the key: whoever holds it (a mail client) may use it.
    ("insights-weekly-report-unsubscribe", "get", (200, 200, 200, 200, 200, 200, 200, 200)),
    ("insights-weekly-report-unsubscribe", "post", (200, 200, 200, 200, 200, 200, 200, 200)),
]
# fmt: on


@pytest.mark.parametrize(("name", "method", "role", "expected"), _matrix_params(MATRIX))
def test_weekly_report_matrix(
    name: str,
    method: str,
    role: str,
    expected: Any,
    group: Group,
    staff: User,
    everyone: dict[str, User | None],
    client_for: Any,
) -> None:
    viewer = everyone[role]
    client = client_for(viewer)
    if name == "insights-weekly-report":
        path = reverse(name, kwargs={"group_slug": group.slug})
        response = client.post(path, {"ugens_tal": "til"})
        assert_answer(response, expected, f"{role} {method} {name}")
        subscribed = set(WeeklyReport.objects.values_list("user_id", flat=True))
        if response.status_code == 302 and viewer is not None and expected != LOGIN:
            assert subscribed == {viewer.pk}
        else:
            assert subscribed == set(), "a refused request changed something"
        return
    report = reports.weekly_report_subscribe(actor=staff, group=group)
    path = reverse(
        name, kwargs={"group_slug": group.slug, "token": reports.unsubscribe_token(report)}
    )
    response = client.post(path) if method == "post" else client.get(path)
    assert_answer(response, expected, f"{role} {method} {name}")
    assert WeeklyReport.objects.exists() == (method == "get")


# --- subscribing -----------------------------------------------------------------------


def test_the_team_switches_ugens_tal_on_and_off_on_the_dashboard(
    group: Group, staff: User, client_for: Any
) -> None:
    client = client_for(staff)
    dashboard = reverse("insights", kwargs={"group_slug": group.slug})
    toggle = reverse("insights-weekly-report", kwargs={"group_slug": group.slug})
    assert "Send mig Ugens tal hver mandag" in client.get(dashboard).content.decode()

    response = client.post(toggle, {"ugens_tal": "til"})
    assert response.status_code == 302
    assert response["Location"] == f"{dashboard}#ugens-tal"
    key = WeeklyReport.objects.get(user=staff, group=group).key
    client.post(toggle, {"ugens_tal": "til"})  # sent twice: still one, same links
    assert list(WeeklyReport.objects.values_list("key", flat=True)) == [key]
    page = client.get(dashboard).content.decode()
    assert "Stop Ugens tal" in page and "Du får Ugens tal hver mandag." in page

    client.post(toggle, {"ugens_tal": "fra"})
    assert not WeeklyReport.objects.exists()
    assert "Send mig Ugens tal hver mandag" in client.get(dashboard).content.decode()


def test_subscribing_is_for_the_groups_team_only(group: Group, member: User, staff: User) -> None:
    with pytest.raises(PermissionDenied):
        reports.weekly_report_subscribe(actor=member, group=group)
    with pytest.raises(PermissionDenied):
        reports.weekly_report_unsubscribe(actor=member, group=group)
    assert not WeeklyReport.objects.exists()


def test_the_toggle_needs_its_csrf_token(group: Group, staff: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    path = reverse("insights-weekly-report", kwargs={"group_slug": group.slug})
    assert client.post(path, {"ugens_tal": "til"}).status_code == 403
    assert not WeeklyReport.objects.exists()


# --- when, and how often ---------------------------------------------------------------


@pytest.fixture
def subscribed(group: Group, staff: User, moderator: User) -> list[User]:
    for person in (staff, moderator):
        reports.weekly_report_subscribe(actor=person, group=group)
    return [staff, moderator]


def mails_to(user: User) -> list[Any]:
    return [m for m in outbox.outbox if m.to == [user.email]]


def test_ugens_tal_is_sent_once_per_week_and_recipient_with_two_beats_and_two_senders(
    subscribed: list[User], admin: User, group: Group
) -> None:
    with time_machine.travel(MONDAY_7, tick=False) as clock:
        first = reports.weekly_reports_due()
        second = reports.weekly_reports_due()  # a second beat makes nothing new
        assert first == second and len(first) == 2
        assert reports.weekly_report_send(ids=first) == 2
        assert reports.weekly_report_send(ids=second) == 0  # a second worker sends nothing
        clock.shift(timedelta(minutes=15))
        assert reports.weekly_reports_due() == []  # the next tick: nothing pending
        clock.shift(timedelta(hours=10))  # still Monday
        assert reports.weekly_reports_due() == []
    assert WeeklyReportSent.objects.count() == 2
    assert Counter(m.to[0] for m in outbox.outbox) == {u.email: 1 for u in subscribed}
    assert mails_to(admin) == []  # never asked for it
    with time_machine.travel(MONDAY_7 + timedelta(days=7), tick=False):
        assert reports.weekly_report_send(ids=reports.weekly_reports_due()) == 2
    assert len(outbox.outbox) == 4


@pytest.mark.parametrize(
    ("before", "at"),
    [
        # Winter (CET, UTC+1): 07:00 local is 06:00 UTC.
        (datetime(2026, 11, 30, 5, 59, tzinfo=UTC), datetime(2026, 11, 30, 6, 0, tzinfo=UTC)),
        # Summer time began the day before (CEST, UTC+2): 07:00 local is 05:00 UTC.
        (datetime(2027, 3, 29, 4, 59, tzinfo=UTC), datetime(2027, 3, 29, 5, 0, tzinfo=UTC)),
    ],
    ids=["winter", "summer"],
)
def test_not_before_monday_7_in_copenhagen(
    subscribed: list[User], before: datetime, at: datetime, settings: Any
) -> None:
    settings.NOTIFY_DIGEST_HOUR = 7
    with time_machine.travel(before, tick=False):
        assert reports.weekly_reports_due() == []
    assert not WeeklyReportSent.objects.exists()
    with time_machine.travel(at, tick=False):
        assert len(reports.weekly_reports_due()) == 2
    assert set(WeeklyReportSent.objects.values_list("week", flat=True)) == {at.date()}


def test_not_on_other_days(subscribed: list[User]) -> None:
    for day in range(1, 7):  # Tuesday to Sunday, 10:00 local
        with time_machine.travel(MONDAY_7 + timedelta(days=day, hours=3), tick=False):
            assert reports.weekly_reports_due() == []
    assert not WeeklyReportSent.objects.exists()


def test_someone_no_longer_on_the_team_gets_none(
    subscribed: list[User], staff: User, moderator: User, admin: User, group: Group
) -> None:
    # Staff became an ordinary member before Monday: no row at all.
    group_services.membership_set_role(actor=admin, group=group, user_id=staff.pk, role=Role.MEMBER)
    with time_machine.travel(MONDAY_7, tick=False):
        ids = reports.weekly_reports_due()
        assert list(WeeklyReportSent.objects.values_list("user_id", flat=True)) == [moderator.pk]
        # The moderator left between the beat and the sending: skipped.
        group_services.membership_leave(actor=moderator, group=group)
        assert reports.weekly_report_send(ids=ids) == 0
    assert outbox.outbox == []
    assert WeeklyReportSent.objects.get().state == WeeklyReportState.SKIPPED


def test_an_inactive_account_gets_none(subscribed: list[User], staff: User) -> None:
    User.objects.filter(pk=staff.pk).update(is_active=False)
    with time_machine.travel(MONDAY_7, tick=False):
        reports.weekly_report_send(ids=reports.weekly_reports_due())
    assert mails_to(staff) == []
    assert not WeeklyReportSent.objects.filter(user=staff).exists()


def test_a_stopped_address_gets_none_until_it_changes(
    subscribed: list[User], staff: User, moderator: User
) -> None:
    """The provider reported a hard bounce (notifications records it): the
    report is skipped, not sent into the void; a new address gets it again."""
    from notifications import mailing

    mailing.address_stop(address=staff.email, reason="bounced")
    with time_machine.travel(MONDAY_7, tick=False):
        assert reports.weekly_report_send(ids=reports.weekly_reports_due()) == 1
    assert mails_to(staff) == [] and len(mails_to(moderator)) == 1
    assert WeeklyReportSent.objects.get(user=staff).state == WeeklyReportState.SKIPPED
    User.objects.filter(pk=staff.pk).update(email="ny-adresse@example.org")
    with time_machine.travel(MONDAY_7 + timedelta(days=7), tick=False):
        reports.weekly_report_send(ids=reports.weekly_reports_due())
    assert [m.to for m in outbox.outbox].count(["ny-adresse@example.org"]) == 1


def test_a_lost_task_is_handed_out_again_and_an_old_week_is_skipped(
    subscribed: list[User], staff: User, settings: Any
) -> None:
    settings.NOTIFY_DIGEST_STALE_SECONDS = 600
    with time_machine.travel(MONDAY_7, tick=False) as clock:
        lost = reports.weekly_reports_due()  # its tasks never ran
        clock.shift(timedelta(minutes=15))
        assert reports.weekly_reports_due() == lost
    # A week later the old rows are still pending: handed out, but skipped,
    # beside the new week's, which are sent.
    with time_machine.travel(MONDAY_7 + timedelta(days=7), tick=False):
        ids = reports.weekly_reports_due()
        assert set(lost) < set(ids)
        assert reports.weekly_report_send(ids=ids) == 2
    states = dict(WeeklyReportSent.objects.values_list("pk", "state"))
    assert {states[pk] for pk in lost} == {WeeklyReportState.SKIPPED}
    assert len(mails_to(staff)) == 1


def test_the_periodic_task_sends_it(subscribed: list[User], eager_tasks: None) -> None:
    from sammen.celery import app

    entry = django_settings.CELERY_BEAT_SCHEDULE["insights-weekly-reports-due"]
    assert entry["task"] in app.tasks and "insights.send_weekly_reports" in app.tasks
    with time_machine.travel(MONDAY_7, tick=False):
        assert tasks.weekly_reports_due() == 2
        assert tasks.weekly_reports_due() == 0
    assert len(outbox.outbox) == 2


# --- one-click unsubscribe ------------------------------------------------------------


def unsubscribe_path(message: Any) -> str:
    header = message.extra_headers["List-Unsubscribe"]
    url = header.split(",")[0].strip("<> ")
    return "/" + url.split("://", 1)[-1].split("/", 1)[-1] if "://" in url else url


def test_one_click_post_unsubscribes_without_login_or_csrf(
    subscribed: list[User], staff: User, moderator: User, group: Group
) -> None:
    with time_machine.travel(MONDAY_7, tick=False):
        reports.weekly_report_send(ids=reports.weekly_reports_due())
    [message] = mails_to(staff)
    path = unsubscribe_path(message)
    assert path.startswith(f"/groups/{group.slug}/indsigt/ugens-tal/afmeld/")

    browser = Client(enforce_csrf_checks=True)
    page = browser.get(path)
    assert page.status_code == 200
    assert "Ja, stop Ugens tal" in page.content.decode()
    assert WeeklyReport.objects.filter(user=staff).exists()  # a GET changes nothing

    done = browser.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert done.status_code == 200
    assert "Ugens tal er stoppet" in done.content.decode()
    assert "sessionid" not in done.cookies
    # Only this person's, only for this group.
    assert list(WeeklyReport.objects.values_list("user_id", flat=True)) == [moderator.pk]
    # The link dies with the subscription; nothing more changes.
    assert browser.post(path).status_code == 404
    with time_machine.travel(MONDAY_7 + timedelta(days=7), tick=False):
        reports.weekly_report_send(ids=reports.weekly_reports_due())
    assert len(mails_to(staff)) == 1
    assert len(mails_to(moderator)) == 2


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda t, o: t[:-2] + ("aa" if not t.endswith("aa") else "bb"), id="forged"),
        pytest.param(lambda t, o: f"{o.pk}." + t.split(".", 1)[1], id="another-person"),
        pytest.param(lambda t, o: t.replace("ugens-tal", "oversigt"), id="another-kind"),
        pytest.param(lambda t, o: "nonsense", id="nonsense"),
    ],
)
def test_a_forged_link_changes_nothing(
    mangle: Any, subscribed: list[User], staff: User, moderator: User, group: Group, client: Any
) -> None:
    report = WeeklyReport.objects.get(user=staff)
    token = mangle(reports.unsubscribe_token(report), moderator)
    path = reverse(
        "insights-weekly-report-unsubscribe", kwargs={"group_slug": group.slug, "token": token}
    )
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 404
        assert "Linket virker ikke" in response.content.decode()
    assert WeeklyReport.objects.count() == 2


def test_a_link_for_another_group_or_kind_of_mail_changes_nothing(
    subscribed: list[User], staff: User, group: Group, client: Any
) -> None:
    other = make_group("Havelågen", slug="havelaagen", admin=make_user(display_name="Ida Admin"))
    make_membership(staff, other, role=Role.STAFF)
    elsewhere = reports.weekly_report_subscribe(actor=staff, group=other)
    # The other group's link with this group's address, and the reverse.
    for slug, report in (
        (group.slug, elsewhere),
        (other.slug, WeeklyReport.objects.get(user=staff, group=group)),
    ):
        path = reverse(
            "insights-weekly-report-unsubscribe",
            kwargs={"group_slug": slug, "token": reports.unsubscribe_token(report)},
        )
        assert client.post(path).status_code == 404
    # A link for another kind of mail, signed with the same key.
    token = sammen_mail.unsubscribe_token(key=elsewhere.key, user_id=staff.pk, kind="oversigt")
    path = reverse(
        "insights-weekly-report-unsubscribe", kwargs={"group_slug": other.slug, "token": token}
    )
    assert client.post(path).status_code == 404
    unknown = reverse(
        "insights-weekly-report-unsubscribe",
        kwargs={"group_slug": "findes-ikke", "token": reports.unsubscribe_token(elsewhere)},
    )
    assert client.post(unknown).status_code == 404
    assert WeeklyReport.objects.filter(user=staff).count() == 2


def test_an_old_link_has_expired(
    subscribed: list[User], staff: User, group: Group, client: Any, settings: Any
) -> None:
    settings.NOTIFY_UNSUBSCRIBE_DAYS = 365
    with time_machine.travel(MONDAY_7, tick=False) as clock:
        token = reports.unsubscribe_token(WeeklyReport.objects.get(user=staff))
        clock.shift(timedelta(days=366))
        path = reverse(
            "insights-weekly-report-unsubscribe", kwargs={"group_slug": group.slug, "token": token}
        )
        assert client.post(path).status_code == 404
    assert WeeklyReport.objects.filter(user=staff).exists()


def test_a_new_subscription_voids_the_old_links(
    subscribed: list[User], staff: User, group: Group, client: Any
) -> None:
    old = reports.unsubscribe_token(WeeklyReport.objects.get(user=staff))
    reports.weekly_report_unsubscribe(actor=staff, group=group)
    reports.weekly_report_subscribe(actor=staff, group=group)
    path = reverse(
        "insights-weekly-report-unsubscribe", kwargs={"group_slug": group.slug, "token": old}
    )
    assert client.post(path).status_code == 404
    assert WeeklyReport.objects.filter(user=staff).exists()


# --- what it says ----------------------------------------------------------------------


@pytest.fixture
def story(fresh_cache: None) -> Iterator[Any]:
    """Everything from two weeks before Monday on a frozen clock."""
    with time_machine.travel(START, tick=False) as clock:
        yield clock


def _at(clock: Any, when: datetime) -> None:
    clock.move_to(when)


@pytest.fixture
def week_of_life(story: Any, group: Group, staff: User, member: User) -> dict[str, Any]:
    """The week before last: one member post, answered. Last week: a new
    member, two member posts (one answered, one left alone), a reaction, a
    view. The coming week's plan: two Aktiv, one without a theme, none
    Sammen or Meningsfuld (a draft and the week after do not count)."""
    reports.weekly_report_subscribe(actor=staff, group=group)
    # The week before last (16-23 November).
    old = post_services.post_create(actor=member, group=group, body="Forrige uges gåtur")
    post_services.comment_create(actor=staff, post=old, body="Dejligt!")
    # Last week (23-30 November).
    _at(story, datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    newcomer = make_user("ny@example.org", "Nina Nybegynder")
    make_membership(newcomer, group)
    answered = post_services.post_create(actor=member, group=group, body="Kaffe på torsdag?")
    post_services.comment_create(actor=staff, post=answered, body="Jeg kommer")
    post_services.reaction_set(actor=newcomer, post=answered, kind="like")
    services.post_view_count(post=answered, user_id=staff.pk)
    post_services.post_create(actor=member, group=group, body="Er der nogen, der vil gå en tur?")
    # The plan, made on Wednesday.
    for day, theme in ((1, "aktiv"), (3, "aktiv"), (2, "")):
        plan_services.scheduled_post_create(
            actor=staff,
            group=group,
            body=f"Planlagt {day} {theme}",
            theme=theme,
            publish_at=MONDAY_7 + timedelta(days=day, hours=3),
        )
    plan_services.scheduled_post_create(
        actor=staff,
        group=group,
        body="Næste uges kaffe",
        theme="sammen",
        publish_at=MONDAY_7 + timedelta(days=8),
    )
    plan_services.scheduled_post_create(
        actor=staff, group=group, body="Kladde", theme="meningsfuld", draft=True
    )
    _at(story, MONDAY_7)
    return {"newcomer": newcomer}


def _row(html: str, label: str) -> list[str]:
    """The cells of the HTML table's row for this figure."""
    found = re.search(rf">{label}</th>(.*?)</tr>", html, re.S)
    assert found, label
    return re.findall(r"<td[^>]*>([^<]*)</td>", found.group(1))


def test_the_email_has_the_weeks_figures_and_theme_balance_in_both_parts(
    week_of_life: dict[str, Any], story: Any, group: Group, staff: User
) -> None:
    assert reports.weekly_report_send(ids=reports.weekly_reports_due()) == 1
    [message] = mails_to(staff)
    assert message.subject == f"Ugens tal for {group.name}"
    assert message.extra_headers["Message-ID"].startswith(
        f"<ugens-tal-{staff.pk}-{group.pk}-20261130@"
    )
    text = message.body
    html = message.alternatives[0][0]

    # The last 7 days beside the 7 before, and the difference.
    expected = {
        "Medlemmer i alt": ("4", "3", "+1"),  # admin, staff, member; then the newcomer
        "Nye medlemmer": ("1", "3", "-2"),
        "Aktive medlemmer": ("3", "2", "+1"),  # member, staff, newcomer (reacted)
        "Opslag": ("2", "1", "+1"),
        "Kommentarer": ("1", "1", "±0"),
        "Reaktioner": ("1", "0", "+1"),
        "Visninger": ("1", "0", "+1"),
    }
    for label, (now, before, change) in expected.items():
        assert _row(html, label) == [now, before, change], label
        assert f"- {label}: {now} (de 7 dage før: {before}, {change})" in text, label

    # The post nobody answered, and where to answer it.
    radar = reverse("insights-radar", kwargs={"group_slug": group.slug})
    assert "1 opslag fra et medlem har ikke fået svar efter 24 timer." in text
    assert "<strong>1</strong> opslag fra et medlem har ikke fået svar efter 24 timer." in html
    assert radar in text and radar in html

    # The week's plan by theme, with a kind word where a theme has nothing.
    for part in (text, html):
        plain = re.sub(r"<[^>]+>", "", part)
        assert "Aktiv: 2" in plain
        assert "Sammen: 0" in plain and "Meningsfuld: 0" in plain
        assert "Uden tema: 1" in plain
        assert "Der er ikke planlagt noget under Sammen endnu" in plain
        assert "Der er ikke planlagt noget under Meningsfuld endnu" in plain
        assert "Der er ikke planlagt noget under Aktiv" not in plain
        assert "mandag 30. november til søndag 6. december" in plain
        assert reverse("insights", kwargs={"group_slug": group.slug}) in part
        assert reverse("plan", kwargs={"group_slug": group.slug}) in part  # staff plan
        assert "Stop Ugens tal" in part
    # Aggregates only: nobody's name but the greeting's.
    for name in ("Nina Nybegynder", week_of_life["newcomer"].email):
        assert name not in text and name not in html
    assert '<html lang="da">' in html


def test_a_moderator_gets_no_link_to_the_plan(story: Any, group: Group, moderator: User) -> None:
    reports.weekly_report_subscribe(actor=moderator, group=group)
    story.move_to(MONDAY_7)
    reports.weekly_report_send(ids=reports.weekly_reports_due())
    [message] = mails_to(moderator)
    assert reverse("plan", kwargs={"group_slug": group.slug}) not in message.body
    assert "Der er ikke planlagt nogen opslag i denne uge endnu." in message.body
    assert "Alle medlemmers opslag har fået svar." in message.body


# --- through a real SMTP server --------------------------------------------------------


@pytest.fixture
def site(settings: Any, smtp_sink: SmtpSink) -> SmtpSink:
    smtp_sink.use(settings)
    settings.SITE_URL = "https://sammen.example"
    settings.NOTIFY_UNSUBSCRIBE_MAILTO = "afmeld@sammen.example"
    return smtp_sink


def test_ugens_tal_as_the_mail_server_receives_it_once(
    site: SmtpSink, week_of_life: dict[str, Any], group: Group, staff: User
) -> None:
    ids = reports.weekly_reports_due()
    assert reports.weekly_report_send(ids=ids) == 1
    assert reports.weekly_report_send(ids=ids) == 0
    [message] = site.messages()
    assert message["To"] == staff.email
    assert message["Subject"].strip() == f"Ugens tal for {group.name}"
    assert message["Message-ID"] == f"<ugens-tal-{staff.pk}-{group.pk}-20261130@sammen.example>"
    assert message["Auto-Submitted"] == "auto-generated"
    unsubscribe = str(message["List-Unsubscribe"]).strip()
    assert unsubscribe.startswith(
        f"<https://sammen.example/groups/{group.slug}/indsigt/ugens-tal/afmeld/"
    )
    assert "<mailto:afmeld@sammen.example?subject=unsubscribe%20" in unsubscribe
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "- Opslag: 2 (de 7 dage før: 1, +1)" in text
    assert _row(html, "Opslag") == ["2", "1", "+1"]
    for part in (text, html):
        assert "https://sammen.example/groups/solsikken/indsigt/mangler-svar/" in part
        assert "Der er ikke planlagt noget under Sammen endnu" in part

    # The mail client's one-click button: a POST with no cookie and no CSRF token.
    url = unsubscribe.split(",")[0].strip("<> ")
    response = Client(enforce_csrf_checks=True).post(
        url.removeprefix("https://sammen.example"),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert not WeeklyReport.objects.filter(user=staff).exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_report_once(site: SmtpSink) -> None:
    """Two senders given the same rows at the same moment (two beats handed
    them out): the row lock and its state let each e-mail through once."""
    if db_connection.vendor != "postgresql":
        pytest.skip("row locks (SELECT … FOR UPDATE SKIP LOCKED) need PostgreSQL")
    admin = make_user(display_name="Alma Administrator")
    group = make_group(admin=admin)
    team = [make_user(f"team{k}@example.org", f"Team {k}") for k in range(12)]
    for person in team:
        make_membership(person, group, role=Role.STAFF)
        reports.weekly_report_subscribe(actor=person, group=group)
    ids = reports.weekly_reports_due(now=MONDAY_7)
    assert reports.weekly_reports_due(now=MONDAY_7) == ids
    counts: list[int] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        from django.db import connection

        try:
            barrier.wait()
            counts.append(reports.weekly_report_send(ids=ids, now=MONDAY_7))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(counts) == len(team)
    assert Counter(m["To"] for m in site.messages()) == {u.email: 1 for u in team}


def test_the_record_of_sent_reports_is_pruned_after_a_quarter(staff: User, group: Group) -> None:
    old = WeeklyReportSent.objects.create(user=staff, group=group, week=date(2026, 1, 5))
    recent = WeeklyReportSent.objects.create(user=staff, group=group, week=date(2026, 11, 23))
    with time_machine.travel(datetime(2026, 11, 30, 9, tzinfo=UTC), tick=False):
        assert reports.weekly_reports_prune() == 1
    assert not WeeklyReportSent.objects.filter(pk=old.pk).exists()
    assert WeeklyReportSent.objects.filter(pk=recent.pk).exists()
