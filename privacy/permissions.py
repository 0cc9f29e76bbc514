"""Who may do what with a person's data: only that person. Staff, moderators
and administrators of groups have no way in (no view, no admin page shows an
export or a deletion's details); a site operator starts an export only with
the logged management command (privacy_export)."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from accounts.models import Consent


def require_own_consent(user: Any, consent_id: int) -> Consent:
    """The person's own active consent, or 404 (another's id says nothing)."""
    consent = Consent.objects.filter(pk=consent_id, user=user, withdrawn_at__isnull=True).first()
    if consent is None:
        raise Http404
    return consent
