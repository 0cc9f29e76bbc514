"""Faults survived (issue 17): the production topology (gunicorn for pages, two
uvicorn socket processes, a Celery worker and beat, DEBUG off) on a PostgreSQL
cluster and a Redis server of the test's own, with members holding live pages
and others writing comments while a fault happens. Afterwards nothing written
is lost or stored twice, and every live page shows what the database holds.

The machine's PostgreSQL and Redis are never stopped: the servers stopped here
are private ones (tests/integration/faults_support.py). The four scenarios
share one topology, started once; a scenario that kills a process starts a
new one in its place, as a supervisor would. A Celery worker killed in the
middle of the digest is tests/integration/test_digest.py's."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from tests.conftest import SmtpSink, start_smtp_sink

from .conftest import _require_services
from .faults_support import (
    Answer,
    LiveMember,
    PrivatePostgres,
    PrivateRedis,
    Stack,
    Writers,
    collect_static,
    database,
    http,
    migrate,
    session_cookie,
)

pytestmark = [pytest.mark.integration]

SOCKETS = ("s1", "s2")
DANISH_ERROR = "Der skete en fejl"
DANISH_ERROR_TEXT = "Der skete en fejl hos os. Prøv igen om lidt."


@pytest.fixture(scope="module")
def private(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A private Redis, a private PostgreSQL cluster (migrated) and an SMTP
    sink, and the environment of the processes that run on them."""
    _require_services()
    from django.conf import settings

    logdir = tmp_path_factory.mktemp("faults")
    redis = PrivateRedis(logdir)
    pg = PrivatePostgres()
    sink = start_smtp_sink(logdir / "mails")
    try:
        redis.start()
        pg.start()
        pg.createdb("sammen")
        var = logdir / "var"
        env = {
            **os.environ,
            "DATABASE_URL": pg.url("sammen"),
            "REDIS_URL": redis.url(),
            "DEBUG": "0",
            # The sessions this process makes must be readable by the servers.
            "SECRET_KEY": settings.SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "SITE_URL": "http://127.0.0.1",
            "SAMMEN_VAR_DIR": str(var),
            "MEDIA_ROOT": str(var / "media"),
            "PRIVATE_MEDIA_ROOT": str(var / "private"),
            "WEBPUSH_VAPID_KEY_FILE": str(var / "vapid.pem"),
            "RATE_LIMIT_IP_HEADER": "HTTP_X_REAL_IP",
            "SCHEDULER_IN_PROCESS": "0",
            "MFA_REQUIRED_FOR_TEAM": "0",
            "ACCOUNT_DELETION_GRACE_DAYS": "0",
            "PRIVACY_DELETION_STALE_SECONDS": "10",
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "sammen.settings",
            **sink.env(),
        }
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        migrate(env)
        collect_static(env)
        yield {"redis": redis, "pg": pg, "env": env, "logdir": logdir, "sink": sink}
    finally:
        sink.process.terminate()
        redis.stop()
        pg.remove()


@pytest.fixture(scope="module")
def stack(private: dict[str, Any]) -> Iterator[Stack]:
    """The topology, started once for the module."""
    s = Stack(private["env"], private["logdir"])
    try:
        # More page workers than writers: some sit idle through a fault.
        s.pages(workers=6)
        for name in SOCKETS:
            s.sockets(name)
        s.worker("w1")
        s.beat("beat")
        s.wait_ready("pages", *SOCKETS)
        yield s
    finally:
        s.stop_all()


@pytest.fixture
def orm(private: dict[str, Any], django_db_blocker: Any, eager_tasks: None) -> Iterator[None]:
    """This process's ORM on the private database. Tasks the test's own writes
    enqueue run here (eager), not on the machine's broker."""
    with database(private["env"]["DATABASE_URL"], django_db_blocker):
        yield


