"""Security keys (WebAuthn) and recovery codes end to end in a real browser
(issue 17). A new staff member, who must use two-factor, adds a security key
held by Chromium's virtual authenticator, sees it listed, logs in again with
password and key (a missing key says so in Danish), and once more with a
recovery code, which then no longer works, with a message that says why. All
in Danish, on a 360 px phone and under the Content-Security-Policy (the guard
in conftest.py fails the test on any violation).

The live server listens on http://localhost, a secure context in Chromium
whose host is also the relying party id allauth derives from the request:
WebAuthn runs as in production, with no insecure-origin setting."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from .conftest import AXE_OPTIONS, PASSWORD
from .test_phone import PHONE, _sideways

pytestmark = pytest.mark.django_db(transaction=True)

WANTED = "/notifications/"  # for the logged-in only


def add_virtual_authenticator(page: Any) -> tuple[Any, str]:
    """A USB security key with a PIN (user verification), as Chromium's
    DevTools protocol offers it; the key answers every request by itself."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    found = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, found["authenticatorId"]


def password_step(page: Any, base_url: str, email: str, wanted: str) -> None:
    """Ask for a page that needs login, then give e-mail and password."""
    page.goto(base_url + wanted)
    expect(page.get_by_role("button", name="Log ind")).to_be_visible()
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()


AXE = Axe()


def fits(page: Any) -> None:
    """Nothing on the page scrolls sideways on a 360 px phone, and axe finds
    no WCAG 2.1 A/AA violation on it."""
    assert _sideways(page) == 0, f"{page.url} is {_sideways(page)} px too wide"
    results = AXE.run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()


def log_out(page: Any, base_url: str) -> None:
    page.goto(base_url + "/accounts/logout/")
    page.get_by_role("button", name="Log ud").click()
    page.wait_for_url(base_url + "/")


def test_a_staff_member_adds_a_security_key_and_logs_in_with_it_and_with_a_recovery_code(
    live_server: Any, new_context: Any, make_user: Any, settings: Any
) -> None:
    settings.MFA_REQUIRED_FOR_TEAM = True
    base = live_server.url
    assert base.startswith("http://localhost:"), base
    staff = make_user(display_name="Karen Holm", is_staff=True)
    # A phone's width: every two-factor page on the way must fit it.
    page = new_context().new_page()
    page.set_viewport_size(PHONE)
    cdp, key = add_virtual_authenticator(page)

    # Logging in, the new staff member is sent to set up two-factor first.
    password_step(page, base, staff.email, WANTED)
    page.wait_for_url(base + "/accounts/2fa/")
    expect(page.get_by_text("skal du bruge to-faktor-autentificering")).to_be_visible()
    expect(page.get_by_text("Ingen sikkerhedsnøgler er blevet tilføjet.")).to_be_visible()
    fits(page)
    page.get_by_role("link", name="Tilføj", exact=True).click()
    # allauth asks for the password again before a key is added.
    expect(page.get_by_role("heading", name="Skriv din adgangskode igen")).to_be_visible()
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Bekræft").click()

    # 1. The key is added: Chromium asks the virtual key, allauth checks its answer.
    expect(page.get_by_role("heading", name="Tilføj sikkerhedsnøgle")).to_be_visible()
    fits(page)
    page.get_by_label("Navn").fill("Min gule nøgle")
    page.get_by_role("button", name="Tilføj", exact=True).click()
    expect(page.get_by_text("Sikkerhedsnøgle tilføjet.")).to_be_visible()
    assert len(cdp.send("WebAuthn.getCredentials", {"authenticatorId": key})["credentials"]) == 1
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.WEBAUTHN).count() == 1
    # The first key brings recovery codes, shown at once.
    expect(page.get_by_role("heading", name="Gendannelseskoder")).to_be_visible()
    expect(page.get_by_text("Der er 10 ud af 10 gendannelseskoder tilgængelige.")).to_be_visible()
    codes = page.get_by_label("Ubrugte koder").input_value().split()
    assert len(codes) == 10
    fits(page)
    # The key is listed, in Danish.
    page.goto(base + "/accounts/2fa/")
    expect(page.get_by_role("heading", name="Sikkerhedsnøgler")).to_be_visible()
    page.get_by_role("link", name="Administrer").click()
    expect(page.get_by_role("heading", name="Sikkerhedsnøgler")).to_be_visible()
    row = page.get_by_role("listitem").filter(has_text="Min gule nøgle")
    expect(row).to_contain_text("Tilføjet den")
    expect(row).to_contain_text("Ikke brugt.")
    expect(row.get_by_role("link", name="Fjern Min gule nøgle")).to_be_visible()
    fits(page)
    # Renamed, on a page that speaks Danish too.
    row.get_by_role("link", name="Rediger Min gule nøgle").click()
    fits(page)
    page.get_by_label("Navn").fill("Nøglen på nøgleringen")
    page.get_by_role("button", name="Gem").click()
    expect(page.get_by_role("listitem").filter(has_text="Nøglen på nøgleringen")).to_be_visible()
    # Through: the page asked for at first opens now.
    page.goto(base + WANTED)
    expect(page).to_have_url(base + WANTED)

    # 2. Password, then the key, and on to the page asked for.
    log_out(page, base)
    password_step(page, base, staff.email, WANTED)
    page.wait_for_url(base + "/accounts/2fa/authenticate/")
    expect(page.get_by_role("heading", name="To-faktor-autentificering")).to_be_visible()
    # Without the key (taken out of the authenticator for a moment): a Danish
    # message says so, and the person stays where they are.
    saved = cdp.send("WebAuthn.getCredentials", {"authenticatorId": key})["credentials"]
    cdp.send("WebAuthn.clearCredentials", {"authenticatorId": key})
    failed = page.get_by_role("alert").filter(has_text="Sikkerhedsnøglen svarede ikke")
    expect(failed).to_be_hidden()
    page.get_by_role("button", name="Brug en sikkerhedsnøgle").click()
    expect(failed).to_be_visible(timeout=15_000)
    fits(page)
    assert page.url == base + "/accounts/2fa/authenticate/"
    # With the key back in, the same button logs in.
    for credential in saved:
        cdp.send("WebAuthn.addCredential", {"authenticatorId": key, "credential": credential})
    page.get_by_role("button", name="Brug en sikkerhedsnøgle").click()
    page.wait_for_url(base + WANTED)
    expect(page.get_by_role("heading", name="Beskeder")).to_be_visible()
    assert Authenticator.objects.get(user=staff, type=Authenticator.Type.WEBAUTHN).last_used_at

    # 3. Password, then a recovery code instead of the key.
    log_out(page, base)
    password_step(page, base, staff.email, WANTED)
    page.wait_for_url(base + "/accounts/2fa/authenticate/")
    page.get_by_label("Kode").fill(codes[0])
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(base + WANTED)
    recovery = Authenticator.objects.get(user=staff, type=Authenticator.Type.RECOVERY_CODES)
    assert codes[0] not in recovery.wrap().get_unused_codes()
    assert len(recovery.wrap().get_unused_codes()) == 9

    # A used code does not work again: a clear message, and no login.
    log_out(page, base)
    password_step(page, base, staff.email, WANTED)
    page.wait_for_url(base + "/accounts/2fa/authenticate/")
    page.get_by_label("Kode").fill(codes[0])
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_text("hver gendannelseskode virker kun én gang")).to_be_visible()
    fits(page)
    assert page.url == base + "/accounts/2fa/authenticate/"
    page.goto(base + WANTED)
    expect(page.get_by_role("button", name="Log ind")).to_be_visible()
