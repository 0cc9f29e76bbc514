"""Insights dashboard benchmark (issue 14): a big group's 90-day dashboard,
cold (the selector with an empty cache, in process) and warm (HTTP through
gunicorn, DEBUG=0, the Redis cache), its query count against a small group's,
and the cost of counting one post view.

    .venv/bin/python bench/insights.py            # 5,000 members, 50,000 posts, ...
    .venv/bin/python bench/insights.py --scale 0.1

A fresh PostgreSQL database (default sammen_bench_insights) is migrated and
filled with INSERT ... SELECT generate_series (not the ORM row by row): one
group with --members members, --posts posts, 4x as many comments, 10 reactions
("like", one per member and post) per post and 20 post views per post (unique
per post, member and day), spread over the last 365 days, Copenhagen hours
biased to daytime; and a small group (50 members, 500 posts, same ratios) for
the query count. Progress goes to stderr; the last line on stdout is one JSON
object. Targets: 90-day dashboard p95 <= 300 ms warm and <= 2 s cold; the
query count does not grow with the data; a view is one statement.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

# Its own Redis database (7: notify, 8: scheduler, 9: the default).
os.environ.setdefault("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c  # noqa: E402

COLD_TARGET_MS = 2000
TX_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}
WARM_TARGET_MS = 300
TZ = "Europe/Copenhagen"


def make_members(n: int, tag: str) -> tuple[Any, Any, list[int]]:
    """A group founded by a staff user (its administrator), with n active
    members. Returns (group, founder, member ids)."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import User
    from groups.models import Membership, MembershipStatus, Role
    from groups.services import group_create

    founder = User.objects.create_user(
        email=f"founder-{tag}@bench.invalid", password=None, display_name="Bente Stab"
    )
    founder.is_staff = True
    founder.save(update_fields=["is_staff"])
    group = group_create(actor=founder, name=f"Indsigt {tag}", description="Benchmark-gruppe.")
    password = make_password(None)
    User.objects.bulk_create(
        [
            User(
                email=f"{tag}{i}@bench.invalid",
                display_name=f"Medlem {i}",
                password=password,
                is_active=True,
            )
            for i in range(n)
        ],
        batch_size=2000,
    )
    ids = list(
        User.objects.filter(email__startswith=tag, email__endswith="@bench.invalid")
        .exclude(pk=founder.pk)
        .order_by("id")
        .values_list("id", flat=True)
    )
    now = timezone.now()
    Membership.objects.bulk_create(
        [
            Membership(
                user_id=uid,
                group=group,
                role=Role.MEMBER,
                status=MembershipStatus.ACTIVE,
                requested_at=now,
                joined_at=now,
            )
            for uid in ids
        ],
        batch_size=2000,
    )
    return group, founder, ids


