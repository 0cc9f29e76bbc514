"""Closed groups, their memberships, invite links and sub-groups."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_QUESTIONS = 3
QUESTION_MAX_LENGTH = 300
ANSWER_MAX_LENGTH = 1000


class Visibility(models.TextChoices):
    CLOSED = "closed", _("Lukket: alle kan se navn og beskrivelse, kun medlemmer ser indholdet")
    SECRET = "secret", _("Hemmelig: kun medlemmer kan finde gruppen")


class Role(models.TextChoices):
    MEMBER = "member", _("Medlem")
    STAFF = "staff", _("Medarbejder")
    MODERATOR = "moderator", _("Moderator")
    ADMIN = "admin", _("Administrator")


class MembershipStatus(models.TextChoices):
    PENDING = "pending", _("Afventer godkendelse")
    ACTIVE = "active", _("Medlem")
    DECLINED = "declined", _("Afvist")
    BANNED = "banned", _("Udelukket")


class Group(models.Model):
    name = models.CharField(_("navn"), max_length=80)
    slug = models.SlugField(_("adresse"), max_length=80, unique=True)
    description = models.TextField(_("beskrivelse"), max_length=2000)
    rules = models.TextField(_("regler"), max_length=5000, blank=True)
    questions = models.JSONField(_("spørgsmål til nye medlemmer"), default=list, blank=True)
    cover = models.ImageField(_("forsidebillede"), upload_to="covers/", blank=True)
    cover_alt = models.CharField(_("billedbeskrivelse"), max_length=200, blank=True)
    visibility = models.CharField(
        _("synlighed"), max_length=10, choices=Visibility.choices, default=Visibility.CLOSED
    )
    created_at = models.DateTimeField(_("oprettet"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("gruppe")
        verbose_name_plural = _("grupper")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("group-detail", kwargs={"group_slug": self.slug})

    @property
    def is_secret(self) -> bool:
        return self.visibility == Visibility.SECRET

    def clean(self) -> None:
        questions = self.questions
        if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
            raise ValidationError({"questions": _("Spørgsmålene skal være en liste af tekster.")})
        if len(questions) > MAX_QUESTIONS:
            raise ValidationError(
                {"questions": _("En gruppe kan højst have %(n)d spørgsmål.") % {"n": MAX_QUESTIONS}}
            )


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("rolle"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=MembershipStatus.choices,
        default=MembershipStatus.PENDING,
    )
    # [{"question": "...", "answer": "..."}], the question text as it was asked.
    answers = models.JSONField(_("svar"), default=list, blank=True)
    requested_at = models.DateTimeField(_("anmodet"), null=True, blank=True)
    joined_at = models.DateTimeField(_("medlem siden"), null=True, blank=True)
    decided_at = models.DateTimeField(_("besluttet"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_message = models.TextField(_("besked"), max_length=1000, blank=True)
    invite = models.ForeignKey(
        "Invite", null=True, blank=True, on_delete=models.SET_NULL, related_name="memberships"
    )
    # Set by moderation: until then the member can read but not post, comment or react.
    muted_until = models.DateTimeField(_("kan ikke skrive indtil"), null=True, blank=True)
    # When the member closed the welcome card of their first visit (pages.views);
    # until then the group page greets them.
    welcomed_at = models.DateTimeField(_("velkomst lukket"), null=True, blank=True)

    class Meta:
        verbose_name = _("medlemskab")
        verbose_name_plural = _("medlemskaber")
        constraints = [
            models.UniqueConstraint(fields=["user", "group"], name="membership_unique_user_group"),
            models.CheckConstraint(
                condition=Q(status__in=MembershipStatus.values), name="membership_status_valid"
            ),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]
        indexes = [models.Index(fields=["group", "status", "role"])]

    def __str__(self) -> str:
        return f"{self.user} – {self.group} ({self.status}, {self.role})"

    @property
    def is_active(self) -> bool:
        return self.status == MembershipStatus.ACTIVE

    @property
    def is_muted(self) -> bool:
        return self.muted_until is not None and self.muted_until > timezone.now()


class Invite(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="invites")
    token = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("udløber"))
    max_uses = models.PositiveIntegerField(_("højst antal brug"), null=True, blank=True)
    use_count = models.PositiveIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitationslink")
        verbose_name_plural = _("invitationslinks")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(max_uses__gte=1),
                name="invite_max_uses_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} ({self.created_at:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("invite-accept", kwargs={"token": self.token})

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_used_up(self) -> bool:
        return self.max_uses is not None and self.use_count >= self.max_uses

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and not self.is_expired and not self.is_used_up


class JoinPolicy(models.TextChoices):
    OPEN = "open", _("Åben: medlemmer af gruppen kan melde sig ind")
    REQUEST = "request", _("Efter anmodning: facilitatoren godkender")


class SubGroupMembershipStatus(models.TextChoices):
    PENDING = "pending", _("Afventer godkendelse")
    ACTIVE = "active", _("Medlem")


class SubGroup(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="subgroups")
    name = models.CharField(_("navn"), max_length=80)
    slug = models.SlugField(_("adresse"), max_length=80)
    description = models.TextField(_("beskrivelse"), max_length=2000, blank=True)
    member_cap = models.PositiveSmallIntegerField(
        _("højst antal medlemmer"),
        null=True,
        blank=True,
        help_text=_("Lad feltet være tomt, hvis der ikke er nogen grænse."),
    )
    join_policy = models.CharField(
        _("optagelse"), max_length=10, choices=JoinPolicy.choices, default=JoinPolicy.OPEN
    )
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="facilitated_subgroups",
        verbose_name=_("facilitator"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("undergruppe")
        verbose_name_plural = _("undergrupper")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["group", "slug"], name="subgroup_unique_slug"),
            models.CheckConstraint(
                condition=Q(member_cap__isnull=True) | Q(member_cap__gte=1),
                name="subgroup_cap_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse(
            "subgroup-detail", kwargs={"group_slug": self.group.slug, "subgroup_slug": self.slug}
        )


class SubGroupMembership(models.Model):
    subgroup = models.ForeignKey(SubGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subgroup_memberships"
    )
    status = models.CharField(
        max_length=10,
        choices=SubGroupMembershipStatus.choices,
        default=SubGroupMembershipStatus.ACTIVE,
    )
    requested_at = models.DateTimeField(default=timezone.now)
    joined_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("medlemskab af undergruppe")
        verbose_name_plural = _("medlemskaber af undergrupper")
        constraints = [
            models.UniqueConstraint(fields=["subgroup", "user"], name="subgroup_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.subgroup} ({self.status})"
