"""Logging out closes this browser's live sockets.

A receiver on Django's own user_logged_out signal is the one hook every
logout path (allauth's view, admin, password change elsewhere) goes through.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from accounts.services import login_record
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
