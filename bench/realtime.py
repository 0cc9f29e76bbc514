"""Real-time fan-out: N members watch a group feed over WebSockets, one of them
posts M comments through the HTTP endpoint; latency from just before each POST
to the arrival of that comment on every socket.

    .venv/bin/python bench/realtime.py [--sockets 100,500,1000] [--comments 20]
                                       [--backends core,pubsub] [--processes 1]
                                       [--server daphne|uvicorn]
                                       [--uvicorn-ws websockets|websockets-sansio|wsproto]

For each channel layer backend (CHANNEL_LAYER_BACKEND=core|pubsub, read by
sammen/settings.py) and each socket count, fresh server processes (Daphne by
default, or uvicorn with --server uvicorn; --processes of them, each on its own
port, the sockets spread round-robin) run sammen.asgi against a fresh
PostgreSQL database (sammen_bench) and Redis (database 9). Comments are posted
through the first process. Progress goes to stderr; the last line on stdout is
one JSON object with the figures; the daphne_* figures are those of the server
processes whichever server ran (server_* repeat them). Target (issue 3):
p99 <= 200 ms, 0 lost after catch-up. The production socket server
(docs/operations.md) is measured with --server uvicorn --uvicorn-ws
websockets-sansio --uvicorn-ws-per-message-deflate false.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import resource
import sys
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection, connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402

EVENT_RE = re.compile(r'"event_id":\s*(\d+)')
LAYERS = {
    "core": "channels_redis.core.RedisChannelLayer",
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
}


@dataclass
class Sock:
    idx: int
    session: str
    csrf: str
    ws: ClientConnection | None = None
    last_event: int = 0
    got: dict[int, float] = field(default_factory=dict)
    reader: asyncio.Task[None] | None = None
    closed_early: bool = False


class Round:
    def __init__(self, *, ports: list[int], slug: str, n: int, tag: str) -> None:
        self.ports = ports
        self.slug = slug
        self.n = n
        self.tag_re = re.compile(re.escape(tag) + r"-(\d+)x")
        self.count: dict[int, int] = {}
        self.live = 0  # sockets whose reader is running

    def url(self, s: Sock) -> str:
        # Sockets are spread round-robin over the server processes.
        port = self.ports[s.idx % len(self.ports)]
        return f"ws://{c.HOST}:{port}/ws/groups/{self.slug}/"

    async def open(self, s: Sock, resume_from: int) -> None:
        url = self.url(s)
        s.ws = await connect(
            url,
            # The page's own origin: the same scheme, host and port as the socket.
            origin=url.replace("ws://", "http://").split("/ws/")[0],  # type: ignore[arg-type]
            additional_headers={"Cookie": f"sessionid={s.session}; csrftoken={s.csrf}"},
            open_timeout=30,
            ping_interval=None,
            close_timeout=2,
            max_size=2**22,
        )
        await s.ws.send(json.dumps({"type": "resume", "last_event_id": resume_from}))
        s.last_event = max(s.last_event, resume_from)
        s.closed_early = False
        self.live += 1
        s.reader = asyncio.create_task(self.read(s))

    async def read(self, s: Sock) -> None:
        assert s.ws is not None
        try:
            async for raw in s.ws:
                now = time.perf_counter()
                text = raw if isinstance(raw, str) else raw.decode()
                for m in self.tag_re.finditer(text):
                    k = int(m.group(1))
                    if k not in s.got:
                        s.got[k] = now
                        self.count[k] = self.count.get(k, 0) + 1
                for m in EVENT_RE.finditer(text):
                    s.last_event = max(s.last_event, int(m.group(1)))
        except websockets.ConnectionClosed:
            pass
        finally:
            s.closed_early = True
            self.live -= 1

    async def close(self, s: Sock) -> None:
        if s.reader is not None:
            s.reader.cancel()
        if s.ws is not None:
            with contextlib.suppress(Exception):  # best effort at teardown
                await asyncio.wait_for(s.ws.close(), 3)


def post_comment(
    port: int, slug: str, post_id: int, poster: dict[str, str], text: str
) -> tuple[float, int]:
    path = f"/groups/{slug}/posts/{post_id}/comments/"
    body = urllib.parse.urlencode({"body": text}).encode()
    t0 = time.perf_counter()
    status, _, _ = c.http_request(
        port,
        "POST",
        path,
        cookies={"sessionid": poster["session"], "csrftoken": poster["csrftoken"]},
        headers={
            "X-CSRFToken": poster["csrftoken"],
            "Referer": f"http://{c.HOST}:{port}/groups/{slug}/posts/{post_id}/",
            "HX-Request": "true",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        body=body,
    )
    return t0, status


async def run_round(
    *,
    backend: str,
    n: int,
    comments: int,
    env: dict[str, str],
    slug: str,
    post_id: int,
    sessions: list[str],
    csrfs: list[str],
    baseline_event: int,
    per_comment_timeout: float,
    round_seconds: float,
    gap: float,
    processes: int = 1,
    server: c.ServerSpec | None = None,
) -> dict[str, Any]:
    server = server or c.ServerSpec()
    ports = [c.free_port() for _ in range(processes)]
    servers = [
        await asyncio.to_thread(
            c.start_app_server, server, env, p, f"{server.name}-realtime-{backend}-{n}-{i}"
        )
        for i, p in enumerate(ports)
    ]
    port = ports[0]  # the comments are posted through the first process
    result: dict[str, Any] = {
        "server": server.name,
        "backend": backend,
        "layer": LAYERS[backend],
        "sockets": n,
        # The name predates --server: the number of server processes, of either kind.
        "daphne_processes": processes,
        "server_processes": processes,
    }
    try:
        # The poster is member 0: a real page load gives their csrftoken cookie.
        status, jar, _ = await asyncio.to_thread(
            c.http_request,
            port,
            "GET",
            f"/groups/{slug}/posts/{post_id}/",
            cookies={"sessionid": sessions[0]},
        )
        assert status == 200, f"post page answered {status}"
        poster = {"session": sessions[0], "csrftoken": jar["csrftoken"]}
        csrfs = [poster["csrftoken"], *csrfs[1:]]

        tag = "bm" + uuid.uuid4().hex[:8]
        rnd = Round(ports=ports, slug=slug, n=n, tag=tag)
        socks = [Sock(i, sessions[i], csrfs[i]) for i in range(n)]
        sem = asyncio.Semaphore(50)
        failures: list[str] = []

        async def open_one(s: Sock) -> None:
            async with sem:
                try:
                    await rnd.open(s, baseline_event)
                except Exception as exc:
                    failures.append(type(exc).__name__)

        t_open = time.monotonic()
        await asyncio.wait_for(asyncio.gather(*(open_one(s) for s in socks)), 240)
        open_s = time.monotonic() - t_open
        connected = sum(1 for s in socks if s.ws is not None)
        # What the server agreed to in the handshake (permessage-deflate or none).
        result["ws_extensions"] = next(
            (
                s.ws.response.headers.get("Sec-WebSocket-Extensions")
                for s in socks
                if s.ws is not None and s.ws.response is not None
            ),
            None,
        )
        c.log(
            f"[{backend} N={n}] {connected}/{n} sockets open in {open_s:.1f}s; "
            f"failures={len(failures)}"
        )
        await asyncio.sleep(1.0)

        cpu0 = sum(c.cpu_seconds(d.pid) for d in servers)
        self0 = resource.getrusage(resource.RUSAGE_SELF)
        wall0 = time.monotonic()
        deadline = wall0 + round_seconds
        t0s: dict[int, float] = {}
        statuses: list[int] = []
        for k in range(comments):
            if time.monotonic() > deadline:
                c.log(f"[{backend} N={n}] round time budget spent after {k} comments")
                break
            text = f"Kommentar {k} fra benchmark {tag}-{k}x"
            t0, status = await asyncio.to_thread(post_comment, port, slug, post_id, poster, text)
            t0s[k] = t0
            statuses.append(status)
            # Until every socket still open has it (arrival times are taken by
            # the readers; this poll only decides when to post the next one).
            wait_end = time.monotonic() + per_comment_timeout
            while time.monotonic() < wait_end and rnd.count.get(k, 0) < rnd.live:
                await asyncio.sleep(0.02)
            if rnd.count.get(k, 0) < rnd.live:
                c.log(
                    f"[{backend} N={n}] comment {k}: {rnd.count.get(k, 0)}/{rnd.live} "
                    f"after {per_comment_timeout}s"
                )
            last = max((s.got[k] for s in socks if k in s.got), default=t0)
            c.log(
                f"[{backend} N={n}] comment {k}: status {status}, {rnd.count.get(k, 0)}/{n} "
                f"(open {rnd.live}), last {1000 * (last - t0):.0f} ms"
            )
            await asyncio.sleep(gap)
        posted = len(t0s)
        # Stragglers: a short bounded grace before counting.
        grace_end = time.monotonic() + 5
        while time.monotonic() < grace_end and any(rnd.count.get(k, 0) < rnd.live for k in t0s):
            await asyncio.sleep(0.2)
        wall = time.monotonic() - wall0
        server_cpu = sum(c.cpu_seconds(d.pid) for d in servers) - cpu0
        self1 = resource.getrusage(resource.RUSAGE_SELF)
        client_cpu = (self1.ru_utime - self0.ru_utime) + (self1.ru_stime - self0.ru_stime)
        rss = max(c.rss_mib(d.pid) for d in servers)

        lat = [1000 * (s.got[k] - t0s[k]) for s in socks for k in t0s if k in s.got]
        received = len(lat)
        expected = n * posted
        died = sum(1 for s in socks if s.ws is not None and s.closed_early)
        missing_socks = [s for s in socks if any(k not in s.got for k in t0s)]
        c.log(
            f"[{backend} N={n}] received {received}/{expected}; "
            f"{len(missing_socks)} sockets missed some"
        )

        # Catch-up: reconnect the sockets that missed something and resume from
        # the last event they saw, as the page's script does.
        recovered = 0
        if missing_socks:
            before = {s.idx: set(s.got) for s in missing_socks}
            for s in missing_socks:
                await rnd.close(s)
                s.ws, s.reader = None, None

            async def reopen(s: Sock) -> None:
                async with sem:
                    try:
                        await rnd.open(s, s.last_event)
                    except Exception as exc:
                        failures.append("reconnect:" + type(exc).__name__)

            await asyncio.wait_for(asyncio.gather(*(reopen(s) for s in missing_socks)), 120)
            end = time.monotonic() + 30
            while time.monotonic() < end and any(
                any(k not in s.got for k in t0s) for s in missing_socks
            ):
                await asyncio.sleep(0.2)
            recovered = sum(
                len(set(s.got) & set(t0s)) - len(before[s.idx] & set(t0s)) for s in missing_socks
            )
        lost = expected - received - recovered

        await asyncio.wait_for(asyncio.gather(*(rnd.close(s) for s in socks)), 60)
        cpu_per_delivery = round(1000 * server_cpu / received, 2) if received else None
        result.update(
            connected=connected,
            connect_failures=len(failures),
            open_seconds=round(open_s, 1),
            comments=posted,
            post_statuses=sorted(set(statuses)),
            expected=expected,
            received=received,
            lost_before_catchup=expected - received,
            sockets_closed_by_server=died,
            recovered=recovered,
            lost=lost,
            p50_ms=_r(c.percentile(lat, 50)),
            p95_ms=_r(c.percentile(lat, 95)),
            p99_ms=_r(c.percentile(lat, 99)),
            max_ms=_r(max(lat) if lat else None),
            min_ms=_r(min(lat) if lat else None),
            deliveries_per_s=round(received / wall, 1) if wall else None,
            # daphne_*: the server processes, whichever server ran (names kept
            # for docs/performance.md); server_* are the same figures.
            daphne_cpu_s=round(server_cpu, 1),
            daphne_cpu_ms_per_delivery=cpu_per_delivery,
            client_cpu_s=round(client_cpu, 1),
            wall_s=round(wall, 1),
            daphne_rss_mib=round(rss, 1),
            server_cpu_s=round(server_cpu, 1),
            server_cpu_ms_per_delivery=cpu_per_delivery,
            server_rss_mib=round(rss, 1),
            met=bool(lat) and lost == 0 and (c.percentile(lat, 99) or 1e9) <= 200,
        )
        c.log(f"[{backend} N={n}] {json.dumps(result)}")
        return result
    finally:
        for d in servers:
            await asyncio.to_thread(c.stop, d)


def _r(v: float | None) -> float | None:
    return None if v is None else round(v, 1)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--sockets", default="1000", help="comma-separated socket counts (default 1000)"
    )
    ap.add_argument(
        "--comments",
        default="20",
        help="comments per round: one number, or one per socket count (e.g. 10,4,2)",
    )
    ap.add_argument("--backends", default="core,pubsub")
    ap.add_argument("--db", default="sammen_bench")
    ap.add_argument("--per-comment-timeout", type=float, default=60.0)
    ap.add_argument("--round-seconds", type=float, default=150.0, help="stop posting after this")
    ap.add_argument("--gap", type=float, default=0.2, help="pause between comments (s)")
    ap.add_argument(
        "--processes",
        type=int,
        default=1,
        help="server processes (Daphne or uvicorn, one port each) sharing the sockets "
        "over the Redis layer (default 1)",
    )
    c.add_server_args(ap)
    ap.add_argument(
        "--redis-socket-timeout",
        type=float,
        default=None,
        help="append ?socket_timeout=S to REDIS_URL (default: the URL as deployed)",
    )
    args = ap.parse_args()
    server = c.server_spec(args, ap)
    sizes = [int(x) for x in args.sockets.split(",") if x.strip()]
    counts = [int(x) for x in args.comments.split(",") if x.strip()]
    if len(counts) == 1:
        counts = counts * len(sizes)
    assert len(counts) == len(sizes), "--comments: one number, or one per socket count"
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    assert all(b in LAYERS for b in backends), backends
    nmax = max(sizes)
    c.raise_nofile(nmax * 2 + 1024)

    t_start = time.monotonic()
    machine = c.machine()  # loadavg_at_start: taken before the run, not at the end
    env = c.base_env(args.db)
    c.log(f"fresh database {args.db}")
    c.recreate_database(args.db)
    c.migrate(env)
    c.flush_redis()
    c.django_setup(env)

    from posts import selectors, services

    group, founder, members = c.make_group(nmax)
    post = services.post_create(
        actor=founder, group=group, body="Velkommen! Skriv en kommentar herunder.", theme="sammen"
    )
    sessions = c.make_sessions(members)
    csrfs = [c.random_csrf_secret() for _ in members]
    c.log(f"group {group.slug} with {nmax} members, post {post.pk}, sessions made")

    from django.db import connections

    runs = []
    # Socket count outer, backend inner: the two layers are measured close in
    # time, under the same load on this shared machine.
    for n, m in zip(sizes, counts, strict=True):
        for backend in backends:
            baseline = selectors.last_event_id(group)
            connections.close_all()
            c.flush_redis()
            runs.append(
                asyncio.run(
                    run_round(
                        backend=backend,
                        n=n,
                        comments=m,
                        env=c.base_env(
                            args.db,
                            redis_socket_timeout=args.redis_socket_timeout,
                            CHANNEL_LAYER_BACKEND=backend,
                        ),
                        slug=group.slug,
                        post_id=post.pk,
                        sessions=sessions,
                        csrfs=csrfs,
                        baseline_event=baseline,
                        per_comment_timeout=args.per_comment_timeout,
                        round_seconds=args.round_seconds,
                        processes=args.processes,
                        gap=args.gap,
                        server=server,
                    )
                )
            )
    out = {
        "bench": "realtime",
        "machine": machine,
        "server": server.describe(args.processes),
        "server_command": server.command(),
        "server_info": server.info(),
        "setting": "CHANNEL_LAYER_BACKEND=core|pubsub (sammen/settings.py; default core)",
        "client": f"websockets {websockets.__version__}, one asyncio process",
        "redis_url": c.redis_url(args.redis_socket_timeout),
        "target": {"p99_ms": 200, "lost": 0},
        "loadavg_at_end": [round(x, 1) for x in os.getloadavg()],
        "runs": runs,
        "elapsed_s": round(time.monotonic() - t_start, 1),
    }
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
