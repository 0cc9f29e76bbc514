"""The publisher of the weekly plan under a burst: N posts due at the same
moment in one group, two Celery workers and one Celery beat on PostgreSQL and
Redis, one worker killed with SIGKILL when about half are published.

    .venv/bin/python bench/scheduler.py [--posts 10000] [--workers 2] [--concurrency 1]
                                        [--poll 15] [--kill-at 0.5] [--steady 20]
                                        [--debug 0|1]
    .venv/bin/python bench/scheduler.py --profile 300    # cProfile of publish_due in-process

Burst: a fresh database (sammen_bench_sched, dropped at the end unless --keep-db)
and Redis database 8; one group, one staff author; workers
`celery -A sammen worker --concurrency=C` and one `celery -A sammen beat` (the
project's DatabaseScheduler) with SCHEDULER_POLL_SECONDS=--poll. Once beat has
sent its first tick, N rows are bulk-created, all due 3 s later (so they fall
due just after a tick: the worst phase). When half are published, the worker
that is inside a publishing transaction is killed with SIGKILL (its process
group: the pool children too); the others carry on. Then: total time from the
rows falling due to the last published, posts/s, duplicates, lost, and the lag
(published_at - publish_at).

Steady: afterwards a replacement worker is started and --steady rows in another
group fall due spread over the next --steady-spread seconds, with no backlog:
their lag is the figure to hold against "poll interval + 2 s".

Progress goes to stderr; the last line on stdout is one JSON object. Targets
(issue): burst <= 30 s, 0 duplicates, 0 lost; lag p99 <= poll interval + 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

# Its own Redis database (the other benches use 9), before _common reads it.
os.environ.setdefault("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402

LOGDIR = c.ROOT / "var" / "bench-logs"
TICK_RE = re.compile(r"Sending due task scheduler-publish-due")


# --- processes ----------------------------------------------------------------------


class Celery:
    """Workers and beat as child processes, each in its own process group."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        LOGDIR.mkdir(parents=True, exist_ok=True)

    def log_path(self, name: str) -> Path:
        return LOGDIR / f"scheduler-{name}.log"

    def _start(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        path = self.log_path(name)
        path.unlink(missing_ok=True)
        out = open(path, "ab")  # noqa: SIM115 - the child holds it
        env = {**self.env, "DATABASE_URL": f"{self.env['DATABASE_URL']}?application_name={name}"}
        c.log(f"starting {name}: {' '.join(argv)}")
        proc = subprocess.Popen(
            argv,
            cwd=c.ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        out.close()
        self.procs[name] = proc
        c._CHILDREN.append(proc)
        return proc

    def worker(self, name: str, concurrency: int) -> None:
        self._start(
            name,
            [
                str(c.BIN / "celery"),
                "-A",
                "sammen",
                "worker",
                f"--concurrency={concurrency}",
                "--loglevel=warning",
                "-n",
                f"{name}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
        )

    def beat(self, name: str = "beat") -> None:
        self._start(
            name,
            [
                str(c.BIN / "celery"),
                "-A",
                "sammen",
                "beat",
                "--loglevel=info",  # for the "Sending due task" lines
                "-s",
                str(LOGDIR / "scheduler-beat-schedule"),  # unused by DatabaseScheduler
            ],
        )

    def ticks(self, name: str = "beat") -> int:
        path = self.log_path(name)
        return len(TICK_RE.findall(path.read_text(errors="replace"))) if path.exists() else 0

    def cpu(self, name: str) -> float:
        return c.cpu_seconds(self.procs[name].pid)

    def kill(self, name: str) -> None:
        c.kill_group(self.procs[name])

    def stop_all(self) -> None:
        c.stop_groups(self.procs.values(), timeout=15)


def sessions_in_transaction(name: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE application_name = %s AND xact_start IS NOT NULL",
            [name],
        )
        return int(cursor.fetchone()[0])


# --- data ----------------------------------------------------------------------------


def make_place(name: str) -> tuple[Any, Any]:
    """A group (founded by an admin) and an active staff author in it."""
    from django.utils import timezone

    from accounts.models import User
    from groups.models import Membership, MembershipStatus, Role
    from groups.services import group_create

    slug = re.sub(r"\W+", "-", name.lower())
    founder = User.objects.create_user(
        email=f"founder-{slug}@bench.invalid",
        password=None,
        display_name="Bente Stifter",
        is_staff=True,
    )
    group = group_create(actor=founder, name=name, description="Benchmark-gruppe.")
    author = User.objects.create_user(
        email=f"staff-{slug}@bench.invalid", password=None, display_name="Stig Stab"
    )
    now = timezone.now()
    Membership.objects.create(
        user=author,
        group=group,
        role=Role.STAFF,
        status=MembershipStatus.ACTIVE,
        requested_at=now,
        joined_at=now,
    )
    return group, author


def plan_rows(group: Any, author: Any, n: int, due: Any, spread: float = 0.0) -> None:
    from scheduler.models import ScheduledPost, ScheduledState

    ScheduledPost.objects.bulk_create(
        [
            ScheduledPost(
                group=group,
                author=author,
                place_name=group.name,
                body=f"Planlagt opslag nummer {k}. Vi ses til **gåtur** kl. 10!",
                theme="aktiv",
                state=ScheduledState.SCHEDULED,
                publish_at=due + timedelta(seconds=spread * k / max(1, n)),
            )
            for k in range(n)
        ],
        batch_size=2000,
    )


def counts(group: Any) -> dict[str, int]:
    from django.db.models import Count

    from posts.models import Post
    from scheduler.models import ScheduledPost

    by_state = dict(
        ScheduledPost.objects.filter(group=group)
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    posts = Post.objects.filter(group=group).count()
    linked = ScheduledPost.objects.filter(group=group, post__isnull=False).count()
    return {
        "published": by_state.get("published", 0),
        "posts": posts,
        "linked": linked,
        "scheduled": by_state.get("scheduled", 0),
        "failed": by_state.get("failed", 0),
    }


def outcome(group: Any, n: int) -> dict[str, Any]:
    """Duplicates, lost and lag of one group's rows."""
    from django.db.models import Max, Min

    from posts.models import Post
    from scheduler.models import ScheduledPost, ScheduledState

    rows = ScheduledPost.objects.filter(group=group)
    k = counts(group)
    published = rows.filter(state=ScheduledState.PUBLISHED)
    lags = [
        (b - a).total_seconds()
        for a, b in published.values_list("publish_at", "published_at")
        if a is not None and b is not None
    ]
    span = published.aggregate(
        due=Min("publish_at"), first=Min("published_at"), last=Max("published_at")
    )
    # The row's post link is one-to-one: a row published twice would leave its
    # first post without a row. So a duplicate is a post in the group no row names.
    unlinked = Post.objects.filter(group=group, scheduled__isnull=True).count()
    out: dict[str, Any] = {
        "rows": n,
        "published": k["published"],
        "posts": k["posts"],
        "duplicates": unlinked,
        "lost": n - k["published"],
        "failed": k["failed"],
        "lag_p50_s": _r(c.percentile(lags, 50)),
        "lag_p95_s": _r(c.percentile(lags, 95)),
        "lag_p99_s": _r(c.percentile(lags, 99)),
        "lag_max_s": _r(max(lags) if lags else None),
    }
    if span["last"] is not None:
        out["due_to_last_published_s"] = _r((span["last"] - span["due"]).total_seconds())
        out["due_to_first_published_s"] = _r((span["first"] - span["due"]).total_seconds())
        publishing = (span["last"] - span["first"]).total_seconds()
        out["first_to_last_published_s"] = _r(publishing)
        out["posts_per_s"] = _r(k["published"] / publishing) if publishing > 0 else None
    return out


def _r(x: float | None, nd: int = 2) -> float | None:
    return None if x is None else round(x, nd)


# --- phases ------------------------------------------------------------------------------


def burst(args: argparse.Namespace, celery: Celery) -> dict[str, Any]:
    from django.utils import timezone

    group, author = make_place("Travl gruppe")
    names = [f"w{i + 1}" for i in range(args.workers)]
    for name in names:
        celery.worker(name, args.concurrency)
    c.wait_workers(names)
    celery.beat()
    # Wait for the first tick, then plan the rows to fall due just after it.
    deadline = time.monotonic() + args.poll * 2 + 60
    while celery.ticks() == 0:
        if time.monotonic() > deadline:
            raise TimeoutError("beat sent no tick")
        time.sleep(0.1)
    ticks_before = celery.ticks()
    due = timezone.now() + timedelta(seconds=3)
    t0 = time.monotonic()
    plan_rows(group, author, args.posts, due)
    c.log(f"{args.posts} rows planned in {time.monotonic() - t0:.1f}s, due at {due:%H:%M:%S}")

    killed: dict[str, Any] = {}
    cpu = {n: 0.0 for n in names}
    last_report = 0.0
    timeout_at = time.monotonic() + args.timeout
    while True:
        for n in names:
            if celery.procs[n].poll() is None:
                cpu[n] = max(cpu[n], celery.cpu(n))
        k = counts(group)
        done = k["published"] + k["failed"]
        if not killed and args.kill_at < 1 and done >= args.posts * args.kill_at:
            # Kill a worker inside a publishing transaction (poll for up to 2 s:
            # between two rows a worker holds no transaction for a moment).
            busy: list[str] = []
            look_until = time.monotonic() + 2
            while not busy and time.monotonic() < look_until:
                busy = [n for n in names if sessions_in_transaction(n) > 0]
                if not busy:
                    time.sleep(0.005)
            victim = busy[0] if busy else names[0]
            celery.kill(victim)
            killed = {
                "worker": victim,
                "was_in_transaction": bool(busy),
                "published_at_kill": counts(group)["published"],
                "seconds_after_due": _r((timezone.now() - due).total_seconds()),
            }
            c.log(f"SIGKILL {victim} at {killed['published_at_kill']} published")
        if done >= args.posts:
            break
        if time.monotonic() > timeout_at:
            c.log(f"timeout: {k}")
            break
        if time.monotonic() - last_report > 10:
            last_report = time.monotonic()
            c.log(
                f"{k['published']} published, {k['failed']} failed, load {os.getloadavg()[0]:.1f}"
            )
        time.sleep(0.2)
    # A few more ticks: nothing may be published twice.
    time.sleep(min(args.poll * 2 + 1, 35))
    result = outcome(group, args.posts)
    result["killed"] = killed
    result["ticks_sent"] = celery.ticks() - ticks_before
    result["worker_cpu_s"] = {n: round(v, 1) for n, v in cpu.items()}
    total_cpu = sum(cpu.values())
    if result["published"]:
        result["worker_cpu_ms_per_post"] = round(total_cpu * 1000 / result["published"], 1)
    result["timed_out"] = result["lost"] > 0
    return result


def steady(args: argparse.Namespace, celery: Celery) -> dict[str, Any]:
    """No backlog: a few rows falling due one by one, two live workers."""
    from django.utils import timezone

    group, author = make_place("Rolig gruppe")
    alive = [n for n, p in celery.procs.items() if n.startswith("w") and p.poll() is None]
    if len(alive) < args.workers:
        name = f"w{len(celery.procs)}"
        celery.worker(name, args.concurrency)
        c.wait_workers([name])
    due = timezone.now() + timedelta(seconds=2)
    plan_rows(group, author, args.steady, due, spread=args.steady_spread)
    deadline = time.monotonic() + args.steady_spread + args.poll * 3 + 60
    while time.monotonic() < deadline:
        k = counts(group)
        if k["published"] + k["failed"] >= args.steady:
            break
        time.sleep(0.5)
    result = outcome(group, args.steady)
    result["spread_s"] = args.steady_spread
    return result


def profile(args: argparse.Namespace) -> dict[str, Any]:
    """publish_due in this process under cProfile, with its query count."""
    import cProfile
    import io
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from scheduler import publishing

    group, author = make_place("Profil gruppe")
    plan_rows(group, author, args.profile, timezone.now() - timedelta(seconds=1))
    publishing.publish_due(limit=5)  # warm up imports and caches
    prof = cProfile.Profile()
    n = args.profile - 5
    with CaptureQueriesContext(connection) as queries:
        t0 = time.perf_counter()
        prof.enable()
        handled = publishing.publish_due()
        prof.disable()
        wall = time.perf_counter() - t0
    s = io.StringIO()
    pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(45)
    print(s.getvalue(), file=sys.stderr)
    kinds: dict[str, int] = {}
    for q in queries.captured_queries:
        sql = q["sql"].lstrip().split(" ", 1)[0].upper()
        kinds[sql] = kinds.get(sql, 0) + 1
    return {
        "rows": n,
        "handled": handled,
        "ms_per_post_profiled": round(wall * 1000 / max(1, handled), 2),
        "queries_per_post": round(len(queries.captured_queries) / max(1, handled), 1),
        "query_kinds_per_post": {k: round(v / max(1, handled), 1) for k, v in kinds.items()},
        "outcome": outcome(group, args.profile),
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--posts", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--concurrency", type=int, default=1, help="pool processes per worker")
    ap.add_argument(
        "--poll", type=float, default=15.0, help="SCHEDULER_POLL_SECONDS (project default 15)"
    )
    ap.add_argument(
        "--kill-at", type=float, default=0.5, help="fraction published when a worker is killed"
    )
    ap.add_argument("--timeout", type=float, default=1200.0, help="burst: give up after (s)")
    ap.add_argument("--steady", type=int, default=20, help="rows in the steady phase (0: skip)")
    ap.add_argument("--steady-spread", type=float, default=30.0)
    ap.add_argument("--profile", type=int, default=0, help="only profile publish_due on N rows")
    ap.add_argument(
        "--debug",
        default="1",
        choices=["0", "1"],
        help="DEBUG of the workers and beat (0 = production settings; default 1 like the "
        "other benches)",
    )
    ap.add_argument("--db", default="sammen_bench_sched")
    ap.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    args = ap.parse_args()

    t_start = time.monotonic()
    machine = c.machine()
    env = c.base_env(args.db, SCHEDULER_POLL_SECONDS=f"{args.poll:g}")
    c.log(f"fresh database {args.db}")
    c.recreate_database(args.db)
    c.migrate(env)
    c.flush_redis()
    os.environ["SCHEDULER_POLL_SECONDS"] = f"{args.poll:g}"
    c.django_setup(env)

    out: dict[str, Any] = {"bench": "scheduler", "machine": machine}
    if args.profile:
        out["profile"] = profile(args)
    else:
        children = dict(env)
        if args.debug == "0":
            children.update(
                DEBUG="0",
                SECRET_KEY=f"bench-{os.urandom(24).hex()}",
                SITE_URL="http://localhost:8000",
            )
        celery = Celery(children)
        try:
            out.update(
                {
                    "setup": (
                        f"{args.workers} x `celery worker --concurrency={args.concurrency}` "
                        f"(prefork) + 1 `celery beat` (DatabaseScheduler), "
                        f"SCHEDULER_POLL_SECONDS={args.poll:g}, DEBUG={args.debug}"
                    ),
                    "redis_url": c.REDIS_URL,
                    "poll_s": args.poll,
                    "target": {
                        "burst_s": 30,
                        "duplicates": 0,
                        "lost": 0,
                        "lag_p99_s": args.poll + 2,
                    },
                }
            )
            b = burst(args, celery)
            out["burst"] = b
            if args.steady:
                out["steady"] = steady(args, celery)
            s = out.get("steady", {})
            out["met"] = {
                "burst_30s": (b.get("due_to_last_published_s") or 1e9) <= 30 and b["lost"] == 0,
                "no_duplicates": b["duplicates"] == 0,
                "none_lost": b["lost"] == 0,
                "steady_lag_p99": s.get("lag_p99_s") is not None
                and s["lag_p99_s"] <= args.poll + 2,
            }
        finally:
            celery.stop_all()
    out["loadavg_at_end"] = [round(x, 1) for x in os.getloadavg()]
    out["elapsed_s"] = round(time.monotonic() - t_start, 1)
    from django.db import connections

    connections.close_all()
    if not args.keep_db:
        drop_database(args.db)
    print(json.dumps(out), flush=True)


def drop_database(dbname: str) -> None:
    import psycopg

    assert dbname.replace("_", "").isalnum()
    with psycopg.connect(c.PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


if __name__ == "__main__":
    main()
