"""Factories and role fixtures shared by the whole suite.

Factories are plain functions (no factory_boy) so browser and integration tests
can import them too: `from tests.conftest import make_user, make_group`.
They write rows directly: they set up the world a test starts from, they are
not the behaviour under test (that goes through services and views).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from accounts.models import User
from groups.models import (
    Group,
    JoinPolicy,
    Membership,
    MembershipStatus,
    Role,
    SubGroup,
    SubGroupMembership,
    SubGroupMembershipStatus,
    Visibility,
)

PASSWORD = "sammen-test-1234"

# Tests that import sammen.asgi must not start the embedded publishing thread in
# the test process; the scheduler's tests call scheduler.publishing.publish_due.
django_settings.SCHEDULER_IN_PROCESS = False
_seq = itertools.count(1)


# --- factories ------------------------------------------------------------------


def make_user(
    email: str | None = None,
    display_name: str | None = None,
    *,
    verified: bool = True,
    password: str = PASSWORD,
    **extra: Any,
) -> User:
    """A person who can log in with `password`; `verified` also creates
    allauth's verified primary EmailAddress, as after clicking the e-mail link."""
    n = next(_seq)
    email = (email or f"person{n}@example.org").lower()
    user = User.objects.create_user(
        email=email,
        password=password,
        display_name=display_name or f"Person Nummer{n}",
        **extra,
    )
    if verified:
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def make_membership(
    user: User,
    group: Group,
    *,
    role: str = Role.MEMBER,
    status: str = MembershipStatus.ACTIVE,
    answers: list[dict[str, str]] | None = None,
    decided_by: User | None = None,
) -> Membership:
    now = timezone.now()
    return Membership.objects.create(
        user=user,
        group=group,
        role=role,
        status=status,
        answers=answers or [],
        requested_at=now,
        joined_at=now if status == MembershipStatus.ACTIVE else None,
        decided_at=now if status in (MembershipStatus.BANNED, MembershipStatus.DECLINED) else None,
        decided_by=decided_by,
    )


def make_group(
    name: str | None = None,
    *,
    admin: User | None = None,
    members: Iterable[User] = (),
    description: str = "En gruppe for alle, der kan lide at være sammen.",
    rules: str = "Vær venlig.\nDet, der deles her, bliver her.",
    questions: list[str] | None = None,
    visibility: str = Visibility.CLOSED,
    slug: str | None = None,
) -> Group:
    """A group; `admin` becomes its active administrator, `members` active members."""
    n = next(_seq)
    name = name or f"Gruppe {n}"
    group = Group.objects.create(
        name=name,
        slug=slug or f"gruppe-{n}",
        description=description,
        rules=rules,
        questions=list(questions) if questions is not None else [],
        visibility=visibility,
        created_by=admin,
    )
    if admin is not None:
        make_membership(admin, group, role=Role.ADMIN)
    for user in members:
        make_membership(user, group)
    return group


def make_subgroup(
    group: Group,
    name: str | None = None,
    *,
    members: Iterable[User] = (),
    pending: Iterable[User] = (),
    member_cap: int | None = None,
    join_policy: str = JoinPolicy.OPEN,
    facilitator: User | None = None,
    description: str = "",
    slug: str | None = None,
) -> SubGroup:
    n = next(_seq)
    sub = SubGroup.objects.create(
        group=group,
        name=name or f"Undergruppe {n}",
        slug=slug or f"undergruppe-{n}",
        description=description,
        member_cap=member_cap,
        join_policy=join_policy,
        facilitator=facilitator,
    )
    now = timezone.now()
    for user in members:
        SubGroupMembership.objects.create(
            subgroup=sub, user=user, status=SubGroupMembershipStatus.ACTIVE, joined_at=now
        )
    for user in pending:
        SubGroupMembership.objects.create(
            subgroup=sub, user=user, status=SubGroupMembershipStatus.PENDING
        )
    return sub


# --- test-wide settings -------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_and_isolated(request: pytest.FixtureRequest, settings: Any, tmp_path: Any) -> None:
    # PBKDF2 at production strength makes seed_demo (40+ accounts) take many seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Uploaded files (public and private) go to throw-away directories, not var/.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    # A web push key made for the test, if it needs one, not in var/.
    settings.WEBPUSH_VAPID_KEY_FILE = tmp_path / "vapid_private.pem"
    # Rate-limit counters of their own: no test inherits another's writes.
    settings.RATELIMIT_CACHE_PREFIX = f"rl:{uuid.uuid4().hex}:"
    # Two-factor for team roles (on in production) is tested where it is the
    # subject (tests/pages/test_two_factor.py); the other tests' staff log in
    # with a password only. Server processes the tests start inherit the
    # environment variable set below.
    settings.MFA_REQUIRED_FOR_TEAM = False


