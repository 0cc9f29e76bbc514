"""Fixtures shared by the page tests."""

from __future__ import annotations

import pytest

from accounts.models import User
from groups.models import Group
from tests.conftest import make_membership, make_user


@pytest.fixture
def author(group: Group) -> User:
    """A member of the group who writes the post the reader looks at."""
    user = make_user("forfatter@example.org", "Karen Forfatter")
    make_membership(user, group)
    return user
