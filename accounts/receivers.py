"""Logging out closes this browser's live sockets; a new password closes all
of the person's sockets (their other sessions have ended).

A receiver on Django's own user_logged_out signal is the one hook every
logout path (allauth's view, admin, password change elsewhere) goes through.
"""

from __future__ import annotations

from typing import Any

from allauth.account.signals import password_changed, password_reset, password_set
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from accounts.services import login_record, sockets_close_for_password_change
from sammen.events import publish, session_channel_name


@receiver(user_logged_out)
def close_sockets_of_session(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    key = getattr(session, "session_key", None)
    if key:
        publish(session_channel_name(key), "session.ended")


@receiver(user_logged_in)
def record_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Every log-in is a line in the person's login history (Django's signal:
    allauth's log-in, the admin's and a test client's all send it)."""
    login_record(user=user)


@receiver(password_changed)
@receiver(password_set)
@receiver(password_reset)
def close_sockets_after_password_change(
    sender: Any, request: Any, user: Any, **kwargs: Any
) -> None:
    """A new password ends the person's other sessions; their sockets close."""
    sockets_close_for_password_change(user_id=user.pk)
