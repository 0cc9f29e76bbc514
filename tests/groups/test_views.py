"""End to end through the test Client: what a person sees after each step."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.models import User
from groups.models import Group, JoinPolicy, Membership, MembershipStatus, SubGroupMembership
from tests.conftest import GROUP_NAME, NAMES, QUESTIONS, make_membership, make_subgroup, make_user


def page(response: Any) -> str:
    return response.content.decode()


# --- joining -----------------------------------------------------------------------------


def test_join_form_shows_the_questions_and_rules(
    outsider: User, group: Group, client_for: Any
) -> None:
    body = page(client_for(outsider).get(reverse("group-join", args=[group.slug])))
    assert QUESTIONS[0] in body
    assert QUESTIONS[1] in body
    assert "Vær venlig mod hinanden." in body
    assert "Jeg har læst gruppens regler" in body


def test_join_form_with_a_missing_answer_says_so_in_danish_and_stores_nothing(
    outsider: User, group: Group, client_for: Any
) -> None:
    response = client_for(outsider).post(
        reverse("group-join", args=[group.slug]),
        {"answer_0": "Jeg vil gerne møde folk.", "answer_1": "", "accept_rules": "on"},
    )

    assert response.status_code == 200
    assert "Svar venligst på spørgsmålet." in page(response)
    assert not Membership.objects.filter(user=outsider, group=group).exists()


def test_join_form_without_accepting_the_rules_says_so_and_stores_nothing(
    outsider: User, group: Group, client_for: Any
) -> None:
    response = client_for(outsider).post(
        reverse("group-join", args=[group.slug]), {"answer_0": "Ja", "answer_1": "Ja"}
    )

    assert response.status_code == 200
    assert "Du skal acceptere gruppens regler for at blive medlem." in page(response)
    assert not Membership.objects.filter(user=outsider, group=group).exists()


def test_join_form_twice_shows_the_waiting_request_instead_of_a_form(
    outsider: User, group: Group, client_for: Any
) -> None:
    client = client_for(outsider)
    data = {"answer_0": "Ja", "answer_1": "Ja", "accept_rules": "on"}
    client.post(reverse("group-join", args=[group.slug]), data)

    response = client.post(reverse("group-join", args=[group.slug]), data)

    assert "venter på svar fra en administrator" in page(response)
    assert Membership.objects.filter(user=outsider, group=group).count() == 1


def test_join_request_approved_by_admin_shows_on_the_requesters_home_page(
    outsider: User,
    admin: User,
    group: Group,
    client_for: Any,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    requester = client_for(outsider)
    response = requester.post(
        reverse("group-join", args=[group.slug]),
        {"answer_0": "Jeg bor i byen.", "answer_1": "Fra avisen.", "accept_rules": "on"},
        follow=True,
    )
    home = page(response)
    assert "Din anmodning er sendt til gruppens administratorer" in home
    assert "Anmodninger, der venter på svar" in home
    assert GROUP_NAME in home

    admin_client = client_for(admin)
    requests_page = page(admin_client.get(reverse("group-requests", args=[group.slug])))
    assert NAMES["outsider"] in requests_page
    assert "Jeg bor i byen." in requests_page
    m = Membership.objects.get(user=outsider, group=group)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("request-decide", args=[group.slug, m.pk]),
            {"decision": "approve", "message": "Velkommen, vi ses til kaffe!"},
            follow=True,
        )
    assert f"{NAMES['outsider']} er nu medlem af gruppen." in page(response)
    assert "Der er ingen anmodninger, der venter." in page(response)

    home = page(requester.get(reverse("home")))
    assert f"Du er optaget i {GROUP_NAME}." in home
    assert "Velkommen, vi ses til kaffe!" in home
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [outsider.email]
    # and the group now opens to them
    detail = page(requester.get(group.get_absolute_url()))
    assert reverse("group-members", args=[group.slug]) in detail


def test_join_request_declined_by_admin_shows_the_refusal_and_lets_them_ask_again(
    pending: User, admin: User, group: Group, client_for: Any
) -> None:
    m = Membership.objects.get(user=pending, group=group)
    client_for(admin).post(
        reverse("request-decide", args=[group.slug, m.pk]),
        {"decision": "decline", "message": "Kun for borgere i kommunen."},
    )

    requester = client_for(pending)
    home = page(requester.get(reverse("home")))
    assert f"Din anmodning om at blive medlem af {GROUP_NAME} blev afvist." in home
    assert "Kun for borgere i kommunen." in home
    public = page(requester.get(group.get_absolute_url()))
    assert "Din tidligere anmodning blev afvist" in public
    assert reverse("group-join", args=[group.slug]) in public


def test_deciding_an_already_decided_request_shows_a_danish_message_not_an_error(
    pending: User, admin: User, group: Group, client_for: Any
) -> None:
    other_admin = make_user()
    make_membership(other_admin, group, role="admin")
    m = Membership.objects.get(user=pending, group=group)
    url = reverse("request-decide", args=[group.slug, m.pk])
    client_for(admin).post(url, {"decision": "approve"})

    response = client_for(other_admin).post(url, {"decision": "decline"}, follow=True)

    assert response.status_code == 200
    assert "allerede behandlet af en anden administrator" in page(response)
    assert Membership.objects.get(pk=m.pk).status == MembershipStatus.ACTIVE


def test_invite_link_lets_an_outsider_in_with_one_click(
    admin: User, outsider: User, group: Group, client_for: Any
) -> None:
    client_for(admin).post(reverse("group-invites", args=[group.slug]), {"valid_days": 7})
    invite = group.invites.get()
    client = client_for(outsider)
    landing = page(client.get(invite.get_absolute_url()))
    assert f"Du er inviteret til {GROUP_NAME}" in landing
    assert "Tag imod invitationen" in landing

    response = client.post(invite.get_absolute_url(), follow=True)

    assert f"Velkommen i {GROUP_NAME}!" in page(response)
    assert Membership.objects.get(user=outsider, group=group).status == MembershipStatus.ACTIVE


def test_revoked_invite_link_says_so(
    admin: User, outsider: User, group: Group, client_for: Any
) -> None:
    admin_client = client_for(admin)
    admin_client.post(reverse("group-invites", args=[group.slug]), {"valid_days": 7})
    invite = group.invites.get()
    admin_client.post(reverse("invite-revoke", args=[group.slug, invite.pk]))

    body = page(client_for(outsider).post(invite.get_absolute_url()))

    assert "Invitationslinket er ikke gyldigt. Bed om et nyt." in body
    assert "Tag imod invitationen" not in body
    assert not Membership.objects.filter(user=outsider, group=group).exists()


def test_last_admin_leaving_is_told_why_and_stays(
    admin: User, group: Group, client_for: Any
) -> None:
    response = client_for(admin).post(reverse("group-leave", args=[group.slug]), follow=True)
    assert "Du er gruppens eneste administrator." in page(response)
    assert Membership.objects.get(user=admin, group=group).status == MembershipStatus.ACTIVE


# --- sub-groups ------------------------------------------------------------------------------


@pytest.fixture
def full_subgroup(group: Group, member: User, sub_only: User) -> Any:
    return make_subgroup(
        group,
        "Gåturen",
        slug="gaaturen",
        member_cap=2,
        join_policy=JoinPolicy.REQUEST,
        members=[member, sub_only],
    )


def test_full_subgroup_page_says_full_and_offers_no_join_button(
    full_subgroup: Any, sub_requester: User, group: Group, client_for: Any
) -> None:
    client = client_for(sub_requester)
    body = page(client.get(full_subgroup.get_absolute_url()))

    assert "Undergruppen er fuld." in body
    assert "2 af 2 pladser taget" in body
    assert reverse("subgroup-join", args=[group.slug, full_subgroup.slug]) not in body
    assert "Bed om at komme med" not in body
    listing = page(client.get(reverse("group-subgroups", args=[group.slug])))
    assert "Fuld – ingen ledige pladser" in listing


def test_joining_a_full_subgroup_anyway_shows_a_danish_message_and_stores_nothing(
    full_subgroup: Any, sub_requester: User, group: Group, client_for: Any
) -> None:
    response = client_for(sub_requester).post(
        reverse("subgroup-join", args=[group.slug, full_subgroup.slug]), follow=True
    )
    assert response.status_code == 200
    assert "Undergruppen er fuld. Der er ikke flere pladser." in page(response)
    assert not SubGroupMembership.objects.filter(
        subgroup=full_subgroup, user=sub_requester
    ).exists()


def test_subgroup_with_room_offers_the_join_button(
    group: Group, sub_requester: User, client_for: Any
) -> None:
    sub = make_subgroup(group, "Læseklubben", member_cap=5)
    body = page(client_for(sub_requester).get(sub.get_absolute_url()))
    assert reverse("subgroup-join", args=[group.slug, sub.slug]) in body
    assert "Meld dig ind" in body


# --- group settings ----------------------------------------------------------------------


def settings_data(**overrides: Any) -> dict[str, Any]:
    return {
        "name": GROUP_NAME,
        "description": "Ny beskrivelse",
        "rules": "Ny regel",
        "question_1": QUESTIONS[0],
        "question_2": "",
        "question_3": "",
        "visibility": "closed",
        "cover_alt": "",
        **overrides,
    }


def test_group_settings_with_an_over_long_name_shows_the_error_and_saves_nothing(
    admin: User, group: Group, client_for: Any
) -> None:
    response = client_for(admin).post(
        reverse("group-settings", args=[group.slug]), settings_data(name="N" * 81)
    )

    assert response.status_code == 200
    assert "højst have 80 tegn (den har 81)" in page(response)
    group.refresh_from_db()
    assert group.name == GROUP_NAME
    assert group.description != "Ny beskrivelse"


def test_group_settings_saves_text_and_questions(
    admin: User, group: Group, client_for: Any
) -> None:
    response = client_for(admin).post(
        reverse("group-settings", args=[group.slug]),
        settings_data(name="Solsikken 2", question_2="Hvor bor du?"),
        follow=True,
    )
    assert "Indstillingerne er gemt." in page(response)
    group.refresh_from_db()
    assert group.name == "Solsikken 2"
    assert group.questions == [QUESTIONS[0], "Hvor bor du?"]


# --- profile --------------------------------------------------------------------------------


def png_bytes(size: tuple[int, int] = (400, 300)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buf, format="PNG")
    return buf.getvalue()


def test_profile_edit_with_an_avatar_stores_a_square_small_image(
    member: User, client_for: Any, settings: Any
) -> None:
    upload = SimpleUploadedFile("mig.png", png_bytes(), content_type="image/png")

    response = client_for(member).post(
        reverse("profile-edit"),
        {"display_name": "Mikkel M.", "bio": "Jeg strikker.", "avatar": upload},
        follow=True,
    )

    assert "Din profil er gemt." in page(response)
    member.refresh_from_db()
    assert member.display_name == "Mikkel M."
    assert member.avatar
    assert str(settings.MEDIA_ROOT) in member.avatar.path
    with Image.open(member.avatar.path) as stored:
        assert stored.size == (256, 256)
    assert member.avatar.url in page(response)


def test_profile_edit_with_a_text_file_named_jpg_is_refused_and_stores_nothing(
    member: User, client_for: Any, settings: Any
) -> None:
    upload = SimpleUploadedFile(
        "mig.jpg", b"Det her er ikke et billede.", content_type="image/jpeg"
    )

    response = client_for(member).post(
        reverse("profile-edit"),
        {"display_name": "Nyt Navn", "bio": "", "avatar": upload},
    )

    assert response.status_code == 200
    # Django's ImageField or sammen.images, whichever refuses first: in Danish, on the field.
    errors = response.context["form"].errors["avatar"]
    assert any("ikke et billede" in e for e in errors)
    assert errors[0] in page(response)
    member.refresh_from_db()
    assert member.display_name == NAMES["member"]
    assert not member.avatar
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_profile_edit_refuses_an_over_long_display_name(member: User, client_for: Any) -> None:
    response = client_for(member).post(
        reverse("profile-edit"), {"display_name": "N" * 61, "bio": ""}
    )
    assert "højst have 60 tegn" in page(response)
    member.refresh_from_db()
    assert member.display_name == NAMES["member"]


# --- query counts ----------------------------------------------------------------------------


@pytest.mark.parametrize("members", [1, 50])
def test_members_page_query_count_does_not_grow_with_members(
    members: int, admin: User, group: Group, client_for: Any, django_assert_num_queries: Any
) -> None:
    for _ in range(members):
        make_membership(make_user(), group)
    client = client_for(admin)
    url = reverse("group-members", args=[group.slug])
    client.get(url)  # warm the session

    with django_assert_num_queries(MEMBERS_PAGE_QUERIES):
        response = client.get(url)

    assert f"{members + 1} medlemmer" in page(response)


# user, group with the viewer's membership (one query, cached for the request),
# pending-count badge, moderation-queue badge, the Indsigt tab's radar count
# (the group's hours, the count), paginator count, one page of members with
# their users, the bell's unread count; the session comes from the cache
# (cached_db) once the first request read it.
MEMBERS_PAGE_QUERIES = 9


def test_pending_request_can_be_withdrawn_after_the_group_became_secret(
    client_for: Any, group: Group, pending: User
) -> None:
    Group.objects.filter(pk=group.pk).update(visibility="secret")
    client = client_for(pending)
    response = client.post(reverse("group-cancel-request", args=[group.slug]), follow=True)
    assert response.status_code == 200
    assert "Din anmodning er trukket tilbage." in page(response)
    assert not Membership.objects.filter(user=pending, group=group).exists()


def test_join_decision_email_is_in_danish_even_when_the_admin_uses_english(
    client_for: Any,
    group: Group,
    admin: User,
    pending: User,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.conf import settings

    client = client_for(admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    membership = Membership.objects.get(user=pending, group=group)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("request-decide", args=[group.slug, membership.pk]), {"decision": "approve"}
        )
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject.endswith(f"Du er nu medlem af {group.name}")
    assert "Velkommen" in mailoutbox[0].body
