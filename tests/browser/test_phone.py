"""A small, old phone and a zoomed browser (issue 18): every main page, as
every role, at 360 px wide and at 200 % zoom (a 1280 x 900 window zoomed to
200 % lays pages out in 640 x 450 CSS pixels) has no sideways scrolling; the
header is one line with a "Menu" that works by keyboard; touch targets are at
least 44 x 44 px; the composer opens in place; no axe violations on the new
pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from posts import services as post_services

from .conftest import login, off_the_loop
from .test_accessibility import (
    _assert_no_violations,
    world,  # noqa: F401  (the same small community)
)
from .test_csp import _pages, _user

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 740}
ZOOMED = {"width": 640, "height": 450}  # 1280 x 900 at 200 %
ROLES = ["anonymous", "outsider", "member", "moderator", "staff", "admin"]


def _extra_pages(world: dict[str, Any], role: str) -> list[str]:  # noqa: F811
    group = world["group"]
    extra = [reverse("help")]
    if role in ("member", "moderator", "staff", "admin"):
        extra += [
            reverse("post-create", args=[group.slug]),
            reverse("post-detail", args=[group.slug, world["post"].pk]),
            reverse("group-subgroups", args=[group.slug]),
            reverse("group-rules", args=[group.slug]),
        ]
    return extra


def _sideways(page: Any) -> int:
    """How many CSS pixels the page is wider than the window (0: none)."""
    return int(
        page.evaluate(
            "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
            " - document.documentElement.clientWidth"
        )
    )


@pytest.fixture
def with_post(world: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    post = off_the_loop(
        lambda: post_services.post_create(
            actor=world["admin"],
            group=world["group"],
            body="Velkommen! Et langt ord: " + "strikkepindeholderfabrikken" * 3,
        )
    )
    return {**world, "post": post}


@pytest.mark.parametrize("role", ROLES)
def test_no_main_page_scrolls_sideways_at_360_px_or_at_200_percent_zoom(
    role: str,
    asgi_server: Any,
    asgi_login_as: Any,
    new_context: Any,
    with_post: dict[str, Any],
) -> None:
    page = (
        new_context().new_page() if role == "anonymous" else asgi_login_as(_user(with_post, role))
    )
    paths = _pages(with_post)[role] + _extra_pages(with_post, role)
    wide: list[str] = []
    for size in (PHONE, ZOOMED):
        page.set_viewport_size(size)
        for path in paths:
            response = page.goto(asgi_server.url + path)
            assert response is not None and response.status == 200, path
            over = _sideways(page)
            if over > 0:
                wide.append(f"{size['width']} px {path}: {over} px too wide")
            # The header is one line: the name, the bell or "Log ind", and "Menu".
            tops = page.locator(".header-row > a, .header-row > details > summary").evaluate_all(
                "els => els.map(e => Math.round(e.getBoundingClientRect().top))"
            )
            assert len(set(tops)) == 1, (size, path, tops)
    assert not wide, "\n".join(wide)


def test_touch_targets_are_44_px_and_reactions_need_no_hover(
    live_server: Any, login_as: Any, with_post: dict[str, Any]
) -> None:
    page = login_as(with_post["member"])
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + with_post["group"].get_absolute_url())
    article = page.locator(f"#post-{with_post['post'].pk}")
    targets = [
        page.locator("details.menu > summary"),
        page.locator("a.bell"),
        article.get_by_role("button", name="Synes godt om"),
        article.locator(".more-reactions"),
        article.locator(".post-actions a").first,
        article.locator(".flag-link"),
    ]
    for target in targets:
        box = target.bounding_box()
        assert box is not None
        assert box["width"] >= 44 and box["height"] >= 44, (target, box)
    # A tap (no hover, no long-press) opens the other reactions and chooses one.
    article.locator(".more-reactions").click()
    choices = article.locator(".reaction-choices button")
    expect(choices.first).to_be_visible()
    for i in range(choices.count()):
        box = choices.nth(i).bounding_box()
        assert box is not None and box["height"] >= 44, box


def test_the_menu_works_by_keyboard_and_marks_the_current_page(
    live_server: Any, login_as: Any, with_post: dict[str, Any]
) -> None:
    page = login_as(with_post["member"])
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + reverse("help"))
    menu = page.get_by_role("navigation", name="Hovedmenu")
    expect(menu).to_be_hidden()
    summary = page.locator("details.menu > summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(menu).to_be_visible()
    expect(menu.get_by_role("link", name="Hjælp")).to_have_attribute("aria-current", "page")
    expect(menu.get_by_role("link", name="Forside")).not_to_have_attribute("aria-current", "page")
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(summary).to_be_focused()
    page.keyboard.press("Space")
    expect(menu).to_be_visible()


def test_the_composer_opens_in_place_and_shares_a_post(
    live_server: Any, login_as: Any, with_post: dict[str, Any]
) -> None:
    page = login_as(with_post["member"])
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + with_post["group"].get_absolute_url())
    composer = page.get_by_role("region", name="Skriv et opslag")
    # With JavaScript: the link gives way to one labelled field; the rest waits.
    expect(composer.locator("a.composer-link")).to_be_hidden()
    field = composer.get_by_label("Hvad vil du dele?")
    expect(field).to_be_visible()
    expect(composer.get_by_label("Beskriv billederne med ord")).to_be_hidden()
    field.fill("Hej fra en lille telefon")
    expect(composer.get_by_label("Beskriv billederne med ord")).to_be_visible()
    composer.get_by_label("Aktiv").check()
    composer.get_by_role("button", name="Del opslaget").click()
    expect(page.locator(".messages")).to_contain_text("Dit opslag er delt.")
    expect(page.locator("#feed-posts > article").first).to_contain_text("Hej fra en lille telefon")
    # On a wide screen the whole form stays open.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    expect(composer.get_by_label("Beskriv billederne med ord")).to_be_visible()


def test_without_javascript_the_composer_is_a_link_to_its_own_page(
    live_server: Any, browser: Any, with_post: dict[str, Any]
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale="da-DK")
    page = context.new_page()
    login(page, live_server.url, with_post["member"].email)
    page.goto(live_server.url + with_post["group"].get_absolute_url())
    page.get_by_role("link", name="Skriv et opslag …").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Skriv et opslag i")
    page.get_by_label("Hvad vil du dele?").fill("Skrevet uden JavaScript")
    page.get_by_role("button", name="Del opslaget").click()
    expect(page.locator(".messages")).to_contain_text("Dit opslag er delt.")
    # The menu is a <details>: it opens without JavaScript too.
    page.locator("details.menu > summary").click()
    expect(page.get_by_role("navigation", name="Hovedmenu")).to_be_visible()
    context.close()


@pytest.mark.parametrize("size", [PHONE, ZOOMED], ids=["360px", "200pct"])
def test_the_new_pages_have_no_axe_violations(
    size: dict[str, int], live_server: Any, login_as: Any, with_post: dict[str, Any]
) -> None:
    group = with_post["group"]
    page = login_as(with_post["member"])
    page.set_viewport_size(size)
    for path in (
        group.get_absolute_url(),  # with the welcome card
        reverse("post-create", args=[group.slug]),
        reverse("help"),
        "/findes-ikke/",
    ):
        page.goto(live_server.url + path)
        page.locator("details.menu > summary").click()  # the open menu too
        _assert_no_violations(page)
