"""Publishing a backlog in batches (SCHEDULER_BATCH_SIZE rows per transaction,
posts, feed events and notifications written in bulk) keeps every guarantee of
publishing one row at a time: each row once, as its author, at the time of
publishing; a failing row fails alone with its reason; everyone who would have
been told is told. Runs on SQLite and on PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db.models import F
from django.utils import timezone

from groups.models import Membership, Role
from notifications import services as notify_services
from notifications.models import Follow, Kind, Level, Notification
from posts import services as post_services
from posts.models import FeedEvent, Mention, Post
from posts.services import PhotoUpload
from sammen.events import group_channel_name
from scheduler import publishing, services
from scheduler.models import ScheduledPost, ScheduledState
from tests.conftest import make_group, make_membership, make_user
from tests.scheduler.test_services import jpeg

pytestmark = pytest.mark.django_db(transaction=True)


def _due(group: Any, author: Any, bodies: list[str], minutes_ago: int = 5) -> list[ScheduledPost]:
    """Rows due a few minutes ago, in this order (one second apart)."""
    due = timezone.now() - dt.timedelta(minutes=minutes_ago)
    return ScheduledPost.objects.bulk_create(
        ScheduledPost(
            group=group,
            place_name=group.name,
            author=author,
            body=body,
            theme="sammen",
            state=ScheduledState.SCHEDULED,
            publish_at=due + dt.timedelta(seconds=k),
        )
        for k, body in enumerate(bodies)
    )


def _assert_published_once(rows: list[ScheduledPost]) -> None:
    for row in rows:
        row.refresh_from_db()
        assert row.state == ScheduledState.PUBLISHED, (row.pk, row.failure_reason)
        assert row.post is not None
        assert row.post.author_id == row.author_id
        assert row.post.body == row.body
        assert row.post.created_at == row.published_at
        assert row.published_at is not None and row.publish_at is not None
        assert row.published_at >= row.publish_at
    assert len({row.post_id for row in rows}) == len(rows)
    assert Post.objects.filter(scheduled__isnull=True).count() == 0


def test_a_backlog_of_100_is_one_batch_in_a_bounded_number_of_queries(
    group: Any, staff: Any, settings: Any, django_assert_max_num_queries: Any
) -> None:
    settings.SCHEDULER_BATCH_SIZE = 100
    rows = _due(group, staff, [f"Planlagt opslag {k}" for k in range(100)])
    # One row at a time took about 20 queries a row (2,000 here).
    with django_assert_max_num_queries(40):
        assert publishing.publish_due() == 100
    _assert_published_once(rows)
    assert FeedEvent.objects.filter(kind="post.created").count() == 100
    # In the order they fell due, at one time of publishing for the batch.
    posts = list(Post.objects.order_by("id"))
    assert [p.body for p in posts] == [r.body for r in rows]
    assert len({p.created_at for p in posts}) == 1
    # Stored as the ORM stores a time (SQLite compares them as text).
    assert ScheduledPost.objects.filter(published_at=posts[0].created_at).count() == 100
    assert all(p.version == 1 for p in posts)  # as record_event leaves a new post


@pytest.mark.parametrize(
    "breaks",
    ["empty text", "author paused", "a bug"],
)
def test_a_failing_row_in_a_batch_of_100_fails_alone_and_the_other_99_publish(
    breaks: str,
    group: Any,
    staff: Any,
    admin: Any,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.SCHEDULER_BATCH_SIZE = 100
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    bodies = [f"Planlagt opslag {k}" for k in range(100)]
    author = staff
    if breaks == "empty text":
        bodies[50] = "   "
    elif breaks == "author paused":
        # The failing row is the only one of a second planner, who is paused.
        author = make_user(display_name="Pia Pauset")
        make_membership(author, group, role=Role.STAFF)
    elif breaks == "a bug":
        bodies[50] = "Dette opslag fejler"
        real = post_services.render_markdown

        def render(text: str) -> str:
            if text == "Dette opslag fejler":
                raise RuntimeError("a bug")
            return real(text)

        monkeypatch.setattr(post_services, "render_markdown", render)
    rows = _due(group, staff, bodies)
    broken = rows[50]
    if breaks == "author paused":
        ScheduledPost.objects.filter(pk=broken.pk).update(author=author)
        Membership.objects.filter(user=author, group=group).update(
            muted_until=timezone.now() + dt.timedelta(days=1)
        )

    with django_capture_on_commit_callbacks(execute=True):
        assert publishing.publish_due() == 100

    broken.refresh_from_db()
    assert broken.state == ScheduledState.FAILED
    assert broken.post_id is None
    expected = {"empty text": "Skriv noget", "author paused": "pause", "a bug": "teknisk fejl"}
    assert expected[breaks] in broken.failure_reason
    others = rows[:50] + rows[51:]
    _assert_published_once(others)
    assert Post.objects.count() == 99
    assert FeedEvent.objects.filter(kind="post.created").count() == 99
    # Its author and the group's planners are told, as for a row published alone.
    failed = Notification.objects.filter(kind=Kind.PUBLISH_FAILED, object_id=broken.pk)
    assert set(failed.values_list("recipient_id", flat=True)) >= {author.pk, admin.pk}


def _publish_and_record(settings: Any, batch: int) -> dict[str, Any]:
    """A group whose people are at every level and 10 due posts, two of them
    naming people with @: publish with this batch size and return what each
    post caused, by the post's text."""
    settings.SCHEDULER_BATCH_SIZE = batch
    admin = make_user(display_name="Agnete Admin")
    staff = make_user(display_name="Sten Stab")
    everything = make_user(display_name="Alma Alt")
    normal = make_user(display_name="Nora Normal")
    mentions_only = make_user(display_name="Mads Omtale")
    off = make_user(display_name="Frida Fra")
    group = make_group(admin=admin, members=[everything, normal, mentions_only, off])
    make_membership(staff, group, role=Role.STAFF)
    for person, level in (
        (everything, Level.ALL),
        (mentions_only, Level.MENTIONS),
        (off, Level.OFF),
        (admin, Level.ALL),
        (staff, Level.ALL),  # the author is never told of their own post
    ):
        notify_services.level_set(actor=person, group=group, level=level)
    bodies = [f"Ugens opslag nummer {k}" for k in range(10)]
    bodies[3] = "Tak til @Nora Normal og @Mads Omtale for i går!"
    bodies[7] = "@Frida Fra og @Alma Alt: vi ses torsdag."
    _due(group, staff, bodies)

    assert publishing.publish_due() == len(bodies)

    def by_body(qs: Any, *fields: str) -> set[tuple[Any, ...]]:
        return set(qs.values_list("post__body", *fields))

    return {
        "notifications": by_body(
            Notification.objects.filter(group=group),
            "recipient__display_name",
            "kind",
            "actor_id",
            "count",
        ),
        "follows": by_body(
            Follow.objects.filter(post__group=group), "user__display_name", "following"
        ),
        "mentions": by_body(Mention.objects.filter(post__group=group), "user__display_name"),
        "events": by_body(FeedEvent.objects.filter(group=group), "kind"),
        "authors": by_body(ScheduledPost.objects.filter(group=group), "post__author_id"),
        "staff": staff.pk,
    }


