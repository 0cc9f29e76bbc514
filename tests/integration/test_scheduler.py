"""The publisher of the weekly plan as deployed: real Celery workers (prefork)
and real Celery beat processes on PostgreSQL and Redis, publishing rows the test
commits. Each scheduled post must become exactly one post, whatever runs twice
or dies half-way: two beats started by mistake, a worker killed with SIGKILL in
the middle of the backlog, or no worker at all while posts fell due.

Workers and beats run in their own process groups so that a kill takes the
worker's pool children with it (a crashed machine, not a polite shutdown)."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from .conftest import Procs, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


# --- data ------------------------------------------------------------------------------


def _plan(n: int, *, due: Any, spread: timedelta = timedelta(0)) -> tuple[Any, Any]:
    """A group with a staff author and n scheduled rows (bulk), the k-th due at
    `due + k/n * spread`. Returns (group, author)."""
    from groups.models import Role
    from scheduler.models import ScheduledPost, ScheduledState
    from tests.conftest import make_group, make_membership, make_user

    admin = make_user(display_name="Alma Administrator")
    author = make_user(display_name="Stine Stab")
    group = make_group(admin=admin)
    make_membership(author, group, role=Role.STAFF)
    ScheduledPost.objects.bulk_create(
        [
            ScheduledPost(
                group=group,
                author=author,
                place_name=group.name,
                body=f"Planlagt opslag nummer {k}",
                theme="aktiv",
                state=ScheduledState.SCHEDULED,
                publish_at=due + spread * (k / n),
            )
            for k in range(n)
        ],
        batch_size=1000,
    )
    return group, author


def _published(group: Any) -> int:
    from scheduler.models import ScheduledPost, ScheduledState

    return ScheduledPost.objects.filter(group=group, state=ScheduledState.PUBLISHED).count()


def _sessions(name: str, *, in_transaction: bool = False) -> int:
    """PostgreSQL sessions opened by the named child process (optionally: only
    those inside a transaction right now)."""
    from django.db import connection

    sql = "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
    if in_transaction:
        sql += " AND xact_start IS NOT NULL"
    with connection.cursor() as cursor:
        cursor.execute(sql, [name])
        return int(cursor.fetchone()[0])


def _assert_exactly_once(group: Any, n: int) -> None:
    """Every row published, each by a distinct post of its own text; no post
    without a row; one post.created event per post."""
    from django.db.models import F

    from posts.models import FeedEvent, Post
    from scheduler.models import ScheduledPost

    rows = ScheduledPost.objects.filter(group=group)
    assert rows.count() == n
    assert Counter(rows.values_list("state", flat=True)) == {"published": n}, "lost rows"
    post_ids = list(rows.values_list("post_id", flat=True))
    assert None not in post_ids
    assert len(set(post_ids)) == n
    posts = Post.objects.filter(group=group)
    assert posts.count() == n, f"{posts.count() - n} duplicate post(s)"
    assert set(posts.values_list("pk", flat=True)) == set(post_ids)
    assert not rows.exclude(post__body=F("body")).exists()
    assert not rows.exclude(post__created_at=F("published_at")).exists()
    assert not rows.filter(published_at__lt=F("publish_at")).exists()
    assert FeedEvent.objects.filter(group=group, kind="post.created").count() == n


# --- tests -----------------------------------------------------------------------------


def test_two_workers_and_two_beats_by_mistake_publish_each_post_exactly_once(
    procs: Procs,
) -> None:
    from django.utils import timezone

    n = 200
    group, _ = _plan(n, due=timezone.now() - timedelta(seconds=5))
    procs.worker("w1")
    procs.worker("w2")
    procs.beat("beat1")
    procs.beat("beat2")  # a second beat, started by mistake: twice the ticks

    wait_for(lambda: _published(group) == n, 180, procs, f"{n} posts published")
    time.sleep(3)  # a few more ticks from both beats: nothing may be published again
    _assert_exactly_once(group, n)


def test_a_worker_killed_mid_backlog_loses_nothing_and_duplicates_nothing(
    procs: Procs,
) -> None:
    from django.utils import timezone

    n = 2000
    group, _ = _plan(n, due=timezone.now() - timedelta(seconds=5))
    procs.worker("w1")
    procs.worker("w2")
    procs.beat("beat")

    # Kill w1 once a few hundred are out and w1 is inside a publishing transaction.
    wait_for(
        lambda: _published(group) >= 300 and _sessions("w1", in_transaction=True) > 0,
        180,
        procs,
        "300 posts published and w1 publishing",
        every=0.05,
    )
    procs.kill("w1")  # SIGKILL, pool children too: its open transactions die with it
    at_kill = _published(group)
    assert at_kill < n, "the backlog was already done: nothing was killed mid-run"
    # PostgreSQL sees the connections drop and rolls their transactions back.
    wait_for(lambda: _sessions("w1") == 0, 30, procs, "w1's sessions to end")
    procs.worker("w3")  # a replacement, as a supervisor would start one

    wait_for(lambda: _published(group) == n, 300, procs, f"all {n} posts published after the kill")
    time.sleep(3)
    _assert_exactly_once(group, n)


def test_posts_that_fell_due_while_no_worker_ran_are_published_at_start_with_the_delay(
    procs: Procs,
) -> None:
    from django.utils import timezone

    from posts.models import Post
    from sammen.celery import app
    from scheduler.models import ScheduledPost, ScheduledState

    now = timezone.now()
    # Due between 10 and 5 minutes ago, while nothing ran.
    n = 50
    group, author = _plan(n, due=now - timedelta(minutes=10), spread=timedelta(minutes=5))
    later = ScheduledPost.objects.create(
        group=group,
        author=author,
        place_name=group.name,
        body="Først i morgen",
        state=ScheduledState.SCHEDULED,
        publish_at=now + timedelta(days=1),
    )
    draft = ScheduledPost.objects.create(
        group=group, author=author, place_name=group.name, body="Kladde", publish_at=now
    )
    time.sleep(1)
    assert _published(group) == 0

    # A worker comes up; the tick is sent straight to the broker (what beat does).
    procs.worker("w1", concurrency=1)
    started = timezone.now()
    app.send_task("scheduler.publish_due")

    wait_for(lambda: _published(group) == n, 120, procs, f"{n} overdue posts published")
    rows = list(
        ScheduledPost.objects.filter(group=group, state=ScheduledState.PUBLISHED).order_by(
            "publish_at", "id"
        )
    )
    for row in rows:
        assert row.published_at is not None and row.publish_at is not None
        assert row.published_at >= started
        # The delay is recorded: from when it was due to when it was published.
        assert row.delay is not None
        assert row.delay == (row.published_at - row.publish_at).total_seconds()
        assert row.delay >= (started - row.publish_at).total_seconds() >= 5 * 60 - 1
        assert row.post is not None and row.post.created_at == row.published_at
    # One worker process publishes the backlog in the order it fell due.
    post_ids = [row.post_id or 0 for row in rows]
    assert post_ids == sorted(post_ids)
    later.refresh_from_db()
    draft.refresh_from_db()
    assert later.state == ScheduledState.SCHEDULED and later.post_id is None
    assert draft.state == ScheduledState.DRAFT and draft.post_id is None
    assert Post.objects.filter(group=group).count() == n
