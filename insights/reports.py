"""Ugens tal: the weekly e-mail a group's staff may ask for, with the
group's figures for the last seven days, the posts waiting for an answer and
the coming week's plan by ABC theme. Services and selectors in one module,
as notifications.mailing keeps the digest.

Subscribing. A member of the group's team (staff, moderators, administrators)
switches it on or off on the dashboard; a WeeklyReport row is the
subscription, and its key signs the e-mails' one-click unsubscribe links
(sammen.mail): unsubscribing deletes the row, so its links stop working, and
subscribing again makes a new key.

Sending, exactly once per week and recipient. On Monday from
NOTIFY_DIGEST_HOUR (Copenhagen time) weekly_reports_due makes one
WeeklyReportSent row per subscription whose person is still active and on
the group's team (unique per person, group and week, so two beats make it
once), before anything is sent. weekly_report_send hands a pending row's
e-mail to the mail server all but its final line under a row lock, marks the
row sent, commits, and then sends the final line (sammen.mail.HeldMessage):
a second worker skips a locked or sent row, a row whose task was lost is
handed out again by a later tick, and a worker killed before the commit
delivered nothing. Exactly once over SMTP; with a provider's HTTP API, at
least once with the same Message-ID. A row still pending when its week is
over is skipped (next Monday brings fresh figures), as is one whose person
left the team, unsubscribed or lost their address meanwhile.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from groups import permissions as group_perms
from groups.models import Group, Membership, MembershipStatus
from insights import permissions as perms
from insights import selectors
from insights.models import WeeklyReport, WeeklyReportSent, WeeklyReportState
from posts.models import Theme
from sammen import mail as sammen_mail
from sammen.mail import HeldMessage, absolute_url, address_stopped, mail_domain
from scheduler import permissions as plan_perms
from scheduler.models import ScheduledPost, ScheduledState

logger = logging.getLogger(__name__)

# The kind of mail an unsubscribe link names (sammen.mail.unsubscribe_token).
REPORT_KIND = "ugens-tal"
WEEK = timedelta(days=7)


# --- Subscribing -------------------------------------------------------------------------


def weekly_report_subscribed(user: Any, group: Group) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and WeeklyReport.objects.filter(user=user, group=group).exists()
    )


def weekly_report_subscribe(*, actor: User, group: Group) -> WeeklyReport:
    """The actor wants Ugens tal for the group (once; asking again keeps the
    subscription and its links). The group's team only."""
    if not perms.can_view_insights(actor, group):
        raise PermissionDenied
    row = WeeklyReport.objects.filter(user=actor, group=group).first()
    if row is None:
        try:
            with transaction.atomic():
                row = WeeklyReport.objects.create(user=actor, group=group)
        except IntegrityError:  # a second click a moment ago made it
            row = WeeklyReport.objects.get(user=actor, group=group)
    return row


def weekly_report_unsubscribe(*, actor: User, group: Group) -> None:
    """The actor wants no more Ugens tal for the group (from the dashboard).
    The group's team only: one who has left it gets none anyway."""
    if not perms.can_view_insights(actor, group):
        raise PermissionDenied
    WeeklyReport.objects.filter(user=actor, group=group).delete()


class BadLink(Exception):
    """An unsubscribe link that is forged, expired, for another kind of
    mail, another group, or a subscription that has ended."""


def weekly_report_for_link(*, group_slug: str, token: str) -> WeeklyReport:
    """The subscription an unsubscribe link is for, its signature checked
    with that subscription's key."""
    claim = sammen_mail.unsubscribe_claim(token)
    if claim is None or claim[1] != REPORT_KIND:
        raise BadLink
    report = (
        WeeklyReport.objects.select_related("group")
        .filter(user_id=claim[0], group__slug=group_slug)
        .first()
    )
    if report is None or not sammen_mail.unsubscribe_valid(token, key=report.key):
        raise BadLink
    return report


