"""The group page's side panel (member count, sub-groups, who to ask) is cached
per group and starts afresh after any commit that changes what it shows
(groups.receivers); the reader's own sub-group status is never cached."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import services as account_services
from accounts.models import User
from groups import services
from groups.models import Group, Role, SubGroup
from tests.conftest import make_membership, make_user

pytestmark = pytest.mark.usefixtures("in_memory_channel_layer", "fresh_cache")


def side_panel(client: Client, group: Group) -> str:
    response = client.get(reverse("group-detail", kwargs={"group_slug": group.slug}))
    assert response.status_code == 200
    body = response.content.decode()
    return body.split('<aside aria-label="Om gruppen">')[1].split("</aside>")[0]


def test_a_new_subgroup_shows_at_once(
    client_for: Callable[[User | None], Client],
    admin: User,
    member: User,
    group: Group,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for(member)
    assert "Havekredsen" not in side_panel(client, group)
    with django_capture_on_commit_callbacks(execute=True):
        services.subgroup_create(actor=admin, group=group, name="Havekredsen")
    assert "Havekredsen" in side_panel(client, group)


def test_a_new_role_and_a_new_name_show_among_who_to_ask(
    client_for: Callable[[User | None], Client],
    admin: User,
    member: User,
    group: Group,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for(admin)
    assert member.display_name not in side_panel(client, group)
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_set_role(
            actor=admin, group=group, user_id=member.pk, role=Role.MODERATOR
        )
    assert member.display_name in side_panel(client, group)
    with django_capture_on_commit_callbacks(execute=True):
        account_services.user_update_profile(actor=member, display_name="Mona Moderator", bio="")
    assert "Mona Moderator" in side_panel(client, group)


def test_the_panel_waits_for_the_commit(
    client_for: Callable[[User | None], Client],
    admin: User,
    member: User,
    group: Group,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Until the transaction commits, the old panel stays (a reader between
    the write and the commit must not cache the new state under the old
    generation, nor the old state under the new one)."""
    client = client_for(member)
    side_panel(client, group)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.subgroup_create(actor=admin, group=group, name="Læsekredsen")
    assert callbacks  # the new generation is an after-commit step
    assert "Læsekredsen" not in side_panel(client, group)
    for callback in callbacks:
        callback()
    assert "Læsekredsen" in side_panel(client, group)


def test_the_readers_own_subgroup_status_is_their_own(
    client_for: Callable[[User | None], Client],
    member: User,
    outsider: User,
    group: Group,
    subgroup: SubGroup,
) -> None:
    assert "du er med" in side_panel(client_for(member), group)
    newcomer = make_user("ny@example.org", "Nina Ny")
    make_membership(newcomer, group)
    assert "du er med" not in side_panel(client_for(newcomer), group)


def test_a_warm_panel_costs_one_query(
    client_for: Callable[[User | None], Client], member: User, group: Group, subgroup: SubGroup
) -> None:
    client = client_for(member)
    side_panel(client, group)
    with CaptureQueriesContext(connection) as warm:
        side_panel(client, group)
    sql = [q["sql"] for q in warm.captured_queries]
    # Member count and sub-group counts cached (the bell's unread count is the reader's own).
    assert not any("COUNT(" in q and "notifications_notification" not in q for q in sql)
    assert sum("groups_subgroupmembership" in q for q in sql) == 1  # the reader's own status
