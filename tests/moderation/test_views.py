"""Every moderation URL for every role, bad input through the views, and the
query count of the queue page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from groups.models import Group
from moderation.models import AuditAction, AuditEntry, Case, CaseState, Flag, FlagReason, Notice
from posts import services as post_services
from posts.models import Comment, ContentState, Post
from tests.conftest import (
    LOGIN,
    ROLES,
    MatrixRow,
    assert_answer,
    make_group,
    make_membership,
    make_user,
    matrix_params,
)

from .conftest import flag, open_case

NOTE = "Hemmelig anmeldelsesnote om Kirsten"


@pytest.fixture
def world(
    everyone: dict[str, User | None], post: Post, comment: Comment, flaggers: list[User]
) -> dict[str, Any]:
    flag(flaggers[0], post, reason=FlagReason.SPAM, note=NOTE)
    flag(flaggers[1], post, reason=FlagReason.CONCERN)
    concern_case = open_case(post)
    flag(flaggers[0], post, comment, reason=FlagReason.HATE)
    plain_case = open_case(post, comment)
    notice = Notice.objects.create(
        user=everyone["member"], group=post.group, action=AuditAction.HIDE, reason=NOTICE_TEXT
    )
    return {
        "post": post,
        "comment": comment,
        "concern": concern_case,
        "plain": plain_case,
        "notice": notice,
    }


def url(kind: str, group: Group, w: dict[str, Any]) -> str:
    s = group.slug
    return {
        "queue": f"/groups/{s}/moderation/",
        "queue-filtered": f"/groups/{s}/moderation/?grund=hate&status=open",
        "case-concern": f"/groups/{s}/moderation/{w['concern'].pk}/",
        "case-plain": f"/groups/{s}/moderation/{w['plain'].pk}/",
        "log": f"/groups/{s}/moderation/log/",
        "settings": f"/groups/{s}/moderation/settings/",
        "flag-post": f"/groups/{s}/posts/{w['post'].pk}/flag/",
        "flag-comment": f"/groups/{s}/comments/{w['comment'].pk}/flag/",
        "help": f"/groups/{s}/help/",
    }[kind]


L = LOGIN
NOTICE_TEXT = "Dit opslag er skjult"

# fmt: off
MATRIX: list[MatrixRow] = [
    # url name               method   anon outs pend bann memb mod  staff admin
    ("moderation-queue",    "get",  (L,  404, 404, 404, 403, 200, 200, 200)),
    # A case that is not a concern: staff, who see concern items only, get 404.
    ("moderation-case",     "get",  (L,  404, 404, 404, 403, 200, 404, 200)),
    ("moderation-case",     "post", (L,  404, 404, 404, 403, 302, 403, 302)),
    ("moderation-bulk",     "post", (L,  404, 404, 404, 403, 302, 403, 302)),
    ("moderation-log",      "get",  (L,  404, 404, 404, 403, 403, 403, 200)),
    ("moderation-settings", "get",  (L,  404, 404, 404, 403, 403, 403, 200)),
    ("moderation-settings", "post", (L,  404, 404, 404, 403, 403, 403, 302)),
    ("moderation-help",     "get",  (L,  404, 404, 404, 200, 200, 200, 200)),
    ("post-flag",           "get",  (L,  404, 404, 404, 200, 200, 200, 200)),
    ("post-flag",           "post", (L,  404, 404, 404, 302, 302, 302, 302)),
    ("comment-flag",        "get",  (L,  404, 404, 404, 200, 200, 200, 200)),
    # The member wrote the comment: reporting one's own words is refused with a message.
    ("comment-flag",        "post", (L,  404, 404, 404, 400, 302, 302, 302)),
    # Only one's own notice is dismissed; anyone else's is "already gone".
    ("notice-dismiss",      "post", (L,  302, 302, 302, 302, 302, 302, 302)),
]
# fmt: on

POST_DATA: dict[str, dict[str, Any]] = {
    "moderation-case": {"decision": "approve"},
    "moderation-bulk": {"decision": "remove"},
    "moderation-settings": {
        "flag_threshold": 4,
        "hold_first_posts": 0,
        "held_keywords": "",
        "concern_help_text": "Ring til os.",
    },
    "post-flag": {"reason": FlagReason.SPAM},
    "comment-flag": {"reason": FlagReason.SPAM},
}


def path_for(name: str, group: Group, w: dict[str, Any]) -> str:
    kwargs: dict[str, Any] = {"group_slug": group.slug}
    if name == "moderation-case":
        kwargs["case_id"] = w["plain"].pk
    elif name == "post-flag":
        kwargs["post_id"] = w["post"].pk
    elif name == "comment-flag":
        kwargs["comment_id"] = w["comment"].pk
    elif name == "notice-dismiss":
        kwargs = {"notice_id": w["notice"].pk}
    return reverse(name, kwargs=kwargs)


def state_of(w: dict[str, Any]) -> tuple[Any, ...]:
    """Everything a refused moderation write could change."""
    return (
        sorted(Case.objects.values_list("id", "state")),
        Flag.objects.count(),
        sorted(Notice.objects.values_list("id", "dismissed_at")),
        AuditEntry.objects.count(),
    )


@pytest.mark.parametrize(("name", "method", "role", "expected"), matrix_params(MATRIX))
def test_moderation_matrix(
    name: str,
    method: str,
    role: str,
    expected: Any,
    world: dict[str, Any],
    group: Group,
    everyone: dict[str, User | None],
    client_for: Callable[[User | None], Client],
) -> None:
    viewer = everyone[role]
    before = state_of(world)
    path = path_for(name, group, world)
    data = dict(POST_DATA.get(name, {}))
    if name == "moderation-bulk":
        data["case"] = [world["plain"].pk]
    client = client_for(viewer)
    response = client.post(path, data) if method == "post" else client.get(path)

    assert_answer(response, expected, f"{role} {method} {name}")
    body = response.content.decode()
    if response.status_code != 200 or name.endswith("-flag") or name == "moderation-help":
        # Nobody but moderators ever sees what a flagger wrote or who flagged.
        assert NOTE not in body
        assert "Flemming Anmeldersen" not in body
    if method == "post" and (expected == L or expected in (403, 404)):
        assert state_of(world) == before, "a refused POST changed the database"
    if name == "notice-dismiss":
        world["notice"].refresh_from_db()
        assert (world["notice"].dismissed_at is not None) is (role == "member")


def test_staff_may_open_a_concern_case(
    world: dict[str, Any], group: Group, staff: User, client_for: Any
) -> None:
    assert client_for(staff).get(url("case-concern", group, world)).status_code == 200


def test_a_filtered_queue_answers_like_the_queue(
    world: dict[str, Any], group: Group, everyone: dict[str, User | None], client_for: Any
) -> None:
    for role, expected in zip(ROLES, MATRIX[0][2], strict=True):
        response = client_for(everyone[role]).get(url("queue-filtered", group, world))
        assert_answer(response, expected, role)


def test_the_queue_shows_moderators_the_flags_content_and_history(
    world: dict[str, Any], group: Group, moderator: User, client_for: Any
) -> None:
    body = client_for(moderator).get(url("queue", group, world)).content.decode()
    assert NOTE in body
    assert "Flemming Anmeldersen0" in body
    assert "Bekymring for et medlem" in body
    assert "Medlem siden" in body
    assert 'id="queue-open-count">2<' in body
    # Concern first.
    assert body.index(f'id="case-{world["concern"].pk}"') < body.index(
        f'id="case-{world["plain"].pk}"'
    )


def test_staff_see_the_concern_item_without_action_forms(
    world: dict[str, Any], group: Group, staff: User, client_for: Any
) -> None:
    body = client_for(staff).get(url("queue", group, world)).content.decode()
    assert f'id="case-{world["concern"].pk}"' in body
    assert f'id="case-{world["plain"].pk}"' not in body
    assert 'name="decision"' not in body


def test_bulk_by_a_moderator_decides_the_chosen_cases(
    world: dict[str, Any], group: Group, moderator: User, client_for: Any
) -> None:
    response = client_for(moderator).post(
        f"/groups/{group.slug}/moderation/bulk/",
        {"decision": "approve", "case": [world["plain"].pk, world["concern"].pk]},
        follow=True,
    )
    assert "2 sager er afgjort" in response.content.decode()
    assert Case.objects.filter(state=CaseState.RESOLVED).count() == 2


def test_a_second_moderator_is_told_it_was_handled_already(
    world: dict[str, Any], group: Group, moderator: User, admin: User, client_for: Any
) -> None:
    client_for(moderator).post(url("case-plain", group, world), {"decision": "hide"})
    response = client_for(admin).post(
        url("case-plain", group, world), {"decision": "remove"}, follow=True
    )
    assert "allerede afgjort" in response.content.decode()
    world["comment"].refresh_from_db()
    assert world["comment"].state == ContentState.HIDDEN
    assert not AuditEntry.objects.filter(action=AuditAction.REMOVE).exists()


def test_acting_on_a_case_of_another_group_gives_a_clear_message(
    world: dict[str, Any], admin: User, client_for: Any
) -> None:
    other = make_group(admin=admin)
    response = client_for(admin).post(
        f"/groups/{other.slug}/moderation/{world['plain'].pk}/", {"decision": "remove"}, follow=True
    )
    assert response.status_code == 200
    assert "findes ikke i denne gruppes kø" in response.content.decode()
    world["plain"].refresh_from_db()
    assert world["plain"].state == CaseState.OPEN


def test_bad_decision_input_is_a_message_not_a_500(
    world: dict[str, Any], group: Group, moderator: User, client_for: Any
) -> None:
    c = client_for(moderator)
    for data in (
        {"decision": "explode"},
        {},
        {"decision": "hide", "author_action": "mute", "mute_days": "9999"},
        {"decision": "hide", "reason": "x" * 100_000},
        {"decision": "hide", "author_action": "nuke"},
    ):
        response = c.post(url("case-plain", group, world), data, follow=True)
        assert response.status_code == 200, data
        assert 'class="message error' in response.content.decode(), data
    world["plain"].refresh_from_db()
    assert world["plain"].state == CaseState.OPEN


def test_flag_page_posts_a_flag_and_redirects_back(
    post: Post, group: Group, member: User, client_for: Any
) -> None:
    response = client_for(member).post(
        f"/groups/{group.slug}/posts/{post.pk}/flag/", {"reason": "spam", "note": ""}, follow=True
    )
    assert response.redirect_chain[-1][0] == post.get_absolute_url()
    assert "Din anmeldelse er sendt" in response.content.decode()
    assert Flag.objects.filter(user=member, post=post).exists()


def test_flag_page_links_to_the_rules(
    post: Post, group: Group, member: User, client_for: Any
) -> None:
    body = client_for(member).get(f"/groups/{group.slug}/posts/{post.pk}/flag/").content.decode()
    assert f"/groups/{group.slug}/rules/" in body


def test_concern_flag_shows_the_calm_help_text(
    post: Post, group: Group, member: User, client_for: Any
) -> None:
    response = client_for(member).post(
        f"/groups/{group.slug}/posts/{post.pk}/flag/", {"reason": "concern"}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"/groups/{group.slug}/help/"
    body = response.content.decode()
    assert "Tak, fordi du sagde til" in body
    assert "112" in body


def test_the_help_page_is_for_members_and_linked_from_the_rules(
    group: Group, member: User, outsider: User, client_for: Any
) -> None:
    assert client_for(outsider).get(f"/groups/{group.slug}/help/").status_code == 404
    assert client_for(member).get(f"/groups/{group.slug}/help/").status_code == 200
    rules = client_for(member).get(f"/groups/{group.slug}/rules/").content.decode()
    assert f"/groups/{group.slug}/help/" in rules


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "boring"}, "grundene"),
        ({"reason": "other", "note": "x" * 100_000}, "højst"),
        ({"reason": "other", "note": ""}, "Andet"),
        ({}, "grundene"),
    ],
)
def test_bad_flag_input_is_a_clear_message(
    data: dict[str, str], message: str, post: Post, group: Group, member: User, client_for: Any
) -> None:
    response = client_for(member).post(f"/groups/{group.slug}/posts/{post.pk}/flag/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Flag.objects.exists()


def test_flagging_own_post_is_a_clear_message(
    post: Post, group: Group, author: User, client_for: Any
) -> None:
    response = client_for(author).post(
        f"/groups/{group.slug}/posts/{post.pk}/flag/", {"reason": "spam"}
    )
    assert response.status_code == 400
    assert "eget" in response.content.decode()


def test_flagging_a_removed_post_is_a_clear_message(
    post: Post, group: Group, author: User, member: User, client_for: Any
) -> None:
    post_services.post_delete(actor=author, post=post)
    response = client_for(member).post(
        f"/groups/{group.slug}/posts/{post.pk}/flag/", {"reason": "spam"}, follow=True
    )
    assert response.status_code == 200
    assert "allerede fjernet" in response.content.decode()
    assert not Flag.objects.exists()


def test_flag_link_shows_on_others_posts_only(
    post: Post, group: Group, author: User, member: User, client_for: Any
) -> None:
    flag_url = f"/groups/{group.slug}/posts/{post.pk}/flag/"
    assert flag_url in client_for(member).get(post.get_absolute_url()).content.decode()
    assert flag_url not in client_for(author).get(post.get_absolute_url()).content.decode()


def test_the_author_sees_the_outcome_on_the_home_page_and_can_dismiss_it(
    world: dict[str, Any], group: Group, moderator: User, client_for: Any
) -> None:
    client_for(moderator).post(
        url("case-plain", group, world), {"decision": "remove", "reason": "Det var ikke pænt."}
    )
    comment_author = world["comment"].author
    c = client_for(comment_author)
    body = c.get("/").content.decode()
    assert "En moderator har fjernet din kommentar" in body
    assert "Det var ikke pænt." in body
    notice = Notice.objects.exclude(pk=world["notice"].pk).get(user=comment_author)
    c.post(f"/notices/{notice.pk}/dismiss/")
    assert "Det var ikke pænt." not in c.get("/").content.decode()


def test_a_muted_member_sees_why_and_until_when(
    world: dict[str, Any], group: Group, moderator: User, client_for: Any
) -> None:
    client_for(moderator).post(
        url("case-plain", group, world),
        {"decision": "hide", "author_action": "mute", "mute_days": "2", "reason": "Tag en pause"},
    )
    c = client_for(world["comment"].author)
    feed = c.get(group.get_absolute_url()).content.decode()
    assert "sat dig på pause" in feed
    home = c.get("/").content.decode()
    assert "Tag en pause" in home and "pause indtil" in home
    response = c.post(
        f"/groups/{group.slug}/posts/new/", {"body": "Jeg vil skrive alligevel"}, follow=True
    )
    assert not Post.objects.filter(body="Jeg vil skrive alligevel").exists()
    assert response.status_code in (200, 400)


def test_log_shows_admins_every_action(
    world: dict[str, Any], group: Group, moderator: User, admin: User, client_for: Any
) -> None:
    client_for(moderator).post(
        url("case-plain", group, world), {"decision": "hide", "reason": "Hadefuld tone"}
    )
    body = client_for(admin).get(url("log", group, world)).content.decode()
    assert "Hadefuld tone" in body
    assert moderator.display_name in body


def test_log_names_the_sub_group_of_a_sub_group_decision(
    group: Group, admin: User, member: User, sub_requester: User, subgroup: Any, client_for: Any
) -> None:
    """Through the sub-group's own request page, as its facilitator would."""
    from groups.models import SubGroupMembership

    sm = SubGroupMembership.objects.get(subgroup=subgroup, user=sub_requester)
    client = client_for(admin)
    response = client.post(
        f"/groups/{group.slug}/subgroups/{subgroup.slug}/requests/{sm.pk}/approve/"
    )
    assert response.status_code == 302
    body = client.get(f"/groups/{group.slug}/moderation/log/").content.decode()
    assert "Optaget i en undergruppe" in body
    assert f"({subgroup.name})" in body and sub_requester.display_name in body


