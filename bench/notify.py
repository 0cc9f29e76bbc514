"""Notifications under load (issue 13): the live bell's fan-out when a post
reaches every reader at level "Alt", and the daily e-mail digest for a whole
community, with a Celery worker killed half-way.

    .venv/bin/python bench/notify.py --scenario fanout [--members 5000] [--alt 1000]
                                     [--sockets 1000] [--posts 5] [--processes 2]
    .venv/bin/python bench/notify.py --scenario fanout --profile 1    # notify() in-process
    .venv/bin/python bench/notify.py --scenario digest [--members 10000] [--groups 20]
                                     [--workers 2] [--kill-at 1,0.5] [--tick 5] [--stale 5]
    .venv/bin/python bench/notify.py --scenario digest --profile 300  # digest_send in-process
    .venv/bin/python bench/notify.py --scenario digest --smtp-nodelay --kill-at 1,0.5

fanout: a fresh database (sammen_bench_notify) and Redis database 7; one
group of --members active members, --alt of them with their level "Alt"
(Preference rows, bulk), the rest on the group default (Normal: not told of
new posts), and one member with the role staff who writes. The production
servers of docs/operations.md: --processes uvicorn processes (--ws
websockets-sansio --ws-per-message-deflate false --lifespan off
--no-access-log) hold --sockets bell sockets (/ws/notifications/) of "Alt"
members, spread round-robin, each with its member's session cookie and the
page's Origin; gunicorn (2 sync workers, sammen.wsgi) takes the staff
member's post as a browser sends it (POST /groups/<slug>/posts/new/ with the
CSRF cookie and header). For each of --posts posts: the request's duration,
the time from just before the request until all of the post's notification
rows can be read (a poller on its own connection, every 5 ms), and for every
socket the time from just before the request until its bell says the new
unread count. A socket that has not heard within --per-post-timeout counts as
lost (the bell has no catch-up: the next event or page load mends it).

digest: a fresh database; --members members with the daily digest, spread
over --groups groups, each with one unread notification about a post of
their group; every group has posts with reactions from the last day and
planned posts for the coming week, so each digest has all three parts. The
SMTP sink (tests/smtp_sink.py, one .eml per accepted message, written before
it answers 250) runs as its own process, and --workers `celery -A sammen
worker --concurrency=1` processes (prefork) send through it with
NOTIFY_DIGEST_HOUR=0 (due now). `notifications.digests_due` is sent through
the broker twice (two beats) and the clock runs until every Digest row has
left "pending" and the sink holds every message. Each value of --kill-at is
one round on the same data (Digest and SentMail rows deleted, broker and sink
fresh between rounds): 1 = no kill; 0.5 = when half the mails are at the
sink, the worker that is inside a digest transaction is SIGKILLed (its
process group: the pool child too), a replacement is started, and
digests_due is sent every --tick seconds (as beat does) with
NOTIFY_DIGEST_STALE_SECONDS=--stale until all are sent. Then the sink's
messages are counted: total, distinct recipients, duplicates, missing.

--profile runs the hot path in this process under cProfile with its query
count instead (fanout: post_create with notify() and the after-commit
publishes, no sockets, then 1,000 bell publishes one by one, gathered and
pipelined, and 500 bells' unread-count reads as one socket process does them;
digest: digest_send on N digests through the sink, also with TCP_NODELAY on
the SMTP socket). --smtp-nodelay measures that proposal end to end: the
workers get a sitecustomize.py that sets TCP_NODELAY on their SMTP sockets
(the project's code is not changed; the JSON says so).

Progress goes to stderr; the last line on stdout is one JSON object. Targets
(issue 13): fan-out, all rows written <= 2 s and the badge p99 <= 500 ms,
0 lost; digest, <= 60 s with two workers, 0 duplicates, and 0 lost with a
worker killed half-way.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

# Its own Redis database (realtime/sockets/feed use 9, scheduler 8), before _common reads it.
os.environ.setdefault("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402

LOGDIR = c.ROOT / "var" / "bench-logs"
VAR_DIR = c.ROOT / "var" / "bench-notify"
SECRET = "bench-notify-secret-" + "y" * 40
# The production socket server (docs/operations.md).
UVICORN = c.ServerSpec(name="uvicorn", uvicorn_ws="websockets-sansio", ws_per_message_deflate=False)
GUNICORN_WORKERS = 2


def _r(x: float | None, nd: int = 1) -> float | None:
    return None if x is None else round(x, nd)


def stats_ms(values: list[float]) -> dict[str, float | None]:
    return {
        "p50_ms": _r(c.percentile(values, 50)),
        "p95_ms": _r(c.percentile(values, 95)),
        "p99_ms": _r(c.percentile(values, 99)),
        "max_ms": _r(max(values) if values else None),
        "min_ms": _r(min(values) if values else None),
    }


def process_env(args: argparse.Namespace, **extra: str) -> dict[str, str]:
    """The environment of every process of the run, this one included: the
    same secret (sessions made here must verify in the servers), the
    production settings with --debug 0."""
    env = c.base_env(
        args.db,
        DEBUG=args.debug,
        SECRET_KEY=SECRET,
        SAMMEN_VAR_DIR=str(VAR_DIR),
        SITE_URL="http://localhost:8000",
        **extra,
    )
    if args.debug == "0":
        env.update(ALLOWED_HOSTS="localhost,127.0.0.1", SECURE_SSL_REDIRECT="0")
    return env


def setup_here(env: dict[str, str]) -> None:
    for key in ("SECRET_KEY", "SAMMEN_VAR_DIR", "SITE_URL", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT"):
        if key in env:
            os.environ[key] = env[key]
    for key, value in env.items():
        if key.startswith(("NOTIFY_", "EMAIL_")):
            os.environ[key] = value
    c.django_setup(env)


CODE_FILES = (
    "notifications/services.py",
    "notifications/consumers.py",
    "notifications/selectors.py",
    "notifications/receivers.py",
    "notifications/mailing.py",
    "notifications/mail.py",
    "notifications/tasks.py",
    "sammen/events.py",
    "sammen/mail.py",
    "sammen/settings.py",
)


def code_state() -> dict[str, Any]:
    """The commit, and whether the measured files differ from it (other
    sessions edit the working tree): their short content hashes."""
    import hashlib

    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=c.ROOT, capture_output=True, text=True
    ).stdout.strip()
    changed = subprocess.run(
        ["git", "status", "--porcelain", "--", *CODE_FILES],
        cwd=c.ROOT,
        capture_output=True,
        text=True,
    ).stdout.split()
    return {
        "head": head,
        "uncommitted": sorted(f for f in CODE_FILES if f in changed),
        "sha1": {
            f: hashlib.sha1((c.ROOT / f).read_bytes()).hexdigest()[:10]  # noqa: S324
            for f in CODE_FILES
            if (c.ROOT / f).exists()
        },
    }


def fresh_database(args: argparse.Namespace, env: dict[str, str]) -> None:
    c.log(f"fresh database {args.db}")
    c.recreate_database(args.db)
    c.migrate(env)
    c.flush_redis()


# --- fanout ---------------------------------------------------------------------------


def fanout_data(members: int, alt: int) -> tuple[Any, Any, list[Any]]:
    """The group, its staff writer and the "Alt" members (first `alt` of them)."""
    from django.utils import timezone

    from accounts.models import User
    from groups.models import Membership, MembershipStatus, Role
    from notifications.models import Level, Preference

    group, _founder, people = c.make_group(members, name="Klokken")
    writer = User.objects.create_user(
        email="staff@bench.invalid", password=None, display_name="Stig Stab"
    )
    now = timezone.now()
    Membership.objects.create(
        user=writer,
        group=group,
        role=Role.STAFF,
        status=MembershipStatus.ACTIVE,
        requested_at=now,
        joined_at=now,
    )
    chosen = people[:alt]
    Preference.objects.bulk_create(
        [Preference(user=u, group=group, level=Level.ALL) for u in chosen], batch_size=1000
    )
    return group, writer, chosen


@dataclass
class Bell:
    idx: int
    session: str
    ws: Any = None
    # unread count -> when it was first heard
    got: dict[int, float] = field(default_factory=dict)
    reader: asyncio.Task[None] | None = None
    closed_early: bool = False


class Bells:
    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.live = 0
        self.heard: Counter[int] = Counter()

    async def open(self, b: Bell) -> None:
        from websockets.asyncio.client import connect

        port = self.ports[b.idx % len(self.ports)]
        b.ws = await connect(
            f"ws://{c.HOST}:{port}/ws/notifications/",
            # The page's own origin (sammen/websocket.py checks it).
            origin=f"http://{c.HOST}:{port}",  # type: ignore[arg-type]
            additional_headers={"Cookie": f"sessionid={b.session}"},
            open_timeout=60,
            ping_interval=None,
            close_timeout=2,
        )
        self.live += 1
        b.reader = asyncio.create_task(self.read(b))

    async def read(self, b: Bell) -> None:
        import websockets

        try:
            async for raw in b.ws:
                now = time.perf_counter()
                unread = json.loads(raw).get("unread")
                if isinstance(unread, int) and unread not in b.got:
                    b.got[unread] = now
                    self.heard[unread] += 1
        except websockets.ConnectionClosed:
            pass
        finally:
            b.closed_early = True
            self.live -= 1

    async def close(self, b: Bell) -> None:
        if b.reader is not None:
            b.reader.cancel()
        if b.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(b.ws.close(), 3)


def post_new(port: int, slug: str, session: str, csrf: str, body: str) -> tuple[int, float]:
    """The composer's form post, as a browser sends it; (status, seconds)."""
    data = urllib.parse.urlencode({"body": body, "theme": "sammen"}).encode()
    t0 = time.perf_counter()
    status, _jar, _body = c.http_request(
        port,
        "POST",
        f"/groups/{slug}/posts/new/",
        cookies={"sessionid": session, "csrftoken": csrf},
        headers={
            "X-CSRFToken": csrf,
            "Origin": f"http://{c.HOST}:{port}",
            "Referer": f"http://{c.HOST}:{port}/groups/{slug}/",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        body=data,
        timeout=60,
    )
    return status, time.perf_counter() - t0


def poll_rows(
    dbname: str, body: str, expected: int, t0: float, timeout: float
) -> tuple[float | None, int]:
    """Seconds from t0 until the post's notification rows are all readable
    (its own connection, every 5 ms), and how many there were."""
    import psycopg

    from notifications.models import Notification
    from posts.models import Post

    post_t, note_t = Post._meta.db_table, Notification._meta.db_table
    deadline = t0 + timeout
    count = 0
    with psycopg.connect(c.db_url(dbname).replace("postgres://", "postgresql://")) as conn:
        conn.autocommit = True
        post_id = None
        while time.perf_counter() < deadline:
            if post_id is None:
                row = conn.execute(
                    f"SELECT id FROM {post_t} WHERE body = %s",  # noqa: S608 - our table names
                    [body],
                ).fetchone()
                post_id = row[0] if row else None
            if post_id is not None:
                count = conn.execute(
                    f"SELECT count(*) FROM {note_t} WHERE post_id = %s",  # noqa: S608
                    [post_id],
                ).fetchone()[0]
                if count >= expected:
                    return time.perf_counter() - t0, count
            time.sleep(0.005)
    return None, count


def gunicorn_argv(port: int) -> list[str]:
    return [
        str(c.BIN / "gunicorn"),
        "-b", f"{c.HOST}:{port}", "-w", str(GUNICORN_WORKERS),
        "--worker-class", "sync", "--log-level", "warning",
        "sammen.wsgi:application",
    ]  # fmt: skip


async def fanout_run(
    args: argparse.Namespace, env: dict[str, str], slug: str, sessions: list[str], writer: str
) -> dict[str, Any]:
    ports = [c.free_port() for _ in range(args.processes)]
    servers = []
    for i, p in enumerate(ports):
        servers.append(
            await asyncio.to_thread(c.start_app_server, UVICORN, env, p, f"notify-uvicorn-{i}")
        )
    page_port = c.free_port()
    gunicorn = await asyncio.to_thread(
        c.start_server,
        gunicorn_argv(page_port),
        env,
        page_port,
        "notify-gunicorn",
    )
    bells = Bells(ports)
    socks = [Bell(i, s) for i, s in enumerate(sessions)]
    try:
        # The writer's page gives their CSRF cookie, as in a browser.
        status, jar, _ = await asyncio.to_thread(
            c.http_request, page_port, "GET", f"/groups/{slug}/", cookies={"sessionid": writer}
        )
        assert status == 200 and "csrftoken" in jar, f"group page answered {status}"
        csrf = jar["csrftoken"]

        sem = asyncio.Semaphore(50)
        failures: list[str] = []

        async def open_one(b: Bell) -> None:
            async with sem:
                try:
                    await bells.open(b)
                except Exception as exc:
                    failures.append(type(exc).__name__)

        t_open = time.monotonic()
        await asyncio.wait_for(asyncio.gather(*(open_one(b) for b in socks)), 300)
        open_s = time.monotonic() - t_open
        # Every bell says its count (0) when it opens.
        settle = time.monotonic() + 30
        while time.monotonic() < settle and bells.heard[0] < bells.live:
            await asyncio.sleep(0.1)
        connected = bells.live
        c.log(
            f"{connected}/{len(socks)} bells open in {open_s:.1f}s "
            f"({bells.heard[0]} said 0); failures={len(failures)}"
        )
        await asyncio.sleep(2.0)

        cpu0 = {
            "uvicorn": sum(c.cpu_seconds(s.pid) for s in servers),
            "gunicorn": c.cpu_seconds(gunicorn.pid),
        }
        runs: list[dict[str, Any]] = []
        all_lat: list[float] = []
        tag = uuid.uuid4().hex[:8]
        for k in range(1, args.posts + 1):
            body = f"Nyt opslag {k} fra Stig ({tag}). Kom og vær med i morgen!"
            live_before = bells.live
            t0 = time.perf_counter()
            poller = asyncio.create_task(
                asyncio.to_thread(poll_rows, args.db, body, args.alt, t0, 30.0)
            )
            status, request_s = await asyncio.to_thread(
                post_new, page_port, slug, writer, csrf, body
            )
            rows_s, rows = await poller
            wait_end = time.perf_counter() + args.per_post_timeout
            while time.perf_counter() < wait_end and bells.heard[k] < bells.live:
                await asyncio.sleep(0.01)
            lat = [1000 * (b.got[k] - t0) for b in socks if k in b.got]
            all_lat.extend(lat)
            run = {
                "post": k,
                "status": status,
                "request_ms": _r(1000 * request_s),
                "rows_written_s": _r(rows_s, 3),
                "rows": rows,
                "clients": live_before,
                "received": len(lat),
                "clients_lost": live_before - len(lat),
                **{f"badge_{key}": v for key, v in stats_ms(lat).items()},
            }
            runs.append(run)
            c.log(f"post {k}: {json.dumps(run)}")
            await asyncio.sleep(args.gap)
        cpu = {
            "uvicorn": sum(c.cpu_seconds(s.pid) for s in servers) - cpu0["uvicorn"],
            "gunicorn": c.cpu_seconds(gunicorn.pid) - cpu0["gunicorn"],
        }
        deliveries = len(all_lat)
        rss = max(c.rss_mib(s.pid) for s in servers)
        closed = sum(1 for b in socks if b.ws is not None and b.closed_early)
        await asyncio.wait_for(asyncio.gather(*(bells.close(b) for b in socks)), 60)
        rows_s_all = [r["rows_written_s"] for r in runs]
        return {
            "connected": connected,
            "connect_failures": len(failures),
            "open_s": _r(open_s),
            "posts": runs,
            "post_statuses": sorted({r["status"] for r in runs}),
            "request_ms_max": max(r["request_ms"] for r in runs),
            "rows_written_s": None if None in rows_s_all else max(rows_s_all),
            "rows_written_s_each": rows_s_all,
            "expected": connected * len(runs),
            "received": deliveries,
            "clients_lost": sum(r["clients_lost"] for r in runs),
            "sockets_closed_by_server": closed,
            **{f"badge_{key}": v for key, v in stats_ms(all_lat).items()},
            "uvicorn_cpu_s": _r(cpu["uvicorn"], 2),
            "uvicorn_cpu_ms_per_bell": _r(1000 * cpu["uvicorn"] / deliveries, 3)
            if deliveries
            else None,
            "gunicorn_cpu_s": _r(cpu["gunicorn"], 2),
            "gunicorn_cpu_ms_per_post": _r(1000 * cpu["gunicorn"] / len(runs)),
            "uvicorn_rss_mib": _r(rss),
        }
    finally:
        for proc in [*servers, gunicorn]:
            await asyncio.to_thread(c.stop, proc)


def fanout(args: argparse.Namespace) -> dict[str, Any]:
    c.raise_nofile(args.sockets * 2 + 1024)
    env = process_env(args)
    fresh_database(args, env)
    setup_here(env)
    if args.debug == "0":
        # Production settings need the hashed static manifest (the writer's page).
        subprocess.run(
            [str(c.PY), "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=c.ROOT,
            env=env,
            check=True,
            timeout=300,
        )
    t0 = time.monotonic()
    group, writer, chosen = fanout_data(args.members, args.alt)
    sessions = c.make_sessions(chosen[: args.sockets])
    writer_session = c.make_sessions([writer])[0]
    c.log(
        f"group {group.slug}: {args.members} members, {args.alt} at 'Alt', "
        f"{len(sessions)} sessions, in {time.monotonic() - t0:.1f}s"
    )
    from django.db import connections

    if args.profile:
        return {"profile": fanout_profile(args, group, writer, chosen)}
    connections.close_all()
    result = asyncio.run(fanout_run(args, env, group.slug, sessions, writer_session))
    result["met"] = {
        "rows_written_2s": result["rows_written_s"] is not None and result["rows_written_s"] <= 2.0,
        "badge_p99_500ms": result["badge_p99_ms"] is not None
        and result["badge_p99_ms"] <= 500
        and result["clients_lost"] == 0,
        "none_lost": result["clients_lost"] == 0,
    }
    return result


def fanout_profile(
    args: argparse.Namespace, group: Any, writer: Any, chosen: list[Any]
) -> dict[str, Any]:
    """post_create in this process (Redis channel layer, no sockets) under
    cProfile: where a post's time goes between the rows and the publishes."""
    import cProfile
    import io
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from posts import services

    services.post_create(actor=writer, group=group, body="Opvarmning", theme="sammen")
    out: dict[str, Any] = {"posts": args.profile, "runs": []}
    for k in range(args.profile):
        # Unprofiled first, then the same under the profiler.
        t0 = time.perf_counter()
        services.post_create(actor=writer, group=group, body=f"Uprofileret {k}", theme="sammen")
        plain = time.perf_counter() - t0
        prof = cProfile.Profile()
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            prof.enable()
            services.post_create(actor=writer, group=group, body=f"Profileret {k}", theme="sammen")
            prof.disable()
            profiled = time.perf_counter() - t0
        s = io.StringIO()
        stats = pstats.Stats(prof, stream=s)
        stats.sort_stats("cumulative").print_stats(40)
        print(s.getvalue(), file=sys.stderr)
        out["runs"].append(
            {
                "post_create_ms": _r(1000 * plain),
                "post_create_ms_profiled": _r(1000 * profiled),
                "queries": len(queries.captured_queries),
                "cumulative_ms_profiled": cumulative_ms(
                    stats,
                    {
                        "notify": ("notifications/services.py", "notify"),
                        "members_at_level": ("notifications/selectors.py", "members_at_level"),
                        "bulk_create": ("django/db/models/query.py", "bulk_create"),
                        "publish_after_commit": ("sammen/events.py", "send"),
                        "group_send_wait": ("sammen/events.py", "_group_send"),
                        "sql_execute": ("django/db/backends/utils.py", "_execute"),
                    },
                ),
            }
        )
    out["publish_1000"] = publish_compare([u.pk for u in chosen])
    out["bell_reads"] = bell_reads(chosen[: len(chosen) // 2])
    return out


def bell_reads(users: list[Any]) -> dict[str, Any]:
    """What one socket process does for its share of a post's bells: each
    BellConsumer reads its unread count through database_sync_to_async, all
    of them woken at once (Channels runs them one after another, on one
    thread per process)."""
    from channels.db import database_sync_to_async
    from django.db import connections

    from notifications import selectors

    async def read_all() -> None:
        await asyncio.gather(
            *(database_sync_to_async(selectors.unread_count)(u, fresh=True) for u in users)
        )

    asyncio.run(read_all())  # warm: connection, imports
    t0 = time.perf_counter()
    asyncio.run(read_all())
    wall = time.perf_counter() - t0
    connections.close_all()
    return {
        "sockets": len(users),
        "wall_ms": _r(1000 * wall),
        "ms_each": _r(1000 * wall / len(users), 3),
    }


def publish_compare(user_ids: list[int]) -> dict[str, Any]:
    """The bell's after-commit signal to these people: as notify() sends it
    (one group_send per person, each waited for in turn) against all of them
    gathered in one coroutine on the same publisher loop (a proposal)."""
    from channels.layers import get_channel_layer

    from notifications.services import BELL_EVENT
    from sammen import events

    layer = get_channel_layer()
    message = {"type": "sammen.event", "event": BELL_EVENT}
    names = [events.user_channel_name(u) for u in user_ids]
    events._group_send(layer, names[0], message)  # connect first
    t0 = time.perf_counter()
    for name in names:
        events._group_send(layer, name, message)
    one_by_one = time.perf_counter() - t0

    async def gathered() -> None:
        await asyncio.gather(*(layer.group_send(name, message) for name in names))

    async def piped() -> None:
        # What channels_redis' pubsub layer does per group_send, for all of
        # them in one Redis pipeline (its internals: a measurement only).
        loop_layer = layer._get_layer()
        shard = loop_layer._get_shard(loop_layer._get_group_channel_name(names[0]))
        shard._ensure_redis()
        pipe = shard._redis.pipeline(transaction=False)
        payload = layer.serialize(message)
        for name in names:
            pipe.publish(loop_layer._get_group_channel_name(name), payload)
        await pipe.execute()

    out: dict[str, Any] = {"recipients": len(names), "one_by_one_ms": _r(1000 * one_by_one)}
    for label, coro in (("gathered_ms", gathered), ("pipelined_ms", piped)):
        t0 = time.perf_counter()
        asyncio.run_coroutine_threadsafe(coro(), events._publisher()).result(timeout=60)
        out[label] = _r(1000 * (time.perf_counter() - t0))
    return out


def cumulative_ms(stats: Any, wanted: dict[str, tuple[str, str]]) -> dict[str, float]:
    """Cumulative time (ms) of named functions in a pstats.Stats, summed over
    every function of that file and name."""
    out = dict.fromkeys(wanted, 0.0)
    for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
        for label, (suffix, fn) in wanted.items():
            if name == fn and filename.endswith(suffix):
                out[label] += ct
    return {k: round(1000 * v, 1) for k, v in out.items()}


# --- digest ---------------------------------------------------------------------------


def digest_data(members: int, groups: int) -> dict[str, Any]:
    """Members with the daily digest over `groups` groups, one unread
    notification each; per group posts with reactions from today and planned
    posts for the coming week."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import User
    from groups.models import Membership, MembershipStatus, Role
    from groups.services import group_create
    from notifications.models import DigestFrequency, Kind, MailSettings, Notification
    from posts.models import Post
    from scheduler.models import ScheduledPost, ScheduledState

    t0 = time.monotonic()
    founder = User.objects.create_user(
        email="founder@bench.invalid", password=None, display_name="Bente Stab", is_staff=True
    )
    places = [
        group_create(actor=founder, name=f"Fællesskab {g + 1}", description="Benchmark-gruppe.")
        for g in range(groups)
    ]
    password = make_password(None)
    User.objects.bulk_create(
        [
            User(
                email=f"d{i}@bench.invalid",
                display_name=f"Medlem {i}",
                password=password,
                is_active=True,
            )
            for i in range(members)
        ],
        batch_size=2000,
    )
    people = list(User.objects.filter(email__startswith="d", email__endswith="@bench.invalid"))
    people.sort(key=lambda u: u.pk)
    now = timezone.now()
    Membership.objects.bulk_create(
        [
            Membership(
                user=u,
                group=places[i % groups],
                role=Role.MEMBER,
                status=MembershipStatus.ACTIVE,
                requested_at=now,
                joined_at=now,
            )
            for i, u in enumerate(people)
        ],
        batch_size=2000,
    )
    MailSettings.objects.bulk_create(
        [MailSettings(user=u, digest=DigestFrequency.DAILY) for u in people], batch_size=2000
    )
    posts_per_group = 8
    Post.objects.bulk_create(
        [
            Post(
                group=g,
                author=founder,
                body=f"Opslag {k} i {g.name}: hvem er med på en gåtur?",
                body_html=f"<p>Opslag {k} i {g.name}: hvem er med på en gåtur?</p>",
                theme="aktiv",
                created_at=now - timedelta(hours=2 + k),
                reaction_count=1 + (7 * k) % 11,
                comment_count=k % 4,
            )
            for g in places
            for k in range(posts_per_group)
        ],
        batch_size=2000,
    )
    by_group: dict[int, list[Any]] = {}
    for p in Post.objects.filter(group__in=places).order_by("pk"):
        by_group.setdefault(p.group_id, []).append(p)
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=u,
                kind=Kind.NEW_POST,
                group=places[i % groups],
                post=by_group[places[i % groups].pk][i % posts_per_group],
                actor=founder,
                created_at=now - timedelta(hours=1),
                updated_at=now - timedelta(hours=1),
            )
            for i, u in enumerate(people)
        ],
        batch_size=2000,
    )
    planned = 4
    ScheduledPost.objects.bulk_create(
        [
            ScheduledPost(
                group=g,
                author=founder,
                place_name=g.name,
                body=f"Planlagt {k}: vi mødes ved søen kl. 10 og går en tur sammen.",
                theme="sammen",
                state=ScheduledState.SCHEDULED,
                publish_at=now + timedelta(days=1 + k, hours=1),
            )
            for g in places
            for k in range(planned)
        ],
        batch_size=2000,
    )
    c.log(
        f"{members} members in {groups} groups, {groups * posts_per_group} posts, "
        f"{groups * planned} planned, {members} unread, in {time.monotonic() - t0:.1f}s"
    )
    return {
        "members": members,
        "groups": groups,
        "posts_per_group": posts_per_group,
        "planned_per_group": planned,
        "emails": {u.email for u in people},
    }


class Workers:
    """Celery workers as child processes, each in its own process group."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.cpu: dict[str, float] = {}
        LOGDIR.mkdir(parents=True, exist_ok=True)

    def start(self, name: str) -> None:
        path = LOGDIR / f"notify-{name}.log"
        path.unlink(missing_ok=True)
        out = open(path, "ab")  # noqa: SIM115 - the child holds it
        env = {**self.env, "DATABASE_URL": f"{self.env['DATABASE_URL']}?application_name={name}"}
        argv = [
            str(c.BIN / "celery"), "-A", "sammen", "worker", "--concurrency=1",
            "--loglevel=warning", "-n", f"{name}@%h", "--without-gossip", "--without-mingle",
        ]  # fmt: skip
        c.log(f"starting {name}: {' '.join(argv)}")
        proc = subprocess.Popen(
            argv, cwd=c.ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        out.close()
        self.procs[name] = proc
        self.cpu[name] = 0.0
        c._CHILDREN.append(proc)

    def sample_cpu(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is None:
                self.cpu[name] = max(self.cpu[name], c.cpu_seconds(proc.pid))

    def kill(self, name: str) -> None:
        c.kill_group(self.procs[name])

    def stop_all(self) -> None:
        c.stop_groups(self.procs.values(), timeout=20)


class Sink:
    """tests/smtp_sink.py as a child process."""

    def __init__(self, folder: Path, delay: float) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.eml"):
            old.unlink()
        self.folder = folder
        self.port = c.free_port()
        argv = [
            str(c.PY), str(c.ROOT / "tests" / "smtp_sink.py"),
            "--port", str(self.port), "--folder", str(folder), "--delay", f"{delay:g}",
        ]  # fmt: skip
        c.log(f"starting SMTP sink: {' '.join(argv)}")
        self.proc = subprocess.Popen(argv, cwd=c.ROOT, stdout=subprocess.PIPE)
        c._CHILDREN.append(self.proc)  # type: ignore[arg-type]
        assert self.proc.stdout is not None
        if self.proc.stdout.readline().strip() != b"ready":
            self.proc.kill()
            raise RuntimeError("the SMTP sink did not start")

    def env(self) -> dict[str, str]:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.port),
            "EMAIL_USE_TLS": "0",
        }

    def count(self) -> int:
        return sum(1 for name in os.listdir(self.folder) if name.endswith(".eml"))

    def stop(self) -> None:
        c.stop(self.proc)  # type: ignore[arg-type]

    def tally(self, expected: set[str], t0_wall: float) -> dict[str, Any]:
        """What the sink holds: total, distinct recipients, duplicates, missing."""
        from email import policy
        from email.parser import BytesParser

        parser = BytesParser(policy=policy.default)
        to: Counter[str] = Counter()
        ids: Counter[str] = Counter()
        last = 0.0
        total = 0
        for path in self.folder.glob("*.eml"):
            with open(path, "rb") as fh:
                msg = parser.parse(fh, headersonly=True)
            to[str(msg["To"]).strip().lower()] += 1
            ids[str(msg["Message-ID"])] += 1
            last = max(last, path.stat().st_mtime)
            total += 1
        return {
            "sent": total,
            "distinct_recipients": len(to),
            "duplicates": total - len(to),
            "duplicate_message_ids": total - len(ids),
            "missing": len(expected - set(to)),
            "unexpected": len(set(to) - expected),
            "last_mail_s": _r(last - t0_wall, 2) if total else None,
        }


def digest_counts() -> dict[str, int]:
    from django.db.models import Count

    from notifications.models import Digest, MailKind, SentMail

    by_state = dict(Digest.objects.values_list("state").annotate(n=Count("id")))
    return {
        "pending": by_state.get("pending", 0),
        "sent": by_state.get("sent", 0),
        "empty": by_state.get("empty", 0),
        "rows": sum(by_state.values()),
        "sent_mail_rows": SentMail.objects.filter(kind=MailKind.DIGEST).count(),
    }


def in_transaction(name: str) -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE application_name = %s AND xact_start IS NOT NULL",
            [name],
        )
        return int(cursor.fetchone()[0]) > 0


def stale_pending(stale_s: float) -> int:
    from django.utils import timezone

    from notifications.models import Digest, DigestState

    return Digest.objects.filter(
        state=DigestState.PENDING, created_at__lt=timezone.now() - timedelta(seconds=stale_s)
    ).count()


def digest_round(
    args: argparse.Namespace, env: dict[str, str], data: dict[str, Any], kill_at: float, n: int
) -> dict[str, Any]:
    from notifications import tasks

    expected = data["emails"]
    sink = Sink(VAR_DIR / f"mails-{n}", args.smtp_delay)
    workers = Workers(
        {
            **env,
            **sink.env(),
            "NOTIFY_DIGEST_HOUR": "0",
            "NOTIFY_DIGEST_BATCH": str(args.batch),
            "NOTIFY_DIGEST_STALE_SECONDS": f"{args.stale:g}" if kill_at < 1 else "600",
        }
    )
    if args.smtp_nodelay:
        workers.env["PYTHONPATH"] = os.pathsep.join(
            [str(nodelay_site()), *filter(None, [os.environ.get("PYTHONPATH")])]
        )
    names = [f"w{i + 1}" for i in range(args.workers)]
    try:
        for name in names:
            workers.start(name)
        c.wait_workers(names, timeout=90.0)
        load_start = os.getloadavg()[0]
        t0_wall = time.time()
        t0 = time.monotonic()
        # Two beats by mistake: both ask at once.
        tasks.digests_due.apply_async()
        tasks.digests_due.apply_async()
        killed: dict[str, Any] = {}
        ticks = 0
        handed_again = 0
        next_tick = 0.0
        rows_done_s = None
        last_report = 0.0
        timed_out = False
        while True:
            workers.sample_cpu()
            at_sink = sink.count()
            now = time.monotonic()
            if not killed and kill_at < 1 and at_sink >= kill_at * len(expected):
                # A worker inside a digest transaction (it holds a message
                # half-sent); look for up to 2 s.
                alive = [x for x in names if workers.procs[x].poll() is None]
                busy: list[str] = []
                look_until = time.monotonic() + 2
                while not busy and time.monotonic() < look_until:
                    busy = [x for x in alive if in_transaction(x)]
                    if not busy:
                        time.sleep(0.005)
                victim = busy[0] if busy else alive[0]
                workers.kill(victim)
                killed = {
                    "worker": victim,
                    "was_in_transaction": bool(busy),
                    "mails_at_kill": sink.count(),
                    "seconds_after_start": _r(time.monotonic() - t0, 2),
                }
                c.log(f"SIGKILL {victim} at {killed['mails_at_kill']} mails")
                replacement = f"w{len(workers.procs) + 1}"
                workers.start(replacement)
                names.append(replacement)
                next_tick = time.monotonic() + args.tick
            if killed and now >= next_tick:
                # The next beat's tick: rows pending longer than --stale go out again.
                handed_again += stale_pending(args.stale)
                tasks.digests_due.apply_async()
                ticks += 1
                next_tick = now + args.tick
            k = digest_counts()
            if rows_done_s is None and k["rows"] and k["pending"] == 0:
                rows_done_s = time.monotonic() - t0
            if rows_done_s is not None and at_sink >= len(expected):
                break
            if rows_done_s is not None and time.monotonic() - t0 > rows_done_s + 15:
                c.log("all rows out of pending, but the sink lacks mails; stopping")
                break
            if now - t0 > args.timeout:
                c.log(f"timeout: {k}, {at_sink} at the sink")
                timed_out = True
                break
            if now - last_report > 5:
                last_report = now
                c.log(
                    f"[{time.monotonic() - t0:5.1f}s] {at_sink} mails, {k}, "
                    f"load {os.getloadavg()[0]:.1f}"
                )
            time.sleep(0.2)
        wall = time.monotonic() - t0
        workers.sample_cpu()
        time.sleep(2)  # a late duplicate would land now
        tally = sink.tally(expected, t0_wall)
        counts = digest_counts()
        cpu = sum(workers.cpu.values())
        result: dict[str, Any] = {
            "kill_at": kill_at if kill_at < 1 else None,
            "workers": args.workers,
            "expected": len(expected),
            "digest_wall_s": _r(wall, 2),
            "rows_done_s": _r(rows_done_s, 2),
            **tally,
            "digest_rows": counts,
            "digests_per_s": _r(tally["sent"] / wall) if wall else None,
            "worker_cpu_s": {k: round(v, 1) for k, v in workers.cpu.items()},
            "worker_cpu_ms_per_digest": _r(1000 * cpu / tally["sent"]) if tally["sent"] else None,
            "killed": killed,
            "ticks_after_kill": ticks,
            "rows_handed_out_again": handed_again,
            "loadavg_start_end": [round(load_start, 1), round(os.getloadavg()[0], 1)],
            "timed_out": timed_out,
        }
        result["met"] = {
            "wall_60s": not timed_out and wall <= 60 and tally["missing"] == 0,
            "no_duplicates": tally["duplicates"] == 0,
            "none_missing": tally["missing"] == 0,
        }
        return result
    finally:
        workers.stop_all()
        sink.stop()


NODELAY_SITE = """\
# Written by bench/notify.py --smtp-nodelay for its Celery workers only: the
# proposal of docs/performance.md measured end to end, without changing the
# project's code. TCP_NODELAY on every SMTP connection Django opens.
import socket

from django.core.mail.backends import smtp as _smtp

_open = _smtp.EmailBackend.open


def _open_nodelay(self):
    opened = _open(self)
    if self.connection is not None and self.connection.sock is not None:
        self.connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return opened


_smtp.EmailBackend.open = _open_nodelay
"""


NODELAY_NOTE = "TCP_NODELAY patched into the workers (--smtp-nodelay), "


def nodelay_site() -> Path:
    """A folder whose sitecustomize.py patches the workers (--smtp-nodelay)."""
    folder = VAR_DIR / "smtp-nodelay"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(NODELAY_SITE)
    return folder


def digest_reset() -> None:
    from notifications.models import Digest, SentMail

    Digest.objects.all().delete()
    SentMail.objects.all().delete()
    c.flush_redis()


def digest(args: argparse.Namespace) -> dict[str, Any]:
    env = process_env(args)
    fresh_database(args, env)
    if args.profile:
        return {"profile": digest_profile(args, env)}
    setup_here(env)
    data = digest_data(args.members, args.groups)
    from django.db import connections

    rounds = []
    for n, kill_at in enumerate(float(x) for x in args.kill_at.split(",") if x.strip()):
        digest_reset()
        connections.close_all()
        r = digest_round(args, env, data, kill_at, n)
        c.log(f"round {n}: {json.dumps(r)}")
        rounds.append(r)
    return {
        "smtp_nodelay": args.smtp_nodelay,
        "data": {k: v for k, v in data.items() if k != "emails"},
        "setup": (
            f"{args.workers} x `celery -A sammen worker --concurrency=1` (prefork), "
            f"NOTIFY_DIGEST_BATCH={args.batch}, DEBUG={args.debug}, "
            f"{NODELAY_NOTE if args.smtp_nodelay else ''}SMTP sink "
            f"tests/smtp_sink.py --delay {args.smtp_delay:g}; digests_due sent twice, then "
            f"(kill rounds) every {args.tick:g} s with NOTIFY_DIGEST_STALE_SECONDS={args.stale:g}"
        ),
        "rounds": rounds,
    }


@contextlib.contextmanager
def smtp_nodelay() -> Any:
    """TCP_NODELAY on every SMTP connection Django opens in this process."""
    import socket

    from django.core.mail.backends.smtp import EmailBackend

    original = EmailBackend.open

    def open_nodelay(self: Any) -> Any:
        opened = original(self)
        if self.connection is not None and self.connection.sock is not None:
            self.connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return opened

    EmailBackend.open = open_nodelay  # type: ignore[method-assign]
    try:
        yield
    finally:
        EmailBackend.open = original  # type: ignore[method-assign]


def digest_profile(args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    """digest_send on --profile digests in this process, through the sink."""
    import cProfile
    import io
    import pstats

    sink = Sink(VAR_DIR / "mails-profile", args.smtp_delay)
    try:
        setup_here({**env, **sink.env(), "NOTIFY_DIGEST_HOUR": "0"})
        digest_data(args.members, args.groups)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from notifications import mailing

        ids = mailing.digests_due()
        n = min(args.profile, (len(ids) - 5) // 3)
        mailing.digest_send(digest_ids=ids[:5])  # warm up imports, templates
        plain_ids, prof_ids = ids[5 : 5 + n], ids[5 + n : 5 + 2 * n]
        nodelay_ids = ids[5 + 2 * n : 5 + 3 * n]
        t0 = time.perf_counter()
        sent_plain = mailing.digest_send(digest_ids=plain_ids)
        plain = time.perf_counter() - t0
        # The same with TCP_NODELAY on the SMTP socket (a proposal, patched
        # here in this process only): HeldMessage's final "." is a small write
        # after a large one, which Nagle's algorithm holds back until the
        # server's delayed ACK (40 ms on Linux).
        with smtp_nodelay():
            t0 = time.perf_counter()
            sent_nodelay = mailing.digest_send(digest_ids=nodelay_ids)
            nodelay = time.perf_counter() - t0
        prof = cProfile.Profile()
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            prof.enable()
            sent = mailing.digest_send(digest_ids=prof_ids)
            prof.disable()
            profiled = time.perf_counter() - t0
        s = io.StringIO()
        stats = pstats.Stats(prof, stream=s)
        stats.sort_stats("cumulative").print_stats(60)
        print(s.getvalue(), file=sys.stderr)
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(30)
        print(s.getvalue(), file=sys.stderr)
        kinds: Counter[str] = Counter()
        for q in queries.captured_queries:
            kinds[q["sql"].lstrip().split(" ", 1)[0].upper()] += 1
        per = max(1, sent)
        parts = cumulative_ms(
            stats,
            {
                "digest_content": ("notifications/mailing.py", "digest_content"),
                "render_to_string": ("django/template/loader.py", "render_to_string"),
                "mail_build": ("notifications/mail.py", "build"),
                "unsubscribe_url": ("notifications/mail.py", "unsubscribe_url"),
                "message_as_bytes": ("django/core/mail/message.py", "message"),
                "smtp_hold": ("sammen/mail.py", "hold"),
                "smtp_release": ("sammen/mail.py", "release"),
                "sql_execute": ("django/db/backends/utils.py", "_execute"),
                "prime_reader": ("notifications/selectors.py", "prime_reader"),
                "can_see": ("notifications/permissions.py", "can_see"),
                "mail_settings_for": ("notifications/mailing.py", "mail_settings_for"),
                "commit": ("django/db/transaction.py", "__exit__"),
            },
        )
        return {
            "digests": n,
            "sent_unprofiled": sent_plain,
            "ms_per_digest": _r(1000 * plain / max(1, sent_plain), 2),
            "sent_nodelay": sent_nodelay,
            "ms_per_digest_tcp_nodelay": _r(1000 * nodelay / max(1, sent_nodelay), 2),
            "sent_profiled": sent,
            "ms_per_digest_profiled": _r(1000 * profiled / per, 2),
            "queries_per_digest": _r(len(queries.captured_queries) / per, 2),
            "query_kinds_per_digest": {k: _r(v / per, 2) for k, v in kinds.items()},
            "ms_per_digest_by_part_profiled": {k: _r(v / per, 2) for k, v in parts.items()},
            "share_of_profiled": {k: _r(100 * v / (1000 * profiled), 1) for k, v in parts.items()},
        }
    finally:
        sink.stop()


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--scenario", choices=["fanout", "digest"], default="fanout")
    ap.add_argument("--db", default="sammen_bench_notify")
    ap.add_argument(
        "--debug",
        default="0",
        choices=["0", "1"],
        help="DEBUG of every process (0 = production settings, the default)",
    )
    ap.add_argument("--members", type=int, default=None, help="fanout 5000, digest 10000")
    ap.add_argument("--profile", type=int, default=0, help="profile in-process instead (N)")
    f = ap.add_argument_group("fanout")
    f.add_argument("--alt", type=int, default=1000, help="members at level Alt")
    f.add_argument("--sockets", type=int, default=1000, help="bells open (Alt members)")
    f.add_argument("--posts", type=int, default=5)
    f.add_argument("--processes", type=int, default=2, help="uvicorn processes")
    f.add_argument("--gap", type=float, default=2.0, help="pause between posts (s)")
    f.add_argument("--per-post-timeout", type=float, default=30.0)
    d = ap.add_argument_group("digest")
    d.add_argument("--groups", type=int, default=20)
    d.add_argument("--workers", type=int, default=2)
    d.add_argument("--batch", type=int, default=200, help="NOTIFY_DIGEST_BATCH")
    d.add_argument(
        "--kill-at",
        default="1",
        help="one round per value: fraction of mails at the sink when a worker is "
        "SIGKILLed (1 = no kill), e.g. 1,0.5",
    )
    d.add_argument("--tick", type=float, default=5.0, help="digests_due after a kill, every (s)")
    d.add_argument("--stale", type=float, default=5.0, help="NOTIFY_DIGEST_STALE_SECONDS (kill)")
    d.add_argument("--smtp-delay", type=float, default=0.0, help="sink's delay per message (s)")
    d.add_argument(
        "--smtp-nodelay",
        action="store_true",
        help="a proposal, not the code as is: the workers set TCP_NODELAY on their SMTP "
        "sockets (a sitecustomize.py on their PYTHONPATH)",
    )
    d.add_argument("--timeout", type=float, default=900.0, help="a round gives up after (s)")
    args = ap.parse_args()
    if args.members is None:
        args.members = 5000 if args.scenario == "fanout" else 10_000
    if args.scenario == "fanout":
        assert args.sockets <= args.alt <= args.members, "--sockets <= --alt <= --members"

    t_start = time.monotonic()
    out: dict[str, Any] = {
        "bench": "notify",
        "scenario": args.scenario,
        "machine": c.machine(),
        "debug": int(args.debug),
        "redis_url": c.REDIS_URL,
        "code": code_state(),
    }
    if args.scenario == "fanout":
        out.update(
            {
                "setup": (
                    f"{args.members} members, {args.alt} at level Alt, {args.sockets} bell "
                    f"sockets on {args.processes} x `{UVICORN.command()}`; posts through "
                    f"`gunicorn -w {GUNICORN_WORKERS} sammen.wsgi` (HTTP POST of the "
                    f"composer, CSRF cookie + header); channel layer "
                    f"{os.environ.get('CHANNEL_LAYER_BACKEND', 'pubsub')}"
                ),
                "post_via": "http (gunicorn)" if not args.profile else "in-process post_create",
                "server_info": UVICORN.info(),
                "target": {"rows_written_s": 2.0, "badge_p99_ms": 500, "clients_lost": 0},
            }
        )
        out.update(fanout(args))
    else:
        out["target"] = {"digest_wall_s": 60, "duplicates": 0, "missing": 0}
        out.update(digest(args))
    out["loadavg_at_end"] = [round(x, 1) for x in os.getloadavg()]
    out["elapsed_s"] = round(time.monotonic() - t_start, 1)
    out["client_cpu_s"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_utime
        + resource.getrusage(resource.RUSAGE_SELF).ru_stime,
        1,
    )
    from django.db import connections

    connections.close_all()
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
