"""Inspiration lists: public pages, items that are entries or links (http/https
only), ordered, each with 'senest opdateret'; an item whose entry is not
published drops out by itself; editing without JavaScript, editors only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import User
from directory import inspiration
from directory.models import Entry, EntryStatus, InspirationItem, InspirationList
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
ROLES = ("anonymous", "member", "submitter", "other_submitter", "editor", "coordinator")
L = "login"


def client_as(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def walk(make_entry: Callable[..., Entry]) -> Entry:
    return make_entry("Gåtur ved Nørrestrand", area="midtby")


@pytest.fixture
def physical(editor: User, walk: Entry) -> InspirationList:
    lst = inspiration.list_create(
        actor=editor,
        theme="fysisk",
        title="Fysisk aktiv",
        introduction="Kom ud og bevæg dig – sammen med andre.",
    )
    inspiration.item_add(actor=editor, lst=lst, entry=walk, text="En rolig tur for alle.")
    inspiration.item_add(
        actor=editor,
        lst=lst,
        url="https://www.dgi.dk/motion",
        link_title="Motion for seniorer",
        text="DGI's idéer.",
    )
    return lst


# fmt: off
MATRIX: list[tuple[str, str, tuple[Any, ...]]] = [
    # url name                method  anon memb subm other edit coord
    ("directory-lists",       "get",  (200, 200, 200, 200, 200, 200)),
    ("directory-list",        "get",  (200, 200, 200, 200, 200, 200)),
    ("directory-lists-edit",  "get",  (L,   403, 403, 403, 200, 403)),
    ("directory-lists-edit",  "post", (L,   403, 403, 403, 302, 403)),
    ("directory-list-edit",   "get",  (L,   403, 403, 403, 200, 403)),
    ("directory-list-edit",   "post", (L,   403, 403, 403, 302, 403)),
    ("directory-list-delete", "post", (L,   403, 403, 403, 302, 403)),
    ("directory-item-add",    "post", (L,   403, 403, 403, 302, 403)),
    ("directory-item-update", "post", (L,   403, 403, 403, 302, 403)),
    ("directory-item-move",   "post", (L,   403, 403, 403, 302, 403)),
    ("directory-item-remove", "post", (L,   403, 403, 403, 302, 403)),
]
# fmt: on


@pytest.mark.parametrize(
    ("name", "method", "role", "expected"),
    [
        pytest.param(name, method, role, expected, id=f"{name}-{method}-{role}")
        for name, method, answers in MATRIX
        for role, expected in zip(ROLES, answers, strict=True)
    ],
)
def test_list_urls_answer_each_role(
    name: str,
    method: str,
    role: str,
    expected: Any,
    physical: InspirationList,
    plain_member: User,
    submitter: User,
    editor: User,
    coordinator: User,
) -> None:
    people = {
        "anonymous": None,
        "member": plain_member,
        "submitter": submitter,
        "other_submitter": make_user(),
        "editor": editor,
        "coordinator": coordinator,
    }
    item = physical.items.order_by("position").last()
    assert item is not None
    args: list[Any] = []
    if name == "directory-list":
        args = [physical.slug]
    elif name.startswith("directory-list-") or name == "directory-item-add":
        args = [physical.pk]
    elif name.startswith("directory-item-"):
        args = [item.pk]
    data = {
        "title": "Socialt aktiv",
        "theme": "socialt",
        "introduction": "",
        "url": "https://example.org/",
        "link_title": "Et link",
        "text": "Tekst",
        "direction": "up",
    }
    client = client_as(people[role])
    url = reverse(name, args=args)
    response = client.get(url) if method == "get" else client.post(url, data)
    if expected == L:
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == expected
    if expected != 200 and expected != 302 or role != "editor" and method == "post":
        assert InspirationList.objects.count() == 1
        assert InspirationItem.objects.count() == 2


def test_the_public_page_shows_items_in_order_with_senest_opdateret(
    physical: InspirationList,
) -> None:
    page = Client().get(reverse("directory-list", args=[physical.slug])).content.decode()
    assert page.index("Gåtur ved Nørrestrand") < page.index("Motion for seniorer")
    assert "Senest opdateret" in page
    assert 'href="https://www.dgi.dk/motion"' in page
    index = Client().get(reverse("directory-lists")).content.decode()
    assert "Fysisk aktiv" in index and "2 forslag" in index


def test_an_item_whose_entry_is_hidden_drops_out_by_itself(
    physical: InspirationList, walk: Entry, editor: User
) -> None:
    Entry.objects.filter(pk=walk.pk).update(status=EntryStatus.HIDDEN)
    page = Client().get(reverse("directory-list", args=[physical.slug])).content.decode()
    assert "Gåtur ved Nørrestrand" not in page
    assert "Motion for seniorer" in page
    # The editors still see it, marked.
    edit = client_as(editor).get(reverse("directory-list-edit", args=[physical.pk]))
    assert "Vises ikke" in edit.content.decode()
    Entry.objects.filter(pk=walk.pk).update(status=EntryStatus.PUBLISHED)
    page = Client().get(reverse("directory-list", args=[physical.slug])).content.decode()
    assert "Gåtur ved Nørrestrand" in page


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "ftp://example.org/fil", "data:text/html,<b>x</b>", "ikke et link"],
)
def test_only_http_and_https_links(physical: InspirationList, editor: User, url: str) -> None:
    response = client_as(editor).post(
        reverse("directory-item-add", args=[physical.pk]),
        {"url": url, "link_title": "Farligt", "text": ""},
    )
    assert response.status_code == 400
    assert InspirationItem.objects.filter(list=physical).count() == 2
    with pytest.raises(ValidationError):
        inspiration.item_add(actor=editor, lst=physical, url=url, link_title="Farligt")


def test_an_item_is_an_entry_or_a_link_not_both(
    physical: InspirationList, editor: User, walk: Entry
) -> None:
    response = client_as(editor).post(
        reverse("directory-item-add", args=[physical.pk]),
        {"entry": walk.pk, "url": "https://example.org/", "link_title": "X"},
    )
    assert response.status_code == 400
    assert "ikke begge dele" in response.content.decode()


def test_reorder_and_remove_with_plain_posts(physical: InspirationList, editor: User) -> None:
    first, second = physical.items.order_by("position")
    client = client_as(editor)
    client.post(reverse("directory-item-move", args=[second.pk]), {"direction": "up"})
    assert list(physical.items.order_by("position").values_list("pk", flat=True)) == [
        second.pk,
        first.pk,
    ]
    page = Client().get(reverse("directory-list", args=[physical.slug])).content.decode()
    assert page.index("Motion for seniorer") < page.index("Gåtur ved Nørrestrand")
    client.post(reverse("directory-item-remove", args=[first.pk]))
    assert list(physical.items.values_list("pk", flat=True)) == [second.pk]
    client.post(
        reverse("directory-item-update", args=[second.pk]),
        {"text": "Ny tekst", "link_title": "Motion"},
    )
    second.refresh_from_db()
    assert (second.text, second.link_title) == ("Ny tekst", "Motion")


def test_only_editors_curate(physical: InspirationList, coordinator: User) -> None:
    with pytest.raises(PermissionDenied):
        inspiration.list_create(actor=coordinator, theme="socialt", title="Nej")
    with pytest.raises(PermissionDenied):
        inspiration.item_remove(actor=coordinator, item=physical.items.first())  # type: ignore[arg-type]


def test_the_list_page_reads_a_fixed_number_of_queries(
    physical: InspirationList, editor: User, make_entry: Callable[..., Entry]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            Client().get(reverse("directory-list", args=[physical.slug]))
        return len(ctx.captured_queries)

    before = count()
    for n in range(10):
        inspiration.item_add(actor=editor, lst=physical, entry=make_entry(f"Klub {n}"))
    assert count() == before
