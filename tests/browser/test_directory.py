"""The directory in a real browser, as seed 003's user tests would try it: a
citizen finds "strikkeklub i Horsens for seniorer" without logging in, narrows
the results with the keyboard only, saves one to their list and opens it; the
pages fit a 360 px phone and have no WCAG 2.1 A/AA violations."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from demo.directory import seed_directory
from directory.models import Entry

from .conftest import AXE_OPTIONS, main_menu, off_the_loop

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Axe()
KNITTING = "Strikkeklubben på Borgergade"


@pytest.fixture(autouse=True)
def _no_search_cache(settings: Any) -> None:
    settings.DIRECTORY_FIND_CACHE_SECONDS = 0


@pytest.fixture
def demo(make_user: Any, make_group: Any) -> dict[str, Any]:
    admin = make_user(display_name="Ingunn Sørensen")
    group = make_group(admin=admin, name="Sammen hver for sig")
    off_the_loop(lambda: seed_directory(admin=admin, group=group))
    return {"knitting": Entry.objects.get(title=KNITTING)}


def _assert_no_violations(page: Any) -> None:
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(244, 241, 236)"
    results = AXE.run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()


def _fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} scrolls sideways: {width}px wide"


def test_a_visitor_finds_the_knitting_club_and_filters_by_keyboard(
    live_server: Any, page: Any, demo: dict[str, Any]
) -> None:
    page.goto(live_server.url + "/")
    main_menu(page).get_by_role("link", name="Fællesskaber").click()
    expect(page.get_by_role("heading", level=1, name="Find et fællesskab")).to_be_visible()

    search = page.get_by_label("Hvad leder du efter?")
    search.fill("strikkeklub i Horsens for seniorer")
    search.press("Enter")
    results = page.get_by_role("region", name="fællesskab passer")
    expect(results.get_by_role("heading", level=3)).to_have_text([KNITTING])

    # Keyboard only: a new search, then the area chosen by typing in the
    # focused list, a checkbox ticked with the space bar, and Enter on the button.
    page.goto(live_server.url + "/faellesskaber/?q=g%C3%A5tur")
    area = page.get_by_label("Område")
    area.focus()
    page.keyboard.type("Hat")
    expect(area).to_have_value("hatting")
    free = page.get_by_label("Kun gratis", exact=False)
    free.focus()
    page.keyboard.press("Space")
    expect(free).to_be_checked()
    page.get_by_role("button", name="Vis fællesskaber").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**omraade=hatting**")
    assert "gratis=on" in page.url
    titles = page.locator(".result h3").all_inner_texts()
    assert titles and all("Hatting" in t or "Gåtur" in t or "gåtur" in t.lower() for t in titles)
    _assert_no_violations(page)

    # Save the first one to the list, as a visitor (the session keeps it).
    page.locator(".result").first.get_by_role("button", name="Gem på min liste").click()
    page.get_by_role("link", name="Min liste").click()
    expect(page.locator(".result h3")).to_have_count(1)
    _assert_no_violations(page)


@pytest.mark.parametrize(
    "path",
    ["/faellesskaber/?q=strik&maalgruppe=seniorer", "entry", "print", "/faellesskaber/kalender/"],
)
def test_directory_pages_fit_a_phone_and_have_no_violations(
    live_server: Any, page: Any, demo: dict[str, Any], path: str
) -> None:
    knitting = demo["knitting"]
    if path == "entry":
        path = knitting.get_absolute_url()
    elif path == "print":
        path = f"/faellesskaber/{knitting.pk}/udskriv/"
    page.set_viewport_size({"width": 360, "height": 740})
    response = page.goto(live_server.url + path)
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Tal med en fællesskabskoordinator").first).to_be_visible()
    _fits(page)
    _assert_no_violations(page)
