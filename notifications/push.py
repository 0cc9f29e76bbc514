"""Web push ("Beskeder på telefonen"): VAPID keys, what a push says, and
sending it (RFC 8030 through pywebpush, payload encrypted with RFC 8291 /
aes128gcm, the server identified with VAPID, RFC 8292).

A push says only that there is something new ("Du har fået et nyt svar i
Sammen"), never what or from whom: it passes through the browser maker's push
service and shows on a locked phone. The person opens Sammen to read it.

Only people who pressed "Få besked på telefonen" have subscriptions
(notifications.services.push_subscription_save); a push service that answers
404 or 410 has forgotten the subscription, and so do we.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import ipaddress
import json
import logging
import os
import secrets
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import URLValidator
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from notifications.models import Kind, PushSubscription
from sammen.enqueue import send_after_commit

logger = logging.getLogger(__name__)

TASK = "notifications.push"
# "Send en prøve" on the settings page.
TEST = "test"
# A push not delivered within this time (the phone off, no network) is dropped
# by the push service: news older than that is on the notifications page.
TTL_SECONDS = 12 * 60 * 60
# Per request to a push service; a push is never worth holding a worker longer.
TIMEOUT_SECONDS = 10
# A person's newest devices that keep their subscription (a lost phone's goes first).
MAX_DEVICES = 10
ENDPOINT_MAX_LENGTH = 1000
P256DH_BYTES = 65  # an uncompressed P-256 point: 0x04, x, y
AUTH_BYTES = 16


# --- VAPID keys ------------------------------------------------------------------


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """base64url with or without padding; ValueError for anything else."""
    text = text.strip()
    if not text or any(c not in _B64URL for c in text.rstrip("=")):
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url") from exc


def _key_from_text(text: str) -> ec.EllipticCurvePrivateKey:
    """PEM (an env file may carry its line breaks as "\\n"), or the raw 32-byte
    key or its DER in base64url."""
    text = text.strip().replace("\\n", "\n")
    try:
        if "-----BEGIN" in text:
            key: Any = serialization.load_pem_private_key(text.encode(), password=None)
        else:
            raw = b64url_decode(text)
            if len(raw) == 32:
                key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
            else:
                key = serialization.load_der_private_key(raw, password=None)
    except ValueError as exc:
        raise ImproperlyConfigured(
            "WEBPUSH_VAPID_PRIVATE_KEY is not a P-256 private key (PEM, or base64url)."
        ) from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ImproperlyConfigured("WEBPUSH_VAPID_PRIVATE_KEY must be a P-256 (prime256v1) key.")
    return key


def _key_from_file(path: Path) -> ec.EllipticCurvePrivateKey:
    """The key in `path`, made there the first time. Two processes starting
    at once (server and worker) end up with the same key: the file appears
    whole (a hard link of a finished file) and only once."""
    with contextlib.suppress(FileNotFoundError):
        return _key_from_text(path.read_text())
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    try:
        os.link(draft, path)
    except FileExistsError:
        return _key_from_text(path.read_text())
    finally:
        draft.unlink()
    logger.info("Made a new VAPID key for web push in %s", path)
    return key


@lru_cache(maxsize=4)
def _vapid(private_key: str, key_file: str, public_key: str) -> Vapid:
    key = _key_from_text(private_key) if private_key else _key_from_file(Path(key_file))
    vapid = Vapid(private_key=key)
    if public_key and public_key.strip().rstrip("=") != _public_b64(vapid):
        raise ImproperlyConfigured(
            "WEBPUSH_VAPID_PUBLIC_KEY does not belong to WEBPUSH_VAPID_PRIVATE_KEY "
            "(leave it empty: it is derived from the private key)."
        )
    return vapid


def _public_b64(vapid: Vapid) -> str:
    return b64url_encode(
        vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


def vapid_key() -> Vapid:
    """This server's VAPID key pair: WEBPUSH_VAPID_PRIVATE_KEY, or the one kept
    in WEBPUSH_VAPID_KEY_FILE (made there the first time)."""
    return _vapid(
        settings.WEBPUSH_VAPID_PRIVATE_KEY,
        str(settings.WEBPUSH_VAPID_KEY_FILE),
        settings.WEBPUSH_VAPID_PUBLIC_KEY,
    )


def application_server_key() -> str:
    """The public key browsers subscribe with (base64url, uncompressed point)."""
    return _public_b64(vapid_key())


# --- What a subscription may be -----------------------------------------------------


def _insecure_hosts() -> set[str]:
    return {h.lower() for h in settings.WEBPUSH_INSECURE_HOSTS}


def endpoint_allowed(url: str) -> bool:
    """A push service on the public internet over https. Plain http, and
    addresses inside the network (localhost, 10.x, 127.x, …) only for the
    hosts in WEBPUSH_INSECURE_HOSTS (the tests' local push receiver): this
    server posts to whatever endpoint a browser names."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        return False
    if not host or parts.username is not None or parts.password is not None:
        return False
    if host in _insecure_hosts():
        return parts.scheme in ("https", "http")
    if parts.scheme != "https" or host == "localhost" or host.endswith(".localhost"):
        return False
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host).is_global
    return "." in host


