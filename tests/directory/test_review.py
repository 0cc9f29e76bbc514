"""Associations submit, editors review: the submission form, 'Mine indsendelser',
the review queue with its checklist, decisions, edits of published entries
kept as revisions until approved, the log, and who may do what."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from directory import review
from directory.models import (
    ChangeAction,
    Entry,
    EntryChange,
    EntryRevision,
    EntryStatus,
    RevisionState,
)
from notifications.models import Kind, Notification
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

# The directory's roles for the matrices of this app's URLs (tests/directory/).
ROLES = ("anonymous", "member", "submitter", "other_submitter", "editor", "coordinator")
L = "login"


def form_data(lists: dict[str, Any], **over: Any) -> dict[str, Any]:
    """A complete, valid submission of an association's walk."""
    data = {
        "title": "Gåtur langs fjorden",
        "description": "Vi går en rolig tur sammen. Alle kan være med. Bagefter drikker vi kaffe.",
        "organiser_kind": "association",
        "organiser_name": "Ældre Sagen Horsens",
        "themes": ["aktiv", "sammen"],
        "activity_types": [lists["types"]["gaatur"].pk],
        "target_groups": [lists["targets"]["seniorer"].pk],
        "min_age": "",
        "max_age": "",
        "area": lists["areas"]["midtby"].pk,
        "place_name": "Bybrua",
        "address": "Havnegade 10, 8700 Horsens",
        "how_often": "weekly",
        "weekday": "TU",
        "nth": "",
        "starts_on": "2026-01-06",
        "ends_on": "",
        "start_time": "10:00",
        "end_time": "12:00",
        "dates": "",
        "schedule_note": "",
        "is_free": "on",
        "price_kr": "",
        "price_note": "",
        "step_free": "on",
        "can_come_alone": "on",
        "contact_name": "Grethe Hansen",
        "contact_phone": "75 12 34 56",
        "contact_email": "grethe@example.org",
        "website": "",
        "photo_alt": "",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def other_submitter(db: None) -> User:
    return make_user("anden-forening@example.org", "Anders Andenforening")


@pytest.fixture
def people(
    plain_member: User, submitter: User, other_submitter: User, editor: User, coordinator: User
) -> dict[str, User | None]:
    return {
        "anonymous": None,
        "member": plain_member,
        "submitter": submitter,
        "other_submitter": other_submitter,
        "editor": editor,
        "coordinator": coordinator,
    }


def client_as(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def submitted(lists: dict[str, Any], submitter: User) -> Entry:
    return review.entry_submit(actor=submitter, proposed=_proposed(lists))


def _proposed(lists: dict[str, Any], **over: Any) -> dict[str, Any]:
    from directory.submit_forms import EntrySubmitForm

    form = EntrySubmitForm(form_data(lists, **over))
    assert form.is_valid(), form.errors
    return form.proposed()


# --- the authorization matrix ---------------------------------------------------

# fmt: off
MATRIX: list[tuple[str, str, tuple[Any, ...]]] = [
    # url name                     method  anon memb subm other edit coord
    ("directory-submit",           "get",  (L,  200, 200, 200,  200, 200)),
    ("directory-submit",           "post", (L,  200, 200, 200,  200, 200)),
    ("directory-my-submissions",   "get",  (L,  200, 200, 200,  200, 200)),
    ("directory-entry-edit",       "get",  (L,  404, 200, 404,  200, 404)),
    ("directory-entry-edit",       "post", (L,  404, 200, 404,  200, 404)),
    ("directory-review-queue",     "get",  (L,  403, 403, 403,  200, 403)),
    ("directory-review-item",      "get",  (L,  403, 403, 403,  200, 403)),
    ("directory-review-item",      "post", (L,  403, 403, 403,  302, 403)),
    ("directory-editor-overview",  "get",  (L,  403, 403, 403,  200, 403)),
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
def test_review_urls_answer_each_role(
    name: str,
    method: str,
    role: str,
    expected: Any,
    people: dict[str, User | None],
    submitted: Entry,
) -> None:
    args = [submitted.pk] if name in ("directory-entry-edit", "directory-review-item") else []
    url = reverse(name, args=args)
    client = client_as(people[role])
    data = {"decision": "approved"} if name == "directory-review-item" else {"title": ""}
    response = client.get(url) if method == "get" else client.post(url, data)
    if expected == L:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == expected, response.content[:300]
    if expected in (403, 404, L):
        # Nothing of the waiting entry leaks to those who may not see it.
        assert b"Grethe Hansen" not in response.content


def test_an_unverified_account_cannot_submit(lists: dict[str, Any]) -> None:
    user = make_user(verified=False)
    with pytest.raises(PermissionDenied):
        review.entry_submit(actor=user, proposed=_proposed(lists))
    assert client_as(user).get(reverse("directory-submit")).status_code == 403
    assert not Entry.objects.exists()


# --- submitting ---------------------------------------------------------------------


def test_a_submission_waits_for_approval_and_shows_in_mine(
    lists: dict[str, Any], submitter: User
) -> None:
    client = client_as(submitter)
    response = client.post(reverse("directory-submit"), form_data(lists))
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = Entry.objects.get()
    assert entry.status == EntryStatus.PENDING
    assert entry.created_by == submitter
    assert entry.rrule == "FREQ=WEEKLY;BYDAY=TU"
    assert entry.contact_phone == "75123456"
    assert set(entry.themes) == {"aktiv", "sammen"}
    assert list(entry.activity_types.values_list("slug", flat=True)) == ["gaatur"]
    actions = set(EntryChange.objects.filter(entry=entry).values_list("action", flat=True))
    assert ChangeAction.SUBMITTED in actions
    page = client.get(reverse("directory-my-submissions")).content.decode()
    assert "Gåtur langs fjorden" in page and "Afventer godkendelse" in page
    # Not public until approved.
    assert client_as(None).get(entry.get_absolute_url()).status_code == 404


def test_submissions_over_the_rate_limit_are_refused_in_danish_and_store_nothing(
    lists: dict[str, Any], submitter: User, settings: Any
) -> None:
    settings.SAMMEN_RATE_LIMITS = {**settings.SAMMEN_RATE_LIMITS, "submit": {"user": "1/h"}}
    client = client_as(submitter)
    assert client.post(reverse("directory-submit"), form_data(lists)).status_code == 302
    response = client.post(reverse("directory-submit"), form_data(lists, title="Gåtur nummer to"))
    page = response.content.decode()
    assert "Du har indsendt mange aktiviteter eller ændringer på kort tid." in page
    assert "Gåtur nummer to" in page  # what they wrote is still in the form
    assert Entry.objects.count() == 1


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"title": ""}, "title", "Dette felt er påkrævet"),
        ({"title": "x" * 121}, "title", "højst have 120"),
        ({"description": "y" * 1501}, "description", "højst have 1500"),
        ({"contact_phone": "12 34"}, "contact_phone", "dansk telefonnummer"),
        ({"contact_phone": "ring til mig"}, "contact_phone", "dansk telefonnummer"),
        (
            {"contact_phone": "", "contact_email": ""},
            "contact_phone",
            "telefonnummer eller en e-mail",
        ),
        ({"how_often": "monthly", "nth": ""}, "nth", "hvilken uge"),
        ({"how_often": "weekly", "weekday": ""}, "weekday", "ugedag"),
        ({"how_often": "weekly", "weekday": "XX"}, "weekday", "gyldig valgmulighed"),
        ({"how_often": "dates", "dates": "32.13.2026"}, "dates", "ikke en dato"),
        ({"how_often": "dates", "dates": ""}, "dates", "mindst én dato"),
        ({"end_time": "09:00"}, "end_time", "efter starttidspunktet"),
        ({"is_free": None, "price_kr": ""}, "price_kr", "Skriv prisen"),
        ({"website": "javascript:alert(1)"}, "website", ""),
        ({"min_age": "70", "max_age": "60"}, "max_age", "højere"),
    ],
)
def test_bad_input_gets_a_danish_message_and_stores_nothing(
    lists: dict[str, Any], submitter: User, over: dict[str, Any], field: str, message: str
) -> None:
    response = client_as(submitter).post(reverse("directory-submit"), form_data(lists, **over))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert not Entry.objects.exists()


