"""E-mail to members, sent only after the transaction that caused it commits."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation


def absolute_url(path: str) -> str:
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    return f"{base}{path}" if base else path


def mail_after_commit(
    user: Any, subject: Any, subject_params: dict[str, Any], template: str, context: dict[str, Any]
) -> None:
    """Send a plain-text e-mail once the transaction commits, wholly in the
    site's language (not in the language of whoever clicked)."""
    recipient = user.email

    def send() -> None:
        with translation.override(settings.LANGUAGE_CODE):
            body = render_to_string(template, {**context, "user": user})
            send_mail(str(subject) % subject_params, body, None, [recipient], fail_silently=True)

    transaction.on_commit(send)
