"""The e-mail pages in a real browser: the one-click unsubscribe page a mail
link opens (a GET changes nothing; the one button does), the e-mail choices on
the settings page, and the staff's digest preview; axe finds no WCAG 2.1 A/AA
violations on any of them."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from groups.models import Role
from notifications import mail, mailing
from notifications.models import MailKind, MailSettings
from posts import services

from .conftest import AXE_OPTIONS, off_the_loop

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Axe()


def assert_accessible(page: Any) -> None:
    results = AXE.run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()


@pytest.fixture
def world(make_user: Any, make_group: Any, add_member: Any) -> dict[str, Any]:
    admin = make_user(display_name="Ingunn Sørensen")
    group = make_group(admin=admin, name="Sammen hver for sig")
    anna = add_member(group, make_user(display_name="Anna Holm"))
    stine = add_member(group, make_user(display_name="Stine Stab"), role=Role.STAFF)
    post = off_the_loop(
        lambda: services.post_create(actor=anna, group=group, body="Ugens gåtur ved søen")
    )
    off_the_loop(lambda: services.comment_create(actor=stine, post=post, body="Jeg kommer"))
    return {"group": group, "anna": anna, "stine": stine}


def test_the_unsubscribe_link_asks_first_and_then_takes_effect(
    asgi_server: Any, new_context: Any, world: dict[str, Any]
) -> None:
    anna = world["anna"]
    token = off_the_loop(
        lambda: mail.unsubscribe_token(mailing.mail_settings_for(anna), MailKind.DIGEST)
    )

    page = new_context().new_page()  # no login: the link is all it takes
    page.goto(asgi_server.url + reverse("mail-unsubscribe", args=[token]))
    expect(page.get_by_role("heading", name="Afmeld e-mails")).to_be_visible()
    assert_accessible(page)
    assert off_the_loop(lambda: MailSettings.objects.get(user=anna).digest) == "ugentlig"
    page.get_by_role("button", name="Ja, afmeld").click()
    expect(page.get_by_role("heading", name="Du er afmeldt")).to_be_visible()
    assert_accessible(page)
    assert off_the_loop(lambda: MailSettings.objects.get(user=anna).digest) == "aldrig"


def test_a_member_chooses_a_daily_digest(
    asgi_server: Any, asgi_login_as: Any, world: dict[str, Any]
) -> None:
    page = asgi_login_as(world["anna"])
    page.goto(asgi_server.url + reverse("notification-settings"))
    page.get_by_label("Hver dag").check()
    page.get_by_role("button", name="Gem valg for e-mail").click()
    expect(page.get_by_text("Dine valg for e-mail er gemt.")).to_be_visible()
    expect(page.get_by_label("Hver dag")).to_be_checked()
    assert_accessible(page)


def test_staff_preview_this_weeks_email(
    asgi_server: Any, asgi_login_as: Any, world: dict[str, Any]
) -> None:
    page = asgi_login_as(world["stine"])
    page.goto(asgi_server.url + reverse("plan", args=[world["group"].slug]))
    page.get_by_role("link", name="Ugens e-mail").click()
    expect(page.get_by_role("heading", name="Sådan ser ugens e-mail ud")).to_be_visible()
    expect(page.get_by_text("Ugens nyt fra Sammen hver for sig")).to_be_visible()
    assert_accessible(page)
