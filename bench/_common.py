"""Shared plumbing for the benchmarks in bench/: a fresh PostgreSQL database,
members and their sessions made directly in it, Daphne (or another server) as a
child process, and a few measurements. Only 127.0.0.1 is ever contacted.

Every wait here is bounded in time; every loop in count.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import http.client
import importlib.util
import logging
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PY = BIN / "python"
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
# Its own Redis database, so other users of this Redis never see the bench's groups.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
HOST = "127.0.0.1"


def log(*parts: Any) -> None:
    print("[bench]", *parts, file=sys.stderr, flush=True)


def db_url(name: str) -> str:
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def redis_url(socket_timeout: float | None = None) -> str:
    """REDIS_URL as deployed, or with redis-py's socket_timeout set in the URL
    (see docs/performance.md: redis-py 8 reads with a 5 s timeout by default,
    the same 5 s channels-redis blocks in BZPOPMIN)."""
    if socket_timeout is None:
        return REDIS_URL
    return f"{REDIS_URL}?socket_timeout={socket_timeout:g}"


def base_env(
    dbname: str, *, redis_socket_timeout: float | None = None, **extra: str
) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": db_url(dbname),
        "REDIS_URL": redis_url(redis_socket_timeout),
        "DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "sammen.settings",
        "MEDIA_ROOT": str(ROOT / "var" / "bench-media"),
        "LOG_LEVEL": "WARNING",
    }
    env.update(extra)
    return env


def recreate_database(dbname: str) -> None:
    import psycopg

    assert dbname.replace("_", "").isalnum()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{dbname}"')


def migrate(env: dict[str, str]) -> None:
    t0 = time.monotonic()
    subprocess.run(
        [str(PY), "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    log(f"migrated in {time.monotonic() - t0:.1f}s")


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def django_setup(env: dict[str, str]) -> None:
    """Configure Django in this process against the bench database."""
    for key in ("DATABASE_URL", "REDIS_URL", "DEBUG", "DJANGO_SETTINGS_MODULE", "MEDIA_ROOT"):
        os.environ[key] = env[key]
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def make_group(n_members: int, *, name: str = "Bench gruppe") -> tuple[Any, Any, list[Any]]:
    """A group founded by a staff user, with n_members active members (bulk).
    Returns (group, founder, members)."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import User
    from groups.models import Membership, MembershipStatus, Role
    from groups.services import group_create

    founder = User.objects.create_user(
        email="founder@bench.invalid", password=None, display_name="Bente Stab", is_staff=True
    )
    group = group_create(actor=founder, name=name, description="Benchmark-gruppe.")
    password = make_password(None)
    users = [
        User(
            email=f"m{i}@bench.invalid",
            display_name=f"Medlem {i}",
            password=password,
            is_active=True,
        )
        for i in range(n_members)
    ]
    User.objects.bulk_create(users, batch_size=1000)
    members = list(
        User.objects.filter(email__endswith="@bench.invalid", is_staff=False).order_by("id")
    )
    now = timezone.now()
    Membership.objects.bulk_create(
        [
            Membership(
                user=u,
                group=group,
                role=Role.MEMBER,
                status=MembershipStatus.ACTIVE,
                requested_at=now,
                joined_at=now,
            )
            for u in members
        ],
        batch_size=1000,
    )
    return group, founder, members


