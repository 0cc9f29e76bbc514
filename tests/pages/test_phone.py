"""Phone first and first-timers (issue 18), on the server's side: the group
page's composer starts as a link to a composer page that works without
JavaScript; the header's menu; the welcome card of a new member's first visit,
closed for good with a POST; the help page and its pictures; every error page
in the site's layout, in Danish, with one way forward."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.template.loader import get_template
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from groups.models import Group, Membership
from posts.models import Post
from tests.conftest import PASSWORD, make_membership, make_user

pytestmark = pytest.mark.django_db

FORWARD = "Gå til forsiden"


def _welcomed(user: User, group: Group) -> None:
    Membership.objects.filter(user=user, group=group).update(welcomed_at=timezone.now())


# --- the composer ------------------------------------------------------------------


def test_the_group_page_starts_the_composer_as_a_link_to_its_own_page(
    client_for: Any, member: User, group: Group
) -> None:
    body = client_for(member).get(group.get_absolute_url()).content.decode()
    compose = reverse("post-create", args=[group.slug])
    # One large link first; the form is there for JavaScript to open in place.
    assert re.search(rf'<a class="composer-link" href="{compose}" data-composer-link>', body)
    assert re.search(r"<form [^>]*data-composer-form hidden>", body)
    assert "js/sammen-composer.js" in body


def test_the_composer_page_works_without_javascript(
    client_for: Any, member: User, group: Group
) -> None:
    client = client_for(member)
    url = reverse("post-create", args=[group.slug])
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Skriv et opslag i" in body
    # The whole form, open: text, theme, photos, their descriptions, the button.
    form = re.search(r"<form [^>]*data-composer-form>(.*?)</form>", body, re.S)
    assert form is not None, "the form is not hidden on its own page"
    for name in ('name="body"', 'name="theme"', 'name="photos"', 'name="alt_texts"'):
        assert name in form.group(1)
    assert "Del opslaget" in form.group(1)
    response = client.post(url, {"body": "Hej fra siden uden JavaScript"})
    assert response.status_code == 302 and response["Location"] == group.get_absolute_url()
    assert Post.objects.filter(body="Hej fra siden uden JavaScript", author=member).exists()


def test_a_paused_member_is_sent_from_the_composer_page_to_the_group_page(
    client_for: Any, member: User, group: Group
) -> None:
    Membership.objects.filter(user=member, group=group).update(
        muted_until=timezone.now() + timedelta(days=1)
    )
    response = client_for(member).get(reverse("post-create", args=[group.slug]))
    assert response.status_code == 302 and response["Location"] == group.get_absolute_url()


# --- the header ----------------------------------------------------------------------


def test_the_header_has_the_name_the_bell_and_a_menu_with_the_current_page_marked(
    client_for: Any, member: User
) -> None:
    body = client_for(member).get(reverse("help")).content.decode()
    header = body[body.index('<header class="site-header">') : body.index("</header>")]
    assert 'class="brand"' in header
    assert 'id="bell-count"' in header
    menu = re.search(r"<details class=\"menu\" data-menu>\s*<summary[^>]*>Menu</summary>", header)
    assert menu is not None
    assert f'<a href="{reverse("help")}" aria-current="page">Hjælp</a>' in header
    assert f'<a href="{reverse("home")}">Forside</a>' in header


# --- the welcome card --------------------------------------------------------------


def test_a_new_member_is_welcomed_until_they_close_the_card(client_for: Any, group: Group) -> None:
    newcomer = make_user(display_name="Ny Person")
    make_membership(newcomer, group)
    client = client_for(newcomer)
    body = client.get(group.get_absolute_url()).content.decode()
    assert "Velkommen til" in body
    for url in (
        reverse("post-create", args=[group.slug]),
        reverse("group-subgroups", args=[group.slug]),
        reverse("notification-settings"),
    ):
        assert f'href="{url}"' in body
    response = client.post(reverse("group-welcome-dismiss", args=[group.slug]))
    assert response.status_code == 302 and response["Location"] == group.get_absolute_url()
    assert Membership.objects.get(user=newcomer, group=group).welcomed_at is not None
    # The page was cached with the card: closing it gives a page without.
    assert "Velkommen til" not in client.get(group.get_absolute_url()).content.decode()
    # On another device too: it is stored on the membership, not in the session.
    other = Client()
    other.force_login(newcomer)
    assert "Velkommen til" not in other.get(group.get_absolute_url()).content.decode()


def test_closing_the_welcome_leaves_everyone_elses_cached_page(
    client_for: Any, member: User, group: Group
) -> None:
    """An UPDATE of the member's own row, not a save that renews the group."""
    from groups.selectors import group_generation

    before = group_generation(group)
    newcomer = make_user()
    make_membership(newcomer, group)
    with_newcomer = group_generation(group)
    client_for(newcomer).post(reverse("group-welcome-dismiss", args=[group.slug]))
    assert group_generation(group) == with_newcomer
    assert before is not None


