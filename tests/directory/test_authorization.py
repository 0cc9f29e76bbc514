"""Every directory URL for each directory role: what each may see and do."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

# The roles of the directory (not of a group): a visitor, a logged-in member of
# nothing in particular, a directory editor, a coordinator, and the submitter of
# the entry in the URL.
DIRECTORY_ROLES = ("anonymous", "member", "editor", "coordinator", "submitter")

# fmt: off
MATRIX: list[tuple[str, str, tuple[Any, ...]]] = [
    # url name                        method anon  memb  edit  coord subm
    ("directory-coordinator-request", "get", (200,  200,  200,  200,  200)),
]
# fmt: on


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "method", "role", "expected"),
    [
        pytest.param(name, method, role, expected, id=f"{name}-{method}-{role}")
        for name, method, answers in MATRIX
        for role, expected in zip(DIRECTORY_ROLES, answers, strict=True)
    ],
)
def test_directory_matrix(name: str, method: str, role: str, expected: int, client: Client) -> None:
    response = getattr(client, method)(reverse(name))
    assert response.status_code == expected
