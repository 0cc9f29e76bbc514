"""axe-core (bundled with axe-playwright-python) finds no WCAG 2.1 A/AA violations on
the main pages, and the group page does not scroll sideways on a small phone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from groups import services
from groups.models import MembershipStatus, Role

from .conftest import AXE_OPTIONS

AXE = Axe()


@pytest.fixture
def world(make_user: Any, make_group: Any, add_member: Any) -> dict[str, Any]:
    admin = make_user(display_name="Ingunn Sørensen", is_staff=True)
    group = make_group(
        admin=admin,
        name="Sammen hver for sig",
        description="Et trygt fællesskab for borgere i kommunen.\n\nVi deler lyspunkter.",
        questions=["Hvad håber du at få ud af gruppen?", "Hvordan har du hørt om os?"],
    )
    member = add_member(group, make_user(display_name="Birthe Jensen"))
    add_member(group, make_user(display_name="Christian Gregersen"), role=Role.STAFF)
    add_member(group, make_user(display_name="Kristina Rahbek"), role=Role.MODERATOR)
    add_member(group, make_user(display_name="Poul Andersen"), status=MembershipStatus.PENDING)
    sub = services.subgroup_create(
        actor=admin,
        group=group,
        name="Strikkeklubben",
        description="Vi deler mønstre og gode råd.",
        facilitator=member,
    )
    services.subgroup_create(actor=admin, group=group, name="Gåturen", member_cap=8)
    outsider = make_user(display_name="Ole Kristensen")
    return {"admin": admin, "group": group, "member": member, "sub": sub, "outsider": outsider}


def _url(world: dict[str, Any], page_name: str) -> tuple[str | None, str]:
    group, sub = world["group"], world["sub"]
    return {
        "landing": (None, "/"),
        "login": (None, "/accounts/login/"),
        "signup": (None, "/accounts/signup/"),
        "home": ("member", "/"),
        "public-face": ("outsider", group.get_absolute_url()),
        "group": ("member", group.get_absolute_url()),
        "members": ("member", f"/groups/{group.slug}/members/"),
        "requests": ("admin", f"/groups/{group.slug}/requests/"),
        "subgroup": ("member", sub.get_absolute_url()),
        "profile": ("member", "/profile/"),
    }[page_name]


def _assert_no_violations(page: Any) -> None:
    # The stylesheet must be applied, or colour-contrast results mean nothing.
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(244, 241, 236)"
    results = AXE.run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize(
    "page_name",
    [
        "landing",
        "login",
        "signup",
        "home",
        "public-face",
        "group",
        "members",
        "requests",
        "subgroup",
        "profile",
    ],
)
def test_no_wcag_violations(
    live_server: Any, page: Any, login_as: Any, world: dict[str, Any], page_name: str
) -> None:
    who, path = _url(world, page_name)
    if who is not None:
        page = login_as(world[who])
    response = page.goto(live_server.url + path)
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    _assert_no_violations(page)


def test_signup_form_with_errors_has_no_violations(live_server: Any, page: Any) -> None:
    page.goto(live_server.url + "/accounts/signup/")
    # Let the server, not the browser, judge the input: its messages are what we check.
    page.locator("main form").evaluate("form => { form.noValidate = true; }")
    page.get_by_label("E-mail").fill("ikke-en-adresse")
    page.get_by_label("Adgangskode", exact=True).fill("kort")
    page.get_by_label("Adgangskode (igen)").fill("anden")
    page.get_by_role("main").get_by_role("button", name="Opret konto").click()
    expect(page.locator(".error").first).to_be_visible()
    # The password rules stay tied to the field (they used to vanish from the description).
    expect(page.get_by_label("Adgangskode", exact=True)).to_have_accessible_description(
        re.compile("mindst 8 tegn")
    )
    _assert_no_violations(page)


@pytest.mark.parametrize("who", ["member", "admin"])
def test_group_page_fits_a_small_phone(
    live_server: Any, login_as: Any, world: dict[str, Any], who: str
) -> None:
    page = login_as(world[who])
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server.url + world["group"].get_absolute_url())
    expect(page.get_by_role("heading", name="Sammen hver for sig", level=1)).to_be_visible()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360, f"the page scrolls sideways: {scroll_width}px wide"
