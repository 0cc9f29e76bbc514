"""Flags, the cases in a group's review queue, the group's moderation
settings, the append-only audit log and the notices an author is shown."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

NOTE_MAX_LENGTH = 1000
REASON_MAX_LENGTH = 1000
KEYWORDS_MAX_LENGTH = 2000
HELP_TEXT_MAX_LENGTH = 2000
MAX_MUTE_DAYS = 90


class FlagReason(models.TextChoices):
    CONCERN = "concern", _("Bekymring for et medlem (en person ser ud til at have det meget svært)")
    HARASSMENT = "harassment", _("Chikane eller uvenlig tone")
    HATE = "hate", _("Had eller diskrimination")
    SPAM = "spam", _("Spam eller reklame")
    MISINFORMATION = "misinformation", _("Forkerte eller vildledende oplysninger")
    OTHER = "other", _("Andet (skriv hvad)")


class HeldReason(models.TextChoices):
    NEW_MEMBER = "new_member", _("Nyt medlems første opslag")
    KEYWORD = "keyword", _("Indeholder et ord fra ordlisten")


class CaseState(models.TextChoices):
    OPEN = "open", _("Venter")
    RESOLVED = "resolved", _("Afgjort")


class Decision(models.TextChoices):
    APPROVE = "approve", _("Godkend og vis igen")
    HIDE = "hide", _("Skjul")
    REMOVE = "remove", _("Fjern")


class AuthorAction(models.TextChoices):
    NONE = "", _("Ingen")
    WARN = "warn", _("Send forfatteren en advarsel")
    MUTE = "mute", _("Sæt forfatteren på pause i et antal dage")
    REMOVE = "remove_member", _("Fjern forfatteren fra gruppen")
    BAN = "ban", _("Udeluk forfatteren fra gruppen")


class AuditAction(models.TextChoices):
    AUTO_HIDE = "auto_hide", _("Skjult automatisk efter anmeldelser")
    HOLD = "hold", _("Holdt tilbage til godkendelse")
    APPROVE = "approve", _("Godkendt")
    HIDE = "hide", _("Skjult")
    REMOVE = "remove", _("Fjernet")
    WARN = "warn", _("Advarsel sendt")
    MUTE = "mute", _("Sat på pause")
    MEMBER_APPROVE = "member_approve", _("Optaget i gruppen")
    MEMBER_DECLINE = "member_decline", _("Anmodning afvist")
    MEMBER_REMOVE = "member_remove", _("Fjernet fra gruppen")
    MEMBER_BAN = "member_ban", _("Udelukket")
    MEMBER_UNBAN = "member_unban", _("Udelukkelse ophævet")
    ROLE_CHANGE = "role_change", _("Rolle ændret")
    SUBGROUP_APPROVE = "sub_approve", _("Optaget i en undergruppe")
    SUBGROUP_DECLINE = "sub_decline", _("Anmodning til en undergruppe afvist")
    SUBGROUP_REMOVE = "sub_remove", _("Fjernet fra en undergruppe")
    SETTINGS = "settings", _("Moderationsindstillinger ændret")


class ModerationSettings(models.Model):
    """A group's moderation rules. A group without a row uses the defaults."""

    group = models.OneToOneField(
        "groups.Group", on_delete=models.CASCADE, related_name="moderation_settings"
    )
    flag_threshold = models.PositiveSmallIntegerField(
        _("antal anmeldelser, før et indlæg skjules"),
        default=3,
        help_text=_("Anmeldelser fra forskellige medlemmer. Bekymringer tæller ikke med."),
    )
    hold_first_posts = models.PositiveSmallIntegerField(
        _("hold nye medlemmers første opslag tilbage"),
        default=0,
        help_text=_("Så mange af et nyt medlems første opslag skal godkendes. 0 slår det fra."),
    )
    held_keywords = models.TextField(
        _("ord, der holder et indlæg tilbage"),
        max_length=KEYWORDS_MAX_LENGTH,
        blank=True,
        help_text=_("Ét ord eller udtryk pr. linje. Store og små bogstaver er ligegyldige."),
    )
    concern_help_text = models.TextField(
        _("hjælpetekst ved bekymring"),
        max_length=HELP_TEXT_MAX_LENGTH,
        blank=True,
        help_text=_(
            "Vises for den, der melder bekymring for et medlem: hvor man kan få hjælp nu. "
            "Tomt giver standardteksten."
        ),
    )

    class Meta:
        verbose_name = _("moderationsindstillinger")
        verbose_name_plural = _("moderationsindstillinger")
        constraints = [
            models.CheckConstraint(
                condition=Q(flag_threshold__gte=1, flag_threshold__lte=50),
                name="moderation_threshold_range",
            ),
            models.CheckConstraint(
                condition=Q(hold_first_posts__lte=50), name="moderation_hold_first_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_id}"

    @property
    def keywords(self) -> list[str]:
        return [k.strip().casefold() for k in self.held_keywords.splitlines() if k.strip()]


class Case(models.Model):
    """One item (a post, or a comment with its post) in a group's review
    queue: flagged, or held for approval. Open until a moderator decides;
    the decision is taken under a row lock, so it is taken once."""

    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(
        "posts.Comment", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=10, choices=CaseState.choices, default=CaseState.OPEN)
    held_reason = models.CharField(max_length=12, choices=HeldReason.choices, blank=True)
    has_concern = models.BooleanField(default=False)
    flag_count = models.PositiveIntegerField(default=0)
    auto_hidden = models.BooleanField(default=False)
    opened_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    author_action = models.CharField(
        max_length=16, choices=AuthorAction.choices, blank=True, default=""
    )
    resolution_reason = models.TextField(max_length=REASON_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = _("sag")
        verbose_name_plural = _("sager")
        indexes = [
            models.Index(fields=["group", "state", "-has_concern", "-last_activity_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["post"],
                condition=Q(state="open", comment__isnull=True),
                name="case_one_open_per_post",
            ),
            models.UniqueConstraint(
                fields=["comment"],
                condition=Q(state="open", comment__isnull=False),
                name="case_one_open_per_comment",
            ),
            models.CheckConstraint(
                condition=Q(state__in=CaseState.values), name="case_state_valid"
            ),
        ]

    def __str__(self) -> str:
        what = f"comment {self.comment_id}" if self.comment_id else f"post {self.post_id}"
        return f"{what} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state == CaseState.OPEN

    @property
    def item(self) -> models.Model:
        return self.comment if self.comment_id else self.post  # type: ignore[return-value]


class Flag(models.Model):
    """One member's report of one post or comment; one per person per item."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="flags")
    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(
        "posts.Comment", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderation_flags"
    )
    reason = models.CharField(_("grund"), max_length=16, choices=FlagReason.choices)
    note = models.TextField(_("uddybning"), max_length=NOTE_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("anmeldelse")
        verbose_name_plural = _("anmeldelser")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "post"],
                condition=Q(comment__isnull=True),
                name="flag_one_per_user_post",
            ),
            models.UniqueConstraint(
                fields=["user", "comment"],
                condition=Q(comment__isnull=False),
                name="flag_one_per_user_comment",
            ),
            models.CheckConstraint(
                condition=Q(reason__in=FlagReason.values), name="flag_reason_valid"
            ),
        ]
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.reason}"


class AuditEntry(models.Model):
    """Append-only: who did what to whom, when and why. Nothing updates or
    deletes a row (no service does; the admin is read-only)."""

    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+")
    # None: the system (auto-hide after flags, held for approval).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_name = models.CharField(max_length=150, blank=True)
    # Plain ids: the log outlives the content it names.
    post_ref = models.BigIntegerField(null=True, blank=True)
    comment_ref = models.BigIntegerField(null=True, blank=True)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries"
    )
    reason = models.TextField(max_length=REASON_MAX_LENGTH, blank=True)
    detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("logpost")
        verbose_name_plural = _("moderationslog")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["group", "-created_at"]),
            models.Index(fields=["group", "target_user", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"


class Notice(models.Model):
    """What moderation decided about a person's content or membership, in
    plain Danish, on their home page until they dismiss it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderation_notices"
    )
    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    is_comment = models.BooleanField(default=False)
    post_ref = models.BigIntegerField(null=True, blank=True)
    excerpt = models.CharField(max_length=200, blank=True)
    reason = models.TextField(max_length=REASON_MAX_LENGTH, blank=True)
    until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("besked fra moderator")
        verbose_name_plural = _("beskeder fra moderatorer")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "dismissed_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action}"
