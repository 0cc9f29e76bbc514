"""Who is told what (notifications.receivers), through the services people use."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from groups import services as group_services
from groups.models import Group, SubGroup
from moderation import services as mod_services
from moderation.models import Case, FlagReason
from notifications import selectors, services
from notifications.models import Follow, Kind, Level, Notification
from posts import services as post_services
from posts.models import ContentState
from tests.conftest import make_membership, make_user

pytestmark = pytest.mark.django_db


def told(user: User, kind: str | None = None) -> list[Notification]:
    rows = Notification.objects.filter(recipient=user)
    if kind is not None:
        rows = rows.filter(kind=kind)
    return list(rows)


def hold_new_members_posts(admin: User, group: Group) -> None:
    """New members' first five posts wait for a moderator."""
    mod_services.settings_update(
        actor=admin,
        group=group,
        flag_threshold=3,
        hold_first_posts=5,
        held_keywords="",
        concern_help_text="",
    )


@pytest.fixture
def writer(group: Group) -> User:
    user = make_user("writer@example.org", "Vera Skribent")
    make_membership(user, group)
    return user


def test_a_comment_on_my_post_is_a_reply_to_me_and_not_to_the_commenter(
    writer: User, member: User, group: Group
) -> None:
    post = post_services.post_create(actor=writer, group=group, body="Ugens gåtur")
    comment = post_services.comment_create(actor=member, post=post, body="Jeg går med!")

    [n] = told(writer)
    assert (n.kind, n.post, n.comment, n.actor) == (Kind.REPLY, post, comment, member)
    assert told(member) == []  # nothing about one's own actions


def test_a_reply_to_my_comment_tells_me_and_the_post_author(
    writer: User, member: User, staff: User, group: Group
) -> None:
    post = post_services.post_create(actor=writer, group=group, body="Ugens bog")
    mine = post_services.comment_create(actor=member, post=post, body="Jeg læser Krimi")
    post_services.comment_create(actor=staff, post=post, body="God idé", parent_id=mine.pk)

    assert [n.kind for n in told(member)] == [Kind.REPLY]
    writer_rows = told(writer, Kind.REPLY)
    assert len(writer_rows) == 1 and writer_rows[0].count == 2  # grouped on the post


def test_followers_hear_of_new_comments_and_can_stop_following(
    writer: User, member: User, staff: User, moderator: User, group: Group
) -> None:
    post = post_services.post_create(actor=writer, group=group, body="Opskrifter")
    post_services.comment_create(actor=member, post=post, body="Æblekage!")  # member follows
    post_services.comment_create(actor=staff, post=post, body="Boller!")
    assert [n.kind for n in told(member)] == [Kind.COMMENT]

    services.follow_set(actor=member, post=post, following=False)
    post_services.comment_create(actor=moderator, post=post, body="Suppe!")
    assert told(member, Kind.COMMENT)[0].count == 1  # not told again
    assert Follow.objects.get(user=member, post=post).following is False


def test_grouped_comments_read_as_one_row_with_a_count(
    writer: User, member: User, staff: User, moderator: User, group: Group
) -> None:
    post = post_services.post_create(actor=writer, group=group, body="Strik")
    for who, text in ((member, "a"), (staff, "b"), (moderator, "c")):
        post_services.comment_create(actor=who, post=post, body=text)

    [n] = told(writer)
    assert (n.count, n.actor) == (3, moderator)
    assert Notification.objects.filter(recipient=writer).count() == 1


def test_reading_ends_a_group_and_the_next_event_starts_a_new_row(
    writer: User, member: User, staff: User, group: Group
) -> None:
    post = post_services.post_create(actor=writer, group=group, body="Strik")
    post_services.comment_create(actor=member, post=post, body="a")
    services.notifications_read_all(actor=writer)
    post_services.comment_create(actor=staff, post=post, body="b")

    rows = sorted(told(writer), key=lambda n: n.pk)
    assert [(n.count, n.read_at is None) for n in rows] == [(1, False), (1, True)]
    assert selectors.unread_count(writer) == 1


def test_a_mention_tells_the_member_named(writer: User, member: User, group: Group) -> None:
    post = post_services.post_create(
        actor=writer, group=group, body=f"Hej @{member.display_name}, kommer du?"
    )
    [n] = told(member)
    assert (n.kind, n.post) == (Kind.MENTION, post)


def test_reactions_are_grouped_and_never_about_ones_own(
    writer: User, member: User, staff: User, moderator: User, group: Group
) -> None:
    post = post_services.post_create(actor=writer, group=group, body="Solopgang")
    post_services.reaction_set(actor=writer, post=post, comment=None, kind="love")
    for who in (member, staff, moderator):
        post_services.reaction_set(actor=who, post=post, comment=None, kind="like")

    [n] = told(writer)
    assert (n.kind, n.count, n.actor) == (Kind.REACTION, 3, moderator)


def test_level_alt_tells_of_every_new_post_and_the_group_default_reaches_all_who_did_not_choose(
    writer: User, member: User, staff: User, admin: User, group: Group
) -> None:
    services.level_set(actor=member, group=group, level=Level.ALL)
    post_services.post_create(actor=writer, group=group, body="Første")
    assert [n.kind for n in told(member)] == [Kind.NEW_POST]
    assert told(staff, Kind.NEW_POST) == []

    # The administrator changes the default: staff (no own choice) now hear all.
    services.group_default_set(actor=admin, group=group, level=Level.ALL)
    services.level_set(actor=member, group=group, level=Level.OFF)
    post_services.post_create(actor=writer, group=group, body="Andet")
    assert len(told(staff, Kind.NEW_POST)) == 1
    assert len(told(member, Kind.NEW_POST)) == 1  # "Fra": nothing more


