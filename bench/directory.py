"""Anonymous directory search on the production page server (issue 15).

    .venv/bin/python bench/directory.py [--entries 5000] [--workers 2]
                                        [--duration 10] [--connections 8] [--debug 0]

A fresh PostgreSQL database (sammen_bench_directory) gets the demo's managed
lists (13 areas, 12 activity types, 9 target groups) and --entries published
entries with varied words, schedules and flags, indexed through the service
that indexes a real entry. gunicorn's sync workers serve sammen.wsgi (the page
server of docs/operations.md), and `wrk` loads, without a session, a rotation
of searches that each have text and three filters (area, target group, time
of day) - /faellesskaber/?q=gåtur&omraade=…&maalgruppe=…&tid=… - after a
warm-up. Each request also records its search statistic, as in production.
The SQL query count of one such search is measured in-process. Progress goes
to stderr; the last line on stdout is one JSON object. Targets (issue 15):
p95 <= 50 ms and >= 200 req/s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c  # noqa: E402

WORDS = [
    ("Gåtur", "gaatur", "En rolig gåtur i området. Vi går i eget tempo og drikker kaffe bagefter."),
    ("Strikkeklub", "strik-og-haekl", "Strik, hækl og snak. Garn og pinde kan lånes."),
    ("Fællesspisning", "madfaellesskab", "Vi laver mad sammen og spiser ved lange borde."),
    ("Kor", "sang-og-musik", "Vi synger danske sange og øver til en koncert."),
    ("Samtalegruppe", "samtalegruppe", "En lille gruppe, hvor vi taler om det, der fylder."),
    ("Seniorfitness", "motion", "Let træning med instruktør, så alle kan være med."),
    ("Naturvandring", "natur", "En naturvejleder viser vej og fortæller om fugle og planter."),
    ("Brætspilscafé", "spil-og-hygge", "Brætspil, kortspil og hygge for alle aldre."),
    ("Værksted", "kreativt-vaerksted", "Maling, ler og genbrugskunst i et roligt værksted."),
    ("Læsekreds", "laesning", "Vi læser en bog om måneden og taler om den."),
]
RULES = [
    ("FREQ=WEEKLY;BYDAY=MO", "09:30", "11:30"),
    ("FREQ=WEEKLY;BYDAY=TU,TH", "10:00", "12:00"),
    ("FREQ=WEEKLY;BYDAY=WE", "14:00", "16:00"),
    ("FREQ=MONTHLY;BYDAY=1SA", "11:00", "13:00"),
    ("FREQ=WEEKLY;BYDAY=FR", "19:00", "21:00"),
    ("FREQ=MONTHLY;BYDAY=-1TH", "17:30", "20:00"),
]
SEARCH_WORDS = ["gåtur", "strikkeklub", "fællesspisning", "kor", "naturvandring", "læsekreds"]
WRK_LUA = r"""
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRKJSON {\"requests\":%%d,\"duration_us\":%%d,\"p50_us\":%%d,\"p95_us\":%%d," ..
    "\"p99_us\":%%d,\"max_us\":%%d,\"non2xx\":%%d,\"socket_errors\":%%d}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def make_entries(n: int) -> None:
    """n published entries (bulk), then indexed one by one by the service."""
    import datetime as dt

    from django.utils import timezone

    from demo.directory import DirectoryDemo, _lists
    from directory.models import Entry, EntryStatus
    from directory.services import entry_reindex
    from sammen.themes import Theme

    demo = DirectoryDemo()
    _lists(demo)
    areas = list(demo.areas.values())
    types = demo.activity_types
    targets = list(demo.target_groups.values())
    rng = random.Random(15)  # noqa: S311 - repeatable bench data
    now = timezone.now()
    rows = []
    for i in range(n):
        word, _type, text = WORDS[i % len(WORDS)]
        area = areas[rng.randrange(len(areas))]
        rule, start, end = RULES[rng.randrange(len(RULES))]
        entry = Entry(
            title=f"{word} i {area.name} {i}",
            description=f"{text} Nummer {i}.",
            organiser_name=f"Forening {i % 400}",
            area=area,
            rrule=rule,
            starts_on=dt.date(2026, 1, 5),
            start_time=dt.time.fromisoformat(start),
            end_time=dt.time.fromisoformat(end),
            is_free=rng.random() < 0.7,
            step_free=rng.random() < 0.6,
            can_come_alone=rng.random() < 0.5,
            status=EntryStatus.PUBLISHED,
            published_at=now - dt.timedelta(days=rng.randrange(365)),
            last_confirmed_at=now,
        )
        entry.themes = rng.sample(list(Theme.values), k=rng.randint(1, 2))
        rows.append(entry)
    Entry.objects.bulk_create(rows, batch_size=1000)
    entries = list(Entry.objects.order_by("pk"))
    through_types = Entry.activity_types.through
    through_targets = Entry.target_groups.through
    through_types.objects.bulk_create(
        [
            through_types(entry_id=e.pk, activitytype_id=types[WORDS[i % len(WORDS)][1]].pk)
            for i, e in enumerate(entries)
        ],
        batch_size=2000,
    )
    through_targets.objects.bulk_create(
        [
            through_targets(entry_id=e.pk, targetgroup_id=t.pk)
            for e in entries
            for t in rng.sample(targets, k=rng.randint(1, 2))
        ],
        batch_size=2000,
    )
    t0 = time.monotonic()
    for entry in Entry.objects.select_related("area").prefetch_related(
        "activity_types", "target_groups", "dates"
    ):
        entry_reindex(entry=entry)
    c.log(f"indexed {n} entries in {time.monotonic() - t0:.1f}s")


def search_paths(n: int) -> list[str]:
    """n searches as a citizen would make them: a word, and the area, a target
    group and the time of day of an entry with that word (so most find some)."""
    from directory.models import DAY_PART_BITS, Entry

    rng = random.Random(7)  # noqa: S311
    paths = []
    for i in range(n):
        word = SEARCH_WORDS[i % len(SEARCH_WORDS)]
        title_word = next(w for w, _t, _d in WORDS if w.lower().startswith(word[:5]))
        entry = rng.choice(
            list(
                Entry.objects.filter(title__startswith=title_word)
                .select_related("area")
                .prefetch_related("target_groups")[:50]
            )
        )
        part = next(p for p, bit in DAY_PART_BITS.items() if entry.day_part_mask & bit)
        params = {
            "q": word,
            "omraade": entry.area.slug if entry.area else "",
            "maalgruppe": entry.target_groups.all()[0].slug,
            "tid": part,
        }
        paths.append("/faellesskaber/?" + urlencode(params))
    return paths


def query_count(path: str) -> tuple[int, int]:
    """SQL queries of one anonymous search (a second time: visitor known), and
    how many results it had."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.get(path)
    with CaptureQueriesContext(connection) as q:
        response = client.get(path)
    assert response.status_code == 200, response.status_code
    from urllib.parse import parse_qsl, urlsplit

    from directory import selectors

    params = dict(parse_qsl(urlsplit(path).query))
    query = params.pop("q", "")
    total = selectors.directory_find(query=query, filters=params, with_facets=False).total
    return len(q), total


def service_time(paths: list[str], rounds: int = 2) -> float:
    """Median wall time of one search in this process, one at a time (ms): the
    page's own cost, without queueing behind other requests."""
    from django.test import Client

    client = Client()
    for path in paths:
        client.get(path)
    times = []
    for _ in range(rounds):
        for path in paths:
            t0 = time.perf_counter()
            client.get(path)
            times.append(1000 * (time.perf_counter() - t0))
    times.sort()
    return round(times[len(times) // 2], 1)


def wrk(port: int, lua: str, *, duration: float, connections: int) -> dict[str, Any]:
    argv = [
        "wrk", "-t1", f"-c{connections}", f"-d{int(duration)}s", "--timeout", "10s",
        "-s", lua, "-H", "Accept-Encoding: gzip, deflate",
        f"http://{c.HOST}:{port}/",
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


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--entries", type=int, default=5000)
    ap.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    ap.add_argument("--duration", type=float, default=10.0)
    ap.add_argument("--warmup", type=float, default=3.0)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--searches", type=int, default=40, help="distinct search URLs rotated")
    ap.add_argument("--debug", default="0", help="DEBUG for the server (0 = production)")
    ap.add_argument("--db", default="sammen_bench_directory")
    args = ap.parse_args()
    assert shutil.which("wrk"), "wrk is needed: apt-get install -y wrk"

    t0 = time.monotonic()
    machine = c.machine()
    var_dir = c.ROOT / "var" / "bench-var"
    var_dir.mkdir(parents=True, exist_ok=True)
    secret = "bench-only-secret-" + "x" * 40
    env = c.base_env(args.db, SAMMEN_VAR_DIR=str(var_dir), SECRET_KEY=secret)
    c.recreate_database(args.db)
    c.migrate(env)
    c.flush_redis()
    os.environ["SAMMEN_VAR_DIR"] = str(var_dir)
    os.environ["SECRET_KEY"] = secret
    c.django_setup(env)
    from django.conf import settings as dj_settings

    dj_settings.ALLOWED_HOSTS = [*dj_settings.ALLOWED_HOSTS, "testserver"]
    make_entries(args.entries)
    paths = search_paths(args.searches)
    queries, results = query_count(paths[0])
    totals = [query_count(p)[1] for p in paths[:10]]
    # The same search with the result cache off: what a first (or changed) search costs.
    dj_settings.DIRECTORY_FIND_CACHE_SECONDS = 0
    queries_uncached, _ = query_count(paths[1])
    service_ms_uncached = service_time(paths)
    dj_settings.DIRECTORY_FIND_CACHE_SECONDS = 60
    service_ms_cached = service_time(paths)
    from django.db import connection, connections

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connections.close_all()
    c.log(
        f"{args.entries} entries; a search costs {queries_uncached} queries "
        f"({queries} from the cache), {service_ms_uncached} ms ({service_ms_cached} ms cached) "
        f"one at a time; results {totals}"
    )

    extra = {"SAMMEN_VAR_DIR": str(var_dir), "DEBUG": args.debug, "SECRET_KEY": secret}
    if args.debug == "0":
        extra.update(ALLOWED_HOSTS="localhost,127.0.0.1", SECURE_SSL_REDIRECT="0")
        subprocess.run(
            [str(c.PY), "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=c.ROOT,
            env={**env, "DEBUG": "0"},
            check=True,
            timeout=120,
        )
    port = c.free_port()
    argv = [
        str(c.BIN / "gunicorn"),
        "-b", f"{c.HOST}:{port}", "-w", str(args.workers), "--worker-class", "sync",
        "--log-level", "warning", "sammen.wsgi:application",
    ]  # fmt: skip
    proc = c.start_server(argv, c.base_env(args.db, **extra), port, "directory-gunicorn")
    lua_paths = ", ".join(json.dumps(p) for p in paths)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(WRK_LUA % lua_paths)
        lua = fh.name
    try:
        status, _, body = c.http_request(port, "GET", paths[0], cookies={})
        assert status == 200 and b"results-heading" in body, status
        wrk(port, lua, duration=args.warmup, connections=args.connections)
        cpu0 = c.cpu_seconds(proc.pid)
        result = wrk(port, lua, duration=args.duration, connections=args.connections)
        result["server_cpu_ms_per_req"] = round(
            1000 * (c.cpu_seconds(proc.pid) - cpu0) / max(1, result["requests"]), 2
        )
        c.log(f"search: {json.dumps(result)}")
    finally:
        c.stop(proc)
        os.unlink(lua)

    out = {
        "bench": "directory",
        "machine": machine,
        "entries": args.entries,
        "server": f"gunicorn sync (sammen.wsgi), {args.workers} worker(s), DEBUG={args.debug}",
        "load": f"wrk 1 thread, {args.connections} connections, {args.duration:g}s after "
        f"{args.warmup:g}s warm-up, {len(paths)} searches rotated (text + 3 filters), anonymous",
        "queries_per_search": {"uncached": queries_uncached, "cached": queries},
        "service_ms_one_at_a_time": {"uncached": service_ms_uncached, "cached": service_ms_cached},
        "results_of_first_searches": totals,
        "search": result,
        "target": {"p95_ms": 50, "rps": 200},
        "met": {"p95_50ms": result["p95_ms"] <= 50, "rps_200": result["rps"] >= 200},
        "loadavg_at_end": [round(x, 1) for x in os.getloadavg()],
        "elapsed_s": round(time.monotonic() - t0, 1),
    }
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
