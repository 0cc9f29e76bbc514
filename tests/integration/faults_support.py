"""The machinery of tests/integration/test_faults.py: private PostgreSQL and
Redis servers that a test may stop and restart (never the machine's shared
ones), the production topology as processes on them, live members holding
page sockets the way static/js/sammen-live.js does, and members writing
comments through the pages server while the faults happen."""

from __future__ import annotations

import contextlib
import html
import itertools
import json
import os
import pwd
import random
import re
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.sync.client import connect

from .conftest import BIN, ROOT, Procs, free_port

REDIS_SERVER = Path("/usr/bin/redis-server")
PG_BINARIES = sorted(Path("/usr/lib/postgresql").glob("*/bin"))


def _wait(predicate: Any, timeout: float, what: str, every: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if predicate():
                return
        time.sleep(every)
    raise TimeoutError(what)


# --- private servers -------------------------------------------------------------------


class PrivateRedis:
    """redis-server on a port of its own, without persistence, as production
    runs it (docker-compose.yml): stopping it loses everything in it."""

    def __init__(self, logdir: Path) -> None:
        if not REDIS_SERVER.exists():
            pytest.skip(f"{REDIS_SERVER} is missing (Debian's redis-server)")
        self.port = free_port()
        self.log = logdir / "redis.log"
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def ping(self) -> bool:
        import redis

        return bool(redis.Redis(port=self.port, socket_timeout=1).ping())

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603
                [
                    str(REDIS_SERVER),
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--daemonize",
                    "no",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        _wait(self.ping, 15, f"redis-server on {self.port}")

    def stop(self) -> None:
        """SIGTERM: redis-server shuts down at once (nothing to save)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)


class PrivatePostgres:
    """A PostgreSQL cluster of its own in a temporary folder (initdb, trust on
    127.0.0.1). As root it runs as the `postgres` account, as PostgreSQL
    refuses to run as root."""

    def __init__(self) -> None:
        if not PG_BINARIES:
            pytest.skip("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin")
        self.bin = PG_BINARIES[-1]
        self.user: str | None = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("running as root and there is no `postgres` account for PostgreSQL")
            self.user = "postgres"
        self.folder = Path(tempfile.mkdtemp(prefix="sammen-faults-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        if self.user is not None:
            shutil.chown(self.folder, self.user)
        self._run(
            [
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]
        )

    def _run(self, args: list[str]) -> str:
        done = subprocess.run(  # noqa: S603
            args, user=self.user, capture_output=True, text=True, cwd=self.folder, check=False
        )
        if done.returncode:
            raise RuntimeError(f"{args[0]} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def _pg_ctl(self, *args: str) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        self._run(
            [
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.folder / "postgres.log"),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                *args,
            ]
        )

    def start(self) -> None:
        self._pg_ctl("start")

    def stop(self, mode: str = "fast") -> None:
        self._pg_ctl("stop", "-m", mode)

    def restart(self, mode: str = "fast") -> None:
        """`pg_ctl restart -m fast`: every session is ended, every open
        transaction rolled back, and the server comes back."""
        self._pg_ctl("restart", "-m", mode)

    def createdb(self, name: str) -> None:
        self._run([str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), name])

    def log_tail(self) -> str:
        path = self.folder / "postgres.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def remove(self) -> None:
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


# --- the topology on them ----------------------------------------------------------------


class Stack(Procs):
    """gunicorn for pages, uvicorn processes for sockets, Celery workers and a
    beat (docs/operations.md's production topology), DEBUG off, on the
    private PostgreSQL and Redis."""

    def __init__(self, env: dict[str, str], logdir: Path) -> None:
        super().__init__(env, logdir)
        self.urls: dict[str, str] = {}

    def pages(self, name: str = "pages", workers: int = 2) -> str:
        port = free_port()
        self._start(
            name,
            [
                str(BIN / "gunicorn"),
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                str(workers),
                "--timeout",
                "60",
                "sammen.wsgi:application",
            ],
        )
        self.urls[name] = f"http://127.0.0.1:{port}"
        return self.urls[name]

    def sockets(self, name: str) -> str:
        port = free_port()
        self._start(
            name,
            [
                str(BIN / "uvicorn"),
                "sammen.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--ws",
                "websockets-sansio",
                "--ws-per-message-deflate",
                "false",
                "--lifespan",
                "off",
                "--no-access-log",
            ],
        )
        self.urls[name] = f"http://127.0.0.1:{port}"
        return self.urls[name]

    def wait_ready(self, *names: str, timeout: float = 60) -> None:
        """Each web process answers /healthz with 200."""
        for name in names:
            url = self.urls[name] + "/healthz"

            def answers(url: str = url) -> bool:
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                    return bool(response.status == 200)

            try:
                _wait(answers, timeout, url, every=0.2)
            except TimeoutError:
                pytest.fail(f"{name} did not answer {url}\n{self.logs()}")

    def alive(self, name: str) -> bool:
        return self.procs[name].poll() is None


def collect_static(env: dict[str, str]) -> None:
    """DEBUG off serves the collected, hashed static files (as production)."""
    subprocess.run(  # noqa: S603
        [str(BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def migrate(env: dict[str, str]) -> None:
    subprocess.run(  # noqa: S603
        [str(BIN / "python"), "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


@contextlib.contextmanager
def database(url: str, blocker: Any) -> Iterator[None]:
    """This test process's ORM on the private database (the one the stack
    uses) for the duration; pytest-django's own test database is untouched."""
    import dj_database_url
    from django.db import connections

    conn = connections["default"]
    saved = dict(conn.settings_dict)
    conn.close()
    parsed = dj_database_url.parse(url)
    conn.settings_dict.update({k: parsed[k] for k in ("NAME", "USER", "PASSWORD", "HOST", "PORT")})
    conn.settings_dict["CONN_MAX_AGE"] = 0
    conn.settings_dict["CONN_HEALTH_CHECKS"] = True
    try:
        with blocker.unblock():
            yield
    finally:
        conn.close()
        conn.settings_dict.clear()
        conn.settings_dict.update(saved)


def session_cookie(user: Any) -> str:
    """A logged-in session for `user`, as the session cookie's value."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return str(session.session_key)


# --- HTTP as a browser would send it ------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: str
    headers: dict[str, str]
    seconds: float


def http(
    url: str,
    *,
    cookies: dict[str, str],
    data: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> Answer:
    from django.conf import settings

    started = time.monotonic()
    sent = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()), **(headers or {})}
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=sent)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, raw, got = response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        status, raw, got = error.code, error.read(), error.headers
    # The CSRF cookie is Secure with DEBUG off; a browser behind TLS keeps it.
    for value in got.get_all("Set-Cookie") or []:
        jar: SimpleCookie = SimpleCookie()
        jar.load(value)
        if settings.CSRF_COOKIE_NAME in jar:
            cookies[settings.CSRF_COOKIE_NAME] = jar[settings.CSRF_COOKIE_NAME].value
    return Answer(
        status, raw.decode("utf-8", "replace"), dict(got.items()), time.monotonic() - started
    )


# --- writers -------------------------------------------------------------------------


@dataclass
class Write:
    body: str
    status: int  # 0: no answer at all (connection refused or reset)
    answer: str
    at: float  # answered (monotonic)
    began: float  # sent


class Writers:
    """Members posting comments on one post through the pages server, as the
    post page's form does (htmx: 204 on success), until told to stop. Each
    comment's text is unique, so the database can be checked for each."""

    def __init__(
        self, base: str, path: str, people: list[tuple[str, str]], tag: str, threads: int = 2
    ) -> None:
        self.base, self.path, self.tag = base, path, tag
        self.people = people  # (session key, X-Real-IP)
        self.writes: list[Write] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._numbers = itertools.count()
        self._threads = [
            threading.Thread(target=self._run, args=(k,), daemon=True) for k in range(threads)
        ]

    def start(self) -> Writers:
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=60)

    def _run(self, k: int) -> None:
        from django.conf import settings

        jars: dict[str, dict[str, str]] = {}
        people = self.people[k :: len(self._threads)]
        for turn in itertools.count():
            if self._stop.is_set():
                return
            key, address = people[turn % len(people)]
            jar = jars.setdefault(key, {settings.SESSION_COOKIE_NAME: key})
            n = next(self._numbers)
            text = f"{self.tag} kommentar {n:04d}"
            status, answer = 0, ""
            began = time.monotonic()
            try:
                if settings.CSRF_COOKIE_NAME not in jar:
                    http(self.base + self.path, cookies=jar, headers={"X-Real-IP": address})
                if settings.CSRF_COOKIE_NAME not in jar:
                    # The page did not load (the fault): no form to send yet.
                    time.sleep(0.2)
                    continue
                token = jar[settings.CSRF_COOKIE_NAME]
                got = http(
                    self.base + self.path + "comments/",
                    cookies=jar,
                    data={"body": text},
                    headers={
                        "X-CSRFToken": token,
                        "Origin": self.base,
                        "HX-Request": "true",
                        "X-Real-IP": address,
                    },
                )
                status, answer = got.status, got.body
            except Exception as error:  # refused, reset: no answer at all
                answer = repr(error)
            with self._lock:
                self.writes.append(Write(text, status, answer, time.monotonic(), began))
            time.sleep(0.05)

    def by_status(self) -> dict[int, int]:
        out: dict[int, int] = {}
        for w in self.writes:
            out[w.status] = out.get(w.status, 0) + 1
        return out


# --- live members ----------------------------------------------------------------------

# htmx's ws extension reconnects after these close codes only (static/js/vendor/
# htmx-ext-ws-2.0.4.min.js), with "full jitter": a random delay of up to
# 2**min(retry, 6) seconds. A failed handshake closes with 1006.
RECONNECT_CODES = frozenset({1006, 1011, 1012, 1013})
_ELEMENT_ID = re.compile(r'^\s*<[a-z0-9]+\b[^>]*?\bid="([^"]+)"', re.IGNORECASE)
_LAST_EVENT = re.compile(r'data-last-event="(\d+)"')


@dataclass
class LiveMember:
    """One open live page (a post page: its comments; a feed: its posts):
    what the page shows (those items by id), the last event id it saw, and a
    socket that behaves like sammen-live.js with htmx's ws extension: resume
    from the last event on every (re)connect, reconnect with back-off on
    1006/1011/1012/1013, reload on request."""

    name: str
    cookie: str
    page_url: str  # on the pages server
    socket_path: str
    servers: list[str]  # socket servers, in the order this member's proxy tries them
    kind: str = "comment"  # the items of the page: "comment" or "post"
    items: set[int] = field(default_factory=set)
    count_text: str = ""
    last_event: int = 0
    opens: list[tuple[float, str]] = field(default_factory=list)
    closes: list[tuple[float, int]] = field(default_factory=list)
    reloads: int = 0
    messages: int = 0
    gave_up: int | None = None
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._socket: Any = None
        self._thread = threading.Thread(target=self._run, daemon=True, name=self.name)

    # -- the page --

    def load_page(self) -> None:
        from django.conf import settings

        page = http(self.page_url, cookies={settings.SESSION_COOKIE_NAME: self.cookie})
        found = _LAST_EVENT.search(page.body)
        if page.status != 200 or found is None:
            raise RuntimeError(f"{self.name}: not the live page ({page.status})")
        with self._lock:
            self.items = {int(c) for c in re.findall(rf'\bid="{self.kind}-(\d+)"', page.body)}
            self.last_event = int(found.group(1))

    def _apply(self, data: dict[str, Any]) -> None:
        with self._lock:
            self.messages += 1
            for op in data.get("ops", []):
                target = str(op.get("target", "")).lstrip("#")
                prefix = self.kind + "-"
                if op.get("op") == "remove":
                    if target.startswith(prefix) and target[len(prefix) :].isdigit():
                        self.items.discard(int(target[len(prefix) :]))
                    continue
                if op.get("op") == "text":
                    if target.endswith("-count"):
                        self.count_text = html.unescape(str(op.get("html", "")))
                    continue
                found = _ELEMENT_ID.match(str(op.get("html", "")))
                if found and found.group(1).startswith(prefix):
                    rest = found.group(1)[len(prefix) :]
                    if rest.isdigit():
                        self.items.add(int(rest))
            event_id = data.get("event_id")
            if isinstance(event_id, int) and event_id > self.last_event:
                self.last_event = event_id

    # -- the socket --

    def start(self) -> LiveMember:
        self.load_page()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        with contextlib.suppress(Exception):
            if self._socket is not None:
                self._socket.close()
        self._thread.join(timeout=15)

    def connected(self) -> bool:
        return self._socket is not None

    def _run(self) -> None:
        from django.conf import settings

        retry = 0
        server = 0
        while not self._stop.is_set():
            base = self.servers[server % len(self.servers)]
            host = base.removeprefix("http://")
            code = 1006
            try:
                with connect(
                    f"ws://{host}{self.socket_path}",
                    additional_headers={
                        "Cookie": f"{settings.SESSION_COOKIE_NAME}={self.cookie}",
                        "Origin": base,
                    },
                    open_timeout=10,
                    close_timeout=2,
                ) as ws:
                    retry = 0
                    self._socket = ws
                    self.opens.append((time.monotonic(), base))
                    ws.send(json.dumps({"type": "resume", "last_event_id": self.last_event}))
                    for raw in ws:
                        data = json.loads(raw)
                        if data.get("reload"):
                            self.reloads += 1
                            self.load_page()
                            continue
                        self._apply(data)
                code = ws.close_code if ws.close_code is not None else 1006
            except ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd is not None else 1006
            except (OSError, InvalidHandshake, TimeoutError) as error:
                code = 1006
                self.errors.append(repr(error)[:200])
            except Exception as error:  # a bug in the test client: say so
                self.errors.append(repr(error)[:500])
                code = 1006
            finally:
                self._socket = None
            if self._stop.is_set():
                return
            self.closes.append((time.monotonic(), code))
            if code not in RECONNECT_CODES:
                self.gave_up = code
                return
            # Another process behind the proxy next time, if this one is gone.
            server += 1
            delay = random.random() * 2 ** min(retry, 6)  # noqa: S311 - jitter
            retry += 1
            self._stop.wait(delay)

    def view(self) -> set[int]:
        with self._lock:
            return set(self.items)
