"""'Tal med en fællesskabskoordinator': the public form and its receipt, the
due date of first contact in Danish working days, the coordinators' inbox
(404 to everyone else), its states, notes, assignment and monthly counts."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from directory import coordinator as coord
from directory.models import CoordinatorRequest, Entry, RequestNote, RequestState
from directory.workdays import add_working_days, is_working_day
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
CPH = ZoneInfo("Europe/Copenhagen")
ROLES = ("anonymous", "member", "submitter", "other_submitter", "editor", "coordinator")
L = "login"

GOOD = {
    "name": "Hanne Hansen",
    "phone": "20 30 40 50",
    "email": "",
    "call_time": "morning",
    "wish": "Jeg er flyttet til Horsens og vil gerne møde nogen at gå tur med.",
    "consent": "on",
}


def client_as(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def make_request(**over: Any) -> CoordinatorRequest:
    data: dict[str, Any] = {
        "name": "Hanne Hansen",
        "phone": "20304050",
        "call_time": "any",
        "wish": "En gåtur",
        "consent": True,
        **over,
    }
    return coord.request_create(**data)


# --- working days ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (dt.date(2026, 3, 4), dt.date(2026, 3, 6)),  # Wednesday -> Friday
        (dt.date(2026, 3, 5), dt.date(2026, 3, 9)),  # Thursday -> Monday
        (dt.date(2026, 3, 7), dt.date(2026, 3, 10)),  # Saturday -> Tuesday
        # Easter 2026: Maundy Thursday 2/4, Good Friday 3/4, Easter Monday 6/4.
        (dt.date(2026, 4, 1), dt.date(2026, 4, 8)),
        (dt.date(2026, 3, 31), dt.date(2026, 4, 7)),
        # Christmas 2026: 24, 25, 26 December off (24th by agreement), 31st too.
        (dt.date(2026, 12, 23), dt.date(2026, 12, 29)),
        (dt.date(2026, 12, 29), dt.date(2027, 1, 4)),  # 31 Dec and 1 Jan off
        # Ascension Day (14/5) and Whit Monday (25/5) 2026, Grundlovsdag (5/6).
        (dt.date(2026, 5, 13), dt.date(2026, 5, 18)),
        (dt.date(2026, 5, 22), dt.date(2026, 5, 27)),
        (dt.date(2026, 6, 3), dt.date(2026, 6, 8)),
    ],
)
def test_first_contact_is_due_two_danish_working_days_later(
    received: dt.date, due: dt.date
) -> None:
    assert add_working_days(received, 2) == due


def test_working_days_know_the_danish_holidays() -> None:
    assert not is_working_day(dt.date(2026, 4, 6))  # Easter Monday
    assert not is_working_day(dt.date(2026, 12, 24))
    assert not is_working_day(dt.date(2027, 3, 26))  # Good Friday 2027
    assert is_working_day(dt.date(2026, 4, 7))
    # Store bededag was abolished from 2024.
    assert is_working_day(dt.date(2026, 5, 1))


def test_a_request_on_the_evening_before_easter_is_due_after_it() -> None:
    # 23:30 in Copenhagen on Wednesday 1 April is still 1 April locally.
    at = dt.datetime(2026, 4, 1, 23, 30, tzinfo=CPH)
    with time_machine.travel(at, tick=False):
        request = make_request()
    assert request.due_on == dt.date(2026, 4, 8)


# --- the public form ---------------------------------------------------------------


def test_a_citizen_asks_and_gets_a_receipt_saying_when(
    mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    with (
        time_machine.travel(dt.datetime(2026, 12, 23, 10, 0, tzinfo=CPH), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            reverse("directory-coordinator-request"), {**GOOD, "email": "hanne@example.org"}
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("directory-coordinator-receipt")
    request = CoordinatorRequest.objects.get()
    assert request.due_on == dt.date(2026, 12, 29)
    assert request.state == RequestState.NEW
    assert request.phone == "20304050"
    assert request.consent_version == coord.CONSENT_VERSION
    assert "kontakte mig" in request.consent_purpose
    assert request.consent_given_at is not None
    receipt = client.get(response["Location"]).content.decode()
    assert "tirsdag 29. december" in receipt
    assert [m.to for m in mailoutbox] == [["hanne@example.org"]]
    assert "29. december" in mailoutbox[0].body
    # Another browser gets no receipt (nor anyone's data).
    other = Client().get(reverse("directory-coordinator-receipt"))
    assert other.status_code == 302


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"phone": "", "email": ""}, "phone", "telefonnummer eller din e-mail"),
        ({"phone": "123"}, "phone", "dansk telefonnummer"),
        ({"email": "ikke-en-mail"}, "email", "gyldig e-mail"),
        ({"name": ""}, "name", "påkrævet"),
        ({"wish": "x" * 2001}, "wish", "højst have 2000"),
        ({"consent": ""}, "consent", "må kontakte dig"),
        ({"on_behalf": "on", "on_behalf_of": "Min mor"}, "on_behalf_consent", "sagt ja"),
        ({"on_behalf": "on"}, "on_behalf_of", "navnet"),
    ],
)
def test_a_request_that_cannot_be_honoured_is_refused_in_danish_and_not_stored(
    over: dict[str, Any], field: str, message: str
) -> None:
    data = {k: v for k, v in {**GOOD, **over}.items() if v != ""}
    response = Client().post(reverse("directory-coordinator-request"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert not CoordinatorRequest.objects.exists()


def test_the_service_refuses_a_request_with_no_way_to_reach_the_person() -> None:
    with pytest.raises(ValidationError):
        make_request(phone="", email="")
    with pytest.raises(ValidationError):
        make_request(on_behalf_of="Min nabo", on_behalf_consent=False)
    assert not CoordinatorRequest.objects.exists()


def test_on_behalf_of_someone_with_their_consent() -> None:
    response = Client().post(
        reverse("directory-coordinator-request"),
        {**GOOD, "on_behalf": "on", "on_behalf_of": "Min mor, Else", "on_behalf_consent": "on"},
    )
    assert response.status_code == 302
    request = CoordinatorRequest.objects.get()
    assert request.on_behalf_of == "Min mor, Else" and request.on_behalf_consent


def test_the_form_is_rate_limited_per_address(settings: Any) -> None:
    settings.SAMMEN_RATE_LIMITS = {**settings.SAMMEN_RATE_LIMITS, "coordinator": {"ip": "2/h"}}
    client = Client()
    url = reverse("directory-coordinator-request")
    for _i in range(2):
        assert client.post(url, GOOD).status_code == 302
    response = client.post(url, GOOD)
    assert response.status_code == 200
    assert "mange beskeder" in response.content.decode()
    assert CoordinatorRequest.objects.count() == 2


# --- the inbox ---------------------------------------------------------------------


@pytest.fixture
def people(
    plain_member: User, submitter: User, editor: User, coordinator: User
) -> dict[str, User | None]:
    return {
        "anonymous": None,
        "member": plain_member,
        "submitter": submitter,
        "other_submitter": make_user(),
        "editor": editor,
        "coordinator": coordinator,
    }


# fmt: off
MATRIX: list[tuple[str, str, tuple[Any, ...]]] = [
    # url name                         method anon memb subm other edit coord
    ("directory-coordinator-request",  "get",  (200, 200, 200, 200, 200, 200)),
    ("directory-coordinator-request",  "post", (200, 200, 200, 200, 200, 200)),
    ("directory-coordinator-receipt",  "get",  (302, 302, 302, 302, 302, 302)),
    ("directory-coordinator-inbox",    "get",  (L,   404, 404, 404, 404, 200)),
    ("directory-coordinator-detail",   "get",  (404, 404, 404, 404, 404, 200)),
    ("directory-coordinator-move",     "post", (404, 404, 404, 404, 404, 302)),
    ("directory-coordinator-note",     "post", (404, 404, 404, 404, 404, 302)),
    ("directory-coordinator-assign",   "post", (404, 404, 404, 404, 404, 302)),
    ("directory-coordinator-report",   "get",  (L,   404, 404, 404, 404, 200)),
    ("directory-coordinator-csv",      "get",  (L,   404, 404, 404, 404, 200)),
]
# fmt: on
_WITH_ID = {
    "directory-coordinator-detail",
    "directory-coordinator-move",
    "directory-coordinator-note",
    "directory-coordinator-assign",
}


@pytest.mark.parametrize(
    ("name", "method", "role", "expected"),
    [
        pytest.param(name, method, role, expected, id=f"{name}-{method}-{role}")
        for name, method, answers in MATRIX
        for role, expected in zip(ROLES, answers, strict=True)
    ],
)
def test_requests_are_seen_only_by_coordinators(
    name: str, method: str, role: str, expected: Any, people: dict[str, User | None]
) -> None:
    request = make_request(name="Hemmelige Hansen", wish="Ensom efter min mands død")
    url = reverse(name, args=[request.pk] if name in _WITH_ID else [])
    data = {"state": "contacted", "text": "Ringet", "coordinator": ""}
    client = client_as(people[role])
    response = client.get(url) if method == "get" else client.post(url, data)
    if expected == L:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == expected
    if role != "coordinator":
        body = response.content.decode()
        assert "Hemmelige Hansen" not in body and "Ensom" not in body
        request.refresh_from_db()
        assert request.state == RequestState.NEW
        assert not request.notes.exists()


def test_a_missing_request_is_404_for_a_coordinator_too(coordinator: User) -> None:
    response = client_as(coordinator).get(reverse("directory-coordinator-detail", args=[999]))
    assert response.status_code == 404


def test_the_coordinator_works_a_request_through_its_states(
    coordinator: User, make_entry: Any
) -> None:
    walk = make_entry("Gåtur i Hatting", area="hatting")
    request = make_request()
    client = client_as(coordinator)
    move = reverse("directory-coordinator-move", args=[request.pk])
    client.post(move, {"state": "contacted", "note": "Talt med Hanne, hun vil gerne gå."})
    request.refresh_from_db()
    assert request.state == RequestState.CONTACTED and request.contacted_at
    assert request.assigned_to == coordinator  # who acts first takes it
    client.post(move, {"state": "matched", "entry": walk.pk})
    request.refresh_from_db()
    assert request.state == RequestState.MATCHED and request.matched_entry == walk
    page = client.get(reverse("directory-coordinator-detail", args=[request.pk])).content.decode()
    assert "Følg op senest" in page and "Gåtur i Hatting" in page
    client.post(move, {"state": "followed_up"})
    client.post(move, {"state": "closed"})
    request.refresh_from_db()
    assert request.state == RequestState.CLOSED and request.closed_at
    notes = list(RequestNote.objects.filter(request=request).values_list("text", flat=True))
    assert any("Talt med Hanne" in n for n in notes)
    assert len(notes) == 4


def test_a_state_cannot_be_skipped_or_done_twice(coordinator: User) -> None:
    request = make_request()
    with pytest.raises(ValidationError):
        coordinator_move(coordinator, request, RequestState.MATCHED)
    coordinator_move(coordinator, request, RequestState.CONTACTED)
    with pytest.raises(ValidationError, match="allerede"):
        coordinator_move(coordinator, request, RequestState.CONTACTED)


def coordinator_move(user: User, request: CoordinatorRequest, state: str) -> None:
    coord.request_move(actor=user, request=request, state=state)


def test_notes_and_assignment(coordinator: User, editor: User) -> None:
    other = make_user("kollega@example.org", "Kim Kollega")
    from directory.models import DirectoryRole, DirectoryRoleKind

    DirectoryRole.objects.create(user=other, role=DirectoryRoleKind.COORDINATOR)
    request = make_request()
    client = client_as(coordinator)
    client.post(
        reverse("directory-coordinator-assign", args=[request.pk]), {"coordinator": other.pk}
    )
    request.refresh_from_db()
    assert request.assigned_to == other
    # Only a coordinator can be given a request.
    client.post(
        reverse("directory-coordinator-assign", args=[request.pk]), {"coordinator": editor.pk}
    )
    request.refresh_from_db()
    assert request.assigned_to == other
    client.post(reverse("directory-coordinator-note", args=[request.pk]), {"text": "Ring efter 14"})
    client.post(reverse("directory-coordinator-note", args=[request.pk]), {"text": "   "})
    assert [n.text for n in request.notes.all()][-1] == "Ring efter 14"
    mine = client_as(other).get(reverse("directory-coordinator-inbox") + "?mine=1").content.decode()
    assert "Hanne Hansen" in mine


def test_overdue_requests_stand_out_in_words(coordinator: User) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=CPH), tick=False):
        late = make_request(name="Sen Sørensen")
    with time_machine.travel(dt.datetime(2026, 3, 5, 9, 0, tzinfo=CPH), tick=False):
        fresh = make_request(name="Ny Nielsen")
        page = client_as(coordinator).get(reverse("directory-coordinator-inbox")).content.decode()
        rows = coord.inbox()
    assert late.due_on == dt.date(2026, 3, 4)
    assert "For sent: skulle være kontaktet senest onsdag 4. marts" in page
    assert page.index("Sen Sørensen") < page.index("Ny Nielsen")  # overdue first
    assert [r.overdue for r in rows] == [True, False]
    assert fresh.due_on == dt.date(2026, 3, 9)


def test_counts_per_month_and_csv_for_danish_excel(coordinator: User) -> None:
    def at(day: int, hour: int = 10) -> dt.datetime:
        return dt.datetime(2026, 3, day, hour, 0, tzinfo=CPH)

    with time_machine.travel(at(2), tick=False):
        in_time = make_request()
        late = make_request()
        never = make_request()
    with time_machine.travel(at(3), tick=False):
        coordinator_move(coordinator, in_time, RequestState.CONTACTED)
    with time_machine.travel(at(9), tick=False):
        coordinator_move(coordinator, late, RequestState.CONTACTED)
        coord.request_move(actor=coordinator, request=late, state=RequestState.MATCHED)
        coordinator_move(coordinator, never, RequestState.CLOSED)
    with time_machine.travel(at(20), tick=False):
        months = coord.month_counts(months=2)
        response = client_as(coordinator).get(reverse("directory-coordinator-csv"))
    march = months[0]
    assert (march.month, march.requests, march.contacted, march.contacted_in_time) == (
        dt.date(2026, 3, 1),
        3,
        2,
        1,
    )
    assert (march.matched, march.closed_unmatched) == (1, 1)
    assert months[1].requests == 0
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    assert "2026-03;3;2;1;1;1\r\n" in body
    assert response["Content-Type"].startswith("text/csv")


def test_matching_needs_a_published_entry(coordinator: User, make_entry: Any) -> None:
    hidden = make_entry("Skjult klub", status="hidden")
    request = make_request()
    coordinator_move(coordinator, request, RequestState.CONTACTED)
    with pytest.raises(ValidationError):
        coord.request_move(
            actor=coordinator, request=request, state=RequestState.MATCHED, entry=hidden
        )
    request.refresh_from_db()
    assert request.state == RequestState.CONTACTED
    assert isinstance(hidden, Entry)
    assert timezone.now()
