"""Keeping the directory fresh (issue 15).

Every published entry is re-confirmed every DIRECTORY_CONFIRM_MONTHS months.
A periodic task (`directory.freshness_due`, Celery beat; in the embedded
default the in-process beat) mails the entry's contact a signed one-click
"Ja, det er stadig rigtigt" link and a link to edit; an entry not confirmed
DIRECTORY_CONFIRM_GRACE_DAYS after that mail is hidden and the editors are
told.

Exactly once per period: the row's `confirm_asked_at` (or its status, for
hiding) is written in the transaction that decides, with the rows locked
(SKIP LOCKED: two beats share the work, never the same row), and the mail
leaves only after that commits.

The link signs the entry's id and its `last_confirmed_at`: once the entry is
confirmed the value moves on and the same link is spent. Opening it (GET)
only shows a button: a mail scanner that fetches links confirms nothing.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from accounts.models import User
from directory.models import ChangeAction, Entry, EntryStatus
from directory.review import Recipient, editor_ids
from directory.services import entry_log, entry_reindex
from directory.signals import entry_hidden_stale
from sammen.mail import absolute_url, mail_after_commit

_SALT = "sammen.directory.confirm"
BATCH = 200


def confirm_months() -> int:
    return int(getattr(settings, "DIRECTORY_CONFIRM_MONTHS", 6))


def grace_days() -> int:
    return int(getattr(settings, "DIRECTORY_CONFIRM_GRACE_DAYS", 30))


def link_days() -> int:
    """How long a confirmation link works: the grace period and a margin."""
    return grace_days() + 30


def due_before(now: dt.datetime) -> dt.datetime:
    """Entries last confirmed before this are due for confirmation."""
    return now - timedelta(days=round(confirm_months() * 30.44))


def _stamp(value: dt.datetime | None) -> str:
    return "0" if value is None else str(int(value.timestamp() * 1_000_000))


def confirm_token(entry: Entry) -> str:
    return signing.TimestampSigner(salt=_SALT).sign(f"{entry.pk}.{_stamp(entry.last_confirmed_at)}")


class BadLink(Exception):
    """Forged, expired or already used: nothing is changed."""


def token_entry(token: str) -> Entry:
    """The entry a link is for, if it is genuine, not expired and not spent."""
    try:
        value = signing.TimestampSigner(salt=_SALT).unsign(token, max_age=link_days() * 86400)
    except signing.BadSignature:  # SignatureExpired too
        raise BadLink from None
    entry_part, _dot, stamp = value.partition(".")
    if not entry_part.isdigit():
        raise BadLink
    entry = Entry.objects.filter(pk=int(entry_part)).first()
    if entry is None or _stamp(entry.last_confirmed_at) != stamp:
        raise BadLink
    if entry.status not in (EntryStatus.PUBLISHED, EntryStatus.HIDDEN):
        raise BadLink
    if entry.status == EntryStatus.HIDDEN and entry.stale_hidden_at is None:
        raise BadLink  # hidden by an editor: not the contact's to bring back
    return entry


def entry_confirm(*, token: str) -> Entry:
    """The contact says the entry is still right (POST from the link's page).
    An entry hidden for not answering comes back."""
    with transaction.atomic():
        entry = token_entry(token)
        locked = Entry.objects.select_for_update().get(pk=entry.pk)
        if _stamp(locked.last_confirmed_at) != _stamp(entry.last_confirmed_at):
            raise BadLink  # confirmed a moment ago by another click
        now = timezone.now()
        came_back = locked.status == EntryStatus.HIDDEN
        Entry.objects.filter(pk=locked.pk).update(
            last_confirmed_at=now,
            confirm_asked_at=None,
            stale_hidden_at=None,
            status=EntryStatus.PUBLISHED,
        )
        locked.refresh_from_db()
        if came_back:
            entry_reindex(entry=locked)
        entry_log(
            actor=None,
            entry=locked,
            action=ChangeAction.CONFIRMED,
            summary=str(_lazy("Bekræftet af kontaktpersonen via linket i e-mailen")),
        )
    return locked


def _contact(entry: Entry) -> Recipient | None:
    if entry.contact_email:
        return Recipient(entry.contact_email, entry.contact_name)
    if entry.created_by is not None and entry.created_by.email:
        return Recipient(entry.created_by.email, entry.created_by.display_name)
    return None


def ask_due(*, now: dt.datetime | None = None, batch: int = BATCH) -> int:
    """Mail the contacts of entries due for confirmation, once per period."""
    now = now or timezone.now()
    sent = 0
    with transaction.atomic():
        rows = list(
            Entry.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("created_by")
            .filter(status=EntryStatus.PUBLISHED, last_confirmed_at__lte=due_before(now))
            .filter(
                Q(confirm_asked_at__isnull=True) | Q(confirm_asked_at__lt=F("last_confirmed_at"))
            )
            .order_by("last_confirmed_at", "pk")[:batch]
        )
        for entry in rows:
            Entry.objects.filter(pk=entry.pk).update(confirm_asked_at=now)
            recipient = _contact(entry)
            if recipient is None:
                continue  # nobody to ask: it is hidden after the grace period
            token = confirm_token(entry)
            mail_after_commit(
                recipient,
                _lazy("Er «%(title)s» stadig rigtig?"),
                {"title": entry.title},
                "directory/email/confirm.txt",
                {
                    "entry": entry,
                    "confirm_url": absolute_url(reverse("directory-confirm", args=[token])),
                    "edit_url": absolute_url(reverse("directory-entry-edit", args=[entry.pk])),
                    "days": grace_days(),
                },
            )
            sent += 1
    return sent


def hide_unanswered(*, now: dt.datetime | None = None, batch: int = BATCH) -> int:
    """Hide entries whose contact has not confirmed within the grace period,
    and tell the editors (once: the status change is the record)."""
    now = now or timezone.now()
    hidden: list[Entry] = []
    with transaction.atomic():
        rows = list(
            Entry.objects.select_for_update(skip_locked=True)
            .filter(
                status=EntryStatus.PUBLISHED,
                confirm_asked_at__isnull=False,
                confirm_asked_at__lte=now - timedelta(days=grace_days()),
                last_confirmed_at__lt=F("confirm_asked_at"),
            )
            .order_by("confirm_asked_at", "pk")[:batch]
        )
        for entry in rows:
            Entry.objects.filter(pk=entry.pk).update(status=EntryStatus.HIDDEN, stale_hidden_at=now)
            entry.status, entry.stale_hidden_at = EntryStatus.HIDDEN, now
            entry_log(
                actor=None,
                entry=entry,
                action=ChangeAction.HIDDEN,
                summary=str(
                    _lazy("Skjult: ikke bekræftet %(days)s dage efter påmindelsen")
                    % {"days": grace_days()}
                ),
            )
            hidden.append(entry)
        if hidden:
            editors = editor_ids()
            for entry in hidden:
                entry_hidden_stale.send(sender=Entry, entry=entry, editor_ids=editors)
            for editor in User.objects.filter(pk__in=editors, is_active=True):
                mail_after_commit(
                    editor,
                    _lazy("%(count)s fællesskaber er skjult, fordi de ikke er bekræftet"),
                    {"count": len(hidden)},
                    "directory/email/stale_hidden.txt",
                    {
                        "entries": hidden,
                        "days": grace_days(),
                        "url": absolute_url(reverse("directory-editor-overview")),
                    },
                )
    return len(hidden)


def freshness_due(**kwargs: Any) -> dict[str, int]:
    """The periodic task's work: ask, then hide."""
    return {"asked": ask_due(**kwargs), "hidden": hide_unanswered(**kwargs)}
