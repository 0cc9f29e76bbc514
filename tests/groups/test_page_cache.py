"""Whole group pages cached per reader (sammen.pagecache, pages.views.render_place).

A member's page is served from the cache while nothing on it has changed, and
compressed as the GZip middleware would send it. What a cached page must never
do: swallow a message meant for this load, carry a CSRF token that no longer
matches the person's cookie, show another reader's page or path, or keep a
moderator's queue count after a new flag."""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from groups import services as group_services
from groups.models import Group, SubGroup
from moderation import services as mod_services
from posts import services as post_services
from posts.models import Post

pytestmark = pytest.mark.usefixtures("in_memory_channel_layer", "fresh_cache")

TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def group_url(group: Group) -> str:
    return reverse("group-detail", kwargs={"group_slug": group.slug})


def warm(client: Client, url: str) -> None:
    """Two loads: the first sets the CSRF cookie (a page without one is never
    cached), the second stores the page."""
    for _ in range(2):
        assert client.get(url).status_code == 200


@pytest.fixture
def a_post(member: User, group: Group) -> Post:
    return post_services.post_create(actor=member, group=group, body="Strikkecafé på torsdag")


def test_a_warm_page_is_one_cache_read_after_the_permission_checks(
    client_for: Callable[[User | None], Client], member: User, group: Group, a_post: Post
) -> None:
    client = client_for(member)
    warm(client, group_url(group))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(group_url(group), HTTP_ACCEPT_ENCODING="gzip, deflate")
    # Served as stored: no template rendered.
    assert response.templates == []
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"] and "Cookie" in response["Vary"]
    body = gzip.decompress(response.content).decode()
    assert "Strikkecafé på torsdag" in body and "</html>" in body
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    for table in ("posts_post", "groups_subgroup", "accounts_user_groups"):
        assert table not in sql
    # The person, the group with their membership, its last event: no more.
    assert len(queries.captured_queries) <= 5, sql


def test_a_client_without_gzip_gets_the_cached_page_as_html(
    client_for: Callable[[User | None], Client], member: User, group: Group, a_post: Post
) -> None:
    client = client_for(member)
    warm(client, group_url(group))
    response = client.get(group_url(group))
    assert "Content-Encoding" not in response
    assert "Strikkecafé på torsdag" in response.content.decode()


def test_a_message_after_posting_is_shown_once_on_a_cached_page(
    client_for: Callable[[User | None], Client], member: User, group: Group, a_post: Post
) -> None:
    client = client_for(member)
    warm(client, group_url(group))
    response = client.post(
        reverse("post-create", kwargs={"group_slug": group.slug}),
        {"body": "Husk garn til torsdag"},
        follow=True,
    )
    body = response.content.decode()
    assert "Dit opslag er delt." in body and "Husk garn til torsdag" in body
    again = client.get(group_url(group)).content.decode()
    assert "Dit opslag er delt." not in again and "Husk garn til torsdag" in again


def comment_with_the_pages_token(client: Client, group: Group, post: Post, body: str) -> int:
    """Comment as a browser would: with the token from the (cached) page."""
    page = client.get(group_url(group)).content.decode()
    token = TOKEN_RE.search(page)
    assert token is not None
    response = client.post(
        reverse("comment-create", kwargs={"group_slug": group.slug, "post_id": post.pk}),
        {"body": body, "csrfmiddlewaretoken": token.group(1)},
    )
    return response.status_code


def test_the_token_on_a_cached_page_is_accepted(member: User, group: Group, a_post: Post) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    warm(client, group_url(group))
    assert comment_with_the_pages_token(client, group, a_post, "Jeg kommer") == 302
    assert a_post.comments.filter(body="Jeg kommer").exists()


def test_a_new_csrf_cookie_gets_a_page_with_a_token_for_it(
    member: User, group: Group, a_post: Post
) -> None:
    """Logging in again rotates the CSRF secret; the page cached for the old
    one must not be served with the new cookie."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    warm(client, group_url(group))
    client.cookies.pop("csrftoken")  # as after a new login on another browser
    warm(client, group_url(group))
    assert comment_with_the_pages_token(client, group, a_post, "Stadig med") == 302


def test_each_reader_and_each_path_has_its_own_page(
    client_for: Callable[[User | None], Client],
    member: User,
    staff: User,
    group: Group,
    a_post: Post,
) -> None:
    first, second = client_for(member), client_for(staff)
    warm(first, group_url(group) + "?fra=nyhedsbrev")
    warm(second, group_url(group))
    page = second.get(group_url(group)).content.decode()
    # The staff member's own tab, not the member's page.
    assert "Ugeplan" in page
    assert "?fra=nyhedsbrev" not in page
    other = first.get(group_url(group) + "?fra=mail").content.decode()
    assert 'value="/groups/%s/?fra=mail"' % group.slug in other
    assert "Ugeplan" not in other


def test_a_moderators_queue_badge_counts_a_new_flag(
    client_for: Callable[[User | None], Client],
    moderator: User,
    staff: User,
    group: Group,
    a_post: Post,
) -> None:
    client = client_for(moderator)
    warm(client, group_url(group))
    assert "sager venter" not in client.get(group_url(group)).content.decode()
    mod_services.flag_create(actor=staff, post=a_post, reason="spam")
    assert (
        '1<span class="visually-hidden"> sager venter'
        in client.get(group_url(group)).content.decode()
    )


def test_a_sub_group_page_shows_a_new_member_at_once(
    client_for: Callable[[User | None], Client],
    member: User,
    sub_requester: User,
    admin: User,
    subgroup: SubGroup,
    django_capture_on_commit_callbacks: Any,
) -> None:
    url = subgroup.get_absolute_url()
    client = client_for(member)
    warm(client, url)
    assert sub_requester.display_name not in client.get(url).content.decode()
    membership = subgroup.memberships.get(user=sub_requester)
    with django_capture_on_commit_callbacks(execute=True):
        group_services.subgroup_request_approve(
            actor=admin, subgroup=subgroup, membership_id=membership.pk
        )
    assert sub_requester.display_name in client.get(url).content.decode()
