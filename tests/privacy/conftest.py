"""A member with a row in every table that can hold a person's data, made
through the services where they exist (so the rows are as the app makes
them), and helpers to read an export and scan the database."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings as django_settings
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import ConsentPurpose, User
from accounts.services import consent_give, login_record
from directory import coordinator
from directory.models import (
    ChangeAction,
    DirectoryRole,
    Entry,
    EntryChange,
    EntryRevision,
    EntryStatus,
    Favourite,
)
from groups.models import Group, Membership, SubGroup
from insights.models import InsightSettings, PostView, WeeklyReport, WeeklyReportSent
from insights.who5 import who5_answer_submit, who5_consent_give
from moderation import services as moderation_services
from moderation.models import AuditEntry, Notice
from notifications.models import (
    Digest,
    Follow,
    MailSettings,
    Notification,
    Preference,
    PushSubscription,
    SentMail,
)
from posts import services as post_services
from posts.models import ContentState, Post
from privacy.models import ExportRequest
from scheduler.models import ScheduledPhoto, ScheduledPost
from tests.conftest import PASSWORD, make_membership, make_user
from tests.posts.conftest import image_bytes, photo

SECRET_POST = "Min hemmelige opskrift på æblekage"
HIDDEN_POST = "Et opslag, der blev skjult efter anmeldelser"
HELD_POST = "Et opslag, der venter på godkendelse"
REPLIED_COMMENT = "En kommentar, som andre har svaret på"
LONE_COMMENT = "En kommentar, ingen har svaret på"
OTHER_NAME = "Karoline Andensen"


def mentioning_text(name: str) -> str:
    return f"Hej @{name}, kommer du torsdag?"


@pytest.fixture
def other(group: Group) -> User:
    """Another ordinary member, who answers and mentions the member."""
    user = make_user("karoline@example.org", OTHER_NAME)
    make_membership(user, group)
    return user


@pytest.fixture
def rich(
    group: Group,
    subgroup: SubGroup,
    member: User,
    other: User,
    admin: User,
    moderator: User,
    settings: Any,
    in_memory_channel_layer: Any,
    eager_tasks: None,
) -> dict[str, Any]:
    """`member` with data everywhere. Returns the rows a test looks at."""
    settings.NOTIFY_EMAIL_DELAY_SECONDS = 600
    now = timezone.now()
    EmailAddress.objects.create(user=member, email="mikkel.privat@example.org", verified=True)
    login_record(user=member)
    # Posts in every state, with a photo and an earlier version.
    post = post_services.post_create(
        actor=member,
        group=group,
        body=SECRET_POST,
        theme="aktiv",
        photos=[photo(image_bytes(size=(80, 60)), alt="Æblekagen på bordet")],
    )
    post_services.post_update(actor=member, post=post, body=SECRET_POST + "!", theme="aktiv")
    hidden = post_services.post_create(actor=member, group=group, body=HIDDEN_POST)
    Post.objects.filter(pk=hidden.pk).update(state=ContentState.HIDDEN)
    held = post_services.post_create(actor=member, group=group, body=HELD_POST)
    Post.objects.filter(pk=held.pk).update(state=ContentState.PENDING)
    post_services.post_create(actor=member, group=group, subgroup=subgroup, body="Strik")
    # Another's post: the member comments (answered and not), reacts, is mentioned.
    theirs = post_services.post_create(
        actor=other, group=group, body=mentioning_text(member.display_name)
    )
    replied = post_services.comment_create(actor=member, post=theirs, body=REPLIED_COMMENT)
    post_services.comment_update(actor=member, comment=replied, body=REPLIED_COMMENT + ".")
    post_services.comment_create(actor=other, post=theirs, body="Godt sagt!", parent_id=replied.pk)
    lone = post_services.comment_create(actor=member, post=theirs, body=LONE_COMMENT)
    post_services.reaction_set(actor=member, post=theirs, kind="love")
    post_services.reaction_set(actor=member, post=theirs, comment=lone, kind="like")
    post_services.reaction_set(actor=other, post=post, kind="hug")
    post_services.comment_create(actor=other, post=post, body=f"Lækkert, @{member.display_name}!")
    # Moderation: the member reports; a case about the member's post is decided.
    moderation_services.flag_create(actor=member, post=theirs, reason="other", note="Forkert dato")
    spam = post_services.post_create(actor=member, group=group, body="Køb billige ure her")
    flagged = moderation_services.flag_create(actor=other, post=spam, reason="spam")
    moderation_services.case_hide(
        actor=moderator, group=group, case_id=flagged.flag.case_id, reason="Reklame"
    )
    # The plan: a planned post with a photo.
    planned = ScheduledPost.objects.create(
        group=group, author=member, body="Planlagt: gåtur", place_name=group.name
    )
    from django.core.files.base import ContentFile  # noqa: PLC0415

    ScheduledPhoto.objects.create(
        scheduled_post=planned,
        image=ContentFile(image_bytes(), name="planlagt.jpg"),
        thumbnail=ContentFile(image_bytes(size=(10, 10)), name="planlagt-lille.jpg"),
        alt_text="Skoven",
    )
    # Notifications and their settings.
    Preference.objects.create(user=member, group=group, level="alt")
    Follow.objects.get_or_create(user=member, post=theirs)
    MailSettings.objects.get_or_create(user=member)
    SentMail.objects.create(user=member, kind="straks", message_id="<x@example.org>")
    Digest.objects.create(user=member, period=now.date(), since=now - timedelta(days=7))
    PushSubscription.objects.create(
        user=member, endpoint="https://push.example.org/abc", p256dh="k", auth="a"
    )
    consent_give(user=member, purpose=ConsentPurpose.PUSH, text_version="2026-12")
    consent_give(user=member, purpose=ConsentPurpose.DIGEST, text_version="2026-12")
    # Insights: a view, WHO-5 with an answer, Ugens tal.
    PostView.objects.create(group=group, post=theirs, user=member, day=now.date())
    InsightSettings.objects.update_or_create(group=group, defaults={"who5_enabled": True})
    who5_consent_give(actor=member, group=group)
    who5_answer_submit(actor=member, group=group, answers=[3, 4, 2, 5, 1])
    report = WeeklyReport.objects.create(user=member, group=group)
    WeeklyReportSent.objects.create(user=member, group=group, week=now.date())
    # Directory: two submissions, an edit, a role, a favourite, coordinator requests.
    published = Entry.objects.create(
        title="Strikkecafé",
        description="Vi strikker.",
        organiser_name="Strikkeforeningen",
        status=EntryStatus.PUBLISHED,
        contact_name=member.display_name,
        contact_email=member.email,
        created_by=member,
        published_at=now,
    )
    pending_entry = Entry.objects.create(
        title="Gåklub",
        description="Vi går.",
        organiser_name="Gåforeningen",
        status=EntryStatus.PENDING,
        created_by=member,
    )
    EntryChange.objects.create(
        entry=pending_entry, actor=member, action=ChangeAction.SUBMITTED, summary="Sendt"
    )
    EntryRevision.objects.create(entry=published, proposed={"title": "Strik"}, submitted_by=member)
    DirectoryRole.objects.create(user=member, role="editor")
    Favourite.objects.create(user=member, entry=published)
    by_mail = coordinator.request_create(
        name=member.display_name,
        email=member.email,
        call_time="any",
        wish="Jeg vil gerne gå ture.",
        consent=True,
    )
    logged_in = coordinator.request_create(
        name="Mikkel",
        phone="12345678",
        call_time="any",
        wish="Sang",
        consent=True,
        requester=member,
    )
    if apps.is_installed("allauth.mfa"):
        apps.get_model("mfa", "Authenticator").objects.create(
            user=member, type="recovery_codes", data={"seed": "hemmelig"}
        )
    # An old export.
    ExportRequest.objects.create(user=member, requested_at=now - timedelta(days=3), state="expired")
    return {
        "post": post,
        "hidden": hidden,
        "held": held,
        "theirs": theirs,
        "replied": replied,
        "lone": lone,
        "planned": planned,
        "published_entry": published,
        "pending_entry": pending_entry,
        "requests": [by_mail, logged_in],
        "report": report,
    }


# --- reading an export -----------------------------------------------------------------


def open_zip(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(data))


def json_file(archive: zipfile.ZipFile, name: str) -> list[dict[str, Any]]:
    return json.loads(archive.read(f"{name}.json").decode())


def reauthenticated_client(user: User) -> Client:
    """A client logged in as `user` that has just typed the password again
    (allauth's reauthentication flow, as a person does it)."""
    client = Client()
    client.force_login(user)
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


# --- scanning the database ---------------------------------------------------------------


def text_fields(model: type[models.Model]) -> list[str]:
    return [
        f.attname
        for f in model._meta.concrete_fields
        if isinstance(f, (models.CharField, models.TextField, models.JSONField))
    ]


def user_fks(model: type[models.Model]) -> list[str]:
    user_model = apps.get_model(django_settings.AUTH_USER_MODEL)
    return [
        f.attname
        for f in model._meta.concrete_fields
        if isinstance(f, models.ForeignKey) and f.related_model is user_model
    ]


def scan(user_id: int, needles: list[str]) -> list[str]:
    """Every place in the database that still names the person: a foreign
    key to their id, or their name or an address of theirs in any text."""
    found = []
    lowered = [n.lower() for n in needles if n]
    for model in apps.get_models():
        fks = user_fks(model)
        if model is apps.get_model(django_settings.AUTH_USER_MODEL):
            if model._default_manager.filter(pk=user_id).exists():
                found.append(f"{model._meta.label} #{user_id}")
            continue
        for fk in fks:
            for pk in model._default_manager.filter(**{fk: user_id}).values_list("pk", flat=True):
                found.append(f"{model._meta.label}.{fk} #{pk}")
        fields = text_fields(model)
        if not fields:
            continue
        for row in model._default_manager.values_list("pk", *fields).iterator():
            pk, *values = row
            for field, value in zip(fields, values, strict=True):
                text = (
                    json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
                )
                if text and any(n in text.lower() for n in lowered):
                    found.append(f"{model._meta.label}.{field} #{pk}: {text[:80]}")
    from django.contrib.sessions.models import Session  # noqa: PLC0415

    for session in Session.objects.all():
        if str(session.get_decoded().get("_auth_user_id")) == str(user_id):
            found.append(f"session {session.session_key[:6]}")
    return found


def stored_files(root: Any) -> set[str]:
    root = Path(root)
    return (
        {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
        if root.exists()
        else set()
    )


__all__ = [
    "Membership",
    "AuditEntry",
    "Notice",
    "Notification",
    "reauthenticated_client",
]
