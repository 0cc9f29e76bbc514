"""Every write of the privacy app: exports, deletions, withdrawals.

Tasks are enqueued by name after commit (privacy.tasks imports this module);
without a broker (the embedded default) Celery runs them in the calling
process, after the commit as always.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from groups.selectors import last_admin_groups
from privacy import erasure, selectors
from privacy.export import StreamReader, archive
from privacy.models import (
    DeletionMode,
    DeletionReason,
    DeletionRequest,
    DeletionState,
    ExportRequest,
    ExportState,
)
from privacy.storage import FOLDER, export_storage
from sammen.dates import format_for
from sammen.enqueue import send_after_commit
from sammen.events import publish, user_channel_name
from sammen.mail import absolute_url, mail_after_commit

logger = logging.getLogger(__name__)


class ExportGone(Exception):
    """The export exists and is the person's, but can no longer be fetched."""


def _enqueue(task: str, *args: Any) -> None:
    # A broker that is down does not fail the request: deletions_due hands
    # the row out again (sammen.enqueue).
    send_after_commit(task, args=args)


def _date(moment: Any) -> str:
    return formats.date_format(timezone.localtime(moment), format_for("date"))


# --- Export ("Hent mine data") -------------------------------------------------------


def export_request(*, actor: User, operator_reason: str = "") -> ExportRequest:
    """Ask for a copy of everything Sammen holds about the person. One a day;
    none while their account is being deleted. Built by the
    `privacy.export_build` task after commit."""
    if selectors.open_deletion(actor) is not None:
        raise ValidationError(
            _("Din konto er ved at blive slettet, så du kan ikke bestille en kopi af dine data."),
            code="deleting",
        )
    with transaction.atomic():
        # One request at a time per person: a double click makes one export.
        User.objects.select_for_update().filter(pk=actor.pk).first()
        if not operator_reason and selectors.export_today(actor) is not None:
            raise ValidationError(
                _(
                    "Du har allerede bestilt en kopi af dine data i dag. "
                    "Du kan bestille en ny i morgen."
                ),
                code="today",
            )
        row = ExportRequest.objects.create(user=actor, operator_reason=operator_reason[:300])
        _enqueue("privacy.export_build", row.pk)
    return row


def export_build(*, export_id: int) -> ExportRequest | None:
    """Build the ZIP (streamed into the private storage) and tell the person.
    Idempotent: a row already built, expired or being built by another worker
    is left alone; one whose worker died is built again (privacy.deletions_due
    hands it out after PRIVACY_DELETION_STALE_SECONDS)."""
    stale = timezone.now() - timedelta(seconds=int(settings.PRIVACY_DELETION_STALE_SECONDS))
    with transaction.atomic():
        row = (
            ExportRequest.objects.select_for_update(skip_locked=True)
            .filter(pk=export_id)
            .filter(
                Q(state=ExportState.REQUESTED) | Q(state=ExportState.BUILDING, started_at__lt=stale)
            )
            .select_related("user")
            .first()
        )
        if row is None:
            return None
        row.state = ExportState.BUILDING
        row.started_at = timezone.now()
        row.save(update_fields=["state", "started_at"])
    storage = export_storage()
    name = f"{FOLDER}/{secrets.token_hex(16)}.zip"
    reader = StreamReader(archive(row.user))
    try:
        stored = storage.save(name, File(reader, name=name))  # type: ignore[arg-type]
    except Exception:
        logger.exception("Export %s could not be built", row.pk)
        ExportRequest.objects.filter(pk=row.pk).update(state=ExportState.FAILED)
        raise
    now = timezone.now()
    expires = now + timedelta(days=int(settings.PRIVACY_EXPORT_DAYS))
    with transaction.atomic():
        ExportRequest.objects.filter(pk=row.pk).update(
            state=ExportState.READY,
            file_name=stored,
            size=reader.written,
            ready_at=now,
            expires_at=expires,
        )
        if not row.operator_reason:
            mail_after_commit(
                row.user,
                gettext_lazy("Din kopi af dine data er klar"),
                {},
                "privacy/email/export_ready.txt",
                {
                    "url": absolute_url(reverse("privacy-export")),
                    "expires": _date(expires),
                },
            )
    row.refresh_from_db()
    return row


