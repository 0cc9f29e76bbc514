"""The consent ledger (accounts.Consent) as the person sees it, and "Træk
tilbage" for each purpose: privacy is the top layer, so it can hand each
withdrawal to the app that owns the purpose, which stops what the consent
allowed and writes the ledger in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.models import Consent, ConsentPurpose
from accounts.services import consent_withdraw
from directory.coordinator import request_withdraw
from directory.review import entry_listing_withdraw
from groups.models import Group
from insights.who5 import who5_consent_withdraw
from notifications.mailing import mail_settings_for, mail_settings_set
from notifications.models import DigestFrequency
from notifications.services import push_consent_withdraw
from privacy import selectors


@dataclass
class Row:
    consent: Consent
    place: str


def _place(consent: Consent, groups: dict[int, str]) -> str:
    kind, _sep, ident = consent.scope.partition(":")
    if kind == "group" and ident.isdigit():
        return groups.get(int(ident), _("en gruppe, du ikke længere er med i"))
    if kind == "request" and ident.isdigit():
        return _("Samtaleønske nr. %(n)s") % {"n": ident}
    if kind == "entry" and ident.isdigit():
        return _("Fællesskab nr. %(n)s") % {"n": ident}
    return ""


def rows(user: Any) -> list[Row]:
    consents = list(selectors.consents(user))
    group_ids = [
        int(c.scope.split(":", 1)[1])
        for c in consents
        if c.scope.startswith("group:") and c.scope.split(":", 1)[1].isdigit()
    ]
    groups = dict(Group.objects.filter(pk__in=group_ids).values_list("pk", "name"))
    return [Row(c, _place(c, groups)) for c in consents]


def withdraw(*, actor: Any, consent: Consent) -> None:
    """Stop what the consent allowed, at once, and record the withdrawal."""
    kind, _sep, ident = consent.scope.partition(":")
    if consent.purpose == ConsentPurpose.WHO5 and kind == "group" and ident.isdigit():
        group = Group.objects.filter(pk=int(ident)).first()
        if group is None:
            consent_withdraw(user=actor, purpose=consent.purpose, scope=consent.scope)
            return
        try:
            who5_consent_withdraw(actor=actor, group=group)
        except ValidationError:
            # Nothing left to delete in the group (or no longer a member there):
            # the ledger still records the withdrawal.
            consent_withdraw(user=actor, purpose=consent.purpose, scope=consent.scope)
    elif consent.purpose == ConsentPurpose.DIGEST:
        row = mail_settings_for(actor)
        mail_settings_set(
            actor=actor,
            immediate=row.immediate,
            digest=DigestFrequency.NEVER,
            digest_weekday=row.digest_weekday,
        )
    elif consent.purpose == ConsentPurpose.PUSH:
        push_consent_withdraw(actor=actor)
    elif consent.purpose == ConsentPurpose.COORDINATOR and ident.isdigit():
        request_withdraw(actor=actor, request_id=int(ident))
    elif consent.purpose == ConsentPurpose.DIRECTORY_LISTING and ident.isdigit():
        entry_listing_withdraw(actor=actor, entry_id=int(ident))
    else:
        consent_withdraw(user=actor, purpose=consent.purpose, scope=consent.scope)
