"""Notification e-mails through a real SMTP server process (aiosmtpd,
tests/smtp_sink.py): the headers a mail client reads, both parts, the
one-click unsubscribe POST, and a digest that reaches the server only once
its row says "sent"."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.core.mail import get_connection
from django.test import Client

from accounts.models import User
from groups.models import Group
from notifications import mailing
from notifications.models import Digest, DigestState, MailSettings
from posts import services as post_services
from sammen.mail import HeldMessage
from tests.conftest import SmtpSink, make_membership, make_user

pytestmark = pytest.mark.django_db

MONDAY_9 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # 09:00 in Copenhagen


@pytest.fixture
def writer(group: Group) -> User:
    user = make_user("writer@example.org", "Vera Skribent")
    make_membership(user, group)
    return user


@pytest.fixture
def site(settings: Any, smtp_sink: SmtpSink) -> SmtpSink:
    smtp_sink.use(settings)
    settings.SITE_URL = "https://sammen.example"
    settings.NOTIFY_UNSUBSCRIBE_MAILTO = "afmeld@sammen.example"
    return smtp_sink


def test_an_immediate_email_as_the_mail_server_receives_it(
    site: SmtpSink, writer: User, member: User, group: Group
) -> None:
    with time_machine.travel(MONDAY_9, tick=False) as clock:
        post = post_services.post_create(actor=writer, group=group, body="Ugens gåtur i skoven")
        post_services.comment_create(actor=member, post=post, body="Jeg tager termokanden med")
        clock.shift(601)
        assert mailing.mail_due() == 1

    [message] = site.messages()
    assert message["To"] == writer.email
    assert message["Subject"].strip().startswith(f"{group.name}: ")
    assert message["In-Reply-To"] == f"<post-{post.pk}@sammen.example>"
    assert message["References"] == f"<post-{post.pk}@sammen.example>"
    assert message["Message-ID"].endswith("@sammen.example>")
    unsubscribe = str(message["List-Unsubscribe"]).strip()
    assert unsubscribe.startswith("<https://sammen.example/notifications/afmeld/")
    assert "<mailto:afmeld@sammen.example?subject=unsubscribe%20" in unsubscribe
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    for part in (text, html):
        assert "Jeg tager termokanden med" in part
        assert "har svaret dig" in part
    assert '<html lang="da">' in html

    # The mail client's one-click button: a POST with no cookie and no CSRF token.
    url = unsubscribe.split(",")[0].strip("<> ")
    response = Client(enforce_csrf_checks=True).post(
        url.removeprefix("https://sammen.example"),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert not MailSettings.objects.get(user=writer).immediate


def test_the_digest_reaches_the_mail_server_once(
    site: SmtpSink, writer: User, member: User, group: Group
) -> None:
    with time_machine.travel(MONDAY_9, tick=False):
        post = post_services.post_create(actor=writer, group=group, body="Ugens gåtur")
        post_services.comment_create(actor=member, post=post, body="Kommer!")
        ids = mailing.digests_due()
        assert mailing.digest_send(digest_ids=ids) == 1
        assert mailing.digest_send(digest_ids=ids) == 0
    [message] = site.messages()
    assert message["To"] == writer.email
    assert message["Subject"].strip() == f"Ugens nyt fra {group.name}"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Digest.objects.get(user=writer).state == DigestState.SENT


def test_a_held_message_is_not_delivered_until_released(site: SmtpSink, writer: User) -> None:
    """What makes a digest exactly once: killed before its row commits, the
    sender never sent the final line, and the server delivers nothing."""
    from django.core.mail import EmailMessage

    connection = get_connection()
    held = HeldMessage(connection, EmailMessage("Prøve", "Tekst", to=[writer.email]))
    assert held.hold()
    connection.connection.sock.close()  # the worker dies here
    connection.connection = None
    assert site.count() == 0

    connection = get_connection()
    held = HeldMessage(connection, EmailMessage("Prøve", "Tekst", to=[writer.email]))
    assert held.hold()
    assert held.release()
    connection.close()
    [message] = site.messages()
    assert message["Subject"].strip() == "Prøve"
