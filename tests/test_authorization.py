"""Every URL name of every app has a row in some app's authorization matrix, and
the site-wide URLs (health, profile) have theirs here."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import User
from tests.conftest import LOGIN, MatrixRow, assert_answer, matrix_params
from tests.directory.test_authorization import MATRIX as DIRECTORY
from tests.directory.test_coordinator import MATRIX as DIRECTORY_COORDINATOR
from tests.directory.test_freshness import MATRIX as DIRECTORY_FRESHNESS
from tests.directory.test_gaps import MATRIX as DIRECTORY_GAPS
from tests.directory.test_lists import MATRIX as DIRECTORY_LISTS
from tests.directory.test_review import MATRIX as DIRECTORY_REVIEW
from tests.groups.test_authorization import MATRIX as GROUPS
from tests.insights.test_dashboard import MATRIX as INSIGHTS
from tests.insights.test_weekly_report import MATRIX as WEEKLY_REPORT
from tests.insights.test_who5_views import MATRIX as WHO5
from tests.moderation.test_views import MATRIX as MODERATION
from tests.notifications.test_push import MATRIX as PUSH
from tests.notifications.test_views import MATRIX as NOTIFICATIONS
from tests.posts.test_views import MATRIX as POSTS
from tests.privacy.test_views import MATRIX as PRIVACY
from tests.scheduler.test_views import MATRIX as SCHEDULER

PROJECT_APPS = (
    "sammen",
    "accounts",
    "groups",
    "posts",
    "directory",
    "moderation",
    "scheduler",
    "notifications",
    "insights",
    "pages",
    "demo",
    "privacy",
)

L = LOGIN
# fmt: off
MATRIX: list[MatrixRow] = [
    # url name        method   anon outs pend bann memb mod  staff admin
    ("healthz",       "get",  (200, 200, 200, 200, 200, 200, 200, 200)),
    ("readyz",        "get",  (200, 200, 200, 200, 200, 200, 200, 200)),
    ("help",          "get",  (200, 200, 200, 200, 200, 200, 200, 200)),
    ("profile-edit",  "get",  (L,   200, 200, 200, 200, 200, 200, 200)),
    ("profile-edit",  "post", (L,   302, 302, 302, 302, 302, 302, 302)),
    ("logout-everywhere", "get",  (405, 405, 405, 405, 405, 405, 405, 405)),
    ("logout-everywhere", "post", (L, 302, 302, 302, 302, 302, 302, 302)),
]
# fmt: on


def project_url_names() -> set[str]:
    """The names of every URL whose view belongs to one of the project's apps."""
    names: set[str] = set()

    def walk(patterns: list[Any]) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                module = getattr(pattern.callback, "__module__", "")
                if module.split(".")[0] in PROJECT_APPS:
                    names.add(pattern.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_url_of_every_app_has_a_row_in_an_authorization_matrix() -> None:
    covered = {
        name
        for name, _method, _answers in [
            *GROUPS,
            *MODERATION,
            *SCHEDULER,
            *NOTIFICATIONS,
            *PUSH,
            *INSIGHTS,
            *WEEKLY_REPORT,
            *WHO5,
            *DIRECTORY,
            *DIRECTORY_REVIEW,
            *DIRECTORY_FRESHNESS,
            *DIRECTORY_COORDINATOR,
            *DIRECTORY_LISTS,
            *DIRECTORY_GAPS,
            *PRIVACY,
            *MATRIX,
        ]
    } | set(POSTS)
    names = project_url_names()
    assert "home" in names and "plan-photo" in names  # the walk finds the apps' URLs
    assert names - covered == set()


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "role", "expected"), matrix_params(MATRIX))
def test_site_matrix(
    name: str,
    method: str,
    role: str,
    expected: Any,
    everyone: dict[str, User | None],
    client_for: Any,
) -> None:
    viewer = everyone[role]
    client = client_for(viewer)
    path = reverse(name)
    data = {"display_name": "Nyt Navn", "bio": ""} if method == "post" else None
    response = client.post(path, data) if method == "post" else client.get(path)
    assert_answer(response, expected, f"{role} {method} {name}")
    if name == "profile-edit" and viewer is not None:
        # One's own profile only: nobody else's name is on the page.
        body = response.content.decode()
        others = {u.display_name for u in everyone.values() if u is not None and u != viewer}
        assert not {n for n in others if n in body}
