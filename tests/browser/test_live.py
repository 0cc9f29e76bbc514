"""Live updates in a real browser: two members in two browser contexts on a Daphne
server (HTTP and WebSockets). What one does appears on the other's page without a
reload, and the polite live region announces new items to screen-reader users."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect

from posts import services
from posts.models import Comment

from .conftest import off_the_loop

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(make_user: Any, make_group: Any, add_member: Any) -> dict[str, Any]:
    admin = make_user(display_name="Ingunn Sørensen", is_staff=True)
    group = make_group(admin=admin, name="Sammen hver for sig")
    anna = add_member(group, make_user(display_name="Anna Holm"))
    bent = add_member(group, make_user(display_name="Bent Lund"))

    def content() -> Any:
        services.post_create(actor=admin, group=group, body="Et ældre opslag om ingenting.")
        post = services.post_create(
            actor=admin, group=group, body="Hvad har I set på jeres gåtur i dag?", theme="aktiv"
        )
        # Bent already likes the post: Anna's like must change the count from 1 to 2.
        services.reaction_set(actor=bent, post=post, kind="like")
        return post

    post = off_the_loop(content)
    return {"admin": admin, "group": group, "anna": anna, "bent": bent, "post": post}


def open_live(page: Any, url: str) -> None:
    """Open a page and wait until its socket is open and has asked for what it
    missed (the server has joined the group's channel by then)."""
    sent: list[str] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(str(payload))))
    page.goto(url)
    deadline = time.monotonic() + 10
    while not any('"resume"' in frame for frame in sent):
        assert time.monotonic() < deadline, "the live socket did not connect"
        page.wait_for_timeout(50)
    # Marks this document: still there at the end means the page was never reloaded.
    page.evaluate("window.__sammenNoReload = true")


def assert_not_reloaded(page: Any) -> None:
    assert page.evaluate("window.__sammenNoReload === true"), "the page was reloaded"


def test_comments_reactions_edits_and_deletions_appear_live(
    asgi_server: Any, asgi_login_as: Any, world: dict[str, Any]
) -> None:
    group_url = asgi_server.url + world["group"].get_absolute_url()
    post = world["post"]
    anna = asgi_login_as(world["anna"])
    bent = asgi_login_as(world["bent"])
    open_live(anna, group_url)
    open_live(bent, group_url)

    bent_post = bent.locator(f"#post-{post.pk}")
    expect(bent_post).to_contain_text("Hvad har I set på jeres gåtur i dag?")
    expect(bent_post.locator(f"#post-{post.pk}-count")).to_have_text("0")

    # Anna comments on the post, from the feed: the page's one comment form opens under it.
    anna_post = anna.locator(f"#post-{post.pk}")
    anna_post.get_by_role("link", name="Skriv en kommentar").click()
    expect(anna_post.get_by_label("Skriv en kommentar")).to_be_focused()
    anna_post.get_by_label("Skriv en kommentar").fill("Jeg så en isfugl ved åen!")
    anna_post.get_by_role("button", name="Send kommentar").click()

    comments = bent.locator(f"#comments-{post.pk}")
    expect(comments).to_contain_text("Jeg så en isfugl ved åen!")
    expect(comments).to_contain_text("Anna Holm")
    expect(bent.locator("#live-announcer")).to_have_text("Ny kommentar fra Anna Holm")
    expect(bent.locator("#live-announcer")).to_have_attribute("aria-live", "polite")
    expect(bent_post.locator(f"#post-{post.pk}-count")).to_have_text("1")
    # Anna's form was emptied, and Bent gets his own controls, not Anna's.
    expect(anna_post.get_by_label("Skriv en kommentar")).to_have_value("")
    comment = Comment.objects.get(body="Jeg så en isfugl ved åen!")
    bent_comment = bent.locator(f"#comment-{comment.pk}")
    expect(bent_comment.get_by_role("link", name="Redigér")).to_have_count(0)
    expect(bent_comment.get_by_role("link", name="Svar")).to_be_visible()

    # Anna likes the post: Bent sees the count go from 1 to 2.
    bent_likes = bent.locator(f"#reactions-post-{post.pk} .reaction-summary")
    expect(bent_likes.get_by_role("img", name="Synes godt om: 1")).to_be_visible()
    anna.locator(f"#reactions-post-{post.pk}").get_by_role("button", name="Synes godt om").click()
    expect(bent_likes.get_by_role("img", name="Synes godt om: 2")).to_be_visible()
    expect(
        anna.locator(f"#reactions-post-{post.pk}").get_by_role("button", name="Synes godt om")
    ).to_have_attribute("aria-pressed", "true")

    # Anna edits her comment on the edit page: Bent sees the new words.
    anna.locator(f"#comment-{comment.pk}").get_by_role("link", name="Redigér").click()
    expect(anna.get_by_role("heading", level=1)).to_have_text("Redigér kommentar")
    anna.get_by_label("Skriv en kommentar").fill("Jeg så TO isfugle ved åen!")
    anna.get_by_role("button", name="Gem ændringer").click()
    expect(anna.get_by_text("Kommentaren er gemt.")).to_be_visible()
    expect(bent_comment).to_contain_text("Jeg så TO isfugle ved åen!")
    expect(bent_comment).to_contain_text("redigeret")
    expect(bent_comment).not_to_contain_text("Jeg så en isfugl")

    # Anna deletes it: it disappears from Bent's page.
    anna.locator(f"#comment-{comment.pk}").get_by_role("link", name="Slet").click()
    anna.get_by_role("button", name="Ja, slet kommentaren").click()
    expect(anna.get_by_text("Kommentaren er slettet.")).to_be_visible()
    expect(bent.locator(f"#comment-{comment.pk}")).to_have_count(0)
    expect(comments).not_to_contain_text("isfugle")
    expect(bent_post.locator(f"#post-{post.pk}-count")).to_have_text("0")

    assert_not_reloaded(bent)


