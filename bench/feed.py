"""The logged-in group feed page against a bare Django view, per HTTP server.

    .venv/bin/python bench/feed.py [--servers daphne,uvicorn,gunicorn]
                                   [--debug 0,1] [--duration 10] [--connections 8]

A fresh PostgreSQL database (sammen_bench_feed) gets a group with 20 posts,
each with a photo, comments (one a reply) and reactions; one member's session
cookie is sent with every request. For each server (one process each: Daphne
and uvicorn serving sammen.asgi, gunicorn's sync worker serving sammen.wsgi)
`wrk` loads GET /groups/<slug>/ and then GET /bench/bare (a view returning
"ok", routed only when SAMMEN_BENCH=1), after a short warm-up. Requests/s,
p50/p95/p99 and the feed/bare ratio per server. Progress goes to stderr; the
last line on stdout is one JSON object. Targets (issue 3): >= 300 req/s,
p95 <= 50 ms, feed >= 50% of the bare view.

The post page (issue 18): GET /groups/<slug>/posts/<id>/ of a post with 20
comments (`post`), loaded the same way; target >= 400 req/s and p95 <= 25 ms
on two gunicorn workers (--servers gunicorn --workers 2 --debug 0). The feed
page's HTML size is reported too (`feed_html_bytes`, target <= 100 KB).

The feed is cached per reader until the group changes, so a third measurement
(`feed_churn`) loads the feed while other members react at --churn changes a
second (default 2; 0 skips it): every change gives the reader a new page.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c  # noqa: E402

WRK_LUA = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRKJSON {\"requests\":%d,\"duration_us\":%d,\"p50_us\":%d,\"p95_us\":%d," ..
    "\"p99_us\":%d,\"max_us\":%d,\"non2xx\":%d,\"socket_errors\":%d}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def server_argv(name: str, port: int, workers: int = 1, threads: int = 1) -> list[str]:
    if name == "daphne":
        return [str(c.BIN / "daphne"), "-b", c.HOST, "-p", str(port), "sammen.asgi:application"]
    if name == "uvicorn":
        return [
            str(c.BIN / "uvicorn"),
            "--host", c.HOST, "--port", str(port),
            "--workers", str(workers), "--no-access-log", "--log-level", "warning",
            "--lifespan", "off",
            "sammen.asgi:application",
        ]  # fmt: skip
    if name == "gunicorn":
        return [
            str(c.BIN / "gunicorn"),
            "-b", f"{c.HOST}:{port}", "-w", str(workers),
            *(["--worker-class", "sync"] if threads == 1
              else ["--worker-class", "gthread", "--threads", str(threads)]),
            "--log-level", "warning",
            "sammen.wsgi:application",
        ]  # fmt: skip
    raise ValueError(name)


def wrk(
    port: int, path: str, cookie: str, *, duration: float, connections: int, lua: str
) -> dict[str, Any]:
    argv = [
        "wrk", "-t1", f"-c{connections}", f"-d{int(duration)}s", "--timeout", "10s",
        "-s", lua,
        "-H", f"Cookie: {cookie}",
        # What a browser sends: compressed responses if the stack compresses.
        "-H", "Accept-Encoding: gzip, deflate",
        f"http://{c.HOST}:{port}{path}",
    ]  # fmt: skip
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60, check=True)
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("WRKJSON "))
    raw = json.loads(line[len("WRKJSON ") :])
    secs = raw["duration_us"] / 1e6
    return {
        "rps": round(raw["requests"] / secs, 1),
        "requests": raw["requests"],
        "p50_ms": round(raw["p50_us"] / 1000, 1),
        "p95_ms": round(raw["p95_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1),
        "max_ms": round(raw["max_us"] / 1000, 1),
        "non2xx": raw["non2xx"],
        "socket_errors": raw["socket_errors"],
    }


def make_content(n_posts: int) -> tuple[Any, Any, Any]:
    """A group with n_posts posts, each with a photo, 4 comments and a reply,
    and reactions on the post and on a comment; before them (so not on the
    feed's first page) a post with 20 comments and reactions, for the post
    page. Returns (group, viewer, that post)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from posts import services
    from posts.models import ReactionKind, Theme
    from posts.services import PhotoUpload

    group, founder, members = c.make_group(24)
    kinds = list(ReactionKind.values)
    themes = list(Theme.values)
    img = Image.new("RGB", (1200, 900))
    img.putdata(
        [
            ((x * 7) % 256, (y * 5) % 256, ((x + y) * 3) % 256)
            for y in range(900)
            for x in range(1200)
        ]
    )
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    jpeg = buf.getvalue()
    long_post = services.post_create(
        actor=founder,
        group=group,
        body="**Sommerfest** i haven lørdag kl. 14. Skriv, hvad du tager med!",
        theme=themes[0],
        photos=[PhotoUpload(SimpleUploadedFile("fest.jpg", jpeg, "image/jpeg"), "Haven i juni")],
    )
    earlier = None
    for j in range(20):
        cm = services.comment_create(
            actor=members[j % len(members)],
            post=long_post,
            body=f"Jeg tager {j + 1} ting med til festen. Glæder mig!",
            parent_id=earlier.pk if earlier is not None and j % 5 == 4 else None,
        )
        earlier = earlier or cm
        services.reaction_set(
            actor=members[(j + 3) % len(members)], post=long_post, kind=kinds[j % len(kinds)]
        )
    for i in range(n_posts):
        author = founder if i % 3 == 0 else members[i % len(members)]
        post = services.post_create(
            actor=author,
            group=group,
            body=f"**Opslag {i}**: en tur i skoven i dag. Hvem går med?\n\n- kaffe\n- kage",
            theme=themes[i % len(themes)],
            photos=[
                PhotoUpload(
                    SimpleUploadedFile(f"p{i}.jpg", jpeg, "image/jpeg"), "Skovsti i solskin"
                )
            ],
        )
        first = None
        for j in range(4):
            cm = services.comment_create(
                actor=members[(i + j + 1) % len(members)],
                post=post,
                body=f"Kommentar {j} til opslag {i}. Dejligt!",
            )
            first = first or cm
        assert first is not None
        services.comment_create(
            actor=founder, post=post, body="Tak for det, svar fra stab.", parent_id=first.pk
        )
        for j in range(8):
            services.reaction_set(
                actor=members[(i + j) % len(members)], post=post, kind=kinds[j % len(kinds)]
            )
        services.reaction_set(
            actor=members[(i + 10) % len(members)], post=post, kind="love", comment=first
        )
    return group, members[0], long_post


def churn(
    group_id: int, viewer_id: int, rate: float, stop: threading.Event, made: list[int]
) -> None:
    """Other members react on the group's posts, `rate` times a second, each
    through the posts service (a FeedEvent, a live signal), until `stop`."""
    from django.db import connection

    from groups.models import Membership, MembershipStatus
    from posts import services
    from posts.models import Post, ReactionKind

    posts = list(Post.objects.filter(group_id=group_id).order_by("pk"))
    people = [
        m.user
        for m in Membership.objects.filter(group_id=group_id, status=MembershipStatus.ACTIVE)
        .exclude(user_id=viewer_id)
        .select_related("user")
        .order_by("pk")
    ]
    kinds = list(ReactionKind.values)
    i = 0
    next_at = time.monotonic()
    try:
        while not stop.is_set():
            post = posts[i % len(posts)]
            post.refresh_from_db()
            services.reaction_set(
                actor=people[i % len(people)], post=post, kind=kinds[(i // len(posts)) % len(kinds)]
            )
            made[0] += 1
            i += 1
            next_at += 1 / rate
            stop.wait(max(0.0, next_at - time.monotonic()))
    finally:
        connection.close()


def query_count(slug: str, user: Any, post_path: str) -> dict[str, int]:
    """SQL queries for the feed and post pages (the second load of each: the
    first fills the caches), in this process through the test client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    out = {}
    for path in (f"/groups/{slug}/", post_path, "/bench/bare"):
        client.get(path)
        with CaptureQueriesContext(connection) as q:
            resp = client.get(path)
        assert resp.status_code == 200, (path, resp.status_code)
        out[path] = len(q)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--servers", default="daphne,uvicorn,gunicorn")
    ap.add_argument(
        "--debug", default="0,1", help="DEBUG values to measure (0 = production settings)"
    )
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    ap.add_argument("--warmup", type=float, default=2.0)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--posts", type=int, default=20)
    ap.add_argument("--db", default="sammen_bench_feed")
    ap.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes for uvicorn and gunicorn (Daphne is always one process)",
    )
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="gunicorn: 1 = the sync worker (no keep-alive); more = gthread with that many threads",
    )
    ap.add_argument(
        "--churn", type=float, default=2.0, help="changes per second during feed_churn (0: skip)"
    )
    args = ap.parse_args()
    assert shutil.which("wrk"), "wrk is needed: apt-get install -y wrk"
    servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    debugs = [d.strip() for d in args.debug.split(",") if d.strip()]

    t0 = time.monotonic()
    machine = c.machine()  # load average before the run
    var_dir = c.ROOT / "var" / "bench-var"
    var_dir.mkdir(parents=True, exist_ok=True)
    # One key for every mode: the sessions made here must verify under DEBUG=0 too.
    secret = "bench-only-secret-" + "x" * 40
    env = c.base_env(args.db, SAMMEN_BENCH="1", SAMMEN_VAR_DIR=str(var_dir), SECRET_KEY=secret)
    c.recreate_database(args.db)
    c.migrate(env)
    c.flush_redis()
    os.environ["SAMMEN_BENCH"] = "1"
    os.environ["SAMMEN_VAR_DIR"] = str(var_dir)
    os.environ["SECRET_KEY"] = secret
    c.django_setup(env)
    from django.conf import settings as dj_settings

    dj_settings.ALLOWED_HOSTS = [*dj_settings.ALLOWED_HOSTS, "testserver"]
    group, viewer, long_post = make_content(args.posts)
    post_path = long_post.get_absolute_url()
    session = c.make_sessions([viewer])[0]
    csrf = c.random_csrf_secret()
    cookie = f"sessionid={session}; csrftoken={csrf}"
    queries = query_count(group.slug, viewer, post_path)
    from django.db import connections

    connections.close_all()
    c.log(f"group {group.slug}: {args.posts} posts; queries {queries}")

    if "0" in debugs:
        # Production settings need the hashed static manifest.
        subprocess.run(
            [str(c.PY), "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=c.ROOT,
            env={**env, "DEBUG": "0"},
            check=True,
            timeout=120,
        )

    feed_path = f"/groups/{group.slug}/"
    results = []
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(WRK_LUA)
        lua = fh.name
    try:
        for debug in debugs:
            for name in servers:
                extra = {
                    "SAMMEN_BENCH": "1",
                    "SAMMEN_VAR_DIR": str(var_dir),
                    "DEBUG": debug,
                    "SECRET_KEY": secret,
                }
                if debug == "0":
                    extra.update(
                        ALLOWED_HOSTS="localhost,127.0.0.1",
                        SECURE_SSL_REDIRECT="0",
                    )
                port = c.free_port()
                proc = c.start_server(
                    server_argv(name, port, args.workers, args.threads),
                    c.base_env(args.db, **extra),
                    port,
                    f"feed-{name}-debug{debug}",
                )
                try:
                    status, _, body = c.http_request(
                        port, "GET", feed_path, cookies={"sessionid": session, "csrftoken": csrf}
                    )
                    assert status == 200 and body.count(b'id="post-') >= args.posts, (
                        status,
                        len(body),
                    )
                    row: dict[str, Any] = {
                        "server": name,
                        "debug": int(debug),
                        "feed_html_bytes": len(body),
                    }

                    def measure(path: str, *, pid: int = proc.pid, port: int = port) -> Any:
                        """wrk on `path`, with the server's CPU per request."""
                        cpu0 = c.cpu_seconds(pid)
                        r = wrk(
                            port,
                            path,
                            cookie,
                            duration=args.duration,
                            connections=args.connections,
                            lua=lua,
                        )
                        r["server_cpu_ms_per_req"] = round(
                            1000 * (c.cpu_seconds(pid) - cpu0) / max(1, r["requests"]), 2
                        )
                        return r

                    for label, path in (
                        ("feed", feed_path),
                        ("post", post_path),
                        ("bare", "/bench/bare"),
                    ):
                        wrk(
                            port,
                            path,
                            cookie,
                            duration=args.warmup,
                            connections=args.connections,
                            lua=lua,
                        )
                        row[label] = measure(path)
                        c.log(f"{name} DEBUG={debug} {label}: {json.dumps(row[label])}")
                    if args.churn > 0:
                        stop, made = threading.Event(), [0]
                        writer = threading.Thread(
                            target=churn, args=(group.pk, viewer.pk, args.churn, stop, made)
                        )
                        writer.start()
                        try:
                            r = measure(feed_path)
                        finally:
                            stop.set()
                            writer.join(timeout=30)
                        r["changes"] = made[0]
                        row["feed_churn"] = r
                        c.log(f"{name} DEBUG={debug} feed_churn: {json.dumps(r)}")
                    row["feed_over_bare"] = round(row["feed"]["rps"] / row["bare"]["rps"], 3)
                    row["met"] = {
                        "rps_300": row["feed"]["rps"] >= 300,
                        "p95_50ms": row["feed"]["p95_ms"] <= 50,
                        "half_of_bare": row["feed_over_bare"] >= 0.5,
                        "feed_100kb": row["feed_html_bytes"] <= 100 * 1024,
                        "post_rps_400": row["post"]["rps"] >= 400,
                        "post_p95_25ms": row["post"]["p95_ms"] <= 25,
                    }
                    results.append(row)
                finally:
                    c.stop(proc)
    finally:
        os.unlink(lua)

    out = {
        "bench": "feed",
        "machine": machine,
        "load": f"wrk 1 thread, {args.connections} connections, "
        f"{args.duration:g}s after {args.warmup:g}s warm-up",
        "workers": args.workers,
        "servers": {
            "daphne": "daphne 4.2 (sammen.asgi), 1 process",
            "uvicorn": f"uvicorn {_version('uvicorn')} (sammen.asgi, uvloop "
            f"{_version('uvloop')}, httptools {_version('httptools')}), {args.workers} worker(s)",
            "gunicorn": f"gunicorn {_version('gunicorn')} "
            + ("sync" if args.threads == 1 else f"gthread x {args.threads} threads")
            + f" (sammen.wsgi), {args.workers} worker(s)",
        },
        "posts_on_page": args.posts,
        "queries": queries,
        "target": {
            "rps": 300,
            "p95_ms": 50,
            "feed_over_bare": 0.5,
            "feed_html_bytes": 100 * 1024,
            "post_rps": 400,
            "post_p95_ms": 25,
        },
        "post_comments": 20,
        "results": results,
        "loadavg_at_end": [round(x, 1) for x in os.getloadavg()],
        "elapsed_s": round(time.monotonic() - t0, 1),
    }
    print(json.dumps(out), flush=True)


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


if __name__ == "__main__":
    main()