def clean_endpoint(endpoint: str) -> str:
    """The endpoint the browser gave, or a ValidationError in plain Danish."""
    endpoint = (endpoint or "").strip()
    invalid = _("Browseren sendte ikke en gyldig adresse til beskeder. Prøv igen.")
    if not endpoint or len(endpoint) > ENDPOINT_MAX_LENGTH:
        raise ValidationError(invalid)
    try:
        URLValidator(schemes=["https", "http"])(endpoint)
    except ValidationError:
        raise ValidationError(invalid) from None
    if not endpoint_allowed(endpoint):
        raise ValidationError(
            _(
                "Beskeder kan kun sendes gennem en sikker forbindelse (https) til "
                "browserens beskedtjeneste. Prøv igen, eller brug en anden browser."
            )
        )
    return endpoint


def clean_keys(*, p256dh: str, auth: str) -> tuple[str, str]:
    """The browser's public key and auth secret, unpadded base64url, or a
    ValidationError: p256dh must be a point on P-256, auth 16 bytes."""
    refused = ValidationError(_("Browseren sendte ugyldige nøgler. Prøv at slå beskeder til igen."))
    try:
        point = b64url_decode(p256dh or "")
        secret = b64url_decode(auth or "")
    except ValueError:
        raise refused from None
    if len(point) != P256DH_BYTES or point[0] != 0x04 or len(secret) != AUTH_BYTES:
        raise refused
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        raise refused from None
    return b64url_encode(point), b64url_encode(secret)


# --- What a push says --------------------------------------------------------------


def body_for(kind: str) -> str:
    """The one line a push shows: what kind of news, never its content or who."""
    site = settings.SITE_NAME
    texts = {
        Kind.REPLY.value: _("Du har fået et nyt svar i %(site)s"),
        Kind.MENTION.value: _("Nogen har nævnt dig i %(site)s"),
        Kind.JOIN_DECIDED.value: _("Der er svar på din anmodning i %(site)s"),
        Kind.CONCERN.value: _("Der er en ny bekymring i %(site)s"),
        TEST: _("Det virker! Sådan ser en besked fra %(site)s ud."),
    }
    return texts.get(kind, _("Der er nyt til dig i %(site)s")) % {"site": site}


def payload(kind: str) -> dict[str, str]:
    """The push's JSON, in the site's language (as e-mails are)."""
    with translation.override(settings.LANGUAGE_CODE):
        return {
            "title": settings.SITE_NAME,
            "body": body_for(kind),
            "url": reverse("notifications"),
        }


# --- Sending ---------------------------------------------------------------------------


def push_after_commit(*, user_ids: Iterable[int | None], kind: str) -> None:
    """Push to these people's devices once the transaction commits (the
    `notifications.push` task; nothing is sent for a write that rolls back)."""
    ids = sorted({int(i) for i in user_ids if i is not None})
    if not ids:
        return

    # By name: notifications.tasks imports the services, which import this
    # module. Without a broker (the embedded default) Celery runs it in the
    # calling process; with a broker that is down, the push is dropped rather
    # than failing the write (the bell and the e-mail come from the database).
    send_after_commit(TASK, kwargs={"user_ids": ids, "kind": kind})


def deliver(*, user_ids: Iterable[int], kind: str) -> int:
    """Send the push for `kind` to every device of these people. A device its
    push service no longer knows (404, 410) is forgotten; any other failure is
    logged and the rest carry on. Returns how many devices the push services
    accepted it for."""
    subscriptions = list(
        PushSubscription.objects.filter(user_id__in=list(user_ids), user__is_active=True)
    )
    if not subscriptions:
        return 0
    data = json.dumps(payload(kind), ensure_ascii=False)
    vapid = vapid_key()
    urgency = "high" if kind == Kind.CONCERN else "normal"
    sent: list[int] = []
    gone: list[int] = []
    with requests.Session() as session:
        # A push service answers; it does not send us elsewhere.
        session.max_redirects = 0
        for subscription in subscriptions:
            status = _send(session, subscription, data, vapid, urgency)
            if status == "sent":
                sent.append(subscription.pk)
            elif status == "gone":
                gone.append(subscription.pk)
    if gone:
        PushSubscription.objects.filter(pk__in=gone).delete()
    if sent:
        PushSubscription.objects.filter(pk__in=sent).update(last_sent_at=timezone.now())
    return len(sent)


def _send(
    session: requests.Session,
    subscription: PushSubscription,
    data: str,
    vapid: Vapid,
    urgency: str,
) -> str:
    # The endpoint is a secret of the person's browser: only its host is logged.
    host = urlsplit(subscription.endpoint).hostname or "?"
    if not endpoint_allowed(subscription.endpoint):
        logger.warning("Web push: endpoint at %s is no longer allowed; not sent", host)
        return "skipped"
    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=data,
            vapid_private_key=vapid,
            # A new dict each time: pywebpush writes the audience into it.
            vapid_claims={"sub": subject()},
            content_encoding="aes128gcm",
            ttl=TTL_SECONDS,
            timeout=TIMEOUT_SECONDS,
            headers={"Urgency": urgency},
            requests_session=session,
        )
    except WebPushException as exc:
        if exc.status_code in (404, 410):
            logger.info("Web push: %s forgot subscription %s; deleted", host, subscription.pk)
            return "gone"
        logger.warning("Web push to %s failed: %s", host, exc.status_code or exc.message)
        return "failed"
    except requests.RequestException as exc:
        logger.warning("Web push to %s failed: %s", host, type(exc).__name__)
        return "failed"
    except Exception:
        logger.exception("Web push to %s failed", host)
        return "failed"
    return "sent"


def subject() -> str:
    """Whom a push service can write to about this server (VAPID `sub`)."""
    return str(settings.WEBPUSH_SUBJECT)