def export_for_download(*, actor: Any, token: str) -> ExportRequest:
    """The owner's export by its link. Anyone else, and a link that never
    existed, gets 404; the owner's expired or unfinished one, ExportGone."""
    row = ExportRequest.objects.filter(token=token).first()
    if row is None or not getattr(actor, "is_authenticated", False) or row.user_id != actor.pk:
        raise Http404
    if not row.is_downloadable or not row.file_name:
        raise ExportGone
    ExportRequest.objects.filter(pk=row.pk).update(downloaded_at=timezone.now())
    return row


def exports_expire(*, now: Any = None) -> int:
    """Delete the files of exports past their 7 days (at once: nightly, and
    whenever the owner asks for an expired one)."""
    now = now or timezone.now()
    rows = list(ExportRequest.objects.filter(state=ExportState.READY, expires_at__lte=now))
    storage = export_storage()
    for row in rows:
        with transaction.atomic():
            ExportRequest.objects.filter(pk=row.pk).update(state=ExportState.EXPIRED, file_name="")
        if row.file_name:
            storage.delete(row.file_name)
    return len(rows)


# --- Deletion ("Slet min konto") -----------------------------------------------------


def deletion_request(*, actor: User, mode: str) -> DeletionRequest:
    """Ask for the account to be deleted ("Slet alt" or "Anonymisér") after
    the grace period (ACCOUNT_DELETION_GRACE_DAYS; 0: at once). The person's
    sessions end after commit: logging in again before the date cancels."""
    if mode not in DeletionMode.values:
        raise ValidationError(_("Vælg, hvad der skal ske med det, du har skrevet."), code="mode")
    lonely = last_admin_groups(actor)
    if lonely:
        raise ValidationError(
            _(
                "Du er eneste administrator af %(groups)s. Gør en anden til administrator, "
                "før du sletter din konto, så gruppen ikke står uden."
            )
            % {"groups": ", ".join(g.name for g in lonely)},
            code="last_admin",
        )
    grace = int(settings.ACCOUNT_DELETION_GRACE_DAYS)
    now = timezone.now()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=actor.pk).first()
        if selectors.open_deletion(actor) is not None:
            raise ValidationError(
                _("Du har allerede bedt om at få slettet din konto."), code="twice"
            )
        row = DeletionRequest.objects.create(
            user=actor, mode=mode, requested_at=now, due_at=now + timedelta(days=grace)
        )
        mail_after_commit(
            actor,
            gettext_lazy("Din konto bliver slettet"),
            {},
            "privacy/email/deletion_requested.txt",
            {"deletion": row, "date": _date(row.due_at), "grace": grace},
        )
        transaction.on_commit(lambda: _end_sessions(actor.pk))
        if grace == 0:
            DeletionRequest.objects.filter(pk=row.pk).update(
                state=DeletionState.SCHEDULED, scheduled_at=now
            )
            row.state = DeletionState.SCHEDULED
            _enqueue("privacy.deletion_run", row.pk)
    return row


def _end_sessions(user_id: int) -> None:
    erasure.end_sessions(user_id)
    publish(user_channel_name(user_id), "session.ended")


def deletion_cancel_on_login(*, user: User) -> DeletionRequest | None:
    """Logging in during the grace period cancels the deletion (allauth's
    log-in sends Django's user_logged_in). A run already under way is not
    stopped (the account is locked from its first step)."""
    with transaction.atomic():
        row = (
            DeletionRequest.objects.select_for_update()
            .filter(user=user, state=DeletionState.REQUESTED)
            .first()
        )
        if row is None:
            return None
        row.state = DeletionState.CANCELLED
        row.cancelled_at = timezone.now()
        row.save(update_fields=["state", "cancelled_at"])
    return row


