from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

# Django's own salt: with generation 0 the hash is exactly Django's.
_SESSION_SALT = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person. Logs in with e-mail; others only ever see the display name."""

    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail"), unique=True)
    display_name = models.CharField(
        _("visningsnavn"),
        max_length=60,
        help_text=_("Det navn, de andre medlemmer ser. For eksempel dit fornavn og efternavn."),
    )
    bio = models.TextField(_("kort om dig"), max_length=500, blank=True)
    avatar = models.ImageField(_("profilbillede"), upload_to="avatars/", blank=True)

    # "Log ud på alle enheder" counts this up: every session's auth hash then
    # no longer matches, so Django logs each of them out on its next request.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]  # noqa: RUF012 - Django's own declaration style

    objects = UserManager()  # type: ignore[misc,assignment]

    class Meta:
        verbose_name = _("bruger")
        verbose_name_plural = _("brugere")

    def _session_value(self) -> str:
        # Generation 0 is Django's own value: sessions made before the field
        # existed stay valid.
        if not self.session_generation:
            return self.password
        return f"{self.password}:{self.session_generation}"

    def get_session_auth_hash(self) -> str:
        """Django's session check, with the session generation in it."""
        return salted_hmac(_SESSION_SALT, self._session_value(), algorithm="sha256").hexdigest()

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield salted_hmac(
                _SESSION_SALT, self._session_value(), secret=secret, algorithm="sha256"
            ).hexdigest()

    def __str__(self) -> str:
        return self.display_name or str(_("Unavngivet medlem"))

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name

    @property
    def initials(self) -> str:
        parts = [p for p in self.display_name.split() if p]
        return "".join(p[0] for p in parts[:2]).upper() or "?"


def display_name_of(user: User) -> str:
    """How allauth names a person in its messages and e-mails."""
    return user.display_name or user.email


# --- The consent ledger ------------------------------------------------------------
#
# One place records every consent a person gives or withdraws, per purpose (issue 16).
# It lives here, in the lowest app that holds a person, so the apps that ask for a
# consent (notifications, insights, directory) record into it through
# accounts.services.consent_give / consent_withdraw without importing privacy, the
# top layer that shows and exports it.


class ConsentPurpose(models.TextChoices):
    DIGEST = "digest", _("E-mail med en oversigt over det, du ikke har læst")
    PUSH = "push", _("Beskeder på telefonen (web push)")
    WHO5 = "who5", _("Trivselsmåling (WHO-5)")
    COORDINATOR = "coordinator", _("En fællesskabskoordinator må kontakte mig")
    DIRECTORY_LISTING = "directory", _("Mit fællesskab vises i fællesskabsoversigten")


class ConsentChannel(models.TextChoices):
    WEB = "web", _("På hjemmesiden")
    EMAIL = "email", _("Fra et link i en e-mail")
    SYSTEM = "system", _("Af Sammen (fx da du forlod gruppen)")


class Consent(models.Model):
    """One consent to one purpose: what the person was told (the text's
    version), when they said yes and, once withdrawn, when and how. `scope`
    narrows a purpose to one place ("group:12" for WHO-5 in one group, a
    coordinator request "request:7"); empty for the whole account."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("formål"), max_length=20, choices=ConsentPurpose.choices)
    scope = models.CharField(_("gælder"), max_length=40, blank=True)
    text_version = models.CharField(_("tekstens version"), max_length=20)
    given_at = models.DateTimeField(_("givet"))
    given_channel = models.CharField(max_length=10, choices=ConsentChannel.choices)
    withdrawn_at = models.DateTimeField(_("trukket tilbage"), null=True, blank=True)
    withdrawn_channel = models.CharField(max_length=10, choices=ConsentChannel.choices, blank=True)

    class Meta:
        verbose_name = _("samtykke")
        verbose_name_plural = _("samtykker")
        ordering = ["-given_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "purpose", "scope"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="consent_one_active_per_purpose",
            ),
            models.CheckConstraint(
                condition=models.Q(purpose__in=ConsentPurpose.values), name="consent_purpose_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.purpose} {self.scope}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class LoginRecord(models.Model):
    """When a person logged in (their login history, which they can export).
    No address, no device: the time and whether it was a fresh log-in or a
    confirmation of the password (re-authentication) is all that is kept."""

    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="login_records"
    )
    at = models.DateTimeField(db_index=True)
    reauthentication = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("log-ind")
        verbose_name_plural = _("log-ind-historik")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "-at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.at:%Y-%m-%d %H:%M}"
