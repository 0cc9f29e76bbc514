"""Each retention rule, with time moved past its limit (and just short of it)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.models import LoginRecord, User
from accounts.services import login_record
from groups.models import Group, Membership, MembershipStatus
from moderation.models import AuditEntry, Case, Flag
from notifications.models import Notification
from privacy import retention, services
from privacy.models import DeletionRequest, DeletionState, ExportState
from tests.conftest import PASSWORD, make_membership, make_user


def later(**delta: Any) -> Any:
    return time_machine.travel(timezone.now() + timedelta(**delta))


@pytest.mark.django_db
def test_join_request_answers_go_30_days_after_the_decision(group: Group, admin: User) -> None:
    person = make_user()
    m = make_membership(
        person,
        group,
        status=MembershipStatus.DECLINED,
        answers=[{"question": "Hvorfor?", "answer": "Jeg er ensom"}],
        decided_by=admin,
    )
    undecided = make_membership(
        make_user(),
        group,
        status=MembershipStatus.PENDING,
        answers=[{"question": "?", "answer": "x"}],
    )
    with later(days=29):
        retention.run()
    assert Membership.objects.get(pk=m.pk).answers
    with later(days=31):
        assert retention.run()["join_answers"] == 1
    assert Membership.objects.get(pk=m.pk).answers == []
    assert Membership.objects.get(pk=undecided.pk).answers  # still being decided


@pytest.mark.django_db
def test_read_notifications_go_after_90_days(member: User) -> None:
    read = Notification.objects.create(recipient=member, kind="reaction", read_at=timezone.now())
    unread = Notification.objects.create(recipient=member, kind="reaction")
    with later(days=89):
        retention.run()
    assert Notification.objects.filter(pk=read.pk).exists()
    with later(days=91):
        retention.run()
    assert not Notification.objects.filter(pk=read.pk).exists()
    assert Notification.objects.filter(pk=unread.pk).exists()


@pytest.mark.django_db
def test_decided_cases_go_after_12_months_and_the_log_stays_without_names(
    group: Group, member: User, moderator: User, other_post: Any
) -> None:
    case = Case.objects.create(
        group=group,
        post=other_post,
        author=member,
        state="resolved",
        resolved_at=timezone.now(),
        resolved_by=moderator,
        decision="hide",
        resolution_reason="Uvenlig tone",
    )
    Flag.objects.create(
        case=case, group=group, post=other_post, user=moderator, reason="harassment"
    )
    entry = AuditEntry.objects.create(
        group=group,
        actor=moderator,
        actor_name=moderator.display_name,
        action="hide",
        target_user=member,
        target_name=member.display_name,
        case=case,
        reason="Uvenlig tone",
        post_ref=other_post.pk,
    )
    with later(days=360):
        retention.run()
    assert Case.objects.filter(pk=case.pk).exists()
    with later(days=370):
        assert retention.run()["decided_cases"] == 1
    assert not Case.objects.filter(pk=case.pk).exists()
    assert not Flag.objects.filter(post=other_post).exists()
    entry.refresh_from_db()
    assert entry.action == "hide" and entry.post_ref == other_post.pk
    assert (entry.actor_id, entry.actor_name, entry.target_user_id, entry.target_name) == (
        None,
        "",
        None,
        "",
    )
    assert entry.reason == ""


@pytest.mark.django_db
def test_expired_exports_are_deleted_at_once(member: User, settings: Any) -> None:
    row = services.export_request(actor=member)
    services.export_build(export_id=row.pk)
    row.refresh_from_db()
    path = settings.PRIVATE_MEDIA_ROOT / row.file_name
    assert path.exists()
    with later(days=6):
        retention.run()
    assert path.exists()
    with later(days=7, minutes=1):
        assert retention.run()["expired_exports"] == 1
    row.refresh_from_db()
    assert row.state == ExportState.EXPIRED and not path.exists()


@pytest.mark.django_db
def test_the_login_history_is_kept_a_year(member: User) -> None:
    login_record(user=member)
    with later(days=364):
        retention.run()
    assert LoginRecord.objects.filter(user=member).exists()
    with later(days=366):
        retention.run()
    assert not LoginRecord.objects.filter(user=member).exists()


@pytest.mark.django_db
def test_inactive_accounts_are_off_by_default(member: User) -> None:
    User.objects.filter(pk=member.pk).update(last_login=timezone.now() - timedelta(days=3650))
    assert retention.run()["inactive_accounts"] == 0
    assert not DeletionRequest.objects.exists()


@pytest.mark.django_db
def test_inactive_accounts_are_warned_then_deleted_30_days_later(
    settings: Any, eager_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    settings.RETENTION_INACTIVE_MONTHS = 24
    asleep = make_user("sover@example.org", "Sovende Bruger")
    awake = make_user("vaagen@example.org", "Vågen Bruger")
    returns = make_user("kommer@example.org", "Kommer Tilbage")
    now = timezone.now()
    User.objects.filter(pk__in=[asleep.pk, returns.pk]).update(last_login=now)
    User.objects.filter(pk=awake.pk).update(last_login=now + timedelta(days=700))
    with later(days=700), django_capture_on_commit_callbacks(execute=True):
        assert retention.run()["inactive_accounts"] == 0
    with later(days=740), django_capture_on_commit_callbacks(execute=True):
        assert retention.run()["inactive_accounts"] == 2
    assert {m.to[0] for m in mail.outbox} == {asleep.email, returns.email}
    # Logging in within the 30 days keeps the account.
    from django.test import Client  # noqa: PLC0415

    with later(days=750):
        assert Client().login(email=returns.email, password=PASSWORD)
    with later(days=771), django_capture_on_commit_callbacks(execute=True):
        services.deletions_due()
    assert not User.objects.filter(pk=asleep.pk).exists()
    assert User.objects.filter(pk=returns.pk).exists()
    assert User.objects.filter(pk=awake.pk).exists()
    assert DeletionRequest.objects.filter(state=DeletionState.DONE, mode="anonymise").count() == 1


@pytest.fixture
def other_post(group: Group, admin: User) -> Any:
    from posts.services import post_create  # noqa: PLC0415

    return post_create(actor=admin, group=group, body="Et opslag")
