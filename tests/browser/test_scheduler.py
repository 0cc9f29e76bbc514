"""The weekly plan in a real browser: staff plan a post into Monday's slot, time
moves on, and a member watching the group sees it appear without reloading,
published by the server's in-process scheduler (the embedded default's
publisher; on PostgreSQL + Redis the same code and the Redis channel layer).
Also: the plan's pages have no WCAG violations and fit a small phone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from groups.models import Role
from scheduler import localtime, services
from scheduler.models import ScheduledPost, ScheduledState

from .conftest import AXE_OPTIONS, off_the_loop
from .test_live import assert_not_reloaded, open_live

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Axe()
BODY = "Ugens gåtur: gå 20 minutter, og kig efter efterårsfarver."


@pytest.fixture
def asgi_server_env() -> dict[str, str]:
    # The server publishes what is due every second (the default is 15 s).
    return {"SCHEDULER_IN_PROCESS": "1", "SCHEDULER_POLL_SECONDS": "1"}


@pytest.fixture
def world(make_user: Any, make_group: Any, add_member: Any) -> dict[str, Any]:
    admin = make_user(display_name="Ingunn Sørensen", is_staff=True)
    group = make_group(admin=admin, name="Sammen hver for sig")
    staff = add_member(group, make_user(display_name="Christian Gregersen"), role=Role.STAFF)
    member = add_member(group, make_user(display_name="Anna Holm"))
    slot = off_the_loop(
        lambda: services.slot_create(
            actor=staff,
            group=group,
            weekday=0,
            local_time=dt.time(9, 0),
            theme="aktiv",
            title_hint="Ugens gåtur",
        )
    )
    return {"group": group, "staff": staff, "member": member, "slot": slot}


def next_monday() -> dt.date:
    return localtime.monday_of(localtime.now_local().date()) + dt.timedelta(weeks=1)


def test_staff_plan_into_mondays_slot_and_a_member_sees_it_appear_when_due(
    asgi_server: Any, asgi_login_as: Any, world: dict[str, Any]
) -> None:
    group = world["group"]
    monday = next_monday()
    year, week, _ = monday.isocalendar()

    staff = asgi_login_as(world["staff"])
    staff.goto(f"{asgi_server.url}/groups/{group.slug}/plan/{year}/week/{week}/")
    monday_card = staff.locator(".day").first
    expect(monday_card).to_contain_text("Ledig plads")
    expect(staff.get_by_text("Mangler", exact=True)).to_have_count(3)  # nothing planned yet
    monday_card.get_by_role("link", name="Planlæg et opslag her").click()
    expect(staff.get_by_label("Dato")).to_have_value(monday.isoformat())
    expect(staff.get_by_label("Klokkeslæt")).to_have_value("09:00")
    expect(staff.get_by_label("Aktiv")).to_be_checked()
    staff.get_by_label("Tekst").fill(BODY)
    staff.get_by_role("button", name="Planlæg opslaget").click()
    expect(staff.get_by_text("Opslaget er planlagt til mandag")).to_be_visible()
    monday_card = staff.locator(".day").first
    expect(monday_card).to_contain_text("Planlagt")
    expect(monday_card).to_contain_text(BODY)
    expect(staff.get_by_text("Mangler", exact=True)).to_have_count(2)

    # The member watches the group; the planned post is nowhere to be seen.
    member = asgi_login_as(world["member"])
    open_live(member, asgi_server.url + group.get_absolute_url())
    expect(member.get_by_text(BODY)).to_have_count(0)
    member.goto(f"{asgi_server.url}/groups/{group.slug}/plan/")
    expect(member.get_by_role("heading", name="Det har du ikke adgang til")).to_be_visible()
    open_live(member, asgi_server.url + group.get_absolute_url())

    # Time moves on: Monday 09:00 has come.
    scheduled = off_the_loop(lambda: ScheduledPost.objects.get(body=BODY))
    off_the_loop(
        lambda: ScheduledPost.objects.filter(pk=scheduled.pk).update(
            publish_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        )
    )
    expect(member.locator(".post", has_text=BODY)).to_be_visible(timeout=15_000)
    expect(member.locator(".post", has_text=BODY)).to_contain_text("Christian Gregersen")
    assert_not_reloaded(member)

    published = off_the_loop(lambda: ScheduledPost.objects.get(pk=scheduled.pk))
    assert published.state == ScheduledState.PUBLISHED
    staff.reload()
    expect(staff.get_by_role("link", name="Se opslaget i gruppen")).to_have_count(0)  # other week
    staff.goto(f"{asgi_server.url}/groups/{group.slug}/plan/posts/{scheduled.pk}/")
    expect(staff.get_by_text("Udgivet", exact=True).first).to_be_visible()
    staff.get_by_role("link", name="Se opslaget i gruppen").click()
    expect(staff.locator(".post", has_text=BODY)).to_be_visible()


@pytest.fixture
def planned(world: dict[str, Any]) -> dict[str, Any]:
    group, staff = world["group"], world["staff"]
    monday = next_monday()

    def make() -> Any:
        scheduled = services.scheduled_post_create(
            actor=staff,
            group=group,
            body=BODY,
            theme="aktiv",
            publish_at=localtime.to_instant(monday, dt.time(9, 0)),
            slot=world["slot"],
        )
        services.scheduled_post_create(
            actor=staff, group=group, body="En kladde uden tidspunkt.", draft=True
        )
        return scheduled

    return {**world, "scheduled": off_the_loop(make)}


def _plan_paths(w: dict[str, Any]) -> dict[str, str]:
    slug, pk = w["group"].slug, w["scheduled"].pk
    year, week, _ = next_monday().isocalendar()
    return {
        "week": f"/groups/{slug}/plan/{year}/week/{week}/",
        "upcoming": f"/groups/{slug}/plan/upcoming/",
        "new": f"/groups/{slug}/plan/new/",
        "preview": f"/groups/{slug}/plan/posts/{pk}/",
        "edit": f"/groups/{slug}/plan/posts/{pk}/edit/",
        "slots": f"/groups/{slug}/plan/slots/",
        "copy": f"/groups/{slug}/plan/{year}/week/{week}/copy/",
    }


@pytest.mark.parametrize("name", ["week", "upcoming", "new", "preview", "edit", "slots", "copy"])
def test_plan_pages_have_no_wcag_violations_and_fit_a_phone(
    live_server: Any, login_as: Any, planned: dict[str, Any], name: str
) -> None:
    page = login_as(planned["staff"])
    response = page.goto(live_server.url + _plan_paths(planned)[name])
    assert response is not None and response.status == 200
    results = AXE.run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()
    page.set_viewport_size({"width": 360, "height": 740})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{name} scrolls sideways at 360 px: {width}px"


def test_an_ambiguous_time_asks_which_one_without_javascript(
    browser: Any, live_server: Any, planned: dict[str, Any]
) -> None:
    from .conftest import login

    context = browser.new_context(java_script_enabled=False, locale="da-DK")
    page = context.new_page()
    login(page, live_server.url, planned["staff"].email)
    page.goto(live_server.url + f"/groups/{planned['group'].slug}/plan/new/")
    page.get_by_label("Tekst").fill("Natteravn: hvem er også vågen?")
    page.get_by_label("Dato").fill("2027-10-31")
    page.get_by_label("Klokkeslæt").fill("02:30")
    page.get_by_role("button", name="Planlæg opslaget").click()
    expect(page.get_by_text("kommer to gange")).to_be_visible()
    page.get_by_label("Anden gang (vintertid").check()
    page.get_by_role("button", name="Planlæg opslaget").click()
    expect(
        page.get_by_text("Opslaget er planlagt til søndag 31. oktober 2027 kl. 02:30.")
    ).to_be_visible()
    context.close()
