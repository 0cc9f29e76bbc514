"""The Content-Security-Policy in a real browser (issue 17). Every browser test
fails on any CSP report Chromium makes (tests/browser/conftest.py); this one
walks the main pages as every role, checks the header and that the live page
still works under it, and shows that an injected script with a guessed nonce
does not run."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from groups.models import Membership, Role

from .conftest import CSP_ALLOWED
from .test_accessibility import world  # noqa: F401  (the same small community)

pytestmark = pytest.mark.django_db(transaction=True)

POLICY_PARTS = (
    "default-src 'self'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "connect-src 'self'",
)


def _pages(community: dict[str, Any]) -> dict[str, list[str]]:
    group, sub = community["group"], community["sub"]
    slug = group.slug
    team = [
        reverse("insights", args=[slug]),
        reverse("insights-radar", args=[slug]),
        reverse("moderation-queue", args=[slug]),
        reverse("plan", args=[slug]),
    ]
    member = [
        "/",
        group.get_absolute_url(),
        sub.get_absolute_url(),
        f"/groups/{slug}/members/",
        reverse("notifications"),
        reverse("notification-settings"),
        "/profile/",
        reverse("mfa_index"),
        reverse("mfa_activate_totp"),
        reverse("mfa_add_webauthn"),
    ]
    return {
        "anonymous": [
            "/",
            "/accounts/login/",
            "/accounts/signup/",
            reverse("directory-home"),
            reverse("directory-calendar"),
        ],
        "outsider": [group.get_absolute_url(), reverse("directory-home")],
        "member": member,
        "moderator": [*member, reverse("moderation-queue", args=[slug])],
        "staff": [*member, *team],
        "admin": [*member, *team, f"/groups/{slug}/requests/"],
    }


def _user(community: dict[str, Any], role: str) -> Any:
    if role in ("admin", "member", "outsider"):
        return community[role]
    wanted = Role.STAFF if role == "staff" else Role.MODERATOR
    return Membership.objects.get(group=community["group"], role=wanted).user


@pytest.mark.parametrize("role", ["anonymous", "outsider", "member", "moderator", "staff", "admin"])
def test_every_main_page_carries_the_policy_and_runs_under_it(
    role: str,
    asgi_server: Any,
    asgi_login_as: Any,
    new_context: Any,
    world: dict[str, Any],  # noqa: F811
) -> None:
    anonymous = role == "anonymous"
    page = new_context().new_page() if anonymous else asgi_login_as(_user(world, role))
    for path in _pages(world)[role]:
        response = page.goto(asgi_server.url + path)
        assert response is not None and response.status == 200, path
        policy = response.headers["content-security-policy"]
        for part in POLICY_PARTS:
            assert part in policy, (path, part)
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        page.wait_for_load_state("networkidle")
    # (The autouse guard fails the test on any report Chromium made on the way.)


def test_the_live_group_page_works_under_the_policy(
    asgi_server: Any,
    asgi_login_as: Any,
    world: dict[str, Any],  # noqa: F811
) -> None:
    """htmx and its WebSocket extension load from our static files and connect."""
    page = asgi_login_as(world["member"])
    page.goto(asgi_server.url + world["group"].get_absolute_url())
    page.wait_for_function("() => window.htmx !== undefined")
    page.locator("textarea[name='body']").first.fill("Godmorgen fra en side med CSP")
    page.get_by_role("button", name="Del opslaget").click()
    expect(page.get_by_text("Godmorgen fra en side med CSP")).to_be_visible()


@CSP_ALLOWED
def test_an_injected_script_with_a_guessed_nonce_does_not_run(
    asgi_server: Any,
    asgi_login_as: Any,
    world: dict[str, Any],  # noqa: F811
    _no_csp_violations: list[str],
) -> None:
    """Were an attacker to get markup past the sanitiser, a <script> (with a
    nonce guessed or copied from nowhere: the policy has none) is refused."""
    page = asgi_login_as(world["member"])
    page.goto(asgi_server.url + world["group"].get_absolute_url())
    page.evaluate(
        """() => {
            const s = document.createElement('script');
            s.setAttribute('nonce', 'R3Vlc3NlZE5vbmNlMTIz');
            s.textContent = 'window.pwned = true;';
            document.body.appendChild(s);
            const t = document.createElement('div');
            t.innerHTML = '<img src=x onerror="window.pwned2 = true">';
            document.body.appendChild(t);
        }"""
    )
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.pwned === undefined && window.pwned2 === undefined")
    assert any("script" in text for text in _no_csp_violations), _no_csp_violations