def weekly_report_unsubscribe_by_link(*, report: WeeklyReport) -> None:
    """One-click unsubscribe (RFC 8058): the link was checked
    (weekly_report_for_link) and is all the permission it takes."""
    WeeklyReport.objects.filter(pk=report.pk, key=report.key).delete()


def unsubscribe_token(report: WeeklyReport) -> str:
    return sammen_mail.unsubscribe_token(key=report.key, user_id=report.user_id, kind=REPORT_KIND)


def unsubscribe_url(report: WeeklyReport, group: Group) -> str:
    path = reverse(
        "insights-weekly-report-unsubscribe",
        kwargs={"group_slug": group.slug, "token": unsubscribe_token(report)},
    )
    return absolute_url(path)


# --- What is due -------------------------------------------------------------------------


def report_week(now: datetime | None = None) -> date | None:
    """The Monday (a local date) once it is Monday and the hour has come
    in Copenhagen; else None."""
    local = (now or timezone.now()).astimezone(selectors.zone())
    if local.weekday() != 0 or local.hour < int(settings.NOTIFY_DIGEST_HOUR):
        return None
    return local.date()


def _on_team(user_field: str, group_field: str) -> Exists:
    return Exists(
        Membership.objects.filter(
            user_id=OuterRef(user_field),
            group_id=OuterRef(group_field),
            status=MembershipStatus.ACTIVE,
            role__in=group_perms.TEAM,
        )
    )


