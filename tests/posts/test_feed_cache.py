"""The feed's cached pages (posts.fragments.feed_section): a reader's page is
reused only while nothing it shows has changed, and never for anyone else.

The page is keyed on the group's last FeedEvent (every change to posts,
comments and reactions writes one) and on the reader's own situation (role,
pause, sub-group membership). The changes below that write no FeedEvent (a
pause, a new role, leaving) must still change what the same reader sees."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from groups.models import Group, Membership, Role, SubGroup, SubGroupMembership
from posts import services
from posts.models import Post
from tests.posts.conftest import feed_page

pytestmark = pytest.mark.usefixtures("in_memory_channel_layer", "fresh_cache")

LIKE_BUTTON = 'name="kind" value="like"'


@pytest.fixture
def the_post(author: User, group: Group, member: User) -> Post:
    post = services.post_create(actor=author, group=group, body="Gåtur ved søen i morgen")
    services.comment_create(actor=member, post=post, body="Jeg tager termokande med")
    return post


def test_a_warm_feed_page_reads_no_posts(
    client_for: Callable[[User | None], Client], member: User, group: Group, the_post: Post
) -> None:
    client = client_for(member)
    feed_page(client, group)
    with CaptureQueriesContext(connection) as warm:
        body = feed_page(client, group)
    assert "Gåtur ved søen i morgen" in body
    sql = " ".join(q["sql"] for q in warm.captured_queries)
    assert "posts_post" not in sql and "posts_comment" not in sql and "posts_reaction" not in sql


def test_a_new_reaction_from_someone_else_shows_on_the_next_load(
    client_for: Callable[[User | None], Client],
    member: User,
    author: User,
    group: Group,
    the_post: Post,
) -> None:
    client = client_for(member)
    love = 'aria-label="Elsker: 1"'
    assert love not in feed_page(client, group)
    assert love not in feed_page(client, group)  # now from the cache
    services.reaction_set(actor=author, post=the_post, kind="love")
    assert love in feed_page(client, group)


def test_a_reader_paused_after_their_page_was_cached_loses_the_buttons(
    client_for: Callable[[User | None], Client], member: User, group: Group, the_post: Post
) -> None:
    client = client_for(member)
    assert LIKE_BUTTON in feed_page(client, group)
    Membership.objects.filter(user=member, group=group).update(
        muted_until=timezone.now() + timedelta(days=1)
    )
    paused = feed_page(client, group)
    assert LIKE_BUTTON not in paused
    assert "En moderator har sat dig på pause" in paused


def test_a_reader_made_moderator_gets_the_moderators_links(
    client_for: Callable[[User | None], Client],
    member: User,
    author: User,
    group: Group,
    the_post: Post,
) -> None:
    delete = reverse("post-delete", kwargs={"group_slug": group.slug, "post_id": the_post.pk})
    client = client_for(member)
    assert delete not in feed_page(client, group)
    Membership.objects.filter(user=member, group=group).update(role=Role.MODERATOR)
    assert delete in feed_page(client, group)


def test_a_reader_who_left_gets_no_cached_page(
    client_for: Callable[[User | None], Client], member: User, group: Group, the_post: Post
) -> None:
    client = client_for(member)
    assert "Gåtur ved søen i morgen" in feed_page(client, group)
    Membership.objects.filter(user=member, group=group).delete()
    response = client.get(reverse("group-detail", kwargs={"group_slug": group.slug}))
    assert "Gåtur ved søen i morgen" not in response.content.decode()


def test_a_reader_removed_from_a_subgroup_no_longer_sees_its_feed(
    client_for: Callable[[User | None], Client],
    sub_only: User,
    group: Group,
    subgroup: SubGroup,
) -> None:
    services.post_create(actor=sub_only, group=group, subgroup=subgroup, body="Torsdagsstrik")
    client = client_for(sub_only)
    assert "Torsdagsstrik" in client.get(subgroup.get_absolute_url()).content.decode()
    SubGroupMembership.objects.filter(user=sub_only, subgroup=subgroup).delete()
    assert "Torsdagsstrik" not in client.get(subgroup.get_absolute_url()).content.decode()


def test_each_reader_gets_their_own_page(
    client_for: Callable[[User | None], Client],
    member: User,
    author: User,
    group: Group,
    the_post: Post,
) -> None:
    edit = reverse("post-edit", kwargs={"group_slug": group.slug, "post_id": the_post.pk})
    assert edit in feed_page(client_for(author), group)
    assert edit not in feed_page(client_for(member), group)
    assert edit in feed_page(client_for(author), group)


def test_the_csrf_token_in_a_cached_page_is_the_readers_own(
    member: User, author: User, group: Group, the_post: Post
) -> None:
    """A cached page holds a placeholder; each response carries a token that
    the reader's own CSRF cookie accepts (a comment posts through it)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    feed_page(client, group)
    body = feed_page(client, group)  # from the cache
    assert "__SAMMEN_CSRF_TOKEN__" not in body
    token = body.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    url = reverse("comment-create", kwargs={"group_slug": group.slug, "post_id": the_post.pk})
    response = client.post(url, {"body": "Med token fra cachen", "csrfmiddlewaretoken": token})
    assert response.status_code in (200, 302)
    assert the_post.comments.filter(body="Med token fra cachen").exists()


def test_one_csrf_token_per_page(
    client_for: Callable[[User | None], Client], member: User, group: Group, the_post: Post
) -> None:
    """Cached cards, the composer and the page's own forms carry the same
    token: Django masks a new one at every get_token call, at a cost."""
    body = feed_page(client_for(member), group)
    tokens = {part.split('"')[0] for part in body.split('name="csrfmiddlewaretoken" value="')[1:]}
    assert body.count('name="csrfmiddlewaretoken"') > 3
    assert len(tokens) == 1


def test_a_group_whose_event_log_was_cleared_is_not_served_from_before(
    client_for: Callable[[User | None], Client],
    member: User,
    author: User,
    group: Group,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """seed_demo clears a group's FeedEvents after re-seeding, so the last event
    id repeats; the group's new generation keeps the old page from coming back."""
    from groups.selectors import group_changed
    from posts.models import FeedEvent

    services.post_create(actor=author, group=group, body="Første udgave af demoen")
    FeedEvent.objects.filter(group=group).delete()
    client = client_for(member)
    assert "Første udgave af demoen" in feed_page(client, group)
    services.post_create(actor=author, group=group, body="Anden udgave af demoen")
    FeedEvent.objects.filter(group=group).delete()
    with django_capture_on_commit_callbacks(execute=True):
        transaction.on_commit(lambda: group_changed(group.pk))
    assert "Anden udgave af demoen" in feed_page(client, group)


def test_an_authors_new_name_shows_on_their_post_and_comment_at_once(
    client_for: Callable[[User | None], Client],
    member: User,
    author: User,
    group: Group,
    the_post: Post,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Names are no event, but a member's profile save renews the group's
    generation (groups.receivers), which the cards' keys hold."""
    from accounts import services as account_services

    services.comment_create(actor=author, post=the_post, body="Jeg har kort med")
    client = client_for(member)
    feed_page(client, group)
    assert feed_page(client, group).count("Kirsten Skribentsen") >= 2
    with django_capture_on_commit_callbacks(execute=True):
        account_services.user_update_profile(actor=author, display_name="Kirsten Vandrer", bio="")
    page = feed_page(client, group)
    assert "Kirsten Skribentsen" not in page
    assert page.count("Kirsten Vandrer") >= 2