def test_a_new_post_appears_at_the_top_of_the_feed_live(
    asgi_server: Any, asgi_login_as: Any, world: dict[str, Any]
) -> None:
    group_url = asgi_server.url + world["group"].get_absolute_url()
    anna = asgi_login_as(world["anna"])
    bent = asgi_login_as(world["bent"])
    open_live(anna, group_url)
    open_live(bent, group_url)
    first = bent.locator("#feed-posts > article").first
    expect(first).to_contain_text("Hvad har I set på jeres gåtur i dag?")

    anna.get_by_label("Hvad vil du dele?").fill(
        "Kagebord i fælleshuset på torsdag. Alle er velkomne."
    )
    anna.get_by_role("button", name="Del opslaget").click()
    expect(anna.get_by_text("Dit opslag er delt.")).to_be_visible()

    expect(first).to_contain_text("Kagebord i fælleshuset på torsdag.")
    expect(first).to_contain_text("Anna Holm")
    expect(bent.locator("#feed-posts > article")).to_have_count(3)
    expect(bent.locator("#feed-posts > article").nth(1)).to_contain_text("Hvad har I set")
    expect(bent.locator("#live-announcer")).to_have_text("Nyt opslag fra Anna Holm")
    # Rendered for Bent: he may comment and react, but not edit or delete Anna's post.
    expect(first.get_by_role("link", name="Skriv en kommentar")).to_be_visible()
    expect(first.get_by_role("button", name="Synes godt om")).to_be_visible()
    expect(first.get_by_role("link", name="Redigér")).to_have_count(0)
    expect(first.get_by_role("link", name="Slet")).to_have_count(0)

    # And Bent can answer on the new post straight away, live back to Anna.
    first.get_by_role("link", name="Skriv en kommentar").click()
    first.get_by_label("Skriv en kommentar").fill("Jeg tager boller med.")
    first.get_by_role("button", name="Send kommentar").click()
    expect(anna.locator("#feed-posts > article").first).to_contain_text("Jeg tager boller med.")
    expect(anna.locator("#live-announcer")).to_have_text("Ny kommentar fra Bent Lund")

    assert_not_reloaded(bent)
