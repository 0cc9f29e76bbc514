"""Insights: what staff read about their group, aggregated; and WHO-5
wellbeing check-ins, which only their member ever sees one by one.

Nothing here is shown per member to anyone but that member: views, activity
and wellbeing reach staff as counts, medians and means (selectors), and
WHO-5 figures only where at least five members stand behind them.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InsightSettings(models.Model):
    """A group's choices for insights. No row: the defaults."""

    group = models.OneToOneField(
        "groups.Group", on_delete=models.CASCADE, related_name="insight_settings"
    )
    # A member post with no reply after this many hours is on the radar.
    radar_hours = models.PositiveSmallIntegerField(
        _("timer før et opslag mangler svar"), default=24
    )
    who5_enabled = models.BooleanField(_("trivselsmåling (WHO-5)"), default=False)
    who5_every_weeks = models.PositiveSmallIntegerField(_("uger mellem målingerne"), default=8)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(radar_hours__gte=1, radar_hours__lte=168),
                name="insight_radar_hours_range",
            ),
            models.CheckConstraint(
                condition=Q(who5_every_weeks__gte=2, who5_every_weeks__lte=52),
                name="insight_who5_weeks_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_id}: {self.radar_hours} h"


class PostView(models.Model):
    """A member saw a post's page on a (local) day: at most one row per
    member, post and day (one INSERT … ON CONFLICT DO NOTHING). No address,
    no time of day; shown to staff only as counts."""

    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user", "day"], name="post_view_once_a_day"),
        ]
        indexes = [models.Index(fields=["group", "day"])]

    def __str__(self) -> str:
        return f"{self.post_id} {self.day}"


class EndedHow(models.TextChoices):
    LEFT = "left", _("Meldt ud")
    REMOVED = "removed", _("Fjernet")
    BANNED = "banned", _("Udelukket")


class MembershipEnded(models.Model):
    """A membership that ended, without who: when it began and ended, for the
    members-over-time figures (a membership row itself is deleted)."""

    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+")
    how = models.CharField(max_length=10, choices=EndedHow.choices)
    joined_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["group", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.group_id} {self.how} {self.ended_at:%Y-%m-%d}"


# --- WHO-5 ---------------------------------------------------------------------------


class Who5Consent(models.Model):
    """Explicit, withdrawable consent to WHO-5 check-ins in one group (GDPR
    art. 9: the answers are health data). Withdrawal deletes the answers; the
    consent row stays as the record of what was agreed and when it ended."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=300)
    text_version = models.CharField(max_length=20)
    given_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "group"],
                condition=Q(withdrawn_at__isnull=True),
                name="who5_one_active_consent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.group_id} ({self.text_version})"


ANSWER_RANGE = Q()
for _field in ("a1", "a2", "a3", "a4", "a5"):
    ANSWER_RANGE &= Q(**{f"{_field}__lte": 5})


class Who5Answer(models.Model):
    """One check-in: the five raw answers (0–5) and when. The score (sum × 4,
    0–100) is computed, never stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+")
    answered_at = models.DateTimeField(default=timezone.now)
    a1 = models.PositiveSmallIntegerField()
    a2 = models.PositiveSmallIntegerField()
    a3 = models.PositiveSmallIntegerField()
    a4 = models.PositiveSmallIntegerField()
    a5 = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.CheckConstraint(condition=ANSWER_RANGE, name="who5_answers_0_to_5")]
        indexes = [models.Index(fields=["group", "answered_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.group_id} {self.answered_at:%Y-%m-%d}"

    @property
    def answers(self) -> list[int]:
        return [self.a1, self.a2, self.a3, self.a4, self.a5]

    @property
    def score(self) -> int:
        return sum(self.answers) * 4


# --- Ugens tal (the weekly staff e-mail, insights/reports.py) ---------------------------


def new_report_key() -> str:
    return secrets.token_hex(16)


class WeeklyReport(models.Model):
    """A member of a group's team wants "Ugens tal" for the group: the row's
    existence is the subscription. Its key signs the e-mails' unsubscribe
    links, so a new subscription voids every old link."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=32, default=new_report_key)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "group"], name="weekly_report_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.group_id}"


class WeeklyReportState(models.TextChoices):
    PENDING = "pending", _("Venter")
    SENT = "sent", _("Sendt")
    SKIPPED = "skipped", _("Ikke sendt")


class WeeklyReportSent(models.Model):
    """One "Ugens tal" per person, group and week (the Monday it is for),
    made before anything is sent: two beats, a second worker or a lost task
    still send it once (see insights/reports.py)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+")
    week = models.DateField()
    state = models.CharField(
        max_length=10, choices=WeeklyReportState.choices, default=WeeklyReportState.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "group", "week"], name="weekly_report_once_a_week"
            ),
            models.CheckConstraint(
                condition=Q(state__in=WeeklyReportState.values),
                name="weekly_report_state_valid",
            ),
        ]
        indexes = [models.Index(fields=["state", "week"])]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.group_id} {self.week:%Y-%m-%d} ({self.state})"
