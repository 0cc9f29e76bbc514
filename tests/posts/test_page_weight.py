"""The feed page of 20 posts stays light (issue 18): at most 100 KB of HTML
for a member, with every post's photo, comments, reply and reactions, and no
function lost (a reaction can still be chosen from a post without JavaScript,
"who reacted" is a link to its own page)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from accounts.models import User
from groups.models import Group
from posts import services
from posts.models import ReactionKind, Theme
from tests.conftest import make_membership, make_user
from tests.posts.conftest import feed_page, image_bytes, photo

pytestmark = pytest.mark.usefixtures("in_memory_channel_layer", "fresh_cache")

FEED_LIMIT = 100 * 1024


@pytest.fixture
def busy_group(group: Group, admin: User, member: User) -> Group:
    """20 posts as bench/feed.py makes them: a photo each, four comments and a
    reply, eight reactions on the post and one on a comment."""
    people = [member]
    for i in range(8):
        user = make_user(f"m{i}@example.org", f"Medlem Nummer {i}")
        make_membership(user, group)
        people.append(user)
    kinds = list(ReactionKind.values)
    themes = list(Theme.values)
    jpeg = image_bytes(size=(1200, 900))
    for i in range(20):
        post = services.post_create(
            actor=admin if i % 3 == 0 else people[i % len(people)],
            group=group,
            body=f"**Opslag {i}**: en tur i skoven i dag. Hvem går med?\n\n- kaffe\n- kage",
            theme=themes[i % len(themes)],
            photos=[photo(jpeg, alt="Skovsti i solskin")],
        )
        first = None
        for j in range(4):
            comment = services.comment_create(
                actor=people[(i + j + 1) % len(people)],
                post=post,
                body=f"Kommentar {j} til opslag {i}. Dejligt!",
            )
            first = first or comment
        assert first is not None
        services.comment_create(
            actor=admin, post=post, body="Tak for det, svar fra stab.", parent_id=first.pk
        )
        for j in range(8):
            services.reaction_set(
                actor=people[(i + j) % len(people)], post=post, kind=kinds[j % len(kinds)]
            )
        services.reaction_set(
            actor=people[(i + 3) % len(people)], post=post, kind="love", comment=first
        )
    return group


def test_the_feed_page_of_20_posts_is_at_most_100_kb(
    client_for: Callable[[User | None], Client], member: User, busy_group: Group
) -> None:
    body = feed_page(client_for(member), busy_group)
    assert body.count('id="post-') >= 20
    assert len(body.encode()) <= FEED_LIMIT
