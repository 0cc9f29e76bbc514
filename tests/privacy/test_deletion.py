"""Deleting an account: after each kind no table holds the person's name,
e-mail or id (every model scanned), their files are gone, and the rules the
issue sets for what stays hold."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from asgiref.sync import async_to_sync
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from groups.models import Group, Role
from moderation.models import AuditEntry, Case
from posts.models import Comment, Post, PostImage, PostRevision
from privacy import erasure, services
from privacy.models import DeletionMode, DeletionRequest, DeletionState
from sammen.events import user_channel_name
from tests.conftest import PASSWORD, make_membership, make_user
from tests.privacy.conftest import (
    HELD_POST,
    HIDDEN_POST,
    LONE_COMMENT,
    REPLIED_COMMENT,
    SECRET_POST,
    scan,
    stored_files,
)


def needles(user: User) -> list[str]:
    return [user.display_name, user.email, "mikkel.privat@example.org"]


def delete_now(user: User, mode: str, capture: Any, settings: Any) -> DeletionRequest:
    """Ask for the deletion with no grace period and let every task run."""
    settings.ACCOUNT_DELETION_GRACE_DAYS = 0
    with capture(execute=True):
        row = services.deletion_request(actor=user, mode=mode)
    row.refresh_from_db()
    return row


@pytest.mark.django_db
def test_slet_alt_leaves_no_trace_of_the_person(
    rich: dict[str, Any],
    member: User,
    other: User,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    user_id = member.pk
    mine = {
        f.name
        for i in PostImage.objects.filter(post__author=member)
        for f in (i.image, i.thumbnail)
    }
    assert mine and mine <= stored_files(settings.PRIVATE_MEDIA_ROOT)
    row = delete_now(member, DeletionMode.EVERYTHING, django_capture_on_commit_callbacks, settings)
    assert row.state == DeletionState.DONE
    assert [name for name, _step in erasure.STEPS] == row.steps_done
    assert scan(user_id, needles(member)) == []
    # Posts in every state go: visible, hidden after flags, held for approval.
    for text in (SECRET_POST, HIDDEN_POST, HELD_POST):
        assert not Post.objects.filter(body__startswith=text).exists()
    # Photos in every stored size are deleted from the storage.
    assert mine & stored_files(settings.PRIVATE_MEDIA_ROOT) == set()
    # A comment someone answered stays as "[Slettet]" with the answer under it.
    kept = Comment.objects.get(pk=rich["replied"].pk)
    assert kept.body == "[Slettet]" and kept.author is None
    assert kept.replies.filter(author=other).exists()
    assert not Comment.objects.filter(body=LONE_COMMENT).exists()
    # Counters follow.
    theirs = Post.objects.get(pk=rich["theirs"].pk)
    assert theirs.reaction_count == 0
    assert theirs.comment_count == Comment.objects.filter(post=theirs, state="visible").count()
    # The mention in another's post is rewritten in the text and its rendering.
    assert "@Tidligere medlem" in theirs.body and "@Tidligere medlem" in theirs.body_html
    # Told by e-mail, once.
    assert [m.subject for m in mail.outbox].count("Din konto er slettet") == 1


@pytest.mark.django_db
def test_anonymise_keeps_the_posts_under_former_member(
    rich: dict[str, Any],
    member: User,
    other: User,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    user_id = member.pk
    name = member.display_name
    # An earlier version of another's post that mentioned the person.
    PostRevision.objects.create(post=rich["theirs"], body=f"Før: @{name} og Bente")
    row = delete_now(member, DeletionMode.ANONYMISE, django_capture_on_commit_callbacks, settings)
    assert row.state == DeletionState.DONE
    assert scan(user_id, needles(member)) == []
    post = Post.objects.get(pk=rich["post"].pk)
    assert post.author is None and post.body.startswith(SECRET_POST)
    assert PostImage.objects.filter(post=post).exists()
    # Hidden and held posts stay in their state, by no one.
    assert Post.objects.get(pk=rich["hidden"].pk).author is None
    assert Post.objects.get(pk=rich["held"].pk).state == "pending"
    assert Comment.objects.get(pk=rich["replied"].pk).body.startswith(REPLIED_COMMENT)
    assert PostRevision.objects.get(post=rich["theirs"], body__startswith="Før").body == (
        "Før: @Tidligere medlem og Bente"
    )
    # Another member sees "Tidligere medlem" on the post.
    client = Client()
    client.force_login(other)
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Tidligere medlem" in page and name not in page


@pytest.mark.django_db
def test_the_moderation_log_keeps_the_decision_as_former_member_n(
    rich: dict[str, Any],
    member: User,
    group: Group,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    decided = AuditEntry.objects.filter(target_user=member).values_list("pk", "action")
    assert decided
    row = delete_now(member, DeletionMode.EVERYTHING, django_capture_on_commit_callbacks, settings)
    for pk, action in decided:
        entry = AuditEntry.objects.get(pk=pk)
        assert entry.action == action
        assert entry.target_user is None
        assert entry.target_name == f"Tidligere medlem #{row.pk}"


@pytest.mark.django_db
def test_the_case_about_hidden_content_stays_without_the_author_when_anonymised(
    rich: dict[str, Any],
    member: User,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    cases = list(Case.objects.filter(author=member).values_list("pk", flat=True))
    delete_now(member, DeletionMode.ANONYMISE, django_capture_on_commit_callbacks, settings)
    assert Case.objects.filter(pk__in=cases, author__isnull=True).count() == len(cases)


@pytest.mark.django_db
def test_the_last_administrator_is_told_to_hand_over_first(admin: User, group: Group) -> None:
    with pytest.raises(ValidationError) as excinfo:
        services.deletion_request(actor=admin, mode=DeletionMode.EVERYTHING)
    assert group.name in excinfo.value.messages[0]
    assert not DeletionRequest.objects.exists()
    # With a second administrator it is allowed.
    make_membership(make_user(), group, role=Role.ADMIN)
    services.deletion_request(actor=admin, mode=DeletionMode.EVERYTHING)


@pytest.mark.django_db
def test_a_deletion_started_twice_is_one_deletion(member: User) -> None:
    services.deletion_request(actor=member, mode=DeletionMode.EVERYTHING)
    with pytest.raises(ValidationError, match="allerede bedt om"):
        services.deletion_request(actor=member, mode=DeletionMode.ANONYMISE)
    assert DeletionRequest.objects.filter(user=member).count() == 1


@pytest.mark.django_db
def test_an_export_is_refused_while_a_deletion_is_pending(member: User) -> None:
    services.deletion_request(actor=member, mode=DeletionMode.EVERYTHING)
    with pytest.raises(ValidationError, match="ved at blive slettet"):
        services.export_request(actor=member)


@pytest.mark.django_db
def test_logging_in_during_the_grace_period_cancels(
    member: User, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.ACCOUNT_DELETION_GRACE_DAYS = 14
    row = services.deletion_request(actor=member, mode=DeletionMode.EVERYTHING)
    assert row.due_at.date() == (timezone.now() + timedelta(days=14)).date()
    client = Client()
    assert client.login(email=member.email, password=PASSWORD)
    row.refresh_from_db()
    assert row.state == DeletionState.CANCELLED
    # Past the date nothing happens to a cancelled deletion.
    with (
        time_machine.travel(timezone.now() + timedelta(days=15)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.deletions_due()
    assert User.objects.filter(pk=member.pk).exists()


@pytest.mark.django_db
def test_the_deletion_runs_when_the_grace_period_is_over(
    member: User,
    settings: Any,
    eager_tasks: None,
    in_memory_channel_layer: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.ACCOUNT_DELETION_GRACE_DAYS = 14
    row = services.deletion_request(actor=member, mode=DeletionMode.ANONYMISE)
    with (
        time_machine.travel(timezone.now() + timedelta(days=13)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.deletions_due() == []
    assert User.objects.filter(pk=member.pk).exists()
    with (
        time_machine.travel(timezone.now() + timedelta(days=14, minutes=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.deletions_due() == [row.pk]
    row.refresh_from_db()
    assert row.state == DeletionState.DONE and row.user_id is None
    assert not User.objects.filter(pk=member.pk).exists()


class Killed(BaseException):
    """What a SIGKILL looks like to the code: nothing after it runs."""


@pytest.mark.django_db
def test_a_run_killed_halfway_completes_exactly_once_when_taken_up_again(
    rich: dict[str, Any],
    member: User,
    settings: Any,
    eager_tasks: None,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.ACCOUNT_DELETION_GRACE_DAYS = 0
    steps = list(erasure.STEPS)
    real_content = dict(steps)["content"]

    def dies_halfway(request: DeletionRequest, user: User) -> None:
        real_content(request, user)  # its writes are rolled back with the step
        raise Killed

    monkeypatch.setattr(
        erasure, "STEPS", [(n, dies_halfway if n == "content" else s) for n, s in steps]
    )
    with pytest.raises(Killed), django_capture_on_commit_callbacks(execute=True):
        row = services.deletion_request(actor=member, mode=DeletionMode.EVERYTHING)
    row = DeletionRequest.objects.get(user=member)
    assert row.state == DeletionState.RUNNING
    assert "reactions" in row.steps_done and "content" not in row.steps_done
    assert Post.objects.filter(author=member).exists()  # the step rolled back
    monkeypatch.setattr(erasure, "STEPS", steps)
    # Taken up again only once the heartbeat is stale; twice changes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deletions_due() == []
    later = timezone.now() + timedelta(seconds=settings.PRIVACY_DELETION_STALE_SECONDS + 5)
    with time_machine.travel(later):
        with django_capture_on_commit_callbacks(execute=True):
            assert services.deletions_due() == [row.pk]
        # The task ran after commit; running it again (a second worker, a
        # redelivered message) does nothing.
        assert services.deletion_run(request_id=row.pk) is None
    row.refresh_from_db()
    assert row.state == DeletionState.DONE and row.attempts == 2
    assert row.steps_done == [name for name, _step in steps]
    assert scan(member.pk, needles(member)) == []
    assert [m.subject for m in mail.outbox].count("Din konto er slettet") == 1


@pytest.mark.django_db
def test_open_sockets_of_the_person_are_told_to_close(
    member: User, in_memory_channel_layer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    layer = in_memory_channel_layer
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_channel_name(member.pk), channel)
    with django_capture_on_commit_callbacks(execute=True):
        services.deletion_request(actor=member, mode=DeletionMode.EVERYTHING)
    message = async_to_sync(layer.receive)(channel)
    assert message["event"] == "session.ended"


@pytest.mark.django_db
def test_every_session_of_the_person_ends_when_they_ask(
    member: User, other: User, django_capture_on_commit_callbacks: Any
) -> None:
    phone, laptop, someone_else = Client(), Client(), Client()
    phone.force_login(member)
    laptop.force_login(member)
    someone_else.force_login(other)
    with django_capture_on_commit_callbacks(execute=True):
        services.deletion_request(actor=member, mode=DeletionMode.EVERYTHING)
    home = reverse("profile-edit")
    assert phone.get(home).status_code == 302
    assert laptop.get(home).status_code == 302
    assert someone_else.get(home).status_code == 200
