"""Web push, end to end: subscriptions through the views, pushes through the real
protocol to a local push receiver that checks the VAPID signature and decrypts the
payload (RFC 8291, aes128gcm) with the key pair the "browser" made, as a phone's
push service and browser would.

Celery runs tasks in the calling process here (`eager_tasks`), whatever broker
the suite has.
"""

from __future__ import annotations

import base64
import json
import os
import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from typing import Any

import http_ece
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse
from PIL import Image

from accounts.models import User
from groups.models import Group
from notifications import push, services, tasks
from notifications.models import Kind, PushSubscription
from posts import services as post_services
from sammen.celery import app as celery_app
from tests.conftest import LOGIN, MatrixRow, assert_answer, make_user
from tests.conftest import matrix_params as _matrix_params

pytestmark = pytest.mark.django_db

REPLY_TEXT = "Du har fået et nyt svar i Sammen"
TEST_TEXT = "Det virker! Sådan ser en besked fra Sammen ud."


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- the local push receiver ----------------------------------------------------------


@dataclass
class Browser:
    """What a browser keeps for one push subscription: its key pair and auth secret."""

    id: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    # What the push service answers for this subscription (410: it forgot it).
    answer: int = 201

    def subscription(self) -> dict[str, Any]:
        """As PushSubscription.toJSON() gives it in the page."""
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"endpoint": self.endpoint, "keys": {"p256dh": b64(point), "auth": b64(self.auth)}}


@dataclass
class Delivery:
    browser: str
    headers: dict[str, str]
    plaintext: bytes
    message: dict[str, Any]


@dataclass
class PushReceiver:
    """A push service and the browsers behind it, on 127.0.0.1: accepts a push
    only with a valid VAPID token for the server's key, and decrypts it."""

    server_key: str
    origin: str = ""
    browsers: dict[str, Browser] = field(default_factory=dict)
    received: list[Delivery] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def browser(self) -> Browser:
        browser_id = uuid.uuid4().hex
        made = Browser(
            id=browser_id,
            endpoint=f"{self.origin}/push/{browser_id}",
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth=os.urandom(16),
        )
        self.browsers[browser_id] = made
        return made

    def messages(self) -> list[dict[str, Any]]:
        return [d.message for d in self.received]

    def check_vapid(self, authorization: str) -> None:
        """RFC 8292: `vapid t=<JWT>, k=<public key>`; the JWT signed (ES256) with
        the key the browser subscribed with, for this origin, not expired."""
        scheme, _, params = authorization.partition(" ")
        assert scheme.lower() == "vapid", authorization
        fields = dict(part.strip().split("=", 1) for part in params.split(","))
        token, key = fields["t"], fields["k"]
        assert key == self.server_key, "signed with another key than the subscription's"
        header_b64, claims_b64, signature_b64 = token.split(".")
        assert json.loads(unb64(header_b64))["alg"] == "ES256"
        signature = unb64(signature_b64)
        assert len(signature) == 64
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(key))
        public.verify(  # raises InvalidSignature
            encode_dss_signature(
                int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            ),
            f"{header_b64}.{claims_b64}".encode(),
            ec.ECDSA(hashes.SHA256()),
        )
        claims = json.loads(unb64(claims_b64))
        assert claims["aud"] == self.origin, claims
        assert time.time() < claims["exp"] <= time.time() + 24 * 3600, claims
        assert claims["sub"].startswith(("mailto:", "https:")), claims

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> int:
        match = re.fullmatch(r"/push/([0-9a-f]+)", path)
        browser = self.browsers.get(match.group(1)) if match else None
        if browser is None:
            return 404
        if browser.answer != 201:
            return browser.answer
        try:
            self.check_vapid(headers.get("authorization", ""))
            assert headers.get("content-encoding") == "aes128gcm", headers
            assert int(headers.get("ttl", "0")) > 0, headers
            plaintext = http_ece.decrypt(
                body, private_key=browser.private_key, auth_secret=browser.auth, version="aes128gcm"
            )
            message = json.loads(plaintext)
        except Exception as exc:
            self.refused.append(repr(exc))
            return 403
        self.received.append(Delivery(browser.id, headers, plaintext, message))
        return 201


