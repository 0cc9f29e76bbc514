"""The staff's insights in a real browser: the dashboard read at a glance and
as tables, a period chosen with the plain form, the radar's "Svar" leading to
the post; no axe violations, and no sideways scrolling on a 360 px phone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from groups.models import Role
from insights import who5
from insights.models import InsightSettings, Who5Answer
from posts import services
from posts.models import Post

from .conftest import AXE_OPTIONS, off_the_loop

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Axe()


@pytest.fixture
def world(make_user: Any, make_group: Any, add_member: Any) -> dict[str, Any]:
    admin = make_user(display_name="Ingunn Sørensen")
    group = make_group(admin=admin, name="Sammen hver for sig")
    anna = add_member(group, make_user(display_name="Anna Holm"))
    stine = add_member(group, make_user(display_name="Stine Stab"), role=Role.STAFF)

    def content() -> Post:
        waiting = services.post_create(actor=anna, group=group, body="Er der nogen derude?")
        # (A new member's first post may wait for a moderator: this one was let through.)
        Post.objects.filter(pk=waiting.pk).update(
            created_at=timezone.now() - timedelta(days=2), state="visible"
        )
        walk = services.post_create(actor=stine, group=group, body="Ugens gåtur", theme="aktiv")
        services.comment_create(actor=anna, post=walk, body="Jeg kommer")
        return waiting

    def wellbeing() -> None:
        # WHO-5 on, six members answered last month: the dashboard has its table.
        InsightSettings.objects.create(group=group, who5_enabled=True)
        month = who5.complete_months()[0]
        for i in range(6):
            person = add_member(group, make_user(display_name=f"Trivsel {i}"))
            Who5Answer.objects.create(
                user=person,
                group=group,
                answered_at=datetime.combine(month.replace(day=3 + i), time(10), tzinfo=UTC),
                a1=3,
                a2=3,
                a3=4,
                a4=2,
                a5=3,
            )

    waiting = off_the_loop(content)
    off_the_loop(wellbeing)
    return {"group": group, "stine": stine, "waiting": waiting}


def test_staff_read_the_dashboard_and_answer_a_waiting_post(
    asgi_server: Any, asgi_login_as: Any, world: dict[str, Any]
) -> None:
    page = asgi_login_as(world["stine"])
    page.goto(asgi_server.url + f"/groups/{world['group'].slug}/")
    page.get_by_role("link", name="Indsigt").click()
    expect(page.get_by_role("heading", name="Overblik over gruppen")).to_be_visible()
    expect(page.get_by_role("heading", name="Hvornår er medlemmerne aktive?")).to_be_visible()
    page.get_by_label("Periode", exact=True).select_option("90")
    page.get_by_role("button", name="Vis").click()
    assert "dage=90" in page.url
    who5_table = page.get_by_role("table", name="Trivsel (WHO-5) i Sammen hver for sig")
    expect(who5_table).to_contain_text("60")  # (3+3+4+2+3) × 4
    expect(page.get_by_text("Trivsel 0")).to_have_count(0)  # never a name
    results = AXE.run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()

    page.get_by_role("navigation", name="Indsigt").get_by_role("link", name="Mangler svar").click()
    expect(page.get_by_text("Er der nogen derude?")).to_be_visible()
    results = AXE.run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()
    page.get_by_role("link", name="Svar på opslaget fra Anna Holm").click()
    assert page.url.endswith(f"/posts/{world['waiting'].pk}/#comment-form")


@pytest.mark.parametrize("path", ["indsigt/", "indsigt/mangler-svar/"])
def test_insights_fit_a_small_phone(
    path: str, asgi_server: Any, asgi_login_as: Any, world: dict[str, Any]
) -> None:
    page = asgi_login_as(world["stine"])
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(asgi_server.url + f"/groups/{world['group'].slug}/{path}")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360, f"the page scrolls sideways: {scroll_width}px wide"