# For the Daphne, gunicorn and Celery processes the tests start (DEBUG off).
os.environ.setdefault("MFA_REQUIRED_FOR_TEAM", "0")


def static_from_finders(settings: Any) -> None:
    """Static files from the finders (static/), whatever DEBUG is, as under
    `make run`: no collected manifest needed."""
    settings.SERVESTATIC_USE_FINDERS = True
    settings.SERVESTATIC_AUTOREFRESH = True
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Celery tasks run in the calling process, as in the embedded default,
    whatever broker the suite has (a PostgreSQL + Redis run has no worker)."""
    from sammen.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def fresh_cache() -> Iterator[None]:
    """An empty cache before and after: for tests of what pages cache (and so
    share between readers) on purpose."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def in_memory_channel_layer(settings: Any) -> Any:
    """A fresh in-process channel layer, also when REDIS_URL points at a real
    Redis: unit tests must neither need nor leak into a shared server."""
    from channels.layers import get_channel_layer

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    return get_channel_layer()


# --- the group and its people ----------------------------------------------------------

GROUP_NAME = "Hyggeklubben Solsikken"
GROUP_DESCRIPTION = "Vi mødes og deler lyspunkter fra hverdagen."
GROUP_RULES = "Vær venlig mod hinanden.\nDet, der deles i gruppen, bliver i gruppen."
QUESTIONS = ["Hvad håber du at få ud af gruppen?", "Hvordan hørte du om os?"]
SUBGROUP_NAME = "Maskeløberne"
SUBGROUP_DESCRIPTION = "Vi strikker sammen hver torsdag."
PENDING_ANSWER = "Jeg vil gerne finde nogen at gå ture med langs fjorden."

# Distinctive names, so a leak is a plain substring in the page.
NAMES = {
    "admin": "Adelheid Administratorsen",
    "staff": "Stig Medarbejdersen",
    "moderator": "Mona Moderatorsen",
    "member": "Mikkel Medlemsen",
    "pending": "Palle Ventesen",
    "outsider": "Oda Udenforsen",
    "banned": "Bodil Udelukkesen",
    "sub_only": "Sigrid Undergruppesen",
    "sub_requester": "Svend Anmodersen",
}


@pytest.fixture
def admin(db: None) -> User:
    return make_user("admin@example.org", NAMES["admin"])


@pytest.fixture
def group(admin: User) -> Group:
    """A closed group with rules and two questions; its people are the role
    fixtures below, and it has one sub-group (see `subgroup`)."""
    return make_group(
        GROUP_NAME,
        slug="solsikken",
        admin=admin,
        description=GROUP_DESCRIPTION,
        rules=GROUP_RULES,
        questions=QUESTIONS,
    )


def _in_group(group: Group, key: str, **kwargs: Any) -> User:
    user = make_user(f"{key.replace('_', '-')}@example.org", NAMES[key])
    make_membership(user, group, **kwargs)
    return user


@pytest.fixture
def staff(group: Group) -> User:
    return _in_group(group, "staff", role=Role.STAFF)


@pytest.fixture
def moderator(group: Group) -> User:
    return _in_group(group, "moderator", role=Role.MODERATOR)


@pytest.fixture
def member(group: Group) -> User:
    return _in_group(group, "member")


@pytest.fixture
def pending(group: Group) -> User:
    return _in_group(
        group,
        "pending",
        status=MembershipStatus.PENDING,
        answers=[
            {"question": QUESTIONS[0], "answer": PENDING_ANSWER},
            {"question": QUESTIONS[1], "answer": "Fra biblioteket."},
        ],
    )


@pytest.fixture
def banned(group: Group, admin: User) -> User:
    return _in_group(group, "banned", status=MembershipStatus.BANNED, decided_by=admin)


@pytest.fixture
def outsider(db: None) -> User:
    return make_user("outsider@example.org", NAMES["outsider"])


@pytest.fixture
def anonymous() -> None:
    """The visitor who is not logged in (use with `client_for`)."""
    return None


@pytest.fixture
def sub_only(group: Group) -> User:
    """A group member whose only other tie is the sub-group."""
    return _in_group(group, "sub_only")


@pytest.fixture
def sub_requester(group: Group) -> User:
    return _in_group(group, "sub_requester")


@pytest.fixture
def subgroup(group: Group, member: User, sub_only: User, sub_requester: User) -> SubGroup:
    """Open sub-group with `member` and `sub_only` in it and `sub_requester`
    waiting for approval."""
    return make_subgroup(
        group,
        SUBGROUP_NAME,
        slug="maskeloeberne",
        description=SUBGROUP_DESCRIPTION,
        members=[member, sub_only],
        pending=[sub_requester],
    )


