"""Freshness: every entry is re-confirmed every DIRECTORY_CONFIRM_MONTHS; the
contact gets one signed link per period (GET shows a button, POST confirms);
30 days without an answer hide the entry and tell the editors, once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from directory import freshness
from directory.models import ChangeAction, Entry, EntryChange, EntryStatus
from notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member", "submitter", "other_submitter", "editor", "coordinator")

# Anyone holding the link may use it (the contact may have no account).
# fmt: off
MATRIX: list[tuple[str, str, tuple[Any, ...]]] = [
    # url name            method  anon memb subm other edit coord
    ("directory-confirm", "get",  (200, 200, 200, 200, 200, 200)),
    ("directory-confirm", "post", (200, 200, 200, 200, 200, 200)),
]
# fmt: on


@pytest.fixture
def old_entry(make_entry: Callable[..., Entry], submitter: User) -> Entry:
    """Published and last confirmed seven months ago."""
    entry = make_entry(
        "Strikkeklubben i Hatting",
        area="hatting",
        contact_name="Inge Strik",
        contact_email="inge@example.org",
        actor=None,
    )
    Entry.objects.filter(pk=entry.pk).update(
        created_by=submitter, last_confirmed_at=timezone.now() - dt.timedelta(days=215)
    )
    entry.refresh_from_db()
    return entry


def _confirm_links(sink: Any) -> list[str]:
    links = []
    for message in sink.messages():
        body = message.get_body(preferencelist=("plain",)).get_content()
        links += [line.strip() for line in body.splitlines() if "/bekraeft/" in line]
    return links


def _path(url: str) -> str:
    return url[url.index("/faellesskaber/") :]


def test_the_contact_is_asked_exactly_once_per_period(
    old_entry: Entry, smtp_sink: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    smtp_sink.use(settings)
    with django_capture_on_commit_callbacks(execute=True):
        assert freshness.ask_due() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert freshness.ask_due() == 0  # the sent-at is set: not again this period
    assert smtp_sink.count() == 1
    message = smtp_sink.messages()[0]
    assert message["To"] == "inge@example.org"
    assert "Strikkeklubben i Hatting" in message["Subject"]
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "/ret/" in body  # and a link to edit
    links = _confirm_links(smtp_sink)
    assert len(links) == 1
    # Confirmed: a new period starts; six months later the contact is asked again.
    Client().post(_path(links[0]))
    old_entry.refresh_from_db()
    later = old_entry.last_confirmed_at + dt.timedelta(days=190)
    with django_capture_on_commit_callbacks(execute=True):
        assert freshness.ask_due(now=later) == 1
        assert freshness.ask_due(now=later) == 0
    assert smtp_sink.count() == 2


def test_opening_the_link_confirms_nothing_only_the_button_does(old_entry: Entry) -> None:
    token = freshness.confirm_token(old_entry)
    before = old_entry.last_confirmed_at
    page = Client().get(reverse("directory-confirm", args=[token]))
    assert page.status_code == 200
    assert "Ja, det er stadig rigtigt" in page.content.decode()
    old_entry.refresh_from_db()
    assert old_entry.last_confirmed_at == before  # a mail scanner's GET changes nothing
    done = Client().post(reverse("directory-confirm", args=[token]))
    assert done.status_code == 200
    old_entry.refresh_from_db()
    assert old_entry.last_confirmed_at > before
    assert EntryChange.objects.filter(entry=old_entry, action=ChangeAction.CONFIRMED).exists()
    # The same link is spent.
    again = Client().post(reverse("directory-confirm", args=[token]))
    assert again.status_code == 400
    assert "Linket virker ikke" in again.content.decode()


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature changed
        lambda t: "9999" + t[t.index(".") :],  # another entry's id, same signature
        lambda t: "ikke-et-link",
    ],
)
def test_a_forged_link_gets_a_danish_page_and_changes_nothing(
    old_entry: Entry, mangle: Callable[[str], str]
) -> None:
    token = mangle(freshness.confirm_token(old_entry))
    before = old_entry.last_confirmed_at
    for method in ("get", "post"):
        response = getattr(Client(), method)(reverse("directory-confirm", args=[token]))
        assert response.status_code == 400
        assert "Linket virker ikke" in response.content.decode()
    old_entry.refresh_from_db()
    assert old_entry.last_confirmed_at == before


def test_an_expired_link_changes_nothing(old_entry: Entry) -> None:
    token = freshness.confirm_token(old_entry)
    before = old_entry.last_confirmed_at
    with time_machine.travel(timezone.now() + dt.timedelta(days=freshness.link_days() + 1)):
        response = Client().post(reverse("directory-confirm", args=[token]))
    assert response.status_code == 400
    old_entry.refresh_from_db()
    assert old_entry.last_confirmed_at == before


def test_thirty_days_without_an_answer_hide_it_and_tell_the_editors_once(
    old_entry: Entry,
    editor: User,
    smtp_sink: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    smtp_sink.use(settings)
    asked = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        freshness.ask_due(now=asked)
    with django_capture_on_commit_callbacks(execute=True):
        assert freshness.hide_unanswered(now=asked + dt.timedelta(days=29)) == 0
    old_entry.refresh_from_db()
    assert old_entry.status == EntryStatus.PUBLISHED
    with django_capture_on_commit_callbacks(execute=True):
        assert freshness.hide_unanswered(now=asked + dt.timedelta(days=31)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert freshness.hide_unanswered(now=asked + dt.timedelta(days=32)) == 0
    old_entry.refresh_from_db()
    assert old_entry.status == EntryStatus.HIDDEN and old_entry.stale_hidden_at is not None
    to_editor = [m for m in smtp_sink.messages() if m["To"] == editor.email]
    assert len(to_editor) == 1
    assert "Strikkeklubben i Hatting" in to_editor[0].get_body(("plain",)).get_content()
    told = Notification.objects.get(recipient=editor)
    assert told.kind == Kind.DIRECTORY_STALE
    # Citizens no longer find it; the editors' overview lists it.
    assert Client().get(old_entry.get_absolute_url()).status_code == 404
    client = Client()
    client.force_login(editor)
    assert (
        "Strikkeklubben i Hatting"
        in client.get(reverse("directory-editor-overview")).content.decode()
    )
    # The contact's late "yes" brings it back.
    token = freshness.confirm_token(old_entry)
    Client().post(reverse("directory-confirm", args=[token]))
    old_entry.refresh_from_db()
    assert old_entry.status == EntryStatus.PUBLISHED


def test_an_entry_confirmed_in_time_is_not_hidden(old_entry: Entry) -> None:
    asked = timezone.now()
    freshness.ask_due(now=asked)
    old_entry.refresh_from_db()
    freshness.entry_confirm(token=freshness.confirm_token(old_entry))
    assert freshness.hide_unanswered(now=asked + dt.timedelta(days=40)) == 0
    old_entry.refresh_from_db()
    assert old_entry.status == EntryStatus.PUBLISHED


def test_a_link_cannot_bring_back_what_an_editor_hid(old_entry: Entry) -> None:
    token = freshness.confirm_token(old_entry)
    Entry.objects.filter(pk=old_entry.pk).update(status=EntryStatus.HIDDEN)
    assert Client().post(reverse("directory-confirm", args=[token])).status_code == 400
    old_entry.refresh_from_db()
    assert old_entry.status == EntryStatus.HIDDEN


def test_the_periodic_task_is_scheduled_and_registered(old_entry: Entry) -> None:
    from sammen.celery import app

    spec = settings.CELERY_BEAT_SCHEDULE["directory-freshness-due"]
    assert spec["task"] == "directory.freshness_due"
    app.loader.import_default_modules()
    assert app.tasks["directory.freshness_due"]() == {"asked": 1, "hidden": 0}


@pytest.mark.parametrize(
    ("name", "method", "role", "expected"),
    [
        pytest.param(name, method, role, expected, id=f"{name}-{method}-{role}")
        for name, method, answers in MATRIX
        for role, expected in zip(ROLES, answers, strict=True)
    ],
)
def test_confirm_link_answers_each_role(
    name: str,
    method: str,
    role: str,
    expected: int,
    old_entry: Entry,
    plain_member: User,
    submitter: User,
    editor: User,
    coordinator: User,
) -> None:
    from tests.conftest import make_user

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
    url = reverse(name, args=[freshness.confirm_token(old_entry)])
    response = getattr(client, method)(url)
    assert response.status_code == expected
