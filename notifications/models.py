"""Notifications: what happened to a person, and how much they want to hear.

A notification row is one line in the person's notification centre. Several
events of the same kind about the same post, while unread, are one row with a
count and the latest actor ("Anna og 3 andre reagerede på dit opslag"). What a
row points at is re-checked against the reader's permissions whenever it is
shown: a post hidden or removed afterwards disappears from the centre.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """How much a person hears from a group or sub-group (plain Danish)."""

    ALL = "alt", _("Alt")
    NORMAL = "normal", _("Normal")
    MENTIONS = "omtaler", _("Kun omtaler")
    OFF = "fra", _("Fra")


LEVEL_HELP = {
    Level.ALL: _("Besked om hvert nyt opslag, og om svar, omtaler og opslag, du følger."),
    Level.NORMAL: _("Besked om svar til dig, omtaler og nye kommentarer i opslag, du følger."),
    Level.MENTIONS: _("Kun besked, når nogen nævner dig med @."),
    Level.OFF: _("Ingen beskeder fra denne gruppe."),
}


class Kind(models.TextChoices):
    REPLY = "reply", _("Svar til dig")
    COMMENT = "comment", _("Ny kommentar i et opslag, du følger")
    MENTION = "mention", _("Omtale")
    REACTION = "reaction", _("Reaktion")
    NEW_POST = "new_post", _("Nyt opslag")
    JOIN_DECIDED = "join_decided", _("Svar på din anmodning")
    JOIN_REQUEST = "join_request", _("Ny anmodning om medlemskab")
    MODERATION = "moderation", _("Besked fra moderatorerne")
    CONCERN = "concern", _("Bekymring for et medlem")
    CASE = "case", _("Ny sag i moderationskøen")
    PUBLISH_FAILED = "publish_failed", _("Et planlagt opslag kunne ikke udgives")
    MAIL_STOPPED = "mail_stopped", _("Vores e-mails kan ikke nå frem")
    # The directory (issue 15): a submitter hears of the editors' decision; the
    # editors hear of entries hidden for not being confirmed.
    DIRECTORY_APPROVED = "dir_approved", _("Dit fællesskab er godkendt")
    DIRECTORY_DECLINED = "dir_declined", _("Dit fællesskab blev ikke godkendt")
    DIRECTORY_CHANGES = "dir_changes", _("Ret dit fællesskab")
    DIRECTORY_STALE = "dir_stale", _("Et fællesskab er skjult, fordi det ikke er bekræftet")


class GroupDefault(models.Model):
    """The level an administrator chose for everyone in the group who has not
    chosen their own. Absent: Normal."""

    group = models.OneToOneField(
        "groups.Group", on_delete=models.CASCADE, related_name="notification_default"
    )
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.NORMAL)

    def __str__(self) -> str:
        return f"{self.group_id}: {self.level}"


class Preference(models.Model):
    """A person's own level for a group (subgroup empty) or one of its
    sub-groups. No row means "as the group" (the group's default, or for a
    sub-group, the person's level for its group): a later change of the
    group's default reaches everyone who has not chosen."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_levels"
    )
    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+")
    subgroup = models.ForeignKey(
        "groups.SubGroup", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    level = models.CharField(max_length=10, choices=Level.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "group"],
                condition=Q(subgroup__isnull=True),
                name="notification_level_one_per_group",
            ),
            models.UniqueConstraint(
                fields=["user", "subgroup"],
                condition=Q(subgroup__isnull=False),
                name="notification_level_one_per_subgroup",
            ),
            models.CheckConstraint(
                condition=Q(level__in=Level.values), name="notification_level_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.group_id}/{self.subgroup_id}: {self.level}"


class Follow(models.Model):
    """Whether a person follows a post (new comments in it reach them). Authors
    follow their post and commenters the post they commented on, unless they
    chose "Følg ikke" (a row with following=False, which stays)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="post_follows"
    )
    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="+")
    following = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "post"], name="follow_one_per_post"),
        ]
        indexes = [models.Index(fields=["post", "following"])]

    def __str__(self) -> str:
        return f"{self.user_id} {'follows' if self.following else 'ignores'} {self.post_id}"


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Empty only for what is about the person's account (mail_stopped).
    group = models.ForeignKey(
        "groups.Group", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    post = models.ForeignKey(
        "posts.Post", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The newest comment the row is about (the link leads to it).
    comment = models.ForeignKey(
        "posts.Comment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The newest person who did it, and how many events the row gathers.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    count = models.PositiveIntegerField(default=1)
    # Kinds without a post: the thing it is about (a membership, a case, a plan row).
    object_id = models.BigIntegerField(null=True, blank=True)
    # A short text for kinds whose object may go (a decision message, a plan title).
    text = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # An immediate e-mail waits until then (the delay window); cleared when it
    # is sent or skipped (read meanwhile, hidden, over budget: left to the digest).
    email_due_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["recipient", "-updated_at", "-id"]),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
            models.Index(fields=["read_at"], name="notification_read_at"),
            models.Index(
                fields=["email_due_at"],
                condition=Q(email_due_at__isnull=False),
                name="notification_email_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=Kind.values), name="notification_kind_valid"
            ),
            # One unread row per person, kind and post: later events join it.
            models.UniqueConstraint(
                fields=["recipient", "kind", "post"],
                condition=Q(read_at__isnull=True, post__isnull=False),
                name="notification_one_unread_per_post_and_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.kind} x{self.count}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


# Kinds that reach a phone at once (web push); the rest wait for the centre and the digest.
IMMEDIATE_KINDS = frozenset({Kind.REPLY, Kind.MENTION, Kind.JOIN_DECIDED, Kind.CONCERN})
# Kinds worth an e-mail of their own, after the delay window and within the
# budget. A join decision and a concern are e-mailed at once by the apps that
# make them (groups, moderation), as transactional mail.
MAIL_KINDS = frozenset({Kind.REPLY, Kind.MENTION})


class DigestFrequency(models.TextChoices):
    WEEKLY = "ugentlig", _("En gang om ugen")
    DAILY = "daglig", _("Hver dag")
    NEVER = "aldrig", _("Aldrig")


class MailKind(models.TextChoices):
    """What a person can unsubscribe from, one kind at a time."""

    IMMEDIATE = "straks", _("E-mails om svar og omtaler")
    DIGEST = "oversigt", _("Oversigten over det, du ikke har læst")


def new_key() -> str:
    return secrets.token_hex(16)


class MailSettings(models.Model):
    """A person's e-mail choices. No row: the defaults (immediate e-mails on,
    the weekly digest on NOTIFY_DIGEST_WEEKDAY)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mail_settings"
    )
    immediate = models.BooleanField(default=True)
    digest = models.CharField(
        max_length=10, choices=DigestFrequency.choices, default=DigestFrequency.WEEKLY
    )
    # 0 = Monday … 6 = Sunday.
    digest_weekday = models.PositiveSmallIntegerField(default=0)
    # Unsubscribe links are signed with this: a new key voids every old link.
    key = models.CharField(max_length=32, default=new_key)
    # The provider said the address bounced hard or the person complained:
    # no more mail to it, and the person is told on their next visit.
    stopped_address = models.EmailField(blank=True)
    stopped_reason = models.CharField(max_length=20, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(digest__in=DigestFrequency.values), name="mail_settings_digest_valid"
            ),
            models.CheckConstraint(
                condition=Q(digest_weekday__lte=6), name="mail_settings_weekday_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.digest}"

    def stops(self, address: str) -> bool:
        return bool(self.stopped_address) and self.stopped_address.lower() == address.lower()


class SentMail(models.Model):
    """One e-mail sent to a person (for the per-person budget and the record)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=MailKind.choices)
    message_id = models.CharField(max_length=200)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "kind", "-sent_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.sent_at:%Y-%m-%d %H:%M}"


class DigestState(models.TextChoices):
    PENDING = "pending", _("Venter")
    SENT = "sent", _("Sendt")
    EMPTY = "empty", _("Intet ulæst")


class Digest(models.Model):
    """One digest per person and period (the local date it is for). The row is
    made before anything is sent, and only one can exist: two beats, a killed
    worker or a lost task still send it once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    period = models.DateField()
    # The first day the digest covers (the day after the previous one).
    since = models.DateTimeField()
    state = models.CharField(
        max_length=10, choices=DigestState.choices, default=DigestState.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    # When a task was last given the row: handed out again only if still
    # pending NOTIFY_DIGEST_STALE_SECONDS later (its task was lost).
    handed_out_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "period"], name="digest_once_per_period"),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(state="pending"),
                name="digest_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.period} {self.state}"


class PushSubscription(models.Model):
    """A browser or phone that asked for push messages (web push, VAPID)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.endpoint[:40]}"
