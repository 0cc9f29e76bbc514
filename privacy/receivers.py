"""Logging in during the grace period cancels a deletion (Django's
user_logged_in, which allauth's log-in sends)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils.translation import gettext as _

from privacy.services import deletion_cancel_on_login


@receiver(user_logged_in)
def cancel_deletion_on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    cancelled = deletion_cancel_on_login(user=user)
    if cancelled is not None and request is not None and hasattr(request, "_messages"):
        messages.info(
            request,
            _("Velkommen tilbage. Du har logget ind, så din konto bliver ikke slettet."),
        )
