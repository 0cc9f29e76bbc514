"""The code asked for after the password (accounts.mfa_forms, issue 17): a
recovery code used before is refused with a message that says why; too many
wrong codes still say that instead."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from accounts.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

WHY = "hver gendannelseskode virker kun én gang"


@pytest.fixture
def codes(staff: User) -> list[str]:
    cache.clear()  # allauth's rate limits count in the cache; ids repeat between tests
    TOTP.activate(staff, generate_totp_secret())
    return RecoveryCodes.activate(staff).get_unused_codes()


def at_second_step(user: User) -> Client:
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    return client


def test_a_used_recovery_code_is_refused_and_the_message_says_why(
    staff: User, codes: list[str]
) -> None:
    first = at_second_step(staff)
    assert first.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 302
    again = at_second_step(staff)
    response = again.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert response.status_code == 200
    assert escape(WHY) in response.content.decode()
    assert again.get(reverse("notifications")).status_code == 302  # not logged in


def test_too_many_wrong_codes_say_so_not_why_a_code_is_wrong(
    staff: User, codes: list[str], settings: Any
) -> None:
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "2/m/key"}
    client = at_second_step(staff)
    for _ in range(2):
        page = client.post(reverse("mfa_authenticate"), {"code": "00000000"}).content.decode()
        assert escape(WHY) in page
    page = client.post(reverse("mfa_authenticate"), {"code": codes[1]}).content.decode()
    assert escape(WHY) not in page
    assert "for mange mislykkede logonforsøg" in page
