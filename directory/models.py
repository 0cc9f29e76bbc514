"""The public directory of communities and activities (issue 15).

An Entry is a community or an activity anyone may find without logging in once
it is published. Its schedule is an RRULE (with a start and end time) or a set
of single dates (EntryDate). The weekday and time-of-day masks, the theme mask
and the search fields are derived by directory.services from what an editor or
submitter typed, so the filters are plain integer tests on both backends.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dateutil.rrule import rrulestr
from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sammen.themes import Theme

TITLE_MAX_LENGTH = 120
DESCRIPTION_MAX_LENGTH = 1500
RRULE_MAX_LENGTH = 200
ALT_MAX_LENGTH = 300

# One bit per theme, in the order of sammen.themes.Theme.
THEME_BITS: dict[str, int] = {value: 1 << i for i, value in enumerate(Theme.values)}
# Monday is bit 0, as Python's date.weekday() counts.
WEEKDAY_BITS: list[int] = [1 << i for i in range(7)]


class DayPart(models.TextChoices):
    MORNING = "formiddag", _("Formiddag (før kl. 12)")
    AFTERNOON = "eftermiddag", _("Eftermiddag (kl. 12–17)")
    EVENING = "aften", _("Aften (efter kl. 17)")


DAY_PART_BITS: dict[str, int] = {value: 1 << i for i, value in enumerate(DayPart.values)}


class _ManagedList(models.Model):
    """A short list an editor keeps in the Django admin."""

    name = models.CharField(_("navn"), max_length=80)
    slug = models.SlugField(_("adresse"), max_length=80, unique=True)
    order = models.PositiveSmallIntegerField(_("rækkefølge"), default=0)

    class Meta:
        abstract = True
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Area(_ManagedList):
    """A local area of the installation's municipality (Horsens midtby, Hatting …)."""

    class Meta(_ManagedList.Meta):
        verbose_name = _("lokalområde")
        verbose_name_plural = _("lokalområder")


class ActivityType(_ManagedList):
    """Gåtur, strik og hækl, sang og musik, madfællesskab …"""

    class Meta(_ManagedList.Meta):
        verbose_name = _("aktivitetstype")
        verbose_name_plural = _("aktivitetstyper")


class TargetGroup(_ManagedList):
    """Alle, seniorer 60+, unge, pårørende …"""

    class Meta(_ManagedList.Meta):
        verbose_name = _("målgruppe")
        verbose_name_plural = _("målgrupper")


class OrganiserKind(models.TextChoices):
    ASSOCIATION = "association", _("Forening")
    MUNICIPALITY = "municipality", _("Kommunen")
    GROUP = "group", _("Gruppe på Sammen")


class EntryStatus(models.TextChoices):
    DRAFT = "draft", _("Kladde")
    PENDING = "pending", _("Afventer godkendelse")
    CHANGES_REQUESTED = "changes_requested", _("Skal rettes")
    PUBLISHED = "published", _("Offentliggjort")
    DECLINED = "declined", _("Afvist")
    HIDDEN = "hidden", _("Skjult")


def validate_rrule(value: str) -> None:
    """An RRULE python-dateutil can expand (without DTSTART: the entry has its own)."""
    if not value:
        return
    text = value.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    if "\n" in text or "DTSTART" in text.upper():
        raise ValidationError(_("Gentagelsen skal være én regel uden startdato."), code="rrule")
    try:
        rule = rrulestr(text, dtstart=dt.datetime(2026, 1, 1), forceset=False)
    except (ValueError, TypeError, KeyError, IndexError):
        raise ValidationError(
            _("Gentagelsen kan ikke forstås. Skriv den som fx FREQ=WEEKLY;BYDAY=TU."),
            code="rrule",
        ) from None
    if not hasattr(rule, "after"):
        raise ValidationError(_("Gentagelsen kan ikke forstås."), code="rrule")


