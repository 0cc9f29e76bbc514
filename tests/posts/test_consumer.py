"""LiveConsumer: who may hold a live feed or post socket, what each viewer
receives, replay on reconnect, and bad input.

pytest-asyncio is not installed: each test runs one async scenario with
`async_to_sync`; database work hops to a thread with database_sync_to_async,
as it does in production.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test import Client

from accounts.models import User
from groups import services as group_services
from groups.consumers import CLOSE_BAD_MESSAGE, CLOSE_FORBIDDEN
from groups.models import Group, SubGroup
from posts import live, services
from posts.models import Comment, ContentState, FeedEvent, Post
from sammen.routing import websocket_urlpatterns
from tests.conftest import make_membership, make_user
from tests.posts.conftest import POST_TEXT

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("in_memory_channel_layer"),
]

CLOSED_BAD = {"type": "websocket.close", "code": CLOSE_BAD_MESSAGE}
CLOSED_FORBIDDEN = {"type": "websocket.close", "code": CLOSE_FORBIDDEN}


def as_user(user: User | None) -> Any:
    """The real WebSocket routes with scope["user"] set, as the session
    middleware would set it."""
    router = URLRouter(websocket_urlpatterns)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> Any:
        return await router({**scope, "user": user or AnonymousUser()}, receive, send)

    return app


def feed_path(group: Group) -> str:
    return f"/ws/groups/{group.slug}/"


def sub_path(group: Group, sub: SubGroup) -> str:
    return f"/ws/groups/{group.slug}/subgroups/{sub.slug}/"


def post_path(post: Post) -> str:
    return f"/ws/groups/{post.group.slug}/posts/{post.pk}/"


def socket(user: User | None, path: str) -> WebsocketCommunicator:
    return WebsocketCommunicator(as_user(user), path)


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    async_to_sync(scenario)()


def db(fn: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    return database_sync_to_async(fn)  # type: ignore[no-any-return]


async def connected(user: User | None, path: str) -> WebsocketCommunicator:
    ws = socket(user, path)
    ok, code = await ws.connect()
    assert ok, f"refused with {code}"
    return ws


def html_of(message: dict[str, Any]) -> str:
    return " ".join(op.get("html", "") for op in message.get("ops", []))


async def messages_until_quiet(ws: WebsocketCommunicator, timeout: float = 0.5) -> list[Any]:
    out = []
    while not await ws.receive_nothing(timeout=timeout):
        out.append(await ws.receive_json_from())
    return out


# --- who may connect ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["member", "moderator", "staff", "admin"])
def test_member_connects_to_feed_and_post_sockets(
    role: str, request: pytest.FixtureRequest, group: Group, post: Post
) -> None:
    user = request.getfixturevalue(role)

    async def scenario() -> None:
        for path in (feed_path(group), post_path(post)):
            ws = await connected(user, path)
            await ws.send_json_to({"type": "ping"})
            assert await ws.receive_json_from() == {"type": "pong"}
            await ws.disconnect()

    run(scenario)


@pytest.mark.parametrize("role", ["anonymous", "outsider", "pending", "banned"])
def test_non_member_is_refused_with_4403_on_every_socket(
    role: str, request: pytest.FixtureRequest, group: Group, subgroup: SubGroup, post: Post
) -> None:
    user = request.getfixturevalue(role)

    async def scenario() -> None:
        for path in (feed_path(group), sub_path(group, subgroup), post_path(post)):
            assert await socket(user, path).connect() == (False, CLOSE_FORBIDDEN), path

    run(scenario)


def test_unknown_group_post_or_subgroup_is_refused_like_a_forbidden_one(
    member: User, group: Group, subgroup: SubGroup
) -> None:
    async def scenario() -> None:
        for path in (
            "/ws/groups/findes-ikke/",
            f"/ws/groups/{group.slug}/subgroups/findes-ikke/",
            f"/ws/groups/{group.slug}/posts/999999/",
        ):
            assert await socket(member, path).connect() == (False, CLOSE_FORBIDDEN), path

    run(scenario)


def test_post_socket_of_a_post_in_another_group_is_refused(member: User, group: Group) -> None:
    from tests.conftest import make_group, make_user

    other_admin = make_user()
    other = make_group(admin=other_admin)
    foreign = services.post_create(actor=other_admin, group=other, body="Andet sted")

    async def scenario() -> None:
        path = f"/ws/groups/{group.slug}/posts/{foreign.pk}/"
        assert await socket(member, path).connect() == (False, CLOSE_FORBIDDEN)

    run(scenario)


@pytest.mark.parametrize("role", ["member", "sub_only", "admin", "moderator"])
def test_subgroup_members_and_group_moderators_connect_to_subgroup_socket(
    role: str, request: pytest.FixtureRequest, group: Group, subgroup: SubGroup
) -> None:
    user = request.getfixturevalue(role)

    async def scenario() -> None:
        ws = await connected(user, sub_path(group, subgroup))
        await ws.disconnect()

    run(scenario)


@pytest.mark.parametrize("role", ["staff", "sub_requester"])
def test_group_member_outside_the_subgroup_is_refused_on_its_socket(
    role: str, request: pytest.FixtureRequest, group: Group, subgroup: SubGroup
) -> None:
    user = request.getfixturevalue(role)

    async def scenario() -> None:
        assert await socket(user, sub_path(group, subgroup)).connect() == (False, CLOSE_FORBIDDEN)
        ws = await connected(user, feed_path(group))  # the group itself is fine
        await ws.disconnect()

    run(scenario)


def test_subgroup_post_socket_is_refused_to_group_member_outside_it(
    member: User, staff: User, group: Group, subgroup: SubGroup
) -> None:
    sub_post = services.post_create(actor=member, group=group, subgroup=subgroup, body="Kun os")

    async def scenario() -> None:
        assert await socket(staff, post_path(sub_post)).connect() == (False, CLOSE_FORBIDDEN)

    run(scenario)


# --- what arrives ---------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["feed", "post"])
def test_comment_by_another_member_arrives_with_its_text_and_id(
    page: str, member: User, author: User, group: Group, post: Post
) -> None:
    async def scenario() -> None:
        ws = await connected(member, feed_path(group) if page == "feed" else post_path(post))
        comment = await db(services.comment_create)(
            actor=author, post=post, body="Sikke en *flot* hue"
        )
        message = await ws.receive_json_from(timeout=3)
        event = await db(FeedEvent.objects.get)(kind="comment.created")
        assert message["event_id"] == event.pk
        html = html_of(message)
        assert "Sikke en <em>flot</em> hue" in html
        assert f'id="comment-{comment.pk}"' in html
        targets = {op["target"] for op in message["ops"]}
        assert f"#comments-{post.pk}" in targets
        assert {"op": "text", "target": f"#post-{post.pk}-count", "html": "1"} in message["ops"]
        assert "Kirsten Skribentsen" in message["announce"]
        await ws.disconnect()

    run(scenario)


def test_one_render_serves_every_socket_in_the_same_situation(
    monkeypatch: pytest.MonkeyPatch, author: User, group: Group, post: Post
) -> None:
    """All sockets of a page wake for an event at once; the first renders and
    the others wait for that render instead of each going to a thread."""
    readers = [make_user(f"laeser{n}@example.org", f"Læser {n}") for n in range(4)]
    for reader in readers:
        make_membership(reader, group)
    renders: list[int] = []
    original = live.render_message

    def counted(*args: Any, **kwargs: Any) -> str:
        renders.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(live, "render_message", counted)

    async def scenario() -> None:
        sockets = [await connected(reader, feed_path(group)) for reader in readers]
        await db(services.comment_create)(actor=author, post=post, body="Til alle fire")
        for ws in sockets:
            assert "Til alle fire" in html_of(await ws.receive_json_from(timeout=3))
            await ws.disconnect()

    run(scenario)
    assert len(renders) == 1


def test_reply_is_appended_to_its_thread(
    member: User, author: User, group: Group, post: Post
) -> None:
    top = services.comment_create(actor=member, post=post, body="Første")

    async def scenario() -> None:
        ws = await connected(member, post_path(post))
        reply = await db(services.comment_create)(
            actor=author, post=post, body="Et svar", parent_id=top.pk
        )
        message = await ws.receive_json_from(timeout=3)
        append = message["ops"][0]
        assert append["target"] == f"#replies-{top.pk}"
        assert f'id="comment-{reply.pk}"' in append["html"]
        await ws.disconnect()

    run(scenario)


def test_each_viewer_gets_only_the_controls_they_may_use(
    member: User, author: User, moderator: User, group: Group, post: Post
) -> None:
    async def scenario() -> None:
        own = await connected(author, post_path(post))
        other = await connected(member, post_path(post))
        mod = await connected(moderator, post_path(post))
        comment = await db(services.comment_create)(actor=author, post=post, body="Hej")
        edit = f"/groups/{group.slug}/comments/{comment.pk}/edit/"
        delete = f"/groups/{group.slug}/comments/{comment.pk}/delete/"

        html = html_of(await own.receive_json_from(timeout=3))
        assert edit in html and delete in html
        html = html_of(await other.receive_json_from(timeout=3))
        assert edit not in html and delete not in html
        html = html_of(await mod.receive_json_from(timeout=3))
        assert edit not in html and delete in html
        for ws in (own, other, mod):
            await ws.disconnect()

    run(scenario)


def test_new_post_is_prepended_to_the_feed_and_not_sent_to_a_post_page(
    member: User, author: User, group: Group, post: Post
) -> None:
    async def scenario() -> None:
        feed = await connected(member, feed_path(group))
        page = await connected(member, post_path(post))
        new = await db(services.post_create)(actor=author, group=group, body="Helt nyt opslag")
        message = await feed.receive_json_from(timeout=3)
        assert message["ops"][0]["op"] == "prepend"
        assert message["ops"][0]["target"] == "#feed-posts"
        assert f'id="post-{new.pk}"' in message["ops"][0]["html"]
        assert "Helt nyt opslag" in message["ops"][0]["html"]
        other = await page.receive_json_from(timeout=3)
        assert other["ops"] == []
        for ws in (feed, page):
            await ws.disconnect()

    run(scenario)


def test_posts_published_together_arrive_one_by_one_from_their_one_signal(
    member: User, author: User, group: Group, post: Post
) -> None:
    """post_create_many sends one signal naming all its events (the weekly
    plan's publisher); each socket gets every post as if published alone."""

    async def scenario() -> None:
        feed = await connected(member, feed_path(group))
        page = await connected(member, post_path(post))
        items = [
            services.NewPost(actor=author, group=group, subgroup=None, body=f"Samlet opslag {k}")
            for k in range(3)
        ]
        new = await db(services.post_create_many)(items=items)
        received = [await feed.receive_json_from(timeout=3) for _ in new]
        assert [m["ops"][0]["op"] for m in received] == ["prepend"] * 3
        for p, message in zip(new, received, strict=True):
            assert f'id="post-{p.pk}"' in message["ops"][0]["html"]
        ids = [m["event_id"] for m in received]
        assert ids == sorted(ids) and len(set(ids)) == 3
        acks = [await page.receive_json_from(timeout=3) for _ in new]
        assert [a["ops"] for a in acks] == [[], [], []]
        assert await feed.receive_nothing(timeout=0.3)
        for ws in (feed, page):
            await ws.disconnect()

    run(scenario)


def test_deleted_comment_is_removed_live(
    member: User, author: User, group: Group, post: Post
) -> None:
    comment = services.comment_create(actor=author, post=post, body="Fortryder")

    async def scenario() -> None:
        ws = await connected(member, post_path(post))
        await db(services.comment_delete)(actor=author, comment=comment)
        message = await ws.receive_json_from(timeout=3)
        assert {"op": "remove", "target": f"#comment-{comment.pk}"} in message["ops"]
        assert "Fortryder" not in html_of(message)
        await ws.disconnect()

    run(scenario)


def _hold_and_signal(post: Post, state: str, kind: str) -> None:
    """What moderation does: change the state and record the event."""
    with transaction.atomic():
        Post.objects.filter(pk=post.pk).update(state=state)
        services.record_event(kind=kind, group=post.group, subgroup_id=post.subgroup_id, post=post)


def test_held_post_reaches_author_and_moderator_but_not_other_members(
    member: User, author: User, moderator: User, group: Group
) -> None:
    secret = "Afventer en moderator: mit telefonnummer"
    held = services.post_create(actor=author, group=group, body=secret, state=ContentState.PENDING)

    async def scenario() -> None:
        viewers = {
            "member": await connected(member, feed_path(group)),
            "author": await connected(author, feed_path(group)),
            "moderator": await connected(moderator, feed_path(group)),
        }
        await db(_hold_and_signal)(held, ContentState.PENDING, "post.created")
        got = {name: await ws.receive_json_from(timeout=3) for name, ws in viewers.items()}
        assert secret not in json.dumps(got["member"], ensure_ascii=False)
        assert not [op for op in got["member"]["ops"] if op.get("op") != "remove"]
        assert secret in html_of(got["author"])
        assert secret in html_of(got["moderator"])
        for ws in viewers.values():
            await ws.disconnect()

    run(scenario)


def test_post_hidden_by_moderation_is_taken_off_other_members_pages(
    member: User, author: User, group: Group, post: Post
) -> None:
    async def scenario() -> None:
        ws = await connected(member, post_path(post))
        await db(_hold_and_signal)(post, ContentState.HIDDEN, "post.updated")
        message = await ws.receive_json_from(timeout=3)
        assert message["ops"] == [{"op": "remove", "target": f"#post-{post.pk}"}]
        assert POST_TEXT not in json.dumps(message, ensure_ascii=False)
        await ws.disconnect()

    run(scenario)


def test_subgroup_post_does_not_reach_group_feed_sockets(
    member: User, staff: User, group: Group, subgroup: SubGroup
) -> None:
    async def scenario() -> None:
        outside = await connected(staff, feed_path(group))
        inside = await connected(member, sub_path(group, subgroup))
        await db(services.post_create)(
            actor=member, group=group, subgroup=subgroup, body="Kun for maskeløberne"
        )
        assert "Kun for maskeløberne" in html_of(await inside.receive_json_from(timeout=3))
        message = await outside.receive_json_from(timeout=3)
        assert message["ops"] == []
        assert "maskeløberne" not in json.dumps(message, ensure_ascii=False)
        for ws in (outside, inside):
            await ws.disconnect()

    run(scenario)


def test_reaction_counts_update_live(member: User, author: User, group: Group, post: Post) -> None:
    async def scenario() -> None:
        ws = await connected(author, post_path(post))
        await db(services.reaction_set)(actor=member, post=post, kind="hug")
        message = await ws.receive_json_from(timeout=3)
        (op,) = message["ops"]
        # Others see the counts change; only the one who reacted gets new buttons.
        assert op["op"] == "replace"
        assert op["target"] == f"#reaction-summary-post-{post.pk}"
        assert "🤗" in op["html"]
        await ws.disconnect()

    run(scenario)


# --- resume ---------------------------------------------------------------------------------------


def test_resume_replays_what_was_missed(
    member: User, author: User, group: Group, post: Post
) -> None:
    seen = FeedEvent.objects.latest("id").pk
    first = services.comment_create(actor=author, post=post, body="Mens du var væk 1")
    second = services.comment_create(actor=author, post=post, body="Mens du var væk 2")
    newest = FeedEvent.objects.latest("id").pk

    async def scenario() -> None:
        ws = await connected(member, post_path(post))
        await ws.send_json_to({"type": "resume", "last_event_id": seen})
        replayed = await messages_until_quiet(ws)
        html = " ".join(html_of(m) for m in replayed)
        assert f'id="comment-{first.pk}"' in html and "Mens du var væk 1" in html
        assert f'id="comment-{second.pk}"' in html and "Mens du var væk 2" in html
        assert [m["event_id"] for m in replayed] == sorted(m["event_id"] for m in replayed)
        assert replayed[-1]["event_id"] == newest

        await ws.send_json_to({"type": "resume", "last_event_id": newest})
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()

    run(scenario)


def test_resume_does_not_replay_subgroup_content_to_group_feed(
    member: User, staff: User, group: Group, subgroup: SubGroup
) -> None:
    services.post_create(actor=member, group=group, body="Start")
    seen = FeedEvent.objects.latest("id").pk
    services.post_create(actor=member, group=group, subgroup=subgroup, body="Hemmeligt i sub")
    newest = FeedEvent.objects.latest("id").pk

    async def scenario() -> None:
        ws = await connected(staff, feed_path(group))
        await ws.send_json_to({"type": "resume", "last_event_id": seen})
        replayed = await messages_until_quiet(ws)
        assert "Hemmeligt" not in json.dumps(replayed, ensure_ascii=False)
        assert replayed == [{"event_id": newest, "ops": []}]  # caught up, nothing shown
        await ws.disconnect()

    run(scenario)


def test_resume_after_too_much_asks_for_a_reload(
    member: User, author: User, group: Group, post: Post, monkeypatch: pytest.MonkeyPatch
) -> None:
    from posts import consumers

    monkeypatch.setattr(consumers, "REPLAY_LIMIT", 2)
    seen = FeedEvent.objects.latest("id").pk
    for n in range(3):
        services.comment_create(actor=author, post=post, body=f"nr. {n}")

    async def scenario() -> None:
        ws = await connected(member, post_path(post))
        await ws.send_json_to({"type": "resume", "last_event_id": seen})
        assert await ws.receive_json_from(timeout=3) == {"reload": True, "ops": []}
        await ws.disconnect()

    run(scenario)


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '{"type": "resume", ',
        "[]",
        "null",
        "42",
        json.dumps({"type": "shout"}),
        json.dumps({"type": "resume"}),
        json.dumps({"type": "resume", "last_event_id": "17"}),
        json.dumps({"type": "resume", "last_event_id": -1}),
        json.dumps({"type": "resume", "last_event_id": 1.5}),
        json.dumps({"type": "resume", "last_event_id": True}),
        json.dumps({"type": "resume", "last_event_id": None}),
        json.dumps({"type": "resume", "last_event_id": [1]}),
        json.dumps({"type": "ping", "pad": "x" * 5000}),
        "x" * 100_000,
    ],
)
def test_bad_message_closes_the_socket_with_4400(
    text: str, member: User, group: Group, post: Post
) -> None:
    async def scenario() -> None:
        ws = await connected(member, post_path(post))
        await ws.send_to(text_data=text)
        assert await ws.receive_output(timeout=3) == CLOSED_BAD

    run(scenario)


