"""The demo's working half of the directory: 5 waiting, 3 stale, the four
lists, 3 coordinator requests in different states, the editor and the
coordinator accounts; seeding twice changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from demo.directory import seed_directory
from demo.directory_work import seed_directory_work
from directory import permissions as perms
from directory import review
from directory.models import CoordinatorRequest, Entry, EntryStatus, InspirationList
from tests.conftest import make_user


@pytest.mark.django_db
def test_demo_work_is_there_once(group: Any, admin: Any) -> None:
    birthe = make_user("birthe@example.org", "Birthe Jensen")
    demo = seed_directory(admin=admin, group=group)
    made = seed_directory_work(demo=demo, submitter=birthe)
    assert perms.is_directory_editor(made["editor"])
    assert perms.is_coordinator(made["coordinator"])
    assert made["editor"].check_password("sammen-demo")
    assert Entry.objects.filter(status=EntryStatus.PENDING, created_by=birthe).count() == 5
    stale = review.stale_entries(now=timezone.now(), months=6)
    assert len(stale["overdue"]) + len(stale["hidden"]) == 3
    assert sorted(InspirationList.objects.values_list("title", flat=True)) == [
        "Fysisk aktiv",
        "Hjælp og rådgivning",
        "Mentalt aktiv",
        "Socialt aktiv",
    ]
    assert all(lst.items.exists() for lst in InspirationList.objects.all())
    assert sorted(CoordinatorRequest.objects.values_list("state", flat=True)) == [
        "contacted",
        "matched",
        "new",
    ]
    counts = (Entry.objects.count(), CoordinatorRequest.objects.count())
    seed_directory_work(demo=seed_directory(admin=admin, group=group), submitter=birthe)
    assert (Entry.objects.count(), CoordinatorRequest.objects.count()) == counts
    assert InspirationList.objects.count() == 4
