"""The digest as deployed: real Celery workers on PostgreSQL and Redis send
through a real SMTP server process (tests/smtp_sink.py). Every member gets
exactly one digest, whatever runs twice or dies half-way: two beats asking at
once, a worker killed with SIGKILL in the middle of the batches."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SmtpSink, start_smtp_sink

from .conftest import Procs, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

MEMBERS = 150


@pytest.fixture
def slow_sink(tmp_path: Path) -> Iterator[SmtpSink]:
    # A little slow to answer each message, so the kill lands mid-run.
    sink = start_smtp_sink(tmp_path / "mails", delay=0.03)
    try:
        yield sink
    finally:
        sink.process.terminate()
        sink.process.wait(timeout=10)


def _community(n: int) -> list[Any]:
    """A group of n daily-digest members, each with one unread reply."""
    from groups.models import Membership, MembershipStatus
    from notifications.models import DigestFrequency, Kind, MailSettings, Notification
    from posts.models import Post
    from tests.conftest import make_group, make_user

    admin = make_user(display_name="Alma Administrator")
    group = make_group(admin=admin)
    people = [make_user(f"digest{k}@example.org", f"Medlem {k}") for k in range(n)]
    Membership.objects.bulk_create(
        [Membership(user=u, group=group, status=MembershipStatus.ACTIVE) for u in people]
    )
    MailSettings.objects.bulk_create(
        [MailSettings(user=u, digest=DigestFrequency.DAILY) for u in people]
    )
    posts = Post.objects.bulk_create(
        [
            Post(group=group, author=u, body="Ugens gåtur", body_html="<p>Ugens gåtur</p>")
            for u in people
        ]
    )
    Notification.objects.bulk_create(
        [
            Notification(recipient=u, kind=Kind.REPLY, group=group, post=p, actor=admin)
            for u, p in zip(people, posts, strict=True)
        ]
    )
    return people


def test_each_member_gets_one_digest_with_two_beats_and_a_killed_worker(
    procs: Procs, slow_sink: SmtpSink
) -> None:
    from notifications import tasks
    from notifications.models import Digest, DigestState

    people = _community(MEMBERS)
    procs.env.update(
        {
            **slow_sink.env(),
            "NOTIFY_DIGEST_HOUR": "0",
            "NOTIFY_DIGEST_BATCH": "10",
            "NOTIFY_DIGEST_STALE_SECONDS": "2",
        }
    )
    procs.worker("w1", concurrency=1)
    procs.worker("w2", concurrency=1)
    # Two beats by mistake: both ask for the day's digests at once.
    tasks.digests_due.apply_async(kwargs={})
    tasks.digests_due.apply_async(kwargs={})

    wait_for(lambda: slow_sink.count() >= MEMBERS // 3, 60, procs, "a third of the digests")
    procs.kill("w1")  # in the middle of a batch
    procs.worker("w3", concurrency=1)

    def all_sent() -> bool:
        pending = Digest.objects.filter(state=DigestState.PENDING).count()
        if pending:
            tasks.digests_due.apply_async(kwargs={})  # the next beat's tick
        return pending == 0 and Digest.objects.filter(user__in=people).count() == MEMBERS

    wait_for(all_sent, 120, procs, "every digest sent", every=3)
    received = Counter(str(m["To"]) for m in slow_sink.messages())
    assert set(received) == {u.email for u in people}, "a member got no digest"
    assert max(received.values()) == 1, f"duplicates: {received.most_common(3)}"
    assert Digest.objects.filter(user__in=people, state=DigestState.SENT).count() == MEMBERS
    # The administrator had nothing unread: no digest.
    assert not Digest.objects.exclude(user__in=people).exists()
