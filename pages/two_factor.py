"""Two-factor authentication required of the people who see more than a
member does (issue 17): a group's administrators, moderators and staff (they
read concerns about members and wellbeing aggregates), the directory's
editors and coordinators (citizens' requests), and site operators. With
settings.MFA_REQUIRED_FOR_TEAM on, such a person without a second factor is
sent to allauth's two-factor page until they have set one up. The rule spans
groups and directory, so it lives here, on the layer above both."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from directory import permissions as directory_perms
from groups.models import Membership, MembershipStatus
from groups.permissions import TEAM

# Pages a person who must set up two-factor can still reach: everything of
# allauth (log out, the two-factor pages themselves, e-mail), static files,
# the service worker and the probes.
ALLOWED_PREFIXES = ("/accounts/", "/static/", "/media/", "/healthz", "/readyz", "/sw.js", "/i18n/")
CACHE_SECONDS = 60


def has_team_role(user: Any) -> bool:
    """On any group's team, a directory editor or coordinator, or a site operator."""
    if user.is_staff or user.is_superuser:
        return True
    if Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE, role__in=TEAM).exists():
        return True
    return directory_perms.is_directory_editor(user) or directory_perms.is_coordinator(user)


def needs_two_factor(user: Any) -> bool:
    """Whether this person must set up a second factor before going on (cached
    for a minute per person: it is asked on every page)."""
    if not getattr(settings, "MFA_REQUIRED_FOR_TEAM", False) or not user.is_authenticated:
        return False
    key = f"mfa-needed:{user.pk}"
    found = cache.get(key)
    if found is None:
        found = (
            has_team_role(user)
            and not Authenticator.objects.filter(
                user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
            ).exists()
        )
        cache.set(key, found, CACHE_SECONDS)
    return bool(found)


def forget(user_id: int) -> None:
    cache.delete(f"mfa-needed:{user_id}")


class TeamNeedsTwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(ALLOWED_PREFIXES) and needs_two_factor(request.user):
            messages.info(
                request,
                _(
                    "Du har en rolle, hvor du ser mere end et almindeligt medlem. Derfor skal "
                    "du bruge to-faktor-autentificering: sæt en autentificeringsapp eller en "
                    "sikkerhedsnøgle op, før du går videre."
                ),
            )
            return redirect("mfa_index")
        return self.get_response(request)