class _Handler(BaseHTTPRequestHandler):
    server: Any

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        # Header names are case-insensitive (pywebpush sends them in lower case).
        headers = {name.lower(): value for name, value in self.headers.items()}
        status = self.server.receiver.handle(self.path, headers, body)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture
def receiver(settings: Any, eager_tasks: None) -> Iterator[PushReceiver]:
    settings.WEBPUSH_INSECURE_HOSTS = ["127.0.0.1"]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    made = PushReceiver(
        server_key=push.application_server_key(), origin=f"http://127.0.0.1:{server.server_port}"
    )
    server.receiver = made  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield made
    server.shutdown()
    server.server_close()
    assert made.refused == [], "the push receiver refused a push"


def subscribe(client: Client, subscription: Any, *, raw: bytes | None = None) -> Any:
    """What static/js/sammen-push.js sends after the person allowed it."""
    return client.post(
        reverse("push-subscribe"),
        data=raw if raw is not None else json.dumps(subscription),
        content_type="application/json",
        HTTP_ACCEPT="application/json",
    )


@pytest.fixture
def phone(member: User, receiver: PushReceiver, client_for: Any) -> Browser:
    """The member pressed "Få besked på telefonen" on their phone."""
    browser = receiver.browser()
    response = subscribe(client_for(member), browser.subscription())
    assert response.status_code == 200, response.content
    return browser


# --- the protocol, end to end -------------------------------------------------------------


