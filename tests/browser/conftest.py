"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Never downloads a browser: the launch points at /usr/bin/chromium.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import AsgiServer, static_from_finders

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


@pytest.fixture(scope="package")
def browser_context_args(
    pytestconfig: Any,
    playwright: Any,
    device: str | None,
    base_url: str | None,
    _pw_artifacts_folder: Any,
) -> dict[str, Any]:
    # pytest-playwright's own, with the scope of `playwright` below (not session).
    args: dict[str, Any] = {}
    if device:
        args.update(playwright.devices[device])
    if base_url:
        args["base_url"] = base_url
    if pytestconfig.getoption("--video") in ("on", "retain-on-failure"):
        args["record_video_dir"] = _pw_artifacts_folder.name
    return {**args, "locale": "da-DK", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture(autouse=True)
def _browser_settings(settings: Any) -> None:
    # The stylesheet loads in the live server exactly as under `make run`.
    static_from_finders(settings)
    # Cheap password hashing; allauth's rate limits start afresh in every test, in a
    # private in-memory cache (never flushing a Redis that others may be using).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"browser-{uuid.uuid4()}",
        }
    }


CSP_ALLOWED = pytest.mark.csp_violations_expected


@pytest.fixture(autouse=True)
def _no_csp_violations(request: pytest.FixtureRequest, monkeypatch: Any) -> Iterator[list[str]]:
    """Every browser test is also a Content-Security-Policy test: Chromium
    reports each blocked script, style, frame or connection on the console,
    and any such report fails the test (issue 17). A test that provokes one
    on purpose marks itself `csp_violations_expected` and reads the list."""
    from playwright.sync_api import BrowserContext

    seen: list[str] = []
    original = BrowserContext.new_page

    def new_page(self: Any, *args: Any, **kwargs: Any) -> Any:
        page = original(self, *args, **kwargs)

        def on_console(message: Any) -> None:
            if "Content Security Policy" in message.text:
                seen.append(f"{page.url}: {message.text}")

        page.on("console", on_console)
        return page

    monkeypatch.setattr(BrowserContext, "new_page", new_page)
    yield seen
    if request.node.get_closest_marker("csp_violations_expected") is None:
        assert not seen, "Content-Security-Policy violations:\n" + "\n".join(seen)


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


def off_the_loop(fn: Callable[[], Any]) -> Any:
    """Run `fn` (setting up content through the services) in a worker thread.

    Playwright keeps an event loop running in the test thread, where the services'
    after-commit publish (async_to_sync) cannot run and would only log an error.
    Nobody listens to this process's channel layer anyway: pages opened later read
    what they show from the database."""

    def run() -> Any:
        from django.db import connection

        try:
            return fn()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def main_menu(page: Any) -> Any:
    """The header's "Menu" (a <details>), opened as a person would; its links."""
    menu = page.locator("details.menu")
    if not menu.evaluate("el => el.open"):
        menu.locator("summary").click()
    return page.get_by_role("navigation", name="Hovedmenu")


def logged_in_header(page: Any) -> Any:
    """The "Log ud" button in the opened menu: the person is logged in."""
    return main_menu(page).get_by_role("button", name="Log ud")


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


# The real ASGI server (Daphne) fixture, `asgi_server`, lives in tests/conftest.py:
# the security probes (tests/test_probes.py) use it too.


def session_cookie(user: Any, url: str) -> dict[str, Any]:
    """A logged-in session for `user`, as a cookie for the browser on `url`.

    Daphne runs with the project's own settings, whose password hashers do not
    include the cheap one the test process uses, so the session is made here (in
    the shared database) rather than through the login form."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": url,
        "httpOnly": True,
        "sameSite": "Lax",
    }


@pytest.fixture
def asgi_login_as(asgi_server: AsgiServer, new_context: Callable[..., Any]) -> Callable[..., Any]:
    """Like login_as, but on the Daphne server (where the WebSockets are): a fresh
    browser context with its own logged-in session."""

    def _login(user: Any) -> Any:
        ctx = new_context()
        ctx.add_cookies([session_cookie(user, asgi_server.url)])
        page = ctx.new_page()
        response = page.goto(asgi_server.url + "/")
        assert response is not None and response.status == 200
        expect(logged_in_header(page)).to_be_visible()
        page.keyboard.press("Escape")
        return page

    return _login


# --- Playwright for this package only ---------------------------------------------------
#
# pytest-playwright starts Playwright once per session, and its sync API keeps an event
# loop marked as running in the main thread until it stops. Any test after the browser
# tests that calls async_to_sync (the channel layer, the consumers' tests) would fail with
# "You cannot use AsyncToSync in the same thread as an async event loop". Scoped to this
# package, Playwright stops when the browser tests are done.


@pytest.fixture(scope="package")
def playwright(_pw_api_request_contexts: Any) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    if _pw_api_request_contexts:
        _pw_api_request_contexts.instrument(pw)
    yield pw
    pw.stop()


@pytest.fixture(scope="package")
def browser_type(playwright: Any, browser_name: str) -> Any:
    return getattr(playwright, browser_name)


@pytest.fixture(scope="package")
def launch_browser(
    browser_type_launch_args: dict[str, Any], browser_type: Any
) -> Callable[..., Any]:
    def launch(**kwargs: Any) -> Any:
        return browser_type.launch(**{**browser_type_launch_args, **kwargs})

    return launch


@pytest.fixture(scope="package")
def browser(launch_browser: Callable[..., Any]) -> Iterator[Any]:
    browser = launch_browser()
    yield browser
    browser.close()