def test_settings_form_saves(
    world: dict[str, Any], group: Group, admin: User, client_for: Any
) -> None:
    response = client_for(admin).post(
        url("settings", group, world),
        {
            "flag_threshold": "2",
            "hold_first_posts": "1",
            "held_keywords": "kasino",
            "concern_help_text": "Ring 112",
        },
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action=AuditAction.SETTINGS).exists()
    bad = client_for(admin).post(
        url("settings", group, world),
        {
            "flag_threshold": "0",
            "hold_first_posts": "1",
            "held_keywords": "",
            "concern_help_text": "",
        },
    )
    assert bad.status_code == 200


def test_moderators_see_the_queue_badge_in_the_group_header(
    world: dict[str, Any], group: Group, moderator: User, member: User, client_for: Any
) -> None:
    assert "/moderation/" in client_for(moderator).get(group.get_absolute_url()).content.decode()
    assert "/moderation/" not in client_for(member).get(group.get_absolute_url()).content.decode()


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_the_queue_page_reads_in_a_fixed_number_of_queries(
    group: Group, moderator: User, client_for: Any
) -> None:
    flaggers = []
    for i in range(3):
        u = make_user(f"qf{i}@example.org", f"Query Flagger{i}")
        make_membership(u, group)
        flaggers.append(u)

    def add_cases(n: int) -> None:
        for i in range(n):
            writer = make_user(display_name=f"Skribent Nummer{i}")
            make_membership(writer, group)
            p = post_services.post_create(actor=writer, group=group, body=f"Opslag {i}")
            c = post_services.comment_create(actor=writer, post=p, body="En kommentar")
            for f in flaggers[:2]:
                flag(f, p)
            flag(flaggers[2], p, c, reason=FlagReason.OTHER, note="Noget")

    add_cases(1)
    client = client_for(moderator)
    path = f"/groups/{group.slug}/moderation/"
    _queries(client, path)  # warm caches (sessions, translations)
    few = _queries(client, path)
    add_cases(9)
    many = _queries(client, path)
    assert many == few, (few, many)
