"""Authorization matrix: every URL of groups/ (plus the invite landing page and
the home page), for every role, with the expected status and a check that the
body holds nothing the viewer may not see.

Columns are roles; `L` means "redirected to the login page". A POST that is
refused must also leave the database exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from groups.models import (
    Group,
    Invite,
    Membership,
    MembershipStatus,
    Role,
    SubGroup,
    SubGroupMembership,
    Visibility,
)
from tests.conftest import (
    GROUP_DESCRIPTION,
    GROUP_NAME,
    LOGIN,
    NAMES,
    NON_MEMBERS,
    PENDING_ANSWER,
    QUESTIONS,
    ROLES,
    SUBGROUP_DESCRIPTION,
    SUBGROUP_NAME,
    assert_answer,
    make_group,
    make_membership,
    make_subgroup,
    make_user,
    matrix_params,
)

L = LOGIN

# fmt: off
MATRIX: list[tuple[str, str, tuple[Any, ...]]] = [
    # url name                    method   anon  outs  pend  bann  memb  mod   staff admin
    ("home",                      "get",  (200,  200,  200,  200,  200,  200,  200,  200)),
    ("group-list",                "get",  (200,  200,  200,  200,  200,  200,  200,  200)),
    ("group-create",              "get",  (L,    403,  403,  403,  403,  403,  403,  403)),
    ("group-create",              "post", (L,    403,  403,  403,  403,  403,  403,  403)),
    ("group-detail",              "get",  (200,  200,  200,  200,  200,  200,  200,  200)),
    ("group-rules",               "get",  (200,  200,  200,  200,  200,  200,  200,  200)),
    ("group-join",                "get",  (L,    200,  200,  200,  302,  302,  302,  302)),
    ("group-cancel-request",      "post", (L,    302,  302,  302,  302,  302,  302,  302)),
    ("group-leave",               "get",  (L,    404,  404,  404,  200,  200,  200,  200)),
    ("group-leave",               "post", (L,    404,  404,  404,  302,  302,  302,  302)),
    ("group-members",             "get",  (L,    404,  404,  404,  200,  200,  200,  200)),
    ("member-role",               "post", (L,    404,  404,  404,  403,  403,  403,  302)),
    ("member-remove",             "get",  (L,    404,  404,  404,  403,  403,  403,  200)),
    ("member-remove",             "post", (L,    404,  404,  404,  403,  403,  403,  302)),
    ("member-ban",                "get",  (L,    404,  404,  404,  403,  403,  403,  200)),
    ("member-ban",                "post", (L,    404,  404,  404,  403,  403,  403,  302)),
    ("member-unban",              "post", (L,    404,  404,  404,  403,  403,  403,  302)),
    ("group-banned",              "get",  (L,    404,  404,  404,  403,  403,  403,  200)),
    ("group-requests",            "get",  (L,    404,  404,  404,  403,  403,  403,  200)),
    ("request-decide",            "post", (L,    404,  404,  404,  403,  403,  403,  302)),
    ("group-settings",            "get",  (L,    404,  404,  404,  403,  403,  403,  200)),
    ("group-settings",            "post", (L,    404,  404,  404,  403,  403,  403,  302)),
    ("group-invites",             "get",  (L,    404,  404,  404,  403,  403,  403,  200)),
    ("group-invites",             "post", (L,    404,  404,  404,  403,  403,  403,  302)),
    ("invite-revoke",             "post", (L,    404,  404,  404,  403,  403,  403,  302)),
    ("group-subgroups",           "get",  (L,    404,  404,  404,  200,  200,  200,  200)),
    ("subgroup-create",           "get",  (L,    404,  404,  404,  403,  403,  200,  200)),
    ("subgroup-create",           "post", (L,    404,  404,  404,  403,  403,  302,  302)),
    ("subgroup-detail",           "get",  (L,    404,  404,  404,  200,  200,  200,  200)),
    # Only the sub-group's members write in it; staff do not see inside it.
    ("subgroup-post-create",      "post", (L,    404,  404,  404,  302,  403,  404,  403)),
    # The composer's own page (the group page's "Skriv et opslag …" without JavaScript).
    ("subgroup-post-create",      "get",  (L,    404,  404,  404,  200,  403,  404,  403)),
    ("post-create",               "get",  (L,    404,  404,  404,  200,  200,  200,  200)),
    # The welcome card of a new member's first visit: closed by the member.
    ("group-welcome-dismiss",     "post", (L,    404,  404,  404,  302,  302,  302,  302)),
    ("subgroup-join",             "post", (L,    404,  404,  404,  302,  302,  302,  302)),
    ("subgroup-leave",            "post", (L,    404,  404,  404,  302,  302,  302,  302)),
    ("subgroup-edit",             "get",  (L,    404,  404,  404,  403,  403,  403,  200)),
    ("subgroup-edit",             "post", (L,    404,  404,  404,  403,  403,  403,  302)),
    ("subgroup-delete",           "get",  (L,    404,  404,  404,  403,  403,  403,  200)),
    ("subgroup-delete",           "post", (L,    404,  404,  404,  403,  403,  403,  302)),
    ("subgroup-request-approve",  "post", (L,    404,  404,  404,  403,  403,  403,  302)),
    ("subgroup-member-remove",    "post", (L,    404,  404,  404,  403,  403,  403,  302)),
    ("invite-accept",             "get",  (200,  200,  200,  200,  200,  200,  200,  200)),
    ("invite-accept",             "post", (200,  302,  302,  200,  200,  200,  200,  200)),
]
# fmt: on

# Views that show only the public face (or nothing group-specific).
NOT_GROUP_SCOPED = {"home", "group-list", "group-create", "invite-accept"}

POST_DATA: dict[str, dict[str, Any]] = {
    "group-create": {"name": "Ny gruppe", "description": "Ny", "visibility": "closed"},
    "member-role": {"role": Role.MODERATOR},
    "member-ban": {"reason": "Brud på reglerne"},
    "request-decide": {"decision": "approve", "message": ""},
    "group-settings": {
        "name": "Omdøbt gruppe",
        "description": "Ny beskrivelse",
        "rules": "",
        "visibility": Visibility.CLOSED,
    },
    "group-invites": {"valid_days": 7},
    "subgroup-create": {"name": "Ny undergruppe", "join_policy": "open"},
    "subgroup-post-create": {"body": "Et opslag i undergruppen"},
    "subgroup-edit": {"name": "Omdøbt undergruppe", "join_policy": "open"},
}


@dataclass
class World:
    group: Group
    subgroup: SubGroup
    target: User  # an ordinary member, the object of admin actions
    banned: User
    pending_membership: Membership
    sub_pending: SubGroupMembership
    invite: Invite


def path_for(name: str, w: World) -> str:
    if name in ("home", "group-list", "group-create"):
        return reverse(name)
    if name == "invite-accept":
        return reverse(name, kwargs={"token": w.invite.token})
    kwargs: dict[str, Any] = {"group_slug": w.group.slug}
    if name in ("member-role", "member-remove", "member-ban"):
        kwargs["user_id"] = w.target.pk
    elif name == "member-unban":
        kwargs["user_id"] = w.banned.pk
    elif name == "request-decide":
        kwargs["membership_id"] = w.pending_membership.pk
    elif name == "invite-revoke":
        kwargs["invite_id"] = w.invite.pk
    if name.startswith("subgroup-") and name not in ("subgroup-create",):
        kwargs["subgroup_slug"] = w.subgroup.slug
        if name in ("subgroup-request-approve", "subgroup-member-remove"):
            kwargs["membership_id"] = w.sub_pending.pk
    return reverse(name, kwargs=kwargs)


def request_as(client: Any, method: str, name: str, w: World) -> Any:
    path = path_for(name, w)
    if method == "post":
        return client.post(path, POST_DATA.get(name, {}))
    return client.get(path)


def snapshot() -> tuple[Any, ...]:
    """Everything a groups/ write could change."""
    return (
        sorted(Group.objects.values_list("id", "name", "description", "visibility")),
        sorted(Membership.objects.values_list("user_id", "group_id", "role", "status")),
        sorted(SubGroup.objects.values_list("id", "name", "member_cap", "join_policy")),
        sorted(SubGroupMembership.objects.values_list("subgroup_id", "user_id", "status")),
        sorted(Invite.objects.values_list("id", "revoked_at", "use_count")),
    )


def hidden_from(role: str) -> set[str]:
    """What must never appear on any page for this role (own name excepted)."""
    if role in NON_MEMBERS:
        people = {NAMES[k] for k in NAMES if k != "admin"}
        return people | {SUBGROUP_NAME, SUBGROUP_DESCRIPTION, PENDING_ANSWER}
    if role in ("member", "moderator", "staff"):
        # Requests and bans are for administrators' eyes.
        return {NAMES["pending"], NAMES["banned"], PENDING_ANSWER}
    return set()


@pytest.fixture
def world(
    everyone: dict[str, User | None],
    group: Group,
    subgroup: SubGroup,
    sub_requester: User,
    admin: User,
) -> World:
    member = everyone["member"]
    banned = everyone["banned"]
    pending = everyone["pending"]
    assert member is not None and banned is not None and pending is not None
    return World(
        group=group,
        subgroup=subgroup,
        target=member,
        banned=banned,
        pending_membership=Membership.objects.get(user=pending, group=group),
        sub_pending=SubGroupMembership.objects.get(user=sub_requester, subgroup=subgroup),
        invite=Invite.objects.create(
            group=group,
            token="aabbccddeeff0011",
            created_by=admin,
            expires_at=timezone.now() + timedelta(days=7),
        ),
    )


@pytest.mark.parametrize(("name", "method", "role", "expected"), matrix_params(MATRIX))
def test_closed_group_matrix(
    name: str,
    method: str,
    role: str,
    expected: Any,
    world: World,
    everyone: dict[str, User | None],
    client_for: Any,
) -> None:
    viewer = everyone[role]
    before = snapshot()

    response = request_as(client_for(viewer), method, name, world)

    assert_answer(response, expected, f"{role} {method} {name}")
    body = response.content.decode()
    own = {viewer.display_name} if viewer is not None else set()
    leaked = {text for text in hidden_from(role) - own if text in body}
    assert leaked == set(), f"{role} sees {leaked} on {name}"
    if method == "post" and (expected == L or expected in (403, 404)):
        assert snapshot() == before, "a refused POST changed the database"
    if response.status_code == 200 and name not in NOT_GROUP_SCOPED - {"invite-accept"}:
        assert GROUP_NAME in body


# --- what each side of the wall actually sees ------------------------------------------


@pytest.mark.parametrize("role", NON_MEMBERS)
def test_non_member_sees_the_public_face_and_nothing_more(
    role: str, everyone: dict[str, User | None], group: Group, client_for: Any
) -> None:
    body = client_for(everyone[role]).get(group.get_absolute_url()).content.decode()

    assert GROUP_NAME in body
    assert GROUP_DESCRIPTION in body
    assert "Vær venlig mod hinanden." in body
    # admin, staff, moderator, member, sub_only, sub_requester are active members.
    assert "6 medlemmer" in body
    assert NAMES["admin"] in body
    for text in hidden_from(role) - {getattr(everyone[role], "display_name", "")}:
        assert text not in body


def test_outsider_is_offered_the_join_button(
    outsider: User, group: Group, client_for: Any, everyone: Any
) -> None:
    body = client_for(outsider).get(group.get_absolute_url()).content.decode()
    assert reverse("group-join", args=[group.slug]) in body


def test_banned_user_is_told_they_cannot_join_and_gets_no_button(
    banned: User, group: Group, client_for: Any, everyone: Any
) -> None:
    body = client_for(banned).get(group.get_absolute_url()).content.decode()
    assert "Du kan ikke blive medlem af denne gruppe." in body
    assert reverse("group-join", args=[group.slug]) not in body


@pytest.mark.parametrize("role", ("member", "moderator", "staff", "admin"))
def test_member_sees_sub_groups_and_other_members(
    role: str, everyone: dict[str, User | None], group: Group, client_for: Any
) -> None:
    client = client_for(everyone[role])

    detail = client.get(group.get_absolute_url()).content.decode()
    members = client.get(reverse("group-members", args=[group.slug])).content.decode()

    assert SUBGROUP_NAME in detail
    for key in ("admin", "staff", "moderator", "member", "sub_only"):
        assert NAMES[key] in members
    assert NAMES["pending"] not in members
    assert NAMES["banned"] not in members


def test_admin_sees_requests_with_answers_and_the_banned(
    admin: User, group: Group, client_for: Any, everyone: Any
) -> None:
    client = client_for(admin)
    requests = client.get(reverse("group-requests", args=[group.slug])).content.decode()
    banned = client.get(reverse("group-banned", args=[group.slug])).content.decode()
    assert NAMES["pending"] in requests
    assert QUESTIONS[0] in requests
    assert PENDING_ANSWER in requests
    assert NAMES["banned"] in banned


# A sub-group's member list: its members and the parent's admins and moderators;
# pending sub-group requests: only those who can approve them.
@pytest.mark.parametrize(
    ("role", "sees_members", "sees_requests"),
    [
        ("member", True, False),  # `member` is in the sub-group
        ("staff", False, False),  # staff, but not in the sub-group
        ("moderator", True, False),
        ("admin", True, True),
    ],
)
def test_subgroup_member_list_is_shown_only_to_those_allowed(
    role: str,
    sees_members: bool,
    sees_requests: bool,
    everyone: dict[str, User | None],
    subgroup: SubGroup,
    client_for: Any,
) -> None:
    body = client_for(everyone[role]).get(subgroup.get_absolute_url()).content.decode()

    assert SUBGROUP_NAME in body
    assert "2 medlemmer" in body
    assert (NAMES["sub_only"] in body) is sees_members
    assert (NAMES["sub_requester"] in body) is sees_requests


# --- secret groups: 404 to every non-member, like a group that does not exist -----------

SECRET_NAME = "Den Hemmelige Kreds"
SECRET_ADMIN = "Hemming Hemmeligsen"
SECRET_MEMBER = "Helga Skjultesen"
SECRET_SUB = "Lønkammeret"


@pytest.fixture
def secret_world(everyone: dict[str, User | None]) -> World:
    secret_admin = make_user(display_name=SECRET_ADMIN)
    secret_member = make_user(display_name=SECRET_MEMBER)
    group = make_group(
        SECRET_NAME,
        slug="hemmelig",
        admin=secret_admin,
        members=[secret_member],
        visibility=Visibility.SECRET,
        questions=["Hvem sendte dig?"],
    )
    # The fixture users' relation to *this* group matches their role name.
    pending, banned = everyone["pending"], everyone["banned"]
    assert pending is not None and banned is not None
    pending_m = make_membership(pending, group, status=MembershipStatus.PENDING)
    make_membership(banned, group, status=MembershipStatus.BANNED)
    sub = make_subgroup(
        group, SECRET_SUB, slug="loenkammeret", members=[secret_member], pending=[secret_admin]
    )
    return World(
        group=group,
        subgroup=sub,
        target=secret_member,
        banned=banned,
        pending_membership=pending_m,
        sub_pending=SubGroupMembership.objects.get(subgroup=sub, user=secret_admin),
        invite=Invite.objects.create(
            group=group,
            token="hemmelig-token",
            created_by=secret_admin,
            expires_at=timezone.now() + timedelta(days=7),
        ),
    )


SECRET_CASES = [
    pytest.param(
        name,
        method,
        role,
        L if role == "anonymous" and row[0] == L else 404,
        id=f"{name}-{method}-{role}",
    )
    for name, method, row in MATRIX
    if name not in NOT_GROUP_SCOPED
    # `admin` is the administrator of the *closed* group: a member elsewhere is
    # still a stranger here.
    for role in ("anonymous", "outsider", "pending", "banned", "admin")
    # A pending requester may withdraw their own request from a group that turned
    # secret (tests/groups/test_views.py); everything else stays 404.
    if not (name == "group-cancel-request" and role == "pending")
]


@pytest.mark.parametrize(("name", "method", "role", "expected"), SECRET_CASES)
def test_secret_group_is_404_to_non_members(
    name: str,
    method: str,
    role: str,
    expected: Any,
    secret_world: World,
    everyone: dict[str, User | None],
    client_for: Any,
) -> None:
    client = client_for(everyone[role])
    before = snapshot()

    response = request_as(client, method, name, secret_world)
    # The same URL for a group that does not exist gives the same answer.
    missing = World(
        **{
            **secret_world.__dict__,
            "group": Group(slug="findes-ikke"),
            "subgroup": SubGroup(slug="findes-heller-ikke"),
        }
    )
    response_missing = request_as(client, method, name, missing)

    assert_answer(response, expected, f"{role} {method} {name}")
    assert response.status_code == response_missing.status_code
    body = response.content.decode()
    for text in (SECRET_NAME, SECRET_ADMIN, SECRET_MEMBER, SECRET_SUB):
        assert text not in body
    assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["home", "group-list"])
def test_secret_group_is_never_listed(
    name: str,
    role: str,
    secret_world: World,
    everyone: dict[str, User | None],
    client_for: Any,
) -> None:
    body = client_for(everyone[role]).get(reverse(name)).content.decode()
    if name == "home" and role == "pending":
        # Their own request (made before the group turned secret) is theirs to see.
        body = body.replace(f'{SECRET_NAME} <span class="meta">· sendt for', "")
    assert SECRET_NAME not in body


def test_secret_group_member_sees_it(secret_world: World, client_for: Any) -> None:
    body = client_for(secret_world.target).get(secret_world.group.get_absolute_url())
    assert body.status_code == 200
    assert SECRET_SUB in body.content.decode()


def test_unknown_invite_token_is_404(outsider: User, client_for: Any) -> None:
    response = client_for(outsider).get(reverse("invite-accept", args=["findes-ikke"]))
    assert response.status_code == 404
    assert "Invitationslinket er ikke gyldigt" in response.content.decode()


@pytest.mark.parametrize("dead", ["revoked", "expired", "used_up"])
@pytest.mark.parametrize("role", ["anonymous", "outsider"])
def test_dead_invite_link_to_a_secret_group_reveals_nothing(
    dead: str, role: str, secret_world: World, everyone: dict[str, User | None], client_for: Any
) -> None:
    invite = secret_world.invite
    if dead == "revoked":
        invite.revoked_at = timezone.now()
    elif dead == "expired":
        invite.expires_at = timezone.now() - timedelta(minutes=1)
    else:
        invite.max_uses, invite.use_count = 1, 1
    invite.save()

    response = client_for(everyone[role]).get(invite.get_absolute_url())

    assert response.status_code == 404
    body = response.content.decode()
    assert "Invitationslinket er ikke gyldigt" in body
    for text in (SECRET_NAME, SECRET_ADMIN, SECRET_MEMBER):
        assert text not in body


def test_expired_invite_link_to_a_closed_group_shows_the_public_face_and_says_so(
    world: World, outsider: User, client_for: Any
) -> None:
    Invite.objects.filter(pk=world.invite.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = client_for(outsider).get(world.invite.get_absolute_url())
    body = response.content.decode()
    assert response.status_code == 200
    assert GROUP_NAME in body
    assert "Invitationslinket er udløbet. Bed om et nyt." in body
    assert "Tag imod invitationen" not in body
