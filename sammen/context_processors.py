from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils.functional import SimpleLazyObject


def site(request: HttpRequest) -> dict[str, object]:
    from posts.models import REACTION_EMOJI, ReactionKind

    return {
        "SITE_NAME": settings.SITE_NAME,
        # The reaction buttons, in order: (kind, emoji, label, unused).
        "REACTIONS": [(k.value, REACTION_EMOJI[k], k.label, 0) for k in ReactionKind],
    }


def csrf_token_for(request: HttpRequest) -> str:
    """One masked CSRF token per request. Django masks a new one at every
    get_token call (32 random characters from the OS each time); a page that
    fills cached fragments and renders its own forms needs only one."""
    token: str | None = getattr(request, "_sammen_csrf_token", None)
    if token is None:
        token = get_token(request)
        request._sammen_csrf_token = token  # type: ignore[attr-defined]
    return token


def csrf(request: HttpRequest) -> dict[str, Any]:
    """Django's csrf context processor, with the request's one token."""
    return {"csrf_token": SimpleLazyObject(lambda: csrf_token_for(request))}
