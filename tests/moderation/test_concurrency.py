"""Two moderators at once, and flags arriving together, with real
transactions on PostgreSQL (SQLite serialises writers, so there is no race
to test there)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.models import User
from groups.models import Group
from moderation import services
from moderation.models import AuditAction, AuditEntry, Case, CaseState, Flag, FlagReason, Notice
from posts.models import ContentState, Post

from .conftest import flag, open_case

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (set DATABASE_URL)")


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads that start together; return each result or
    the exception it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - collected for the assertions
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_two_moderators_deciding_at_once_one_wins_and_the_other_is_told(
    group: Group, post: Post, flaggers: list[User], moderator: User, admin: User
) -> None:
    for person in flaggers[:3]:
        flag(person, post)
    case = open_case(post)
    for _ in range(3):  # a few rounds: the interleaving differs each time
        results = race(
            lambda: services.case_approve(actor=moderator, group=group, case_id=case.pk),
            lambda: services.case_remove(actor=admin, group=group, case_id=case.pk),
        )
        wins = [r for r in results if isinstance(r, Case)]
        refused = [r for r in results if isinstance(r, ValidationError)]
        if len(wins) == 1:
            break
    assert len(wins) == 1 and len(refused) == 1, results
    assert "allerede afgjort" in refused[0].messages[0]
    case.refresh_from_db()
    post.refresh_from_db()
    assert case.state == CaseState.RESOLVED
    decided = AuditEntry.objects.filter(
        case=case, action__in=[AuditAction.APPROVE, AuditAction.REMOVE]
    )
    assert decided.count() == 1
    expected = ContentState.VISIBLE if decided.get().action == AuditAction.APPROVE else "removed"
    assert post.state == expected
    assert Notice.objects.filter(action__in=[AuditAction.APPROVE, AuditAction.REMOVE]).count() == 1


def test_flags_arriving_together_hide_once(group: Group, post: Post, flaggers: list[User]) -> None:
    results = race(
        *[(lambda p=person: flag(p, post, reason=FlagReason.SPAM)) for person in flaggers[:4]]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    post.refresh_from_db()
    assert post.state == ContentState.HIDDEN
    assert Case.objects.filter(post=post).count() == 1
    assert open_case(post).flag_count == 4
    assert Flag.objects.filter(post=post).count() == 4
    assert AuditEntry.objects.filter(action=AuditAction.AUTO_HIDE).count() == 1


def test_the_same_person_flagging_twice_at_once_counts_once(
    group: Group, post: Post, member: User
) -> None:
    results = race(
        lambda: flag(member, post, reason=FlagReason.SPAM),
        lambda: flag(member, post, reason=FlagReason.HATE),
    )
    assert sum(isinstance(r, ValidationError) for r in results) == 1, results
    assert Flag.objects.filter(user=member).count() == 1
