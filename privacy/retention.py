"""The retention rules, run nightly by `privacy.retention` (issue 16). Each
rule is a function of `now`, so a test can move time and see it act.

- join-request answers: RETENTION_JOIN_ANSWERS_DAYS after the decision;
- read notifications: NOTIFICATIONS_KEEP_READ_DAYS (notifications' own prune);
- decided moderation cases: RETENTION_CASES_MONTHS after the decision; the
  log entries stay, without names, reasons or the case's reports;
- expired exports: at once (their files are deleted);
- the login history: RETENTION_LOGIN_HISTORY_DAYS;
- accounts unused for RETENTION_INACTIVE_MONTHS (off by default): warned,
  then deleted (anonymised) RETENTION_INACTIVE_WARNING_DAYS later unless the
  person logs in (privacy.services.inactive_accounts_warn, deletions_due).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import LoginRecord
from groups.models import Membership
from moderation.models import AuditEntry, Case, CaseState
from notifications.services import notifications_prune
from privacy import services

logger = logging.getLogger(__name__)


def join_answers(now: Any) -> int:
    """Answers to a group's questions, kept only while they are being decided
    on and a month after."""
    cutoff = now - timedelta(days=int(settings.RETENTION_JOIN_ANSWERS_DAYS))
    return Membership.objects.filter(decided_at__lt=cutoff).exclude(answers=[]).update(answers=[])


def decided_cases(now: Any) -> int:
    """Cases decided more than RETENTION_CASES_MONTHS ago go with their
    reports (who reported, the notes); the log keeps that a decision was
    taken, when and which, with no one named and no reason."""
    cutoff = now - timedelta(days=round(int(settings.RETENTION_CASES_MONTHS) * 30.44))
    cases = Case.objects.filter(state=CaseState.RESOLVED, resolved_at__lt=cutoff)
    ids = list(cases.values_list("pk", flat=True))
    if not ids:
        return 0
    with transaction.atomic():
        AuditEntry.objects.filter(case_id__in=ids).update(
            actor=None, actor_name="", target_user=None, target_name="", reason="", detail=""
        )
        Case.objects.filter(pk__in=ids).delete()
    return len(ids)


def login_history(now: Any) -> int:
    cutoff = now - timedelta(days=int(settings.RETENTION_LOGIN_HISTORY_DAYS))
    deleted, _kinds = LoginRecord.objects.filter(at__lt=cutoff).delete()
    return deleted


RULES = {
    "join_answers": join_answers,
    "read_notifications": lambda now: notifications_prune(),
    "decided_cases": decided_cases,
    "expired_exports": lambda now: services.exports_expire(now=now),
    "login_history": login_history,
    "inactive_accounts": lambda now: services.inactive_accounts_warn(now=now),
}


def run(*, now: Any = None) -> dict[str, int]:
    now = now or timezone.now()
    done = {name: rule(now) for name, rule in RULES.items()}
    logger.info("Retention: %s", done)
    return done
