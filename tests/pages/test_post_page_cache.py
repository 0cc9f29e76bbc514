"""The post page is cached whole per reader like the group page (issue 18):
a warm page reads no posts, comments or reactions and costs the same queries
with 1 comment as with 20, and every change to the post, its comments or
reactions, or to the reader's following, shows on the next load."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from groups.models import Group, SubGroup, SubGroupMembership, SubGroupMembershipStatus
from notifications import services as notification_services
from posts import services
from posts.models import ContentState, Post
from tests.conftest import make_group, make_membership, make_user

pytestmark = pytest.mark.usefixtures("in_memory_channel_layer", "fresh_cache")


@pytest.fixture
def the_post(author: User, group: Group) -> Post:
    post = services.post_create(actor=author, group=group, body="Loppemarked på lørdag")
    services.comment_create(actor=author, post=post, body="Kom og kig")
    return post


def page(client: Client, post: Post) -> str:
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def _warm_queries(client: Client, post: Post) -> list[str]:
    """The queries of a load from the cache (the first load sets the CSRF
    cookie, which a page is cached with: sammen.pagecache)."""
    page(client, post)
    page(client, post)
    with CaptureQueriesContext(connection) as warm:
        page(client, post)
    return [q["sql"] for q in warm.captured_queries]


def test_a_warm_post_page_reads_no_posts_comments_or_reactions(
    client_for: Callable[[User | None], Client], member: User, the_post: Post
) -> None:
    sql = " ".join(_warm_queries(client_for(member), the_post))
    assert "posts_comment" not in sql and "posts_reaction" not in sql
    assert "posts_postrevision" not in sql


def test_the_warm_post_page_costs_the_same_with_1_and_20_comments(
    client_for: Callable[[User | None], Client], member: User, author: User, the_post: Post
) -> None:
    client = client_for(member)
    one = len(_warm_queries(client, the_post))
    for i in range(19):
        services.comment_create(actor=author, post=the_post, body=f"Kommentar nummer {i}")
    body = page(client, the_post)
    assert "Kommentar nummer 18" in body
    assert len(_warm_queries(client, the_post)) == one


def test_a_comment_and_a_reaction_by_someone_else_show_on_the_next_load(
    client_for: Callable[[User | None], Client], member: User, author: User, the_post: Post
) -> None:
    client = client_for(member)
    assert "Jeg tager kage med" not in page(client, the_post)
    page(client, the_post)  # now from the cache
    services.comment_create(actor=author, post=the_post, body="Jeg tager kage med")
    assert "Jeg tager kage med" in page(client, the_post)
    services.reaction_set(actor=author, post=the_post, kind="hug")
    assert 'aria-label="Knus: 1"' in page(client, the_post)


def test_an_edit_shows_on_the_next_load(
    client_for: Callable[[User | None], Client], member: User, author: User, the_post: Post
) -> None:
    client = client_for(member)
    page(client, the_post)
    services.post_update(actor=author, post=the_post, body="Loppemarked på søndag", theme="")
    assert "Loppemarked på søndag" in page(client, the_post)


def test_following_the_post_changes_the_readers_button(
    client_for: Callable[[User | None], Client], member: User, the_post: Post
) -> None:
    client = client_for(member)
    assert "Få besked om nye kommentarer." in page(client, the_post)
    notification_services.follow_set(actor=member, post=the_post, following=True)
    assert "Du får besked om nye kommentarer." in page(client, the_post)


def test_one_readers_page_is_never_served_to_another(
    client_for: Callable[[User | None], Client], member: User, author: User, the_post: Post
) -> None:
    services.reaction_set(actor=member, post=the_post, kind="love")
    mine = client_for(member)
    assert 'data-mine="love"' in page(mine, the_post)
    assert 'data-mine="love"' not in page(client_for(author), the_post)


def test_a_warm_post_page_is_five_short_statements(
    client_for: Callable[[User | None], Client], member: User, the_post: Post
) -> None:
    """The session's user, the membership with the group, the post with the
    group's last event, the bell with the following state, and the view's
    record (posts.selectors.post_get_for_key, notifications.selectors
    .is_following_with_unread)."""
    sql = _warm_queries(client_for(member), the_post)
    assert len(sql) == 5, sql
    assert sum("posts_post" in q for q in sql) == 1


def test_a_post_hidden_after_its_page_was_cached_is_not_served_from_the_cache(
    client_for: Callable[[User | None], Client], member: User, author: User, the_post: Post
) -> None:
    """The permission check runs before the cache is asked. The state is
    changed here without a FeedEvent, so the cached page's key is the same."""
    reader, writer = client_for(member), client_for(author)
    page(reader, the_post)
    page(reader, the_post)
    page(writer, the_post)
    Post.objects.filter(pk=the_post.pk).update(state=ContentState.HIDDEN)
    assert reader.get(the_post.get_absolute_url()).status_code == 404
    assert "Loppemarked" in page(writer, the_post)  # their own hidden post
    Post.objects.filter(pk=the_post.pk).update(state=ContentState.REMOVED)
    assert writer.get(the_post.get_absolute_url()).status_code == 404


def test_a_post_of_another_group_is_not_found_under_this_groups_address(
    client_for: Callable[[User | None], Client], member: User, group: Group, the_post: Post
) -> None:
    other = make_group("Andre", slug="andre", admin=make_user("a2@example.org", "Anden Admin"))
    elsewhere = services.post_create(
        actor=User.objects.get(email="a2@example.org"), group=other, body="Ikke jeres"
    )
    url = the_post.get_absolute_url().replace(f"/{the_post.pk}/", f"/{elsewhere.pk}/")
    assert client_for(member).get(url).status_code == 404


def test_a_sub_group_posts_warm_page_adds_only_the_sub_group(
    client_for: Callable[[User | None], Client], member: User, subgroup: SubGroup
) -> None:
    post = services.post_create(
        actor=member, group=subgroup.group, subgroup=subgroup, body="Kun for maskeløberne"
    )
    sql = _warm_queries(client_for(member), post)
    assert len(sql) == 6, sql
    outside = make_user("udenfor@example.org", "Ulla Udenfor")
    make_membership(outside, subgroup.group)  # in the group, not in the sub-group
    assert client_for(outside).get(post.get_absolute_url()).status_code == 404


def test_a_reader_no_longer_in_the_sub_group_is_not_served_its_cached_post_page(
    client_for: Callable[[User | None], Client],
    member: User,
    sub_only: User,
    subgroup: SubGroup,
) -> None:
    """The membership is ended here without the signals that renew the group's
    generation: the permission check before the cache is asked and the key
    (which holds the reader's sub-group membership) each keep the cached page
    from them."""
    post = services.post_create(
        actor=member, group=subgroup.group, subgroup=subgroup, body="Kun for maskeløberne"
    )
    reader = client_for(sub_only)
    page(reader, post)
    page(reader, post)
    SubGroupMembership.objects.filter(subgroup=subgroup, user=sub_only).update(
        status=SubGroupMembershipStatus.PENDING
    )
    assert reader.get(post.get_absolute_url()).status_code == 404
