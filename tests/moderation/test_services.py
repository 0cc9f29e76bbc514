"""The rules of moderation/services.py (and what posts and groups do for it),
one rule per test."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from groups import services as group_services
from groups.models import Group, Membership, MembershipStatus, Role
from moderation import selectors, services
from moderation.models import (
    AuditAction,
    AuditEntry,
    Case,
    CaseState,
    Flag,
    FlagReason,
    HeldReason,
    ModerationSettings,
    Notice,
)
from posts import selectors as post_selectors
from posts import services as post_services
from posts.models import Comment, ContentState, FeedEvent, Post
from tests.conftest import make_group, make_membership, make_user

from .conftest import flag, open_case


def feed_ids(viewer: Any, group: Group) -> list[int]:
    return [p.pk for p in post_selectors.feed(viewer=viewer, group=group).posts]


def visible_comment_ids(viewer: Any, post: Post) -> list[int]:
    detail = post_selectors.post_detail(viewer=viewer, group=post.group, post_id=post.pk)
    return [c.pk for c in detail.thread]  # type: ignore[attr-defined]


# --- flags ----------------------------------------------------------------------------


def test_flag_create_opens_one_case_with_the_flag(post: Post, member: User) -> None:
    result = flag(member, post, reason=FlagReason.SPAM, note="Reklame for et kasino")
    case = open_case(post)
    assert result.flag.case == case
    assert (case.flag_count, case.has_concern, case.author_id) == (1, False, post.author_id)
    assert Flag.objects.get().note == "Reklame for et kasino"


def test_flag_create_fails_the_second_time_for_the_same_person(post: Post, member: User) -> None:
    flag(member, post)
    with pytest.raises(ValidationError, match="allerede anmeldt"):
        flag(member, post, reason=FlagReason.SPAM)
    assert Flag.objects.count() == 1


def test_flag_create_fails_on_own_content(post: Post, author: User) -> None:
    with pytest.raises(ValidationError, match="eget"):
        flag(author, post)
    assert not Case.objects.exists()


def test_flag_create_fails_on_unknown_reason(post: Post, member: User) -> None:
    with pytest.raises(ValidationError, match="grundene"):
        flag(member, post, reason="boring")
    assert not Case.objects.exists()


def test_flag_create_fails_on_a_note_of_100000_characters(post: Post, member: User) -> None:
    with pytest.raises(ValidationError, match="for lang"):
        flag(member, post, reason=FlagReason.OTHER, note="x" * 100_000)
    assert not Flag.objects.exists() and not Case.objects.exists()


def test_flag_create_other_needs_a_note(post: Post, member: User) -> None:
    with pytest.raises(ValidationError, match="Andet"):
        flag(member, post, reason=FlagReason.OTHER, note="  ")


def test_flag_create_fails_on_removed_content(post: Post, member: User, author: User) -> None:
    post_services.post_delete(actor=author, post=post)
    post.refresh_from_db()
    with pytest.raises(ValidationError, match="allerede fjernet"):
        flag(member, post)
    assert not Case.objects.exists()


def test_flag_create_is_404_for_an_outsider(post: Post, outsider: User) -> None:
    with pytest.raises(Http404):
        flag(outsider, post)


def test_flag_create_is_rate_limited(group: Group, member: User, author: User) -> None:
    posts = [
        post_services.post_create(actor=author, group=group, body=f"Nr {i}") for i in range(21)
    ]
    for p in posts[:20]:
        flag(member, p, reason=FlagReason.SPAM)
    with pytest.raises(ValidationError, match="mange"):
        flag(member, posts[20], reason=FlagReason.SPAM)
    assert Flag.objects.count() == 20


def test_flag_create_rate_limit_counts_only_the_last_hour(
    group: Group, member: User, author: User
) -> None:
    posts = [
        post_services.post_create(actor=author, group=group, body=f"Nr {i}") for i in range(21)
    ]
    for p in posts[:20]:
        flag(member, p, reason=FlagReason.SPAM)
    Flag.objects.update(created_at=timezone.now() - timedelta(hours=2))
    flag(member, posts[20], reason=FlagReason.SPAM)


# --- thresholds ------------------------------------------------------------------------


def test_post_is_hidden_when_flags_from_distinct_members_reach_the_threshold(
    group: Group, post: Post, flaggers: list[User], member: User, author: User
) -> None:
    flag(flaggers[0], post)
    flag(flaggers[1], post, reason=FlagReason.SPAM)
    post.refresh_from_db()
    assert post.state == ContentState.VISIBLE
    assert post.pk in feed_ids(member, group)
    flag(flaggers[2], post, reason=FlagReason.HATE)
    post.refresh_from_db()
    assert post.state == ContentState.HIDDEN
    assert post.pk not in feed_ids(member, group)
    # Its author still sees it, marked.
    assert post.pk in feed_ids(author, group)
    case = open_case(post)
    assert case.auto_hidden and case.flag_count == 3
    assert AuditEntry.objects.filter(action=AuditAction.AUTO_HIDE, actor=None).count() == 1
    notice = Notice.objects.get(user=author)
    assert notice.action == AuditAction.AUTO_HIDE


def test_the_same_member_cannot_count_twice_toward_the_threshold(
    post: Post, flaggers: list[User]
) -> None:
    flag(flaggers[0], post)
    flag(flaggers[1], post)
    with pytest.raises(ValidationError):
        flag(flaggers[1], post, reason=FlagReason.SPAM)
    post.refresh_from_db()
    assert post.state == ContentState.VISIBLE


def test_concern_flags_never_hide_and_do_not_count(
    group: Group, post: Post, flaggers: list[User]
) -> None:
    for person in flaggers[:4]:
        flag(person, post, reason=FlagReason.CONCERN)
    post.refresh_from_db()
    assert post.state == ContentState.VISIBLE
    flag(flaggers[4], post)
    post.refresh_from_db()
    assert post.state == ContentState.VISIBLE
    assert open_case(post).has_concern


def test_the_threshold_is_a_group_setting(
    group: Group, post: Post, flaggers: list[User], admin: User
) -> None:
    services.settings_update(
        actor=admin,
        group=group,
        flag_threshold=1,
        hold_first_posts=0,
        held_keywords="",
        concern_help_text="",
    )
    flag(flaggers[0], post)
    post.refresh_from_db()
    assert post.state == ContentState.HIDDEN


def test_a_comment_is_hidden_at_the_threshold_and_the_count_follows(
    group: Group, post: Post, comment: Comment, flaggers: list[User], outsider: User, staff: User
) -> None:
    for person in flaggers[:3]:
        flag(person, post, comment)
    comment.refresh_from_db()
    post.refresh_from_db()
    assert comment.state == ContentState.HIDDEN
    assert post.comment_count == 0
    assert comment.pk not in visible_comment_ids(staff, post)
    assert comment.pk in visible_comment_ids(comment.author, post)
    assert FeedEvent.objects.filter(kind="comment.hidden", comment_ref=comment.pk).exists()


def test_concern_flag_mails_staff_moderators_and_admins_after_commit(
    group: Group,
    post: Post,
    member: User,
    staff: User,
    moderator: User,
    admin: User,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        result = flag(member, post, reason=FlagReason.CONCERN)
        assert mailoutbox == []  # nothing before commit
    assert result.concern and "112" in result.help_text
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [staff.email, moderator.email, admin.email]
    )
    # The e-mail does not carry what the fragile member wrote.
    assert all(post.body not in m.body for m in mailoutbox)
    assert "Bekymring" in mailoutbox[0].subject


def test_concern_help_text_is_the_groups_own(
    group: Group, post: Post, member: User, admin: User
) -> None:
    services.settings_update(
        actor=admin,
        group=group,
        flag_threshold=3,
        hold_first_posts=0,
        held_keywords="",
        concern_help_text="Ring til Livslinien på 70 201 201.",
    )
    result = flag(member, post, reason=FlagReason.CONCERN)
    assert result.help_text == "Ring til Livslinien på 70 201 201."


def test_concern_cases_come_first_in_the_queue(
    group: Group, author: User, flaggers: list[User], moderator: User
) -> None:
    first = post_services.post_create(actor=author, group=group, body="Første")
    second = post_services.post_create(actor=author, group=group, body="Andet")
    flag(flaggers[0], first, reason=FlagReason.CONCERN)
    flag(flaggers[0], second, reason=FlagReason.SPAM)
    page = selectors.queue(viewer=moderator, group=group)
    assert [c.post_id for c in page.object_list] == [first.pk, second.pk]
    counts = selectors.queue_counts(group)
    assert (counts.open, counts.concern) == (2, 1)


def test_staff_see_only_concern_cases(
    group: Group, author: User, flaggers: list[User], staff: User
) -> None:
    first = post_services.post_create(actor=author, group=group, body="Første")
    second = post_services.post_create(actor=author, group=group, body="Andet")
    flag(flaggers[0], first, reason=FlagReason.CONCERN)
    flag(flaggers[0], second, reason=FlagReason.SPAM)
    page = selectors.queue(viewer=staff, group=group)
    assert [c.post_id for c in page.object_list] == [first.pk]


# --- held for approval ------------------------------------------------------------------


def set_settings(group: Group, **fields: Any) -> None:
    ModerationSettings.objects.update_or_create(group=group, defaults=fields)


def test_a_new_members_first_posts_are_held_until_approved(
    group: Group, author: User, member: User, moderator: User
) -> None:
    set_settings(group, hold_first_posts=1)
    held = post_services.post_create(actor=author, group=group, body="Hej alle sammen")
    assert held.state == ContentState.PENDING
    assert held.pk not in feed_ids(member, group)
    assert held.pk in feed_ids(author, group)
    assert held.pk in feed_ids(moderator, group)
    case = open_case(held)
    assert case.held_reason == HeldReason.NEW_MEMBER
    assert not FeedEvent.objects.filter(post_ref=held.pk).exists()
    second = post_services.post_create(actor=author, group=group, body="Og igen")
    assert second.state == ContentState.VISIBLE

    services.case_approve(actor=moderator, group=group, case_id=case.pk)
    held.refresh_from_db()
    assert held.state == ContentState.VISIBLE
    assert held.pk in feed_ids(member, group)
    assert FeedEvent.objects.filter(post_ref=held.pk, kind="post.shown").exists()
    assert Notice.objects.get(user=author).action == AuditAction.APPROVE


def test_keyword_hits_are_held_for_posts_and_comments(
    group: Group, post: Post, member: User, author: User
) -> None:
    set_settings(group, held_keywords="kasino\ngratis penge")
    held = post_services.post_create(actor=member, group=group, body="Prøv vores KASINO nu")
    assert held.state == ContentState.PENDING
    assert open_case(held).held_reason == HeldReason.KEYWORD
    c = post_services.comment_create(actor=member, post=post, body="Få gratis penge her")
    assert c.state == ContentState.PENDING
    post.refresh_from_db()
    assert post.comment_count == 0
    assert open_case(post, c).held_reason == HeldReason.KEYWORD
    # Whole words only.
    fine = post_services.post_create(actor=member, group=group, body="Kasinoet i byen lukker")
    assert fine.state == ContentState.VISIBLE


def test_staff_posts_are_never_held(group: Group, staff: User) -> None:
    set_settings(group, hold_first_posts=5, held_keywords="kasino")
    p = post_services.post_create(actor=staff, group=group, body="Ingen kasino her")
    assert p.state == ContentState.VISIBLE


def test_approving_a_held_comment_shows_it_and_counts_it(
    group: Group, post: Post, member: User, moderator: User, staff: User
) -> None:
    set_settings(group, held_keywords="kasino")
    c = post_services.comment_create(actor=member, post=post, body="kasino")
    assert c.pk not in visible_comment_ids(staff, post)
    services.case_approve(actor=moderator, group=group, case_id=open_case(post, c).pk)
    post.refresh_from_db()
    assert post.comment_count == 1
    assert c.pk in visible_comment_ids(staff, post)


# --- decisions and their audit rows -----------------------------------------------------------


@pytest.fixture
def hidden_case(post: Post, flaggers: list[User]) -> Case:
    for person in flaggers[:3]:
        flag(person, post)
    return open_case(post)


def test_approve_dismisses_the_flags_shows_the_post_and_logs(
    group: Group, post: Post, hidden_case: Case, moderator: User, member: User, author: User
) -> None:
    services.case_approve(actor=moderator, group=group, case_id=hidden_case.pk, reason="Fint nok")
    post.refresh_from_db()
    hidden_case.refresh_from_db()
    assert post.state == ContentState.VISIBLE
    assert post.pk in feed_ids(member, group)
    assert hidden_case.state == CaseState.RESOLVED and hidden_case.resolved_by == moderator
    entry = AuditEntry.objects.get(action=AuditAction.APPROVE)
    assert (entry.actor, entry.target_user, entry.reason, entry.post_ref) == (
        moderator,
        author,
        "Fint nok",
        post.pk,
    )
    assert Notice.objects.filter(user=author, action=AuditAction.APPROVE).exists()


def test_hide_keeps_it_hidden_and_tells_the_author(
    group: Group, post: Post, hidden_case: Case, moderator: User, author: User
) -> None:
    services.case_hide(actor=moderator, group=group, case_id=hidden_case.pk, reason="Uvenligt")
    post.refresh_from_db()
    assert post.state == ContentState.HIDDEN
    assert AuditEntry.objects.get(action=AuditAction.HIDE).reason == "Uvenligt"
    assert Notice.objects.get(user=author, action=AuditAction.HIDE).reason == "Uvenligt"


def test_remove_removes_it_for_everyone(
    group: Group, post: Post, hidden_case: Case, admin: User, author: User
) -> None:
    services.case_remove(actor=admin, group=group, case_id=hidden_case.pk)
    post.refresh_from_db()
    assert post.state == ContentState.REMOVED
    assert post.pk not in feed_ids(author, group)
    assert AuditEntry.objects.filter(action=AuditAction.REMOVE, actor=admin).exists()


def test_warn_sends_the_author_the_message(
    group: Group, post: Post, member: User, moderator: User, author: User
) -> None:
    flag(member, post)
    case = open_case(post)
    services.author_warn(actor=moderator, group=group, case_id=case.pk, reason="Husk at tale pænt.")
    post.refresh_from_db()
    assert post.state == ContentState.VISIBLE
    assert AuditEntry.objects.get(action=AuditAction.WARN).target_user == author
    assert Notice.objects.get(user=author, action=AuditAction.WARN).reason == "Husk at tale pænt."


def test_mute_pauses_the_author_for_n_days_and_blocks_writes(
    group: Group, post: Post, hidden_case: Case, moderator: User, author: User
) -> None:
    services.case_decide(
        actor=moderator,
        group=group,
        case_id=hidden_case.pk,
        decision="hide",
        author_action="mute",
        mute_days=3,
        reason="En pause",
    )
    m = Membership.objects.get(user=author, group=group)
    assert m.muted_until is not None
    assert timedelta(days=2, hours=23) < m.muted_until - timezone.now() <= timedelta(days=3)
    assert AuditEntry.objects.get(action=AuditAction.MUTE).reason == "En pause"
    notice = Notice.objects.get(user=author, action=AuditAction.MUTE)
    assert notice.until == m.muted_until
    other = post_services.post_create(actor=moderator, group=group, body="Et andet opslag")
    author.refresh_from_db()
    with pytest.raises(ValidationError, match="pause"):
        post_services.post_create(actor=author, group=group, body="Nu skriver jeg igen")
    with pytest.raises(ValidationError, match="pause"):
        post_services.comment_create(actor=author, post=other, body="Og en kommentar")
    with pytest.raises(ValidationError, match="pause"):
        post_services.reaction_set(actor=author, post=other, kind="like")
    # Flags are not writing: a paused member may still say something is wrong.
    flag(author, other, reason=FlagReason.CONCERN)


def test_remove_member_from_the_queue(
    group: Group, post: Post, hidden_case: Case, moderator: User, author: User
) -> None:
    services.author_remove(actor=moderator, group=group, case_id=hidden_case.pk, reason="Spam")
    assert not Membership.objects.filter(user=author, group=group).exists()
    assert AuditEntry.objects.get(action=AuditAction.MEMBER_REMOVE).actor == moderator
    assert Notice.objects.filter(user=author, action=AuditAction.MEMBER_REMOVE).exists()
    post.refresh_from_db()
    assert post.state == ContentState.REMOVED


def test_ban_from_the_queue(
    group: Group, post: Post, hidden_case: Case, admin: User, author: User
) -> None:
    services.author_ban(actor=admin, group=group, case_id=hidden_case.pk, reason="Hadefuldt")
    assert Membership.objects.get(user=author, group=group).status == MembershipStatus.BANNED
    assert AuditEntry.objects.get(action=AuditAction.MEMBER_BAN).reason == "Hadefuldt"


def test_a_moderator_cannot_ban_staff_and_nothing_is_half_done(
    group: Group, staff: User, flaggers: list[User], moderator: User
) -> None:
    p = post_services.post_create(actor=staff, group=group, body="Medarbejderens opslag")
    for person in flaggers[:3]:
        flag(person, p)
    case = open_case(p)
    with pytest.raises(ValidationError, match="administrator"):
        services.author_ban(actor=moderator, group=group, case_id=case.pk)
    p.refresh_from_db()
    case.refresh_from_db()
    assert p.state == ContentState.HIDDEN  # not removed: the decision was refused whole
    assert case.state == CaseState.OPEN
    assert not AuditEntry.objects.filter(action=AuditAction.REMOVE).exists()
    assert Membership.objects.get(user=staff, group=group).status == MembershipStatus.ACTIVE


def test_the_second_decision_on_a_case_is_refused(
    group: Group, post: Post, hidden_case: Case, moderator: User, admin: User
) -> None:
    services.case_approve(actor=moderator, group=group, case_id=hidden_case.pk)
    with pytest.raises(ValidationError, match="allerede afgjort"):
        services.case_remove(actor=admin, group=group, case_id=hidden_case.pk)
    post.refresh_from_db()
    assert post.state == ContentState.VISIBLE
    assert AuditEntry.objects.filter(action=AuditAction.APPROVE).count() == 1
    assert not AuditEntry.objects.filter(action=AuditAction.REMOVE).exists()


def test_a_case_of_another_group_is_refused(
    group: Group, hidden_case: Case, admin: User, post: Post
) -> None:
    other = make_group(admin=admin)
    with pytest.raises(ValidationError, match="findes ikke"):
        services.case_remove(actor=admin, group=other, case_id=hidden_case.pk)
    post.refresh_from_db()
    assert post.state == ContentState.HIDDEN


def test_a_member_cannot_decide(group: Group, hidden_case: Case, member: User) -> None:
    with pytest.raises(PermissionDenied):
        services.case_approve(actor=member, group=group, case_id=hidden_case.pk)
    with pytest.raises(Http404):  # an outsider may not learn the group's queue exists
        services.case_approve(actor=make_user(), group=group, case_id=hidden_case.pk)


def test_staff_cannot_decide(group: Group, hidden_case: Case, staff: User) -> None:
    with pytest.raises(PermissionDenied):
        services.case_hide(actor=staff, group=group, case_id=hidden_case.pk)


def test_unknown_decision_and_too_long_reason_are_refused(
    group: Group, hidden_case: Case, moderator: User
) -> None:
    with pytest.raises(ValidationError):
        services.case_decide(actor=moderator, group=group, case_id=hidden_case.pk, decision="x")
    with pytest.raises(ValidationError, match="for lang"):
        services.case_approve(
            actor=moderator, group=group, case_id=hidden_case.pk, reason="x" * 100_000
        )
    with pytest.raises(ValidationError, match="dage"):
        services.case_decide(
            actor=moderator,
            group=group,
            case_id=hidden_case.pk,
            decision="hide",
            author_action="mute",
            mute_days=400,
        )
    hidden_case.refresh_from_db()
    assert hidden_case.state == CaseState.OPEN


def test_bulk_decides_several_and_reports_the_ones_handled_already(
    group: Group, author: User, flaggers: list[User], moderator: User
) -> None:
    posts = [post_services.post_create(actor=author, group=group, body=f"Nr {i}") for i in range(3)]
    for p in posts:
        flag(flaggers[0], p)
    cases = [open_case(p) for p in posts]
    services.case_approve(actor=moderator, group=group, case_id=cases[0].pk)
    result = services.cases_decide_bulk(
        actor=moderator, group=group, case_ids=[c.pk for c in cases], decision="remove"
    )
    assert result.done == 2 and len(result.refused) == 1
    assert [Post.objects.get(pk=p.pk).state for p in posts] == [
        ContentState.VISIBLE,
        ContentState.REMOVED,
        ContentState.REMOVED,
    ]


def test_flags_after_approval_open_a_new_case(
    group: Group, post: Post, hidden_case: Case, moderator: User, member: User
) -> None:
    services.case_approve(actor=moderator, group=group, case_id=hidden_case.pk)
    flag(member, post)
    new = open_case(post)
    assert new.pk != hidden_case.pk and new.flag_count == 1


def test_decisions_publish_queue_changes_only_after_commit(
    group: Group,
    post: Post,
    hidden_case: Case,
    moderator: User,
    in_memory_channel_layer: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    import asyncio

    from asgiref.sync import async_to_sync

    from sammen.events import moderation_channel_name

    layer = in_memory_channel_layer
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(moderation_channel_name(group.pk), channel)

    async def receive() -> Any:
        try:
            return await asyncio.wait_for(layer.receive(channel), 0.2)
        except TimeoutError:
            return None

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.case_approve(actor=moderator, group=group, case_id=hidden_case.pk)
    assert async_to_sync(receive)() is None  # decided, not yet committed: no signal
    for callback in callbacks:
        callback()
    message = async_to_sync(receive)()
    assert message is not None and message["event"] == "moderation.changed"


# --- groups writes its membership decisions to the log -----------------------------------------


def test_groups_services_write_membership_decisions_and_role_changes_to_the_log(
    group: Group, admin: User, pending: User, member: User
) -> None:
    m = Membership.objects.get(user=pending, group=group)
    group_services.membership_approve(
        actor=admin, group=group, membership_id=m.pk, message="Velkommen"
    )
    group_services.membership_set_role(
        actor=admin, group=group, user_id=member.pk, role=Role.MODERATOR
    )
    group_services.membership_ban(actor=admin, group=group, user_id=pending.pk, reason="Spam")
    group_services.membership_unban(actor=admin, group=group, user_id=pending.pk)
    actions = list(
        AuditEntry.objects.filter(group=group).order_by("id").values_list("action", flat=True)
    )
    assert actions == ["member_approve", "role_change", "member_ban", "member_unban"]
    role = AuditEntry.objects.get(action="role_change")
    assert role.target_user == member and "Moderator" in role.detail


def test_a_moderator_may_mute_an_ordinary_member_but_not_an_admin(
    group: Group, moderator: User, member: User, admin: User
) -> None:
    until = timezone.now() + timedelta(days=1)
    group_services.membership_mute(actor=moderator, group=group, user_id=member.pk, until=until)
    with pytest.raises(PermissionDenied):
        group_services.membership_mute(actor=moderator, group=group, user_id=admin.pk, until=until)


def test_a_member_may_not_mute_remove_or_ban(group: Group, member: User, author: User) -> None:
    with pytest.raises(PermissionDenied):
        group_services.membership_mute(
            actor=member, group=group, user_id=author.pk, until=timezone.now()
        )
    with pytest.raises(PermissionDenied):
        group_services.membership_remove(actor=member, group=group, user_id=author.pk)
    with pytest.raises(PermissionDenied):
        group_services.membership_ban(actor=member, group=group, user_id=author.pk)


def test_notice_dismiss_only_by_its_owner(
    group: Group, post: Post, hidden_case: Case, author: User, member: User
) -> None:
    notice = Notice.objects.get(user=author)
    with pytest.raises(ValidationError):
        services.notice_dismiss(actor=member, notice_id=notice.pk)
    services.notice_dismiss(actor=author, notice_id=notice.pk)
    assert selectors.notices_for(author) == []


def test_settings_update_is_for_admins_and_logged(
    group: Group, admin: User, moderator: User
) -> None:
    with pytest.raises(PermissionDenied):
        services.settings_update(
            actor=moderator,
            group=group,
            flag_threshold=2,
            hold_first_posts=0,
            held_keywords="",
            concern_help_text="",
        )
    with pytest.raises(ValidationError):
        services.settings_update(
            actor=admin,
            group=group,
            flag_threshold=0,
            hold_first_posts=0,
            held_keywords="",
            concern_help_text="",
        )
    services.settings_update(
        actor=admin,
        group=group,
        flag_threshold=2,
        hold_first_posts=1,
        held_keywords=" kasino \n\n",
        concern_help_text="Ring 112",
    )
    row = ModerationSettings.objects.get(group=group)
    assert (row.flag_threshold, row.hold_first_posts, row.keywords) == (2, 1, ["kasino"])
    assert AuditEntry.objects.filter(action=AuditAction.SETTINGS, actor=admin).exists()


def test_author_history_in_the_queue(
    group: Group, post: Post, hidden_case: Case, moderator: User, author: User
) -> None:
    services.case_hide(actor=moderator, group=group, case_id=hidden_case.pk, reason="Nej")
    again = post_services.post_create(actor=author, group=group, body="Igen")
    flag(moderator, again)
    case = selectors.queue(viewer=moderator, group=group).object_list[0]
    assert case.history.earlier_cases == 1
    assert case.history.joined_at is not None
    assert AuditAction.HIDE in [e.action for e in case.history.entries]


_ = (Comment, make_membership)


def test_author_history_keeps_the_last_five_rows_per_author(
    group: Group, author: User, member: User, admin: User
) -> None:
    from moderation import audit

    for i in range(8):
        audit.record(
            group=group,
            actor=admin,
            action=AuditAction.WARN,
            target_user_id=author.pk,
            reason=f"Advarsel {i}",
        )
    audit.record(group=group, actor=admin, action=AuditAction.WARN, target_user_id=member.pk)
    histories = selectors.author_histories(group, [author.pk, member.pk])
    assert [e.reason for e in histories[author.pk].entries] == [
        f"Advarsel {i}" for i in (7, 6, 5, 4, 3)
    ]
    assert len(histories[member.pk].entries) == 1
