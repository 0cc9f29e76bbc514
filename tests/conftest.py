"""Factories and role fixtures shared by the whole suite.

Factories are plain functions (no factory_boy) so browser and integration tests
can import them too: `from tests.conftest import make_user, make_group`.
They write rows directly: they set up the world a test starts from, they are
not the behaviour under test (that goes through services and views).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
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
# the test process; the scheduler's tests call scheduler.services.publish_due.
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
    # Uploaded avatars and covers go to a throw-away directory, not var/media. Not
    # for browser tests: the media URL route is bound to MEDIA_ROOT at import time.
    if request.node.get_closest_marker("browser") is None:
        settings.MEDIA_ROOT = tmp_path / "media"


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
