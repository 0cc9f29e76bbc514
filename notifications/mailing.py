"""The e-mail services of notifications: immediate e-mails after the delay
window, the digest, unsubscribing and stopped addresses.

Immediate e-mails. notify() gives a reply or mention row a due time
(NOTIFY_EMAIL_DELAY_SECONDS ahead). A periodic task (mail_due) sends what is
due: rows read meanwhile, hidden or removed since, or of a person who turned
e-mail off are skipped; rows about one post go in one e-mail; past the budget
(NOTIFY_EMAIL_PER_HOUR / _PER_DAY) a row is left to the digest. The due time
is in the database, so a lost task or a restarted worker loses nothing.

The digest. digests_due makes one Digest row per person and period (unique)
before anything is sent; digest_send hands a pending row's e-mail to the mail
server all but its final line under a row lock, marks the row sent, commits,
and then sends the final line (sammen.mail.HeldMessage). Two beats make the
row once; a second worker skips a locked or sent row; a row whose task was
lost is handed out again by a later tick; a worker killed before the commit
delivered nothing. What remains is the instant between the commit and the
final line (PostgreSQL's answer to COMMIT, then one write): a worker killed
there loses that one digest. (The losses the benchmark and a CI run saw were
the test SMTP server's, which dropped a message whose client vanished right
after the final dot; tests/smtp_sink.py now keeps it, as a mail server does.)
Losing a digest was chosen over sending one twice: the centre still shows
what it held. With a provider's HTTP API instead of SMTP: at least once, with the
same Message-ID. (Immediate e-mails are sent in the
transaction that marks them: a worker killed in between sends those again.)
"""

from __future__ import annotations

import logging
import smtplib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import ConsentChannel, ConsentPurpose, User
from accounts.services import consent_give, consent_withdraw
from groups.models import Group, Membership, MembershipStatus
from notifications import mail, selectors
from notifications import permissions as perms
from notifications.models import (
    MAIL_KINDS,
    Digest,
    DigestFrequency,
    DigestState,
    Kind,
    MailKind,
    MailSettings,
    Notification,
    SentMail,
)
from posts.models import ContentState, Post
from sammen.mail import HeldMessage, absolute_url, mail_domain, new_message_id
from scheduler.models import ScheduledPost, ScheduledState

logger = logging.getLogger(__name__)

DIGEST_UNREAD_MAX = 30
# The version of the settings page's words about the digest, for the consent ledger.
DIGEST_TEXT_VERSION = "2026-12"
DIGEST_TOP_POSTS = 3
DIGEST_PLANNED_MAX = 7


# --- Mail settings ---------------------------------------------------------------


def mail_settings_for(user: User) -> MailSettings:
    """The person's row, made with the defaults the first time it is needed."""
    row = MailSettings.objects.filter(user=user).first()
    if row is None:
        try:
            with transaction.atomic():
                row = MailSettings.objects.create(user=user)
        except IntegrityError:  # made by a parallel request a moment ago
            row = MailSettings.objects.get(user=user)
    row.user = user
    return row


def mail_settings_set(
    *, actor: User, immediate: bool, digest: str, digest_weekday: int
) -> MailSettings:
    """The person's own e-mail choices (the settings page)."""
    if digest not in DigestFrequency.values:
        raise ValidationError(_("Vælg, hvor tit du vil have oversigten."))
    if not 0 <= digest_weekday <= 6:
        raise ValidationError(_("Vælg en ugedag på listen."))
    row = mail_settings_for(actor)
    with transaction.atomic():
        MailSettings.objects.filter(pk=row.pk).update(
            immediate=immediate, digest=digest, digest_weekday=digest_weekday
        )
        if digest == DigestFrequency.NEVER:
            consent_withdraw(user=actor, purpose=ConsentPurpose.DIGEST)
        else:
            consent_give(
                user=actor, purpose=ConsentPurpose.DIGEST, text_version=DIGEST_TEXT_VERSION
            )
    row.immediate, row.digest, row.digest_weekday = immediate, digest, digest_weekday
    return row


