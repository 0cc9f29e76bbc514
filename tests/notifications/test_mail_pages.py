"""The e-mail parts people see: the settings page, the staff's digest
preview, and the provider's bounce webhook (anymail, Postmark's format)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.urls import reverse

from accounts.models import User
from groups.models import Group
from notifications.models import DigestFrequency, Kind, MailSettings, Notification
from posts import services as post_services
from scheduler import services as plan_services

pytestmark = pytest.mark.django_db


def test_a_member_chooses_daily_digests_on_thursdays_and_no_immediate_mail(
    member: User, client_for: Any
) -> None:
    client = client_for(member)
    page = client.get(reverse("notification-settings")).content.decode()
    assert "Oversigt over det, du ikke har læst" in page
    response = client.post(
        reverse("notification-mail-settings"),
        {"digest": DigestFrequency.DAILY, "digest_weekday": "3"},
        follow=True,
    )
    assert "Dine valg for e-mail er gemt." in response.content.decode()
    row = MailSettings.objects.get(user=member)
    assert (row.immediate, row.digest, row.digest_weekday) == (False, "daglig", 3)


@pytest.mark.parametrize(
    "data",
    [{"digest": "hver time", "digest_weekday": "1"}, {"digest": "daglig", "digest_weekday": "9"}],
)
def test_a_bad_mail_choice_is_refused_in_danish_and_nothing_saved(
    data: dict[str, str], member: User, client_for: Any
) -> None:
    response = client_for(member).post(reverse("notification-mail-settings"), data, follow=True)
    page = response.content.decode()
    assert "Vælg" in page and "Dine valg for e-mail er gemt." not in page
    assert not MailSettings.objects.filter(user=member).exists()


def test_staff_see_what_this_weeks_email_looks_like(
    staff: User, member: User, group: Group, client_for: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    plan_services.scheduled_post_create(
        actor=staff,
        group=group,
        body="Fredagens fællesspisning",
        publish_at=timezone.now() + timedelta(days=2),
    )
    post = post_services.post_create(actor=staff, group=group, body="Velkommen til ugen")
    post_services.comment_create(actor=member, post=post, body="Tak!")
    page = client_for(staff).get(reverse("digest-preview", args=[group.slug])).content.decode()
    assert "Sådan ser ugens e-mail ud" in page
    assert f"Ugens nyt fra {group.name}" in page
    assert "Fredagens fællesspisning" in page
    assert "har svaret dig" in page


@pytest.mark.urls("tests.notifications.anymail_urls")
def test_a_hard_bounce_from_the_provider_stops_mail_and_the_bell_tells(
    member: User, client_for: Any, settings: Any
) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:hemmelig"}
    bounce = {
        "RecordType": "Bounce",
        "Type": "HardBounce",
        "ID": 42,
        "Email": member.email,
        "BouncedAt": "2026-11-30T10:00:00Z",
        "MessageID": "abc",
    }
    auth = "Basic " + base64.b64encode(b"hook:hemmelig").decode()
    url = "/anymail/postmark/tracking/"
    refused = client_for(None).post(url, json.dumps(bounce), content_type="application/json")
    assert refused.status_code == 400 or refused.status_code == 401
    assert not MailSettings.objects.filter(user=member, stopped_at__isnull=False).exists()

    ok = client_for(None).post(
        url, json.dumps(bounce), content_type="application/json", HTTP_AUTHORIZATION=auth
    )
    assert ok.status_code == 200
    assert MailSettings.objects.get(user=member).stops(member.email)
    Notification.objects.get(recipient=member, kind=Kind.MAIL_STOPPED)
    client = client_for(member)
    centre = client.get(reverse("notifications")).content.decode()
    assert f"Vores e-mails til {member.email} kommer retur" in centre
    settings_page = client.get(reverse("notification-settings")).content.decode()
    assert "Min adresse virker igen" in settings_page