def test_binary_message_closes_the_socket_with_4400(member: User, group: Group) -> None:
    async def scenario() -> None:
        ws = await connected(member, feed_path(group))
        await ws.send_to(bytes_data=b"\x00\x01")
        assert await ws.receive_output(timeout=3) == CLOSED_BAD

    run(scenario)


def test_forged_channel_event_without_an_id_sends_nothing(
    member: User, group: Group, in_memory_channel_layer: Any
) -> None:
    async def scenario() -> None:
        ws = await connected(member, feed_path(group))
        await in_memory_channel_layer.group_send(
            f"group-{group.pk}", {"type": "sammen.event", "event": "post.created", "event_id": "1"}
        )
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()

    run(scenario)


# --- losing access --------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["feed", "post", "subgroup"])
def test_removed_member_socket_is_closed(
    page: str, admin: User, member: User, group: Group, subgroup: SubGroup, post: Post
) -> None:
    path = {
        "feed": feed_path(group),
        "post": post_path(post),
        "subgroup": sub_path(group, subgroup),
    }[page]

    async def scenario() -> None:
        ws = await connected(member, path)
        await db(group_services.membership_remove)(actor=admin, group=group, user_id=member.pk)
        assert await ws.receive_output(timeout=1) == CLOSED_FORBIDDEN

    run(scenario)


