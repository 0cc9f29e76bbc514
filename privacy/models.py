"""A person's requests about their own data (issue 16): copies of it
("Hent mine data") and the erasure of their account ("Slet min konto"), and
the installation's privacy page.

An export is a ZIP in the private storage (never below MEDIA_ROOT), reached
only through a view that checks it is its owner's. A deletion is a state
machine row that a periodic task works through in recorded, idempotent steps,
so it completes exactly once even if a worker dies halfway.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_token() -> str:
    return secrets.token_urlsafe(32)


class ExportState(models.TextChoices):
    REQUESTED = "requested", _("Bestilt")
    BUILDING = "building", _("Bliver lavet")
    READY = "ready", _("Klar til at hente")
    FAILED = "failed", _("Mislykkedes")
    EXPIRED = "expired", _("Udløbet og slettet")


class ExportRequest(models.Model):
    """One copy of a person's data. The file is theirs alone: no admin page,
    no staff view and no URL but the owner's download reaches it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(
        max_length=10, choices=ExportState.choices, default=ExportState.REQUESTED
    )
    # The download address's secret part (the owner must also be logged in).
    token = models.CharField(max_length=64, unique=True, default=new_token)
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # The ZIP's name in the private storage ("" until built and after expiry).
    file_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    downloaded_at = models.DateTimeField(null=True, blank=True)
    # Started by a site operator for a member who cannot log in (manage.py
    # privacy_export): who asked for it and why, as the log says too.
    operator_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-requested_at"]),
            models.Index(fields=["expires_at"], condition=Q(state="ready"), name="export_ready"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ExportState.values), name="export_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.state} {self.requested_at:%Y-%m-%d}"

    @property
    def is_downloadable(self) -> bool:
        return (
            self.state == ExportState.READY
            and self.expires_at is not None
            and self.expires_at > timezone.now()
        )


class DeletionMode(models.TextChoices):
    EVERYTHING = "everything", _("Slet alt")
    ANONYMISE = "anonymise", _("Anonymisér")


class DeletionState(models.TextChoices):
    REQUESTED = "requested", _("Bestilt: venter til fristen er gået")
    SCHEDULED = "scheduled", _("Sat i gang")
    RUNNING = "running", _("Bliver slettet")
    DONE = "done", _("Slettet")
    CANCELLED = "cancelled", _("Annulleret")


class DeletionReason(models.TextChoices):
    MEMBER = "member", _("Medlemmet bad om det")
    INACTIVE = "inactive", _("Kontoen har ikke været brugt i lang tid")


class DeletionRequest(models.Model):
    """The erasure of one account: requested → scheduled → running → done
    (or cancelled while requested, by logging in). Its id is the n of
    "Tidligere medlem #n" in the moderation log. Once done the row holds no
    personal data: the user is gone (SET_NULL) and `steps_done` names steps."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    mode = models.CharField(max_length=10, choices=DeletionMode.choices)
    reason = models.CharField(
        max_length=10, choices=DeletionReason.choices, default=DeletionReason.MEMBER
    )
    state = models.CharField(
        max_length=10, choices=DeletionState.choices, default=DeletionState.REQUESTED
    )
    requested_at = models.DateTimeField(default=timezone.now)
    # The end of the grace period: logging in before it cancels.
    due_at = models.DateTimeField()
    scheduled_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Written after every step: a run whose heartbeat stopped (a killed
    # worker) is taken up again after PRIVACY_DELETION_STALE_SECONDS.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    steps_done = models.JSONField(default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["state", "due_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=DeletionState.values), name="deletion_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(mode__in=DeletionMode.values), name="deletion_mode_valid"
            ),
            # A deletion started twice is one deletion.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(state__in=["requested", "scheduled", "running"]),
                name="deletion_one_open_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.mode} {self.state}"

    @property
    def former_member_name(self) -> str:
        return f"Tidligere medlem #{self.pk}"


class PrivacyPage(models.Model):
    """The installation's privacy page, written by the site operator in the
    Django admin (one row; absent: the defaults below)."""

    controller = models.TextField(
        _("dataansvarlig"),
        default="Kommunen, der driver denne installation af Sammen.",
        help_text=_("Navn, adresse og CVR-nummer på den dataansvarlige."),
    )
    controller_email = models.EmailField(_("e-mail til den dataansvarlige"), blank=True)
    dpo = models.TextField(
        _("databeskyttelsesrådgiver"),
        default="Kommunens databeskyttelsesrådgiver (DPO).",
        help_text=_("Navn og kontaktoplysninger på databeskyttelsesrådgiveren (DPO)."),
    )
    dpo_email = models.EmailField(_("e-mail til databeskyttelsesrådgiveren"), blank=True)
    processors = models.TextField(
        _("databehandlere"),
        blank=True,
        default="Driften af serveren og afsendelsen af e-mails sker hos databehandlere, som "
        "kommunen har en databehandleraftale med.",
        help_text=_("Hvem der behandler oplysninger på den dataansvarliges vegne."),
    )
    extra = models.TextField(
        _("yderligere oplysninger"),
        blank=True,
        help_text=_("Vises nederst på siden om privatliv og i LÆS_MIG.txt i eksporten."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("side om privatliv")
        verbose_name_plural = _("side om privatliv")

    def __str__(self) -> str:
        return str(_("Side om privatliv"))