def fill(group: Any, founder: Any, member_ids: list[int], n_posts: int) -> dict[str, int]:
    """Posts, comments, reactions and views for the group, in SQL."""
    from django.db import connection, transaction

    from insights.models import PostView
    from posts.models import Comment, Post, Reaction

    tables = [m._meta.db_table for m in (Post, Comment, Reaction, PostView)]
    assert tables == ["posts_post", "posts_comment", "posts_reaction", "insights_postview"]
    n_members = len(member_ids)
    umin = member_ids[0]
    assert member_ids == list(range(umin, umin + n_members)), "member ids are not contiguous"
    n_comments = 4 * n_posts
    per_post_reactions, per_post_views = min(10, n_members), min(20, n_members)
    t0 = time.monotonic()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM posts_post")
        first_post = cur.fetchone()[0] + 1
        # Posts: 10% by the founder (the team), the rest by members; day 1-365 ago.
        cur.execute(
            """
            INSERT INTO posts_post (group_id, subgroup_id, author_id, body, body_html, theme,
                pinned, state, created_at, edited_at, comment_count, reaction_count, version)
            SELECT %s, NULL,
                CASE WHEN g %% 10 = 0 THEN %s ELSE %s + (g * 7919) %% %s END,
                'Opslag ' || g || ': en tur i skoven i dag. Hvem går med?',
                '<p>Opslag ' || g || ': en tur i skoven i dag. Hvem går med?</p>',
                (ARRAY['aktiv', 'sammen', 'meningsfuld', ''])[1 + g %% 4],
                false, 'visible',
                ((date_trunc('day', now() AT TIME ZONE %s)
                  - (1 + floor(random() * 365)) * interval '1 day'
                  + (CASE WHEN random() < 0.85 THEN 7 + floor(random() * 15)
                     ELSE floor(random() * 24) END) * interval '1 hour'
                  + floor(random() * 3600) * interval '1 second') AT TIME ZONE %s),
                NULL, 0, 0, 0
            FROM generate_series(0::bigint, %s - 1) AS g
            ORDER BY g
            """,
            [group.pk, founder.pk, umin, n_members, TZ, TZ, n_posts],
        )
        # Comments on random posts, within 48 hours of the post.
        cur.execute(
            """
            INSERT INTO posts_comment (post_id, parent_id, author_id, body, body_html, state,
                created_at, edited_at, reaction_count)
            SELECT p.id, NULL,
                CASE WHEN g %% 8 = 0 THEN %s ELSE %s + (g * 104729) %% %s END,
                'Kommentar ' || g || '. Dejligt!', '<p>Kommentar ' || g || '. Dejligt!</p>',
                'visible', least(now(), p.created_at + random() * interval '48 hours'), NULL, 0
            FROM (SELECT g, %s + floor(random() * %s)::bigint AS pid
                  FROM generate_series(0::bigint, %s - 1) AS g) AS s
            JOIN posts_post p ON p.id = s.pid
            """,
            [founder.pk, umin, n_members, first_post, n_posts, n_comments],
        )
        # Reactions: 10 distinct members per post, within 24 hours of the post.
        cur.execute(
            """
            INSERT INTO posts_reaction (user_id, post_id, comment_id, kind, created_at)
            SELECT %s + (k * (%s / %s) + p.id * 37) %% %s, p.id, NULL, 'like',
                least(now(), p.created_at + random() * interval '24 hours')
            FROM posts_post p CROSS JOIN generate_series(0::bigint, %s - 1) AS k
            WHERE p.group_id = %s
            """,
            [umin, n_members, per_post_reactions, n_members, per_post_reactions, group.pk],
        )
        # Views: 20 distinct members per post, on the day of the post or in the 6 after.
        cur.execute(
            """
            INSERT INTO insights_postview (group_id, post_id, user_id, day)
            SELECT p.group_id, p.id, %s + (k * (%s / %s) + p.id * 13) %% %s,
                least((now() AT TIME ZONE %s)::date,
                      (p.created_at AT TIME ZONE %s)::date + floor(random() * 7)::int)
            FROM posts_post p CROSS JOIN generate_series(0::bigint, %s - 1) AS k
            WHERE p.group_id = %s
            """,
            [umin, n_members, per_post_views, n_members, TZ, TZ, per_post_views, group.pk],
        )
        cur.execute(
            """
            UPDATE posts_post p SET comment_count = s.n
            FROM (SELECT post_id, count(*) AS n FROM posts_comment GROUP BY post_id) s
            WHERE p.id = s.post_id AND p.group_id = %s
            """,
            [group.pk],
        )
        cur.execute(
            "UPDATE posts_post SET reaction_count = %s WHERE group_id = %s",
            [per_post_reactions, group.pk],
        )
        counts = {}
        for label, sql in (
            ("posts", "SELECT count(*) FROM posts_post WHERE group_id = %s"),
            (
                "comments",
                "SELECT count(*) FROM posts_comment c JOIN posts_post p ON p.id = c.post_id "
                "WHERE p.group_id = %s",
            ),
            (
                "reactions",
                "SELECT count(*) FROM posts_reaction r JOIN posts_post p ON p.id = r.post_id "
                "WHERE p.group_id = %s",
            ),
            ("views", "SELECT count(*) FROM insights_postview WHERE group_id = %s"),
        ):
            cur.execute(sql, [group.pk])
            counts[label] = cur.fetchone()[0]
    counts["members"] = n_members + 1
    c.log(f"filled {group.slug} in {time.monotonic() - t0:.1f}s: {counts}")
    return counts


