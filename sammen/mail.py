"""E-mail to members, sent only after the transaction that caused it commits."""

from __future__ import annotations

import re
import smtplib
import socket
from email.utils import make_msgid
from typing import Any
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.module_loading import import_string


def address_stopped(user: Any) -> bool:
    """Whether the mail provider stopped the person's address (a hard bounce
    or a complaint): optional mail such as reports must not go to it. The
    app that records stops answers, named in settings.MAIL_ADDRESS_STOPPED
    (the adapter pattern: sammen asks without importing upwards)."""
    path = getattr(settings, "MAIL_ADDRESS_STOPPED", "")
    return bool(path) and bool(import_string(path)(user))


def absolute_url(path: str) -> str:
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    return f"{base}{path}" if base else path


def mail_domain() -> str:
    """The domain of Message-IDs: the site's host, else the sender's domain."""
    host = urlsplit(getattr(settings, "SITE_URL", "") or "").hostname
    if host:
        return host
    sender = str(settings.DEFAULT_FROM_EMAIL).rsplit("@", 1)[-1].strip("> ")
    return sender or "sammen.localhost"


def new_message_id(label: str) -> str:
    return make_msgid(idstring=label, domain=mail_domain())


# --- One-click unsubscribe (RFC 8058) ------------------------------------------------
#
# A link names a person and one kind of mail and is signed with a key of that
# person's own, kept by the app that sends the mail: a new key voids every old
# link. It can unsubscribe from that kind and do nothing else.


def _unsubscribe_signer(key: str) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"sammen.unsubscribe:{key}")


def unsubscribe_token(*, key: str, user_id: int, kind: str) -> str:
    return _unsubscribe_signer(key).sign(f"{user_id}.{kind}")


def unsubscribe_claim(token: str) -> tuple[int, str] | None:
    """The person and kind a link claims, before its signature is checked
    (the key to check it with belongs to that person); None if malformed."""
    value = token.rsplit(":", 2)[0] if token.count(":") >= 2 else ""
    user_part, _dot, kind = value.partition(".")
    if not user_part.isdigit() or not kind:
        return None
    return int(user_part), kind


def unsubscribe_valid(token: str, *, key: str) -> bool:
    max_age = int(getattr(settings, "NOTIFY_UNSUBSCRIBE_DAYS", 365)) * 86400
    try:
        _unsubscribe_signer(key).unsign(token, max_age=max_age)
    except signing.BadSignature:  # SignatureExpired is one too
        return False
    return True


def unsubscribe_headers(*, url: str, token: str) -> dict[str, str]:
    """List-Unsubscribe (RFC 2369) with the one-click POST (RFC 8058), and the
    mailto: half when the installation has an inbound address for it."""
    targets = [f"<{url}>"]
    mailbox = getattr(settings, "NOTIFY_UNSUBSCRIBE_MAILTO", "")
    if mailbox:
        targets.append(f"<mailto:{mailbox}?subject={quote('unsubscribe ' + token)}>")
    return {
        "List-Unsubscribe": ", ".join(targets),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }


def mail_after_commit(
    user: Any, subject: Any, subject_params: dict[str, Any], template: str, context: dict[str, Any]
) -> None:
    """Send an e-mail (plain text, and the same text as HTML for mail clients
    that show only that) once the transaction commits, wholly in the site's
    language (not in the language of whoever clicked)."""
    recipient = user.email

    def send() -> None:
        with translation.override(settings.LANGUAGE_CODE):
            body = render_to_string(template, {**context, "user": user})
            title = str(subject) % subject_params
            html = render_to_string("email/transactional.html", {"subject": title, "text": body})
        message = EmailMultiAlternatives(title, body, None, [recipient])
        message.attach_alternative(html, "text/html")
        message.send(fail_silently=True)

    transaction.on_commit(send)


class HeldMessage:
    """An e-mail handed to the mail server all but its last line.

    SMTP delivers a message only when the server answers the final "." of
    DATA: a client that dies before sending it has sent nothing. So a sender
    that must send exactly once writes "sent" in its transaction while the
    message is held here, commits, and then releases it: killed before the
    commit, nothing was sent and the row says so; killed after, the only
    window left is the one write of the final line. Backends other than SMTP
    (console, locmem, a provider's API) send in hold() and release() reports
    that: at least once, with the same Message-ID if ever sent again.
    """

    def __init__(self, connection: Any, message: Any) -> None:
        self.connection = connection
        self.message = message
        self.smtp: Any = None
        self.sent = False

    def hold(self) -> bool:
        """Send everything but the final line. False if the server refused
        the sender or every recipient (nothing will be sent)."""
        if not isinstance(self.connection, SmtpBackend):
            self.sent = bool(self.connection.send_messages([self.message]))
            return self.sent
        self.connection.open()
        smtp = self.connection.connection
        assert smtp is not None  # open() connected or raised
        encoding = self.message.encoding or settings.DEFAULT_CHARSET
        sender = sanitize_address(self.message.from_email, encoding)
        recipients = [sanitize_address(a, encoding) for a in self.message.recipients()]
        smtp.ehlo_or_helo_if_needed()
        code, _reply = smtp.mail(sender)
        if code != 250:
            smtp.rset()
            return False
        accepted = [r for r in recipients if smtp.rcpt(r)[0] in (250, 251)]
        if not accepted:
            smtp.rset()
            return False
        code, _reply = smtp.docmd("data")
        if code != 354:
            raise smtplib.SMTPDataError(code, _reply)
        data = self.message.message().as_bytes(linesep="\r\n")
        data = re.sub(rb"(?m)^\.", b"..", re.sub(rb"(?:\r\n|\n|\r(?!\n))", b"\r\n", data))
        if not data.endswith(b"\r\n"):
            data += b"\r\n"
        smtp.send(data)
        # The final line must leave at once when released: with Nagle's
        # algorithm it waited for the server's delayed ACK (40 ms a message).
        if smtp.sock is not None:
            smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.smtp = smtp
        return True

    def release(self) -> bool:
        """Send the final line: the server takes the message now. False if it
        refused it at the last moment (the caller undoes its "sent")."""
        if self.smtp is None:
            return self.sent
        self.smtp.send(b".\r\n")
        code, _reply = self.smtp.getreply()
        self.smtp = None
        return bool(code == 250)