def _supervise(stack: Stack) -> None:
    """What the production topologies' supervisor does (compose's `restart:
    unless-stopped`): a Celery process that exited is started again. kombu's
    Redis transport can end the worker when the connection is lost (restoring
    unacknowledged messages on a connection already gone: AttributeError on
    conninfo.hostname, seen in CI); the database holds every task's work, so
    a restarted worker and the next beat tick complete it."""
    if not stack.alive("w1"):
        stack.worker("w1")
    if not stack.alive("beat"):
        stack.beat("beat")


def _tasks(private: dict[str, Any]) -> Any:
    """A Celery client of the private broker (what beat sends, sent by hand)."""
    from celery import Celery

    return Celery("faults", broker=private["env"]["REDIS_URL"])


# --- the world and the people in it ------------------------------------------------------


def _world(tag: str, *, live: int = 4, feed: int = 0, writers: int = 8) -> dict[str, Any]:
    """A closed group with an administrator, a post, `live` members who keep
    the post page open, `feed` members who keep the group's page open and
    `writers` members who comment on the post."""
    from posts import services as post_services
    from tests.conftest import make_group, make_user

    admin = make_user(f"admin-{tag}@example.org", f"Alma {tag}")
    readers = [make_user(f"live{k}-{tag}@example.org", f"Læser {k}") for k in range(live + feed)]
    authors = [make_user(f"writer{k}-{tag}@example.org", f"Skribent {k}") for k in range(writers)]
    group = make_group(f"Fejl {tag}", admin=admin, members=[*readers, *authors], slug=f"fejl-{tag}")
    post = post_services.post_create(actor=admin, group=group, body=f"Hvordan går det? ({tag})")
    return {
        "admin": admin,
        "group": group,
        "post": post,
        "path": f"/groups/{group.slug}/posts/{post.pk}/",
        "readers": [session_cookie(u) for u in readers[:live]],
        "feed_readers": [session_cookie(u) for u in readers[live:]],
        "writers": [(session_cookie(u), f"10.17.0.{k + 1}") for k, u in enumerate(authors)],
    }


def _cookies(session_key: str) -> dict[str, str]:
    from django.conf import settings

    return {settings.SESSION_COOKIE_NAME: session_key}


def _live(stack: Stack, world: dict[str, Any], *, feed: bool = False) -> list[LiveMember]:
    """The live pages, spread over the socket processes (each member's proxy
    tries its own first, then the other)."""
    servers = [stack.urls[name] for name in SOCKETS]
    path = f"/groups/{world['group'].slug}/" if feed else world["path"]
    members = []
    for k, cookie in enumerate(world["feed_readers" if feed else "readers"]):
        members.append(
            LiveMember(
                name=f"{'feed' if feed else 'post'}{k}",
                cookie=cookie,
                page_url=stack.urls["pages"] + path,
                socket_path="/ws" + path,
                servers=servers[k % 2 :] + servers[: k % 2],
                kind="post" if feed else "comment",
            ).start()
        )
    deadline = time.monotonic() + 30
    while not all(m.connected() for m in members):
        if time.monotonic() > deadline:
            states = {m.name: (m.closes[-3:], m.errors[-2:], m.gave_up) for m in members}
            pytest.fail(f"live members could not connect: {states}\n{stack.logs()}")
        time.sleep(0.1)
    return members


def _comments(post: Any) -> tuple[Counter[str], set[int]]:
    from posts.models import Comment

    rows = list(Comment.objects.filter(post=post).values_list("pk", "body"))
    return Counter(body for _pk, body in rows), {pk for pk, _body in rows}


def _posts(group: Any) -> set[int]:
    from posts.models import Post

    return set(Post.objects.filter(group=group).values_list("pk", flat=True))


def _nothing_lost_or_doubled(writers: Writers, post: Any) -> dict[str, int]:
    """Every comment answered 204 is stored once; nothing is stored that was
    not written; nothing is stored twice."""
    bodies, _ids = _comments(post)
    written = {w.body for w in writers.writes if w.status == 204}
    tried = {w.body for w in writers.writes}
    doubled = {b: n for b, n in bodies.items() if n > 1}
    assert not doubled, f"comments stored twice: {doubled}"
    lost = written - set(bodies)
    assert not lost, f"answered 204 but not in the database: {sorted(lost)[:5]}"
    unknown = set(bodies) - tried
    assert not unknown, f"in the database but never written: {sorted(unknown)[:5]}"
    return {
        "written": len(written),
        "failed": len(tried - written),
        "failed_but_stored": len((tried - written) & set(bodies)),
    }