def test_a_batch_tells_exactly_whom_publishing_one_by_one_tells(settings: Any) -> None:
    one_by_one = _publish_and_record(settings, batch=1)
    batched = _publish_and_record(settings, batch=100)

    for what in ("notifications", "follows", "mentions", "events"):
        # Actor ids differ between the two runs' people; compare without them.
        def plain(rows: set[tuple[Any, ...]], what: str = what) -> set[tuple[Any, ...]]:
            if what != "notifications":
                return rows
            return {(body, name, kind, count) for body, name, kind, _actor, count in rows}

        assert plain(batched[what]) == plain(one_by_one[what]), what
    # And what that is: new posts to those at "Alt" (not the author), mentions
    # to those named whose level lets them through, the author following.
    told = {(n, k) for _b, n, k, _a, _c in batched["notifications"]}
    assert told == {
        ("Alma Alt", Kind.NEW_POST),
        ("Agnete Admin", Kind.NEW_POST),
        ("Nora Normal", Kind.MENTION),
        ("Mads Omtale", Kind.MENTION),
        ("Alma Alt", Kind.MENTION),
    }
    assert len(batched["notifications"]) == 10 * 2 + 3
    assert all(actor == batched["staff"] for _b, _n, _k, actor, _c in batched["notifications"])
    assert {f[1] for f in batched["follows"]} == {"Sten Stab"}
    assert len(batched["follows"]) == 10
    assert {a for _b, a in batched["authors"]} == {batched["staff"]}


def test_one_live_signal_per_batch_and_group_naming_every_new_event(
    settings: Any, in_memory_channel_layer: Any, group: Any, staff: Any, admin: Any
) -> None:
    settings.SCHEDULER_BATCH_SIZE = 100
    other = make_group(admin=admin)
    make_membership(staff, other, role=Role.STAFF)
    layer = in_memory_channel_layer
    channels = {}
    for g in (group, other):
        channels[g.pk] = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(group_channel_name(g.pk), channels[g.pk])
    _due(group, staff, [f"Her {k}" for k in range(30)])
    _due(other, staff, [f"Der {k}" for k in range(20)])

    assert publishing.publish_due() == 50

    for g, n in ((group, 30), (other, 20)):
        message = async_to_sync(layer.receive)(channels[g.pk])
        events = list(
            FeedEvent.objects.filter(group=g, kind="post.created")
            .order_by("id")
            .values_list("id", flat=True)
        )
        assert len(events) == n
        assert message == {"type": "sammen.event", "event": "post.created", "event_ids": events}
        assert async_to_sync(_next_or_none)(layer, channels[g.pk]) is None  # one per group


async def _next_or_none(layer: Any, channel: str) -> Any:
    try:
        return await asyncio.wait_for(layer.receive(channel), 0.2)
    except TimeoutError:
        return None


def test_rows_with_photos_and_rows_without_are_published_in_the_same_run(
    group: Any, staff: Any, settings: Any
) -> None:
    """A row with photos goes through post_create alone; the rest of its batch in bulk."""
    settings.SCHEDULER_BATCH_SIZE = 100
    later = timezone.now() + dt.timedelta(hours=1)
    with_photo = services.scheduled_post_create(
        actor=staff,
        group=group,
        body="Med billede",
        publish_at=later,
        photos=[PhotoUpload(jpeg(), "Solsikker")],
    )
    ScheduledPost.objects.filter(pk=with_photo.pk).update(
        publish_at=F("publish_at") - dt.timedelta(hours=2)
    )
    rows = _due(group, staff, [f"Uden billede {k}" for k in range(5)])
    assert publishing.publish_due() == 6
    _assert_published_once([*rows, with_photo])
    with_photo.refresh_from_db()
    assert [i.alt_text for i in with_photo.post.images.all()] == ["Solsikker"]
