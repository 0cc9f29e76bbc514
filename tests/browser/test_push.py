"""Web push in a real browser: the settings page asks for permission only after
the person presses "Få besked på telefonen" (with the keyboard, here), never on
load, and registers the service worker only then. Chromium cannot reach a real
push service from the test machine, so the subscription itself ends in the
page's Danish message; the protocol is tested end to end in
tests/notifications/test_push.py."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from .conftest import AXE_OPTIONS

pytestmark = pytest.mark.django_db(transaction=True)

# Counts the permission prompts the page asks for.
WATCH_PERMISSION = """
window.__asked = 0;
if (window.Notification) {
  const ask = Notification.requestPermission.bind(Notification);
  Notification.requestPermission = function (callback) {
    window.__asked += 1;
    return ask(callback);
  };
}
"""

REGISTERED = "navigator.serviceWorker.getRegistration('/').then(r => Boolean(r))"


@pytest.mark.parametrize("allowed", [True, False])
def test_permission_is_asked_only_after_the_button_is_pressed(
    allowed: bool, live_server: Any, login_as: Any, make_user: Any
) -> None:
    page = login_as(make_user(display_name="Birthe Jensen"))
    if allowed:
        page.context.grant_permissions(["notifications"], origin=live_server.url)
    page.add_init_script(WATCH_PERMISSION)
    page.goto(live_server.url + "/notifications/settings/")

    button = page.get_by_role("button", name="Få besked på telefonen")
    expect(button).to_be_visible()
    expect(page.get_by_role("button", name="Slå fra på denne enhed")).to_be_hidden()
    page.wait_for_timeout(300)  # the page's script has run
    assert page.evaluate("window.__asked") == 0
    assert page.evaluate(REGISTERED) is False

    button.focus()
    page.keyboard.press("Enter")
    status = page.locator("[data-push-status]")
    expected = "lykkedes ikke" if allowed else "Browseren må ikke vise beskeder"
    expect(status).to_contain_text(expected, timeout=20_000)
    assert page.evaluate("window.__asked") == 1
    # The service worker is registered only once the person said yes.
    assert page.evaluate(REGISTERED) is allowed


def test_the_settings_page_with_push_has_no_wcag_violations(
    live_server: Any, login_as: Any, make_user: Any
) -> None:
    page = login_as(make_user())
    page.goto(live_server.url + "/notifications/settings/")
    expect(page.get_by_role("heading", name="Beskeder på telefonen")).to_be_visible()
    results = Axe().run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()