def vacuum_analyze(dbname: str) -> None:
    import psycopg

    t0 = time.monotonic()
    with psycopg.connect(
        c.db_url(dbname).replace("postgres://", "postgresql://"), autocommit=True
    ) as conn:
        conn.execute("VACUUM ANALYZE")
    c.log(f"vacuum analyze in {time.monotonic() - t0:.1f}s")


def cold(group: Any, runs: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The selector with an empty cache, `runs` times: ms and queries; and
    the slowest queries of the slowest run."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from insights import selectors

    times, counts, slowest_run = [], [], None
    for i in range(runs):
        cache.clear()
        period = selectors.period_from(days="90", month=None)
        with CaptureQueriesContext(connection) as q:
            t0 = time.perf_counter()
            figures = selectors.dashboard(group=group, subgroup=None, period=period)
            ms = (time.perf_counter() - t0) * 1000
        assert figures["now"]["activity"]["posts"] > 0
        times.append(ms)
        counts.append(len(q))
        if slowest_run is None or ms >= max(times):
            slowest_run = list(q.captured_queries)
        c.log(f"cold run {i + 1}/{runs}: {ms:.0f} ms, {len(q)} queries")
    assert slowest_run is not None
    top = sorted(slowest_run, key=lambda r: float(r["time"]), reverse=True)[:5]
    return (
        {
            "runs": runs,
            "p50_ms": round(c.percentile(times, 50) or 0, 1),
            "p95_ms": round(c.percentile(times, 95) or 0, 1),
            "max_ms": round(max(times), 1),
            "queries": sorted(set(counts)),
        },
        [{"ms": round(float(r["time"]) * 1000, 1), "sql": r["sql"]} for r in top],
    )


def explain(queries: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """EXPLAIN ANALYZE the n slowest queries: the plan goes to stderr, the
    summary lines (top node, execution time) into the result."""
    from django.db import connection

    out = []
    for row in queries[:n]:
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + row["sql"])
            plan = [r[0] for r in cur.fetchall()]
        c.log(f"--- {row['ms']} ms: {row['sql'][:400]}")
        for line in plan:
            c.log("    " + line)
        out.append(
            {
                "ms": row["ms"],
                "sql_head": row["sql"][:160],
                "plan_top": plan[0].strip(),
                "execution": next((p for p in plan if p.startswith("Execution Time")), ""),
            }
        )
    return out


def selector_queries(group: Any) -> int:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from insights import selectors

    cache.clear()
    with CaptureQueriesContext(connection) as q:
        selectors.dashboard(
            group=group, subgroup=None, period=selectors.period_from(days="90", month=None)
        )
    return len(q)


def page_queries(group: Any, user: Any) -> int:
    """Queries for the whole page (cold cache), in process through the test client."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as q:
        resp = client.get(f"/groups/{group.slug}/indsigt/?dage=90")
    assert resp.status_code == 200, resp.status_code
    return len(q)


def view_cost(group: Any, member_ids: list[int], calls: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from insights.services import post_view_count
    from posts.models import Post

    posts = list(Post.objects.filter(group=group).order_by("-id")[:calls])
    user_id = member_ids[-1]
    with CaptureQueriesContext(connection) as q:
        post_view_count(post=posts[0], user_id=user_id)
    statements = len(q)
    times = []
    for i in range(calls):
        post = posts[i % len(posts)]
        t0 = time.perf_counter()
        post_view_count(post=post, user_id=user_id)
        times.append((time.perf_counter() - t0) * 1000)
    # Again on the same posts: the same day's view is already counted (ON CONFLICT).
    again = []
    for i in range(min(calls, 200)):
        t0 = time.perf_counter()
        post_view_count(post=posts[i % len(posts)], user_id=user_id)
        again.append((time.perf_counter() - t0) * 1000)
    return {
        "statements": statements,
        # bulk_create's transaction.atomic: BEGIN ... COMMIT around the INSERT.
        "data_statements": sum(
            1 for r in q.captured_queries if r["sql"].split()[0].upper() not in TX_CONTROL
        ),
        "sql": [r["sql"][:120] for r in q.captured_queries],
        "calls": calls,
        "p50_ms": round(c.percentile(times, 50) or 0, 3),
        "p95_ms": round(c.percentile(times, 95) or 0, 3),
        "repeat_p50_ms": round(c.percentile(again, 50) or 0, 3),
    }


def load(port: int, path: str, cookie: str, *, duration: float, clients: int) -> dict[str, Any]:
    """`clients` threads GET `path` in a loop for `duration` seconds (gunicorn's
    sync workers close each connection, so one connection per request)."""
    stop_at = time.monotonic() + duration
    lat: list[float] = []
    bad = [0]
    lock = threading.Lock()

    def worker() -> None:
        mine, errors = [], 0
        while time.monotonic() < stop_at:
            t0 = time.perf_counter()
            try:
                conn = http.client.HTTPConnection(c.HOST, port, timeout=30)
                conn.request("GET", path, headers={"Cookie": cookie, "Accept-Encoding": "gzip"})
                resp = conn.getresponse()
                resp.read()
                conn.close()
                ok = resp.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
            mine.append((time.perf_counter() - t0) * 1000)
            errors += not ok
        with lock:
            lat.extend(mine)
            bad[0] += errors

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=duration + 60)
    secs = time.monotonic() - t0
    return {
        "clients": clients,
        "requests": len(lat),
        "rps": round(len(lat) / secs, 1),
        "p50_ms": round(c.percentile(lat, 50) or 0, 1),
        "p95_ms": round(c.percentile(lat, 95) or 0, 1),
        "max_ms": round(max(lat), 1) if lat else None,
        "errors": bad[0],
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--db", default="sammen_bench_insights")
    ap.add_argument("--members", type=int, default=5000)
    ap.add_argument("--posts", type=int, default=50000)
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies --members and --posts")
    ap.add_argument("--cold-runs", type=int, default=10)
    ap.add_argument("--duration", type=float, default=15.0, help="seconds of warm HTTP load")
    ap.add_argument(
        "--clients",
        default="1,4",
        help="concurrent HTTP clients, one warm measurement each; the first is judged",
    )
    ap.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    ap.add_argument("--view-calls", type=int, default=1000)
    ap.add_argument("--explain", type=int, default=3, help="slowest queries to EXPLAIN ANALYZE")
    args = ap.parse_args()
    members = max(50, int(args.members * args.scale))
    n_posts = max(100, int(args.posts * args.scale))

    t0 = time.monotonic()
    machine = c.machine()
    var_dir = c.ROOT / "var" / "bench-var"
    var_dir.mkdir(parents=True, exist_ok=True)
    secret = "bench-only-secret-" + "x" * 40
    env = c.base_env(args.db, SAMMEN_BENCH="1", SAMMEN_VAR_DIR=str(var_dir), SECRET_KEY=secret)
    c.recreate_database(args.db)
    c.migrate(env)
    c.flush_redis()
    os.environ.update(SAMMEN_BENCH="1", SAMMEN_VAR_DIR=str(var_dir), SECRET_KEY=secret)
    c.django_setup(env)
    from django.conf import settings as dj_settings

    dj_settings.ALLOWED_HOSTS = [*dj_settings.ALLOWED_HOSTS, "testserver"]

    small, small_founder, small_ids = make_members(50, "s")
    big, founder, big_ids = make_members(members, "b")
    sizes = {"big": fill(big, founder, big_ids, n_posts)}
    sizes["small"] = fill(small, small_founder, small_ids, 500)
    vacuum_analyze(args.db)

    cold_result, slowest = cold(big, args.cold_runs)
    queries = {
        "selector": {"big": selector_queries(big), "small": selector_queries(small)},
        "page": {"big": page_queries(big, founder), "small": page_queries(small, small_founder)},
    }
    c.log(f"queries: {queries}")
    explained = explain(slowest, args.explain)
    views = view_cost(big, big_ids, args.view_calls)
    c.log(f"post_view_count: {views}")
    session = c.make_sessions([founder])[0]
    from django.db import connections

    connections.close_all()

    subprocess.run(
        [str(c.PY), "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=c.ROOT,
        env={**env, "DEBUG": "0"},
        check=True,
        timeout=120,
    )
    port = c.free_port()
    server_env = c.base_env(
        args.db,
        SAMMEN_BENCH="1",
        SAMMEN_VAR_DIR=str(var_dir),
        SECRET_KEY=secret,
        DEBUG="0",
        ALLOWED_HOSTS="localhost,127.0.0.1",
        SECURE_SSL_REDIRECT="0",
    )
    argv = [
        str(c.BIN / "gunicorn"),
        "-b", f"{c.HOST}:{port}", "-w", str(args.workers), "--worker-class", "sync",
        "--log-level", "warning", "--timeout", "120",
        "sammen.wsgi:application",
    ]  # fmt: skip
    path = f"/groups/{big.slug}/indsigt/?dage=90"
    cookie = f"sessionid={session}"
    # The cache key changes every 15 minutes: start well inside a bucket.
    left = 900 - time.time() % 900
    if left < args.duration + 60:
        c.log(f"waiting {left:.0f}s for the next 15-minute cache bucket")
        time.sleep(left + 1)
    proc = c.start_server(argv, server_env, port, "insights-gunicorn")
    try:
        w0 = time.perf_counter()
        status, _, body = c.http_request(port, "GET", path, cookies={"sessionid": session})
        first_ms = (time.perf_counter() - w0) * 1000
        assert status == 200, (status, body[:300])
        c.log(f"warm-up request (fills the cache): {first_ms:.0f} ms, {len(body)} bytes")
        clients = [int(n) for n in args.clients.split(",") if n.strip()]
        load(port, path, cookie, duration=2, clients=max(clients))
        warm_runs = []
        for n in clients:
            run = load(port, path, cookie, duration=args.duration, clients=n)
            c.log(f"warm, {n} client(s): {run}")
            warm_runs.append(run)
        warm = {
            **warm_runs[0],
            "first_request_ms": round(first_ms, 1),
            "html_bytes": len(body),
            "by_clients": warm_runs,
        }
        c.log(f"warm: {warm}")
    finally:
        c.stop(proc)

    q_same = queries["selector"]["big"] == queries["selector"]["small"]
    out = {
        "bench": "insights",
        "machine": machine,
        "sizes": sizes,
        "period": "last 90 days (?dage=90), group founder (administrator, is_staff)",
        "cold_selector": cold_result,
        "warm_http": {
            "server": f"gunicorn {c.dist_version('gunicorn')} sync, {args.workers} workers, "
            "DEBUG=0, Redis cache",
            "load": f"Python clients ({args.clients}), {args.duration:g}s each after 2s warm-up",
            **warm,
        },
        "queries": queries,
        "slowest_queries": [{"ms": s["ms"], "sql_head": s["sql"][:160]} for s in slowest],
        "explain": explained,
        "post_view_count": views,
        "target": {"cold_p95_ms": COLD_TARGET_MS, "warm_p95_ms": WARM_TARGET_MS},
        "met": {
            "cold_p95_2s": cold_result["p95_ms"] <= COLD_TARGET_MS,
            "warm_p95_300ms": warm["p95_ms"] <= WARM_TARGET_MS,
            "warm_p95_300ms_by_clients": {
                str(r["clients"]): r["p95_ms"] <= WARM_TARGET_MS for r in warm["by_clients"]
            },
            "queries_flat": q_same,
            "view_one_statement": views["statements"] == 1,
        },
        "loadavg_at_end": [round(x, 1) for x in os.getloadavg()],
        "elapsed_s": round(time.monotonic() - t0, 1),
    }
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
