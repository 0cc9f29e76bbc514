"""The directory's working flow in a real browser: an association submits its
walk, the editor approves it, a citizen on a 360 px phone asks to talk to a
coordinator, and the coordinator marks the request contacted. The buttons are
pressed with the keyboard; axe finds no WCAG 2.1 A/AA violations on any page
of the way, and nothing scrolls sideways on the phone."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from directory.models import (
    ActivityType,
    Area,
    CoordinatorRequest,
    DirectoryRole,
    DirectoryRoleKind,
    Entry,
    EntryStatus,
    RequestState,
    TargetGroup,
)

from .conftest import AXE_OPTIONS, login

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Axe()
PHONE = {"width": 360, "height": 740}


def assert_no_axe_violations(page: Any) -> None:
    results = AXE.run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()


def assert_fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "() => [...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > window.innerWidth)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)"
    )
    assert width <= PHONE["width"], f"the page scrolls sideways: {width}px wide: {wide}"


def press(page: Any, name: str) -> None:
    """Focus the button by its words and press Enter, as a keyboard user would."""
    button = page.get_by_role("button", name=name, exact=True)
    button.focus()
    expect(button).to_be_focused()
    page.keyboard.press("Enter")


@pytest.fixture
def world(make_user: Any) -> dict[str, Any]:
    area = Area.objects.create(name="Horsens midtby", slug="horsens-midtby")
    ActivityType.objects.create(name="Gåtur", slug="gaatur")
    TargetGroup.objects.create(name="Seniorer 60+", slug="seniorer")
    editor = make_user(display_name="Dorthe Lauridsen")
    DirectoryRole.objects.create(user=editor, role=DirectoryRoleKind.EDITOR)
    coordinator = make_user(display_name="Kasper Holm")
    DirectoryRole.objects.create(user=coordinator, role=DirectoryRoleKind.COORDINATOR)
    association = make_user(display_name="Grethe Hansen")
    return {"area": area, "editor": editor, "coordinator": coordinator, "association": association}


def test_submit_approve_ask_and_contact(
    live_server: Any, new_context: Any, world: dict[str, Any]
) -> None:
    base = live_server.url

    # 1. The association submits its walk.
    page = new_context().new_page()
    login(page, base, world["association"].email)
    page.goto(f"{base}/faellesskaber/indsend/")
    assert_no_axe_violations(page)
    page.get_by_label("Navn på aktiviteten eller fællesskabet").fill("Gåtur langs fjorden")
    page.get_by_label("Kort beskrivelse").fill(
        "Vi går en rolig tur sammen. Alle kan være med. Bagefter drikker vi kaffe."
    )
    page.get_by_label("Foreningens eller stedets navn").fill("Ældre Sagen Horsens")
    page.get_by_label("Gåtur").check()
    page.get_by_label("Seniorer 60+").check()
    page.get_by_label("Lokalområde").select_option(label="Horsens midtby")
    page.locator("#id_address").fill("Havnegade 10, 8700 Horsens")
    page.get_by_label("Hver uge", exact=True).check()
    page.get_by_label("Ugedag").select_option(label="tirsdag")
    page.get_by_label("Første gang").fill("2026-01-06")
    page.get_by_label("Starter kl.").fill("10:00")
    page.get_by_label("Slutter kl.").fill("12:00")
    page.get_by_label("Trinfri adgang").check()
    page.get_by_label("Kontaktperson", exact=True).fill("Grethe Hansen")
    page.get_by_label("Kontaktpersonens telefon").fill("75 12 34 56")
    press(page, "Send til godkendelse")
    expect(page.get_by_role("heading", name="Mine indsendelser")).to_be_visible()
    expect(page.get_by_text("Afventer godkendelse").first).to_be_visible()
    assert_no_axe_violations(page)
    entry = Entry.objects.get(title="Gåtur langs fjorden")
    assert entry.status == EntryStatus.PENDING

    # 2. The editor approves it beside the checklist.
    page = new_context().new_page()
    login(page, base, world["editor"].email)
    page.goto(f"{base}/faellesskaber/redaktion/godkend/")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Gåtur langs fjorden").click()
    expect(page.get_by_role("heading", name="Tjekliste")).to_be_visible()
    assert_no_axe_violations(page)
    press(page, "Godkend")
    expect(page.get_by_text("er godkendt og kan nu findes")).to_be_visible()
    entry.refresh_from_db()
    assert entry.status == EntryStatus.PUBLISHED

    # 3. A citizen on a phone, not logged in, asks to talk to a coordinator.
    page = new_context().new_page()
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/faellesskaber/{entry.pk}/")
    expect(page.get_by_role("heading", name="Gåtur langs fjorden")).to_be_visible()
    page.get_by_role("link", name="Tal med en fællesskabskoordinator").first.click()
    expect(page.get_by_role("heading", name="Tal med en fællesskabskoordinator")).to_be_visible()
    assert_no_axe_violations(page)
    assert_fits(page)
    # Sent without a way to reach her: a Danish message, nothing stored.
    page.get_by_label("Dit navn").fill("Hanne Hansen")
    page.get_by_label("Hvad kunne du tænke dig?").fill("Jeg vil gerne gå tur med nogen.")
    page.get_by_label("En fællesskabskoordinator må kontakte mig", exact=False).check()
    press(page, "Send – så ringer vi dig op")
    expect(page.get_by_text("Skriv dit telefonnummer eller din e-mail").first).to_be_visible()
    assert not CoordinatorRequest.objects.exists()
    assert_no_axe_violations(page)
    page.get_by_role("textbox", name="Telefon").fill("20 30 40 50")
    press(page, "Send – så ringer vi dig op")
    expect(page.get_by_role("heading", name="Tak – vi har fået din besked")).to_be_visible()
    expect(page.get_by_text("kontakter dig senest")).to_be_visible()
    assert_no_axe_violations(page)
    assert_fits(page)

    # 4. The coordinator works the request: contacted.
    page = new_context().new_page()
    login(page, base, world["coordinator"].email)
    page.goto(f"{base}/faellesskaber/koordinator/")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Hanne Hansen").click()
    expect(page.get_by_text("20304050")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_label("Note (valgfri)").fill("Talt med Hanne. Hun vil gerne prøve gåturen.")
    press(page, "Marker som kontaktet")
    expect(page.get_by_text("Henvendelsen er opdateret.")).to_be_visible()
    assert_no_axe_violations(page)
    request = CoordinatorRequest.objects.get()
    assert request.state == RequestState.CONTACTED
    assert request.assigned_to == world["coordinator"]