def _views_match(members: list[LiveMember], truth: Any, timeout: float = 30) -> float:
    """Every live page shows exactly what the database holds (`truth()`, the
    ids); returns how long it took to get there."""
    started = time.monotonic()
    while True:
        ids = truth()
        behind = {m.name: (ids - m.view(), m.view() - ids) for m in members if m.view() != ids}
        if not behind:
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            details = {
                name: {
                    "missing": f"{len(missing)}: {sorted(missing)[:10]}",
                    "extra": f"{len(extra)}: {sorted(extra)[:10]}",
                }
                for name, (missing, extra) in behind.items()
            }
            states = {
                m.name: {
                    "opens": [server for _at, server in m.opens],
                    "closes": m.closes[-3:],
                    "gave_up": m.gave_up,
                    "last_event": m.last_event,
                    "reloads": m.reloads,
                    "errors": m.errors[-2:],
                }
                for m in members
            }
            pytest.fail(
                f"live pages differ from the database after {timeout:.0f}s: {details}\n{states}"
            )
        time.sleep(0.2)


def _stop(members: list[LiveMember]) -> None:
    for m in members:
        m.stop()


def _report(name: str, **figures: Any) -> None:
    print(f"\n[faults] {name}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))


# --- Redis stopped for 10 s ----------------------------------------------------------------


def test_redis_stopped_for_ten_seconds(stack: Stack, private: dict[str, Any], orm: None) -> None:
    """Redis (channel layer, broker, cache) stopped for 10 s and started again,
    empty: pages still serve and writes still succeed, the live pages catch
    up without reloading, and posts that fell due meanwhile are published
    once (the ticks and tasks Redis held are gone; the database is not)."""
    from django.utils import timezone

    from scheduler.models import ScheduledPost, ScheduledState
    from tests.conftest import make_membership, make_user

    world = _world("redis", live=4, feed=2)
    group = world["group"]
    planner = make_user("planner-redis@example.org", "Stine Stab")
    make_membership(planner, group, role="staff")
    members = _live(stack, world) + (feed := _live(stack, world, feed=True))
    base = stack.urls["pages"]
    writers = Writers(base, world["path"], world["writers"], "redis").start()
    # Falling due in the outage: published by the first tick after it.
    soon = timezone.now() + timedelta(seconds=3)
    planned = ScheduledPost.objects.bulk_create(
        ScheduledPost(
            group=group,
            author=planner,
            place_name=group.name,
            body=f"Planlagt under udfaldet {k}",
            state=ScheduledState.SCHEDULED,
            publish_at=soon + timedelta(seconds=k),
        )
        for k in range(6)
    )
    time.sleep(2)

    redis: PrivateRedis = private["redis"]
    redis.stop()
    stopped = time.monotonic()
    reader = _cookies(world["readers"][0])
    pages: list[tuple[int, float]] = []
    while time.monotonic() - stopped < 10:
        for path in (world["path"], f"/groups/{group.slug}/", "/"):
            got = http(base + path, cookies=dict(reader))
            pages.append((got.status, got.seconds))
        time.sleep(0.3)
    # Alive and serving, but not ready: a load balancer may keep it or not.
    ready = http(base + "/readyz", cookies={})
    assert ready.status == 503 and '"redis": "error"' in ready.body, ready.body
    redis.start()
    back = time.monotonic()
    _supervise(stack)
    time.sleep(3)
    writers.stop()

    during = [w for w in writers.writes if stopped <= w.at <= back]
    assert all(status == 200 for status, _ in pages), Counter(s for s, _ in pages)
    assert during, "no write during the outage"
    assert all(w.status == 204 for w in during), Counter(w.status for w in during)
    counts = _nothing_lost_or_doubled(writers, world["post"])
    took = _views_match(members[: len(world["readers"])], lambda: _comments(world["post"])[1])

    def all_published() -> bool:
        return not ScheduledPost.objects.filter(
            pk__in=[p.pk for p in planned], state=ScheduledState.SCHEDULED
        ).exists()

    deadline = time.monotonic() + 30
    while not all_published():
        assert time.monotonic() < deadline, f"planned posts not published\n{stack.logs()}"
        time.sleep(0.5)
    rows = ScheduledPost.objects.filter(pk__in=[p.pk for p in planned])
    assert Counter(rows.values_list("state", flat=True)) == {"published": len(planned)}
    from posts.models import Post

    for row in rows:
        assert Post.objects.filter(group=group, body=row.body).count() == 1, row.body
    took_feed = _views_match(feed, lambda: _posts(group))
    _stop(members)
    assert all(m.reloads == 0 and len(m.opens) == 1 for m in members), "a page reconnected"
    assert http(base + "/readyz", cookies={}).status == 200
    _report(
        "redis stopped 10 s",
        **counts,
        writes_in_outage=len(during),
        pages_in_outage=len(pages),
        slowest_page_s=round(max(t for _, t in pages), 2),
        post_pages_caught_up_s=round(took, 1),
        feeds_caught_up_s=round(took_feed, 1),
        planned_published=len(planned),
    )


# --- PostgreSQL restarted ---------------------------------------------------------------


def test_postgresql_restarted(stack: Stack, private: dict[str, Any], orm: None) -> None:
    """PostgreSQL restarted (`pg_ctl restart -m fast`) under writes: requests
    in flight and during the restart fail with the Danish error page, never a
    traceback; every request after it succeeds (the connections of gunicorn,
    of the socket servers' pools and of the worker are made anew); nothing is
    half-written; the live pages show what the database holds."""
    from django.db import connection

    from posts.models import Comment, FeedEvent, Post

    world = _world("postgres", live=4)
    members = _live(stack, world)
    base = stack.urls["pages"]
    writers = Writers(base, world["path"], world["writers"], "postgres").start()
    time.sleep(2)

    pg: PrivatePostgres = private["pg"]
    pages: list[tuple[float, Answer]] = []
    reading = threading.Event()

    def read() -> None:  # a member opening the post page, again and again
        while not reading.is_set():
            pages.append((time.monotonic(), http(base + world["path"], cookies=reader)))

    reader = _cookies(world["readers"][0])
    for _ in range(2):
        threading.Thread(target=read, daemon=True).start()
    began = time.monotonic()
    pg.restart()
    restarted = time.monotonic()
    connection.close()  # this process's own connection died with the server
    # A burst that reaches every page worker, the idle ones too.
    burst: list[Answer] = []
    threads = [
        threading.Thread(
            target=lambda: burst.append(http(base + world["path"], cookies=reader)), daemon=True
        )
        for _ in range(12)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    time.sleep(4)
    writers.stop()
    reading.set()

    failed = [w for w in writers.writes if w.status != 204]
    broken = [a for _t, a in pages if a.status != 200]
    assert failed or broken, "no request met the restart"
    for w in failed:
        # The comment form (htmx) shows the answer as text: a sentence, not a page.
        assert (w.status, w.answer) == (500, DANISH_ERROR_TEXT), (w.status, w.answer[:300])
    for a in broken:
        assert a.status == 500, (a.status, a.body[:300])
        assert DANISH_ERROR in a.body and '<html lang="da">' in a.body, a.body[:300]
        assert "Traceback" not in a.body
    # Whatever starts once PostgreSQL is back succeeds: no process kept a dead connection.
    late = [w.status for w in writers.writes if w.began > restarted and w.status != 204]
    late += [a.status for t, a in pages if t - a.seconds > restarted and a.status != 200]
    late += [a.status for a in burst if a.status != 200]
    assert not late, f"failed after the restart: {Counter(late)}\n{stack.logs()}"
    counts = _nothing_lost_or_doubled(writers, world["post"])

    # Nothing half-written: each comment with its one event, the counter right.
    post = Post.objects.get(pk=world["post"].pk)
    comments = Comment.objects.filter(post=post)
    events = Counter(
        FeedEvent.objects.filter(post_ref=post.pk, kind="comment.created").values_list(
            "comment_ref", flat=True
        )
    )
    assert events == Counter(comments.values_list("pk", flat=True)), "comment without its event"
    assert post.comment_count == comments.count()

    took = _views_match(members, lambda: _comments(world["post"])[1])
    _stop(members)
    # Each web process answers again, the socket servers' pools too.
    for name in ("pages", *SOCKETS):
        got = http(stack.urls[name] + world["path"], cookies=_cookies(world["readers"][0]))
        assert got.status == 200, (name, got.status)
    _report(
        "postgresql restarted",
        **counts,
        restart_s=round(restarted - began, 2),
        failed_writes=len(failed),
        failed_page_loads=len(broken),
        live_pages_caught_up_s=round(took, 1),
        reconnects=sum(len(m.opens) - 1 for m in members),
    )


# --- a socket server SIGKILLed ------------------------------------------------------------


def test_socket_server_killed(stack: Stack, orm: None) -> None:
    """One of the two socket processes SIGKILLed under live pages and writes:
    its pages reconnect to the other process and catch up from their last
    event; the other process's pages notice nothing."""
    world = _world("sigkill", live=6)
    members = _live(stack, world)
    base = stack.urls["pages"]
    victims = [m for m in members if m.opens[-1][1] == stack.urls["s1"]]
    others = [m for m in members if m not in victims]
    assert victims and others
    writers = Writers(base, world["path"], world["writers"], "sigkill").start()
    time.sleep(2)

    killed = time.monotonic()
    stack.kill("s1")
    time.sleep(4)
    writers.stop()
    counts = _nothing_lost_or_doubled(writers, world["post"])
    assert all(w.status == 204 for w in writers.writes), Counter(w.status for w in writers.writes)
    took = _views_match(members, lambda: _comments(world["post"])[1])
    _stop(members)
    for m in victims:
        assert m.closes and m.closes[0][1] == 1006, m.closes
        assert m.opens[-1][1] == stack.urls["s2"], m.opens
    assert all(len(m.opens) == 1 for m in others), "a page on the other process reconnected"
    reconnected = max(m.opens[1][0] for m in victims) - killed
    stack.sockets("s1")  # a supervisor starts it again
    stack.wait_ready("s1")
    _report(
        "socket server SIGKILLed",
        **counts,
        pages_moved=len(victims),
        all_reconnected_after_s=round(reconnected, 1),
        caught_up_after_s=round(took, 1),
    )


# --- a Celery worker SIGKILLed --------------------------------------------------------


def _big_member(group: Any, n_posts: int, n_comments: int) -> Any:
    """A member with a lot to delete, in a group nobody watches."""
    from posts.models import Comment, Post
    from tests.conftest import make_membership, make_user

    person = make_user("leaving@example.org", "Lea Går")
    make_membership(person, group)
    posts = Post.objects.bulk_create(
        Post(group=group, author=person, body=f"Gammelt opslag {k}", body_html="<p>x</p>")
        for k in range(n_posts)
    )
    Comment.objects.bulk_create(
        Comment(post=posts[k % n_posts], author=person, body=f"svar {k}", body_html="<p>x</p>")
        for k in range(n_comments)
    )
    return person


def test_celery_worker_killed_while_publishing_and_deleting(
    stack: Stack, private: dict[str, Any], orm: None
) -> None:
    """A worker SIGKILLed while one of its processes publishes a backlog of
    planned posts and the other deletes an account: on the next worker each
    planned post is published exactly once, the deletion completes exactly
    once (one "Din konto er slettet" e-mail), the live feeds show every post
    published, and the writes going on meanwhile are untouched."""
    from django.utils import timezone

    from accounts.models import User
    from posts.models import Post
    from privacy.models import DeletionMode, DeletionRequest, DeletionState
    from scheduler.models import ScheduledPost, ScheduledState
    from tests.conftest import make_group, make_membership, make_user

    _supervise(stack)  # an earlier fault may have ended a Celery process
    world = _world("celery", live=2, feed=2)
    group = world["group"]
    members = _live(stack, world) + (feed := _live(stack, world, feed=True))
    leaving = _big_member(make_group("Gamle dage"), 1500, 3000)
    sink: SmtpSink = private["sink"]
    mails_before = sink.count()
    writers = Writers(stack.urls["pages"], world["path"], world["writers"], "celery").start()

    tasks = _tasks(private)
    deletion = DeletionRequest.objects.create(
        user=leaving,
        mode=DeletionMode.EVERYTHING,
        state=DeletionState.SCHEDULED,
        due_at=timezone.now(),
        scheduled_at=timezone.now(),
    )
    tasks.send_task("privacy.deletion_run", args=[deletion.pk])

    def deletion_state() -> tuple[str, int]:
        row = DeletionRequest.objects.get(pk=deletion.pk)
        return row.state, len(row.steps_done)

    deadline = time.monotonic() + 60
    while deletion_state()[1] < 1:
        assert time.monotonic() < deadline, f"the deletion did not start\n{stack.logs()}"
        time.sleep(0.05)
    # The backlog falls due now; beat's next tick hands it to the other process.
    planner = make_user("planner-celery@example.org", "Stine Stab")
    make_membership(planner, group, role="staff")
    n = 600
    ScheduledPost.objects.bulk_create(
        ScheduledPost(
            group=group,
            author=planner,
            place_name=group.name,
            body=f"Planlagt opslag {k}",
            state=ScheduledState.SCHEDULED,
            publish_at=timezone.now(),
        )
        for k in range(n)
    )

    def published() -> int:
        return ScheduledPost.objects.filter(group=group, state=ScheduledState.PUBLISHED).count()

    deadline = time.monotonic() + 60
    while published() < 100:
        assert time.monotonic() < deadline, f"publishing did not start\n{stack.logs()}"
        time.sleep(0.05)
    stack.kill("w1")
    at_kill = (published(), *deletion_state())
    assert at_kill[0] < n, "the backlog was done before the kill"
    assert at_kill[1] != DeletionState.DONE, "the deletion was done before the kill"
    stack.worker("w2")

    deadline = time.monotonic() + 90
    while published() < n or deletion_state()[0] != DeletionState.DONE:
        assert time.monotonic() < deadline, f"not completed after the kill\n{stack.logs()}"
        if deletion_state()[0] != DeletionState.DONE:
            tasks.send_task("privacy.deletions_due")  # what beat sends every minute
        time.sleep(2)
    writers.stop()

    rows = ScheduledPost.objects.filter(group=group)
    post_ids = list(rows.values_list("post_id", flat=True))
    assert len(set(post_ids)) == n and None not in post_ids
    assert Post.objects.filter(group=group).count() == n + 1, "a planned post published twice"
    row = DeletionRequest.objects.get(pk=deletion.pk)
    assert row.attempts >= 2 and row.state == DeletionState.DONE
    assert not User.objects.filter(pk=leaving.pk).exists()
    assert not Post.objects.filter(body__startswith="Gammelt opslag").exists()
    goodbye = [m for m in sink.messages()[mails_before:] if m["To"] == "leaving@example.org"]
    assert len(goodbye) == 1, f"{len(goodbye)} goodbye e-mails"
    counts = _nothing_lost_or_doubled(writers, world["post"])
    took = _views_match(members[:2], lambda: _comments(world["post"])[1])
    took_feed = _views_match(feed, lambda: _posts(group), timeout=60)
    _stop(members)
    _report(
        "celery worker SIGKILLed",
        **counts,
        published_at_kill=at_kill[0],
        deletion_steps_at_kill=at_kill[2],
        deletion_attempts=row.attempts,
        feeds_caught_up_s=round(took_feed, 1),
        post_pages_caught_up_s=round(took, 1),
    )
