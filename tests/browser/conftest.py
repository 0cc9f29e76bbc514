"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Never downloads a browser: the launch points at /usr/bin/chromium.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import static_from_finders

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


# --- A real ASGI server (Daphne) for the live-update tests ---------------------------
#
# pytest-django's live_server is WSGI-only: it cannot hold a WebSocket. The live tests
# run Daphne as a subprocess against the very database the test writes to. On
# PostgreSQL that is the test database pytest-django created; on SQLite the test
# database is made a file (below) instead of the in-memory default, so a second
# process can open it.

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database_url() -> str:
    """The URL of the test database this process is using, for a child process."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    engine = db["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        name = str(db["NAME"])
        if name == ":memory:" or "mode=memory" in name:
            pytest.skip(
                "the SQLite test database is in memory (another test set it up before the "
                "browser tests); Daphne cannot share it: run `pytest tests/browser`"
            )
        return f"sqlite:///{Path(name).resolve()}"
    if "postgresql" in engine:
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        return "postgres://{user}{password}@{host}:{port}/{name}".format(
            user=db.get("USER") or "postgres",
            password=password,
            host=db.get("HOST") or "127.0.0.1",
            port=db.get("PORT") or 5432,
            name=db["NAME"],
        )
    pytest.skip(f"no way to share a {engine} test database with Daphne")


class AsgiServer:
    def __init__(self, url: str, process: subprocess.Popen[bytes], log: Path) -> None:
        self.url = url
        self.process = process
        self.log = log

    def __str__(self) -> str:
        return self.url


@pytest.fixture
def asgi_server_env() -> dict[str, str]:
    """Extra environment for the Daphne of `asgi_server`; a test module overrides
    this fixture to turn on, say, the in-process scheduler."""
    return {}


@pytest.fixture
def asgi_server(
    transactional_db: None, tmp_path: Path, asgi_server_env: dict[str, str]
) -> Iterator[AsgiServer]:
    """Daphne serving sammen.asgi (HTTP and WebSockets) on a free port, against the
    test database. It asks for the database in transaction mode (as
    `@pytest.mark.django_db(transaction=True)` does), so the test's rows are
    committed where Daphne can read them. Daphne's output is in `server.log`."""
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "sammen.settings",
        # No publishing thread unless a test asks for one (asgi_server_env).
        "SCHEDULER_IN_PROCESS": "0",
        **asgi_server_env,
    }
    # Our own async-unsafe escape hatch is for the test process only.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    # REDIS_URL passes through when set (the Redis channel layer); otherwise the
    # in-memory layer, which is enough for one process.
    port = _free_port()
    log = tmp_path / "daphne.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(  # noqa: S603
            [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "sammen.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    server = AsgiServer(url, process, log)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"Daphne exited ({process.returncode}):\n{log.read_text()}")
            with (
                contextlib.suppress(OSError),  # not listening yet
                urllib.request.urlopen(url + "/healthz", timeout=2) as response,  # noqa: S310
            ):
                if response.status == 200:
                    break
            if time.monotonic() > deadline:
                raise TimeoutError(f"Daphne did not answer /healthz:\n{log.read_text()}")
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
        expect(page.get_by_role("button", name="Log ud")).to_be_visible()
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
