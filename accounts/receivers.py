"""Logging out closes this browser's live sockets.

A receiver on Django's own user_logged_out signal is the one hook every
logout path (allauth's view, admin, password change elsewhere) goes through.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from sammen.events import publish, session_channel_name


@receiver(user_logged_out)
def close_sockets_of_session(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    key = getattr(session, "session_key", None)
    if key:
        publish(session_channel_name(key), "session.ended")