def unsubscribe(*, row: MailSettings, kind: str) -> None:
    """One-click unsubscribe from one kind of mail (the token was checked)."""
    if kind == MailKind.IMMEDIATE:
        MailSettings.objects.filter(pk=row.pk).update(immediate=False)
    elif kind == MailKind.DIGEST:
        with transaction.atomic():
            MailSettings.objects.filter(pk=row.pk).update(digest=DigestFrequency.NEVER)
            consent_withdraw(
                user=row.user_id, purpose=ConsentPurpose.DIGEST, channel=ConsentChannel.EMAIL
            )


def address_stop(*, address: str, reason: str) -> int:
    """The e-mail provider reported a hard bounce or a complaint: no more
    mail to that address, and its owner is told on their next visit."""
    count = 0
    for user in User.objects.filter(email__iexact=address):
        with transaction.atomic():
            row = mail_settings_for(user)
            if row.stops(user.email):
                continue  # told already
            MailSettings.objects.filter(pk=row.pk).update(
                stopped_address=user.email, stopped_reason=reason[:20], stopped_at=timezone.now()
            )
            # The bell tells the person on their next visit.
            Notification.objects.create(
                recipient=user, kind=Kind.MAIL_STOPPED, text=user.email[:200]
            )
        count += 1
    return count


def address_resume(*, actor: User) -> None:
    """The person says the address works again (or changed it)."""
    MailSettings.objects.filter(user=actor).update(
        stopped_address="", stopped_reason="", stopped_at=None
    )


def address_stopped(user: User) -> bool:
    """For sammen.mail.address_stopped (settings.MAIL_ADDRESS_STOPPED): the
    provider stopped this person's current address."""
    row = MailSettings.objects.filter(user=user).only("stopped_address").first()
    return bool(row and user.email and row.stops(user.email))


def can_mail(user: User, row: MailSettings) -> bool:
    return bool(user.is_active and user.email and not row.stops(user.email))


# --- Immediate e-mails ---------------------------------------------------------


def _budget_left(user_id: int, now: datetime) -> int:
    sent = SentMail.objects.filter(
        user_id=user_id, kind=MailKind.IMMEDIATE, sent_at__gt=now - timedelta(days=1)
    ).values_list("sent_at", flat=True)
    times = list(sent)
    in_hour = sum(1 for t in times if t > now - timedelta(hours=1))
    hour_left = int(settings.NOTIFY_EMAIL_PER_HOUR) - in_hour
    day_left = int(settings.NOTIFY_EMAIL_PER_DAY) - len(times)
    return max(0, min(hour_left, day_left))


def _immediate_message(row: MailSettings, notes: list[Notification]) -> EmailMultiAlternatives:
    """One e-mail about one post (one or more rows of it)."""
    first = notes[0]
    group = first.group
    for n in notes:
        n.url = absolute_url(reverse("notification-open", kwargs={"notification_id": n.pk}))  # type: ignore[attr-defined]
    newest = max(notes, key=lambda n: n.updated_at)
    with translation.override(settings.LANGUAGE_CODE):
        summary = mail.sentence(newest)
        subject = f"{group.name}: {summary}" if group is not None else summary
    return mail.build(
        row=row,
        kind=MailKind.IMMEDIATE,
        subject=subject,
        template="immediate",
        context={"group": group, "notes": notes, "post": first.post, "newest": newest},
        message_id=new_message_id(f"n{newest.pk}"),
        in_reply_to=mail.thread_id(first.post_id) if first.post_id else "",
    )


def _send(connection: Any, message: EmailMultiAlternatives) -> bool:
    """Send one e-mail; False if the server refused this recipient (the rest goes on)."""
    try:
        message.connection = connection
        message.send(fail_silently=False)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
        logger.warning("Mail refused for a recipient: %s", exc)
        return False
    return True


def _due_rows(now: datetime, limit: int) -> list[Notification]:
    return list(
        Notification.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(email_due_at__lte=now)
        .select_related("recipient", "group", "post", "post__subgroup", "comment", "actor")
        .order_by("email_due_at", "id")[:limit]
    )


