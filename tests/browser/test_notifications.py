"""Notifications in a real browser on Daphne: one member replies, the other's bell
changes without a reload, and the notification leads to the comment. axe finds no
WCAG 2.1 A/AA violations on the notifications pages."""

from __future__ import annotations

import time
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from posts import services

from .conftest import AXE_OPTIONS, off_the_loop

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Axe()


@pytest.fixture
def world(make_user: Any, make_group: Any, add_member: Any) -> dict[str, Any]:
    admin = make_user(display_name="Ingunn Sørensen", is_staff=True)
    group = make_group(admin=admin, name="Sammen hver for sig")
    anna = add_member(group, make_user(display_name="Anna Holm"))
    bent = add_member(group, make_user(display_name="Bent Lund"))
    post = off_the_loop(
        lambda: services.post_create(actor=anna, group=group, body="Ugens gåtur ved søen")
    )
    return {"group": group, "anna": anna, "bent": bent, "post": post}


def test_a_reply_rings_the_bell_live_and_leads_to_the_comment(
    asgi_server: Any, asgi_login_as: Any, world: dict[str, Any]
) -> None:
    anna = asgi_login_as(world["anna"])
    opened: list[str] = []
    anna.on("websocket", lambda ws: opened.append(ws.url))
    anna.goto(asgi_server.url + "/")
    deadline = time.monotonic() + 10
    while not any(url.endswith("/ws/notifications/") for url in opened):
        assert time.monotonic() < deadline, "the bell's socket did not open"
        anna.wait_for_timeout(50)
    bell = anna.locator("#bell-count")
    expect(bell).to_be_hidden()
    anna.wait_for_timeout(300)  # the server has joined the person's channel by then
    anna.evaluate("window.__noReload = true")

    bent = asgi_login_as(world["bent"])
    bent.goto(asgi_server.url + world["post"].get_absolute_url())
    bent.get_by_label("Skriv en kommentar").fill("Jeg tager termokanden med!")
    bent.get_by_role("button", name="Send kommentar").click()

    expect(bell).to_be_visible(timeout=5000)
    expect(bell).to_contain_text("1")
    expect(anna.locator("#bell-announcer")).to_contain_text("1 ulæst besked")
    assert anna.evaluate("window.__noReload === true"), "the page was reloaded"

    anna.get_by_role("link", name="Beskeder").click()
    row = anna.get_by_role("link", name="Bent Lund har svaret dig i «Ugens gåtur ved søen»")
    expect(row).to_be_visible()
    results = AXE.run(anna, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()
    row.click()
    expect(anna.get_by_text("Jeg tager termokanden med!")).to_be_visible()
    assert "#comment-" in anna.url
    expect(anna.locator("#bell-count")).to_be_hidden()


def test_the_settings_page_has_no_axe_violations(
    asgi_server: Any, asgi_login_as: Any, world: dict[str, Any]
) -> None:
    page = asgi_login_as(world["anna"])
    page.goto(asgi_server.url + "/notifications/settings/")
    expect(page.get_by_role("heading", name="Indstillinger for beskeder")).to_be_visible()
    page.get_by_label("Hele gruppen").select_option("alt")
    page.get_by_role("button", name="Gem indstillinger").click()
    expect(page.get_by_text("Dine indstillinger er gemt.")).to_be_visible()
    results = AXE.run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()
