"""Associations submit, editors review (issue 15): the services and selectors.

A new submission is an Entry in "Afventer godkendelse" (pending). An edit of a
published entry by its organiser never touches the published row: it is kept
as an EntryRevision (the proposed fields as JSON) until an editor approves it,
so a citizen never sees unreviewed text. Editors approve, decline with a
reason, or ask for changes; the submitter is told by e-mail and in Sammen
(the `entry_decided` signal, received by notifications). Every step is a line
in the entry's EntryChange log.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.models import ConsentPurpose
from accounts.services import consent_active, consent_give, consent_withdraw
from directory import permissions as perms
from directory.models import (
    ACCESSIBILITY_FIELDS,
    ActivityType,
    Area,
    ChangeAction,
    DirectoryRole,
    DirectoryRoleKind,
    Entry,
    EntryChange,
    EntryRevision,
    EntryStatus,
    RevisionState,
    TargetGroup,
)
from directory.services import entry_create, entry_log, entry_update
from directory.signals import entry_decided
from sammen.mail import absolute_url, mail_after_commit


class Decision:
    APPROVE = "approved"
    DECLINE = "declined"
    CHANGES = "changes_requested"
    ALL = (APPROVE, DECLINE, CHANGES)


@dataclass
class Recipient:
    """Someone an e-mail goes to who may have no account (an entry's contact)."""

    email: str
    display_name: str = ""


# --- From the form's plain values to the entry -------------------------------


def _fields(proposed: dict[str, Any]) -> dict[str, Any]:
    """entry_create/entry_update's keyword arguments from `proposed`."""
    values = dict(proposed)
    out: dict[str, Any] = {}
    for name in ("starts_on", "ends_on"):
        raw = values.pop(name, None)
        out[name] = dt.date.fromisoformat(raw) if raw else None
    for name in ("start_time", "end_time"):
        raw = values.pop(name, None)
        out[name] = dt.time.fromisoformat(raw) if raw else None
    themes = values.pop("themes", [])
    types = list(ActivityType.objects.filter(pk__in=values.pop("activity_types", [])))
    targets = list(TargetGroup.objects.filter(pk__in=values.pop("target_groups", [])))
    area_id = values.pop("area", None)
    out["area"] = Area.objects.filter(pk=area_id).first() if area_id else None
    dates = [
        (dt.date.fromisoformat(d), out["start_time"], out["end_time"])
        for d in values.pop("dates", [])
    ]
    out.update(values)
    out.update(themes=themes, activity_types=types, target_groups=targets, dates=dates)
    return out


def _submitter_of(entry: Entry, revision: EntryRevision | None) -> Any:
    if revision is not None and revision.submitted_by is not None:
        return revision.submitted_by
    return entry.created_by


# --- Submitting and editing --------------------------------------------------


def entry_submit(*, actor: Any, proposed: dict[str, Any], photo: Any = None) -> Entry:
    """A verified person submits their association's entry: it waits as
    "Afventer godkendelse" and only its submitter and the editors see it."""
    perms.require_submit_entry(actor)
    with transaction.atomic():
        entry = entry_create(
            actor=actor, status=EntryStatus.PENDING, photo=photo, **_fields(proposed)
        )
        entry_log(actor=actor, entry=entry, action=ChangeAction.SUBMITTED)
        # Submitting asks for the entry, with the contact it names, to be listed
        # publicly: the consent ledger records it (accounts.Consent), and
        # withdrawing it hides the entry (entry_listing_withdraw).
        consent_give(
            user=actor,
            purpose=ConsentPurpose.DIRECTORY_LISTING,
            scope=listing_scope(entry.pk),
            text_version=LISTING_TEXT_VERSION,
        )
    return entry


# The version of the submit form's words on what is shown publicly.
LISTING_TEXT_VERSION = "2026-12"


def listing_scope(entry_id: int) -> str:
    return f"entry:{int(entry_id)}"


def entry_listing_withdraw(*, actor: Any, entry_id: int) -> bool:
    """The submitter withdraws the consent to list their entry: it is hidden
    at once (editors see it, citizens do not) and the ledger says when.
    Another person's entry id changes nothing."""
    scope = listing_scope(entry_id)
    with transaction.atomic():
        if not consent_active(actor, ConsentPurpose.DIRECTORY_LISTING, scope):
            return False
        entry = Entry.objects.select_for_update().filter(pk=entry_id, created_by=actor).first()
        if entry is not None and entry.status != EntryStatus.HIDDEN:
            entry_update(
                actor=actor,
                entry=entry,
                status=EntryStatus.HIDDEN,
                status_reason=_("Indsenderen har trukket sit samtykke tilbage."),
                action=ChangeAction.HIDDEN,
            )
        consent_withdraw(user=actor, purpose=ConsentPurpose.DIRECTORY_LISTING, scope=scope)
    return True


def entry_edit(
    *, actor: Any, entry: Entry, proposed: dict[str, Any], photo: Any = None
) -> EntryRevision | None:
    """The organiser (or an editor) changes an entry.

    An editor's change is stored at once. The organiser's change of an entry
    nobody sees yet (waiting, asked to change, a draft, hidden) is stored and
    the entry waits for review again; of a published entry it becomes a
    pending revision (returned) and the published text stays until approved."""
    perms.require_own_entry(actor, entry)
    fields = _fields(proposed)
    with transaction.atomic():
        locked = Entry.objects.select_for_update().get(pk=entry.pk)
        if perms.is_directory_editor(actor):
            entry_update(actor=actor, entry=locked, photo=photo, **fields)
            return None
        if locked.status != EntryStatus.PUBLISHED:
            entry_update(
                actor=actor,
                entry=locked,
                photo=photo,
                status=EntryStatus.PENDING,
                status_reason="",
                action=ChangeAction.SUBMITTED,
                **fields,
            )
            return None
        revision = (
            EntryRevision.objects.select_for_update()
            .filter(
                entry=locked, state__in=[RevisionState.PENDING, RevisionState.CHANGES_REQUESTED]
            )
            .first()
        )
        now = timezone.now()
        if revision is None:
            revision = EntryRevision(entry=locked)
        revision.proposed = proposed
        revision.state = RevisionState.PENDING
        revision.submitted_by = actor
        revision.submitted_at = now
        revision.reason = ""
        if photo is not None:
            revision.photo.save(
                getattr(photo, "name", "") or "photo.jpg", ContentFile(photo.read()), save=False
            )
        revision.save()
        changed = sorted(k for k, v in proposed.items() if _current(locked, k) != v)
        entry_log(
            actor=actor,
            entry=locked,
            action=ChangeAction.SUBMITTED,
            summary=_("Ændring sendt til godkendelse"),
            diff={"proposed": changed},
        )
    return revision


def _current(entry: Entry, name: str) -> Any:
    """An entry's value in the form's plain terms (to see what an edit changes)."""
    if name == "themes":
        return entry.themes
    if name in ("activity_types", "target_groups"):
        return sorted(getattr(entry, name).values_list("pk", flat=True))
    if name == "area":
        return entry.area_id
    if name == "dates":
        return [d.date.isoformat() for d in entry.dates.all()]
    value = getattr(entry, name, None)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return value


def open_revision(entry: Entry) -> EntryRevision | None:
    return (
        EntryRevision.objects.filter(
            entry=entry, state__in=[RevisionState.PENDING, RevisionState.CHANGES_REQUESTED]
        )
        .select_related("submitted_by")
        .first()
    )


# --- Deciding ------------------------------------------------------------------

_SUBJECTS = {
    Decision.APPROVE: _lazy("«%(title)s» er godkendt"),
    Decision.DECLINE: _lazy("«%(title)s» blev ikke godkendt"),
    Decision.CHANGES: _lazy("«%(title)s»: vi beder jer rette lidt"),
}
_ACTIONS = {
    Decision.APPROVE: ChangeAction.APPROVED,
    Decision.DECLINE: ChangeAction.DECLINED,
    Decision.CHANGES: ChangeAction.CHANGES_REQUESTED,
}


def entry_decide(*, actor: Any, entry: Entry, decision: str, reason: str = "") -> Entry:
    """An editor approves, declines (with a reason) or asks for changes (with
    what to change) on a waiting entry or on the waiting edit of a published
    one. Two editors at once: the second is told it was handled already."""
    perms.require_review(actor)
    if decision not in Decision.ALL:
        raise ValidationError(_("Vælg godkend, afvis eller bed om rettelser."))
    reason = reason.strip()
    if decision != Decision.APPROVE and not reason:
        raise ValidationError(
            _("Skriv en begrundelse, så arrangøren ved, hvad der skal til."), code="reason"
        )
    if len(reason) > 2000:
        raise ValidationError(_("Begrundelsen må højst være 2000 tegn."), code="reason")
    now = timezone.now()
    with transaction.atomic():
        locked = (
            Entry.objects.select_for_update(of=("self",))
            .select_related("created_by")
            .get(pk=entry.pk)
        )
        revision = (
            EntryRevision.objects.select_for_update(of=("self",))
            .filter(entry=locked, state=RevisionState.PENDING)
            .select_related("submitted_by")
            .first()
            if locked.status == EntryStatus.PUBLISHED
            else None
        )
        if revision is None and locked.status != EntryStatus.PENDING:
            raise ValidationError(_("En anden redaktør har allerede behandlet den."), code="done")
        if revision is not None:
            _decide_revision(actor, locked, revision, decision, reason, now)
        else:
            status = {
                Decision.APPROVE: EntryStatus.PUBLISHED,
                Decision.DECLINE: EntryStatus.DECLINED,
                Decision.CHANGES: EntryStatus.CHANGES_REQUESTED,
            }[decision]
            locked = entry_update(
                actor=actor,
                entry=locked,
                status=status,
                status_reason=reason,
                action=_ACTIONS[decision],
                summary=reason,
            )
            if decision == Decision.APPROVE:
                # Approval is a confirmation: its freshness period starts now.
                Entry.objects.filter(pk=locked.pk).update(
                    published_at=locked.published_at or now,
                    last_confirmed_at=now,
                    confirm_asked_at=None,
                    stale_hidden_at=None,
                )
        submitter = _submitter_of(locked, revision)
        if submitter is not None:
            entry_decided.send(
                sender=Entry,
                entry=locked,
                actor=actor,
                decision=decision,
                reason=reason,
                recipient_id=submitter.pk,
            )
            mail_after_commit(
                submitter,
                _SUBJECTS[decision],
                {"title": locked.title},
                "directory/email/decided.txt",
                {
                    "entry": locked,
                    "decision": decision,
                    "reason": reason,
                    "is_edit": revision is not None,
                    "url": absolute_url(reverse("directory-my-submissions")),
                },
            )
    return locked


def _decide_revision(
    actor: Any,
    entry: Entry,
    revision: EntryRevision,
    decision: str,
    reason: str,
    now: dt.datetime,
) -> None:
    revision.decided_by = actor
    revision.decided_at = now
    revision.reason = reason
    revision.state = {
        Decision.APPROVE: RevisionState.APPROVED,
        Decision.DECLINE: RevisionState.DECLINED,
        Decision.CHANGES: RevisionState.CHANGES_REQUESTED,
    }[decision]
    revision.save(update_fields=["decided_by", "decided_at", "reason", "state"])
    if decision == Decision.APPROVE:
        photo = revision.photo if revision.photo else None
        entry_update(
            actor=actor,
            entry=entry,
            photo=photo,
            action=ChangeAction.APPROVED,
            summary=_("Ændringen er godkendt"),
            **_fields(revision.proposed),
        )
        Entry.objects.filter(pk=entry.pk).update(
            last_confirmed_at=now, confirm_asked_at=None, stale_hidden_at=None
        )
    else:
        entry_log(actor=actor, entry=entry, action=_ACTIONS[decision], summary=reason)


# --- Reading -------------------------------------------------------------------


@dataclass
class QueueItem:
    entry: Entry
    revision: EntryRevision | None
    waiting_since: dt.datetime

    @property
    def is_edit(self) -> bool:
        return self.revision is not None


def review_queue() -> list[QueueItem]:
    """What waits for an editor, oldest first: new submissions and edits of
    published entries. Two queries whatever the length."""
    pending = list(
        Entry.objects.filter(status=EntryStatus.PENDING)
        .select_related("created_by", "area")
        .order_by("updated_at", "pk")
    )
    revisions = list(
        EntryRevision.objects.filter(
            state=RevisionState.PENDING, entry__status=EntryStatus.PUBLISHED
        )
        .select_related("entry", "entry__area", "submitted_by")
        .order_by("submitted_at", "pk")
    )
    items = [QueueItem(e, None, e.updated_at) for e in pending]
    items += [QueueItem(r.entry, r, r.submitted_at) for r in revisions]
    items.sort(key=lambda item: item.waiting_since)
    return items


def my_submissions(user: Any) -> QuerySet[Entry]:
    """The person's own entries, newest first, with their open edit (if any)."""
    open_revisions = EntryRevision.objects.filter(
        state__in=[RevisionState.PENDING, RevisionState.CHANGES_REQUESTED]
    )
    return (
        Entry.objects.filter(created_by=user)
        .prefetch_related(Prefetch("revisions", queryset=open_revisions, to_attr="open_revisions"))
        .order_by("-updated_at", "-pk")
    )


def median_days_to_approval(*, now: dt.datetime | None = None, days: int = 90) -> float | None:
    """The median time from (the last) submission to approval, in days, over
    the approvals of the last `days` days; None when there were none."""
    now = now or timezone.now()
    approvals = list(
        EntryChange.objects.filter(action=ChangeAction.APPROVED, at__gte=now - timedelta(days=days))
        .values_list("entry_id", "at")
        .order_by("at")
    )
    if not approvals:
        return None
    submitted: dict[int, list[dt.datetime]] = {}
    for entry_id, at in (
        EntryChange.objects.filter(
            action=ChangeAction.SUBMITTED, entry_id__in={e for e, _a in approvals}
        )
        .values_list("entry_id", "at")
        .order_by("at")
    ):
        submitted.setdefault(entry_id, []).append(at)
    waits = []
    for entry_id, at in approvals:
        before = [s for s in submitted.get(entry_id, []) if s <= at]
        if before:
            waits.append((at - before[-1]).total_seconds() / 86400)
    return statistics.median(waits) if waits else None


def editor_ids() -> list[int]:
    return list(
        DirectoryRole.objects.filter(
            role=DirectoryRoleKind.EDITOR, user__is_active=True
        ).values_list("user_id", flat=True)
    )


# --- The checklist shown beside an entry under review --------------------------


@dataclass
class Check:
    label: str
    ok: bool
    note: str = ""


@dataclass
class Checklist:
    checks: list[Check] = field(default_factory=list)

    @property
    def missing(self) -> int:
        return sum(1 for c in self.checks if not c.ok)


def _sentences(text: str) -> list[str]:
    parts = [p.strip() for p in text.replace("!", ".").replace("?", ".").split(".")]
    return [p for p in parts if p]


def checklist(values: dict[str, Any], *, has_photo: bool) -> Checklist:
    """What an editor checks, judged from the values where a machine can:
    plain language (long sentences are pointed out), a way to reach the
    contact, an address, accessibility stated, alt text on the photo, when."""
    words = str(values.get("description", "")).split()
    sentences = _sentences(str(values.get("description", ""))) or [""]
    longest = max(len(s.split()) for s in sentences)
    phone, email = values.get("contact_phone"), values.get("contact_email")
    accessible = [name for name in ACCESSIBILITY_FIELDS if values.get(name)]
    when = values.get("rrule") or values.get("dates") or values.get("schedule_note")
    checks = [
        Check(
            _("Skrevet i et enkelt sprog"),
            longest <= 20 and len(words) <= 200,
            _("Længste sætning: %(n)s ord. Læs den højt: er den let at forstå?") % {"n": longest},
        ),
        Check(
            _("Kontaktpersonen kan nås"),
            bool(values.get("contact_name")) and bool(phone or email),
            _("Ring eller skriv til kontaktpersonen, hvis du er i tvivl."),
        ),
        Check(_("Adresse på mødestedet"), bool(values.get("address"))),
        Check(
            _("Tilgængelighed er oplyst"),
            bool(accessible),
            _("Intet er krydset af: spørg arrangøren om trin, toilet og teleslynge."),
        ),
        Check(
            _("Billedet har en billedtekst"),
            not has_photo or bool(values.get("photo_alt")),
            "" if has_photo else _("Der er intet billede."),
        ),
        Check(_("Det står, hvornår man mødes"), bool(when)),
        Check(
            _("Målgruppe og lokalområde er valgt"),
            bool(values.get("target_groups")) and bool(values.get("area")),
        ),
        Check(
            _("Prisen er oplyst"),
            bool(values.get("is_free"))
            or values.get("price_ore") is not None
            or bool(values.get("price_note")),
        ),
    ]
    return Checklist(checks)


def entry_values(entry: Entry) -> dict[str, Any]:
    """An entry in the checklist's (and the form's) plain terms."""
    values = {name: _current(entry, name) for name in _VALUE_FIELDS}
    values["dates"] = _current(entry, "dates")
    values["target_groups"] = _current(entry, "target_groups")
    values["area"] = entry.area_id
    return values


_VALUE_FIELDS = (
    "description",
    "contact_name",
    "contact_phone",
    "contact_email",
    "address",
    "photo_alt",
    "rrule",
    "schedule_note",
    "is_free",
    "price_ore",
    "price_note",
    *ACCESSIBILITY_FIELDS,
)


def waiting_counts() -> dict[str, int]:
    """For the editors' overview: what waits for them."""
    return {
        "submissions": Entry.objects.filter(status=EntryStatus.PENDING).count(),
        "edits": EntryRevision.objects.filter(
            state=RevisionState.PENDING, entry__status=EntryStatus.PUBLISHED
        ).count(),
    }


def stale_entries(*, now: dt.datetime, months: int) -> dict[str, list[Entry]]:
    """Published entries past their confirmation (asked or not yet asked),
    and those hidden for not answering."""
    cutoff = now - timedelta(days=round(months * 30.44))
    overdue = Entry.objects.filter(status=EntryStatus.PUBLISHED).filter(
        Q(last_confirmed_at__isnull=True) | Q(last_confirmed_at__lte=cutoff)
    )
    return {
        "overdue": list(overdue.order_by("last_confirmed_at", "pk")[:200]),
        "hidden": list(
            Entry.objects.filter(status=EntryStatus.HIDDEN, stale_hidden_at__isnull=False).order_by(
                "-stale_hidden_at"
            )[:200]
        ),
    }
