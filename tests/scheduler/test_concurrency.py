"""Publishing and editing race for real on PostgreSQL (row locks, SKIP LOCKED,
NOWAIT). SQLite has no row locks: these tests run only on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone

from posts.models import Post
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


def test_four_publishers_at_once_publish_each_row_exactly_once(group: Any, staff: Any) -> None:
    rows = _due_rows(group, staff, 60)
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
