"""The weekly content plan: recurring slots and scheduled posts.

A scheduled post is a row with a due time (UTC) and a state. A periodic task
publishes what is due (scheduler.publishing.publish_due); nothing is queued in
the broker for a future time, so a lost message or a restarted worker loses
nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from posts.models import ALT_MAX_LENGTH, BODY_MAX_LENGTH, Theme
from posts.rendering import render_markdown
from sammen.storage import private_storage


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Mandag")
    TUESDAY = 1, _("Tirsdag")
    WEDNESDAY = 2, _("Onsdag")
    THURSDAY = 3, _("Torsdag")
    FRIDAY = 4, _("Fredag")
    SATURDAY = 5, _("Lørdag")
    SUNDAY = 6, _("Søndag")


class Slot(models.Model):
    """A recurring place in the week ("Mandag 09:00 – Aktiv"), in local time."""

    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="slots")
    subgroup = models.ForeignKey(
        "groups.SubGroup", null=True, blank=True, on_delete=models.CASCADE, related_name="slots"
    )
    weekday = models.PositiveSmallIntegerField(_("ugedag"), choices=Weekday.choices)
    # Wall-clock time in Europe/Copenhagen: 09:00 stays 09:00 across DST changes.
    local_time = models.TimeField(_("klokkeslæt"))
    theme = models.CharField(_("tema"), max_length=12, choices=Theme.choices, blank=True)
    title_hint = models.CharField(_("idé til opslaget"), max_length=120, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("fast plads")
        verbose_name_plural = _("faste pladser")
        ordering = ["weekday", "local_time", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="slot_weekday_valid"
            ),
            models.CheckConstraint(
                condition=Q(theme__in=[*Theme.values, ""]), name="slot_theme_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.local_time:%H:%M} {self.get_theme_display()}"


class ScheduledState(models.TextChoices):
    DRAFT = "draft", _("Kladde")
    SCHEDULED = "scheduled", _("Planlagt")
    PUBLISHED = "published", _("Udgivet")
    FAILED = "failed", _("Mislykkedes")
    CANCELLED = "cancelled", _("Annulleret")


class ScheduledPost(models.Model):
    """A post planned by staff, published by the periodic task when due.

    `group` and `subgroup` are SET_NULL, not CASCADE: if the place disappears
    before the post is due, the row stays and is marked failed with a reason
    (`place_name` remembers where it was meant to go)."""

    group = models.ForeignKey(
        "groups.Group", null=True, on_delete=models.SET_NULL, related_name="scheduled_posts"
    )
    subgroup = models.ForeignKey(
        "groups.SubGroup",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="scheduled_posts",
    )
    for_subgroup = models.BooleanField(default=False)
    place_name = models.CharField(max_length=200, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scheduled_posts"
    )
    body = models.TextField(_("tekst"), max_length=BODY_MAX_LENGTH)
    theme = models.CharField(_("tema"), max_length=12, choices=Theme.choices, blank=True)
    pinned = models.BooleanField(_("fastgjort"), default=False)
    state = models.CharField(
        max_length=10, choices=ScheduledState.choices, default=ScheduledState.DRAFT
    )
    # When it is due (UTC); a draft may have none yet.
    publish_at = models.DateTimeField(_("udgives"), null=True, blank=True)
    slot = models.ForeignKey(
        Slot, null=True, blank=True, on_delete=models.SET_NULL, related_name="scheduled_posts"
    )
    post = models.OneToOneField(
        "posts.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="scheduled"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=300, blank=True)
    # Optimistic lock: two staff editing the same post; the second is told.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("planlagt opslag")
        verbose_name_plural = _("planlagte opslag")
        ordering = ["publish_at", "id"]
        indexes = [
            # The publisher's query: due rows in publish order.
            models.Index(
                fields=["publish_at"],
                name="scheduled_due_idx",
                condition=Q(state="scheduled"),
            ),
            models.Index(fields=["group", "publish_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ScheduledState.values), name="scheduled_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(theme__in=[*Theme.values, ""]), name="scheduled_theme_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state="scheduled") | Q(publish_at__isnull=False),
                name="scheduled_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_state_display()} · {self.body[:40]}"

    @property
    def delay(self) -> float | None:
        """Seconds between the due time and the actual publishing."""
        if self.published_at is None or self.publish_at is None:
            return None
        return (self.published_at - self.publish_at).total_seconds()

    @property
    def excerpt(self) -> str:
        """The text as members will read it, without Markdown marks, for lists."""
        text = " ".join(strip_tags(render_markdown(self.body)).split())
        return Truncator(text).chars(90)

    @property
    def is_editable(self) -> bool:
        return self.state in (ScheduledState.DRAFT, ScheduledState.SCHEDULED, ScheduledState.FAILED)


class ScheduledPhoto(models.Model):
    """A photo waiting with its scheduled post. In the private storage, so that
    only a permission-checked view serves it (never public media)."""

    scheduled_post = models.ForeignKey(
        ScheduledPost, on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(storage=private_storage, upload_to="posts/scheduled/%Y/%m/")
    thumbnail = models.ImageField(
        storage=private_storage, upload_to="posts/scheduled/%Y/%m/thumbs/"
    )
    alt_text = models.CharField(_("billedbeskrivelse"), max_length=ALT_MAX_LENGTH, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.alt_text or self.image.name
