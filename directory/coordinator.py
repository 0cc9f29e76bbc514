"""'Tal med en fællesskabskoordinator' (Vejle's "hånd i ryggen"): services
and selectors of the coordinators' inbox.

A request is new until a coordinator has talked to the person (contacted),
then matched to an activity (an entry, optional), followed up after four
weeks, and closed; it may be closed from any state (the person could not be
reached, or nothing fitted). The first contact is due 2 working days after
the request (directory.workdays: weekends, Danish public holidays and the
public sector's days off not counted). Only coordinators see requests.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.models import ConsentPurpose, User
from accounts.services import consent_active, consent_give, consent_withdraw
from directory import permissions as perms
from directory.models import (
    Area,
    DirectoryRole,
    DirectoryRoleKind,
    Entry,
    EntryStatus,
    RequestNote,
    RequestState,
)
from directory.models import CoordinatorRequest as Request
from directory.review import Recipient
from directory.workdays import add_working_days
from sammen.mail import mail_after_commit

FIRST_CONTACT_WORKING_DAYS = 2
FOLLOW_UP_DAYS = 28
# The consent text the form shows; a new wording gets a new version.
CONSENT_VERSION = "2026-12-v1"
CONSENT_PURPOSE = _lazy(
    "En fællesskabskoordinator må kontakte mig på telefon eller e-mail for at tale om "
    "fællesskaber og aktiviteter, der kan passe til mig. Oplysningerne bruges kun til det "
    "og slettes, når samtalen er afsluttet."
)

# Where a request may go from each state.
NEXT_STATES: dict[str, tuple[str, ...]] = {
    RequestState.NEW: (RequestState.CONTACTED, RequestState.CLOSED),
    RequestState.CONTACTED: (RequestState.MATCHED, RequestState.CLOSED),
    RequestState.MATCHED: (RequestState.FOLLOWED_UP, RequestState.CLOSED),
    RequestState.FOLLOWED_UP: (RequestState.CLOSED,),
    RequestState.CLOSED: (),
}
_STAMPS: dict[str, str] = {
    RequestState.CONTACTED: "contacted_at",
    RequestState.MATCHED: "matched_at",
    RequestState.FOLLOWED_UP: "followed_up_at",
    RequestState.CLOSED: "closed_at",
}


def due_on(created_at: dt.datetime) -> dt.date:
    """The local date by which the person is called."""
    local = timezone.localtime(created_at).date()
    return add_working_days(local, FIRST_CONTACT_WORKING_DAYS)


def request_create(
    *,
    name: str,
    phone: str = "",
    email: str = "",
    call_time: str,
    wish: str,
    area: Area | None = None,
    on_behalf_of: str = "",
    on_behalf_consent: bool = False,
    consent: bool,
    requester: Any = None,
) -> Request:
    """A citizen asks to be contacted (no account needed). Refused without a
    way to reach them, without their consent to be contacted, or on someone's
    behalf without that person's consent: nothing is stored then."""
    if not consent:
        raise ValidationError(_("Sæt kryds, hvis vi må kontakte dig."), code="consent")
    if not phone and not email:
        raise ValidationError(
            _("Skriv dit telefonnummer eller din e-mail, så vi kan kontakte dig."),
            code="unreachable",
        )
    if on_behalf_of and not on_behalf_consent:
        raise ValidationError(
            _("Sæt kryds for, at personen har sagt ja til, at vi kontakter jer."),
            code="behalf",
        )
    now = timezone.now()
    with transaction.atomic():
        request = Request.objects.create(
            name=name,
            phone=phone,
            email=email,
            call_time=call_time,
            wish=wish,
            area=area,
            on_behalf_of=on_behalf_of,
            on_behalf_consent=bool(on_behalf_of) and on_behalf_consent,
            consent_purpose=str(CONSENT_PURPOSE)[:200],
            consent_version=CONSENT_VERSION,
            consent_given_at=now,
            created_at=now,
            due_on=due_on(now),
        )
        if getattr(requester, "is_authenticated", False):
            # Logged in: the consent goes into the person's ledger too, which
            # links the request to them (export, "Træk tilbage", erasure).
            consent_give(
                user=requester,
                purpose=ConsentPurpose.COORDINATOR,
                scope=ledger_scope(request),
                text_version=CONSENT_VERSION,
            )
        if email:
            mail_after_commit(
                Recipient(email, name),
                _lazy("Vi har modtaget dit ønske om en samtale"),
                {},
                "directory/email/coordinator_receipt.txt",
                {"request": request},
            )
    return request


