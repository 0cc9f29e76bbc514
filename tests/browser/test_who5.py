"""WHO-5 in a real browser on a 360 px phone, with the keyboard only: a member
says yes, answers five questions one screen at a time well within a minute,
and reads their score and trend. axe finds no WCAG 2.1 A/AA violations on
the consent, question and result pages."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from insights import who5
from insights.models import InsightSettings, Who5Answer

from .conftest import AXE_OPTIONS, login

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Axe()
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def world(make_user: Any, make_group: Any, add_member: Any) -> dict[str, Any]:
    admin = make_user(display_name="Ingunn Sørensen")
    group = make_group(admin=admin, name="Sammen hver for sig")
    InsightSettings.objects.create(group=group, who5_enabled=True, who5_every_weeks=8)
    birthe = add_member(group, make_user(display_name="Birthe Jensen"))
    karl = add_member(group, make_user(display_name="Karl Hansen"))
    # Karl said yes nine weeks ago and answered then (score 48).
    who5.who5_consent_give(actor=karl, group=group)
    Who5Answer.objects.create(
        user=karl,
        group=group,
        answered_at=timezone.now() - timedelta(weeks=9),
        a1=2,
        a2=2,
        a3=3,
        a4=2,
        a5=3,
    )
    return {"group": group, "birthe": birthe, "karl": karl}


def on_phone(new_context: Any, live_server: Any, user: Any) -> Any:
    page = new_context().new_page()
    page.set_viewport_size(PHONE)
    login(page, live_server.url, user.email)
    return page


def press_tab_until(page: Any, name: str, limit: int = 60) -> None:
    """Tab through the page until the focused control is called `name`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement && document.activeElement.innerText")
        if focused and focused.strip() == name:
            return
    raise AssertionError(f"{name!r} was not reached with the Tab key")


def assert_no_axe_violations(page: Any) -> None:
    results = AXE.run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()


def assert_fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways: {width}px wide"


def test_a_member_says_yes_with_the_keyboard(
    live_server: Any, new_context: Any, world: dict[str, Any]
) -> None:
    page = on_phone(new_context, live_server, world["birthe"])
    page.goto(live_server.url + f"/groups/{world['group'].slug}/trivsel/")
    expect(page.get_by_text("Kun du ser dine svar.", exact=False)).to_be_visible()
    assert_fits(page)
    assert_no_axe_violations(page)
    press_tab_until(page, "Ja, jeg vil gerne være med")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Trivselsmåling Spørgsmål 1 af 5")).to_be_visible()
    assert_fits(page)
    assert_no_axe_violations(page)


def test_five_questions_with_the_keyboard_in_well_under_a_minute(
    live_server: Any, new_context: Any, world: dict[str, Any]
) -> None:
    page = on_phone(new_context, live_server, world["karl"])
    page.goto(live_server.url + f"/groups/{world['group'].slug}/trivsel/")
    press_tab_until(page, "Start målingen")
    started = time.monotonic()
    page.keyboard.press("Enter")
    # The first answer takes its radio ("Hele tiden"), the others one step down each.
    for step, downs in enumerate([0, 1, 2, 1, 1], 1):
        expect(page.get_by_text(f"Spørgsmål {step} af 5")).to_be_visible()
        expect(page.get_by_role("radio", name="Hele tiden")).to_be_focused()
        page.keyboard.press("Space")
        for _ in range(downs):
            page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")  # the form's first button: "Næste"
    score = page.get_by_text("Din trivselsscore er", exact=False)
    expect(score).to_contain_text("80 ud af 100")
    elapsed = time.monotonic() - started
    assert elapsed < 30, f"five questions took {elapsed:.1f} s"
    # 5 + 4 + 3 + 4 + 4 = 20 → 80, against 48 nine weeks ago.
    expect(page.get_by_text("Det er 32 point højere end sidst.", exact=False)).to_be_visible()
    table = page.get_by_role("table", name="Dine målinger")
    expect(table.get_by_role("row")).to_have_count(3)
    expect(page.get_by_text("Godt at høre, at du har det godt.")).to_be_visible()
    assert Who5Answer.objects.filter(user=world["karl"]).count() == 2
    assert_fits(page)
    assert_no_axe_violations(page)


def test_a_low_score_offers_someone_to_talk_to(
    live_server: Any, new_context: Any, world: dict[str, Any]
) -> None:
    page = on_phone(new_context, live_server, world["karl"])
    page.goto(live_server.url + f"/groups/{world['group'].slug}/trivsel/spoergsmaal/")
    for _step in range(5):
        page.get_by_role("radio", name="Lidt af tiden").check()
        page.get_by_role("button", name="Næste").or_(
            page.get_by_role("button", name="Se mit resultat")
        ).click()
    expect(page.get_by_role("heading", name="Tal med nogen")).to_be_visible()
    expect(page.get_by_role("link", name="70 201 201")).to_have_attribute("href", "tel:+4570201201")
    assert_fits(page)
    assert_no_axe_violations(page)