def test_a_reply_reaches_the_phone_as_generic_danish_text_without_content_or_names(
    member: User,
    staff: User,
    group: Group,
    phone: Browser,
    receiver: PushReceiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    post = post_services.post_create(actor=member, group=group, body="Ugens gåtur i skoven")
    assert receiver.received == []
    with django_capture_on_commit_callbacks(execute=True):
        post_services.comment_create(actor=staff, post=post, body="Hemmelig termokande-plan")

    [delivery] = receiver.received
    assert delivery.browser == phone.id
    assert delivery.message == {"title": "Sammen", "body": REPLY_TEXT, "url": "/notifications/"}
    # Nothing private travels through the push service, not even encrypted.
    text = delivery.plaintext.decode()
    for private in ("Hemmelig", "termokande", "gåtur", staff.display_name, "Stig", group.name):
        assert private not in text
    assert PushSubscription.objects.get(endpoint=phone.endpoint).last_sent_at is not None


def test_a_mention_pushes_generic_text_and_a_new_comment_for_followers_does_not_push(
    member: User,
    staff: User,
    moderator: User,
    group: Group,
    phone: Browser,
    receiver: PushReceiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    post = post_services.post_create(actor=moderator, group=group, body="Strikkeopskrifter")
    post_services.comment_create(actor=member, post=post, body="Tak!")  # member follows now
    with django_capture_on_commit_callbacks(execute=True):
        # A new comment in a followed post is for the notification centre only.
        post_services.comment_create(actor=staff, post=post, body="Her er en til")
    assert receiver.received == []
    with django_capture_on_commit_callbacks(execute=True):
        post_services.post_create(
            actor=staff, group=group, body=f"Spørg @{member.display_name} om opskriften"
        )
    bodies = [m["body"] for m in receiver.messages()]
    assert bodies == ["Nogen har nævnt dig i Sammen"], bodies


def test_nothing_is_pushed_before_the_transaction_commits(
    member: User, phone: Browser, receiver: PushReceiver, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        push.push_after_commit(user_ids=[member.pk], kind=Kind.REPLY)
    assert receiver.received == []
    for callback in callbacks:
        callback()
    assert [m["body"] for m in receiver.messages()] == [REPLY_TEXT]


def test_with_a_broker_the_push_is_the_named_task_and_the_task_delivers(
    member: User,
    phone: Browser,
    receiver: PushReceiver,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    sent: list[tuple[str, dict[str, Any]]] = []
    celery_app.conf.task_always_eager = False  # eager_tasks puts it back
    monkeypatch.setattr(
        celery_app,
        "send_task",
        lambda name, args=None, kwargs=None, **options: sent.append((name, kwargs)),
    )
    with django_capture_on_commit_callbacks(execute=True):
        push.push_after_commit(user_ids=[member.pk, None, member.pk], kind=Kind.MENTION)
    assert sent == [("notifications.push", {"user_ids": [member.pk], "kind": "mention"})]
    assert receiver.received == []
    # What the worker runs for that message.
    assert tasks.push_send(**sent[0][1]) == 1
    assert [m["body"] for m in receiver.messages()] == ["Nogen har nævnt dig i Sammen"]


def test_send_a_test_button_pushes_the_test_text_to_each_of_my_devices(
    member: User, phone: Browser, receiver: PushReceiver, client_for: Any
) -> None:
    client = client_for(member)
    laptop = receiver.browser()
    subscribe(client, laptop.subscription())
    response = client.post(reverse("push-test"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("notification-settings"))
    assert "Prøven er sendt til 2 enheder" in response.content.decode()
    assert sorted(d.browser for d in receiver.received) == sorted([phone.id, laptop.id])
    assert {m["body"] for m in receiver.messages()} == {TEST_TEXT}


def test_send_a_test_without_a_device_says_so_in_danish(
    member: User, receiver: PushReceiver, client_for: Any
) -> None:
    response = client_for(member).post(reverse("push-test"), follow=True)
    assert "Du har ikke slået beskeder på telefonen til på denne enhed endnu." in (
        response.content.decode()
    )
    assert receiver.received == []


@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_the_push_service_forgot_is_deleted(
    status: int, member: User, phone: Browser, receiver: PushReceiver, client_for: Any
) -> None:
    phone.answer = status
    response = client_for(member).post(reverse("push-test"), follow=True)
    assert not PushSubscription.objects.filter(endpoint=phone.endpoint).exists()
    assert "Prøven kunne ikke sendes" in response.content.decode()


def test_a_failing_push_service_is_logged_and_keeps_the_subscription(
    member: User, phone: Browser, receiver: PushReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    phone.answer = 503
    other = receiver.browser()
    services.push_subscription_save(actor=member, **flat(other.subscription()))
    assert push.deliver(user_ids=[member.pk], kind=Kind.REPLY) == 1  # never raises
    assert [d.browser for d in receiver.received] == [other.id]
    assert PushSubscription.objects.filter(endpoint=phone.endpoint).exists()
    assert "503" in caplog.text
    assert phone.endpoint not in caplog.text  # the endpoint is the browser's secret


def test_an_endpoint_no_longer_allowed_is_not_contacted(
    member: User, phone: Browser, receiver: PushReceiver, settings: Any
) -> None:
    settings.WEBPUSH_INSECURE_HOSTS = []
    assert push.deliver(user_ids=[member.pk], kind=Kind.REPLY) == 0
    assert receiver.received == []


# --- what the server accepts --------------------------------------------------------------


def flat(subscription: dict[str, Any]) -> dict[str, str]:
    return {"endpoint": subscription["endpoint"], **subscription["keys"]}


@pytest.mark.parametrize(
    "endpoint",
    [
        "ftp://127.0.0.1/push/abc",
        "http://evil.example/push/abc",
        "javascript:alert(1)",
        "https://localhost/push/abc",
        "https://10.1.2.3/push/abc",
        "https://169.254.169.254/latest/meta-data",
        "https://intranet/push/abc",
        "https://user:secret@push.example.net/abc",
        "https://push.example.net/" + "a" * 1000,
        "",
    ],
)
def test_a_foreign_endpoint_is_refused_in_danish_and_nothing_is_stored(
    endpoint: str, member: User, receiver: PushReceiver, client_for: Any
) -> None:
    subscription = {**receiver.browser().subscription(), "endpoint": endpoint}
    client = client_for(member)
    response = subscribe(client, subscription)
    assert response.status_code == 400
    assert "Prøv igen" in response.json()["error"]
    # The same as a plain form post: a message on the settings page.
    response = client.post(reverse("push-subscribe"), flat(subscription), follow=True)
    assert "Prøv igen" in response.content.decode()
    assert not PushSubscription.objects.exists()


def test_plain_http_is_refused_unless_the_host_is_named_insecure(
    member: User, receiver: PushReceiver, client_for: Any, settings: Any
) -> None:
    browser = receiver.browser()
    settings.WEBPUSH_INSECURE_HOSTS = []
    response = subscribe(client_for(member), browser.subscription())
    assert response.status_code == 400
    assert "sikker forbindelse (https)" in response.json()["error"]
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    ("p256dh", "auth"),
    [
        (b64(b"\x04" + b"\x01" * 64), b64(os.urandom(16))),  # not a point on the curve
        (b64(os.urandom(33)), b64(os.urandom(16))),  # compressed form
        (None, b64(os.urandom(15))),  # auth too short
        (None, "ikke+base64/"),
        ("", ""),
    ],
)
def test_keys_of_the_wrong_size_are_refused(
    p256dh: str | None, auth: str, member: User, receiver: PushReceiver, client_for: Any
) -> None:
    subscription = receiver.browser().subscription()
    keys = {
        "p256dh": p256dh if p256dh is not None else subscription["keys"]["p256dh"],
        "auth": auth,
    }
    response = subscribe(client_for(member), {**subscription, "keys": keys})
    assert response.status_code == 400
    assert response.json() == {
        "error": "Browseren sendte ugyldige nøgler. Prøv at slå beskeder til igen."
    }
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b"[]",
        b"null",
        b'"https://push.example.net/x"',
        b'{"endpoint": 5, "keys": []}',
        b'{"endpoint": ["https://push.example.net/x"], "keys": {"p256dh": 1, "auth": {}}}',
        b"\xff\xfe\x00",
        b"[" * 100_000,
    ],
)
@pytest.mark.parametrize("name", ["push-subscribe", "push-unsubscribe"])
def test_garbage_json_is_a_danish_400_not_a_500(
    name: str, raw: bytes, member: User, client_for: Any
) -> None:
    response = client_for(member).post(
        reverse(name), data=raw, content_type="application/json", HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400
    assert "Browseren sendte" in response.json()["error"]
    assert not PushSubscription.objects.exists()


def test_the_subscription_json_needs_the_csrf_token(member: User, receiver: PushReceiver) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert subscribe(client, receiver.browser().subscription()).status_code == 403
    assert not PushSubscription.objects.exists()


def test_another_member_cannot_turn_off_my_phone_but_i_can(
    member: User, staff: User, outsider: User, phone: Browser, client_for: Any
) -> None:
    for other in (staff, outsider):
        response = client_for(other).post(
            reverse("push-unsubscribe"),
            data=json.dumps({"endpoint": phone.endpoint}),
            content_type="application/json",
        )
        assert response.status_code == 200
    assert PushSubscription.objects.get(endpoint=phone.endpoint).user == member

    response = client_for(member).post(
        reverse("push-unsubscribe"),
        data=json.dumps({"endpoint": phone.endpoint}),
        content_type="application/json",
    )
    assert response.json()["devices"] == 0
    assert not PushSubscription.objects.exists()


def test_a_browser_subscribed_again_from_another_account_moves_to_it(
    member: User, staff: User, phone: Browser, client_for: Any
) -> None:
    """A shared computer: the browser's pushes go to whoever turned them on last."""
    assert subscribe(client_for(staff), phone.subscription()).status_code == 200
    [row] = PushSubscription.objects.all()
    assert row.user == staff


def test_a_person_keeps_their_newest_devices(member: User, receiver: PushReceiver) -> None:
    browsers = [receiver.browser() for _ in range(push.MAX_DEVICES + 2)]
    for browser in browsers:
        services.push_subscription_save(actor=member, **flat(browser.subscription()))
    kept = set(PushSubscription.objects.values_list("endpoint", flat=True))
    assert kept == {b.endpoint for b in browsers[2:]}


# --- VAPID keys -----------------------------------------------------------------------------


def test_without_a_configured_key_one_is_made_once_and_kept(settings: Any, tmp_path: Any) -> None:
    settings.WEBPUSH_VAPID_PRIVATE_KEY = ""
    settings.WEBPUSH_VAPID_KEY_FILE = tmp_path / "var" / "vapid_private.pem"
    first = push.application_server_key()
    assert settings.WEBPUSH_VAPID_KEY_FILE.stat().st_mode & 0o777 == 0o600
    push._vapid.cache_clear()  # as a new process would
    assert push.application_server_key() == first
    assert len(unb64(first)) == 65 and unb64(first)[0] == 4
    assert [p.name for p in settings.WEBPUSH_VAPID_KEY_FILE.parent.iterdir()] == [
        "vapid_private.pem"
    ]


def test_a_configured_key_is_read_as_pem_or_raw_base64url(settings: Any) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    public = b64(
        key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    settings.WEBPUSH_VAPID_PRIVATE_KEY = pem.replace("\n", "\\n")  # as in an env file
    assert push.application_server_key() == public
    settings.WEBPUSH_VAPID_PRIVATE_KEY = b64(
        key.private_numbers().private_value.to_bytes(32, "big")
    )
    settings.WEBPUSH_VAPID_PUBLIC_KEY = public
    assert push.application_server_key() == public
    assert not settings.WEBPUSH_VAPID_KEY_FILE.exists()


def test_a_public_key_of_another_pair_or_a_broken_key_is_a_configuration_error(
    settings: Any,
) -> None:
    settings.WEBPUSH_VAPID_PRIVATE_KEY = b64(os.urandom(31) + b"\x01")
    settings.WEBPUSH_VAPID_PUBLIC_KEY = b64(b"\x04" + os.urandom(64))
    with pytest.raises(ImproperlyConfigured, match="WEBPUSH_VAPID_PUBLIC_KEY"):
        push.application_server_key()
    settings.WEBPUSH_VAPID_PRIVATE_KEY = "ikke en nøgle"
    with pytest.raises(ImproperlyConfigured, match="WEBPUSH_VAPID_PRIVATE_KEY"):
        push.application_server_key()


# --- the page, the manifest, the service worker ---------------------------------------------


def test_the_settings_page_offers_the_button_and_asks_nothing_on_load(
    member: User, client_for: Any
) -> None:
    page = client_for(member).get(reverse("notification-settings")).content.decode()
    section = page[page.index('<section id="push"') :]
    assert f'data-key="{push.application_server_key()}"' in section
    assert re.search(
        r'<button type="button" data-push-on hidden>\s*Få besked på telefonen', section
    )
    assert f'action="{reverse("push-test")}"' in section and "Send en prøve" in section
    assert "ikke slået til på nogen af dine enheder" in section
    assert re.search(r'<script src="[^"]*js/sammen-push\.js" defer></script>', section)
    # The permission is asked for in the button's click handler and nowhere else
    # (tests/browser/test_push.py watches a real browser do so).
    script = _static("js/sammen-push.js")
    assert script.count("Notification.requestPermission(") == 1
    asked = [m.start() for m in re.finditer(r"(?<!function )askPermission\(\)", script)]
    click = script.index('onButton.addEventListener("click"')
    assert len(asked) == 1 and click < asked[0] < script.index("offButton.addEventListener")


def _static(path: str) -> str:
    found = finders.find(path)
    assert isinstance(found, str)
    with open(found, encoding="utf-8") as handle:
        return handle.read()


def test_the_manifest_makes_sammen_installable(client: Client) -> None:
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "Sammen" and manifest["lang"] == "da"
    assert (manifest["start_url"], manifest["display"]) == ("/", "standalone")
    assert manifest["theme_color"] == "#134463" and manifest["background_color"] == "#f4f1ec"
    sizes = set()
    for icon in manifest["icons"]:
        with Image.open(_static_file(icon["src"])) as image:
            assert image.format == "PNG"
            assert f"{image.width}x{image.height}" == icon["sizes"]
            sizes.add(icon["sizes"])
    assert sizes == {"192x192", "512x512"}


def _static_file(url: str) -> Any:
    found = finders.find(url.removeprefix("/static/"))
    assert isinstance(found, str), url
    return BytesIO(open(found, "rb").read())  # noqa: SIM115


def test_the_service_worker_is_served_at_the_root_and_always_shows_a_notification(
    client: Client, member: User, client_for: Any
) -> None:
    for visitor in (client, client_for(member)):
        response = visitor.get("/sw.js")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/javascript; charset=utf-8"
        assert response["Service-Worker-Allowed"] == "/"
        assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    script = response.content.decode()
    config = json.loads(script.split("self.SAMMEN_PUSH = ", 1)[1].split(";\n", 1)[0])
    assert config["body"] == "Der er nyt til dig i Sammen"
    assert config["icon"].endswith("icons/icon-192.png")
    assert 'addEventListener("push"' in script and "showNotification(" in script
    assert client.get("/sw.js").headers["Cache-Control"] == "no-cache"


def test_every_page_links_the_manifest(client: Client) -> None:
    page = client.get(reverse("home")).content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert '<meta name="theme-color" content="#134463">' in page


# --- who may use the URLs -------------------------------------------------------------------

L = LOGIN
EVERYONE_200 = (200, 200, 200, 200, 200, 200, 200, 200)
# fmt: off
MATRIX: list[MatrixRow] = [
    # url name           method   anon outs pend bann memb mod  staff admin
    # One's own browsers only: anyone logged in, whatever their groups.
    ("push-subscribe",   "post", (L,  200, 200, 200, 200, 200, 200, 200)),
    ("push-unsubscribe", "post", (L,  200, 200, 200, 200, 200, 200, 200)),
    ("push-test",        "post", (L,  302, 302, 302, 302, 302, 302, 302)),
    ("service-worker",   "get",  EVERYONE_200),
    ("web-manifest",     "get",  EVERYONE_200),
]
# fmt: on


@pytest.mark.parametrize(("name", "method", "role", "expected"), _matrix_params(MATRIX))
def test_push_matrix(
    name: str,
    method: str,
    role: str,
    expected: Any,
    everyone: dict[str, User | None],
    client_for: Any,
    settings: Any,
) -> None:
    """The member's phone is subscribed; each role subscribes a browser of its
    own, turns off (or tries to turn off) the member's, and sends a test."""
    settings.WEBPUSH_INSECURE_HOSTS = []
    theirs = make_user()
    services.push_subscription_save(
        actor=theirs,
        endpoint="https://push.example.net/send/their-phone",
        p256dh=b64(
            ec.generate_private_key(ec.SECP256R1())
            .public_key()
            .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        ),
        auth=b64(os.urandom(16)),
    )
    viewer = everyone[role]
    client = client_for(viewer)
    path = reverse(name)
    if name == "push-subscribe":
        browser = PushReceiver(server_key="", origin="https://push.example.net").browser()
        response = client.post(path, json.dumps(browser.subscription()), "application/json")
    elif name == "push-unsubscribe":
        body = json.dumps({"endpoint": "https://push.example.net/send/their-phone"})
        response = client.post(path, body, "application/json")
    elif method == "post":
        response = client.post(path)
    else:
        response = client.get(path)
    assert_answer(response, expected, f"{role} {method} {name}")
    # Nobody turned off another person's phone.
    assert PushSubscription.objects.filter(user=theirs).count() == 1
    if name == "push-subscribe":
        mine = PushSubscription.objects.exclude(user=theirs)
        assert [row.user for row in mine] == ([viewer] if viewer is not None else [])
