"""A small, old phone and a zoomed browser (issue 18): every main page, as
every role, at 360 px wide and at 200 % zoom (a 1280 x 900 window zoomed to
200 % lays pages out in 640 x 450 CSS pixels) has no sideways scrolling; the
header is one line with a "Menu" that works by keyboard; touch targets are at
least 44 x 44 px; the composer opens in place; no axe violations on the new
pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from posts import services as post_services

from .conftest import login, off_the_loop
from .test_accessibility import (
    _assert_no_violations,
    world,  # noqa: F401  (the same small community)
)
from .test_csp import _pages, _user

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 740}
ZOOMED = {"width": 640, "height": 450}  # 1280 x 900 at 200 %
ROLES = ["anonymous", "outsider", "member", "moderator", "staff", "admin"]


def _extra_pages(world: dict[str, Any], role: str) -> list[str]:  # noqa: F811
    group = world["group"]
    extra = [reverse("help")]
    if role in ("member", "moderator", "staff", "admin"):
        extra += [
            reverse("post-create", args=[group.slug]),
            reverse("post-detail", args=[group.slug, world["post"].pk]),
            reverse("group-subgroups", args=[group.slug]),
            reverse("group-rules", args=[group.slug]),
        ]
    return extra


def _inner_pages(w: dict[str, Any], role: str) -> list[str]:
    """The inner pages of every app (issue 18), for the roles that may open them."""
    slug = w["group"].slug
    entry = w["entry"].pk
    search = reverse("directory-home") + "?q=g%C3%A5tur&omraade=midtby&type=gaatur&tema=aktiv"
    public = [
        reverse("directory-entry", args=[entry]),
        search,
        reverse("directory-entry-print", args=[entry]),
        reverse("directory-favourites"),
        reverse("directory-favourites-print"),
        reverse("directory-coordinator-request"),
        reverse("directory-lists"),
        reverse("directory-list", args=[w["list"].slug]),
        reverse("privacy-page"),
    ]
    if role == "anonymous":
        return public
    person = [
        *public,
        reverse("directory-submit"),
        reverse("directory-my-submissions"),
        reverse("privacy-consents"),
        reverse("privacy-export"),
        reverse("privacy-delete"),
        reverse("account_change_password"),
    ]
    if role == "outsider":
        return person
    # The group's members and a sub-group's page are in test_csp._pages.
    member = person
    if role == "member":
        return [
            *member,
            reverse("directory-entry-edit", args=[w["submitted"].pk]),
            reverse("who5-start", args=[slug]),
            reverse("who5-question", args=[slug]),
            reverse("who5-mine", args=[slug]),
        ]
    queue = reverse("moderation-queue", args=[slug])
    # A flag for "other" is the moderators' (staff see concerns, not this one).
    case = reverse("moderation-case", args=[slug, w["case"]])
    if role == "moderator":
        return [*member, queue, case]
    planned = w["planned"].pk
    team = [
        *member,
        queue,
        reverse("insights", args=[slug]),
        reverse("insights-radar", args=[slug]),
        reverse("who5-start", args=[slug]),
        reverse("plan", args=[slug]),
        reverse("plan-upcoming", args=[slug]),
        reverse("plan-post-create", args=[slug]),
        reverse("plan-post", args=[slug, planned]),
        reverse("plan-post-edit", args=[slug, planned]),
        reverse("plan-slots", args=[slug]),
    ]
    if role == "staff":
        return team
    request = w["request"].pk
    return [
        *team,
        case,
        reverse("moderation-log", args=[slug]),
        reverse("group-requests", args=[slug]),
        reverse("group-invites", args=[slug]),
        reverse("group-banned", args=[slug]),
        reverse("group-settings", args=[slug]),
        reverse("moderation-settings", args=[slug]),
        reverse("insights-settings", args=[slug]),
        reverse("directory-editor-overview"),
        reverse("directory-review-queue"),
        reverse("directory-review-item", args=[w["submitted"].pk]),
        reverse("directory-entry-edit", args=[entry]),
        reverse("directory-gaps"),
        reverse("directory-lists-edit"),
        reverse("directory-list-edit", args=[w["list"].pk]),
        reverse("directory-coordinator-inbox"),
        reverse("directory-coordinator-detail", args=[request]),
        reverse("directory-coordinator-report"),
    ]


def _sideways(page: Any) -> int:
    """How many CSS pixels the page is wider than the window (0: none)."""
    return int(
        page.evaluate(
            "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
            " - document.documentElement.clientWidth"
        )
    )


@pytest.fixture
def with_post(world: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    post = off_the_loop(
        lambda: post_services.post_create(
            actor=world["admin"],
            group=world["group"],
            body="Velkommen! Et langt ord: " + "strikkepindeholderfabrikken" * 3,
        )
    )
    return {**world, "post": post}


LONG = "Ældresagensfrivilligkoordinatorgruppemødelokalet"


@pytest.fixture
def everything(with_post: dict[str, Any], make_user: Any, add_member: Any) -> dict[str, Any]:
    """The small community with something on every inner page: a directory
    entry, a submission waiting for review, a coordinator request, an
    inspiration list, a favourite, a planned post, a flagged post, a banned
    member, an invite and a WHO-5 consent. The administrator is also the
    directory's editor and coordinator. Long Danish words everywhere a person
    could type one."""
    group, admin, member = with_post["group"], with_post["admin"], with_post["member"]

    def build() -> dict[str, Any]:
        from directory import coordinator, inspiration, review
        from directory import services as directory_services
        from directory.models import (
            ActivityType,
            Area,
            DirectoryRole,
            DirectoryRoleKind,
            EntryStatus,
            ListTheme,
            TargetGroup,
        )
        from directory.submit_forms import EntrySubmitForm
        from groups import services as group_services
        from insights import services as insight_services
        from insights import who5
        from moderation import services as moderation_services
        from scheduler import services as scheduler_services

        for kind in (DirectoryRoleKind.EDITOR, DirectoryRoleKind.COORDINATOR):
            DirectoryRole.objects.create(user=admin, role=kind)
        area = Area.objects.create(name="Horsens midtby", slug="midtby", order=1)
        walk = ActivityType.objects.create(name="Gåtur", slug="gaatur", order=1)
        seniors = TargetGroup.objects.create(name="Seniorer 60+", slug="seniorer", order=1)
        entry = directory_services.entry_create(
            actor=None,
            status=EntryStatus.PUBLISHED,
            title=f"Gåtur fra {LONG}",
            description=f"Vi går en rolig tur sammen og mødes i {LONG}. " * 3,
            organiser_name="Ældre Sagen Horsens",
            area=area,
            activity_types=[walk],
            target_groups=[seniors],
            themes=["aktiv", "sammen"],
            place_name=LONG,
            address="Havnegade 10, 8700 Horsens",
            website="https://example.org/" + "meget-lang-adresse-" * 6,
            contact_email="kontakt-" + "x" * 40 + "@example.org",
        )
        directory_services.favourite_add(actor=member, entry=entry)
        form = EntrySubmitForm(
            {
                "title": f"Strikkecafé i {LONG}",
                "description": "Vi strikker og drikker kaffe. Alle kan være med.",
                "organiser_kind": "association",
                "organiser_name": LONG,
                "themes": ["sammen"],
                "activity_types": [walk.pk],
                "target_groups": [seniors.pk],
                "area": area.pk,
                "place_name": "Biblioteket",
                "address": "Tobaksgården 12, 8700 Horsens",
                "how_often": "weekly",
                "weekday": "TU",
                "starts_on": "2026-01-06",
                "start_time": "10:00",
                "end_time": "12:00",
                "is_free": "on",
                "contact_name": "Grethe Hansen",
                "contact_phone": "75 12 34 56",
                "contact_email": "grethe@example.org",
            }
        )
        assert form.is_valid(), form.errors
        submitted = review.entry_submit(actor=member, proposed=form.proposed())
        request = coordinator.request_create(
            name="Else Marie Pedersen",
            phone="75 12 34 56",
            email="else-" + "m" * 40 + "@example.org",
            call_time="Formiddag",
            wish=f"Jeg vil gerne møde andre i {LONG}. " * 3,
            area=area,
            consent=True,
        )
        lst = inspiration.list_create(
            actor=admin,
            theme=ListTheme.SOCIAL,
            title=f"Fællesskaber i {LONG}",
            introduction="Gode steder at møde andre.",
        )
        inspiration.item_add(actor=admin, lst=lst, entry=entry, text=f"Start i {LONG}.")
        planned = scheduler_services.scheduled_post_create(
            actor=admin,
            group=group,
            body=f"Husk gåturen fra {LONG} på tirsdag!",
            publish_at=timezone.now() + dt.timedelta(days=2),
        )
        flag = moderation_services.flag_create(
            actor=member,
            post=with_post["post"],
            reason="other",
            note=f"Der står noget mærkeligt om {LONG}.",
        )
        troll = add_member(group, make_user(display_name=f"Trold {LONG}"))
        group_services.membership_ban(actor=admin, group=group, user_id=troll.pk, reason=LONG)
        group_services.invite_create(actor=admin, group=group, valid_days=7, max_uses=None)
        insight_services.insight_settings_set(
            actor=admin, group=group, radar_hours=24, who5_enabled=True, who5_every_weeks=4
        )
        who5.who5_consent_give(actor=member, group=group)
        return {
            "entry": entry,
            "submitted": submitted,
            "request": request,
            "list": lst,
            "planned": planned,
            "case": flag.flag.case_id,
        }

    return {**with_post, **off_the_loop(build)}


@pytest.mark.parametrize("role", ROLES)
def test_no_page_scrolls_sideways_at_360_px_or_at_200_percent_zoom(
    role: str,
    asgi_server: Any,
    asgi_login_as: Any,
    new_context: Any,
    everything: dict[str, Any],
) -> None:
    """Every page of every app that the role may open, with real content. Each
    page loads once and is measured at both sizes (the layout follows the
    window at once: only CSS media queries and the page's own scripts react)."""
    page = (
        new_context().new_page() if role == "anonymous" else asgi_login_as(_user(everything, role))
    )
    paths = list(
        dict.fromkeys(
            _pages(everything)[role]
            + _extra_pages(everything, role)
            + _inner_pages(everything, role)
        )
    )
    wide: list[str] = []
    for path in paths:
        page.set_viewport_size(PHONE)
        response = page.goto(asgi_server.url + path)
        assert response is not None and response.status == 200, (path, response and response.status)
        for size in (PHONE, ZOOMED):
            page.set_viewport_size(size)
            over = _sideways(page)
            if over > 0:
                wide.append(f"{size['width']} px {path}: {over} px too wide")
            # The header is one line: the name, the bell or "Log ind", and "Menu".
            tops = page.locator(".header-row > a, .header-row > details > summary").evaluate_all(
                "els => els.map(e => Math.round(e.getBoundingClientRect().top))"
            )
            assert len(set(tops)) == 1, (size, path, tops)
    assert not wide, "\n".join(wide)


def test_touch_targets_are_44_px_and_reactions_need_no_hover(
    live_server: Any, login_as: Any, with_post: dict[str, Any]
) -> None:
    page = login_as(with_post["member"])
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + with_post["group"].get_absolute_url())
    article = page.locator(f"#post-{with_post['post'].pk}")
    targets = [
        page.locator("details.menu > summary"),
        page.locator("a.bell"),
        article.get_by_role("button", name="Synes godt om"),
        article.locator(".more-reactions"),
        article.locator(".post-actions a").first,
        article.locator(".flag-link"),
    ]
    for target in targets:
        box = target.bounding_box()
        assert box is not None
        assert box["width"] >= 44 and box["height"] >= 44, (target, box)
    # A tap (no hover, no long-press) opens the other reactions and chooses one.
    article.locator(".more-reactions").click()
    choices = article.locator(".reaction-choices button")
    expect(choices.first).to_be_visible()
    for i in range(choices.count()):
        box = choices.nth(i).bounding_box()
        assert box is not None and box["height"] >= 44, box