def test_a_photo_needs_alt_text(lists: dict[str, Any], submitter: User) -> None:
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buffer, "JPEG")
    photo = SimpleUploadedFile("tur.jpg", buffer.getvalue(), content_type="image/jpeg")
    client = client_as(submitter)
    response = client.post(reverse("directory-submit"), {**form_data(lists), "photo": photo})
    assert "photo_alt" in response.context["form"].errors
    assert not Entry.objects.exists()
    photo.seek(0)
    response = client.post(
        reverse("directory-submit"),
        {**form_data(lists, photo_alt="Fem glade mennesker på tur"), "photo": photo},
    )
    assert response.status_code == 302
    assert Entry.objects.get().photo


# --- deciding -------------------------------------------------------------------------


def test_approving_publishes_and_tells_the_submitter(
    submitted: Entry,
    editor: User,
    submitter: User,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_as(editor)
    queue = client.get(reverse("directory-review-queue")).content.decode()
    assert "Gåtur langs fjorden" in queue
    page = client.get(reverse("directory-review-item", args=[submitted.pk])).content.decode()
    assert "Tjekliste" in page and "Tilgængelighed er oplyst" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("directory-review-item", args=[submitted.pk]), {"decision": "approved"}
        )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == EntryStatus.PUBLISHED
    assert submitted.published_at is not None and submitted.last_confirmed_at is not None
    assert [m.to for m in mailoutbox] == [[submitter.email]]
    assert "er godkendt" in mailoutbox[0].subject
    told = Notification.objects.get(recipient=submitter)
    assert told.kind == Kind.DIRECTORY_APPROVED and told.text == submitted.title
    assert EntryChange.objects.filter(entry=submitted, action=ChangeAction.APPROVED).exists()
    # The bell's row leads to "Mine indsendelser".
    opened = client_as(submitter).get(reverse("notification-open", args=[told.pk]))
    assert opened["Location"] == reverse("directory-my-submissions")


