"""Screenshots of the seeded demo community for README.md and docs/.

Always checks that the pages render for the demo accounts; writes the PNGs to
docs/screenshots/ only with SAMMEN_SCREENSHOTS=1 (see tools/screenshots.py).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import User
from posts.models import Post

from .conftest import off_the_loop

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DEMO_PASSWORD = "sammen-demo"  # the published demo password (seed_demo)
VIEWPORT = {"width": 1280, "height": 900}


@pytest.fixture
def demo(transactional_db: None) -> None:
    # In a worker thread: the services publish after commit, which cannot happen in
    # the thread where Playwright's event loop runs.
    off_the_loop(
        lambda: call_command("seed_demo", force=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
    )


def _shoot(page: Any, name: str, height: int | None = None, top: int = 0) -> None:
    """The viewport; with `height`, that much of the page from `top` down (a taller
    picture, for pages whose point is further down)."""
    # The stylesheet is applied (a bare HTML screenshot would be useless).
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(244, 241, 236)"
    if os.environ.get("SAMMEN_SCREENSHOTS") == "1":
        OUT.mkdir(parents=True, exist_ok=True)
        if height is None:
            page.screenshot(path=str(OUT / f"{name}.png"))
        else:
            full = page.evaluate("document.documentElement.scrollHeight")
            clip = {"x": 0, "y": top, "width": VIEWPORT["width"], "height": min(height, full - top)}
            page.screenshot(path=str(OUT / f"{name}.png"), full_page=True, clip=clip)


def test_screenshots(live_server: Any, login_as: Any, demo: None) -> None:
    member = login_as(User.objects.get(email="member@example.org"), password=DEMO_PASSWORD)
    member.set_viewport_size(VIEWPORT)
    member.reload()  # without the one-off "logged in" message

    expect(member.get_by_role("heading", level=1)).to_have_text("Hej Birthe Jensen")
    expect(
        member.get_by_role("region", name="Mine grupper").get_by_role(
            "link", name="Sammen hver for sig"
        )
    ).to_be_visible()
    _shoot(member, "home")

    member.goto(live_server.url + "/groups/sammen-hver-for-sig/")
    subgroups = member.get_by_role("region", name="Undergrupper")
    for name in ("Strikkeklubben", "Læseklubben", "Gåturen"):
        expect(subgroups.get_by_role("link", name=name)).to_be_visible()
    # The group page: the composer, the pinned welcome post and the newest posts.
    feed = member.locator("#feed-posts")
    expect(member.get_by_role("region", name="Skriv et opslag")).to_be_visible()
    expect(member.locator("#pinned-posts")).to_contain_text("Velkommen til Sammen hver for sig!")
    expect(feed.locator("article").first).to_be_visible()
    _shoot(member, "group", height=1800)

    # Further down, the feed: a member's post with a photo, its comments and reactions.
    with_photo = feed.locator("article:has(ul.photos)").first
    top = with_photo.evaluate("el => Math.round(el.getBoundingClientRect().top + scrollY) - 16")
    member.evaluate(f"window.scrollTo(0, {top})")
    photo = with_photo.locator("ul.photos img").first
    expect(photo).to_be_in_viewport()
    expect(photo).to_have_js_property("complete", True)  # loading="lazy": now loaded
    assert photo.evaluate("img => img.naturalWidth") > 0
    # Load the next posts' photos too, for the taller picture.
    member.evaluate(f"window.scrollTo(0, {top} + 1000)")
    member.wait_for_load_state("networkidle")
    _shoot(member, "feed", height=1600, top=top)

    # A post page: a photo, comments and replies.
    post = (
        Post.objects.filter(
            group__slug="sammen-hver-for-sig",
            subgroup=None,
            images__isnull=False,
            comments__parent__isnull=False,
        )
        .distinct()
        .order_by("-created_at")
        .first()
    )
    assert post is not None, "seed_demo makes posts with photos, comments and replies"
    member.goto(live_server.url + post.get_absolute_url())
    expect(member.locator(".replies .comment").first).to_be_visible()
    photo = member.locator("ul.photos img").first
    photo.scroll_into_view_if_needed()
    expect(photo).to_have_js_property("complete", True)
    member.evaluate("window.scrollTo(0, 0)")
    _shoot(member, "post", height=2000)

    outsider = login_as(User.objects.get(email="outsider@example.org"), password=DEMO_PASSWORD)
    outsider.set_viewport_size(VIEWPORT)
    outsider.goto(live_server.url + "/groups/sammen-hver-for-sig/")
    expect(outsider.get_by_role("link", name="Bed om at blive medlem")).to_be_visible()
    expect(outsider.get_by_role("main")).not_to_contain_text("Strikkeklubben")
    _shoot(outsider, "public-face")


# --- On a phone (issue 18): docs/screenshots/*-phone.png and the help page's pictures ---

PHONE = {"width": 360, "height": 560}
HELP = Path(__file__).resolve().parents[2] / "static" / "img" / "hjaelp"


def _no_sideways_scroll(page: Any) -> None:
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    ), page.url


def _top(page: Any, locator: Any, margin: int = 12) -> None:
    """Scroll so that `locator` is at the top of the screen."""
    locator.evaluate(
        f"el => window.scrollTo(0, el.getBoundingClientRect().top + scrollY - {margin})"
    )


def _help_picture(page: Any, name: str) -> None:
    """A picture for the help page (templates/pages/help.html shows it at 360 x 560)."""
    _no_sideways_scroll(page)
    assert page.viewport_size == PHONE
    if os.environ.get("SAMMEN_SCREENSHOTS") == "1":
        HELP.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(HELP / f"{name}.png"))


def _phone_shot(page: Any, name: str, height: int = 1400) -> None:
    _no_sideways_scroll(page)
    if os.environ.get("SAMMEN_SCREENSHOTS") == "1":
        full = page.evaluate("document.documentElement.scrollHeight")
        clip = {"x": 0, "y": 0, "width": PHONE["width"], "height": min(height, full)}
        page.screenshot(path=str(OUT / f"{name}.png"), full_page=True, clip=clip)


def test_phone_screenshots(live_server: Any, login_as: Any, demo: None) -> None:
    """Birthe on a 360 px phone: her first visit's welcome card, closed; then
    posts at once below the composer's one field; writing opens the rest of it;
    the pictures of the help page."""
    birthe = User.objects.get(email="member@example.org")
    group_url = live_server.url + "/groups/sammen-hver-for-sig/"
    page = login_as(birthe, password=DEMO_PASSWORD)
    page.set_viewport_size(PHONE)
    page.goto(group_url)

    # The header on one line: name, bell and Menu side by side.
    header = page.locator(".header-row")
    tops = header.locator(":scope > a, :scope > details > summary").evaluate_all(
        "els => els.map(e => Math.round(e.getBoundingClientRect().top))"
    )
    assert len(tops) == 3 and len(set(tops)) == 1, tops
    menu = page.locator("details.menu")
    menu.locator("summary").click()
    expect(page.get_by_role("navigation", name="Hovedmenu")).to_be_visible()
    expect(
        page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Hjælp")
    ).to_be_visible()
    _help_picture(page, "menu")
    page.keyboard.press("Escape")
    expect(page.get_by_role("navigation", name="Hovedmenu")).to_be_hidden()

    # The first visit: a welcome card, closed for good.
    welcome = page.get_by_role("region", name="Velkommen til Sammen hver for sig!")
    expect(welcome).to_be_visible()
    _phone_shot(page, "welcome-phone", height=1100)
    welcome.get_by_role("button", name="Luk velkomsten").click()
    expect(page.get_by_role("region", name="Velkommen til Sammen hver for sig!")).to_have_count(0)

    # The WHO-5 offer is a one-off too ("Nej tak" puts it away).
    page.locator(".who5-offer").get_by_role("button", name="Nej tak").click()
    expect(page.locator(".who5-offer")).to_have_count(0)
    page.reload()  # without the one-off message that says so
    # Posts at once: the composer is one field and the first post starts on the screen.
    composer = page.get_by_role("region", name="Skriv et opslag")
    body = composer.get_by_label("Hvad vil du dele?")
    expect(body).to_be_visible()
    expect(composer.get_by_role("button", name="Del opslaget")).to_be_hidden()
    _phone_shot(page, "group-phone")
    first_post = page.locator("article.post").first
    assert first_post.evaluate("el => el.getBoundingClientRect().top") < PHONE["height"]

    # Writing opens the rest: theme, photos and their descriptions, the button.
    body.click()
    body.fill("Godmorgen alle sammen! Solen skinner i Horsens i dag.")
    expect(composer.get_by_label("Beskriv billederne med ord")).to_be_visible()
    expect(composer.get_by_role("button", name="Del opslaget")).to_be_visible()
    _top(page, composer)
    _phone_shot(page, "composer-phone", height=1300)
    _help_picture(page, "skriv")
    _top(page, composer.locator("input[name='photos']").locator("xpath=.."), margin=40)
    _help_picture(page, "billede")

    # Reactions and comments on a post in the feed.
    page.goto(group_url)
    article = page.locator("#feed-posts > article.post").first
    _top(page, article.locator(".reactions"), margin=160)
    _help_picture(page, "reager")

    post = (
        Post.objects.filter(
            group__slug="sammen-hver-for-sig", subgroup=None, comments__isnull=False
        )
        .exclude(author=birthe)
        .distinct()
        .order_by("-created_at")
        .first()
    )
    assert post is not None
    page.goto(live_server.url + post.get_absolute_url())
    _phone_shot(page, "post-phone")
    _top(page, page.locator(".comment").first)
    _help_picture(page, "kommenter")

    page.goto(live_server.url + f"/groups/sammen-hver-for-sig/posts/{post.pk}/flag/")
    _help_picture(page, "anmeld")
    page.goto(group_url + "subgroups/")
    _top(page, page.get_by_role("heading", level=1))
    _help_picture(page, "undergrupper")
    page.goto(live_server.url + "/notifications/settings/")
    _help_picture(page, "besked")
    page.goto(group_url + "leave/")
    _help_picture(page, "forlad")

    # The help page shows them.
    page.goto(live_server.url + "/hjaelp/")
    _no_sideways_scroll(page)
    expect(page.get_by_role("heading", name="Hjælp: sådan bruger du Sammen")).to_be_visible()
