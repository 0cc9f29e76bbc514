"""ASGI entry point: HTTP through Django, WebSockets through Channels.

WebSocket routes sit behind the session auth middleware and the same-origin
check (sammen/websocket.py), so a page on another site, or on another port of
this host, cannot open a socket as our user.
"""

import asyncio
import gc
import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sammen.settings")
# Database connections from a pool (see DB_POOL in sammen/settings.py).
os.environ.setdefault("SAMMEN_DB_POOL", "1")
# Django must be set up before the consumers (and their models) are imported.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from sammen import events  # noqa: E402
from sammen.routing import websocket_urlpatterns  # noqa: E402
from sammen.websocket import SameOriginValidator  # noqa: E402

router = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": SameOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)


class BindLoopToEvents:
    """With the in-memory channel layer, tell sammen.events which loop the
    consumers wait on, so a plain thread (the in-process scheduler) can signal
    them. The first connection binds it; before that, nobody is listening."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.bound = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        if not self.bound:
            events.bind_server_loop(asyncio.get_running_loop())
            self.bound = True
        return await self.app(scope, receive, send)


if settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels.layers.InMemoryChannelLayer":
    application: Any = BindLoopToEvents(router)
else:
    application = router

if settings.SCHEDULER_IN_PROCESS:
    from sammen import periodic

    periodic.start()

# Garbage collection. CPython's full collection walks every live object while
# the event loop waits: on one Daphne process holding 1,000 sockets it took
# 120-220 ms, several times a minute under load, and each one held up every
# socket's message (bench/realtime.py). What is loaded by now (Django, the
# apps, their templates) lives as long as the process: freeze it out of the
# collector's walks, and collect the young generation less often so fewer
# objects are promoted and full collections come seldom.
gc.freeze()
gc.set_threshold(50_000, 20, 10)
