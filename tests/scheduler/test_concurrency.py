"""Publishing and editing race for real on PostgreSQL (row locks, SKIP LOCKED,
NOWAIT). SQLite has no row locks: these tests run only on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from posts.models import FeedEvent, Post
from posts.signals import posts_published
from scheduler import publishing, services
from scheduler.models import ScheduledPost, ScheduledState

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (DATABASE_URL)"
    ),
]


def _due_rows(group: Any, author: Any, n: int) -> list[ScheduledPost]:
    due = timezone.now() - dt.timedelta(minutes=1)
    return ScheduledPost.objects.bulk_create(
        ScheduledPost(
            group=group,
            place_name=group.name,
            author=author,
            body=f"Planlagt opslag {i}",
            state=ScheduledState.SCHEDULED,
            publish_at=due,
        )
        for i in range(n)
    )


def test_four_publishers_at_once_publish_each_row_exactly_once(
    group: Any, staff: Any, settings: Any
) -> None:
    settings.SCHEDULER_BATCH_SIZE = 10  # 20 batches for four publishers
    rows = _due_rows(group, staff, 200)
    counts: list[int] = []
    errors: list[BaseException] = []

    def publisher() -> None:
        try:
            counts.append(publishing.publish_due())
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=publisher) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert sum(counts) == len(rows)
    # More than one publisher did work: rows of one group are not serialised.
    assert sum(1 for c in counts if c) >= 2, counts
    assert Post.objects.filter(group=group).count() == len(rows)
    assert ScheduledPost.objects.filter(state=ScheduledState.PUBLISHED).count() == len(rows)
    assert Post.objects.filter(scheduled__isnull=True).count() == 0


def test_editing_a_row_while_it_is_being_published_says_so(group: Any, staff: Any) -> None:
    (row,) = _due_rows(group, staff, 1)
    locked = threading.Event()
    release = threading.Event()

    def publisher_holding_the_row() -> None:
        try:
            with transaction.atomic():
                ScheduledPost.objects.select_for_update().get(pk=row.pk)
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=publisher_holding_the_row)
    holder.start()
    assert locked.wait(10)
    try:
        with pytest.raises(ValidationError) as exc:
            services.scheduled_post_move(
                actor=staff,
                scheduled=row,
                version=None,
                publish_at=timezone.now() + dt.timedelta(days=1),
            )
        assert "bliver udgivet lige nu" in exc.value.messages[0]
    finally:
        release.set()
        holder.join(10)
    row.refresh_from_db()
    assert row.publish_at is not None and row.publish_at < timezone.now()


# --- batches -------------------------------------------------------------------------


class _HeldInsideBatch:
    """Holds the publisher running in the thread named `name` inside its batch's
    transaction, right after its posts and feed events are written and before
    it commits (a receiver of the real posts_published signal), until released."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.inside = threading.Event()
        self.release = threading.Event()
        self.backend_pid: int | None = None

    def __call__(self, **kwargs: Any) -> None:
        if threading.current_thread().name != self.name or self.inside.is_set():
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.backend_pid = cursor.fetchone()[0]
        self.inside.set()
        self.release.wait(30)

    def __enter__(self) -> _HeldInsideBatch:
        posts_published.connect(self, weak=False)
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        posts_published.disconnect(self)


def _run(name: str, results: dict[str, Any]) -> threading.Thread:
    def body() -> None:
        try:
            results[name] = publishing.publish_due()
        except BaseException as exc:
            results[name] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=body, name=name)
    thread.start()
    return thread


def _assert_each_row_once(group: Any, n: int) -> None:
    rows = ScheduledPost.objects.filter(group=group)
    assert rows.filter(state=ScheduledState.PUBLISHED).count() == n
    post_ids = list(rows.values_list("post_id", flat=True))
    assert None not in post_ids and len(set(post_ids)) == n
    assert Post.objects.filter(group=group).count() == n
    assert Post.objects.filter(scheduled__isnull=True).count() == 0
    assert FeedEvent.objects.filter(group=group, kind="post.created").count() == n


def test_two_publishers_take_different_batches_and_never_publish_a_row_twice(
    group: Any, staff: Any, settings: Any
) -> None:
    """Publisher A holds its first batch of 100, uncommitted; publisher B,
    meanwhile, skips those rows (SKIP LOCKED: it neither waits for them nor
    takes them) and publishes the other 150. Then A commits its batch."""
    settings.SCHEDULER_BATCH_SIZE = 100
    _due_rows(group, staff, 250)
    results: dict[str, Any] = {}
    with _HeldInsideBatch("A") as held:
        a = _run("A", results)
        assert held.inside.wait(30), "A never reached its batch"
        # A's posts are written but not committed: nobody else sees them.
        assert Post.objects.filter(group=group).count() == 0
        b = _run("B", results)
        b.join(60)
        assert results.get("B") == 150, results
        assert Post.objects.filter(group=group).count() == 150
        held.release.set()
        a.join(60)
    assert results.get("A") == 100, results
    _assert_each_row_once(group, 250)


def test_a_publisher_killed_mid_batch_loses_its_batch_which_is_then_published_once(
    group: Any, staff: Any, settings: Any
) -> None:
    """Publisher A's session is killed by the server (pg_terminate_backend, as
    when its worker process dies) inside its batch, after its posts were
    written: PostgreSQL rolls the whole batch back, posts and rows together,
    and the next run publishes those rows, exactly once."""
    settings.SCHEDULER_BATCH_SIZE = 100
    _due_rows(group, staff, 250)
    results: dict[str, Any] = {}
    with _HeldInsideBatch("A") as held:
        a = _run("A", results)
        assert held.inside.wait(30), "A never reached its batch"
        b = _run("B", results)
        b.join(60)
        assert results.get("B") == 150, results
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [held.backend_pid])
        held.release.set()
        a.join(60)
    assert isinstance(results.get("A"), DatabaseError), results  # A died with its session
    # Nothing of A's batch was kept: its 100 rows are still due, without posts.
    assert ScheduledPost.objects.filter(group=group, state=ScheduledState.SCHEDULED).count() == 100
    assert Post.objects.filter(group=group).count() == 150
    # The next run (a replacement worker) publishes them.
    assert publishing.publish_due() == 100
    _assert_each_row_once(group, 250)
