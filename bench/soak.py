"""Load held (issue 17): a community of members on the production topology for
minutes on end, with a thousand sockets open.

    .venv/bin/python bench/soak.py [--members 300] [--sockets 1000] [--duration 300] [--warmup 60]
                                   [--think 10] [--scale 1.0]

A fresh PostgreSQL database (sammen_bench_soak) and Redis database 12 get one
group of --members members and --staff staff, with --posts existing posts
(comments, reactions). The production processes of docs/operations.md, DEBUG=0:
gunicorn (2 sync workers, sammen.wsgi) for pages, two uvicorn processes
(--ws websockets-sansio --ws-per-message-deflate false --lifespan off
--no-access-log) for sockets, one Celery worker (--concurrency=2, as
bin/production) and one Celery beat. No proxy: each member sends its own
X-Real-IP, as nginx would (RATE_LIMIT_IP_HEADER=HTTP_X_REAL_IP), so the
per-address write limits count per member as they do in production.

Sockets (a separate process, so reading them does not slow the members' clock):
--sockets of them, held by the members round-robin (a member holds several),
spread over the two uvicorn processes: group feed pages (/ws/groups/<slug>/),
post pages of a few "hot" posts (/ws/groups/<slug>/posts/<id>/) and bells
(/ws/notifications/), each with its member's session cookie and the page's
Origin, each resuming from the event id its page was rendered at (as
static/js/sammen-live.js does). A socket the server closes reconnects after 1 s
and resumes from the last event it saw. Every event id each socket receives is
recorded with its arrival time.

Members (asyncio + aiohttp in this process): each waits an exponential think
time (mean --think s), then reads the group feed (50%) or a post page (25%),
comments (12%, HTMX as the page's script sends it), reacts (10%) or posts
(3%, the composer's form post). Latency of every request, per kind.

Every --sample seconds the RSS and CPU of every server process (gunicorn's
master and workers, both uvicorns, the Celery worker and its pool, beat) are
read from /proc; the first minute's average is compared with the last minute's.

After the run the socket process waits for deliveries to settle, reads from the
database every post and comment created during the run, and each page socket
that lacks one it should have (a feed page: every post and comment; a post
page: that post's comments) reconnects and resumes from the last event it saw,
as the page does; what is still missing after that is lost. Each bell's last
count is compared with the member's unread count in the database.

The load runs --warmup seconds (default 60) before the --duration measured:
the page cache, the socket servers' memos of renders and viewer states and
malloc's arenas fill as they would in the first minute after a deploy, and the
measured minutes are the steady state a community lives in. Latencies, the
server times from the request log, CPU and memory are of the measured part;
errors and lost updates count over the whole run, warm-up included. Each
process's memory growth is also given from the very first sample
(`growth_from_start_pct`), so what the warm-up fills stays visible.

Progress goes to stderr; the last line on stdout is one JSON object with a
"met" object per target (issue 17): 0 errors, 0 lost live updates after
catch-up, p95 page <= 200 ms, every process's memory within 10 % of its first
measured minute.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import random
import re
import subprocess
import sys
import time
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Its own Redis database (the other benches use 7-10), before _common reads it.
os.environ.setdefault("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402

LOGDIR = c.ROOT / "var" / "bench-logs"
VAR_DIR = c.ROOT / "var" / "bench-soak"
SECRET = "bench-soak-secret-" + "z" * 40
UVICORN = c.ServerSpec(name="uvicorn", uvicorn_ws="websockets-sansio", ws_per_message_deflate=False)
GUNICORN_WORKERS = 2
CELERY_CONCURRENCY = 2
EVENT_RE = re.compile(r'"event_id":\s*(\d+)')
POST_ID_RE = re.compile(r'id="post-(\d+)"')
# What a member does after each think time, and how often.
MIX = {"feed": 50, "post_page": 25, "comment": 12, "react": 10, "post": 3}
PAGE_KINDS = ("feed", "post_page")
REACTIONS = ("like", "love", "hug", "haha", "wow", "sad")
HOT_POSTS = 5


def _r(x: float | None, nd: int = 1) -> float | None:
    return None if x is None else round(x, nd)


def stats_ms(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50_ms": _r(c.percentile(values, 50)),
        "p95_ms": _r(c.percentile(values, 95)),
        "p99_ms": _r(c.percentile(values, 99)),
        "max_ms": _r(max(values) if values else None),
    }


def uptime() -> str:
    # In UTC both times: Django sets TZ in this process's environment.
    env = {**os.environ, "TZ": "UTC"}
    out = subprocess.run(["uptime"], capture_output=True, text=True, check=False, env=env)
    return out.stdout.strip()


def process_env(args: argparse.Namespace) -> dict[str, str]:
    """Every process's environment, this one's included: production settings
    (DEBUG=0) on plain HTTP at 127.0.0.1, one secret (the sessions made here
    must verify in the servers), two-factor not required of the staff (they
    have none set up), the write limits per member address as behind nginx."""
    return c.base_env(
        args.db,
        DEBUG="0",
        SECRET_KEY=SECRET,
        SAMMEN_VAR_DIR=str(VAR_DIR),
        MEDIA_ROOT=str(VAR_DIR / "media"),
        SITE_URL="http://localhost:8000",
        ALLOWED_HOSTS="localhost,127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        MFA_REQUIRED_FOR_TEAM="0",
        RATE_LIMIT_IP_HEADER="HTTP_X_REAL_IP",
        SCHEDULER_IN_PROCESS="0",
        # This checkout's code, also when it is an export of a commit (the
        # editable install points at the main checkout).
        PYTHONPATH=str(c.ROOT),
    )


def setup_here(env: dict[str, str]) -> None:
    for key in (
        "SECRET_KEY",
        "SAMMEN_VAR_DIR",
        "SITE_URL",
        "ALLOWED_HOSTS",
        "SECURE_SSL_REDIRECT",
        "MFA_REQUIRED_FOR_TEAM",
        "RATE_LIMIT_IP_HEADER",
        "SCHEDULER_IN_PROCESS",
    ):
        os.environ[key] = env[key]
    c.django_setup(env)


# --- data ------------------------------------------------------------------------------


def make_data(args: argparse.Namespace) -> dict[str, Any]:
    """The group, its staff, existing posts with comments and reactions, and a
    session per person. Returns what the clients need (plain data)."""
    from django.utils import timezone

    from accounts.models import User
    from groups.models import Membership, MembershipStatus, Role
    from posts import selectors, services

    group, founder, members = c.make_group(args.members, name="Soak")
    staff = []
    now = timezone.now()
    for i in range(args.staff):
        user = User.objects.create_user(
            email=f"staff{i}@bench.invalid", password=None, display_name=f"Stab {i}"
        )
        Membership.objects.create(
            user=user,
            group=group,
            role=Role.STAFF,
            status=MembershipStatus.ACTIVE,
            requested_at=now,
            joined_at=now,
        )
        staff.append(user)
    writers = [founder, *staff]
    post_ids = []
    for i in range(args.posts):
        author = writers[i % len(writers)] if i % 3 == 0 else members[i % len(members)]
        post = services.post_create(
            actor=author,
            group=group,
            body=f"**Opslag {i}**: hvem kommer til fællesspisning på torsdag?",
            theme="sammen",
        )
        for j in range(3):
            services.comment_create(
                actor=members[(i + j + 1) % len(members)],
                post=post,
                body=f"Kommentar {j} til opslag {i}. Jeg kommer gerne!",
            )
        for j in range(5):
            services.reaction_set(
                actor=members[(i + 7 * j) % len(members)], post=post, kind=REACTIONS[j % 6]
            )
        post_ids.append(post.pk)
    people = [*members, *staff]
    sessions = c.make_sessions(people)
    return {
        "slug": group.slug,
        "group_id": group.pk,
        "user_ids": [u.pk for u in people],
        "sessions": sessions,
        "csrfs": [c.random_csrf_secret() for _ in people],
        "post_ids": post_ids,
        # The newest posts are the hot ones: their pages are open, most comments go there.
        "hot": post_ids[-HOT_POSTS:],
        "baseline": selectors.last_event_id(group),
    }


# --- processes -------------------------------------------------------------------------


class Topology:
    """gunicorn, two uvicorns, a Celery worker and beat, each in its own
    process group (stopped, or killed, with its children)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.page_port = c.free_port()
        self.socket_ports = [c.free_port(), c.free_port()]
        LOGDIR.mkdir(parents=True, exist_ok=True)

    def _start(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        path = LOGDIR / f"soak-{name}.log"
        path.unlink(missing_ok=True)
        out = open(path, "ab")  # noqa: SIM115 - the child holds it
        c.log(f"starting {name}: {' '.join(argv)}")
        proc = subprocess.Popen(
            argv, cwd=c.ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        out.close()
        self.procs[name] = proc
        return proc

    def start(self) -> None:
        self._start(
            "gunicorn",
            [
                str(c.BIN / "gunicorn"),
                "-w", str(GUNICORN_WORKERS), "--worker-class", "sync",
                "-b", f"{c.HOST}:{self.page_port}", "--timeout", "60",
                "sammen.wsgi:application",
            ],
        )  # fmt: skip
        for i, port in enumerate(self.socket_ports):
            self._start(f"uvicorn{i}", UVICORN.argv(port))
        self._start(
            "worker",
            [
                str(c.BIN / "celery"), "-A", "sammen", "worker", "--loglevel=warning",
                f"--concurrency={CELERY_CONCURRENCY}", "-n", "soak@%h",
            ],
        )  # fmt: skip
        self._start(
            "beat",
            [
                str(c.BIN / "celery"), "-A", "sammen", "beat", "--loglevel=warning",
                "-s", str(LOGDIR / "soak-beat-schedule"),
            ],
        )  # fmt: skip
        for port in [self.page_port, *self.socket_ports]:
            c.wait_http(port, timeout=120)
        self._wait_worker()

    def _wait_worker(self, timeout: float = 120.0) -> None:
        from sammen.celery import app

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            replies = app.control.ping(timeout=1.0) or []
            if any(next(iter(r)).startswith("soak@") for r in replies):
                return
            time.sleep(0.5)
        raise TimeoutError(f"the Celery worker did not answer a ping in {timeout}s")

    def dead(self) -> list[str]:
        return [name for name, p in self.procs.items() if p.poll() is not None]

    def processes(self) -> dict[str, int]:
        """Every server process by name: the started ones and their children
        (gunicorn's workers, the Celery pool), e.g. gunicorn/w1234."""
        out: dict[str, int] = {}
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                continue
            out[name] = proc.pid
            for child in _children(proc.pid):
                out[f"{name}/w{child}"] = child
        return out

    def stop(self) -> None:
        c.stop_groups(self.procs.values())


def _children(pid: int) -> list[int]:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{pid}/children") as fh:
        return [int(x) for x in fh.read().split()]
    return []


def _cpu_self(pid: int) -> float:
    """User + system CPU seconds of one process (not its children)."""
    with contextlib.suppress(OSError), open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return float("nan")


def _machine_cpu() -> float:
    """Busy CPU seconds of all cores since boot (/proc/stat: all but idle and iowait)."""
    with open("/proc/stat") as fh:
        fields = [int(x) for x in fh.readline().split()[1:]]
    busy = sum(fields[:8]) - fields[3] - fields[4]
    return busy / os.sysconf("SC_CLK_TCK")


class Sampler:
    """RSS and CPU of every server process every `every` seconds."""

    def __init__(self, topo: Topology, every: float) -> None:
        self.topo = topo
        self.every = every
        self.t0 = time.monotonic()
        self.rows: list[dict[str, Any]] = []  # {"t", "rss": {name: MiB}, "cpu": {name: s}}

    def sample(self) -> dict[str, Any]:
        rss, cpu = {}, {}
        for name, pid in self.topo.processes().items():
            with contextlib.suppress(OSError):
                rss[name] = round(c.rss_mib(pid), 1)
                cpu[name] = round(_cpu_self(pid), 2)
        row = {
            "t": round(time.monotonic() - self.t0, 1),
            "rss": rss,
            "cpu": cpu,
            "load1": round(os.getloadavg()[0], 2),
        }
        self.rows.append(row)
        return row

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.sample()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.every)

    def memory(self, duration: float, warmup: float = 0.0) -> dict[str, Any]:
        """Per process: the average RSS of the first and last window of the
        measured part (a minute, or a third of a shorter run), the growth
        between them, min and max; and the growth from the very first
        window of the run, warm-up included (`growth_from_start_pct`)."""
        window = min(60.0, duration / 3)
        end = warmup + duration
        names = sorted({n for row in self.rows for n in row["rss"]})
        out = {}
        for name in names:
            seq = [(row["t"], row["rss"][name]) for row in self.rows if name in row["rss"]]
            start = [v for t, v in seq if t < window]
            first = [v for t, v in seq if warmup <= t < warmup + window]
            last = [v for t, v in seq if t >= end - window]
            if not first or not last:
                out[name] = {"samples": len(seq), "note": "not sampled at both ends"}
                continue
            a, b = sum(first) / len(first), sum(last) / len(last)
            out[name] = {
                "first_mib": round(a, 1),
                "last_mib": round(b, 1),
                "growth_pct": round(100 * (b - a) / a, 1),
                "growth_from_start_pct": (
                    round(100 * (b - sum(start) / len(start)) / (sum(start) / len(start)), 1)
                    if start
                    else None
                ),
                "min_mib": min(v for t, v in seq if t >= warmup),
                "max_mib": max(v for t, v in seq if t >= warmup),
                "samples": len(seq),
            }
        return {"window_s": window, "warmup_s": warmup, "processes": out}

    def cpu(self, warmup: float = 0.0) -> dict[str, float]:
        """CPU seconds of each process over the measured part."""
        rows = [row for row in self.rows if row["t"] >= warmup]
        if len(rows) < 2:
            return {}
        a, b = rows[0]["cpu"], rows[-1]["cpu"]
        return {n: round(b[n] - a[n], 1) for n in b if n in a}


# --- sockets (a process of its own) ---------------------------------------------------


@dataclass
class Sock:
    idx: int
    kind: str  # feed | post | bell
    user_id: int
    session: str
    csrf: str
    port: int
    post_id: int | None = None
    ws: Any = None
    last_event: int = 0
    # Arrival time (time.time()) per event, indexed by event id - baseline; 0 = not seen.
    seen: array = field(default_factory=lambda: array("d"))
    unread: int | None = None
    # Told to load the page again (more missed than a replay sends): the page
    # then shows what the database holds.
    reloaded: bool = False
    messages: int = 0
    closes: int = 0
    reconnects: int = 0
    reader: asyncio.Task[None] | None = None

    @property
    def path(self) -> str:
        if self.kind == "bell":
            return "/ws/notifications/"
        return "/ws/groups/{slug}/" if self.kind == "feed" else "/ws/groups/{slug}/posts/{post}/"


class SocketHolder:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.slug = spec["slug"]
        self.baseline = spec["baseline"]
        self.socks: list[Sock] = []
        self.failures: Counter[str] = Counter()
        self.stopping = False
        self.last_message = time.monotonic()
        self.total = 0
        n = spec["sockets"]
        people = len(spec["user_ids"])
        n_bell = round(n * spec["bell_share"])
        n_post = round(n * spec["post_share"])
        for i in range(n):
            who = i % people
            kind = "bell" if i < n_bell else "post" if i < n_bell + n_post else "feed"
            self.socks.append(
                Sock(
                    idx=i,
                    kind=kind,
                    user_id=spec["user_ids"][who],
                    session=spec["sessions"][who],
                    csrf=spec["csrfs"][who],
                    port=spec["ports"][i % len(spec["ports"])],
                    post_id=spec["hot"][i % len(spec["hot"])] if kind == "post" else None,
                    last_event=self.baseline,
                )
            )

    def url(self, s: Sock) -> str:
        path = s.path.format(slug=self.slug, post=s.post_id)
        return f"ws://{c.HOST}:{s.port}{path}"

    async def open(self, s: Sock) -> None:
        from websockets.asyncio.client import connect

        s.ws = await connect(
            self.url(s),
            origin=f"http://{c.HOST}:{s.port}",  # type: ignore[arg-type]
            additional_headers={"Cookie": f"sessionid={s.session}; csrftoken={s.csrf}"},
            open_timeout=60,
            ping_interval=None,  # the server pings; the library answers
            close_timeout=2,
            max_size=2**22,
        )
        if s.kind != "bell":
            await s.ws.send(json.dumps({"type": "resume", "last_event_id": s.last_event}))
        s.reader = asyncio.create_task(self.read(s))

    def mark(self, s: Sock, event_id: int, now: float) -> None:
        k = event_id - self.baseline
        if k <= 0:
            return
        if len(s.seen) <= k:
            s.seen.extend([0.0] * (k + 256 - len(s.seen)))
        if s.seen[k] == 0.0:
            s.seen[k] = now

    async def read(self, s: Sock) -> None:
        import websockets

        try:
            async for raw in s.ws:
                now = time.time()
                self.last_message = time.monotonic()
                self.total += 1
                s.messages += 1
                text = raw if isinstance(raw, str) else raw.decode()
                if s.kind == "bell":
                    with contextlib.suppress(ValueError, AttributeError):
                        unread = json.loads(text).get("unread")
                        if isinstance(unread, int):
                            s.unread = unread
                    continue
                m = EVENT_RE.search(text)
                if m:
                    event_id = int(m.group(1))
                    self.mark(s, event_id, now)
                    s.last_event = max(s.last_event, event_id)
                elif '"reload"' in text:
                    s.reloaded = True
        except websockets.ConnectionClosed:
            pass
        except Exception as exc:  # noqa: BLE001 - counted, the socket reconnects
            self.failures["read:" + type(exc).__name__] += 1
        if not self.stopping:
            # Closed by the server (or the network): the page reconnects and resumes.
            s.closes += 1
            asyncio.get_running_loop().call_later(1.0, self._reconnect, s)

    def _reconnect(self, s: Sock) -> None:
        if self.stopping:
            return

        async def again() -> None:
            try:
                s.reconnects += 1
                await self.open(s)
            except Exception as exc:  # noqa: BLE001 - counted, tried again
                self.failures["reconnect:" + type(exc).__name__] += 1
                if not self.stopping:
                    asyncio.get_running_loop().call_later(2.0, self._reconnect, s)

        asyncio.ensure_future(again())

    async def close(self, s: Sock) -> None:
        if s.reader is not None:
            s.reader.cancel()
        if s.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(s.ws.close(), 3)

    async def open_all(self) -> float:
        sem = asyncio.Semaphore(50)

        async def one(s: Sock) -> None:
            async with sem:
                try:
                    await self.open(s)
                except Exception as exc:  # noqa: BLE001 - counted
                    self.failures["connect:" + type(exc).__name__] += 1

        t0 = time.monotonic()
        await asyncio.wait_for(asyncio.gather(*(one(s) for s in self.socks)), 600)
        return time.monotonic() - t0

    def open_count(self) -> int:
        return sum(1 for s in self.socks if s.reader is not None and not s.reader.done())


def expected_events(spec: dict[str, Any]) -> list[tuple[int, str, int | None, float]]:
    """Every event of the group after the baseline: (id, kind, post id, created)."""
    from django.db import connections

    from posts.models import FeedEvent

    rows = list(
        FeedEvent.objects.filter(group_id=spec["group_id"], id__gt=spec["baseline"])
        .order_by("id")
        .values_list("id", "kind", "post_ref", "created_at")
    )
    connections.close_all()
    return [(i, k, p, t.timestamp()) for i, k, p, t in rows]


def unread_counts(user_ids: list[int]) -> dict[int, int]:
    from django.db import connections

    from notifications.selectors import unread_counts as counts

    out = counts(user_ids)
    connections.close_all()
    return out


def relevant(s: Sock, kind: str, post_ref: int | None) -> bool:
    """Whether this page shows the event (so a replay sends it): a feed page
    every new post and comment, a post page the comments on its post."""
    if s.kind == "feed":
        return kind in ("post.created", "comment.created")
    return kind == "comment.created" and post_ref == s.post_id


def sockets_main(spec: dict[str, Any], ready: Any, stop: Any, out_path: str) -> None:
    """The socket process: open, hold until told to stop, settle, catch up, report."""
    setup_here(spec["env"])
    result = asyncio.run(_sockets(spec, ready, stop))
    Path(out_path).write_text(json.dumps(result))


async def _sockets(spec: dict[str, Any], ready: Any, stop: Any) -> dict[str, Any]:
    h = SocketHolder(spec)
    open_s = await h.open_all()
    c.log(f"sockets: {h.open_count()}/{len(h.socks)} open in {open_s:.1f}s; {dict(h.failures)}")
    ready.set()
    t_next = time.monotonic() + 30
    while not stop.is_set():
        await asyncio.sleep(0.5)
        if time.monotonic() >= t_next:
            t_next += 30
            c.log(f"sockets: {h.open_count()} open, {h.total} messages, {dict(h.failures)}")
    # Settle: deliveries still on their way (quiet for 5 s, at most --grace).
    t_stop = time.monotonic()
    while time.monotonic() - t_stop < spec["grace"] and time.monotonic() - h.last_message < 5:
        await asyncio.sleep(0.5)
    settle_s = time.monotonic() - t_stop
    open_at_end = h.open_count()
    events = await asyncio.to_thread(expected_events, spec)
    created = {i: t for i, _k, _p, t in events}
    watched = [s for s in h.socks if s.kind != "bell"]

    def missing(s: Sock) -> list[int]:
        if s.reloaded:
            return []
        return [
            i
            for i, k, p, _t in events
            if relevant(s, k, p)
            and (i - h.baseline >= len(s.seen) or s.seen[i - h.baseline] == 0.0)
        ]

    # Live: every event each page socket was sent while the load ran (every
    # socket of the group is sent every event, an empty one if its page does
    # not change), and how long after its row was written.
    lat: list[float] = []
    live_expected = live_got = 0
    for s in watched:
        for i, t in created.items():
            k = i - h.baseline
            live_expected += 1
            if k < len(s.seen) and s.seen[k] > 0.0:
                live_got += 1
                lat.append(1000 * (s.seen[k] - t))
    relevant_expected = sum(1 for s in watched for i, k, p, _t in events if relevant(s, k, p))
    missed = {s.idx: missing(s) for s in watched}
    missed = {k: v for k, v in missed.items() if v}
    lost_before = sum(len(v) for v in missed.values())
    c.log(
        f"sockets: settled in {settle_s:.1f}s; {len(events)} events; "
        f"{lost_before} page deliveries missing on {len(missed)} sockets before catch-up"
    )
    # Catch-up, as the page does: reconnect and resume from the last event seen.
    h.stopping = True
    gaps = 0
    if missed:
        again = [s for s in watched if s.idx in missed]
        for s in again:
            # A gap below the last event seen is one a resume cannot mend.
            gaps += sum(1 for i in missed[s.idx] if i <= s.last_event)
            await h.close(s)
        h.stopping = False  # the readers of the reopened sockets must not reconnect on close
        sem = asyncio.Semaphore(50)

        async def reopen(s: Sock) -> None:
            async with sem:
                try:
                    await h.open(s)
                except Exception as exc:  # noqa: BLE001 - counted
                    h.failures["catchup:" + type(exc).__name__] += 1

        await asyncio.wait_for(asyncio.gather(*(reopen(s) for s in again)), 300)
        end = time.monotonic() + 30
        while time.monotonic() < end and any(missing(s) for s in again):
            await asyncio.sleep(0.2)
        h.stopping = True
    lost = {s.idx: missing(s) for s in watched}
    lost = {k: v for k, v in lost.items() if v}
    # Bells: the last count each heard against the database.
    bells = [s for s in h.socks if s.kind == "bell"]
    counts = await asyncio.to_thread(unread_counts, sorted({s.user_id for s in bells}))
    bells_wrong = [
        {"user": s.user_id, "heard": s.unread, "db": counts.get(s.user_id)}
        for s in bells
        if s.unread != counts.get(s.user_id)
    ]
    h.stopping = True
    await asyncio.wait_for(asyncio.gather(*(h.close(s) for s in h.socks)), 120)
    kinds = Counter(k for _i, k, _p, _t in events)
    return {
        "sockets": len(h.socks),
        "by_kind": dict(Counter(s.kind for s in h.socks)),
        "open_s": _r(open_s),
        "open_at_end": open_at_end,
        "closed_by_server": sum(s.closes for s in h.socks),
        "reconnects": sum(s.reconnects for s in h.socks),
        "failures": dict(h.failures),
        "messages": h.total,
        "events": dict(kinds),
        "settle_s": _r(settle_s),
        "live_deliveries_expected": live_expected,
        "live_deliveries": live_got,
        "live_latency": stats_ms(lat),
        "page_deliveries_expected": relevant_expected,
        "missing_before_catchup": lost_before,
        "sockets_missing_before_catchup": len(missed),
        "gaps_below_last_seen": gaps,
        "told_to_reload": sum(1 for s in watched if s.reloaded),
        "lost_after_catchup": sum(len(v) for v in lost.values()),
        "lost_examples": dict(list(lost.items())[:5]),
        "bells": len(bells),
        "bells_wrong": len(bells_wrong),
        "bells_wrong_examples": bells_wrong[:5],
    }


# --- members ---------------------------------------------------------------------------


class Members:
    def __init__(self, data: dict[str, Any], port: int, args: argparse.Namespace) -> None:
        self.data = data
        self.port = port
        self.args = args
        self.base = f"http://{c.HOST}:{port}"
        self.slug = data["slug"]
        self.lat: dict[str, list[float]] = defaultdict(list)
        self.status: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.recent: list[int] = list(data["post_ids"])
        self.rng = random.Random(17)
        self.done = 0
        # Requests started before this (time.monotonic()) are the warm-up:
        # counted for errors, not for latency or rate.
        self.measure_from = 0.0
        self.measured = 0

    def _headers(self, i: int, *, write: bool = False, htmx: bool = False) -> dict[str, str]:
        h = {
            "Cookie": f"sessionid={self.data['sessions'][i]}; csrftoken={self.data['csrfs'][i]}",
            # Each member its own address, as nginx passes it (X-Real-IP).
            "X-Real-IP": f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}",
            "Accept-Encoding": "gzip, deflate",
        }
        if write:
            h.update(
                {
                    "X-CSRFToken": self.data["csrfs"][i],
                    "Origin": self.base,
                    "Referer": f"{self.base}/groups/{self.slug}/",
                }
            )
        if htmx:
            h["HX-Request"] = "true"
        return h

    async def request(
        self, session: Any, kind: str, method: str, path: str, headers: dict[str, str],
        data: dict[str, str] | None = None,
    ) -> str | None:  # fmt: skip
        import aiohttp

        t0 = time.perf_counter()
        measured = time.monotonic() >= self.measure_from
        try:
            async with session.request(
                method, self.base + path, headers=headers, data=data, allow_redirects=False
            ) as resp:
                body = await resp.read()
                status = resp.status
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            self.errors[f"{kind}:{type(exc).__name__}"] += 1
            return None
        ms = 1000 * (time.perf_counter() - t0)
        self.done += 1
        self.status[f"{kind}:{status}"] += 1
        if status >= 500:
            self.errors[f"{kind}:{status}"] += 1
        elif status == 429:
            return None
        elif status >= 400:
            self.errors[f"{kind}:{status}"] += 1
        if measured:
            self.measured += 1
            self.lat[kind].append(ms)
        return body.decode("utf-8", "replace") if kind == "feed" else ""

    def pick_post(self) -> int:
        if self.rng.random() < 0.4:
            return self.rng.choice(self.data["hot"])
        return self.rng.choice(self.recent[-30:])

    async def act(self, session: Any, i: int, n: int) -> None:
        kind = self.rng.choices(list(MIX), weights=list(MIX.values()))[0]
        slug = self.slug
        if kind == "feed":
            html = await self.request(session, kind, "GET", f"/groups/{slug}/", self._headers(i))
            if html:
                ids = sorted({int(x) for x in POST_ID_RE.findall(html)})
                if ids and ids[-1] > self.recent[-1]:
                    self.recent.extend(x for x in ids if x > self.recent[-1])
        elif kind == "post_page":
            post = self.pick_post()
            await self.request(
                session, kind, "GET", f"/groups/{slug}/posts/{post}/", self._headers(i)
            )
        elif kind == "comment":
            post = self.pick_post()
            await self.request(
                session, kind, "POST", f"/groups/{slug}/posts/{post}/comments/",
                self._headers(i, write=True, htmx=True),
                {"body": f"Kommentar fra medlem {i} ({n}). Det lyder godt!"},
            )  # fmt: skip
        elif kind == "react":
            post = self.pick_post()
            await self.request(
                session, kind, "POST", f"/groups/{slug}/posts/{post}/react/",
                self._headers(i, write=True, htmx=True),
                {"kind": self.rng.choice(REACTIONS)},
            )  # fmt: skip
        else:
            await self.request(
                session, kind, "POST", f"/groups/{slug}/posts/new/",
                self._headers(i, write=True),
                {"body": f"Nyt opslag fra medlem {i} ({n}): gåtur i parken i morgen kl. 10?",
                 "theme": "sammen"},
            )  # fmt: skip

    async def member(self, session: Any, i: int, deadline: float) -> None:
        rng = random.Random(i)
        n = 0
        # Start spread over the first think time, not all at once.
        await asyncio.sleep(min(rng.uniform(0, self.args.think), self.args.duration))
        while time.monotonic() < deadline:
            await self.act(session, i, n)
            n += 1
            pause = min(rng.expovariate(1 / self.args.think), 6 * self.args.think)
            await asyncio.sleep(max(0.0, min(pause, deadline - time.monotonic())))

    async def run(self, deadline: float) -> None:
        import aiohttp

        people = len(self.data["sessions"])
        conn = aiohttp.TCPConnector(limit=0, force_close=True)
        timeout = aiohttp.ClientTimeout(total=60)
        async with aiohttp.ClientSession(connector=conn, timeout=timeout) as session:
            await asyncio.gather(*(self.member(session, i, deadline) for i in range(people)))


