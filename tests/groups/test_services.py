"""The rules of groups/services.py, one rule per test."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from groups import services
from groups.models import (
    Group,
    Invite,
    JoinPolicy,
    Membership,
    MembershipStatus,
    Role,
    SubGroup,
    SubGroupMembership,
    SubGroupMembershipStatus,
    Visibility,
)
from tests.conftest import QUESTIONS, make_group, make_membership, make_subgroup, make_user

ANSWERS = ["At møde nye mennesker.", "Fra en veninde."]


def messages_of(excinfo: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(excinfo.value.messages)


def status_of(user: User, group: Group) -> str | None:
    m = Membership.objects.filter(user=user, group=group).first()
    return m.status if m else None


def make_invite(group: Group, by: User, **kwargs: Any) -> Invite:
    return services.invite_create(
        actor=by, group=group, valid_days=7, **{"max_uses": None, **kwargs}
    )


# --- asking to join ----------------------------------------------------------------


def test_membership_request_stores_a_pending_request_with_questions_and_answers(
    outsider: User, group: Group
) -> None:
    m = services.membership_request(actor=outsider, group=group, answers=ANSWERS, accept_rules=True)

    m.refresh_from_db()
    assert m.status == MembershipStatus.PENDING
    assert m.role == Role.MEMBER
    assert m.answers == [
        {"question": QUESTIONS[0], "answer": ANSWERS[0]},
        {"question": QUESTIONS[1], "answer": ANSWERS[1]},
    ]
    assert m.requested_at is not None


@pytest.mark.parametrize("answers", [["Svar", ""], ["Svar", "   "], ["Kun ét svar"], []])
def test_membership_request_fails_if_an_answer_is_missing(
    answers: list[str], outsider: User, group: Group
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        services.membership_request(actor=outsider, group=group, answers=answers, accept_rules=True)

    assert "Svar venligst på alle spørgsmålene." in messages_of(excinfo)
    assert status_of(outsider, group) is None


def test_membership_request_fails_if_rules_are_not_accepted(outsider: User, group: Group) -> None:
    with pytest.raises(ValidationError) as excinfo:
        services.membership_request(
            actor=outsider, group=group, answers=ANSWERS, accept_rules=False
        )

    assert "acceptere gruppens regler" in messages_of(excinfo)
    assert status_of(outsider, group) is None


def test_membership_request_fails_if_an_answer_is_over_long(outsider: User, group: Group) -> None:
    with pytest.raises(ValidationError) as excinfo:
        services.membership_request(
            actor=outsider, group=group, answers=["a" * 1001, "b"], accept_rules=True
        )

    assert "1000 tegn" in messages_of(excinfo)
    assert status_of(outsider, group) is None


def test_membership_request_twice_fails_clearly_and_stores_nothing_extra(
    outsider: User, group: Group
) -> None:
    services.membership_request(actor=outsider, group=group, answers=ANSWERS, accept_rules=True)
    rows_before = Membership.objects.count()

    with pytest.raises(ValidationError) as excinfo:
        services.membership_request(
            actor=outsider, group=group, answers=["Andet svar", "Andet"], accept_rules=True
        )

    assert "Du har allerede bedt om at blive medlem" in messages_of(excinfo)
    assert Membership.objects.count() == rows_before
    assert Membership.objects.get(user=outsider, group=group).answers[0]["answer"] == ANSWERS[0]


def test_membership_request_fails_if_user_is_banned(banned: User, group: Group) -> None:
    with pytest.raises(ValidationError) as excinfo:
        services.membership_request(actor=banned, group=group, answers=ANSWERS, accept_rules=True)

    assert "Du kan ikke blive medlem af denne gruppe." in messages_of(excinfo)
    assert status_of(banned, group) == MembershipStatus.BANNED


def test_membership_request_fails_if_user_is_already_member(member: User, group: Group) -> None:
    with pytest.raises(ValidationError, match="allerede medlem"):
        services.membership_request(actor=member, group=group, answers=ANSWERS, accept_rules=True)
    assert status_of(member, group) == MembershipStatus.ACTIVE


def test_membership_request_fails_for_a_secret_group_as_if_it_did_not_exist(
    outsider: User, admin: User
) -> None:
    secret = make_group(admin=admin, visibility=Visibility.SECRET)

    with pytest.raises(Http404):
        services.membership_request(actor=outsider, group=secret, answers=[], accept_rules=True)
    assert status_of(outsider, secret) is None


def test_membership_request_is_allowed_again_after_a_decline(
    outsider: User, admin: User, group: Group
) -> None:
    m = services.membership_request(actor=outsider, group=group, answers=ANSWERS, accept_rules=True)
    services.membership_decline(actor=admin, group=group, membership_id=m.pk, message="Nej tak")

    again = services.membership_request(
        actor=outsider, group=group, answers=["Nyt svar", "Nyt"], accept_rules=True
    )

    assert again.pk == m.pk
    again.refresh_from_db()
    assert again.status == MembershipStatus.PENDING
    assert again.decision_message == ""
    assert again.answers[0]["answer"] == "Nyt svar"


def test_membership_cancel_request_removes_own_pending_request(pending: User, group: Group) -> None:
    services.membership_cancel_request(actor=pending, group=group)
    assert status_of(pending, group) is None


def test_membership_cancel_request_fails_without_a_request(member: User, group: Group) -> None:
    with pytest.raises(ValidationError, match="ingen anmodning"):
        services.membership_cancel_request(actor=member, group=group)
    assert status_of(member, group) == MembershipStatus.ACTIVE


# --- deciding ----------------------------------------------------------------------------


def pending_id(user: User, group: Group) -> int:
    return Membership.objects.get(user=user, group=group).pk


def test_membership_approve_makes_member_and_mails_only_after_commit(
    admin: User,
    pending: User,
    group: Group,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.membership_approve(
            actor=admin,
            group=group,
            membership_id=pending_id(pending, group),
            message="Velkommen til!",
        )
        assert mailoutbox == []

    assert callbacks
    m = Membership.objects.get(user=pending, group=group)
    assert m.status == MembershipStatus.ACTIVE
    assert m.role == Role.MEMBER
    assert m.joined_at is not None
    assert m.decided_by == admin
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [pending.email]
    assert "Du er nu medlem af" in mail.subject
    assert group.name in mail.subject
    assert "Velkommen til!" in mail.body
    assert group.get_absolute_url() in mail.body


def test_membership_decline_keeps_user_out_and_mails_the_message(
    admin: User,
    pending: User,
    group: Group,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_decline(
            actor=admin,
            group=group,
            membership_id=pending_id(pending, group),
            message="Gruppen er kun for borgere i kommunen.",
        )
        assert mailoutbox == []

    m = Membership.objects.get(user=pending, group=group)
    assert m.status == MembershipStatus.DECLINED
    assert m.decision_message == "Gruppen er kun for borgere i kommunen."
    assert len(mailoutbox) == 1
    assert "ikke godkendt" in mailoutbox[0].body
    assert "Gruppen er kun for borgere i kommunen." in mailoutbox[0].body


def test_membership_approve_sends_no_mail_if_the_transaction_rolls_back(
    admin: User,
    pending: User,
    group: Group,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.db import transaction

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.membership_approve(
            actor=admin, group=group, membership_id=pending_id(pending, group)
        )
        raise RuntimeError("the outer request failed")

    assert mailoutbox == []
    assert status_of(pending, group) == MembershipStatus.PENDING


@pytest.mark.parametrize("first", ["approve", "decline"])
def test_membership_approve_fails_if_request_already_decided(
    first: str,
    admin: User,
    pending: User,
    group: Group,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    second_admin = make_user()
    make_membership(second_admin, group, role=Role.ADMIN)
    mid = pending_id(pending, group)
    getattr(services, f"membership_{first}")(actor=admin, group=group, membership_id=mid)
    decided = Membership.objects.get(pk=mid).status

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError) as excinfo,
    ):
        services.membership_approve(actor=second_admin, group=group, membership_id=mid)

    assert "allerede behandlet" in messages_of(excinfo)
    assert Membership.objects.get(pk=mid).status == decided
    assert Membership.objects.get(pk=mid).decided_by == admin
    assert mailoutbox == []


def test_membership_approve_fails_if_request_was_withdrawn(
    admin: User, pending: User, group: Group
) -> None:
    mid = pending_id(pending, group)
    services.membership_cancel_request(actor=pending, group=group)

    with pytest.raises(ValidationError, match="findes ikke længere"):
        services.membership_approve(actor=admin, group=group, membership_id=mid)


@pytest.mark.parametrize("role", ["member", "moderator", "staff"])
def test_membership_approve_fails_if_actor_is_not_admin(
    role: str, request: pytest.FixtureRequest, pending: User, group: Group
) -> None:
    actor = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        services.membership_approve(
            actor=actor, group=group, membership_id=pending_id(pending, group)
        )
    assert status_of(pending, group) == MembershipStatus.PENDING


def test_membership_approve_fails_for_a_request_to_another_group(
    admin: User, outsider: User, group: Group
) -> None:
    other = make_group(admin=make_user())
    m = make_membership(outsider, other, status=MembershipStatus.PENDING)

    with pytest.raises(ValidationError):
        services.membership_approve(actor=admin, group=group, membership_id=m.pk)
    assert status_of(outsider, other) == MembershipStatus.PENDING


def test_membership_decline_fails_if_message_is_over_long(
    admin: User, pending: User, group: Group
) -> None:
    with pytest.raises(ValidationError, match="1000 tegn"):
        services.membership_decline(
            actor=admin, group=group, membership_id=pending_id(pending, group), message="x" * 1001
        )
    assert status_of(pending, group) == MembershipStatus.PENDING


# --- invites ---------------------------------------------------------------------------------


def test_invite_accept_adds_the_user_as_active_member_directly(
    admin: User, outsider: User, group: Group
) -> None:
    invite = make_invite(group, admin)

    m = services.invite_accept(actor=outsider, token=invite.token)

    assert m.status == MembershipStatus.ACTIVE
    assert m.role == Role.MEMBER
    assert m.invite == invite
    invite.refresh_from_db()
    assert invite.use_count == 1


def test_invite_accept_makes_a_pending_user_active(
    admin: User, pending: User, group: Group
) -> None:
    invite = make_invite(group, admin)
    services.invite_accept(actor=pending, token=invite.token)
    assert status_of(pending, group) == MembershipStatus.ACTIVE
    assert Membership.objects.filter(user=pending, group=group).count() == 1


def test_invite_accept_fails_if_expired(admin: User, outsider: User, group: Group) -> None:
    invite = make_invite(group, admin)
    Invite.objects.filter(pk=invite.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    with pytest.raises(ValidationError, match="udløbet"):
        services.invite_accept(actor=outsider, token=invite.token)
    assert status_of(outsider, group) is None


def test_invite_accept_fails_if_expired_by_the_clock(
    admin: User, outsider: User, group: Group, time_machine: Any
) -> None:
    invite = make_invite(group, admin)  # valid for 7 days
    time_machine.move_to(timezone.now() + timedelta(days=7, minutes=1))

    with pytest.raises(ValidationError, match="udløbet"):
        services.invite_accept(actor=outsider, token=invite.token)


def test_invite_accept_fails_if_used_up(admin: User, outsider: User, group: Group) -> None:
    invite = make_invite(group, admin, max_uses=1)
    first = make_user()
    services.invite_accept(actor=first, token=invite.token)

    with pytest.raises(ValidationError, match="allerede brugt"):
        services.invite_accept(actor=outsider, token=invite.token)
    assert status_of(outsider, group) is None
    invite.refresh_from_db()
    assert invite.use_count == 1


def test_invite_accept_fails_if_revoked(admin: User, outsider: User, group: Group) -> None:
    invite = make_invite(group, admin)
    services.invite_revoke(actor=admin, group=group, invite_id=invite.pk)

    with pytest.raises(ValidationError, match="ikke gyldigt"):
        services.invite_accept(actor=outsider, token=invite.token)
    assert status_of(outsider, group) is None


def test_invite_accept_fails_for_an_unknown_token(outsider: User, group: Group) -> None:
    with pytest.raises(ValidationError, match="ikke gyldigt"):
        services.invite_accept(actor=outsider, token="findes-ikke")


def test_invite_accept_fails_if_user_is_banned(admin: User, banned: User, group: Group) -> None:
    invite = make_invite(group, admin)

    with pytest.raises(ValidationError, match="Du kan ikke blive medlem"):
        services.invite_accept(actor=banned, token=invite.token)
    assert status_of(banned, group) == MembershipStatus.BANNED
    invite.refresh_from_db()
    assert invite.use_count == 0


def test_invite_accept_fails_if_already_member(admin: User, member: User, group: Group) -> None:
    invite = make_invite(group, admin)
    with pytest.raises(ValidationError, match="allerede medlem"):
        services.invite_accept(actor=member, token=invite.token)
    invite.refresh_from_db()
    assert invite.use_count == 0


def test_invite_accept_lets_the_holder_into_a_secret_group(admin: User, outsider: User) -> None:
    secret = make_group(admin=admin, visibility=Visibility.SECRET)
    invite = make_invite(secret, admin)
    services.invite_accept(actor=outsider, token=invite.token)
    assert status_of(outsider, secret) == MembershipStatus.ACTIVE


@pytest.mark.parametrize("role", ["member", "moderator", "staff"])
def test_invite_create_fails_if_actor_is_not_admin(
    role: str, request: pytest.FixtureRequest, group: Group
) -> None:
    with pytest.raises(PermissionDenied):
        make_invite(group, request.getfixturevalue(role))
    assert not Invite.objects.exists()


@pytest.mark.parametrize(("valid_days", "max_uses"), [(0, None), (91, None), (7, 0), (7, 1001)])
def test_invite_create_refuses_out_of_range_limits(
    valid_days: int, max_uses: int | None, admin: User, group: Group
) -> None:
    with pytest.raises(ValidationError):
        services.invite_create(actor=admin, group=group, valid_days=valid_days, max_uses=max_uses)
    assert not Invite.objects.exists()


# --- leaving, removing, banning --------------------------------------------------------------


def test_membership_leave_removes_the_membership(member: User, group: Group) -> None:
    services.membership_leave(actor=member, group=group)
    assert status_of(member, group) is None


def test_membership_leave_also_removes_sub_group_memberships(
    member: User, group: Group, subgroup: SubGroup
) -> None:
    other_group_sub = make_subgroup(
        make_group(admin=make_user(), members=[member]), members=[member]
    )

    services.membership_leave(actor=member, group=group)

    assert not SubGroupMembership.objects.filter(user=member, subgroup=subgroup).exists()
    # Sub-groups of other groups are not touched.
    assert SubGroupMembership.objects.filter(user=member, subgroup=other_group_sub).exists()


def test_membership_leave_fails_for_the_last_admin(admin: User, group: Group) -> None:
    with pytest.raises(ValidationError, match="eneste administrator"):
        services.membership_leave(actor=admin, group=group)
    assert status_of(admin, group) == MembershipStatus.ACTIVE


def test_membership_leave_is_allowed_for_an_admin_when_another_admin_remains(
    admin: User, group: Group
) -> None:
    make_membership(make_user(), group, role=Role.ADMIN)
    services.membership_leave(actor=admin, group=group)
    assert status_of(admin, group) is None


def test_membership_leave_fails_for_a_non_member(outsider: User, group: Group) -> None:
    with pytest.raises(Http404):
        services.membership_leave(actor=outsider, group=group)


def test_membership_remove_removes_member_and_their_sub_group_memberships(
    admin: User, member: User, group: Group, subgroup: SubGroup
) -> None:
    services.membership_remove(actor=admin, group=group, user_id=member.pk)

    assert status_of(member, group) is None
    assert not SubGroupMembership.objects.filter(user=member).exists()


def test_membership_remove_lets_the_person_ask_again(
    admin: User, member: User, group: Group
) -> None:
    services.membership_remove(actor=admin, group=group, user_id=member.pk)
    services.membership_request(actor=member, group=group, answers=ANSWERS, accept_rules=True)
    assert status_of(member, group) == MembershipStatus.PENDING


def test_membership_remove_fails_if_admin_removes_themselves(admin: User, group: Group) -> None:
    with pytest.raises(ValidationError, match="Forlad gruppen"):
        services.membership_remove(actor=admin, group=group, user_id=admin.pk)
    assert status_of(admin, group) == MembershipStatus.ACTIVE


@pytest.mark.parametrize("role", ["member", "staff"])
def test_membership_remove_fails_if_actor_is_not_admin(
    role: str, request: pytest.FixtureRequest, sub_only: User, group: Group
) -> None:
    with pytest.raises(PermissionDenied):
        services.membership_remove(
            actor=request.getfixturevalue(role), group=group, user_id=sub_only.pk
        )
    assert status_of(sub_only, group) == MembershipStatus.ACTIVE


def test_membership_remove_fails_for_a_non_member(
    admin: User, outsider: User, group: Group
) -> None:
    with pytest.raises(ValidationError, match="ikke medlem"):
        services.membership_remove(actor=admin, group=group, user_id=outsider.pk)


def test_membership_ban_bans_and_drops_sub_group_memberships(
    admin: User, member: User, group: Group, subgroup: SubGroup
) -> None:
    services.membership_ban(actor=admin, group=group, user_id=member.pk, reason="Chikane")

    m = Membership.objects.get(user=member, group=group)
    assert m.status == MembershipStatus.BANNED
    assert m.decision_message == "Chikane"
    assert not SubGroupMembership.objects.filter(user=member).exists()


def test_membership_ban_of_a_pending_requester_stops_them_asking_again(
    admin: User, pending: User, group: Group
) -> None:
    services.membership_ban(actor=admin, group=group, user_id=pending.pk)

    with pytest.raises(ValidationError, match="Du kan ikke blive medlem"):
        services.membership_request(actor=pending, group=group, answers=ANSWERS, accept_rules=True)
    assert status_of(pending, group) == MembershipStatus.BANNED


def test_membership_ban_fails_for_oneself(admin: User, group: Group) -> None:
    with pytest.raises(ValidationError, match="dig selv"):
        services.membership_ban(actor=admin, group=group, user_id=admin.pk)
    assert status_of(admin, group) == MembershipStatus.ACTIVE


def test_membership_ban_fails_if_already_banned(admin: User, banned: User, group: Group) -> None:
    with pytest.raises(ValidationError, match="allerede udelukket"):
        services.membership_ban(actor=admin, group=group, user_id=banned.pk)


def test_membership_ban_fails_if_reason_is_over_long(
    admin: User, member: User, group: Group
) -> None:
    with pytest.raises(ValidationError, match="1000 tegn"):
        services.membership_ban(actor=admin, group=group, user_id=member.pk, reason="x" * 1001)
    assert status_of(member, group) == MembershipStatus.ACTIVE


def test_membership_ban_fails_if_a_moderator_bans_staff_or_a_requester(
    moderator: User, staff: User, pending: User, group: Group
) -> None:
    # Moderation (issue 5): moderators remove and ban ordinary members only.
    with pytest.raises(PermissionDenied):
        services.membership_ban(actor=moderator, group=group, user_id=staff.pk)
    with pytest.raises(PermissionDenied):
        services.membership_ban(actor=moderator, group=group, user_id=pending.pk)
    assert status_of(staff, group) == MembershipStatus.ACTIVE
    assert status_of(pending, group) == MembershipStatus.PENDING


def test_membership_remove_and_ban_by_a_moderator_for_ordinary_members(
    moderator: User, member: User, sub_only: User, admin: User, group: Group
) -> None:
    services.membership_remove(actor=moderator, group=group, user_id=sub_only.pk)
    services.membership_ban(actor=moderator, group=group, user_id=member.pk)
    assert status_of(member, group) == MembershipStatus.BANNED
    with pytest.raises(PermissionDenied):
        services.membership_remove(actor=moderator, group=group, user_id=admin.pk)


def test_membership_unban_lets_the_person_ask_again(
    admin: User, banned: User, group: Group
) -> None:
    services.membership_unban(actor=admin, group=group, user_id=banned.pk)

    assert status_of(banned, group) is None
    services.membership_request(actor=banned, group=group, answers=ANSWERS, accept_rules=True)
    assert status_of(banned, group) == MembershipStatus.PENDING


def test_membership_unban_fails_for_someone_not_banned(
    admin: User, member: User, group: Group
) -> None:
    with pytest.raises(ValidationError, match="ikke udelukket"):
        services.membership_unban(actor=admin, group=group, user_id=member.pk)
    assert status_of(member, group) == MembershipStatus.ACTIVE


# --- roles -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.STAFF, Role.MODERATOR, Role.ADMIN, Role.MEMBER])
def test_membership_set_role_changes_the_role(
    role: str, admin: User, member: User, group: Group
) -> None:
    services.membership_set_role(actor=admin, group=group, user_id=member.pk, role=role)
    assert Membership.objects.get(user=member, group=group).role == role


def test_membership_set_role_fails_if_last_admin_steps_down(admin: User, group: Group) -> None:
    with pytest.raises(ValidationError, match="mindst én administrator"):
        services.membership_set_role(actor=admin, group=group, user_id=admin.pk, role=Role.MEMBER)
    assert Membership.objects.get(user=admin, group=group).role == Role.ADMIN


def test_membership_set_role_lets_an_admin_step_down_when_another_admin_remains(
    admin: User, member: User, group: Group
) -> None:
    services.membership_set_role(actor=admin, group=group, user_id=member.pk, role=Role.ADMIN)
    services.membership_set_role(actor=admin, group=group, user_id=admin.pk, role=Role.MEMBER)
    assert Membership.objects.get(user=admin, group=group).role == Role.MEMBER


@pytest.mark.parametrize("role", ["member", "moderator", "staff"])
def test_membership_set_role_fails_if_actor_is_not_admin(
    role: str, request: pytest.FixtureRequest, sub_only: User, group: Group
) -> None:
    with pytest.raises(PermissionDenied):
        services.membership_set_role(
            actor=request.getfixturevalue(role), group=group, user_id=sub_only.pk, role=Role.ADMIN
        )
    assert Membership.objects.get(user=sub_only, group=group).role == Role.MEMBER


def test_membership_set_role_refuses_an_unknown_role(
    admin: User, member: User, group: Group
) -> None:
    with pytest.raises(ValidationError, match="Ukendt rolle"):
        services.membership_set_role(actor=admin, group=group, user_id=member.pk, role="kejser")


def test_membership_set_role_fails_for_a_pending_requester(
    admin: User, pending: User, group: Group
) -> None:
    with pytest.raises(ValidationError, match="ikke medlem"):
        services.membership_set_role(actor=admin, group=group, user_id=pending.pk, role=Role.ADMIN)
    assert status_of(pending, group) == MembershipStatus.PENDING


# --- group settings ------------------------------------------------------------------------------


def test_group_update_refuses_an_over_long_name_and_keeps_the_old(
    admin: User, group: Group
) -> None:
    with pytest.raises(ValidationError):
        services.group_update(
            actor=admin,
            group=group,
            name="N" * 81,
            description="d",
            rules="",
            questions=[],
            visibility=Visibility.CLOSED,
        )
    group.refresh_from_db()
    assert group.name != "N" * 81
    assert group.questions == QUESTIONS


def test_group_update_refuses_over_long_questions(admin: User, group: Group) -> None:
    with pytest.raises(ValidationError, match="højst være 300 tegn"):
        services.group_update(
            actor=admin,
            group=group,
            name="Ny",
            description="d",
            rules="",
            questions=["?" * 301],
            visibility=Visibility.CLOSED,
        )
    group.refresh_from_db()
    assert group.name != "Ny"


def test_group_update_refuses_more_than_three_questions(admin: User, group: Group) -> None:
    with pytest.raises(ValidationError, match="højst have 3 spørgsmål"):
        services.group_update(
            actor=admin,
            group=group,
            name="Ny",
            description="d",
            rules="",
            questions=["1?", "2?", "3?", "4?"],
            visibility=Visibility.CLOSED,
        )


@pytest.mark.parametrize("role", ["member", "moderator", "staff"])
def test_group_update_fails_if_actor_is_not_admin(
    role: str, request: pytest.FixtureRequest, group: Group
) -> None:
    with pytest.raises(PermissionDenied):
        services.group_update(
            actor=request.getfixturevalue(role),
            group=group,
            name="Kapret",
            description="d",
            rules="",
            questions=[],
            visibility=Visibility.CLOSED,
        )
    group.refresh_from_db()
    assert group.name != "Kapret"


def test_group_create_makes_the_founder_admin(outsider: User) -> None:
    outsider.is_staff = True
    outsider.save(update_fields=["is_staff"])

    g = services.group_create(actor=outsider, name="Ny gruppe", description="Om os")

    m = Membership.objects.get(user=outsider, group=g)
    assert (m.role, m.status) == (Role.ADMIN, MembershipStatus.ACTIVE)
    assert g.slug == "ny-gruppe"


def test_group_create_fails_for_people_who_are_not_site_staff(outsider: User) -> None:
    with pytest.raises(PermissionDenied):
        services.group_create(actor=outsider, name="Ny gruppe", description="Om os")
    assert not Group.objects.filter(name="Ny gruppe").exists()


# --- sub-groups --------------------------------------------------------------------------------


def test_subgroup_join_open_makes_an_active_member(sub_requester: User, group: Group) -> None:
    sub = make_subgroup(group, join_policy=JoinPolicy.OPEN)
    sm = services.subgroup_join(actor=sub_requester, subgroup=sub)
    assert sm.status == SubGroupMembershipStatus.ACTIVE


def test_subgroup_join_by_request_waits_for_approval(sub_requester: User, group: Group) -> None:
    sub = make_subgroup(group, join_policy=JoinPolicy.REQUEST)
    sm = services.subgroup_join(actor=sub_requester, subgroup=sub)
    assert sm.status == SubGroupMembershipStatus.PENDING


def test_subgroup_join_fails_if_full_and_stores_nothing(
    member: User, sub_only: User, sub_requester: User, group: Group
) -> None:
    sub = make_subgroup(group, member_cap=2, members=[member, sub_only])

    with pytest.raises(ValidationError) as excinfo:
        services.subgroup_join(actor=sub_requester, subgroup=sub)

    assert "Undergruppen er fuld" in messages_of(excinfo)
    assert not SubGroupMembership.objects.filter(subgroup=sub, user=sub_requester).exists()


def test_subgroup_join_fails_twice(member: User, subgroup: SubGroup) -> None:
    with pytest.raises(ValidationError, match="allerede med"):
        services.subgroup_join(actor=member, subgroup=subgroup)
    assert SubGroupMembership.objects.filter(subgroup=subgroup, user=member).count() == 1


@pytest.mark.parametrize("role", ["outsider", "pending", "banned"])
def test_subgroup_join_fails_if_user_is_not_a_group_member(
    role: str, request: pytest.FixtureRequest, subgroup: SubGroup
) -> None:
    user = request.getfixturevalue(role)
    with pytest.raises(Http404):
        services.subgroup_join(actor=user, subgroup=subgroup)
    assert not SubGroupMembership.objects.filter(subgroup=subgroup, user=user).exists()


def test_subgroup_request_approve_fails_if_full(
    admin: User, member: User, sub_requester: User, group: Group
) -> None:
    sub = make_subgroup(
        group,
        member_cap=1,
        join_policy=JoinPolicy.REQUEST,
        members=[member],
        pending=[sub_requester],
    )
    sm = SubGroupMembership.objects.get(subgroup=sub, user=sub_requester)

    with pytest.raises(ValidationError, match="Undergruppen er fuld"):
        services.subgroup_request_approve(actor=admin, subgroup=sub, membership_id=sm.pk)
    sm.refresh_from_db()
    assert sm.status == SubGroupMembershipStatus.PENDING


def test_subgroup_request_approve_by_the_facilitator(
    member: User, sub_requester: User, group: Group
) -> None:
    sub = make_subgroup(
        group,
        join_policy=JoinPolicy.REQUEST,
        facilitator=member,
        members=[member],
        pending=[sub_requester],
    )
    sm = SubGroupMembership.objects.get(subgroup=sub, user=sub_requester)

    services.subgroup_request_approve(actor=member, subgroup=sub, membership_id=sm.pk)

    sm.refresh_from_db()
    assert sm.status == SubGroupMembershipStatus.ACTIVE


def test_subgroup_request_approve_fails_for_a_plain_member(
    sub_only: User, sub_requester: User, subgroup: SubGroup
) -> None:
    sm = SubGroupMembership.objects.get(subgroup=subgroup, user=sub_requester)
    with pytest.raises(PermissionDenied):
        services.subgroup_request_approve(actor=sub_only, subgroup=subgroup, membership_id=sm.pk)
    sm.refresh_from_db()
    assert sm.status == SubGroupMembershipStatus.PENDING


def test_subgroup_request_approve_fails_if_already_handled(
    admin: User, sub_requester: User, subgroup: SubGroup
) -> None:
    sm = SubGroupMembership.objects.get(subgroup=subgroup, user=sub_requester)
    services.subgroup_request_approve(actor=admin, subgroup=subgroup, membership_id=sm.pk)
    with pytest.raises(ValidationError, match="allerede behandlet"):
        services.subgroup_request_approve(actor=admin, subgroup=subgroup, membership_id=sm.pk)


def test_subgroup_create_makes_the_facilitator_its_first_member(
    staff: User, member: User, group: Group
) -> None:
    sub = services.subgroup_create(
        actor=staff,
        group=group,
        name="Gåturen",
        member_cap=8,
        join_policy=JoinPolicy.REQUEST,
        facilitator=member,
    )
    assert sub.slug == "gaturen"
    assert list(sub.memberships.values_list("user_id", "status")) == [
        (member.pk, SubGroupMembershipStatus.ACTIVE)
    ]


@pytest.mark.parametrize("who", ["outsider", "pending", "banned"])
def test_subgroup_create_fails_if_facilitator_is_not_a_group_member(
    who: str, request: pytest.FixtureRequest, admin: User, group: Group
) -> None:
    with pytest.raises(ValidationError, match="Facilitatoren skal være medlem"):
        services.subgroup_create(
            actor=admin, group=group, name="Ny", facilitator=request.getfixturevalue(who)
        )
    assert not SubGroup.objects.filter(name="Ny").exists()


def test_subgroup_update_fails_if_facilitator_is_not_a_group_member(
    admin: User, outsider: User, subgroup: SubGroup
) -> None:
    with pytest.raises(ValidationError, match="Facilitatoren skal være medlem"):
        services.subgroup_update(
            actor=admin,
            subgroup=subgroup,
            name="Ny",
            description="",
            member_cap=None,
            join_policy=JoinPolicy.OPEN,
            facilitator=outsider,
        )
    subgroup.refresh_from_db()
    assert subgroup.facilitator is None


@pytest.mark.parametrize("role", ["member", "moderator"])
def test_subgroup_create_fails_for_members_and_moderators(
    role: str, request: pytest.FixtureRequest, group: Group
) -> None:
    with pytest.raises(PermissionDenied):
        services.subgroup_create(actor=request.getfixturevalue(role), group=group, name="Ny")
    assert not SubGroup.objects.filter(name="Ny").exists()


def test_subgroup_create_refuses_an_over_long_name(admin: User, group: Group) -> None:
    with pytest.raises(ValidationError):
        services.subgroup_create(actor=admin, group=group, name="U" * 81)
    assert not SubGroup.objects.filter(group=group).exclude(name__startswith="Mask").exists()


def test_subgroup_update_refuses_a_cap_below_the_current_members(
    admin: User, subgroup: SubGroup
) -> None:
    with pytest.raises(ValidationError, match="allerede 2 medlemmer"):
        services.subgroup_update(
            actor=admin,
            subgroup=subgroup,
            name=subgroup.name,
            description="",
            member_cap=1,
            join_policy=JoinPolicy.OPEN,
            facilitator=None,
        )
    subgroup.refresh_from_db()
    assert subgroup.member_cap is None


def test_subgroup_delete_is_for_group_admins_only(
    staff: User, admin: User, subgroup: SubGroup
) -> None:
    with pytest.raises(PermissionDenied):
        services.subgroup_delete(actor=staff, subgroup=subgroup)
    services.subgroup_delete(actor=admin, subgroup=subgroup)
    assert not SubGroup.objects.filter(pk=subgroup.pk).exists()


def test_subgroup_membership_of_someone_who_left_the_group_does_not_count(
    member: User, subgroup: SubGroup
) -> None:
    from groups import permissions as perms

    assert perms.is_subgroup_member(member, subgroup)
    services.membership_leave(actor=member, group=subgroup.group)
    perms.forget_memberships(member)
    assert not perms.is_subgroup_member(member, subgroup)


# --- sub-group decisions in the group's moderation log ---------------------------------------


def test_subgroup_decisions_are_in_the_moderation_log(
    admin: User, member: User, sub_only: User, sub_requester: User, subgroup: SubGroup
) -> None:
    from moderation.models import AuditEntry

    approved = SubGroupMembership.objects.get(subgroup=subgroup, user=sub_requester)
    services.subgroup_request_approve(actor=admin, subgroup=subgroup, membership_id=approved.pk)
    removed = SubGroupMembership.objects.get(subgroup=subgroup, user=sub_only)
    services.subgroup_member_remove(actor=admin, subgroup=subgroup, membership_id=removed.pk)
    outsider_request = make_user("ny@example.org", "Nina Nysgerrig")
    make_membership(outsider_request, subgroup.group)
    declined = SubGroupMembership.objects.create(
        subgroup=subgroup, user=outsider_request, status=SubGroupMembershipStatus.PENDING
    )
    services.subgroup_member_remove(actor=admin, subgroup=subgroup, membership_id=declined.pk)

    entries = list(
        AuditEntry.objects.filter(group=subgroup.group)
        .order_by("id")
        .values_list("action", "actor_id", "target_name", "detail")
    )
    assert entries == [
        ("sub_approve", admin.pk, sub_requester.display_name, subgroup.name),
        ("sub_remove", admin.pk, sub_only.display_name, subgroup.name),
        ("sub_decline", admin.pk, "Nina Nysgerrig", subgroup.name),
    ]


def test_a_refused_subgroup_decision_leaves_no_log_row(
    sub_only: User, sub_requester: User, subgroup: SubGroup
) -> None:
    from moderation.models import AuditEntry

    sm = SubGroupMembership.objects.get(subgroup=subgroup, user=sub_requester)
    with pytest.raises(PermissionDenied):
        services.subgroup_member_remove(actor=sub_only, subgroup=subgroup, membership_id=sm.pk)
    assert not AuditEntry.objects.filter(group=subgroup.group).exists()