def test_level_only_mentions_and_off(writer: User, member: User, staff: User, group: Group) -> None:
    services.level_set(actor=writer, group=group, level=Level.MENTIONS)
    post = post_services.post_create(actor=writer, group=group, body="Stille opslag")
    post_services.comment_create(actor=member, post=post, body="Svar")
    post_services.comment_create(actor=staff, post=post, body=f"@{writer.display_name} se her")
    assert [n.kind for n in told(writer)] == [Kind.MENTION]

    services.level_set(actor=writer, group=group, level=Level.OFF)
    post_services.comment_create(actor=staff, post=post, body=f"@{writer.display_name} igen")
    assert len(told(writer)) == 1


def test_a_subgroup_post_reaches_only_those_who_can_read_the_subgroup(
    group: Group, subgroup: SubGroup, member: User, staff: User, sub_only: User
) -> None:
    # member is in the sub-group; staff is not (and cannot read it).
    services.level_set(actor=member, group=group, level=Level.ALL)
    services.level_set(actor=staff, group=group, level=Level.ALL)
    post_services.post_create(actor=sub_only, group=group, subgroup=subgroup, body="Strikkeaften")
    assert len(told(member, Kind.NEW_POST)) == 1
    assert told(staff) == []


def test_a_former_member_is_not_told(writer: User, member: User, group: Group) -> None:
    post = post_services.post_create(actor=writer, group=group, body="Farvel?")
    group_services.membership_leave(actor=writer, group=group)
    post_services.comment_create(actor=member, post=post, body="Savner dig")
    assert told(writer) == []


def test_join_request_and_decision(outsider: User, admin: User, group: Group, staff: User) -> None:
    membership = group_services.membership_request(
        actor=outsider,
        group=group,
        answers=["Jeg vil gerne møde folk.", "Fra avisen."],
        accept_rules=True,
    )
    assert [n.kind for n in told(admin)] == [Kind.JOIN_REQUEST]
    assert told(staff) == []
    group_services.membership_approve(
        actor=admin, group=group, membership_id=membership.pk, message="Velkommen til!"
    )
    [n] = told(outsider)
    assert (n.kind, n.object_id, n.text) == (Kind.JOIN_DECIDED, 1, "Velkommen til!")


def test_a_concern_reaches_the_whole_team_and_not_the_reporter(
    writer: User, member: User, staff: User, moderator: User, admin: User, group: Group
) -> None:
    post = post_services.post_create(actor=writer, group=group, body="Jeg orker ikke mere")
    mod_services.flag_create(actor=member, post=post, reason=FlagReason.CONCERN)
    for person in (staff, moderator, admin):
        assert [n.kind for n in told(person)] == [Kind.CONCERN], person
    assert told(member) == []
    assert Notification.objects.get(recipient=staff).actor is None  # the reporter stays hidden


def test_a_new_case_reaches_moderators_and_the_outcome_reaches_the_author(
    writer: User, member: User, staff: User, moderator: User, admin: User, group: Group
) -> None:
    post = post_services.post_create(actor=writer, group=group, body="Køb billige ure")
    mod_services.flag_create(actor=member, post=post, reason=FlagReason.SPAM)
    assert [n.kind for n in told(moderator)] == [Kind.CASE]
    assert told(staff) == []
    case = Case.objects.get(post=post)
    mod_services.case_decide(actor=moderator, group=group, case_id=case.pk, decision="remove")
    assert Kind.MODERATION in [n.kind for n in told(writer)]


def test_a_hidden_post_disappears_from_the_centre(
    writer: User, member: User, moderator: User, group: Group
) -> None:
    post = post_services.post_create(actor=writer, group=group, body="Hej")
    post_services.comment_create(actor=member, post=post, body="Hej med dig")
    page, rows = selectors.centre_page(viewer=writer, page=1)
    assert len(rows) == 1
    post_services.post_set_state(post=post, state=ContentState.HIDDEN, actor=moderator)
    page, rows = selectors.centre_page(viewer=writer, page=1)
    assert rows == []


def test_a_held_post_tells_nobody_until_it_is_visible(
    writer: User, member: User, admin: User, group: Group
) -> None:
    hold_new_members_posts(admin, group)
    services.level_set(actor=member, group=group, level=Level.ALL)
    post_services.post_create(actor=writer, group=group, body=f"Hej @{member.display_name}")
    assert told(member) == []


def test_prune_deletes_old_read_rows_only(writer: User, member: User, group: Group) -> None:
    post = post_services.post_create(actor=writer, group=group, body="Hej")
    post_services.comment_create(actor=member, post=post, body="a")
    services.notifications_read_all(actor=writer)
    Notification.objects.update(read_at=timezone.now() - timedelta(days=91))
    unread_post = post_services.post_create(actor=member, group=group, body="b")
    post_services.comment_create(actor=writer, post=unread_post, body="c")
    assert services.notifications_prune() == 1
    assert Notification.objects.filter(recipient=member).count() == 1


def test_a_held_post_approved_by_a_moderator_tells_then(
    writer: User, member: User, admin: User, moderator: User, group: Group
) -> None:
    hold_new_members_posts(admin, group)
    post = post_services.post_create(actor=writer, group=group, body=f"Hej @{member.display_name}")
    assert told(member) == []
    case = Case.objects.get(post=post)
    mod_services.case_decide(actor=moderator, group=group, case_id=case.pk, decision="approve")
    assert [n.kind for n in told(member)] == [Kind.MENTION]