def test_the_menu_works_by_keyboard_and_marks_the_current_page(
    live_server: Any, login_as: Any, with_post: dict[str, Any]
) -> None:
    page = login_as(with_post["member"])
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + reverse("help"))
    menu = page.get_by_role("navigation", name="Hovedmenu")
    expect(menu).to_be_hidden()
    summary = page.locator("details.menu > summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(menu).to_be_visible()
    expect(menu.get_by_role("link", name="Hjælp")).to_have_attribute("aria-current", "page")
    expect(menu.get_by_role("link", name="Forside")).not_to_have_attribute("aria-current", "page")
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(summary).to_be_focused()
    page.keyboard.press("Space")
    expect(menu).to_be_visible()


def test_the_composer_opens_in_place_and_shares_a_post(
    live_server: Any, login_as: Any, with_post: dict[str, Any]
) -> None:
    page = login_as(with_post["member"])
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + with_post["group"].get_absolute_url())
    composer = page.get_by_role("region", name="Skriv et opslag")
    # With JavaScript: the link gives way to one labelled field; the rest waits.
    expect(composer.locator("a.composer-link")).to_be_hidden()
    field = composer.get_by_label("Hvad vil du dele?")
    expect(field).to_be_visible()
    expect(composer.get_by_label("Beskriv billederne med ord")).to_be_hidden()
    field.fill("Hej fra en lille telefon")
    expect(composer.get_by_label("Beskriv billederne med ord")).to_be_visible()
    composer.get_by_label("Aktiv").check()
    composer.get_by_role("button", name="Del opslaget").click()
    expect(page.locator(".messages")).to_contain_text("Dit opslag er delt.")
    expect(page.locator("#feed-posts > article").first).to_contain_text("Hej fra en lille telefon")
    # On a wide screen the whole form stays open.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    expect(composer.get_by_label("Beskriv billederne med ord")).to_be_visible()