def test_declining_needs_a_reason_which_the_submitter_sees(
    submitted: Entry,
    editor: User,
    submitter: User,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_as(editor)
    url = reverse("directory-review-item", args=[submitted.pk])
    response = client.post(url, {"decision": "declined", "reason": "  "})
    assert response.status_code == 200
    assert "Skriv en begrundelse" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == EntryStatus.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"decision": "declined", "reason": "Det er et salgsarrangement."})
    submitted.refresh_from_db()
    assert submitted.status == EntryStatus.DECLINED
    assert "salgsarrangement" in mailoutbox[0].body
    assert Notification.objects.get(recipient=submitter).kind == Kind.DIRECTORY_DECLINED
    mine = client_as(submitter).get(reverse("directory-my-submissions")).content.decode()
    assert "Det er et salgsarrangement." in mine


def test_asked_for_changes_the_submitter_fixes_it_and_it_waits_again(
    lists: dict[str, Any], submitted: Entry, editor: User, submitter: User
) -> None:
    review.entry_decide(
        actor=editor, entry=submitted, decision="changes_requested", reason="Skriv adressen."
    )
    submitted.refresh_from_db()
    assert submitted.status == EntryStatus.CHANGES_REQUESTED
    assert Notification.objects.get(recipient=submitter).kind == Kind.DIRECTORY_CHANGES
    client = client_as(submitter)
    page = client.get(reverse("directory-entry-edit", args=[submitted.pk])).content.decode()
    assert "Skriv adressen." in page
    response = client.post(
        reverse("directory-entry-edit", args=[submitted.pk]),
        form_data(lists, address="Torvet 1, 8700 Horsens"),
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == EntryStatus.PENDING
    assert submitted.address == "Torvet 1, 8700 Horsens"


def test_the_second_of_two_editors_is_told_it_was_handled(submitted: Entry, editor: User) -> None:
    other = make_user()
    from directory.models import DirectoryRole, DirectoryRoleKind

    DirectoryRole.objects.create(user=other, role=DirectoryRoleKind.EDITOR)
    review.entry_decide(actor=editor, entry=submitted, decision="approved")
    with pytest.raises(ValidationError, match="allerede behandlet"):
        review.entry_decide(actor=other, entry=submitted, decision="declined", reason="Nej")
    submitted.refresh_from_db()
    assert submitted.status == EntryStatus.PUBLISHED


def test_only_editors_decide(submitted: Entry, submitter: User, coordinator: User) -> None:
    for user in (submitter, coordinator):
        with pytest.raises(PermissionDenied):
            review.entry_decide(actor=user, entry=submitted, decision="approved")
    submitted.refresh_from_db()
    assert submitted.status == EntryStatus.PENDING


# --- edits of a published entry -------------------------------------------------------


def test_an_edit_of_a_published_entry_is_not_shown_until_approved(
    lists: dict[str, Any], submitted: Entry, editor: User, submitter: User
) -> None:
    review.entry_decide(actor=editor, entry=submitted, decision="approved")
    client = client_as(submitter)
    response = client.post(
        reverse("directory-entry-edit", args=[submitted.pk]),
        form_data(lists, title="Gåtur med KÆMPE tilbud", description="Køb vores sko!"),
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == EntryStatus.PUBLISHED
    assert submitted.title == "Gåtur langs fjorden"  # the citizen sees the approved text
    public = client_as(None).get(submitted.get_absolute_url()).content.decode()
    assert "KÆMPE" not in public and "Køb vores sko" not in public
    revision = EntryRevision.objects.get(entry=submitted)
    assert revision.state == RevisionState.PENDING
    assert revision.proposed["title"] == "Gåtur med KÆMPE tilbud"
    logged = EntryChange.objects.filter(entry=submitted, action=ChangeAction.SUBMITTED).first()
    assert logged is not None and "title" in logged.diff["proposed"]
    # The editor sees the proposal beside the checklist.
    page = client_as(editor).get(reverse("directory-review-item", args=[submitted.pk]))
    assert "KÆMPE" in page.content.decode()
    # A second edit changes the same revision, not a new one.
    client.post(
        reverse("directory-entry-edit", args=[submitted.pk]),
        form_data(lists, title="Gåtur langs fjorden og skoven"),
    )
    assert EntryRevision.objects.filter(entry=submitted).count() == 1
    review.entry_decide(actor=editor, entry=submitted, decision="approved")
    submitted.refresh_from_db()
    assert submitted.title == "Gåtur langs fjorden og skoven"
    assert EntryRevision.objects.get(entry=submitted).state == RevisionState.APPROVED


def test_a_declined_edit_leaves_the_published_entry_as_it_was(
    lists: dict[str, Any], submitted: Entry, editor: User, submitter: User
) -> None:
    review.entry_decide(actor=editor, entry=submitted, decision="approved")
    review.entry_edit(actor=submitter, entry=submitted, proposed=_proposed(lists, title="Reklame"))
    review.entry_decide(actor=editor, entry=submitted, decision="declined", reason="Reklame.")
    submitted.refresh_from_db()
    assert submitted.title == "Gåtur langs fjorden"
    assert submitted.status == EntryStatus.PUBLISHED
    assert EntryRevision.objects.get(entry=submitted).state == RevisionState.DECLINED


def test_a_submitter_editing_someone_elses_entry_gets_404(
    lists: dict[str, Any], submitted: Entry, editor: User, other_submitter: User
) -> None:
    review.entry_decide(actor=editor, entry=submitted, decision="approved")
    client = client_as(other_submitter)
    url = reverse("directory-entry-edit", args=[submitted.pk])
    assert client.get(url).status_code == 404
    response = client.post(url, form_data(lists, title="Kapret"))
    assert response.status_code == 404
    assert not EntryRevision.objects.exists()
    submitted.refresh_from_db()
    assert submitted.title == "Gåtur langs fjorden"


def test_every_step_is_logged(
    lists: dict[str, Any], submitted: Entry, editor: User, submitter: User
) -> None:
    review.entry_decide(actor=editor, entry=submitted, decision="changes_requested", reason="Ret")
    review.entry_edit(actor=submitter, entry=submitted, proposed=_proposed(lists))
    review.entry_decide(actor=editor, entry=submitted, decision="approved")
    review.entry_edit(actor=submitter, entry=submitted, proposed=_proposed(lists, title="Ny"))
    review.entry_decide(actor=editor, entry=submitted, decision="approved")
    actions = list(
        EntryChange.objects.filter(entry=submitted)
        .order_by("at", "pk")
        .values_list("action", flat=True)
    )
    assert actions[0] == ChangeAction.CREATED
    assert actions.count(ChangeAction.SUBMITTED) == 3
    assert actions.count(ChangeAction.APPROVED) == 2
    assert ChangeAction.CHANGES_REQUESTED in actions


def test_median_time_to_approval_over_90_days(
    lists: dict[str, Any], editor: User, submitter: User
) -> None:
    now = timezone.now()
    for days_waited in (1, 2, 10):
        entry = review.entry_submit(actor=submitter, proposed=_proposed(lists))
        EntryChange.objects.filter(entry=entry).update(at=now - dt.timedelta(days=days_waited + 5))
        review.entry_decide(actor=editor, entry=entry, decision="approved")
        EntryChange.objects.filter(entry=entry, action=ChangeAction.APPROVED).update(
            at=now - dt.timedelta(days=5)
        )
    old = review.entry_submit(actor=submitter, proposed=_proposed(lists))
    EntryChange.objects.filter(entry=old).update(at=now - dt.timedelta(days=200))
    review.entry_decide(actor=editor, entry=old, decision="approved")
    EntryChange.objects.filter(entry=old, action=ChangeAction.APPROVED).update(
        at=now - dt.timedelta(days=100)
    )
    assert review.median_days_to_approval(now=now) == pytest.approx(2.0)
    page = client_as(editor).get(reverse("directory-editor-overview")).content.decode()
    assert "2,0 dage" in page or "2.0 dage" in page


def test_the_queue_reads_a_fixed_number_of_queries(
    lists: dict[str, Any],
    editor: User,
    submitter: User,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = client_as(editor)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("directory-review-queue")).status_code == 200
        return len(ctx.captured_queries)

    review.entry_submit(actor=submitter, proposed=_proposed(lists))
    one = count()
    for _i in range(10):
        review.entry_submit(actor=submitter, proposed=_proposed(lists))
    assert count() == one


def test_submitting_records_the_consent_to_be_listed(submitted: Entry, submitter: User) -> None:
    from accounts.models import Consent, ConsentPurpose  # noqa: PLC0415

    consent = Consent.objects.get(user=submitter, purpose=ConsentPurpose.DIRECTORY_LISTING)
    assert consent.scope == review.listing_scope(submitted.pk) and consent.is_active