class Entry(models.Model):
    title = models.CharField(_("titel"), max_length=TITLE_MAX_LENGTH)
    description = models.TextField(_("kort beskrivelse"), max_length=DESCRIPTION_MAX_LENGTH)

    organiser_kind = models.CharField(
        _("arrangør"),
        max_length=12,
        choices=OrganiserKind.choices,
        default=OrganiserKind.ASSOCIATION,
    )
    organiser_name = models.CharField(_("arrangørens navn"), max_length=120)
    # A listed Sammen group (the public face only) or one of its sub-groups.
    group = models.ForeignKey(
        "groups.Group",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="directory_entries",
        verbose_name=_("gruppe på Sammen"),
    )
    subgroup = models.ForeignKey(
        "groups.SubGroup",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="directory_entries",
        verbose_name=_("undergruppe på Sammen"),
    )

    # Sum of THEME_BITS: see `themes`.
    theme_mask = models.PositiveSmallIntegerField(_("temaer"), default=0)
    activity_types = models.ManyToManyField(
        ActivityType, blank=True, related_name="entries", verbose_name=_("aktivitetstyper")
    )
    target_groups = models.ManyToManyField(
        TargetGroup, blank=True, related_name="entries", verbose_name=_("målgrupper")
    )
    min_age = models.PositiveSmallIntegerField(_("alder fra"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("alder til"), null=True, blank=True)

    area = models.ForeignKey(
        Area,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="entries",
        verbose_name=_("lokalområde"),
    )
    place_name = models.CharField(_("mødested"), max_length=120, blank=True)
    address = models.CharField(_("adresse"), max_length=200, blank=True)

    # When: an RRULE from `starts_on` with a start and end time, or EntryDate rows.
    rrule = models.CharField(
        _("gentagelse"), max_length=RRULE_MAX_LENGTH, blank=True, validators=[validate_rrule]
    )
    starts_on = models.DateField(_("første gang"), null=True, blank=True)
    ends_on = models.DateField(_("sidste gang"), null=True, blank=True)
    start_time = models.TimeField(_("starter kl."), null=True, blank=True)
    end_time = models.TimeField(_("slutter kl."), null=True, blank=True)
    schedule_note = models.CharField(_("hvornår, med egne ord"), max_length=200, blank=True)
    # Derived from the schedule by the services: bit i = weekday i (Monday 0).
    weekday_mask = models.PositiveSmallIntegerField(default=0, editable=False)
    # Derived: DAY_PART_BITS of the times the activity covers.
    day_part_mask = models.PositiveSmallIntegerField(default=0, editable=False)

    is_free = models.BooleanField(_("gratis"), default=True)
    price_ore = models.PositiveIntegerField(_("pris i øre"), null=True, blank=True)
    price_note = models.CharField(_("om prisen"), max_length=200, blank=True)
    signup_required = models.BooleanField(_("tilmelding nødvendig"), default=False)

    step_free = models.BooleanField(_("trinfri adgang"), default=False)
    accessible_toilet = models.BooleanField(_("handicaptoilet"), default=False)
    hearing_loop = models.BooleanField(_("teleslynge"), default=False)
    parking = models.BooleanField(_("parkering"), default=False)
    near_bus = models.BooleanField(_("tæt på bus"), default=False)
    can_come_alone = models.BooleanField(
        _("du kan komme alene – der er en fast velkomstperson"), default=False
    )
    companion_welcome = models.BooleanField(_("du må tage en ledsager med"), default=False)

    contact_name = models.CharField(_("kontaktperson"), max_length=120, blank=True)
    contact_phone = models.CharField(_("telefon"), max_length=20, blank=True)
    contact_email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("hjemmeside"), blank=True)

    # Public by design (the directory is public): under MEDIA_ROOT, EXIF stripped
    # by sammen.images before it is stored.
    photo = models.ImageField(_("billede"), upload_to="directory/", blank=True)
    photo_alt = models.CharField(_("billedbeskrivelse"), max_length=ALT_MAX_LENGTH, blank=True)

    status = models.CharField(
        _("status"), max_length=20, choices=EntryStatus.choices, default=EntryStatus.DRAFT
    )
    status_reason = models.TextField(_("begrundelse"), max_length=2000, blank=True)
    published_at = models.DateTimeField(_("offentliggjort"), null=True, blank=True)
    last_confirmed_at = models.DateTimeField(_("senest bekræftet"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="directory_entries",
        verbose_name=_("oprettet af"),
    )
    created_at = models.DateTimeField(_("oprettet"), default=timezone.now)
    updated_at = models.DateTimeField(_("ændret"), default=timezone.now)

    # Search (directory/search.py): the entry's words in lower case, for the
    # trigram typo match on PostgreSQL (the SQLite FTS5 table holds them stemmed),
    # and PostgreSQL's weighted tsvector (title A, types/organiser B, the rest C).
    search_text = models.TextField(default="", blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)

    # Freshness (directory/freshness.py): when the contact was last asked to
    # confirm the entry (once per period: set in the transaction that decides
    # to send), and when it was hidden for not answering within 30 days.
    confirm_asked_at = models.DateTimeField(null=True, blank=True, editable=False)
    stale_hidden_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("fællesskab")
        verbose_name_plural = _("fællesskaber")
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=EntryStatus.values), name="directory_entry_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(organiser_kind__in=OrganiserKind.values),
                name="directory_entry_organiser_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(min_age__lte=models.F("max_age")),
                name="directory_entry_age_band",
            ),
            # A listed sub-group is always listed with its group.
            models.CheckConstraint(
                condition=Q(subgroup__isnull=True) | Q(group__isnull=False),
                name="directory_entry_subgroup_has_group",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "area"]),
            models.Index(fields=["status", "published_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("directory-entry", kwargs={"entry_id": self.pk})

    @property
    def themes(self) -> list[str]:
        """The entry's Theme values, in Theme's order."""
        return [value for value, bit in THEME_BITS.items() if self.theme_mask & bit]

    @themes.setter
    def themes(self, values: Any) -> None:
        mask = 0
        for value in values or ():
            if value not in THEME_BITS:
                raise ValueError(f"unknown theme {value!r}")
            mask |= THEME_BITS[value]
        self.theme_mask = mask

    def get_themes_display(self) -> list[str]:
        labels = dict(Theme.choices)
        return [str(labels[value]) for value in self.themes]

    @property
    def is_published(self) -> bool:
        return self.status == EntryStatus.PUBLISHED

    @property
    def accessibility(self) -> list[str]:
        """The accessibility features it has, as labels."""
        return [
            str(ACCESSIBILITY_LABELS[name]) for name in ACCESSIBILITY_FIELDS if getattr(self, name)
        ]

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            errors["max_age"] = _("Alderen 'til' skal være den samme som 'fra' eller højere.")
        if self.rrule and (self.starts_on is None or self.start_time is None):
            errors["starts_on"] = _(
                "En gentagelse skal have en første dato og et klokkeslæt, den starter."
            )
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            errors["end_time"] = _("Sluttidspunktet skal være efter starttidspunktet.")
        if not self.is_free and self.price_ore is None and not self.price_note:
            errors["price_ore"] = _("Skriv prisen, eller marker at det er gratis.")
        if self.photo and not self.photo_alt:
            errors["photo_alt"] = _("Beskriv billedet med et par ord for dem, der ikke kan se det.")
        if errors:
            raise ValidationError(errors)


ACCESSIBILITY_FIELDS = ("step_free", "accessible_toilet", "hearing_loop", "parking", "near_bus")
ACCESSIBILITY_LABELS = {
    "step_free": _("Trinfri adgang"),
    "accessible_toilet": _("Handicaptoilet"),
    "hearing_loop": _("Teleslynge"),
    "parking": _("Parkering"),
    "near_bus": _("Tæt på bus"),
}


class EntryDate(models.Model):
    """A single date of an entry that has no recurring rule (or extra dates)."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="dates")
    date = models.DateField(_("dato"))
    start_time = models.TimeField(_("starter kl."), null=True, blank=True)
    end_time = models.TimeField(_("slutter kl."), null=True, blank=True)

    class Meta:
        verbose_name = _("dato")
        verbose_name_plural = _("datoer")
        ordering = ["date", "start_time"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "date", "start_time"], name="directory_entrydate_unique"
            ),
        ]
        indexes = [models.Index(fields=["date"])]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.date}"


class ChangeAction(models.TextChoices):
    CREATED = "created", _("Oprettet")
    UPDATED = "updated", _("Ændret")
    SUBMITTED = "submitted", _("Sendt til godkendelse")
    APPROVED = "approved", _("Godkendt")
    DECLINED = "declined", _("Afvist")
    CHANGES_REQUESTED = "changes_requested", _("Bedt om rettelser")
    HIDDEN = "hidden", _("Skjult")
    CONFIRMED = "confirmed", _("Bekræftet")
    LISTED = "listed", _("Gruppen vist i oversigten")
    UNLISTED = "unlisted", _("Gruppen fjernet fra oversigten")


class EntryChange(models.Model):
    """The change log of an entry: who did what, when, and what changed."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="changes")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=20, choices=ChangeAction.choices)
    summary = models.TextField(blank=True)
    # {"field": [old, new], …} for edits.
    diff = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("ændring")
        verbose_name_plural = _("ændringer")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["entry", "-at"])]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.action} {self.at:%Y-%m-%d}"


