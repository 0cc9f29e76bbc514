"""Cached post cards on the feed: one reader's card is never served to a reader
in another situation, changes show at once, and a warm page skips loading the
cards' contents.

The feed keys each card on what the reader's card depends on (role, pause,
what they may do with the post, their own comments and reactions on it), read
in two small queries; only cards missing from the cache are prepared and
rendered. These tests share one cache between readers on purpose."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from groups.models import Group, Role
from posts import services
from posts.models import Post
from tests.conftest import make_membership, make_user
from tests.posts.conftest import feed_page

pytestmark = pytest.mark.usefixtures("in_memory_channel_layer", "fresh_cache")

CHOSEN_LOVE = 'class="reaction chosen" aria-pressed="true"><span aria-hidden="true">❤️</span>'


@pytest.fixture
def readers(group: Group) -> dict[str, User]:
    people = {}
    for key, name in (("anna", "Anna Alfsen"), ("bent", "Bent Bagersen"), ("carl", "Carl Cosen")):
        people[key] = make_user(f"{key}@example.org", name)
        make_membership(people[key], group)
    return people


@pytest.fixture
def the_post(readers: dict[str, User], group: Group) -> Post:
    post = services.post_create(actor=readers["carl"], group=group, body="Hvem vil med i skoven?")
    services.comment_create(actor=readers["anna"], post=post, body="Annas kommentar her")
    return post


def test_a_readers_own_reaction_is_not_served_to_another_reader(
    client_for: Callable[[User | None], Client],
    readers: dict[str, User],
    group: Group,
    the_post: Post,
) -> None:
    services.reaction_set(actor=readers["anna"], post=the_post, kind="love")
    anna, bent = client_for(readers["anna"]), client_for(readers["bent"])
    assert CHOSEN_LOVE in feed_page(anna, group)
    assert CHOSEN_LOVE not in feed_page(bent, group)  # after Anna's card was cached
    assert CHOSEN_LOVE in feed_page(anna, group)  # and Anna's is still hers


def test_a_comments_edit_link_only_for_its_author_and_a_moderator_may_delete(
    client_for: Callable[[User | None], Client],
    readers: dict[str, User],
    group: Group,
    the_post: Post,
    moderator: User,
) -> None:
    comment = the_post.comments.get()
    edit = reverse("comment-edit", kwargs={"group_slug": group.slug, "comment_id": comment.pk})
    delete = reverse("comment-delete", kwargs={"group_slug": group.slug, "comment_id": comment.pk})
    anna, bent = client_for(readers["anna"]), client_for(readers["bent"])
    assert edit in feed_page(anna, group)
    bent_page = feed_page(bent, group)
    assert edit not in bent_page and delete not in bent_page
    moderator_page = feed_page(client_for(moderator), group)
    assert delete in moderator_page and edit not in moderator_page
    assert edit in feed_page(anna, group)


def test_the_post_authors_controls_stay_with_the_author(
    client_for: Callable[[User | None], Client],
    readers: dict[str, User],
    group: Group,
    the_post: Post,
) -> None:
    post_edit = reverse("post-edit", kwargs={"group_slug": group.slug, "post_id": the_post.pk})
    assert post_edit in feed_page(client_for(readers["carl"]), group)
    assert post_edit not in feed_page(client_for(readers["bent"]), group)


def test_changes_show_at_once(
    client_for: Callable[[User | None], Client],
    readers: dict[str, User],
    group: Group,
    the_post: Post,
) -> None:
    bent = client_for(readers["bent"])
    assert "Bents nye kommentar" not in feed_page(bent, group)
    services.comment_create(actor=readers["anna"], post=the_post, body="Bents nye kommentar")
    assert "Bents nye kommentar" in feed_page(bent, group)
    services.post_update(
        actor=readers["carl"], post=the_post, body="Hvem vil med i parken?", theme=""
    )
    assert "Hvem vil med i parken?" in feed_page(bent, group)


def test_a_paused_reader_gets_no_reaction_buttons_from_the_cache(
    client_for: Callable[[User | None], Client],
    readers: dict[str, User],
    group: Group,
    the_post: Post,
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from groups.models import Membership

    bent_before = feed_page(client_for(readers["bent"]), group)
    assert 'name="kind" value="like"' in bent_before
    Membership.objects.filter(user=readers["anna"], group=group).update(
        muted_until=timezone.now() + timedelta(days=1)
    )
    anna_page = feed_page(client_for(readers["anna"]), group)
    assert 'name="kind" value="like"' not in anna_page


def test_a_warm_page_loads_no_comments_photos_or_reactions(
    client_for: Callable[[User | None], Client],
    readers: dict[str, User],
    group: Group,
    the_post: Post,
) -> None:
    bent = client_for(readers["bent"])
    feed_page(bent, group)  # warm: sessions, content types, the cards
    with CaptureQueriesContext(connection) as warm:
        feed_page(bent, group)
    tables = " ".join(q["sql"] for q in warm.captured_queries)
    assert "posts_postimage" not in tables
    assert '"posts_comment"."body"' not in tables  # no comment is loaded to render
    # A new reader in the same situation gets the cached card too.
    dora = make_user("dora@example.org", "Dora Dansen")
    make_membership(dora, group, role=Role.MEMBER)
    with CaptureQueriesContext(connection) as other:
        feed_page(client_for(dora), group)
    assert "posts_postimage" not in " ".join(q["sql"] for q in other.captured_queries)