def test_banned_member_socket_is_closed_and_others_keep_theirs(
    admin: User, member: User, author: User, group: Group, post: Post
) -> None:
    async def scenario() -> None:
        goes = await connected(member, post_path(post))
        stays = await connected(author, post_path(post))
        await db(group_services.membership_ban)(actor=admin, group=group, user_id=member.pk)
        assert await goes.receive_output(timeout=1) == CLOSED_FORBIDDEN
        assert await stays.receive_nothing(timeout=0.3)
        await db(services.comment_create)(actor=author, post=post, body="Stadig her")
        assert "Stadig her" in html_of(await stays.receive_json_from(timeout=3))
        await stays.disconnect()

    run(scenario)


def test_member_who_leaves_is_disconnected(member: User, group: Group) -> None:
    async def scenario() -> None:
        ws = await connected(member, feed_path(group))
        await db(group_services.membership_leave)(actor=member, group=group)
        assert await ws.receive_output(timeout=1) == CLOSED_FORBIDDEN

    run(scenario)


def test_event_after_access_is_lost_renders_nothing_for_that_viewer(
    admin: User, member: User, author: User, group: Group, post: Post
) -> None:
    """Belt and braces: even if the close signal were dropped, the consumer
    re-checks permission before rendering each event."""
    from groups.models import Membership

    async def scenario() -> None:
        ws = await connected(member, feed_path(group))
        # Taken out behind the consumer's back: no membership.removed signal.
        await db(lambda: Membership.objects.filter(user=member, group=group).delete())()
        await db(services.comment_create)(actor=author, post=post, body="Efter du gik")
        got = await messages_until_quiet(ws, timeout=0.5)
        assert "Efter du gik" not in json.dumps(got, ensure_ascii=False)
        await ws.disconnect()

    run(scenario)


