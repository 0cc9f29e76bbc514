"""Reads for the review queue, the log, settings and an author's notices."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from groups import permissions as group_perms
from groups.models import Group, Membership, Role
from moderation import permissions as perms
from moderation.models import (
    AuditEntry,
    Case,
    CaseState,
    Flag,
    FlagReason,
    ModerationSettings,
    Notice,
)

QUEUE_PAGE_SIZE = 20
LOG_PAGE_SIZE = 50
HISTORY_ENTRIES = 5
HELD = "held"
QUEUE_ROLES = group_perms.TEAM


def settings_for(group: Group) -> ModerationSettings:
    """The group's settings row, or the defaults (unsaved) if it has none."""
    found = ModerationSettings.objects.filter(group=group).first()
    return found if found is not None else ModerationSettings(group=group)


def default_help_text() -> str:
    return _(
        "Tak, fordi du sagde til. Gruppens medarbejdere og moderatorer har fået besked "
        "og ser på det hurtigst muligt.\n"
        "Er nogen i akut fare, så ring 112.\n"
        "Har du selv brug for at tale med nogen, kan du ringe til din læge eller lægevagten."
    )


def help_text(group: Group) -> str:
    return settings_for(group).concern_help_text or default_help_text()


@dataclass
class AuthorHistory:
    joined_at: Any = None
    role: str = ""
    muted_until: Any = None
    entries: list[AuditEntry] = field(default_factory=list)
    earlier_cases: int = 0

    @property
    def is_muted(self) -> bool:
        return self.muted_until is not None and self.muted_until > timezone.now()


@dataclass
class QueueCounts:
    open: int = 0
    concern: int = 0


def queue_counts(group: Group) -> QueueCounts:
    row = Case.objects.filter(group=group, state=CaseState.OPEN).aggregate(
        open=Count("id"), concern=Count("id", filter=Q(has_concern=True))
    )
    return QueueCounts(open=row["open"] or 0, concern=row["concern"] or 0)


def _queue_queryset(viewer: Any, group: Group, reason: str, state: str) -> QuerySet[Case]:
    qs = Case.objects.filter(group=group)
    qs = qs.filter(state=CaseState.RESOLVED if state == CaseState.RESOLVED else CaseState.OPEN)
    if not perms.can_moderate(viewer, group):
        qs = qs.filter(has_concern=True)  # staff see concern items only
    if reason == HELD:
        qs = qs.exclude(held_reason="")
    elif reason in FlagReason.values:
        qs = qs.filter(pk__in=Flag.objects.filter(group=group, reason=reason).values("case_id"))
    if state == CaseState.RESOLVED:
        return qs.order_by("-resolved_at", "-id")
    # Concern for a member first, newest first; then the rest, newest activity first.
    return qs.order_by("-has_concern", "-last_activity_at", "-id")


def queue(
    *, viewer: Any, group: Group, reason: str = "", state: str = CaseState.OPEN, page: Any = 1
) -> Page:
    """A page of the review queue, each case with its flags, its content (a
    comment with its post), its author's history, in a fixed number of queries."""
    perms.require_view_queue(viewer, group)
    qs = (
        _queue_queryset(viewer, group, reason, state)
        .select_related(
            "post", "post__author", "post__subgroup", "comment", "author", "resolved_by"
        )
        .prefetch_related(
            Prefetch("flags", queryset=Flag.objects.select_related("user").order_by("created_at"))
        )
    )
    paginator = Paginator(qs, QUEUE_PAGE_SIZE)
    result = paginator.get_page(page)
    cases: list[Case] = list(result.object_list)
    histories = author_histories(group, [c.author_id for c in cases if c.author_id])
    for c in cases:
        c.history = histories.get(c.author_id or 0, AuthorHistory())  # type: ignore[attr-defined]
        c.reasons = sorted({f.reason for f in c.flags.all()})  # type: ignore[attr-defined]
    result.object_list = cases
    return result


def author_histories(group: Group, author_ids: list[int]) -> dict[int, AuthorHistory]:
    """Join date, current pause, the last few log rows and earlier decided
    cases of each author: three queries for any number of authors."""
    ids = sorted(set(author_ids))
    out: dict[int, AuthorHistory] = {i: AuthorHistory() for i in ids}
    if not ids:
        return out
    for user_id, joined_at, role, muted_until in Membership.objects.filter(
        group=group, user_id__in=ids
    ).values_list("user_id", "joined_at", "role", "muted_until"):
        h = out[user_id]
        h.joined_at, h.role, h.muted_until = joined_at, role, muted_until
    # The last few rows per author, however long anyone's history is.
    entries = (
        AuditEntry.objects.filter(group=group, target_user_id__in=ids)
        .annotate(
            n=Window(
                RowNumber(),
                partition_by=[F("target_user_id")],
                order_by=[F("created_at").desc(), F("id").desc()],
            )
        )
        .filter(n__lte=HISTORY_ENTRIES)
        .order_by("-created_at", "-id")
    )
    for entry in entries:
        out[entry.target_user_id or 0].entries.append(entry)
    for row in (
        Case.objects.filter(group=group, author_id__in=ids, state=CaseState.RESOLVED)
        .exclude(decision="approve")
        .values("author_id")
        .annotate(n=Count("id"))
    ):
        out[row["author_id"]].earlier_cases = row["n"]
    return out


def case_get(*, viewer: Any, group: Group, case_id: int) -> Case | None:
    perms.require_view_queue(viewer, group)
    qs = Case.objects.filter(group=group)
    if not perms.can_moderate(viewer, group):
        qs = qs.filter(has_concern=True)
    case = (
        qs.select_related("post", "post__author", "post__subgroup", "comment", "author")
        .prefetch_related(
            Prefetch("flags", queryset=Flag.objects.select_related("user").order_by("created_at"))
        )
        .filter(pk=case_id)
        .first()
    )
    if case is not None:
        case.history = author_histories(group, [case.author_id] if case.author_id else []).get(  # type: ignore[attr-defined]
            case.author_id or 0, AuthorHistory()
        )
        case.reasons = sorted({f.reason for f in case.flags.all()})  # type: ignore[attr-defined]
    return case


def audit_log(*, viewer: Any, group: Group, page: Any = 1) -> Page:
    perms.require_view_audit_log(viewer, group)
    qs = AuditEntry.objects.filter(group=group).order_by("-created_at", "-id")
    return Paginator(qs, LOG_PAGE_SIZE).get_page(page)


def notices_for(user: Any) -> list[Notice]:
    """What moderation told this person, not yet dismissed."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Notice.objects.filter(user=user, dismissed_at__isnull=True)
        .select_related("group")
        .order_by("-created_at", "-id")[:20]
    )


def open_counts_for(memberships: list[Membership]) -> dict[int, QueueCounts]:
    """Open cases per group, for the person's active memberships in which they
    work the queue (staff: concern items only)."""
    roles = {m.group_id: m.role for m in memberships if m.role in QUEUE_ROLES}
    out: dict[int, QueueCounts] = {}
    if not roles:
        return out
    for row in (
        Case.objects.filter(group_id__in=list(roles), state=CaseState.OPEN)
        .values("group_id")
        .annotate(open=Count("id"), concern=Count("id", filter=Q(has_concern=True)))
    ):
        gid = row["group_id"]
        is_staff = roles[gid] == Role.STAFF
        out[gid] = QueueCounts(
            open=row["concern"] if is_staff else row["open"], concern=row["concern"]
        )
    return out
