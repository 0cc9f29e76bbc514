"""Which rows of which table belong to a person, and what the export and the
erasure do with them: one entry per model (issue 16).

Every model of the installation is either here, with how a person's rows are
found (`owner`), or in ANONYMOUS / NOT_PERSONAL with the reason it holds no
one's data. tests/privacy/test_coverage.py walks django.apps.apps.get_models():
a model added later without an entry fails it, and the export is compared with
the database row by row, so a model in the registry without its rows in the
ZIP fails too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Model, Q, QuerySet


@dataclass(frozen=True)
class Source:
    """A table that holds a person's rows.

    `owner`: the fields that point at the person (their rows are those where
    any of them does), or `rows` for rows found another way. `file`: the name
    of the JSON and CSV file in the export; None with `why_not` for rows that
    are the person's but are not theirs to receive (another person's data, a
    secret). `erase`: what the deletion does (documented in LÆS_MIG and
    docs/architecture.md); `columns` turns a row into the export's fields.
    """

    model: str
    owner: tuple[str, ...] = ()
    file: str | None = None
    title: str = ""
    why_not: str = ""
    erase: str = ""
    columns: Callable[[Any, Any], dict[str, Any]] | None = None
    rows: Callable[[Any], QuerySet[Any]] | None = None
    related: tuple[str, ...] = field(default_factory=tuple)

    @property
    def installed(self) -> bool:
        """Whether the model's app is installed (allauth.mfa may not be)."""
        app_label, _dot, name = self.model.partition(".")
        try:
            apps.get_model(app_label, name)
        except LookupError:
            return False
        return True

    @property
    def model_class(self) -> type[Model]:
        return apps.get_model(self.model)

    def queryset(self, user: Any) -> QuerySet[Any]:
        if self.rows is not None:
            return self.rows(user)
        condition = Q()
        for name in self.owner:
            condition |= Q(**{name: user})
        qs = self.model_class._default_manager.filter(condition)
        if self.related:
            qs = qs.select_related(*self.related)
        return qs.order_by("pk")

    def ids(self, user: Any) -> set[int]:
        return set(self.queryset(user).values_list("pk", flat=True))


# Tables with no one's data in them: each with the reason.
ANONYMOUS: dict[str, str] = {
    "insights.MembershipEnded": "that a membership ended and when, without who",
    "directory.SearchStat": "searches per month, without who searched",
    "directory.SearchStatVisitor": "a daily-salted hash of a visitor that cannot be reversed",
    "insights.InsightSettings": "a group's settings",
    "moderation.ModerationSettings": "a group's settings",
    "notifications.GroupDefault": "a group's default notification level",
    "groups.Group": "a group (who founded it is SET_NULL with the account)",
    "groups.SubGroup": "a sub-group (its facilitator is SET_NULL with the account)",
    "groups.Invite": "an invite link (its maker is SET_NULL with the account)",
    "posts.FeedEvent": "the live pages' event log: ids, and an actor SET_NULL with the account",
    "scheduler.Slot": "a recurring place in a week plan (its maker is SET_NULL)",
    "directory.Area": "a list kept by the editors",
    "directory.ActivityType": "a list kept by the editors",
    "directory.TargetGroup": "a list kept by the editors",
    "directory.EntryDate": "a date of a directory entry",
    "directory.InspirationList": "an editors' list",
    "directory.InspirationItem": "an item of an editors' list",
    "privacy.PrivacyPage": "the installation's privacy page",
    "privacy.DeletionRequest": "a deletion's progress; the account is SET_NULL when it is gone",
    "auth.Permission": "Django's permissions",
    "auth.Group": "Django's permission groups",
    "contenttypes.ContentType": "Django's model registry",
    "django_celery_beat.PeriodicTask": "the beat schedule",
    "django_celery_beat.PeriodicTasks": "the beat schedule",
    "django_celery_beat.IntervalSchedule": "the beat schedule",
    "django_celery_beat.CrontabSchedule": "the beat schedule",
    "django_celery_beat.SolarSchedule": "the beat schedule",
    "django_celery_beat.ClockedSchedule": "the beat schedule",
}


def _attr(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = getattr(obj, part, None) if obj is not None else None
    return obj


def all_models() -> Iterator[type[Model]]:
    yield from apps.get_models()


def label(model: type[Model]) -> str:
    return f"{model._meta.app_label}.{model.__name__}"
