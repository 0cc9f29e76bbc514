"""What notifications do after a write commits (the bells, the push task) can
fail without failing the write: the person's text is stored, the answer is
not an error page they would answer by writing it again, and the live signals
registered after it still go out."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db import DatabaseError

from accounts.models import User
from groups.models import Group
from notifications import selectors
from posts import services
from posts.models import Comment, Post
from sammen.events import group_channel_name
from tests.conftest import make_membership, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_bell_that_cannot_ring_after_the_commit_fails_neither_the_write_nor_its_signal(
    member: User, group: Group, in_memory_channel_layer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    author = make_user("forfatter@example.org", "Karen Forfatter")
    make_membership(author, group)
    post: Post = services.post_create(actor=author, group=group, body="Hvem kommer torsdag?")
    layer = in_memory_channel_layer
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group_channel_name(group.pk), channel)

    def database_gone(user_ids: Any) -> Any:
        raise DatabaseError("the database went away after the commit")

    monkeypatch.setattr(selectors, "unread_counts", database_gone)
    comment = services.comment_create(actor=member, post=post, body="Jeg kommer!")

    assert Comment.objects.filter(pk=comment.pk, body="Jeg kommer!").exists()
    message = async_to_sync(layer.receive)(channel)
    assert message["event"] == "comment.created"
