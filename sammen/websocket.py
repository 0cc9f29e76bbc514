"""The origin check of every WebSocket: the rule Django's CSRF check applies to
a form post, applied to the socket's handshake.

A socket is accepted only when its Origin is exactly the origin of the page it
was opened on (scheme, host and port, as the Host header and the connection's
security say), with an allowed host, or one of CSRF_TRUSTED_ORIGINS. Channels'
AllowedHostsOriginValidator compares host names only, so a page on another
port of the same host (http://localhost:9999 against a server on 8300) could
open a socket with our user's cookie.
"""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace
from typing import Any

from channels.db import database_sync_to_async
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.contrib import auth
from django.http.request import split_domain_port, validate_host


def _allowed_hosts() -> list[str]:
    # As Django's HttpRequest.get_host: with DEBUG and no ALLOWED_HOSTS, local names.
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        return [".localhost", "127.0.0.1", "[::1]"]
    return list(settings.ALLOWED_HOSTS)


def _is_secure(scope: dict[str, Any], headers: dict[bytes, bytes]) -> bool:
    if scope.get("scheme") in ("wss", "https"):
        return True
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        name, secure_value = proxy_header
        # HTTP_X_FORWARDED_PROTO -> x-forwarded-proto
        header = name.removeprefix("HTTP_").replace("_", "-").lower().encode("latin1")
        value = headers.get(header, b"").decode("latin1").split(",")[0].strip()
        return value == secure_value
    return False


def origin_allowed(scope: dict[str, Any]) -> bool:
    """Whether a WebSocket handshake comes from a page of this site."""
    headers = {name.lower(): value for name, value in scope.get("headers", [])}
    origin = headers.get(b"origin", b"").decode("latin1").strip().lower()
    host = headers.get(b"host", b"").decode("latin1").strip().lower()
    if not origin or origin == "null" or not host:
        return False
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, _allowed_hosts()):
        return False
    scheme = "https" if _is_secure(scope, headers) else "http"
    if origin == f"{scheme}://{host}":
        return True
    return origin in {trusted.lower() for trusted in settings.CSRF_TRUSTED_ORIGINS}


class SameOriginValidator:
    """ASGI middleware: refuses (403 at the handshake) a socket from any other origin."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket" and not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.app(scope, receive, send)


@database_sync_to_async
def still_signed_in(scope: dict[str, Any]) -> bool:
    """Whether the socket's login session is still valid, read afresh from the
    session store: not logged out, not ended on every device, the password not
    changed since (Django's own check of a request's session). For a socket
    that may have missed the "session.ended" event (sammen.layers' resync)."""
    user = scope.get("user")
    if user is None or not user.is_authenticated:
        return False
    key = getattr(scope.get("session"), "session_key", None)
    if not key:
        return True  # a scope made without a session store: nothing to check
    store = import_module(settings.SESSION_ENGINE).SessionStore
    found = auth.get_user(SimpleNamespace(session=store(session_key=key)))  # type: ignore[arg-type]
    return bool(found.is_authenticated and found.pk == user.pk)