def server_times(log: Path, offset: int = 0) -> dict[str, Any]:
    """The time gunicorn's workers spent on each request, from the request log
    (one JSON line per request, sammen.requestlog) after byte `offset` (the
    end of the warm-up): the page's own time, without the wait in the listen
    queue that the members' clock includes."""
    kinds = (
        ("comment", re.compile(r"^POST /groups/[^/]+/posts/\d+/comments/$")),
        ("react", re.compile(r"^POST /groups/[^/]+/posts/\d+/react/$")),
        ("post", re.compile(r"^POST /groups/[^/]+/posts/new/$")),
        ("post_page", re.compile(r"^GET /groups/[^/]+/posts/\d+/$")),
        ("feed", re.compile(r"^GET /groups/[^/]+/$")),
    )
    ms: dict[str, list[float]] = defaultdict(list)
    with contextlib.suppress(OSError), open(log, "rb") as fh:
        if offset:
            fh.seek(offset - 1)
            fh.readline()  # to the start of the first whole line after the offset
        for raw in fh:
            line = raw.decode("utf-8", "replace")
            if not line.startswith('{"request_id"'):
                continue
            with contextlib.suppress(ValueError, KeyError):
                row = json.loads(line)
                what = f"{row['method']} {row['path']}"
                kind = next((k for k, rx in kinds if rx.match(what)), None)
                if kind is not None:
                    ms[kind].append(float(row["ms"]))
    pages = [v for k in PAGE_KINDS for v in ms[k]]
    return {"pages": stats_ms(pages), **{k: stats_ms(v) for k, v in ms.items()}}