def deletions_due(*, now: Any = None) -> list[int]:
    """Deletions whose grace period is over are scheduled, and runs whose
    heartbeat stopped (a killed worker) handed out again; also exports whose
    worker died. Any number of beats may call this at once."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=int(settings.PRIVACY_DELETION_STALE_SECONDS))
    with transaction.atomic():
        due = list(
            DeletionRequest.objects.select_for_update(skip_locked=True)
            .filter(state=DeletionState.REQUESTED, due_at__lte=now)
            .values_list("pk", flat=True)
        )
        DeletionRequest.objects.filter(pk__in=due).update(
            state=DeletionState.SCHEDULED, scheduled_at=now
        )
        again = list(
            DeletionRequest.objects.annotate(seen=Coalesce("heartbeat_at", "scheduled_at"))
            .filter(state__in=[DeletionState.SCHEDULED, DeletionState.RUNNING], seen__lt=stale)
            .exclude(pk__in=due)
            .values_list("pk", flat=True)
        )
        for pk in [*due, *again]:
            _enqueue("privacy.deletion_run", pk)
        for pk in ExportRequest.objects.filter(
            Q(state=ExportState.BUILDING, started_at__lt=stale)
            | Q(state=ExportState.REQUESTED, requested_at__lt=stale)
        ).values_list("pk", flat=True):
            _enqueue("privacy.export_build", pk)
    return [*due, *again]


def deletion_run(*, request_id: int, now: Any = None) -> DeletionRequest | None:
    """Work through the steps of one deletion (privacy.erasure.STEPS), each in
    its own transaction that also records it as done. A run that another
    worker is still doing (recent heartbeat) is left alone; one that was
    killed halfway is taken up at its first step not done. The last step
    deletes the account and marks the row done in one transaction: exactly
    once, whatever runs twice."""
    stale = timezone.now() - timedelta(seconds=int(settings.PRIVACY_DELETION_STALE_SECONDS))
    with transaction.atomic():
        row = (
            DeletionRequest.objects.select_for_update(skip_locked=True)
            .filter(pk=request_id, state__in=[DeletionState.SCHEDULED, DeletionState.RUNNING])
            .first()
        )
        if row is None:
            return None
        if row.state == DeletionState.RUNNING and row.heartbeat_at and row.heartbeat_at > stale:
            return None
        now = timezone.now()
        DeletionRequest.objects.filter(pk=row.pk).update(
            state=DeletionState.RUNNING,
            started_at=Coalesce(F("started_at"), now),
            heartbeat_at=now,
            attempts=F("attempts") + 1,
        )
    logger.info("Deletion #%s: running (%s)", request_id, row.mode)
    for name, step in erasure.STEPS:
        with transaction.atomic():
            locked = DeletionRequest.objects.select_for_update().get(pk=request_id)
            if name in locked.steps_done or locked.state == DeletionState.DONE:
                continue
            user = User.objects.filter(pk=locked.user_id).first() if locked.user_id else None
            if user is not None:
                if name == "account":
                    mail_after_commit(
                        user,
                        gettext_lazy("Din konto er slettet"),
                        {},
                        "privacy/email/deletion_done.txt",
                        {"deletion": locked},
                    )
                step(locked, user)
            fields: dict[str, Any] = {
                "steps_done": [*locked.steps_done, name],
                "heartbeat_at": timezone.now(),
            }
            if name == "account":
                fields.update(state=DeletionState.DONE, finished_at=timezone.now(), user=None)
            DeletionRequest.objects.filter(pk=request_id).update(**fields)
        logger.info("Deletion #%s: step %s done", request_id, name)
    return DeletionRequest.objects.get(pk=request_id)


def inactive_accounts_warn(*, now: Any = None) -> int:
    """Accounts unused for RETENTION_INACTIVE_MONTHS (off when 0) are told by
    e-mail that they will be deleted (anonymised) after
    RETENTION_INACTIVE_WARNING_DAYS unless the person logs in."""
    months = int(settings.RETENTION_INACTIVE_MONTHS)
    if months <= 0:
        return 0
    now = now or timezone.now()
    cutoff = now - timedelta(days=round(months * 30.44))
    days = int(settings.RETENTION_INACTIVE_WARNING_DAYS)
    candidates = (
        User.objects.annotate(seen=Coalesce("last_login", "date_joined"))
        .filter(is_active=True, is_staff=False, seen__lt=cutoff)
        .exclude(
            pk__in=DeletionRequest.objects.filter(
                state__in=selectors.OPEN_DELETION, user__isnull=False
            ).values("user_id")
        )
    )
    warned = 0
    for user in candidates.iterator():
        if last_admin_groups(user):
            continue
        with transaction.atomic():
            row = DeletionRequest.objects.create(
                user=user,
                mode=DeletionMode.ANONYMISE,
                reason=DeletionReason.INACTIVE,
                requested_at=now,
                due_at=now + timedelta(days=days),
            )
            mail_after_commit(
                user,
                gettext_lazy("Din konto bliver slettet, fordi den ikke er brugt"),
                {},
                "privacy/email/inactive_warning.txt",
                {
                    "deletion": row,
                    "date": _date(row.due_at),
                    "login_url": absolute_url(reverse("account_login")),
                },
            )
        warned += 1
    return warned
