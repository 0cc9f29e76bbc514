"""Two-factor authentication (allauth.mfa) and the rule that the team must use
it (pages.two_factor, issue 17): administrators, moderators, staff, directory
editors and coordinators and site operators without a second factor are sent
to the two-factor page; members are not; setting up an authenticator app lets
them through at once, and logging in then asks for its code."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.models import User
from directory.models import DirectoryRole, DirectoryRoleKind
from groups.models import Group
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def required(settings: Any) -> None:
    settings.MFA_REQUIRED_FOR_TEAM = True
    cache.clear()  # the per-person answer is cached; ids repeat between tests


def logged_in(user: User) -> Client:
    """Through the login form, as a person would (allauth records the login,
    which setting up two-factor asks for)."""
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


def code_for(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


TEAM = ["admin", "staff", "moderator", "editor", "coordinator", "operator"]


@pytest.mark.parametrize("who", TEAM)
def test_the_team_is_sent_to_set_up_two_factor_first(
    required: None, who: str, group: Group, admin: User, staff: User, moderator: User
) -> None:
    person = {"admin": admin, "staff": staff, "moderator": moderator}.get(who)
    if who in ("editor", "coordinator"):
        person = make_user()
        role = DirectoryRoleKind.EDITOR if who == "editor" else DirectoryRoleKind.COORDINATOR
        DirectoryRole.objects.create(user=person, role=role)
    elif who == "operator":
        person = make_user(is_staff=True)
    assert person is not None
    client = logged_in(person)
    response = client.get(group.get_absolute_url(), follow=True)
    assert response.redirect_chain[-1][0] == reverse("mfa_index")
    page = response.content.decode()
    assert "skal du bruge to-faktor-autentificering" in page
    # Logging out is always possible.
    assert client.post(reverse("account_logout")).status_code == 302


def test_a_member_is_not_asked(required: None, group: Group, member: User) -> None:
    response = logged_in(member).get(group.get_absolute_url())
    assert response.status_code == 200


def test_off_no_one_is_asked(group: Group, staff: User) -> None:
    assert logged_in(staff).get(group.get_absolute_url()).status_code == 200


def test_an_authenticator_app_lets_the_staff_member_through_and_is_asked_at_login(
    required: None, group: Group, staff: User
) -> None:
    client = logged_in(staff)
    activate = reverse("mfa_activate_totp")
    page = client.get(activate)
    if page.status_code == 302:  # allauth asks for the password again first
        assert page["Location"].startswith(reverse("account_reauthenticate"))
        client.post(page["Location"], {"password": PASSWORD})
        page = client.get(activate)
    assert page.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    wrong = client.post(activate, {"code": "000000"})
    assert wrong.status_code == 200 and not Authenticator.objects.filter(user=staff).exists()
    done = client.post(activate, {"code": code_for(secret)})
    assert done.status_code == 302
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
    # Through at once (the cached "needs two-factor" is forgotten).
    assert client.get(group.get_absolute_url()).status_code == 200
    # A new login asks for the code after the password.
    fresh = Client()
    response = fresh.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    mine = reverse("notifications")  # for the logged-in only
    assert fresh.get(mine).status_code == 302  # not logged in yet
    response = fresh.post(reverse("mfa_authenticate"), {"code": code_for(secret)})
    assert response.status_code == 302
    assert fresh.get(mine).status_code == 200


def test_the_two_factor_page_is_danish(staff: User) -> None:
    page = logged_in(staff).get(reverse("mfa_index")).content.decode()
    assert "To-faktor-autentificering" in page and "Autentificeringsapp" in page
