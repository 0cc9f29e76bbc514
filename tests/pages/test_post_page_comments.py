"""A long thread on a post's page: the page shows the newest threads
(posts.selectors.POST_PAGE_COMMENTS) and a link to all of them, so a lively
post costs no more to render and read than one of that length; `?alle=1`
shows every comment, and every link to one comment asks for it, so the
comment is on the page whatever its age (a notification, moderation's "Se i
sammenhæng", the page after editing it)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from accounts.models import User
from groups.models import Group
from notifications.models import Notification
from notifications.views import target_url
from posts import selectors, services
from posts.models import Comment, Post

pytestmark = pytest.mark.usefixtures("in_memory_channel_layer", "fresh_cache")

SHOWN = 3


@pytest.fixture(autouse=True)
def short_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selectors, "POST_PAGE_COMMENTS", SHOWN)


@pytest.fixture
def thread(author: User, member: User, group: Group) -> tuple[Post, list[Comment]]:
    """A post with SHOWN + 2 comments, the oldest by `member`."""
    post = services.post_create(actor=author, group=group, body="Loppemarked på lørdag")
    comments = [services.comment_create(actor=member, post=post, body="Første kommentar")]
    for i in range(SHOWN + 1):
        comments.append(services.comment_create(actor=author, post=post, body=f"Svar nummer {i}"))
    return post, comments


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_the_newest_threads_and_links_to_the_earlier_ones(
    client_for: Callable[[User | None], Client], member: User, thread: tuple[Post, list[Comment]]
) -> None:
    post, comments = thread
    html = page(client_for(member), post.get_absolute_url())
    for old in comments[:2]:
        assert f'id="comment-{old.pk}"' not in html
    for new in comments[2:]:
        assert f'id="comment-{new.pk}"' in html
    assert "Se 2 tidligere kommentarer" in html
    assert f'href="{post.get_absolute_url()}?alle=1#comments"' in html


def test_alle_shows_every_comment_and_no_link(
    client_for: Callable[[User | None], Client], member: User, thread: tuple[Post, list[Comment]]
) -> None:
    post, comments = thread
    client = client_for(member)
    page(client, post.get_absolute_url())  # the short page first: cached apart
    html = page(client, post.get_absolute_url() + "?alle=1")
    for c in comments:
        assert f'id="comment-{c.pk}"' in html
    assert "tidligere kommentar" not in html


def test_a_notification_of_a_reply_in_an_old_thread_leads_to_a_page_that_shows_it(
    client_for: Callable[[User | None], Client],
    member: User,
    author: User,
    thread: tuple[Post, list[Comment]],
) -> None:
    post, comments = thread
    reply = services.comment_create(
        actor=author, post=post, body="Tak for tippet", parent_id=comments[0].pk
    )
    client = client_for(member)
    assert f'id="comment-{reply.pk}"' not in page(client, post.get_absolute_url())
    n = Notification.objects.filter(recipient=member, comment_id=reply.pk).get()
    url = target_url(n)
    assert url == f"{post.get_absolute_url()}?alle=1#comment-{reply.pk}"
    assert f'id="comment-{reply.pk}"' in page(client, url.split("#")[0])


def test_after_editing_an_old_comment_its_page_shows_it(
    client_for: Callable[[User | None], Client], member: User, thread: tuple[Post, list[Comment]]
) -> None:
    post, comments = thread
    old = comments[0]
    client = client_for(member)
    edit = f"/groups/{post.group.slug}/comments/{old.pk}/edit/"
    assert f'href="{post.get_absolute_url()}?alle=1#comment-{old.pk}"' in page(client, edit)
    response = client.post(edit, {"body": "Første kommentar, rettet"})
    assert response.status_code == 302
    assert response["Location"] == f"{post.get_absolute_url()}?alle=1#comment-{old.pk}"
    assert "Første kommentar, rettet" in page(client, response["Location"])


def test_only_the_shown_threads_are_read(
    member: User, author: User, thread: tuple[Post, list[Comment]]
) -> None:
    """A post with hundreds of comments costs a card no more than one with
    the threads it shows: the others are counted, not read."""
    post, comments = thread
    old_reply = services.comment_create(
        actor=author, post=post, body="Svar i en gammel tråd", parent_id=comments[0].pk
    )
    new_reply = services.comment_create(
        actor=member, post=post, body="Svar i en ny tråd", parent_id=comments[-1].pk
    )
    read, threads = selectors._comments(member, post.group, [post.pk], SHOWN)
    assert [c.pk for c in read] == [*(c.pk for c in comments[-SHOWN:]), new_reply.pk]
    assert old_reply.pk not in {c.pk for c in read}
    assert threads == {post.pk: SHOWN + 2}
    post = selectors.post_get(viewer=member, group=post.group, post_id=post.pk)
    selectors.attach(member, [post], shown=SHOWN)
    assert [c.pk for c in post.thread] == [c.pk for c in comments[-SHOWN:]]  # type: ignore[attr-defined]
    assert post.hidden_comment_count == 2  # type: ignore[attr-defined]
    assert [r.pk for r in post.thread[-1].thread_replies] == [new_reply.pk]  # type: ignore[attr-defined]
