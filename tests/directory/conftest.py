"""Directory fixtures: the managed lists, entries made through the services,
and the directory's roles (editor, coordinator, submitter)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from accounts.models import User
from directory import services
from directory.models import (
    ActivityType,
    Area,
    DirectoryRole,
    DirectoryRoleKind,
    Entry,
    EntryStatus,
    TargetGroup,
)
from tests.conftest import make_user


@pytest.fixture(autouse=True)
def _no_search_cache(settings: Any) -> None:
    # Each test sees its own writes at once; test_search_cache.py turns it on.
    settings.DIRECTORY_FIND_CACHE_SECONDS = 0


@pytest.fixture
def lists(db: None) -> dict[str, Any]:
    """A few areas, activity types and target groups, by slug."""
    areas = {
        slug: Area.objects.create(name=name, slug=slug, order=i)
        for i, (slug, name) in enumerate(
            [("midtby", "Horsens midtby"), ("hatting", "Hatting"), ("gedved", "Gedved")]
        )
    }
    types = {
        slug: ActivityType.objects.create(name=name, slug=slug, order=i)
        for i, (slug, name) in enumerate(
            [("gaatur", "Gåtur"), ("strik", "Strik og hækl"), ("mad", "Madfællesskab")]
        )
    }
    targets = {
        slug: TargetGroup.objects.create(name=name, slug=slug, order=i)
        for i, (slug, name) in enumerate(
            [("alle", "Alle"), ("seniorer", "Seniorer 60+"), ("unge", "Unge")]
        )
    }
    return {"areas": areas, "types": types, "targets": targets}


@pytest.fixture
def make_entry(lists: dict[str, Any]) -> Callable[..., Entry]:
    """Create a published entry through the service (indexed like any other)."""

    def build(
        title: str,
        *,
        description: str = "Vi mødes og hygger os.",
        area: str = "midtby",
        types: tuple[str, ...] = (),
        targets: tuple[str, ...] = (),
        status: str = EntryStatus.PUBLISHED,
        actor: Any = None,
        **fields: Any,
    ) -> Entry:
        fields.setdefault("organiser_name", "Foreningen")
        if "rrule" in fields:
            fields.setdefault("starts_on", dt.date(2026, 1, 5))
            fields.setdefault("start_time", dt.time(10, 0))
            fields.setdefault("end_time", dt.time(12, 0))
        return services.entry_create(
            actor=actor,
            status=status,
            title=title,
            description=description,
            area=lists["areas"][area] if area else None,
            activity_types=[lists["types"][t] for t in types],
            target_groups=[lists["targets"][t] for t in targets],
            **fields,
        )

    return build


@pytest.fixture
def editor(db: None) -> User:
    user = make_user("redaktoer@example.org", "Rikke Redaktør")
    DirectoryRole.objects.create(user=user, role=DirectoryRoleKind.EDITOR)
    return user


@pytest.fixture
def coordinator(db: None) -> User:
    user = make_user("koordinator@example.org", "Karin Koordinator")
    DirectoryRole.objects.create(user=user, role=DirectoryRoleKind.COORDINATOR)
    return user


@pytest.fixture
def submitter(db: None) -> User:
    return make_user("forening@example.org", "Frida Forening")


@pytest.fixture
def plain_member(db: None) -> User:
    return make_user("borger@example.org", "Bent Borger")
