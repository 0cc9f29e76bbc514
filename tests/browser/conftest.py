"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Never downloads a browser: the launch points at /usr/bin/chromium.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

# Playwright's sync API runs an asyncio loop in the test thread; Django's ORM calls
# made from the test body (factories, assertions) must still be allowed.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "en-god-adgangskode-42"

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (make test does)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "da-DK", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture(autouse=True)
def _browser_settings(settings: Any) -> None:
    # Static files come from the finders (static/), whatever DEBUG is, so the
    # stylesheet loads in the live server exactly as under `make run`.
    settings.SERVESTATIC_USE_FINDERS = True
    settings.SERVESTATIC_AUTOREFRESH = True
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Cheap password hashing; allauth's rate limits start afresh in every test, in a
    # private in-memory cache (never flushing a Redis that others may be using).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"browser-{uuid.uuid4()}",
        }
    }


@pytest.fixture
def make_user(transactional_db: None) -> Callable[..., Any]:
    from allauth.account.models import EmailAddress

    from accounts.models import User

    counter = iter(range(1, 10_000))

    def make(
        display_name: str | None = None,
        email: str | None = None,
        password: str = PASSWORD,
        **extra: Any,
    ) -> User:
        n = next(counter)
        email = email or f"person{n}@example.org"
        user = User.objects.create_user(
            email=email, password=password, display_name=display_name or f"Person {n}", **extra
        )
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        return user

    return make


@pytest.fixture
def make_group(make_user: Callable[..., Any]) -> Callable[..., Any]:
    from groups import services

    def make(admin: Any = None, **fields: Any) -> Any:
        admin = admin or make_user(display_name="Gruppens Administrator", is_staff=True)
        if not admin.is_staff:
            admin.is_staff = True
            admin.save(update_fields=["is_staff"])
        fields.setdefault("name", "Gåturen i Vejle")
        fields.setdefault("description", "Vi går en tur sammen hver tirsdag.")
        fields.setdefault("rules", "Vær venlig.\nDet, der deles i gruppen, bliver i gruppen.")
        fields.setdefault("questions", ["Hvorfor vil du være med?"])
        return services.group_create(actor=admin, **fields)

    return make


@pytest.fixture
def add_member(make_user: Callable[..., Any]) -> Callable[..., Any]:
    from django.utils import timezone

    from groups.models import Membership, MembershipStatus, Role

    def add(group: Any, user: Any = None, role: str = Role.MEMBER, status: str = "active") -> Any:
        user = user or make_user()
        now = timezone.now()
        Membership.objects.create(
            user=user,
            group=group,
            role=role,
            status=status,
            requested_at=now,
            joined_at=now if status == MembershipStatus.ACTIVE else None,
            answers=[{"question": q, "answer": "Fordi jeg gerne vil."} for q in group.questions],
        )
        return user

    return add


def login(page: Any, base_url: str, email: str, password: str = PASSWORD) -> None:
    """Log in through the real login form, as a person would."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Adgangskode").fill(password)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{base_url}/")


@pytest.fixture
def login_as(live_server: Any, new_context: Callable[..., Any]) -> Iterator[Callable[..., Any]]:
    """A fresh browser context (own cookies) logged in as the given user."""

    def _login(user: Any, password: str = PASSWORD) -> Any:
        ctx = new_context()
        page = ctx.new_page()
        login(page, live_server.url, user.email, password)
        return page

    yield _login