def mail_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Send the immediate e-mails whose delay window has passed. Returns how
    many e-mails were sent."""
    now = now or timezone.now()
    sent = 0
    connection = get_connection()
    try:
        while True:
            with transaction.atomic():
                rows = _due_rows(now, limit)
                by_person: dict[int, list[Notification]] = defaultdict(list)
                for n in rows:
                    by_person[n.recipient_id].append(n)
                for person_rows in by_person.values():
                    sent += _mail_person(connection, person_rows, now)
            if len(rows) < limit:
                break
    finally:
        connection.close()
    return sent


def _mail_person(connection: Any, rows: list[Notification], now: datetime) -> int:
    user = rows[0].recipient
    row = mail_settings_for(user)
    selectors.prime_reader(user)
    wanted = can_mail(user, row) and row.immediate
    skipped: list[int] = []
    by_post: dict[Any, list[Notification]] = defaultdict(list)
    for n in rows:
        # Read in the app meanwhile, hidden or removed since, e-mail off: skipped.
        if (
            not wanted
            or n.read_at is not None
            or n.kind not in MAIL_KINDS
            or not perms.can_see(user, n)
        ):
            skipped.append(n.pk)
        else:
            by_post[n.post_id or ("row", n.pk)].append(n)
    left = _budget_left(user.pk, now) if by_post else 0
    emailed: list[int] = []
    messages = 0
    for notes in by_post.values():
        if left <= 0:
            skipped.extend(n.pk for n in notes)  # over budget: the digest tells it
            continue
        message = _immediate_message(row, notes)
        if _send(connection, message):
            SentMail.objects.create(
                user=user, kind=MailKind.IMMEDIATE, message_id=message.extra_headers["Message-ID"]
            )
            emailed.extend(n.pk for n in notes)
            messages += 1
            left -= 1
        else:
            skipped.extend(n.pk for n in notes)
    if skipped:
        Notification.objects.filter(pk__in=skipped).update(email_due_at=None)
    if emailed:
        Notification.objects.filter(pk__in=emailed).update(email_due_at=None, emailed_at=now)
    return messages


# --- The digest ------------------------------------------------------------------


def digest_period(now: datetime | None = None) -> date | None:
    """Today's local date once the digest hour has come, else None."""
    local = timezone.localtime(now or timezone.now())
    if local.hour < int(settings.NOTIFY_DIGEST_HOUR):
        return None
    return local.date()