# --- the real ASGI stack --------------------------------------------------------------------------


def test_real_asgi_application_reads_the_session(member: User, group: Group, post: Post) -> None:
    from sammen.asgi import application

    client = Client()
    client.force_login(member)
    headers = [
        (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
        (b"origin", b"http://testserver"),
        (b"host", b"testserver"),
    ]

    async def scenario() -> None:
        ws = WebsocketCommunicator(application, post_path(post), headers=headers)
        assert (await ws.connect())[0]
        comment = await db(services.comment_create)(actor=member, post=post, body="Via ASGI")
        message = await ws.receive_json_from(timeout=3)
        assert f'id="comment-{comment.pk}"' in html_of(message)
        await ws.disconnect()
        anon = WebsocketCommunicator(
            application,
            post_path(post),
            headers=[(b"origin", b"http://testserver"), (b"host", b"testserver")],
        )
        assert await anon.connect() == (False, CLOSE_FORBIDDEN)

    run(scenario)


def test_comment_object_is_from_the_database_not_the_event(
    member: User, author: User, group: Group, post: Post
) -> None:
    """A comment edited between the signal and rendering shows its newest text."""
    comment = services.comment_create(actor=author, post=post, body="Gammel")

    async def scenario() -> None:
        ws = await connected(member, post_path(post))
        await db(services.comment_update)(actor=author, comment=comment, body="Ny udgave")
        message = await ws.receive_json_from(timeout=3)
        assert message["ops"][0]["target"] == f"#comment-{comment.pk}-body"
        assert "Ny udgave" in html_of(message)
        assert await db(Comment.objects.filter(body="Ny udgave").count)() == 1
        await ws.disconnect()

    run(scenario)


# --- more ways to lose access ---------------------------------------------------------------------


def test_leaving_the_subgroup_closes_its_socket_but_not_the_group_socket(
    member: User, group: Group, subgroup: SubGroup
) -> None:
    async def scenario() -> None:
        sub_ws = await connected(member, sub_path(group, subgroup))
        group_ws = await connected(member, feed_path(group))
        await db(group_services.subgroup_leave)(actor=member, subgroup=subgroup)
        assert await sub_ws.receive_output(timeout=1) == CLOSED_FORBIDDEN
        assert await group_ws.receive_nothing(timeout=0.3)
        await group_ws.disconnect()

    run(scenario)


def test_logging_out_closes_the_sockets_of_that_browser(member: User, post: Post) -> None:
    from sammen.asgi import application

    browser = Client()
    browser.force_login(member)
    other_browser = Client()
    other_browser.force_login(member)

    def headers(client: Client) -> list[tuple[bytes, bytes]]:
        return [
            (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
            (b"origin", b"http://testserver"),
            (b"host", b"testserver"),
        ]

    async def scenario() -> None:
        ws = WebsocketCommunicator(application, post_path(post), headers=headers(browser))
        other = WebsocketCommunicator(application, post_path(post), headers=headers(other_browser))
        assert (await ws.connect())[0]
        assert (await other.connect())[0]
        await db(browser.logout)()
        assert await ws.receive_output(timeout=1) == CLOSED_FORBIDDEN
        assert await other.receive_nothing(timeout=0.3)
        await other.disconnect()

    run(scenario)


@pytest.mark.parametrize("last", [2**63, 10**30])
def test_resume_with_an_absurdly_large_id_does_not_crash(
    last: int, member: User, group: Group, post: Post
) -> None:
    async def scenario() -> None:
        ws = await connected(member, post_path(post))
        await ws.send_json_to({"type": "resume", "last_event_id": last})
        await ws.send_json_to({"type": "ping"})
        output = await ws.receive_output(timeout=3)
        if output["type"] == "websocket.close":
            assert output == CLOSED_BAD
            return
        # Nothing is newer than that: no replay, and the socket still answers.
        assert json.loads(output["text"]) == {"type": "pong"}
        await ws.disconnect()

    run(scenario)


def test_reaction_gives_the_reacting_member_their_own_buttons_live(
    member: User, group: Group, post: Post
) -> None:
    async def scenario() -> None:
        ws = await connected(member, post_path(post))
        await db(services.reaction_set)(actor=member, post=post, kind="love")
        message = await ws.receive_json_from(timeout=3)
        (op,) = message["ops"]
        assert op["target"] == f"#reactions-post-{post.pk}"
        assert 'aria-pressed="true"' in op["html"]
        assert "Elsker" in op["html"]
        assert "__SAMMEN_CSRF_TOKEN__" not in op["html"]
        assert 'name="csrfmiddlewaretoken"' in op["html"]
        await ws.disconnect()

    run(scenario)