def make_sessions(users: list[Any]) -> list[str]:
    """A logged-in Django session per user, written straight to the session
    table; returns the session keys (the `sessionid` cookie values)."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    store = SessionStore()
    expire = timezone.now() + timedelta(days=1)
    keys = []
    rows = []
    for u in users:
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        data = {
            "_auth_user_id": str(u.pk),
            "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
            "_auth_user_hash": u.get_session_auth_hash(),
        }
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
        keys.append(key)
    Session.objects.bulk_create(rows, batch_size=1000)
    return keys


def random_csrf_secret() -> str:
    from django.utils.crypto import get_random_string

    return get_random_string(32)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def raise_nofile(want: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def wait_http(port: int, path: str = "/healthz", timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, http.client.HTTPException):
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status < 500:
                conn.close()
                return
        time.sleep(0.2)
    raise TimeoutError(f"server on port {port} did not answer {path} in {timeout}s")


_CHILDREN: list[subprocess.Popen[bytes]] = []


def _stop_children() -> None:
    for proc in _CHILDREN:
        with contextlib.suppress(Exception):
            stop(proc, timeout=5)


atexit.register(_stop_children)
# A SIGTERM (timeout(1), kill PID) unwinds normally, so servers started here stop too.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def start_server(
    argv: list[str], env: dict[str, str], port: int, name: str
) -> subprocess.Popen[bytes]:
    logdir = ROOT / "var" / "bench-logs"
    logdir.mkdir(parents=True, exist_ok=True)
    out = open(logdir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
    log(f"starting {name}: {' '.join(argv)}")
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    _CHILDREN.append(proc)
    try:
        wait_http(port)
    except Exception:
        stop(proc)
        raise
    return proc


def start_daphne(env: dict[str, str], port: int, name: str = "daphne") -> subprocess.Popen[bytes]:
    return start_server(
        [str(BIN / "daphne"), "-b", HOST, "-p", str(port), "sammen.asgi:application"],
        env,
        port,
        name,
    )


# --- The ASGI server under test (bench/realtime.py, bench/sockets.py) ---------

SERVERS = ("daphne", "uvicorn")
UVICORN_WS = ("websockets", "websockets-sansio", "wsproto")
_UVICORN_WS_MODULE = {"websockets": "websockets", "websockets-sansio": "websockets"}


@dataclass(frozen=True)
class ServerSpec:
    """Which server runs sammen.asgi:application, one process per port.

    Daphne with its defaults; uvicorn with one worker (so the process started
    is the one serving), uvloop, httptools and the chosen WebSocket
    implementation. The uvicorn ws_* fields are passed on only when set;
    otherwise uvicorn's own defaults apply (see `info`)."""

    name: str = "daphne"
    uvicorn_ws: str = "websockets"
    ws_ping_interval: float | None = None
    ws_ping_timeout: float | None = None
    ws_per_message_deflate: bool | None = None

    def argv(self, port: int) -> list[str]:
        if self.name == "daphne":
            return [str(BIN / "daphne"), "-b", HOST, "-p", str(port), "sammen.asgi:application"]
        if self.name != "uvicorn":
            raise ValueError(self.name)
        argv = [
            str(BIN / "uvicorn"),
            "--host", HOST, "--port", str(port),
            "--workers", "1", "--no-access-log", "--log-level", "warning",
            "--lifespan", "off",
            "--loop", "uvloop", "--http", "httptools", "--ws", self.uvicorn_ws,
        ]  # fmt: skip
        if self.ws_ping_interval is not None:
            argv += ["--ws-ping-interval", f"{self.ws_ping_interval:g}"]
        if self.ws_ping_timeout is not None:
            argv += ["--ws-ping-timeout", f"{self.ws_ping_timeout:g}"]
        if self.ws_per_message_deflate is not None:
            argv += ["--ws-per-message-deflate", str(self.ws_per_message_deflate).lower()]
        return [*argv, "sammen.asgi:application"]

    def command(self) -> str:
        """The command line, as run from the repository root, port left open."""
        argv = self.argv(0)
        argv[0] = str(Path(argv[0]).relative_to(ROOT))
        port_flag = "-p" if self.name == "daphne" else "--port"
        argv[argv.index(port_flag) + 1] = "PORT"
        return " ".join(argv)

    def describe(self, processes: int) -> str:
        if self.name == "daphne":
            return f"daphne ({processes} process(es)), DEBUG=1"
        return f"uvicorn ({processes} process(es), --ws {self.uvicorn_ws}), DEBUG=1"

    def info(self) -> dict[str, Any]:
        """Versions and the WebSocket keepalive/compression settings in effect."""
        if self.name == "daphne":
            from daphne.cli import CommandLineInterface

            parser = CommandLineInterface().parser
            return {
                "versions": {"daphne": dist_version("daphne"), "twisted": dist_version("twisted")},
                "ws_ping_interval_s": parser.get_default("ping_interval"),
                "ws_ping_timeout_s": parser.get_default("ping_timeout"),
                # Daphne (autobahn) is not configured to accept permessage-deflate.
                "ws_per_message_deflate": False,
            }
        import inspect

        import uvicorn

        defaults = inspect.signature(uvicorn.Config.__init__).parameters
        ws_dist = _UVICORN_WS_MODULE.get(self.uvicorn_ws, self.uvicorn_ws)

        def pick(value: Any, key: str) -> Any:
            return defaults[key].default if value is None else value

        return {
            "versions": {
                "uvicorn": dist_version("uvicorn"),
                "uvloop": dist_version("uvloop"),
                "httptools": dist_version("httptools"),
                ws_dist: dist_version(ws_dist),
            },
            "ws_ping_interval_s": pick(self.ws_ping_interval, "ws_ping_interval"),
            "ws_ping_timeout_s": pick(self.ws_ping_timeout, "ws_ping_timeout"),
            "ws_per_message_deflate": pick(self.ws_per_message_deflate, "ws_per_message_deflate"),
        }

    def check(self) -> str | None:
        """Why this server cannot run here, or None."""
        binary = Path(self.argv(0)[0])
        if not binary.exists():
            return f"{binary} not found"
        if self.name == "uvicorn":
            module = _UVICORN_WS_MODULE.get(self.uvicorn_ws, self.uvicorn_ws)
            if importlib.util.find_spec(module) is None:
                return f"--uvicorn-ws {self.uvicorn_ws} needs the {module!r} package"
        return None


