"""The cast of the moderation tests: an author, a post of theirs, and a few
more members to flag it (the role fixtures come from tests/conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import User
from groups.models import Group
from moderation import services
from moderation.models import Case, FlagReason
from posts import services as post_services
from posts.models import Comment, Post
from tests.conftest import make_membership, make_user

POST_TEXT = "Ugens strikkeopskrift med blåbærgarn"
COMMENT_TEXT = "Sikke en fin opskrift, Kirsten"


@pytest.fixture
def author(group: Group) -> User:
    user = make_user("author@example.org", "Kirsten Skribentsen")
    make_membership(user, group)
    return user


@pytest.fixture
def post(author: User, group: Group) -> Post:
    return post_services.post_create(actor=author, group=group, body=POST_TEXT)


@pytest.fixture
def comment(post: Post, member: User) -> Comment:
    return post_services.comment_create(actor=member, post=post, body=COMMENT_TEXT)


@pytest.fixture
def flaggers(group: Group) -> list[User]:
    people = []
    for i in range(5):
        user = make_user(f"flagger{i}@example.org", f"Flemming Anmeldersen{i}")
        make_membership(user, group)
        people.append(user)
    return people


def flag(user: User, post: Post, comment: Comment | None = None, **kwargs: Any) -> Any:
    kwargs.setdefault("reason", FlagReason.HARASSMENT)
    return services.flag_create(actor=user, post=post, comment=comment, **kwargs)


def open_case(post: Post, comment: Comment | None = None) -> Case:
    qs = Case.objects.filter(post=post, state="open")
    qs = qs.filter(comment=comment) if comment is not None else qs.filter(comment__isnull=True)
    return qs.get()
