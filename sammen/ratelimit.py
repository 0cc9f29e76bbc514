"""Limits on the writes a member can repeat (posts, comments and replies,
reactions, join requests, photo uploads), per person and per IP address.

Counters live in the cache (django-ratelimit's fixed windows): losing them
(a Redis restart) only resets the limits, never data. The limits are settings
(SAMMEN_RATE_LIMITS); behind a proxy, RATELIMIT_IP_META_KEY names the header
that carries the client's address (docs/operations.md), or every member would
share the proxy's.

Views call `rate_limit()` after the form is valid and before the service, so
a refused write stores nothing and the form can be shown again with what the
person wrote.
"""

from __future__ import annotations

import logging
import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage

logger = logging.getLogger(__name__)


class RateLimited(ValidationError):
    """Too many writes of one kind in a short time; the message says when to try again."""


def _message(action: str, minutes: int) -> str:
    texts = {
        "post": _("Du har delt mange opslag på kort tid."),
        "comment": _("Du har skrevet mange kommentarer på kort tid."),
        "reaction": _("Du har reageret mange gange på kort tid."),
        "join": _("Du har sendt mange anmodninger på kort tid."),
        "upload": _("Du har lagt mange billeder op på kort tid."),
        "coordinator": _("Du har sendt mange beskeder til koordinatorerne på kort tid."),
        "submit": _("Du har indsendt mange aktiviteter eller ændringer på kort tid."),
        "who5": _("Du har sendt mange trivselsmålinger på kort tid."),
        "export": _("Du har bestilt mange kopier af dine data på kort tid."),
    }
    wait = (
        _("Vent et minut, og prøv så igen.")
        if minutes <= 1
        else _("Vent %(minutes)s minutter, og prøv så igen.") % {"minutes": minutes}
    )
    return f"{texts[action]} {wait} " + _("Det, du skrev, er ikke gået tabt.")


def rate_limit(request: HttpRequest, action: str, *, count: int = 1) -> None:
    """Count `count` writes of `action` by this person and from this address;
    raise RateLimited when either is over its limit in the current window."""
    limits = settings.SAMMEN_RATE_LIMITS[action]
    waits = []
    for key in ("user", "ip"):
        rate = limits.get(key)
        if not rate or (key == "user" and not request.user.is_authenticated):
            continue
        usage = None
        try:
            for _i in range(max(count, 1)):
                usage = get_usage(
                    request, group=f"sammen.{action}.{key}", key=key, rate=rate, increment=True
                )
        except Exception:
            # The cache is down (Redis restarting): writes go on unlimited for
            # that moment rather than fail; the database is what matters.
            logger.warning("Rate limit for %s not counted: cache unavailable", action)
            continue
        if usage is not None and usage["should_limit"]:
            waits.append(usage["time_left"])
    if waits:
        minutes = max(1, math.ceil(max(waits) / 60))
        raise RateLimited(_message(action, minutes), code="rate_limited")
