"""Reads of the privacy app."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Consent
from privacy.models import DeletionRequest, DeletionState, ExportRequest, ExportState, PrivacyPage

OPEN_DELETION = (DeletionState.REQUESTED, DeletionState.SCHEDULED, DeletionState.RUNNING)


def privacy_page() -> PrivacyPage:
    """The operator's texts, or the defaults when none were written."""
    return PrivacyPage.objects.order_by("pk").first() or PrivacyPage()


def open_deletion(user: Any) -> DeletionRequest | None:
    return DeletionRequest.objects.filter(user=user, state__in=OPEN_DELETION).first()


def latest_export(user: Any) -> ExportRequest | None:
    return ExportRequest.objects.filter(user=user).order_by("-requested_at", "-pk").first()


def export_today(user: Any) -> ExportRequest | None:
    """An export asked for today (local date) that did not fail: one a day."""
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        ExportRequest.objects.filter(user=user, requested_at__gte=start)
        .exclude(state=ExportState.FAILED)
        .order_by("-requested_at")
        .first()
    )


def consents(user: Any) -> QuerySet[Consent]:
    return Consent.objects.filter(user=user).order_by("withdrawn_at", "-given_at", "-pk")