@pytest.fixture
def everyone(
    admin: User,
    staff: User,
    moderator: User,
    member: User,
    pending: User,
    outsider: User,
    banned: User,
    subgroup: SubGroup,
) -> dict[str, User | None]:
    """The whole cast at once, by role name."""
    return {
        "anonymous": None,
        "outsider": outsider,
        "pending": pending,
        "banned": banned,
        "member": member,
        "moderator": moderator,
        "staff": staff,
        "admin": admin,
    }


# --- authorization matrices ------------------------------------------------------------
#
# Every app's views are covered by a matrix: rows of (URL name, method, the answer
# for each role in ROLES order). An answer is a status, LOGIN (redirected to the log-in
# page), or a set of statuses where either is right. tests/test_authorization.py checks
# that every URL name of every app has a row in some app's MATRIX.

ROLES = ("anonymous", "outsider", "pending", "banned", "member", "moderator", "staff", "admin")
NON_MEMBERS = ("anonymous", "outsider", "pending", "banned")
LOGIN = "login"
MatrixRow = tuple[str, str, tuple[Any, ...]]


def matrix_params(rows: Iterable[MatrixRow]) -> list[Any]:
    """One pytest case per row and role: (url name, method, role, expected answer)."""
    return [
        pytest.param(name, method, role, expected, id=f"{name}-{method}-{role}")
        for name, method, answers in rows
        for role, expected in zip(ROLES, answers, strict=True)
    ]


def assert_answer(response: Any, expected: Any, what: str = "") -> None:
    """The response is the matrix's answer for this role."""
    if expected == LOGIN:
        assert response.status_code == 302, what
        assert response["Location"].startswith("/accounts/login/"), what
    elif isinstance(expected, (set, frozenset)):
        assert response.status_code in expected, (what, response.status_code)
    else:
        assert response.status_code == expected, (what, response.content[:300])


@pytest.fixture
def client_for(db: None) -> Callable[[User | None], Client]:
    """`client_for(user)`: a test Client logged in as `user` (anonymous for None)."""

    def build(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return build


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """SQLite: a file-based test database, so Daphne (another process) sees the rows
    the test commits. PostgreSQL is left alone (its test database is already shared).

    Session-scoped and here at the root, so it holds for the whole suite: the live
    browser tests run on the embedded default too."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3" and not db.get("TEST", {}).get("NAME"):
        path = tmp_path_factory.mktemp("sqlite") / "test_sammen.sqlite3"
        db.setdefault("TEST", {})["NAME"] = str(path)


# --- A real ASGI server (Daphne), for the live browser tests and the probes ---------
#
# pytest-django's live_server is WSGI-only: it cannot hold a WebSocket. The live tests
# run Daphne as a subprocess against the very database the test writes to. On
# PostgreSQL that is the test database pytest-django created; on SQLite the test
# database is made a file (below) instead of the in-memory default, so a second
# process can open it.

ROOT = Path(__file__).resolve().parents[1]
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
    transactional_db: None, tmp_path: Path, asgi_server_env: dict[str, str], settings: Any
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
        # The files this test's own settings write to (tests/conftest.py).
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
        "WEBPUSH_VAPID_KEY_FILE": str(settings.WEBPUSH_VAPID_KEY_FILE),
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


# --- A real SMTP server (aiosmtpd), for the e-mail tests ------------------------------


class SmtpSink:
    """tests/smtp_sink.py as a child process; what it accepted, parsed."""

    def __init__(self, port: int, folder: Path, process: subprocess.Popen[bytes]) -> None:
        self.port = port
        self.folder = folder
        self.process = process

    def messages(self) -> list[Any]:
        from email import message_from_bytes, policy

        return [
            message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted(self.folder.glob("*.eml"))
        ]

    def count(self) -> int:
        return len(list(self.folder.glob("*.eml")))

    def use(self, settings: Any) -> None:
        """Point this process's Django at the sink."""
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = self.port
        settings.EMAIL_USE_TLS = False

    def env(self) -> dict[str, str]:
        """The same, for a child process (a Celery worker)."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.port),
        }


def start_smtp_sink(folder: Path, *, delay: float = 0.0) -> SmtpSink:
    folder.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            str(Path(__file__).with_name("smtp_sink.py")),
            "--port",
            str(port),
            "--folder",
            str(folder),
            "--delay",
            str(delay),
        ],
        stdout=subprocess.PIPE,
    )
    assert process.stdout is not None
    if process.stdout.readline().strip() != b"ready":
        process.kill()
        raise RuntimeError("the SMTP sink did not start")
    return SmtpSink(port, folder, process)


@pytest.fixture
def smtp_sink(tmp_path: Path) -> Iterator[SmtpSink]:
    sink = start_smtp_sink(tmp_path / "mails")
    try:
        yield sink
    finally:
        sink.process.terminate()
        sink.process.wait(timeout=10)
