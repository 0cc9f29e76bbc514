"""Where communities are missing: per month, filter combinations that found
nothing or almost nothing, the most searched words (only those at least 3
distinct people searched for), and coordinator requests closed unmatched.
Aggregates only, editors only."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import User
from directory import coordinator as coord
from directory import gaps, services
from directory.models import RequestState
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
CPH = ZoneInfo("Europe/Copenhagen")
ROLES = ("anonymous", "member", "submitter", "other_submitter", "editor", "coordinator")
L = "login"
MARCH = dt.date(2026, 3, 1)
TODAY = dt.date(2026, 3, 15)

# fmt: off
MATRIX: list[tuple[str, str, tuple[Any, ...]]] = [
    # url name         method  anon memb subm other edit coord
    ("directory-gaps", "get",  (L,   403, 403, 403, 200, 403)),
]
# fmt: on


def search(query: str, *, visitor: str, results: int, **filters: str) -> None:
    services.search_stat_record(
        today=TODAY, query=query, result_count=results, visitor=visitor, **filters
    )


@pytest.fixture
def month_of_searches(lists: dict[str, Any]) -> None:
    # Three people found nothing for seniors' knitting in Gedved.
    for person in ("a", "b", "c"):
        search(
            "",
            visitor=person,
            results=0,
            area="gedved",
            target_group="seniorer",
            activity_type="strik",
        )
    # One found 2 walks for young people in Hatting.
    search("", visitor="d", results=2, area="hatting", target_group="unge")
    # Plenty for everyone in the centre: not a gap.
    search("", visitor="e", results=12, area="midtby")
    # Words: "petanque" by 3 people (none found), "gåtur" by 4, a rare one by 2.
    for person in ("a", "b", "c"):
        search("petanque", visitor=person, results=0)
    for person in ("a", "b", "c", "d"):
        search("gåtur", visitor=person, results=5)
    for _i in range(5):
        search("mit private ord", visitor="x", results=0)
    search("mit private ord", visitor="y", results=0)


@pytest.mark.parametrize(
    ("name", "method", "role", "expected"),
    [
        pytest.param(name, method, role, expected, id=f"{name}-{method}-{role}")
        for name, method, answers in MATRIX
        for role, expected in zip(ROLES, answers, strict=True)
    ],
)
def test_only_editors_see_the_gaps(
    name: str,
    method: str,
    role: str,
    expected: Any,
    plain_member: User,
    submitter: User,
    editor: User,
    coordinator: User,
    month_of_searches: None,
) -> None:
    people = {
        "anonymous": None,
        "member": plain_member,
        "submitter": submitter,
        "other_submitter": make_user(),
        "editor": editor,
        "coordinator": coordinator,
    }
    client = Client()
    if people[role] is not None:
        client.force_login(people[role])
    with time_machine.travel(dt.datetime(2026, 3, 20, 12, tzinfo=CPH), tick=False):
        response = client.get(reverse(name))
    if expected == L:
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == expected
    if role != "editor":
        assert "petanque" not in response.content.decode()


def test_thin_filter_combinations_by_month(month_of_searches: None) -> None:
    combos = gaps.thin_combinations(MARCH)
    assert [(c.area, c.target_group, c.activity_type, c.none, c.few) for c in combos] == [
        ("Gedved", "Seniorer 60+", "Strik og hækl", 3, 0),
        ("Hatting", "Unge", "", 0, 1),
    ]
    assert gaps.thin_combinations(dt.date(2026, 2, 1)) == []


def test_only_words_searched_by_at_least_three_people(month_of_searches: None) -> None:
    words = {w.query: w for w in gaps.top_words(MARCH)}
    assert set(words) == {"gåtur", "petanque"}
    assert words["petanque"].empty == 3 and words["gåtur"].searches == 4
    # Searched six times, but by two people: never shown.
    assert "mit private ord" not in words


def test_the_page_shows_the_month_and_nothing_rare(month_of_searches: None, editor: User) -> None:
    client = Client()
    client.force_login(editor)
    with time_machine.travel(dt.datetime(2026, 3, 20, 12, tzinfo=CPH), tick=False):
        page = client.get(reverse("directory-gaps") + "?maaned=2026-03").content.decode()
    assert "Gedved" in page and "petanque" in page
    assert "mit private ord" not in page


def test_unmatched_requests_are_counted_by_area(lists: dict[str, Any], coordinator: User) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 3, 10, tzinfo=CPH), tick=False):
        unmatched = coord.request_create(
            name="A",
            phone="20304050",
            call_time="any",
            wish="x",
            consent=True,
            area=lists["areas"]["gedved"],
        )
        matched = coord.request_create(
            name="B", phone="20304051", call_time="any", wish="y", consent=True
        )
        coord.request_move(actor=coordinator, request=unmatched, state=RequestState.CONTACTED)
        coord.request_move(actor=coordinator, request=unmatched, state=RequestState.CLOSED)
        coord.request_move(actor=coordinator, request=matched, state=RequestState.CONTACTED)
        coord.request_move(actor=coordinator, request=matched, state=RequestState.MATCHED)
        coord.request_move(actor=coordinator, request=matched, state=RequestState.CLOSED)
    result = gaps.unmatched_requests(MARCH)
    assert result["total"] == 1
    assert result["by_area"] == [{"area__name": "Gedved", "n": 1}]
