"""A Sammen group's administrators show it (or a sub-group) in the directory:
the public face only, with "Bliv medlem" to the group's join page."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client
from django.urls import reverse

from directory import selectors, services
from directory.models import ChangeAction, Entry, EntryStatus, OrganiserKind
from groups.models import Visibility
from tests.conftest import make_group, make_subgroup

LISTING = "directory-group-listing"


@pytest.mark.django_db
def test_admin_lists_the_group_with_its_public_face_only(
    client: Client, group: Any, admin: Any
) -> None:
    client.force_login(admin)
    response = client.post(reverse(LISTING, args=[group.slug]), {"handling": "vis"})
    assert response.status_code == 302
    entry = Entry.objects.get(group=group)
    assert (entry.title, entry.organiser_kind, entry.status) == (
        group.name,
        OrganiserKind.GROUP,
        EntryStatus.PUBLISHED,
    )
    assert entry.description == group.description
    assert entry.changes.get().action == ChangeAction.LISTED
    page = Client().get(entry.get_absolute_url()).content.decode()
    assert reverse("group-join", args=[group.slug]) in page and "Bliv medlem" in page
    # Found like any other entry.
    assert [e.title for e in selectors.directory_find(query="solsikken", filters={}).entries] == [
        group.name
    ]


@pytest.mark.django_db
def test_admin_lists_a_subgroup_and_hides_it_again(client: Client, group: Any, admin: Any) -> None:
    sub = make_subgroup(group, "Maskeløberne", description="Vi strikker hver torsdag.")
    client.force_login(admin)
    client.post(reverse(LISTING, args=[group.slug]), {"handling": "vis", "undergruppe": sub.slug})
    entry = Entry.objects.get(subgroup=sub)
    assert entry.title == "Maskeløberne" and entry.organiser_name == group.name
    client.post(reverse(LISTING, args=[group.slug]), {"handling": "skjul", "undergruppe": sub.slug})
    entry.refresh_from_db()
    assert entry.status == EntryStatus.HIDDEN
    assert Client().get(entry.get_absolute_url()).status_code == 404
    # Listing again brings the same entry back, with its history.
    services.entry_for_group_publish(actor=admin, group=group, subgroup=sub)
    assert Entry.objects.filter(subgroup=sub).count() == 1
    assert list(entry.changes.values_list("action", flat=True).order_by("id")) == [
        "listed",
        "unlisted",
        "listed",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["member", "staff", "moderator", "outsider"])
def test_only_administrators_list_a_group(
    role: str, group: Any, request: pytest.FixtureRequest, client: Client
) -> None:
    user = request.getfixturevalue(role)
    client.force_login(user)
    response = client.post(reverse(LISTING, args=[group.slug]), {"handling": "vis"})
    assert response.status_code == (404 if role == "outsider" else 403)
    assert not Entry.objects.exists()


@pytest.mark.django_db
def test_a_secret_group_is_never_listed(admin: Any) -> None:
    secret = make_group("Hemmelig", admin=admin, visibility=Visibility.SECRET)
    with pytest.raises(PermissionDenied):
        services.entry_for_group_publish(actor=admin, group=secret)
    assert not Entry.objects.exists()


@pytest.mark.django_db
def test_a_subgroup_of_another_group_is_refused(group: Any, admin: Any) -> None:
    other = make_group("Anden gruppe", admin=admin)
    sub = make_subgroup(other, "Fremmed")
    with pytest.raises((PermissionDenied, Http404)):
        services.entry_for_group_publish(actor=admin, group=group, subgroup=sub)


@pytest.mark.django_db
def test_settings_page_shows_the_panel_to_administrators(
    client: Client, group: Any, admin: Any
) -> None:
    client.force_login(admin)
    body = client.get(reverse("group-settings", args=[group.slug])).content.decode()
    assert reverse(LISTING, args=[group.slug]) in body
    assert "Vis i oversigten" in body
