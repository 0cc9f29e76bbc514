"""Idle sockets held by one server process (Daphne, or uvicorn), and its memory.

    .venv/bin/python bench/sockets.py [--steps 500,1000,2000,5000] [--backend core|pubsub]
                                      [--server daphne|uvicorn]
                                      [--uvicorn-ws websockets|websockets-sansio|wsproto]

Opens authenticated group-feed sockets (one member each) to one server
process in steps; after each step it holds them idle for --hold seconds,
reads the server process's VmRSS from /proc, and checks every socket is still
open and answers {"type": "ping"} with a pong. The client answers the
server's WebSocket keepalive pings (the websockets library does so by itself)
and counts them (ws_pings_received, cumulative). Progress goes to stderr; the
last line on stdout is one JSON object; daphne_rss_mib is the server process's
whichever server ran (server_rss_mib repeats it). Target (issue 3): 5,000
sockets within 1 GiB.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection, connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402


class Held:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.pongs = 0
        self.closed = False
        self.reader = asyncio.create_task(self.read())

    async def read(self) -> None:
        try:
            async for raw in self.ws:
                if '"pong"' in (raw if isinstance(raw, str) else raw.decode()):
                    self.pongs += 1
        except websockets.ConnectionClosed:
            pass
        finally:
            self.closed = True


async def run(
    args: argparse.Namespace,
    server: c.ServerSpec,
    slug: str,
    sessions: list[str],
    csrfs: list[str],
    baseline: int,
) -> dict[str, Any]:
    port = c.free_port()
    env = c.base_env(
        args.db, redis_socket_timeout=args.redis_socket_timeout, CHANNEL_LAYER_BACKEND=args.backend
    )
    proc = await asyncio.to_thread(
        c.start_app_server, server, env, port, f"{server.name}-sockets-{args.backend}"
    )
    url = f"ws://{c.HOST}:{port}/ws/groups/{slug}/"
    held: list[Held] = []
    failures: dict[str, int] = {}
    pings = c.PingCounter()  # keepalive pings the server sent, all answered by the client
    extensions: list[str | None] = []
    sem = asyncio.Semaphore(args.concurrency)
    steps_out = []
    t_start = time.monotonic()
    try:
        rss_empty = c.rss_mib(proc.pid)
        c.log(f"{server.name} pid {proc.pid}, RSS before sockets {rss_empty:.0f} MiB")

        async def open_one(i: int) -> None:
            async with sem:
                try:
                    ws = await connect(
                        url,
                        # The page's own origin: the socket's scheme, host and port.
                        origin=url.replace("ws://", "http://").split("/ws/")[0],  # type: ignore[arg-type]
                        additional_headers={
                            "Cookie": f"sessionid={sessions[i]}; csrftoken={csrfs[i]}"
                        },
                        open_timeout=30,
                        ping_interval=None,
                        close_timeout=2,
                        logger=pings,
                    )
                    if not extensions and ws.response is not None:
                        extensions.append(ws.response.headers.get("Sec-WebSocket-Extensions"))
                    await ws.send(json.dumps({"type": "resume", "last_event_id": baseline}))
                    held.append(Held(ws))
                except Exception as exc:
                    key = type(exc).__name__
                    failures[key] = failures.get(key, 0) + 1

        for step in args.steps:
            if time.monotonic() - t_start > args.max_seconds:
                c.log(f"time budget spent before step {step}")
                break
            t0 = time.monotonic()
            start = len(held) + sum(failures.values())
            await asyncio.wait_for(
                asyncio.gather(*(open_one(i) for i in range(start, step))), args.max_seconds
            )
            open_s = time.monotonic() - t0
            await asyncio.sleep(args.hold)
            # Liveness: every socket still open answers a ping.
            live = [h for h in held if not h.closed]
            before = {id(h): h.pongs for h in live}
            for h in live:
                with contextlib.suppress(websockets.ConnectionClosed):
                    await h.ws.send('{"type": "ping"}')
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and any(
                h.pongs == before[id(h)] and not h.closed for h in live
            ):
                await asyncio.sleep(0.2)
            ponged = sum(1 for h in live if h.pongs > before[id(h)])
            rss = c.rss_mib(proc.pid)
            row = {
                "server": server.name,
                "sockets": step,
                "opened": len(held),
                "open_seconds": round(open_s, 1),
                "still_open": sum(1 for h in held if not h.closed),
                "answered_ping": ponged,
                "connect_failures": dict(failures),
                # The server process's, whichever server ran (name kept for
                # docs/performance.md); server_rss_mib is the same figure.
                "daphne_rss_mib": round(rss, 1),
                "rss_per_socket_kib": round(1024 * (rss - rss_empty) / max(1, len(held)), 1),
                "fds": len(os.listdir(f"/proc/{proc.pid}/fd")),
                "server_rss_mib": round(rss, 1),
                "ws_pings_received": pings.pings,
            }
            c.log(json.dumps(row))
            steps_out.append(row)
        top = steps_out[-1] if steps_out else {}
        return {
            "backend": args.backend,
            "ws_extensions": extensions[0] if extensions else None,
            "rss_empty_mib": round(rss_empty, 1),
            "steps": steps_out,
            "met": bool(top)
            and top["sockets"] >= 5000
            and top["answered_ping"] >= 5000
            and top["daphne_rss_mib"] <= 1024,
        }
    finally:

        async def close(h: Held) -> None:
            h.reader.cancel()
            with contextlib.suppress(Exception):  # best effort at teardown
                await asyncio.wait_for(h.ws.close(), 3)

        sem_close = asyncio.Semaphore(200)

        async def close_limited(h: Held) -> None:
            async with sem_close:
                await close(h)

        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(close_limited(h) for h in held)), 60)
        await asyncio.to_thread(c.stop, proc)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--steps", default="500,1000,2000,5000")
    ap.add_argument("--backend", default="core", choices=["core", "pubsub"])
    ap.add_argument("--db", default="sammen_bench_sockets")
    ap.add_argument("--hold", type=float, default=10.0, help="idle seconds before measuring")
    ap.add_argument("--concurrency", type=int, default=50, help="handshakes in flight")
    ap.add_argument("--max-seconds", type=float, default=240.0)
    ap.add_argument(
        "--redis-socket-timeout",
        type=float,
        default=None,
        help="append ?socket_timeout=S to REDIS_URL (default: the URL as deployed)",
    )
    c.add_server_args(ap)
    args = ap.parse_args()
    server = c.server_spec(args, ap)
    args.steps = sorted(int(x) for x in args.steps.split(",") if x.strip())
    nmax = args.steps[-1]
    nofile = c.raise_nofile(nmax * 2 + 2048)  # this process and, inherited, the server
    c.log(f"RLIMIT_NOFILE now {nofile}")

    t0 = time.monotonic()
    machine = c.machine()  # loadavg_at_start: taken before the run, not at the end
    env = c.base_env(args.db)
    c.recreate_database(args.db)
    c.migrate(env)
    c.flush_redis()
    c.django_setup(env)
    from django.db import connections

    from posts import selectors

    group, _, members = c.make_group(nmax)
    sessions = c.make_sessions(members)
    csrfs = [c.random_csrf_secret() for _ in members]
    baseline = selectors.last_event_id(group)
    connections.close_all()
    c.log(f"group {group.slug}, {nmax} members with sessions")
    result = asyncio.run(run(args, server, group.slug, sessions, csrfs, baseline))
    out = {
        "bench": "sockets",
        "machine": machine,
        "server": "daphne (one process), DEBUG=1"
        if server.name == "daphne"
        else f"uvicorn (one process, --ws {server.uvicorn_ws}), DEBUG=1",
        "server_command": server.command(),
        "server_info": server.info(),
        "client": f"websockets {websockets.__version__}, one asyncio process",
        "rlimit_nofile": nofile,
        "redis_url": c.redis_url(args.redis_socket_timeout),
        "hold_s": args.hold,
        "target": {"sockets": 5000, "rss_mib": 1024},
        **result,
        "elapsed_s": round(time.monotonic() - t0, 1),
    }
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
