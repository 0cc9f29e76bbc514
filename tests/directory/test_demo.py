"""The demo's directory: about 60 entries across Horsens' local areas, what a
new person searches for is there, and seeding twice changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from demo.directory import seed_directory
from directory import selectors
from directory.models import Entry, EntryStatus, OrganiserKind
from groups.models import JoinPolicy, SubGroup


@pytest.mark.django_db
def test_demo_directory_is_varied_findable_and_idempotent(group: Any, admin: Any) -> None:
    SubGroup.objects.create(group=group, name="Strikkeklubben", slug="strikkeklubben")
    SubGroup.objects.create(
        group=group, name="Gåturen", slug="gaaturen", join_policy=JoinPolicy.REQUEST
    )
    demo = seed_directory(admin=admin, group=group)
    published = Entry.objects.filter(status=EntryStatus.PUBLISHED)
    assert 50 <= published.count() <= 70
    assert published.values("area").distinct().count() >= 12
    assert published.values("activity_types").distinct().count() >= 10

    found = selectors.directory_find(query="strikkeklub i Horsens for seniorer", filters={})
    assert [e.title for e in found.entries] == ["Strikkeklubben på Borgergade"]
    assert selectors.directory_find(query="gåtur", filters={}).total >= 3
    assert selectors.directory_find(query="fællesspisning", filters={}).total >= 2

    # The group and its open sub-group are listed, the sub-group on request is not.
    listed = Entry.objects.filter(organiser_kind=OrganiserKind.GROUP, group=group)
    assert sorted(e.subgroup.slug if e.subgroup else "" for e in listed) == ["", "strikkeklubben"]
    # A calendar with something in it.
    assert selectors.calendar(start=selectors.local_today(), days=14, filters={})

    count = Entry.objects.count()
    again = seed_directory(admin=admin, group=group)
    assert Entry.objects.count() == count
    assert set(again.entries) == set(demo.entries)
