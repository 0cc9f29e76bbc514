"""Moderation in a real browser: three members flag a post, it disappears from
a fourth member's open page, a moderator approves it from the queue, and it is
back, without a reload. And axe-core finds no WCAG 2.1 A/AA violations on the
moderation pages."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from groups.models import Role
from moderation import services as mod_services
from moderation.models import Case, FlagReason
from posts import services
from posts.models import Post

from .conftest import AXE_OPTIONS, off_the_loop
from .test_live import assert_not_reloaded, open_live

pytestmark = pytest.mark.django_db(transaction=True)
AXE = Axe()
TEXT = "Køb billige ure på min hjemmeside"


@pytest.fixture
def world(make_user: Any, make_group: Any, add_member: Any) -> dict[str, Any]:
    admin = make_user(display_name="Ingunn Sørensen", is_staff=True)
    group = make_group(admin=admin, name="Sammen hver for sig")
    moderator = add_member(group, make_user(display_name="Kristina Rahbek"), role=Role.MODERATOR)
    author = add_member(group, make_user(display_name="Sælger Sørensen"))
    flaggers = [
        add_member(group, make_user(display_name=name))
        for name in ("Anna Holm", "Bent Lund", "Carla Dam")
    ]
    reader = add_member(group, make_user(display_name="Dorte Vinther"))
    post = off_the_loop(lambda: services.post_create(actor=author, group=group, body=TEXT))
    return {
        "admin": admin,
        "group": group,
        "moderator": moderator,
        "author": author,
        "flaggers": flaggers,
        "reader": reader,
        "post": post,
    }


def test_three_flags_hide_a_post_for_a_fourth_member_and_approval_brings_it_back(
    asgi_server: Any, asgi_login_as: Any, world: dict[str, Any]
) -> None:
    post: Post = world["post"]
    group_url = asgi_server.url + world["group"].get_absolute_url()
    reader = asgi_login_as(world["reader"])
    open_live(reader, group_url)
    expect(reader.locator(f"#post-{post.pk}")).to_contain_text(TEXT)

    for person in world["flaggers"]:
        page = asgi_login_as(person)
        page.goto(asgi_server.url + post.get_absolute_url())
        page.locator(f"#post-{post.pk}").get_by_role("link", name="Anmeld").click()
        expect(page.get_by_role("link", name="Læs gruppens regler")).to_be_visible()
        page.get_by_label("Spam eller reklame").check()
        page.get_by_role("button", name="Send anmeldelsen").click()
        expect(page.get_by_text("Din anmeldelse er sendt")).to_be_visible()
        page.context.close()

    # Gone from the fourth member's open page, without a reload.
    expect(reader.locator(f"#post-{post.pk}")).to_have_count(0)
    assert_not_reloaded(reader)

    moderator = asgi_login_as(world["moderator"])
    moderator.goto(asgi_server.url + f"/groups/{world['group'].slug}/moderation/")
    case = Case.objects.get(post=post)
    card = moderator.locator(f"#case-{case.pk}")
    expect(card).to_contain_text(TEXT)
    expect(card).to_contain_text("Spam eller reklame")
    expect(card).to_contain_text("Anna Holm")
    card.get_by_label("Godkend og vis det").check()
    card.get_by_role("button", name="Udfør").click()
    expect(moderator.get_by_text("Sagen er afgjort")).to_be_visible()

    # Back on the reader's page, still without a reload.
    expect(reader.locator(f"#post-{post.pk}")).to_contain_text(TEXT)
    assert_not_reloaded(reader)


@pytest.fixture
def queue_world(world: dict[str, Any]) -> dict[str, Any]:
    group, post, flaggers = world["group"], world["post"], world["flaggers"]

    def content() -> None:
        other = services.post_create(
            actor=world["reader"], group=group, body="Jeg orker ikke mere. Ingen ville savne mig."
        )
        comment = services.comment_create(
            actor=world["author"], post=other, body="Tag dig sammen, det er pinligt."
        )
        mod_services.flag_create(actor=flaggers[0], post=other, reason=FlagReason.CONCERN)
        mod_services.flag_create(
            actor=flaggers[1],
            post=other,
            comment=comment,
            reason=FlagReason.HARASSMENT,
            note="Meget uvenligt svar",
        )
        for person in flaggers:
            mod_services.flag_create(actor=person, post=post, reason=FlagReason.SPAM)
        case = Case.objects.get(post=post, comment=None)
        mod_services.case_hide(
            actor=world["moderator"], group=group, case_id=case.pk, reason="Reklame er ikke tilladt"
        )

    off_the_loop(content)
    world["other"] = Post.objects.get(body__startswith="Jeg orker")
    return world


def _axe(page: Any) -> None:
    results = AXE.run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("moderator", "/groups/{slug}/moderation/"),
        ("moderator", "/groups/{slug}/moderation/?status=resolved"),
        ("admin", "/groups/{slug}/moderation/log/"),
        ("admin", "/groups/{slug}/moderation/settings/"),
        ("reader", "/groups/{slug}/rules/"),
        ("admin", "/groups/{slug}/posts/{post}/flag/"),
        ("author", "/"),
    ],
)
def test_moderation_pages_have_no_wcag_violations(
    live_server: Any, login_as: Any, queue_world: dict[str, Any], who: str, path: str
) -> None:
    page = login_as(queue_world[who])
    url = path.format(slug=queue_world["group"].slug, post=queue_world["other"].pk)
    response = page.goto(live_server.url + url)
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_be_attached()
    _axe(page)


def test_concern_help_page_has_no_wcag_violations(
    live_server: Any, login_as: Any, queue_world: dict[str, Any]
) -> None:
    other = Post.objects.get(body__startswith="Jeg orker")
    page = login_as(queue_world["flaggers"][2])
    page.goto(live_server.url + f"/groups/{queue_world['group'].slug}/posts/{other.pk}/flag/")
    page.get_by_label("Bekymring for et medlem").check()
    page.get_by_role("button", name="Send anmeldelsen").click()
    expect(page.locator(".message.success")).to_have_text("Tak, fordi du sagde til.")
    expect(page.get_by_role("heading", name="Hjælp, hvis nogen har det svært")).to_be_visible()
    _axe(page)
