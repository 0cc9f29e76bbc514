"""The consent ledger: one place records every purpose, given and withdrawn,
and "Træk tilbage" takes effect at once through the app that owns it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Consent, ConsentPurpose, User
from directory import coordinator
from directory.models import CoordinatorRequest
from groups.models import Group
from insights.models import InsightSettings, Who5Answer
from insights.who5 import who5_answer_submit, who5_consent_give, who5_consent_withdraw
from notifications import mailing
from notifications.models import MailKind, PushSubscription
from notifications.services import push_subscription_delete


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def withdraw(client: Client, consent: Consent) -> Any:
    return client.post(
        reverse("privacy-consent-withdraw", kwargs={"consent_id": consent.pk}), follow=True
    )


@pytest.fixture
def who5_group(group: Group) -> Group:
    InsightSettings.objects.update_or_create(group=group, defaults={"who5_enabled": True})
    return group


@pytest.mark.django_db
def test_who5_consent_is_in_the_ledger_and_withdrawing_there_deletes_the_answers(
    member: User, who5_group: Group
) -> None:
    who5_consent_give(actor=member, group=who5_group)
    who5_answer_submit(actor=member, group=who5_group, answers=[1, 2, 3, 4, 5])
    consent = Consent.objects.get(user=member, purpose=ConsentPurpose.WHO5)
    assert consent.scope == f"group:{who5_group.pk}" and consent.text_version
    client = client_of(member)
    page = client.get(reverse("privacy-consents")).content.decode()
    assert "Trivselsmåling (WHO-5)" in page and who5_group.name in page
    response = withdraw(client, consent)
    assert "Dit samtykke er trukket tilbage" in response.content.decode()
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None and consent.withdrawn_channel == "web"
    assert not Who5Answer.objects.filter(user=member).exists()


@pytest.mark.django_db
def test_withdrawing_who5_where_it_was_given_writes_the_ledger_too(
    member: User, who5_group: Group
) -> None:
    who5_consent_give(actor=member, group=who5_group)
    who5_consent_withdraw(actor=member, group=who5_group)
    assert Consent.objects.get(user=member, purpose=ConsentPurpose.WHO5).withdrawn_at


@pytest.mark.django_db
def test_the_digest_consent_follows_the_settings_and_the_one_click_link(member: User) -> None:
    mailing.mail_settings_set(actor=member, immediate=True, digest="daglig", digest_weekday=0)
    consent = Consent.objects.get(user=member, purpose=ConsentPurpose.DIGEST)
    assert consent.is_active
    mailing.unsubscribe(row=mailing.mail_settings_for(member), kind=MailKind.DIGEST)
    consent.refresh_from_db()
    assert consent.withdrawn_at and consent.withdrawn_channel == "email"


@pytest.mark.django_db
def test_withdrawing_the_digest_on_the_privacy_page_stops_it_at_once(member: User) -> None:
    mailing.mail_settings_set(actor=member, immediate=True, digest="ugentlig", digest_weekday=2)
    consent = Consent.objects.get(user=member, purpose=ConsentPurpose.DIGEST)
    withdraw(client_of(member), consent)
    row = mailing.mail_settings_for(member)
    assert row.digest == "aldrig" and row.digest_weekday == 2


@pytest.mark.django_db
def test_push_consent_ends_with_the_last_device_or_at_once_on_the_privacy_page(
    member: User,
) -> None:
    for n in (1, 2):
        PushSubscription.objects.create(
            user=member, endpoint=f"https://push.example.org/{n}", p256dh="k", auth="a"
        )
    from accounts.services import consent_give  # noqa: PLC0415

    consent_give(user=member, purpose=ConsentPurpose.PUSH, text_version="2026-12")
    push_subscription_delete(actor=member, endpoint="https://push.example.org/1")
    consent = Consent.objects.get(user=member, purpose=ConsentPurpose.PUSH)
    assert consent.is_active  # one device left
    withdraw(client_of(member), consent)
    assert not PushSubscription.objects.filter(user=member).exists()
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None


@pytest.mark.django_db
def test_a_coordinator_request_made_logged_in_is_in_the_ledger_and_withdrawn_deletes_it(
    member: User,
) -> None:
    request = coordinator.request_create(
        name="Mikkel",
        phone="12345678",
        call_time="any",
        wish="Sang",
        consent=True,
        requester=member,
    )
    consent = Consent.objects.get(user=member, purpose=ConsentPurpose.COORDINATOR)
    assert consent.scope == f"request:{request.pk}"
    withdraw(client_of(member), consent)
    assert not CoordinatorRequest.objects.filter(pk=request.pk).exists()


@pytest.mark.django_db
def test_another_persons_consent_cannot_be_withdrawn(member: User, outsider: User) -> None:
    mailing.mail_settings_set(actor=member, immediate=True, digest="daglig", digest_weekday=0)
    consent = Consent.objects.get(user=member, purpose=ConsentPurpose.DIGEST)
    assert withdraw(client_of(outsider), consent).status_code == 404
    consent.refresh_from_db()
    assert consent.is_active


@pytest.mark.django_db
def test_submitting_an_entry_is_in_the_ledger_and_withdrawing_hides_it(member: User) -> None:
    from directory import review  # noqa: PLC0415
    from directory.models import Entry, EntryStatus  # noqa: PLC0415

    entry = Entry.objects.create(
        title="Strikkecafé", description="Vi strikker.", organiser_name="Strik", created_by=member
    )
    # What entry_submit records, for an entry made the short way.
    from accounts.services import consent_give  # noqa: PLC0415

    consent_give(
        user=member,
        purpose=ConsentPurpose.DIRECTORY_LISTING,
        scope=review.listing_scope(entry.pk),
        text_version=review.LISTING_TEXT_VERSION,
    )
    Entry.objects.filter(pk=entry.pk).update(status=EntryStatus.PUBLISHED)
    consent = Consent.objects.get(user=member, purpose=ConsentPurpose.DIRECTORY_LISTING)
    withdraw(client_of(member), consent)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.HIDDEN
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