class DirectoryRoleKind(models.TextChoices):
    EDITOR = "editor", _("Redaktør af fællesskabsoversigten")
    COORDINATOR = "coordinator", _("Fællesskabskoordinator")


class DirectoryRole(models.Model):
    """An installation-wide role (not per group): editors review and keep the
    directory fresh, coordinators work the 'Tal med en koordinator' requests."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="directory_roles"
    )
    role = models.CharField(_("rolle"), max_length=12, choices=DirectoryRoleKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("rolle i fællesskabsoversigten")
        verbose_name_plural = _("roller i fællesskabsoversigten")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="directory_role_unique"),
            models.CheckConstraint(
                condition=Q(role__in=DirectoryRoleKind.values), name="directory_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"


class Favourite(models.Model):
    """A member's saved entry (visitors keep theirs in the session)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="directory_favourites"
    )
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="favourites")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("favorit")
        verbose_name_plural = _("favoritter")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "entry"], name="directory_favourite_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ♥ {self.entry_id}"


class ResultBucket(models.IntegerChoices):
    NONE = 0, _("Ingen resultater")
    FEW = 1, _("1–2 resultater")
    MANY = 3, _("3 eller flere resultater")


class SearchStat(models.Model):
    """Searches of one month, aggregated: never who searched (no user, no IP).

    One row per (month, normalised query text, filters, result bucket); `count`
    counts searches and `people` distinct visitors, counted through
    SearchStatVisitor's daily-salted hashes (pruned after the month)."""

    month = models.DateField()  # the first day of the month
    query = models.CharField(max_length=100, blank=True)  # normalised, "" for none
    area = models.CharField(max_length=80, blank=True)  # Area slug
    target_group = models.CharField(max_length=80, blank=True)  # TargetGroup slug
    theme = models.CharField(max_length=12, blank=True)  # Theme value
    activity_type = models.CharField(max_length=80, blank=True)  # ActivityType slug
    # The other filters, sorted "key=value" pairs joined by "&" ("" for none).
    other_filters = models.CharField(max_length=200, blank=True)
    bucket = models.PositiveSmallIntegerField(choices=ResultBucket.choices)
    count = models.PositiveIntegerField(default=0)
    people = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("søgestatistik")
        verbose_name_plural = _("søgestatistik")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "month",
                    "query",
                    "area",
                    "target_group",
                    "theme",
                    "activity_type",
                    "other_filters",
                    "bucket",
                ],
                name="directory_searchstat_unique",
            ),
        ]
        indexes = [models.Index(fields=["month", "bucket"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.query!r} {self.bucket}: {self.count}"


class SearchStatVisitor(models.Model):
    """That one (unnamed) visitor was counted once for a stat row. `visitor`
    is an HMAC of the session under a random salt that changes every day and is
    never stored in the database: it cannot be turned back into a person."""

    stat = models.ForeignKey(SearchStat, on_delete=models.CASCADE, related_name="+")
    visitor = models.CharField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["stat", "visitor"], name="directory_statvisitor_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stat_id}: {self.visitor}"


# --- Review of edits, coordinator requests, inspiration lists (issue 15, D2) ------


class RevisionState(models.TextChoices):
    PENDING = "pending", _("Afventer godkendelse")
    CHANGES_REQUESTED = "changes_requested", _("Skal rettes")
    APPROVED = "approved", _("Godkendt")
    DECLINED = "declined", _("Afvist")


class EntryRevision(models.Model):
    """An organiser's edit of a published entry, waiting for an editor. The
    published entry stays as it is (citizens never see unreviewed text) until
    an editor approves; then the proposed fields are copied onto it."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="revisions")
    # The form's cleaned fields: plain values, ids for choices from lists.
    proposed = models.JSONField(default=dict)
    # A new photo, if the edit has one (not shown to citizens until approved).
    photo = models.ImageField(upload_to="directory/", blank=True)
    state = models.CharField(
        max_length=20, choices=RevisionState.choices, default=RevisionState.PENDING
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(max_length=2000, blank=True)

    class Meta:
        verbose_name = _("ændringsforslag")
        verbose_name_plural = _("ændringsforslag")
        ordering = ["submitted_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=RevisionState.values), name="directory_revision_state_valid"
            ),
            # One open edit per entry: the organiser changes that one.
            models.UniqueConstraint(
                fields=["entry"],
                condition=Q(state__in=["pending", "changes_requested"]),
                name="directory_revision_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.state}"


class RequestState(models.TextChoices):
    NEW = "new", _("Ny")
    CONTACTED = "contacted", _("Kontaktet")
    MATCHED = "matched", _("Matchet med et fællesskab")
    FOLLOWED_UP = "followed_up", _("Fulgt op efter 4 uger")
    CLOSED = "closed", _("Afsluttet")


class CallTime(models.TextChoices):
    ANY = "any", _("Når som helst i dagtimerne")
    MORNING = "morning", _("Formiddag (kl. 9–12)")
    AFTERNOON = "afternoon", _("Eftermiddag (kl. 12–16)")


class CoordinatorRequest(models.Model):
    """A citizen asked to talk to a community coordinator (Vejle's "hånd i
    ryggen"). Seen only by coordinators. The consent to be contacted is kept
    with its purpose, the version of the text the person saw and when."""

    name = models.CharField(_("navn"), max_length=120)
    phone = models.CharField(_("telefon"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    call_time = models.CharField(
        _("hvornår må vi ringe"), max_length=12, choices=CallTime.choices, default=CallTime.ANY
    )
    wish = models.TextField(_("hvad vil du gerne"), max_length=2000)
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    on_behalf_of = models.CharField(_("på vegne af"), max_length=120, blank=True)
    on_behalf_consent = models.BooleanField(default=False)
    consent_purpose = models.CharField(max_length=200)
    consent_version = models.CharField(max_length=20)
    consent_given_at = models.DateTimeField()

    state = models.CharField(max_length=12, choices=RequestState.choices, default=RequestState.NEW)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    matched_entry = models.ForeignKey(
        Entry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The local date by which the person is called: 2 working days (workdays.py).
    due_on = models.DateField()
    contacted_at = models.DateTimeField(null=True, blank=True)
    matched_at = models.DateTimeField(null=True, blank=True)
    followed_up_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("samtaleønske")
        verbose_name_plural = _("samtaleønsker")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=RequestState.values), name="directory_request_state_valid"
            ),
            # A way to reach the person, always.
            models.CheckConstraint(
                condition=~Q(phone="") | ~Q(email=""), name="directory_request_reachable"
            ),
            # On someone's behalf only with their consent.
            models.CheckConstraint(
                condition=Q(on_behalf_of="") | Q(on_behalf_consent=True),
                name="directory_request_behalf_consent",
            ),
        ]
        indexes = [models.Index(fields=["state", "due_on"]), models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.pk} {self.state}"


class RequestNote(models.Model):
    """A coordinator's note on a request (and a line for every change of state)."""

    request = models.ForeignKey(CoordinatorRequest, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(max_length=4000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.text[:30]}"


class ListTheme(models.TextChoices):
    MENTAL = "mentalt", _("Mentalt aktiv")
    SOCIAL = "socialt", _("Socialt aktiv")
    PHYSICAL = "fysisk", _("Fysisk aktiv")
    HELP = "hjaelp", _("Hjælp og rådgivning")


class InspirationList(models.Model):
    """A list curated by the editors, by theme, so it "doesn't become a jumble"."""

    slug = models.SlugField(_("adresse"), max_length=80, unique=True)
    theme = models.CharField(_("tema"), max_length=10, choices=ListTheme.choices)
    title = models.CharField(_("titel"), max_length=120)
    introduction = models.TextField(_("introduktion"), max_length=2000, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("inspirationsliste")
        verbose_name_plural = _("inspirationslister")
        ordering = ["order", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(theme__in=ListTheme.values), name="directory_list_theme_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class InspirationItem(models.Model):
    """One item of a list: a directory entry or an external link, with a short text."""

    list = models.ForeignKey(InspirationList, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(default=0)
    entry = models.ForeignKey(
        Entry, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    url = models.URLField(_("link"), max_length=500, blank=True)
    link_title = models.CharField(_("linkets titel"), max_length=120, blank=True)
    text = models.CharField(_("kort tekst"), max_length=300, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            # An entry or a link, never both, never neither.
            models.CheckConstraint(
                condition=(Q(entry__isnull=False) & Q(url=""))
                | (Q(entry__isnull=True) & ~Q(url="")),
                name="directory_item_entry_or_link",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.list_id}#{self.position}"