def test_members_of_old_are_not_welcomed(client_for: Any, member: User, group: Group) -> None:
    _welcomed(member, group)
    assert "Velkommen til" not in client_for(member).get(group.get_absolute_url()).content.decode()


def test_the_welcome_dismissal_needs_a_post(client_for: Any, member: User, group: Group) -> None:
    response = client_for(member).get(reverse("group-welcome-dismiss", args=[group.slug]))
    assert response.status_code == 405
    assert Membership.objects.get(user=member, group=group).welcomed_at is None


# --- Hjælp ---------------------------------------------------------------------------


def test_the_help_page_is_linked_from_the_menu_and_the_footer_and_its_pictures_exist(
    client_for: Any,
) -> None:
    body = client_for(None).get(reverse("help")).content.decode()
    assert "Hjælp: sådan bruger du Sammen" in body
    footer = body[body.index('<footer class="site-footer">') :]
    assert f'href="{reverse("help")}"' in footer
    pictures = re.findall(r'<img src="/static/(img/hjaelp/[a-z-]+\.png)"[^>]* alt="([^"]+)"', body)
    assert len(pictures) >= 8
    for path, alt in pictures:
        assert finders.find(path), f"{path} is missing: run tools/screenshots.py"
        assert alt.strip()
    for topic in ("Skriv et opslag", "Læg et billede ved", "Reager", "Skriv en kommentar",
                  "Find en undergruppe", "Få besked", "Sig til, hvis noget er galt",
                  "Forlad en gruppe"):  # fmt: skip
        assert f">{topic}" in body, topic


# --- error pages ---------------------------------------------------------------------


def _in_layout(body: str) -> None:
    assert '<header class="site-header">' in body
    assert '<html lang="da">' in body
    assert FORWARD in body


def test_the_404_page_is_in_the_layout_in_danish(client_for: Any, member: User) -> None:
    response = client_for(member).get("/findes-ikke/")
    assert response.status_code == 404
    _in_layout(response.content.decode())
    assert "Siden findes ikke" in response.content.decode()


def test_the_403_page_is_in_the_layout_in_danish(
    client_for: Any, member: User, group: Group
) -> None:
    response = client_for(member).get(reverse("group-settings", args=[group.slug]))
    assert response.status_code == 403
    _in_layout(response.content.decode())
    assert "Det har du ikke adgang til" in response.content.decode()


def test_a_csrf_failure_is_in_the_layout_in_danish(member: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(reverse("profile-edit"), {"display_name": "X"})
    assert response.status_code == 403
    body = response.content.decode()
    _in_layout(body)
    assert "Siden var for gammel" in body
    assert "CSRF" not in body


def test_a_rate_limit_is_in_the_layout_in_danish(settings: Any) -> None:
    settings.ACCOUNT_RATE_LIMITS = {"login": "1/m/ip"}
    person = make_user()
    client = Client()
    url = reverse("account_login")
    client.post(url, {"login": person.email, "password": PASSWORD})
    client.logout()
    response = client.post(url, {"login": person.email, "password": PASSWORD})
    assert response.status_code == 429
    body = response.content.decode()
    _in_layout(body)
    assert "For mange forsøg på kort tid" in body


def test_the_500_page_renders_without_a_request_or_a_database(
    django_assert_num_queries: Any,
) -> None:
    with django_assert_num_queries(0):
        body = get_template("500.html").render()  # as django.views.defaults.server_error
    _in_layout(body)
    assert 'rel="stylesheet" href="/static/css/sammen.css' in body
    assert 'href="/"' in body
