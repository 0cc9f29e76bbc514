"""Notification e-mails: how they are built (both parts, threading headers,
one-click unsubscribe) and how unsubscribe links are signed.

A link is signed with the person's own key (MailSettings.key) and names the
person and one kind of mail; it unsubscribes from that kind and nothing else,
and never logs anyone in. A new key (account deleted, address changed by the
privacy tools) voids every old link.
"""

from __future__ import annotations

import html
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from notifications.models import MailKind, MailSettings
from sammen import mail as sammen_mail
from sammen.mail import absolute_url, mail_domain


def sentence(n: Any) -> str:
    """A notification's line as the centre says it, as plain text."""
    text = render_to_string("notifications/partials/text.html", {"n": n})
    return html.unescape(" ".join(text.split()))


def thread_id(post_id: int) -> str:
    """The Message-ID every mail about one post answers, so mail clients
    gather them in one thread."""
    return f"<post-{post_id}@{mail_domain()}>"


def unsubscribe_token(row: MailSettings, kind: str) -> str:
    return sammen_mail.unsubscribe_token(key=row.key, user_id=row.user_id, kind=kind)


class BadToken(Exception):
    """The link is forged, expired, for a deleted account or an old key."""


def token_payload(token: str) -> tuple[MailSettings, str]:
    """The person's mail settings and the kind of mail a link is for."""
    claim = sammen_mail.unsubscribe_claim(token)
    if claim is None or claim[1] not in MailKind.values:
        raise BadToken
    row = MailSettings.objects.select_related("user").filter(user_id=claim[0]).first()
    if row is None or not sammen_mail.unsubscribe_valid(token, key=row.key):
        raise BadToken
    return row, claim[1]


def unsubscribe_url(row: MailSettings, kind: str) -> str:
    token = unsubscribe_token(row, kind)
    return absolute_url(reverse("mail-unsubscribe", kwargs={"token": token}))


def build(
    *,
    row: MailSettings,
    kind: str,
    subject: str,
    template: str,
    context: dict[str, Any],
    message_id: str,
    in_reply_to: str = "",
) -> EmailMultiAlternatives:
    """One e-mail with a plain-text and an HTML part, in the site's language,
    with List-Unsubscribe (RFC 2369) and one-click (RFC 8058) headers."""
    user = row.user
    unsubscribe = unsubscribe_url(row, kind)
    ctx = {
        **context,
        "user": user,
        "unsubscribe_url": unsubscribe,
        "settings_url": absolute_url(reverse("notification-settings")),
        "site_url": absolute_url("/"),
        "mail_kind": kind,
    }
    with translation.override(settings.LANGUAGE_CODE):
        text = render_to_string(f"notifications/email/{template}.txt", ctx)
        html = render_to_string(f"notifications/email/{template}.html", ctx)
    headers = {
        "Message-ID": message_id,
        **sammen_mail.unsubscribe_headers(url=unsubscribe, token=unsubscribe_token(row, kind)),
    }
    if in_reply_to:
        headers["In-Reply-To"] = in_reply_to
        headers["References"] = in_reply_to
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split())[:180],
        body=text,
        to=[user.email],
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message