def test_without_javascript_the_composer_is_a_link_to_its_own_page(
    live_server: Any, browser: Any, with_post: dict[str, Any]
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale="da-DK")
    page = context.new_page()
    login(page, live_server.url, with_post["member"].email)
    page.goto(live_server.url + with_post["group"].get_absolute_url())
    page.get_by_role("link", name="Skriv et opslag …").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Skriv et opslag i")
    page.get_by_label("Hvad vil du dele?").fill("Skrevet uden JavaScript")
    page.get_by_role("button", name="Del opslaget").click()
    expect(page.locator(".messages")).to_contain_text("Dit opslag er delt.")
    # The menu is a <details>: it opens without JavaScript too.
    page.locator("details.menu > summary").click()
    expect(page.get_by_role("navigation", name="Hovedmenu")).to_be_visible()
    context.close()


@pytest.mark.parametrize("size", [PHONE, ZOOMED], ids=["360px", "200pct"])
def test_the_new_pages_have_no_axe_violations(
    size: dict[str, int], live_server: Any, login_as: Any, with_post: dict[str, Any]
) -> None:
    group = with_post["group"]
    page = login_as(with_post["member"])
    page.set_viewport_size(size)
    for path in (
        group.get_absolute_url(),  # with the welcome card
        reverse("post-create", args=[group.slug]),
        reverse("help"),
        "/findes-ikke/",
    ):
        page.goto(live_server.url + path)
        page.locator("details.menu > summary").click()  # the open menu too
        _assert_no_violations(page)