def ledger_scope(request: Request) -> str:
    """The consent ledger's scope of one request (accounts.Consent)."""
    return f"request:{request.pk}"


def request_withdraw(*, actor: Any, request_id: int) -> bool:
    """The person who asked (logged in when they asked) withdraws the consent
    to be contacted: the request and its notes are deleted at once, and the
    ledger says when. Another person's request id deletes nothing."""
    scope = f"request:{int(request_id)}"
    with transaction.atomic():
        if not consent_active(actor, ConsentPurpose.COORDINATOR, scope):
            return False
        Request.objects.filter(pk=request_id).delete()
        consent_withdraw(user=actor, purpose=ConsentPurpose.COORDINATOR, scope=scope)
    return True


def _lock(request: Request) -> Request:
    return Request.objects.select_for_update().get(pk=request.pk)


def _note(request: Request, actor: Any, text: str) -> RequestNote:
    return RequestNote.objects.create(request=request, author=actor, text=text)


def request_move(
    *, actor: Any, request: Request, state: str, entry: Entry | None = None, note: str = ""
) -> Request:
    """Move a request on (new → contacted → matched → followed up → closed).
    A second coordinator doing the same at once is told it has moved already."""
    perms.require_coordinator_inbox(actor)
    with transaction.atomic():
        locked = _lock(request)
        if state not in NEXT_STATES.get(locked.state, ()):
            raise ValidationError(
                _("Henvendelsen er allerede «%(state)s». Se siden igen.")
                % {"state": locked.get_state_display()},
                code="state",
            )
        if entry is not None and entry.status != EntryStatus.PUBLISHED:
            raise ValidationError(_("Vælg et fællesskab fra oversigten."), code="entry")
        now = timezone.now()
        locked.state = state
        setattr(locked, _STAMPS[state], now)
        fields = ["state", _STAMPS[state]]
        if state == RequestState.MATCHED:
            locked.matched_entry = entry
            fields.append("matched_entry")
        if locked.assigned_to_id is None:
            locked.assigned_to = actor
            fields.append("assigned_to")
        locked.save(update_fields=fields)
        line = _("Status: %(state)s") % {"state": locked.get_state_display()}
        if entry is not None:
            line += f" – {entry.title}"
        _note(locked, actor, f"{line}\n{note}".strip() if note else line)
    return locked


def request_assign(*, actor: Any, request: Request, coordinator_id: int | None) -> Request:
    """Give the request to a coordinator (or to nobody)."""
    perms.require_coordinator_inbox(actor)
    coordinator = None
    if coordinator_id is not None:
        coordinator = User.objects.filter(
            pk=coordinator_id,
            is_active=True,
            directory_roles__role=DirectoryRoleKind.COORDINATOR,
        ).first()
        if coordinator is None:
            raise ValidationError(_("Vælg en af koordinatorerne."), code="coordinator")
    with transaction.atomic():
        locked = _lock(request)
        locked.assigned_to = coordinator
        locked.save(update_fields=["assigned_to"])
        _note(
            locked,
            actor,
            _("Givet til %(name)s") % {"name": coordinator.display_name}
            if coordinator
            else _("Ikke givet til nogen"),
        )
    return locked


def request_note_add(*, actor: Any, request: Request, text: str) -> RequestNote:
    perms.require_coordinator_inbox(actor)
    text = text.strip()
    if not text:
        raise ValidationError(_("Skriv noten, før du gemmer den."), code="empty")
    if len(text) > 4000:
        raise ValidationError(_("En note må højst være 4000 tegn."), code="long")
    with transaction.atomic():
        return _note(_lock(request), actor, text)


