"""Immediate e-mails and the digest (notifications.mailing), on a frozen clock:
the delay window, its skip rules, coalescing, the budget, exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail as outbox
from django.urls import reverse

from accounts.models import User
from groups import services as group_services
from groups.models import Group
from notifications import mailing, services
from notifications.models import (
    Digest,
    DigestFrequency,
    DigestState,
    Kind,
    MailSettings,
    Notification,
)
from posts import services as post_services
from posts.models import ContentState, Post
from scheduler import services as plan_services
from tests.conftest import make_membership, make_user

pytestmark = pytest.mark.django_db

# A Monday in winter (CET, UTC+1): 09:00 local.
MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def writer(group: Group) -> User:
    user = make_user("writer@example.org", "Vera Skribent")
    make_membership(user, group)
    return user


def mails_to(user: User) -> list[Any]:
    return [m for m in outbox.outbox if m.to == [user.email]]


def reply_to(post: Post, by: User, body: str = "Jeg går med!") -> Any:
    return post_services.comment_create(actor=by, post=post, body=body)


# --- the delay window and what skips it --------------------------------------------


def test_a_reply_is_emailed_after_the_delay_window_not_before(
    clock: Any, writer: User, member: User, group: Group, settings: Any
) -> None:
    settings.NOTIFY_EMAIL_DELAY_SECONDS = 600
    post = post_services.post_create(actor=writer, group=group, body="Ugens gåtur i skoven")
    reply_to(post, member, "Jeg går med på torsdag")

    clock.shift(599)
    assert mailing.mail_due() == 0
    assert mails_to(writer) == []

    clock.shift(2)
    assert mailing.mail_due() == 1
    [message] = mails_to(writer)
    assert group.name in message.subject
    assert "har svaret dig" in message.subject
    assert "Jeg går med på torsdag" in message.body
    html, mime = message.alternatives[0]
    assert mime == "text/html" and "Jeg går med på torsdag" in html
    assert message.extra_headers["In-Reply-To"] == f"<post-{post.pk}@localhost>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/notifications/afmeld/" in message.extra_headers["List-Unsubscribe"]
    # Sent once: the next sweep finds nothing.
    assert mailing.mail_due() == 0
    assert Notification.objects.get(recipient=writer).emailed_at is not None


def test_a_reply_read_in_the_app_during_the_window_is_not_emailed(
    clock: Any, writer: User, member: User, group: Group
) -> None:
    post = post_services.post_create(actor=writer, group=group, body="Ugens gåtur")
    reply_to(post, member)
    services.notification_read(actor=writer, notification=Notification.objects.get())

    clock.shift(3600)
    assert mailing.mail_due() == 0
    assert mails_to(writer) == []
    assert Notification.objects.get().email_due_at is None


def test_a_reply_removed_by_a_moderator_during_the_window_is_not_emailed(
    clock: Any, writer: User, member: User, moderator: User, group: Group
) -> None:
    post = post_services.post_create(actor=writer, group=group, body="Ugens gåtur")
    comment = reply_to(post, member, "Noget grimt")
    post_services.comment_set_state(comment=comment, state=ContentState.REMOVED, actor=moderator)

    clock.shift(3600)
    assert mailing.mail_due() == 0
    assert mails_to(writer) == []


def test_replies_to_one_post_are_one_email(
    clock: Any, writer: User, member: User, staff: User, group: Group
) -> None:
    post = post_services.post_create(actor=writer, group=group, body="Ugens gåtur")
    reply_to(post, member, "Første svar")
    clock.shift(60)
    reply_to(post, staff, "Andet svar")

    clock.shift(3600)
    assert mailing.mail_due() == 1
    [message] = mails_to(writer)
    assert "2 nye svar til dig" in message.subject


def test_reactions_never_cause_an_email(
    clock: Any, writer: User, member: User, group: Group
) -> None:
    post = post_services.post_create(actor=writer, group=group, body="Ugens gåtur")
    post_services.reaction_set(actor=member, post=post, kind="love")
    assert Notification.objects.get(recipient=writer, kind=Kind.REACTION).email_due_at is None
    clock.shift(3600)
    assert mailing.mail_due() == 0


def test_the_budget_leaves_the_rest_for_the_digest(
    clock: Any, writer: User, member: User, group: Group, settings: Any
) -> None:
    settings.NOTIFY_EMAIL_PER_HOUR = 1
    settings.NOTIFY_EMAIL_PER_DAY = 3
    first = post_services.post_create(actor=writer, group=group, body="Første opslag")
    second = post_services.post_create(actor=writer, group=group, body="Andet opslag")
    reply_to(first, member)
    reply_to(second, member)

    clock.shift(700)
    assert mailing.mail_due() == 1  # one an hour
    waiting = Notification.objects.filter(recipient=writer, emailed_at__isnull=True).get()
    assert waiting.email_due_at is None and waiting.read_at is None  # the digest tells it

    # Within the day, three in all.
    for hour in range(4):
        clock.shift(3601)
        post = post_services.post_create(actor=writer, group=group, body=f"Opslag {hour}")
        reply_to(post, member)
        clock.shift(700)
        mailing.mail_due()
    assert len(mails_to(writer)) == 3


def test_immediate_emails_can_be_turned_off(
    clock: Any, writer: User, member: User, group: Group
) -> None:
    mailing.mail_settings_set(
        actor=writer, immediate=False, digest=DigestFrequency.WEEKLY, digest_weekday=0
    )
    post = post_services.post_create(actor=writer, group=group, body="Ugens gåtur")
    reply_to(post, member)
    clock.shift(3600)
    assert mailing.mail_due() == 0


def test_with_no_delay_the_email_goes_right_after_the_commit(
    eager_tasks: None,
    writer: User,
    member: User,
    group: Group,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.NOTIFY_EMAIL_DELAY_SECONDS = 0
    post = post_services.post_create(actor=writer, group=group, body="Ugens gåtur")
    with django_capture_on_commit_callbacks(execute=True):
        reply_to(post, member, "Et svar")
        assert mails_to(writer) == []  # nothing inside the transaction
    assert len(mails_to(writer)) == 1  # at once after it


def test_a_mention_is_emailed(clock: Any, writer: User, member: User, group: Group) -> None:
    post_services.post_create(actor=member, group=group, body="Hej @Vera Skribent, kommer du?")
    clock.shift(3600)
    assert mailing.mail_due() == 1
    [message] = mails_to(writer)
    assert "nævnt dig" in message.subject


# --- unsubscribe links ---------------------------------------------------------------


def unsubscribe_path(message: Any) -> str:
    header = message.extra_headers["List-Unsubscribe"]
    url = header.split(",")[0].strip("<> ")
    return url.split("localhost:8000", 1)[-1] if "localhost:8000" in url else url


def test_one_click_post_unsubscribes_without_login_or_csrf(
    clock: Any, writer: User, member: User, group: Group
) -> None:
    from django.test import Client

    post = post_services.post_create(actor=writer, group=group, body="Ugens gåtur")
    reply_to(post, member)
    clock.shift(3600)
    mailing.mail_due()
    path = unsubscribe_path(mails_to(writer)[0])

    browser = Client(enforce_csrf_checks=True)
    page = browser.get(path)
    assert page.status_code == 200
    assert "Ja, afmeld" in page.content.decode()
    assert MailSettings.objects.get(user=writer).immediate  # a GET changes nothing

    done = browser.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert done.status_code == 200
    assert "Du er afmeldt" in done.content.decode()
    row = MailSettings.objects.get(user=writer)
    assert not row.immediate
    assert row.digest == DigestFrequency.WEEKLY  # only the kind the link was for
    assert "sessionid" not in done.cookies


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("aa" if not t.endswith("aa") else "bb"),  # forged signature
        lambda t: "1.straks:" + t.split(":", 1)[1],  # another person's id
        lambda t: t.replace("straks", "oversigt"),  # another kind
        lambda t: "nonsense",
    ],
)
def test_a_forged_unsubscribe_link_changes_nothing(mangle: Any, writer: User, client: Any) -> None:
    row = mailing.mail_settings_for(writer)
    from notifications import mail

    token = mangle(mail.unsubscribe_token(row, "straks"))
    response = client.post(reverse("mail-unsubscribe", kwargs={"token": token}))
    assert response.status_code == 404
    assert "Linket virker ikke" in response.content.decode()
    assert MailSettings.objects.get(user=writer).immediate


def test_an_old_unsubscribe_link_has_expired(writer: User, client: Any, settings: Any) -> None:
    from notifications import mail

    settings.NOTIFY_UNSUBSCRIBE_DAYS = 365
    with time_machine.travel(MONDAY, tick=False) as clock:
        token = mail.unsubscribe_token(mailing.mail_settings_for(writer), "oversigt")
        clock.shift(timedelta(days=366))
        response = client.post(reverse("mail-unsubscribe", kwargs={"token": token}))
    assert response.status_code == 404
    assert MailSettings.objects.get(user=writer).digest == DigestFrequency.WEEKLY


# --- the digest ----------------------------------------------------------------------


def test_the_weekly_digest_is_made_once_at_the_local_hour(
    writer: User, member: User, group: Group, settings: Any
) -> None:
    settings.NOTIFY_DIGEST_HOUR = 7
    post = post_services.post_create(actor=writer, group=group, body="Ugens gåtur")
    reply_to(post, member)
    # Monday 06:59 Copenhagen (05:59 UTC in winter): not yet.
    with time_machine.travel(datetime(2026, 11, 30, 5, 59, tzinfo=UTC), tick=False):
        assert mailing.digests_due() == []
    with time_machine.travel(datetime(2026, 11, 30, 6, 0, tzinfo=UTC), tick=False):
        ids = mailing.digests_due()
        assert mailing.digests_due() == []  # a second beat makes and hands out nothing new
        assert Digest.objects.count() == len(ids) == 1
        assert mailing.digest_send(digest_ids=ids) == 1
        assert mailing.digest_send(digest_ids=ids) == 0  # a second worker sends nothing
    [message] = mails_to(writer)
    assert message.subject == f"Ugens nyt fra {group.name}"
    assert "har svaret dig" in message.body
    assert Digest.objects.get(user=writer).state == DigestState.SENT
    # The others had nothing unread: no digest for them.
    assert list(Digest.objects.values_list("user_id", flat=True)) == [writer.pk]


def test_the_digest_hour_holds_across_summer_time(writer: User, member: User, group: Group) -> None:
    post = post_services.post_create(actor=writer, group=group, body="Ugens gåtur")
    reply_to(post, member)
    # Monday 29 March 2027 (CEST, UTC+2): 07:00 local is 05:00 UTC.
    with time_machine.travel(datetime(2027, 3, 29, 4, 59, tzinfo=UTC), tick=False):
        assert mailing.digests_due() == []
    with time_machine.travel(datetime(2027, 3, 29, 5, 0, tzinfo=UTC), tick=False):
        assert mailing.digests_due() != []


def test_the_digest_follows_the_chosen_weekday_and_frequency(
    writer: User, member: User, group: Group
) -> None:
    mailing.mail_settings_set(
        actor=writer, immediate=True, digest=DigestFrequency.WEEKLY, digest_weekday=2
    )
    mailing.mail_settings_set(
        actor=member, immediate=True, digest=DigestFrequency.NEVER, digest_weekday=0
    )
    for author, other in ((writer, member), (member, writer)):
        post = post_services.post_create(actor=author, group=group, body="Ugens gåtur")
        reply_to(post, other)
    with time_machine.travel(MONDAY, tick=False):
        mailing.digests_due()
    users = set(Digest.objects.values_list("user_id", flat=True))
    assert writer.pk not in users and member.pk not in users
    with time_machine.travel(MONDAY + timedelta(days=2), tick=False):  # Wednesday
        mailing.digests_due()
    assert Digest.objects.filter(user=writer).exists()


def test_no_digest_for_a_banned_or_paused_member(
    writer: User, member: User, admin: User, banned: User, group: Group
) -> None:
    with time_machine.travel(MONDAY - timedelta(days=1), tick=False):
        post = post_services.post_create(actor=writer, group=group, body="Ugens gåtur")
        reply_to(post, member)  # writer has a reply unread
        group_services.membership_mute(
            actor=admin, group=group, user_id=writer.pk, until=MONDAY + timedelta(days=3)
        )
    with time_machine.travel(MONDAY, tick=False):
        mailing.digest_send(digest_ids=mailing.digests_due())
    assert mails_to(writer) == []
    assert mails_to(banned) == []
    assert not Digest.objects.filter(user=banned).exists()


def test_the_digest_opens_with_the_coming_weeks_plan_and_the_most_reacted(
    writer: User, member: User, staff: User, group: Group
) -> None:
    with time_machine.travel(MONDAY - timedelta(days=3), tick=False):
        liked = post_services.post_create(actor=staff, group=group, body="Se efterårets farver")
        post_services.reaction_set(actor=member, post=liked, kind="love")
        post = post_services.post_create(actor=writer, group=group, body="Ugens gåtur")
        reply_to(post, member)
        plan_services.scheduled_post_create(
            actor=staff,
            group=group,
            body="Torsdagens gåtur i Bygholm Park",
            publish_at=MONDAY + timedelta(days=3),
        )
        plan_services.scheduled_post_create(
            actor=staff, group=group, body="En kladde ingen skal se", draft=True
        )
    with time_machine.travel(MONDAY, tick=False):
        mailing.digest_send(digest_ids=mailing.digests_due())
    [message] = mails_to(writer)
    assert "Torsdagens gåtur i Bygholm Park" in message.body
    assert "En kladde ingen skal se" not in message.body
    assert "Se efterårets farver" in message.body
    html = message.alternatives[0][0]
    assert "Torsdagens gåtur i Bygholm Park" in html
    assert message.extra_headers["Message-ID"].startswith(f"<digest-{writer.pk}-20261130@")


def test_a_bounce_stops_mail_and_tells_the_member(
    clock: Any, writer: User, member: User, group: Group
) -> None:
    assert mailing.address_stop(address=writer.email.upper(), reason="bounced") == 1
    post = post_services.post_create(actor=writer, group=group, body="Ugens gåtur")
    reply_to(post, member)
    clock.shift(3600)
    assert mailing.mail_due() == 0
    told = Notification.objects.get(recipient=writer, kind=Kind.MAIL_STOPPED)
    assert told.read_at is None
    # Told once, not at every bounce.
    assert mailing.address_stop(address=writer.email, reason="bounced") == 0
    assert Notification.objects.filter(recipient=writer, kind=Kind.MAIL_STOPPED).count() == 1
    mailing.address_resume(actor=writer)
    reply_to(post, member, "Nyt svar")
    clock.shift(3600)
    assert mailing.mail_due() == 1


def test_a_digest_whose_task_was_lost_is_handed_out_again_after_a_while(
    writer: User, member: User, group: Group, settings: Any
) -> None:
    settings.NOTIFY_DIGEST_STALE_SECONDS = 600
    post = post_services.post_create(actor=writer, group=group, body="Ugens gåtur")
    reply_to(post, member)
    with time_machine.travel(MONDAY, tick=False) as clock:
        ids = mailing.digests_due()  # its task is lost: nobody sends it
        clock.shift(599)
        assert mailing.digests_due() == []
        clock.shift(2)
        assert mailing.digests_due() == ids
        assert mailing.digest_send(digest_ids=ids) == 1
        clock.shift(601)
        assert mailing.digests_due() == []  # sent: never again
