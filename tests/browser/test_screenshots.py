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
