"""Issue 16 in a real browser: a member orders a copy of their data (typing
the password again), downloads and opens the ZIP, then deletes their account
with "Anonymisér"; another member sees "Tidligere medlem" on the old post.
axe finds no WCAG 2.1 A/AA violations on the pages on the way."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from accounts.models import User
from posts.services import post_create

from .conftest import AXE_OPTIONS, PASSWORD, login

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Axe()
RECIPE = "Min opskrift på æblekage med kanel"


def assert_no_axe_violations(page: Any) -> None:
    results = AXE.run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()


def test_a_member_exports_opens_the_zip_and_anonymises_their_account(
    live_server: Any,
    new_context: Any,
    make_user: Any,
    make_group: Any,
    add_member: Any,
    eager_tasks: None,
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.ACCOUNT_DELETION_GRACE_DAYS = 0
    admin = make_user(display_name="Ingunn Sørensen")
    group = make_group(admin=admin, name="Sammen hver for sig")
    birthe = add_member(group, make_user(display_name="Birthe Jensen"))
    post = post_create(actor=birthe, group=group, body=RECIPE)

    page = new_context(accept_downloads=True).new_page()
    login(page, live_server.url, birthe.email)
    page.goto(f"{live_server.url}/profile/")
    page.get_by_role("link", name="Hent mine data").click()
    expect(page.get_by_role("heading", name="Hent mine data")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Bestil en kopi af mine data").click()
    # allauth's re-authentication: the password again, then the order goes through.
    expect(page.get_by_role("heading", name="Skriv din adgangskode igen")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Bekræft").click()
    expect(page.get_by_text("Vi er gået i gang")).to_be_visible()
    page.reload()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Hent min kopi (ZIP)").click()
    target = tmp_path / "mine-data.zip"
    download_info.value.save_as(target)
    with zipfile.ZipFile(target) as archive:
        assert "Filerne" in archive.read("LÆS_MIG.txt").decode()
        posts = json.loads(archive.read("opslag.json"))
        assert [p["tekst"] for p in posts] == [RECIPE]

    page.goto(f"{live_server.url}/profile/")
    page.get_by_role("link", name="Slet min konto").click()
    expect(page.get_by_role("heading", name="Anonymisér")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("radio", name="Anonymisér").check()
    page.get_by_label("Ja, jeg vil have min konto slettet").check()
    page.get_by_role("button", name="Slet min konto").click()
    expect(page.get_by_role("heading", name="Din konto bliver slettet")).to_be_visible()
    assert not User.objects.filter(pk=birthe.pk).exists()

    other = new_context().new_page()
    login(other, live_server.url, admin.email)
    other.goto(f"{live_server.url}{post.get_absolute_url()}")
    article = other.locator("article").filter(has_text=RECIPE).first
    expect(article).to_contain_text("Tidligere medlem")
    expect(other.locator("main")).not_to_contain_text("Birthe Jensen")


@pytest.mark.parametrize(
    "path",
    [
        "/privatliv/",
        "/privatliv/hent-mine-data/",
        "/privatliv/slet-min-konto/",
        "/privatliv/samtykker/",
        "/profile/",
    ],
)
def test_the_privacy_pages_fit_a_phone_and_pass_axe(
    live_server: Any, new_context: Any, make_user: Any, path: str
) -> None:
    user = make_user(display_name="Birthe Jensen")
    page = new_context().new_page()
    page.set_viewport_size({"width": 360, "height": 740})
    login(page, live_server.url, user.email)
    page.goto(f"{live_server.url}{path}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_no_axe_violations(page)
