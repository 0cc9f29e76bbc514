"""A real SMTP server for the tests (aiosmtpd), run as its own process:
every message it accepts is written to a folder as <n>.eml before it answers
250, as a mail server queues a message once it has read the final dot.
`--delay` makes it answer each message that much later (a slow server).

    python tests/smtp_sink.py --port 2525 --folder /tmp/mails [--delay 0.02]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import signal
import threading
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


class Save:
    def __init__(self, folder: str, delay: float) -> None:
        self.folder = folder
        self.delay = delay
        self.numbers = itertools.count()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        n = next(self.numbers)
        tmp = os.path.join(self.folder, f".{n}.tmp")
        with open(tmp, "wb") as out:
            out.write(envelope.original_content or envelope.content)
        os.replace(tmp, os.path.join(self.folder, f"{n:06d}.eml"))
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"


class _KeepRunning:
    def cancel(self) -> bool:
        return False


class DrainingSMTP(SMTP):
    """aiosmtpd cancels its handler the moment the client's connection ends,
    dropping a message whose final dot is already in its buffer. A mail
    server (Postfix, a provider's relay) reads what it received and queues
    the message; so does this one."""

    def eof_received(self) -> bool | None:
        return asyncio.StreamReaderProtocol.eof_received(self)  # no cancel

    def connection_lost(self, error: Exception | None) -> None:
        handler = self._handler_coroutine
        self._handler_coroutine = _KeepRunning()  # type: ignore[assignment]
        try:
            super().connection_lost(error)
        finally:
            self._handler_coroutine = handler


class DrainingController(Controller):
    def factory(self) -> SMTP:
        return DrainingSMTP(self.handler, **self.SMTP_kwargs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--folder", required=True)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    controller = DrainingController(
        Save(args.folder, args.delay), hostname="127.0.0.1", port=args.port
    )
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