def add_server_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument(
        "--server",
        choices=SERVERS,
        default="daphne",
        help="ASGI server running sammen.asgi:application (default daphne)",
    )
    ap.add_argument(
        "--uvicorn-ws",
        choices=UVICORN_WS,
        default="websockets",
        help="uvicorn's WebSocket implementation, --ws (default websockets)",
    )
    ap.add_argument(
        "--uvicorn-ws-ping-interval",
        type=float,
        default=None,
        help="uvicorn --ws-ping-interval (default: not passed, uvicorn's 20 s)",
    )
    ap.add_argument(
        "--uvicorn-ws-ping-timeout",
        type=float,
        default=None,
        help="uvicorn --ws-ping-timeout (default: not passed, uvicorn's 20 s)",
    )
    ap.add_argument(
        "--uvicorn-ws-per-message-deflate",
        choices=["true", "false"],
        default=None,
        help="uvicorn --ws-per-message-deflate (default: not passed, uvicorn's true)",
    )


def server_spec(args: argparse.Namespace, ap: argparse.ArgumentParser) -> ServerSpec:
    uvicorn_only = (
        args.uvicorn_ws != "websockets"
        or args.uvicorn_ws_ping_interval is not None
        or args.uvicorn_ws_ping_timeout is not None
        or args.uvicorn_ws_per_message_deflate is not None
    )
    if args.server != "uvicorn" and uvicorn_only:
        ap.error("the --uvicorn-* options need --server uvicorn")
    deflate = args.uvicorn_ws_per_message_deflate
    spec = ServerSpec(
        name=args.server,
        uvicorn_ws=args.uvicorn_ws,
        ws_ping_interval=args.uvicorn_ws_ping_interval,
        ws_ping_timeout=args.uvicorn_ws_ping_timeout,
        ws_per_message_deflate=None if deflate is None else deflate == "true",
    )
    problem = spec.check()
    if problem:
        ap.error(problem)
    return spec


def start_app_server(
    spec: ServerSpec, env: dict[str, str], port: int, name: str
) -> subprocess.Popen[bytes]:
    return start_server(spec.argv(port), env, port, name)


def dist_version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


class PingCounter(logging.LoggerAdapter[logging.Logger]):
    """A logger for `websockets` client connections that counts the pings they
    receive from the server (the library answers each with a pong by itself).
    It claims DEBUG is enabled so the protocol reports every frame to it, and
    passes on only what the real "websockets.client" logger would emit."""

    def __init__(self) -> None:
        from websockets.frames import Opcode

        super().__init__(logging.getLogger("websockets.client"), {})
        self.pings = 0
        self._ping = Opcode.PING

    def isEnabledFor(self, level: int) -> bool:  # noqa: N802 - logging's name
        return level == logging.DEBUG or self.logger.isEnabledFor(level)

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        if level == logging.DEBUG:
            if (
                args
                and isinstance(msg, str)
                and msg.startswith("<")
                and getattr(args[0], "opcode", None) is self._ping
            ):
                self.pings += 1
            if not self.logger.isEnabledFor(logging.DEBUG):
                return
        super().log(level, msg, *args, **kwargs)


def stop(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL a process started in a session of its own, with its children
    (a Celery worker and its pool), as a crash would end them."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def stop_groups(procs: Iterable[subprocess.Popen[bytes]], timeout: float = 20.0) -> None:
    """SIGTERM every process group still running, wait up to `timeout` for
    each, then SIGKILL what is left."""
    procs = list(procs)
    for proc in procs:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_group(proc)


def wait_workers(names: list[str], timeout: float = 60.0) -> None:
    """Until every named Celery worker (-n NAME@%h) answers a ping."""
    from sammen.celery import app

    want = {f"{n}@" for n in names}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1.0) or []
        up = {next(iter(r)).split("@")[0] + "@" for r in replies}
        if want <= up:
            return
        time.sleep(0.5)
    raise TimeoutError(f"workers {names} did not answer a ping in {timeout}s")


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its live children (gunicorn's worker)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    with contextlib.suppress(OSError):
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / ticks
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            for child in fh.read().split()[:64]:
                total += cpu_seconds(int(child))
    return total


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def http_request(
    port: int,
    method: str,
    path: str,
    *,
    cookies: dict[str, str],
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 30.0,
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request to 127.0.0.1; returns status, Set-Cookie values, body."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        hdrs = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
        hdrs.update(headers or {})
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        jar: dict[str, str] = {}
        for value in resp.headers.get_all("Set-Cookie") or []:
            c: SimpleCookie = SimpleCookie()
            c.load(value)
            for k, morsel in c.items():
                jar[k] = morsel.value
        return resp.status, jar, data
    finally:
        conn.close()


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "python": sys.version.split()[0],
        # The machine is shared: the load when the run started says how noisy it was.
        "loadavg_at_start": [round(x, 1) for x in os.getloadavg()],
    }