# --- the run ---------------------------------------------------------------------------


async def drive(
    args: argparse.Namespace,
    topo: Topology,
    data: dict[str, Any],
    stop_sockets: Any,
    holder_pid: int | None,
) -> dict[str, Any]:
    sampler = Sampler(topo, args.sample)
    members = Members(data, topo.page_port, args)
    stop = asyncio.Event()
    sampling = asyncio.create_task(sampler.run(stop))

    async def progress() -> None:
        t0 = time.monotonic()
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 30)
            pages = [v for k in PAGE_KINDS for v in members.lat[k]]
            rss = sampler.rows[-1]["rss"] if sampler.rows else {}
            phase = "warm-up, " if time.monotonic() < members.measure_from else ""
            c.log(
                f"t={time.monotonic() - t0:.0f}s {phase}requests {members.done}, "
                f"errors {sum(members.errors.values())}, page p95 "
                f"{c.percentile(pages, 95) or 0:.0f} ms, load {os.getloadavg()[0]:.1f}, "
                f"RSS {json.dumps(rss)}; dead {topo.dead()}"
            )

    reporter = asyncio.create_task(progress())
    t0 = time.monotonic()
    members.measure_from = t0 + args.warmup
    at_start: dict[str, Any] = {}

    async def start_measuring() -> None:
        """At the end of the warm-up: where the request log stands and how
        much CPU the client and the whole machine have used so far."""
        await asyncio.sleep(args.warmup)
        log = LOGDIR / "soak-gunicorn.log"
        at_start["log_offset"] = log.stat().st_size if log.exists() else 0
        at_start["machine"] = _machine_cpu()
        at_start["members"] = _cpu_self(os.getpid())
        at_start["sockets"] = _cpu_self(holder_pid) if holder_pid else float("nan")
        at_start["t"] = time.monotonic()
        if args.warmup:
            c.log(f"warm-up of {args.warmup:g}s done: measuring {args.duration:g}s")

    marker = asyncio.create_task(start_measuring())
    await members.run(t0 + args.warmup + args.duration)
    await marker
    wall = time.monotonic() - at_start["t"]
    client_cpu = {
        "members": _r(_cpu_self(os.getpid()) - at_start["members"]),
        "sockets": _r(_cpu_self(holder_pid) - at_start["sockets"]) if holder_pid else None,
    }
    # Every core's busy time over the measured part: servers + client +
    # PostgreSQL, Redis and whatever else runs on the machine.
    machine_busy = _r(_machine_cpu() - at_start["machine"])
    stop_sockets.set()
    stop.set()
    await sampling
    await reporter
    sampler.sample()
    pages = [v for k in PAGE_KINDS for v in members.lat[k]]
    return {
        "warmup_s": args.warmup,
        "wall_s": _r(wall),
        "requests": members.measured,
        "requests_with_warmup": members.done,
        "requests_per_s": _r(members.measured / wall),
        "latency": {"pages": stats_ms(pages), **{k: stats_ms(v) for k, v in members.lat.items()}},
        "statuses": dict(sorted(members.status.items())),
        "errors": dict(members.errors),
        "rate_limited": sum(v for k, v in members.status.items() if k.endswith(":429")),
        "memory": sampler.memory(args.duration, args.warmup),
        "cpu_s": sampler.cpu(args.warmup),
        "load1_samples": [row["load1"] for row in sampler.rows],
        "dead_processes": topo.dead(),
        "client_cpu_s": client_cpu,
        "machine_busy_cpu_s": machine_busy,
        "log_offset": at_start["log_offset"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--members", type=int, default=300)
    ap.add_argument("--staff", type=int, default=3)
    ap.add_argument("--sockets", type=int, default=1000)
    ap.add_argument("--duration", type=float, default=300.0, help="seconds of measured load")
    ap.add_argument(
        "--warmup", type=float, default=60.0, help="seconds of load before the measured part"
    )
    ap.add_argument(
        "--scale", type=float, default=1.0, help="multiplies members, sockets and duration"
    )
    ap.add_argument("--think", type=float, default=10.0, help="mean seconds between actions")
    ap.add_argument("--posts", type=int, default=40, help="posts before the run")
    ap.add_argument("--bell-share", type=float, default=0.25, help="share of sockets on bells")
    ap.add_argument("--post-share", type=float, default=0.15, help="share on hot post pages")
    ap.add_argument("--sample", type=float, default=10.0, help="seconds between RSS samples")
    ap.add_argument("--grace", type=float, default=30.0, help="most seconds to settle")
    ap.add_argument("--db", default="sammen_bench_soak")
    args = ap.parse_args()
    args.members = max(2, round(args.members * args.scale))
    args.sockets = max(1, round(args.sockets * args.scale))
    args.duration = args.duration * args.scale
    command = "bench/soak.py " + " ".join(sys.argv[1:])

    t_start = time.monotonic()
    machine = c.machine()
    uptime_start = uptime()
    c.log(f"uptime at start: {uptime_start}")
    nofile = c.raise_nofile(args.sockets * 2 + 4096)
    env = process_env(args)
    c.recreate_database(args.db)
    c.migrate(env)
    c.flush_redis()
    for command_argv in (["compiletranslations"], ["collectstatic", "--noinput"]):
        subprocess.run(
            [str(c.PY), "manage.py", *command_argv, "-v0"],
            cwd=c.ROOT, env=env, check=True, timeout=300, stdout=sys.stderr,
        )  # fmt: skip
    setup_here(env)
    t = time.monotonic()
    data = make_data(args)
    c.log(
        f"group {data['slug']}: {args.members} members + {args.staff} staff, "
        f"{len(data['post_ids'])} posts, in {time.monotonic() - t:.1f}s"
    )
    from django.db import connections

    connections.close_all()

    topo = Topology(env)
    ctx = multiprocessing.get_context("spawn")
    ready, stop_sockets = ctx.Event(), ctx.Event()
    out_path = str(LOGDIR / "soak-sockets.json")
    Path(out_path).unlink(missing_ok=True)
    holder = None
    try:
        topo.start()
        c.log(f"topology up: {topo.processes()}")
        spec = {
            **{k: data[k] for k in ("slug", "group_id", "user_ids", "sessions", "csrfs", "hot")},
            "baseline": data["baseline"],
            "sockets": args.sockets,
            "ports": topo.socket_ports,
            "bell_share": args.bell_share,
            "post_share": args.post_share,
            "grace": args.grace,
            "env": env,
        }
        holder = ctx.Process(target=sockets_main, args=(spec, ready, stop_sockets, out_path))
        holder.start()
        if not ready.wait(timeout=600):
            raise TimeoutError("the sockets did not open in 600 s")
        load = asyncio.run(drive(args, topo, data, stop_sockets, holder.pid))
        holder.join(timeout=args.grace + 600)
        sockets = json.loads(Path(out_path).read_text()) if Path(out_path).exists() else {}
    finally:
        stop_sockets.set()
        if holder is not None and holder.is_alive():
            holder.terminate()
        topo.stop()
    uptime_end = uptime()
    c.log(f"uptime at end: {uptime_end}")
    load["server_time"] = server_times(LOGDIR / "soak-gunicorn.log", load.pop("log_offset"))

    mem = load["memory"]["processes"]
    growth = {n: m.get("growth_pct") for n, m in mem.items()}
    pages = load["latency"]["pages"]
    errors = sum(load["errors"].values())
    met = {
        "errors_0": errors == 0
        and not load["dead_processes"]
        and not sockets.get("closed_by_server")
        and not {k: v for k, v in sockets.get("failures", {}).items()},
        "lost_0_after_catchup": bool(sockets) and sockets["lost_after_catchup"] == 0,
        "page_p95_200ms": pages["p95_ms"] is not None and pages["p95_ms"] <= 200,
        "memory_flat_10pct": bool(growth)
        and all(g is not None and g <= 10 for g in growth.values()),
    }
    out = {
        "bench": "soak",
        "command": f".venv/bin/python {command}".strip(),
        "machine": machine,
        "uptime_start": uptime_start,
        "uptime_end": uptime_end,
        "topology": {
            "pages": f"gunicorn -w {GUNICORN_WORKERS} --worker-class sync --timeout 60 "
            "sammen.wsgi:application",
            "sockets": f"2 x {UVICORN.command()}",
            "worker": f"celery -A sammen worker --concurrency={CELERY_CONCURRENCY}",
            "beat": "celery -A sammen beat",
            "settings": "DEBUG=0, channel layer pubsub (default), Redis cache, "
            "RATE_LIMIT_IP_HEADER=HTTP_X_REAL_IP, MFA_REQUIRED_FOR_TEAM=0",
            "versions": {
                d: c.dist_version(d)
                for d in ("django", "gunicorn", "uvicorn", "channels", "channels-redis", "celery")
            },
        },
        "rlimit_nofile": nofile,
        "redis_url": c.REDIS_URL,
        "members": args.members,
        "staff": args.staff,
        "think_s": args.think,
        "mix_pct": MIX,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "target": {"errors": 0, "lost": 0, "page_p95_ms": 200, "memory_growth_pct": 10},
        "load": load,
        "sockets": sockets,
        "memory_growth_pct": growth,
        "met": met,
        "elapsed_s": _r(time.monotonic() - t_start),
    }
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