def weekly_reports_due(*, now: datetime | None = None) -> list[int]:
    """Make this week's rows for every subscription whose person is active
    and still on the group's team (once: the rows are unique per person,
    group and week), and return the ids of every pending row to send: this
    week's, and any whose task was lost."""
    now = now or timezone.now()
    week = report_week(now)
    if week is not None:
        done = WeeklyReportSent.objects.filter(
            week=week, user_id=OuterRef("user_id"), group_id=OuterRef("group_id")
        )
        wanted = (
            WeeklyReport.objects.filter(user__is_active=True)
            .exclude(user__email="")
            .filter(_on_team("user_id", "group_id"))
            .filter(~Exists(done))
            .values_list("user_id", "group_id")
        )
        rows = [
            WeeklyReportSent(user_id=user_id, group_id=group_id, week=week, created_at=now)
            for user_id, group_id in wanted
        ]
        WeeklyReportSent.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    fresh = Q(week=week) if week is not None else Q(pk__in=[])
    # Pending this long: its task was lost (a killed worker); hand it out again.
    stale = Q(created_at__lt=now - timedelta(seconds=int(settings.NOTIFY_DIGEST_STALE_SECONDS)))
    return list(
        WeeklyReportSent.objects.filter(state=WeeklyReportState.PENDING)
        .filter(fresh | stale)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# --- What it says --------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    label: str
    now: int | None
    before: int | None

    @property
    def change(self) -> str:
        """ "+3", "-2" or "±0"; "" when either figure is missing."""
        if self.now is None or self.before is None:
            return ""
        diff = self.now - self.before
        return f"+{diff}" if diff > 0 else str(diff) if diff < 0 else "±0"


@dataclass(frozen=True)
class ThemePlan:
    theme: str
    label: str
    planned: int
    hint: str  # a kind suggestion when an ABC theme has nothing planned


@dataclass
class ReportContent:
    group: Group
    subject: str
    period: selectors.Period
    figures: list[Figure]
    radar_count: int
    radar_hours: int
    week_start: date
    week_end: date  # the Sunday
    themes: list[ThemePlan] = field(default_factory=list)
    planned_total: int = 0
    dashboard_url: str = ""
    radar_url: str = ""
    plan_url: str = ""  # only for those who plan the group's posts


def _hints() -> dict[str, str]:
    return {
        Theme.AKTIV: _(
            "Der er ikke planlagt noget under Aktiv endnu. Måske en gåtur, "
            "lidt stolegymnastik eller en cykeltur?"
        ),
        Theme.SAMMEN: _(
            "Der er ikke planlagt noget under Sammen endnu. Måske en invitation "
            "til kaffe eller en fælles aktivitet?"
        ),
        Theme.MENINGSFULD: _(
            "Der er ikke planlagt noget under Meningsfuld endnu. Måske noget at "
            "lære, skabe eller gøre for andre?"
        ),
    }


def planned_themes(*, group: Group, week: date) -> list[ThemePlan]:
    """The week's plan by ABC theme (Aktiv, Sammen, Meningsfuld, no theme):
    posts planned to go out from Monday 00:00 to Sunday 24:00 Copenhagen
    time in the group and its sub-groups, published already or still to
    come; not drafts, failed or cancelled ones."""
    start = datetime.combine(week, time.min, tzinfo=selectors.zone())
    end = datetime.combine(week + WEEK, time.min, tzinfo=selectors.zone())
    counts = dict(
        ScheduledPost.objects.filter(
            group=group,
            state__in=[ScheduledState.SCHEDULED, ScheduledState.PUBLISHED],
            publish_at__gte=start,
            publish_at__lt=end,
        )
        .order_by()
        .values("theme")
        .annotate(n=Count("id"))
        .values_list("theme", "n")
    )
    hints = _hints()
    return [
        ThemePlan(
            theme=value,
            label=str(label),
            planned=int(counts.get(value, 0)),
            hint=hints.get(value, "") if not counts.get(value) else "",
        )
        for value, label in [*Theme.choices, ("", _("Uden tema"))]
    ]


def weekly_report_content(
    *, group: Group, viewer: User, week: date, now: datetime | None = None
) -> ReportContent:
    """Ugens tal for the group: the last seven days beside the seven before
    (the dashboard's figures, from its cache when fresh), the radar's count
    and the week's plan by theme. Aggregates only, as on the dashboard."""
    now = now or timezone.now()
    period = selectors.period_from(days="7", month=None, now=now)
    figures = selectors.dashboard(group=group, subgroup=None, period=period)
    here, before = figures["now"], figures["before"]

    def pair(label: str, part: str, key: str) -> Figure:
        return Figure(label, here[part].get(key), before[part].get(key))

    with translation.override(settings.LANGUAGE_CODE):
        themes = planned_themes(group=group, week=week)
        rows = [
            pair(_("Medlemmer i alt"), "members", "total"),
            pair(_("Nye medlemmer"), "members", "joined"),
            pair(_("Aktive medlemmer"), "activity", "active"),
            pair(_("Opslag"), "activity", "posts"),
            pair(_("Kommentarer"), "activity", "comments"),
            pair(_("Reaktioner"), "activity", "reactions"),
            pair(_("Visninger"), "activity", "views"),
        ]
        subject = _("Ugens tal for %(group)s") % {"group": group.name}
    slug = {"group_slug": group.slug}
    return ReportContent(
        group=group,
        subject=subject,
        period=period,
        figures=rows,
        radar_count=selectors.radar_count(group),
        radar_hours=selectors.radar_hours(group),
        week_start=week,
        week_end=week + WEEK - timedelta(days=1),
        themes=themes,
        planned_total=sum(t.planned for t in themes),
        dashboard_url=absolute_url(reverse("insights", kwargs=slug)),
        radar_url=absolute_url(reverse("insights-radar", kwargs=slug)),
        plan_url=absolute_url(reverse("plan", kwargs=slug))
        if plan_perms.can_plan(viewer, group)
        else "",
    )


def message_id(*, user_id: int, group_id: int, week: date) -> str:
    """The same Message-ID if one week's e-mail is ever sent twice (see the
    module's note), so mail clients show it once."""
    return f"<ugens-tal-{user_id}-{group_id}-{week:%Y%m%d}@{mail_domain()}>"


def weekly_report_message(
    *, report: WeeklyReport, user: User, content: ReportContent
) -> EmailMultiAlternatives:
    """One e-mail with a plain-text and an HTML part, in the site's language,
    with List-Unsubscribe (RFC 2369) and one-click (RFC 8058) headers."""
    group = content.group
    unsubscribe = unsubscribe_url(report, group)
    ctx = {
        "content": content,
        "group": group,
        "user": user,
        "unsubscribe_url": unsubscribe,
        "site_url": absolute_url("/"),
    }
    with translation.override(settings.LANGUAGE_CODE):
        text = render_to_string("insights/email/weekly_report.txt", ctx)
        html = render_to_string("insights/email/weekly_report.html", ctx)
    headers = {
        "Message-ID": message_id(user_id=user.pk, group_id=group.pk, week=content.week_start),
        **sammen_mail.unsubscribe_headers(url=unsubscribe, token=unsubscribe_token(report)),
    }
    message = EmailMultiAlternatives(
        subject=" ".join(content.subject.split())[:180],
        body=text,
        to=[user.email],
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message


# --- Sending -----------------------------------------------------------------------------


def weekly_report_send(*, ids: Iterable[int], now: datetime | None = None) -> int:
    """Send these pending rows' e-mails, each once. Returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    connection = get_connection()
    try:
        for row_id in ids:
            held: HeldMessage | None = None
            with transaction.atomic():
                row = (
                    WeeklyReportSent.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("user", "group")
                    .filter(pk=row_id, state=WeeklyReportState.PENDING)
                    .first()
                )
                if row is None:
                    continue  # sent, skipped, or being sent by another worker
                held = _report_hold(connection, row, now)
            # Committed as sent: now the mail server may take it (sammen.mail.HeldMessage).
            if held is None:
                continue
            if held.release():
                sent += 1
            else:  # refused at the last moment: a later tick tries again
                WeeklyReportSent.objects.filter(pk=row.pk).update(
                    state=WeeklyReportState.PENDING, sent_at=None
                )
    finally:
        connection.close()
    return sent


def _still_wanted(row: WeeklyReportSent, now: datetime) -> bool:
    """The person is active, has an address the mail provider has not
    stopped (a hard bounce or a complaint), is still on the group's team,
    and the row's week is not over."""
    user = row.user
    local_day = now.astimezone(selectors.zone()).date()
    return bool(
        user.is_active
        and user.email
        and local_day < row.week + WEEK
        and perms.can_view_insights(user, row.group)
        and not address_stopped(user)
    )


def _report_hold(connection: Any, row: WeeklyReportSent, now: datetime) -> HeldMessage | None:
    """Inside the row's transaction: build the e-mail, hand it to the mail
    server but for its last line, and mark the row. None: nothing to send."""
    report = WeeklyReport.objects.filter(user_id=row.user_id, group_id=row.group_id).first()
    held = None
    if report is not None and _still_wanted(row, now):
        content = weekly_report_content(group=row.group, viewer=row.user, week=row.week, now=now)
        held = HeldMessage(
            connection, weekly_report_message(report=report, user=row.user, content=content)
        )
        if not held.hold():
            logger.warning("Ugens tal refused by the mail server for row %s", row.pk)
            held = None
    if held is not None:
        WeeklyReportSent.objects.filter(pk=row.pk).update(state=WeeklyReportState.SENT, sent_at=now)
    else:
        WeeklyReportSent.objects.filter(pk=row.pk).update(state=WeeklyReportState.SKIPPED)
    return held


def weekly_reports_prune(*, older_than_days: int = 90) -> int:
    """The record of sent Ugens tal is kept a quarter (the once-a-week rule
    needs only this week's rows)."""
    cutoff = timezone.localdate() - timedelta(days=older_than_days)
    deleted, _kinds = WeeklyReportSent.objects.filter(week__lt=cutoff).delete()
    return deleted