def digests_due(*, now: datetime | None = None) -> list[int]:
    """Make today's digest rows for everyone whose digest falls today (once:
    the rows are unique per person and period), and return the ids of every
    pending digest to send: today's, and any whose task was lost."""
    now = now or timezone.now()
    period = digest_period(now)
    if period is not None:
        weekday = period.weekday()
        weekly_today = Q(mail_settings__digest=DigestFrequency.WEEKLY) & Q(
            mail_settings__digest_weekday=weekday
        )
        if weekday == int(settings.NOTIFY_DIGEST_WEEKDAY):
            weekly_today |= Q(mail_settings__isnull=True)
        daily = Q(mail_settings__digest=DigestFrequency.DAILY)
        in_a_group = Membership.objects.filter(status=MembershipStatus.ACTIVE).values("user_id")
        # Only those with something unread: a digest is never sent empty. Someone
        # told later in the day gets theirs at the next tick.
        with_unread = Notification.objects.filter(read_at__isnull=True).values("recipient_id")
        done = Digest.objects.filter(period=period).values("user_id")
        people = (
            User.objects.filter(is_active=True, pk__in=in_a_group)
            .filter(pk__in=with_unread)
            .exclude(pk__in=done)
            .filter(weekly_today | daily)
            .values_list("pk", "mail_settings__digest")
        )
        rows = [
            Digest(
                user_id=pk,
                period=period,
                since=now - timedelta(days=1 if freq == DigestFrequency.DAILY else 7),
                created_at=now,
            )
            for pk, freq in people
        ]
        Digest.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    # New rows, and rows whose task was lost (a killed worker): handed out
    # again only once they have waited NOTIFY_DIGEST_STALE_SECONDS since they
    # were last handed out, so a long backlog is not queued again every tick.
    stale = now - timedelta(seconds=int(settings.NOTIFY_DIGEST_STALE_SECONDS))
    with transaction.atomic():
        ids = list(
            Digest.objects.select_for_update(skip_locked=True)
            .filter(state=DigestState.PENDING)
            .filter(Q(handed_out_at__isnull=True) | Q(handed_out_at__lt=stale))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Digest.objects.filter(pk__in=ids).update(handed_out_at=now)
    return ids


@dataclass
class Planned:
    """A planned post as the digest names it."""

    publish_at: datetime | None
    excerpt: str


@dataclass
class DigestGroup:
    group: Group
    planned: list[Planned] = field(default_factory=list)
    top: list[Post] = field(default_factory=list)
    unread: list[Notification] = field(default_factory=list)


@dataclass
class DigestContent:
    subject: str
    groups: list[DigestGroup]
    unread_count: int


class GroupCache:
    """What every member of a group gets in the same digest batch (the plan
    and the most-reacted posts), read once per group and batch."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.planned: dict[int, list[Planned]] = {}
        self.top: dict[tuple[int, date], list[Post]] = {}

    def planned_for(self, group: Group) -> list[Planned]:
        if group.pk not in self.planned:
            # The excerpt renders Markdown: once per group and batch, not per digest.
            self.planned[group.pk] = [
                Planned(publish_at=p.publish_at, excerpt=p.excerpt)
                for p in ScheduledPost.objects.filter(
                    group=group,
                    subgroup__isnull=True,
                    for_subgroup=False,
                    state=ScheduledState.SCHEDULED,
                    publish_at__gt=self.now,
                    publish_at__lte=self.now + timedelta(days=7),
                ).order_by("publish_at", "pk")[:DIGEST_PLANNED_MAX]
            ]
        return self.planned[group.pk]

    def top_for(self, group: Group, since: datetime) -> list[Post]:
        key = (group.pk, timezone.localtime(since).date())
        if key not in self.top:
            self.top[key] = list(
                Post.objects.filter(
                    group=group,
                    subgroup__isnull=True,
                    state=ContentState.VISIBLE,
                    created_at__gte=since,
                    reaction_count__gt=0,
                )
                .select_related("group")
                .order_by("-reaction_count", "-comment_count", "-created_at")[:DIGEST_TOP_POSTS]
            )
        return self.top[key]


def digest_groups(user: User) -> list[Group]:
    """The groups a digest may speak of: active memberships, not paused
    (muted) and of course not banned."""
    now = timezone.now()
    return [
        m.group
        for m in Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE)
        .filter(Q(muted_until__isnull=True) | Q(muted_until__lte=now))
        .select_related("group")
        .order_by("group__name")
    ]


def digest_content(
    user: User,
    *,
    since: datetime,
    cache: GroupCache,
    daily: bool = False,
    only_group: Group | None = None,
) -> DigestContent | None:
    """What the person's digest holds, or None when nothing is unread (then
    nothing is sent). Every unread row is re-checked as the centre does."""
    groups = digest_groups(user)
    if only_group is not None:
        groups = [g for g in groups if g.pk == only_group.pk]
    if not groups:
        return None
    selectors.prime_reader(user)
    by_group = {g.pk: DigestGroup(group=g) for g in groups}
    unread = (
        Notification.objects.filter(
            recipient=user, read_at__isnull=True, group_id__in=list(by_group)
        )
        .select_related("group", "post", "post__subgroup", "comment", "actor")
        .order_by("-updated_at", "-id")[:DIGEST_UNREAD_MAX]
    )
    count = 0
    for n in unread:
        if n.group_id in by_group and perms.can_see(user, n):
            n.url = absolute_url(reverse("notification-open", kwargs={"notification_id": n.pk}))  # type: ignore[attr-defined]
            by_group[n.group_id].unread.append(n)
            count += 1
    if not count and only_group is None:
        return None
    for entry in by_group.values():
        entry.planned = cache.planned_for(entry.group)
        entry.top = cache.top_for(entry.group, since)
    names = [g.name for g in groups if by_group[g.pk].unread] or [groups[0].name]
    first, others = names[0], len(names) - 1
    with translation.override(settings.LANGUAGE_CODE):
        if others:
            subject = ngettext(
                "%(when)s nyt fra %(group)s og %(n)d anden gruppe",
                "%(when)s nyt fra %(group)s og %(n)d andre grupper",
                others,
            ) % {"when": _("Dagens") if daily else _("Ugens"), "group": first, "n": others}
        else:
            subject = _("%(when)s nyt fra %(group)s") % {
                "when": _("Dagens") if daily else _("Ugens"),
                "group": first,
            }
    return DigestContent(subject=subject, groups=list(by_group.values()), unread_count=count)


def digest_message(
    row: MailSettings, content: DigestContent, *, digest: Digest | None, daily: bool
) -> EmailMultiAlternatives:
    label = f"digest-{digest.user_id}-{digest.period:%Y%m%d}" if digest else "digest-preview"
    # The same Message-ID if a digest is ever sent twice (see the module's note).
    message_id = f"<{label}@{mail_domain()}>"
    return mail.build(
        row=row,
        kind=MailKind.DIGEST,
        subject=content.subject,
        template="digest",
        context={"content": content, "daily": daily},
        message_id=message_id,
    )


def digest_send(*, digest_ids: Iterable[int], now: datetime | None = None) -> int:
    """Send these pending digests, each once. Returns how many were sent."""
    now = now or timezone.now()
    cache = GroupCache(now)
    sent = 0
    connection = get_connection()
    try:
        for digest_id in digest_ids:
            held: HeldMessage | None = None
            with transaction.atomic():
                digest = (
                    Digest.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("user")
                    .filter(pk=digest_id, state=DigestState.PENDING)
                    .first()
                )
                if digest is None:
                    continue  # sent, empty, or being sent by another worker
                held = _digest_hold(connection, digest, cache, now)
            # Committed as sent: now the mail server may take it (sammen.mail.HeldMessage).
            if held is None:
                continue
            if held.release():
                sent += 1
                SentMail.objects.create(
                    user_id=digest.user_id,
                    kind=MailKind.DIGEST,
                    message_id=held.message.extra_headers["Message-ID"],
                )
            else:  # refused at the last moment: the next tick tries again
                Digest.objects.filter(pk=digest.pk).update(state=DigestState.PENDING, sent_at=None)
    finally:
        connection.close()
    return sent


def _digest_hold(
    connection: Any, digest: Digest, cache: GroupCache, now: datetime
) -> HeldMessage | None:
    """Inside the row's transaction: build the digest, hand it to the mail
    server but for its last line, and mark the row. None: nothing to send."""
    user = digest.user
    row = mail_settings_for(user)
    daily = row.digest == DigestFrequency.DAILY
    content = None
    if can_mail(user, row) and row.digest != DigestFrequency.NEVER:
        content = digest_content(user, since=digest.since, cache=cache, daily=daily)
    held = None
    if content is not None:
        held = HeldMessage(connection, digest_message(row, content, digest=digest, daily=daily))
        if not held.hold():
            held = None  # the server refused the address
    state = DigestState.SENT if held is not None else DigestState.EMPTY
    Digest.objects.filter(pk=digest.pk).update(state=state, sent_at=now)
    return held


def digest_preview(
    *, viewer: User, group: Group
) -> tuple[DigestContent | None, EmailMultiAlternatives | None]:
    """ "Sådan ser ugens e-mail ud": the viewer's own digest for this group,
    built now, sent to nobody (None if the viewer is paused in the group)."""
    now = timezone.now()
    content = digest_content(
        viewer, since=now - timedelta(days=7), cache=GroupCache(now), only_group=group
    )
    if content is None:
        return None, None
    message = digest_message(mail_settings_for(viewer), content, digest=None, daily=False)
    return content, message


def mail_prune(*, older_than_days: int = 30) -> int:
    """The budget's record and old digest rows are kept a month."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _kinds = SentMail.objects.filter(sent_at__lt=cutoff).delete()
    gone, _kinds = (
        Digest.objects.filter(created_at__lt=cutoff).exclude(state=DigestState.PENDING).delete()
    )
    return deleted + gone
