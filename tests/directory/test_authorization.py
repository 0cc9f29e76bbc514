"""Every directory URL for each directory role: what each may see and do, and
that nothing of an entry they may not see appears in what they get.

The roles are the directory's, not a group's: a visitor, a logged-in person
with no role, a directory editor, a coordinator, and the submitter of the
entry in the URL. Each URL is tried on a published entry (MATRIX) and, where
it takes one, on an entry still waiting for approval (PENDING_MATRIX)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from directory.models import Entry
from tests.conftest import LOGIN, assert_answer

DIRECTORY_ROLES = ("anonymous", "member", "editor", "coordinator", "submitter")
L = LOGIN

# fmt: off
MATRIX: list[tuple[str, str, tuple[Any, ...]]] = [
    # url name                        method  anon memb edit coord subm
    ("directory-home",                "get",  (200, 200, 200, 200, 200)),
    ("directory-calendar",            "get",  (200, 200, 200, 200, 200)),
    ("directory-search-ics",          "get",  (200, 200, 200, 200, 200)),
    ("directory-entry",               "get",  (200, 200, 200, 200, 200)),
    ("directory-entry-print",         "get",  (200, 200, 200, 200, 200)),
    ("directory-entry-ics",           "get",  (200, 200, 200, 200, 200)),
    ("directory-favourites",          "get",  (200, 200, 200, 200, 200)),
    ("directory-favourites-print",    "get",  (200, 200, 200, 200, 200)),
    ("directory-favourite-add",       "post", (302, 302, 302, 302, 302)),
    ("directory-favourite-remove",    "post", (302, 302, 302, 302, 302)),
    ("directory-favourite-add",       "get",  (405, 405, 405, 405, 405)),
    ("directory-shared-list",         "get",  (200, 200, 200, 200, 200)),
    ("directory-coordinator-request", "get",  (200, 200, 200, 200, 200)),
    # A group's administrators list it; none of these roles administers the group.
    ("directory-group-listing",       "post", (L,   404, 404, 404, 404)),
]

# The same URLs on an entry waiting for approval: only its submitter and the
# editors know it exists.
PENDING_MATRIX: list[tuple[str, str, tuple[Any, ...]]] = [
    ("directory-entry",               "get",  (404, 404, 200, 404, 200)),
    ("directory-entry-print",         "get",  (404, 404, 200, 404, 200)),
    ("directory-entry-ics",           "get",  (404, 404, 200, 404, 200)),
    ("directory-favourite-add",       "post", (404, 404, 404, 404, 404)),
    ("directory-favourite-remove",    "post", (404, 404, 302, 404, 302)),
    # A shared list never shows what is not published.
    ("directory-shared-list",         "get",  (200, 200, 200, 200, 200)),
]
# fmt: on

PUBLISHED_TITLE = "Offentlig gåtur"
PENDING_TITLE = "Afventende sangkor"


def _params(rows: list[tuple[str, str, tuple[Any, ...]]]) -> list[Any]:
    return [
        pytest.param(name, method, role, expected, id=f"{name}-{method}-{role}")
        for name, method, answers in rows
        for role, expected in zip(DIRECTORY_ROLES, answers, strict=True)
    ]


def _path(name: str, entry: Entry, group_slug: str) -> str:
    if name in {
        "directory-entry",
        "directory-entry-print",
        "directory-entry-ics",
        "directory-favourite-add",
        "directory-favourite-remove",
    }:
        return reverse(name, args=[entry.pk])
    if name == "directory-shared-list":
        token = signing.dumps([entry.pk], salt="directory.favourites.share", compress=True)
        return reverse(name, args=[token])
    if name == "directory-group-listing":
        return reverse(name, args=[group_slug])
    return reverse(name)


@pytest.fixture
def people(plain_member: Any, editor: Any, coordinator: Any, submitter: Any) -> dict[str, Any]:
    return {
        "anonymous": None,
        "member": plain_member,
        "editor": editor,
        "coordinator": coordinator,
        "submitter": submitter,
    }


def _check(
    name: str,
    method: str,
    role: str,
    expected: Any,
    entry: Entry,
    people: dict[str, Any],
    group: Any,
    hidden_title: str,
) -> None:
    client = Client()
    if people[role] is not None:
        client.force_login(people[role])
    path = _path(name, entry, group.slug)
    response = client.post(path, {}) if method == "post" else client.get(path)
    assert_answer(response, expected, f"{role} {method} {name}")
    if response.status_code == 200 and hidden_title:
        assert hidden_title not in response.content.decode(), (role, name)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "role", "expected"), _params(MATRIX))
def test_directory_matrix(
    name: str,
    method: str,
    role: str,
    expected: Any,
    make_entry: Callable[..., Entry],
    people: dict[str, Any],
    group: Any,
) -> None:
    entry = make_entry(PUBLISHED_TITLE, rrule="FREQ=WEEKLY;BYDAY=MO")
    make_entry(PENDING_TITLE, status="pending", actor=people["submitter"])
    # The pending entry appears on no public page, for anyone.
    _check(name, method, role, expected, entry, people, group, PENDING_TITLE)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "role", "expected"), _params(PENDING_MATRIX))
def test_directory_pending_entry_matrix(
    name: str,
    method: str,
    role: str,
    expected: Any,
    make_entry: Callable[..., Entry],
    people: dict[str, Any],
    group: Any,
) -> None:
    entry = make_entry(
        PENDING_TITLE, status="pending", actor=people["submitter"], rrule="FREQ=WEEKLY;BYDAY=MO"
    )
    may_see = role in {"editor", "submitter"} and name != "directory-shared-list"
    _check(name, method, role, expected, entry, people, group, "" if may_see else PENDING_TITLE)