# --- Reading ---------------------------------------------------------------------


@dataclass
class InboxRow:
    request: Request
    overdue: bool
    due_today: bool
    follow_up_due: dt.date | None
    follow_up_overdue: bool


def _row(request: Request, today: dt.date) -> InboxRow:
    follow_up = None
    if request.state == RequestState.MATCHED and request.matched_at is not None:
        follow_up = timezone.localtime(request.matched_at).date() + timedelta(days=FOLLOW_UP_DAYS)
    return InboxRow(
        request=request,
        overdue=request.state == RequestState.NEW and today > request.due_on,
        due_today=request.state == RequestState.NEW and today == request.due_on,
        follow_up_due=follow_up,
        follow_up_overdue=follow_up is not None and today > follow_up,
    )


def inbox(*, state: str = "", mine: Any = None) -> list[InboxRow]:
    """Open requests first (overdue at the top, then by due date), then the
    last 50 closed. One query."""
    today = timezone.localdate()
    rows = Request.objects.select_related("assigned_to", "matched_entry", "area")
    if state in RequestState.values:
        rows = rows.filter(state=state)
    if mine is not None:
        rows = rows.filter(assigned_to=mine)
    open_rows = [
        _row(r, today) for r in rows.exclude(state=RequestState.CLOSED).order_by("due_on", "pk")
    ]
    open_rows.sort(key=lambda r: (not (r.overdue or r.follow_up_overdue), r.request.due_on))
    closed = [
        _row(r, today)
        for r in rows.filter(state=RequestState.CLOSED).order_by("-closed_at", "-pk")[:50]
    ]
    return open_rows + closed


def request_detail(request_id: int) -> tuple[Request, InboxRow]:
    request = (
        Request.objects.select_related("assigned_to", "matched_entry", "area")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise Request.DoesNotExist
    return request, _row(request, timezone.localdate())


def notes(request: Request) -> QuerySet[RequestNote]:
    return request.notes.select_related("author")


def coordinators() -> QuerySet[User]:
    return User.objects.filter(
        is_active=True, directory_roles__role=DirectoryRoleKind.COORDINATOR
    ).order_by("display_name")


def open_count() -> int:
    return Request.objects.exclude(state=RequestState.CLOSED).count()


@dataclass
class MonthCounts:
    month: dt.date
    requests: int = 0
    contacted: int = 0
    contacted_in_time: int = 0
    matched: int = 0
    closed_unmatched: int = 0


def month_counts(*, months: int = 12, today: dt.date | None = None) -> list[MonthCounts]:
    """Per month of the request (Copenhagen time), newest first: requests,
    those contacted, contacted by their due date, matched to an activity, and
    closed without a match. Counts only: no names."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    for _i in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    start = timezone.make_aware(dt.datetime.combine(first, dt.time(0, 0)))
    table: OrderedDict[dt.date, MonthCounts] = OrderedDict()
    month = today.replace(day=1)
    while month >= first:
        table[month] = MonthCounts(month)
        month = (month - timedelta(days=1)).replace(day=1)
    for created, due, contacted, matched_at, closed in Request.objects.filter(
        created_at__gte=start
    ).values_list("created_at", "due_on", "contacted_at", "matched_at", "closed_at"):
        key = timezone.localtime(created).date().replace(day=1)
        row = table.get(key)
        if row is None:
            continue
        row.requests += 1
        if contacted is not None:
            row.contacted += 1
            if timezone.localtime(contacted).date() <= due:
                row.contacted_in_time += 1
        if matched_at is not None:
            row.matched += 1
        elif closed is not None:
            row.closed_unmatched += 1
    return list(table.values())


def coordinator_ids() -> list[int]:
    return list(
        DirectoryRole.objects.filter(role=DirectoryRoleKind.COORDINATOR).values_list(
            "user_id", flat=True
        )
    )
