"""With JavaScript off, the group's posts still work: every write is a plain form
post and the answer is an ordinary page. Read the feed, share a post with a photo
and alt text, comment, reply, react, edit and delete, all in Danish."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect

from posts import services
from posts.models import Comment, Post

from .conftest import login, off_the_loop


@pytest.fixture
def world(make_user: Any, make_group: Any, add_member: Any) -> dict[str, Any]:
    admin = make_user(display_name="Ingunn Sørensen", is_staff=True)
    group = make_group(admin=admin, name="Sammen hver for sig")
    member = add_member(group, make_user(display_name="Birthe Jensen"))

    def content() -> Post:
        post = services.post_create(
            actor=admin,
            group=group,
            body="Velkommen! Fortæl os om **en god ting** fra din uge.",
            theme="sammen",
        )
        services.comment_create(actor=admin, post=post, body="Jeg starter: solen skinnede i dag.")
        return post

    post = off_the_loop(content)
    return {"admin": admin, "group": group, "member": member, "post": post}


@pytest.fixture
def nojs_page(live_server: Any, new_context: Any, world: dict[str, Any]) -> Any:
    ctx = new_context(java_script_enabled=False)
    page = ctx.new_page()
    login(page, live_server.url, world["member"].email)
    return page


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "strikketoej.png"
    img = Image.new("RGB", (800, 600), (200, 120, 90))
    for x in range(0, 800, 40):
        for y in range(0, 600, 40):
            if (x + y) // 40 % 2:
                img.paste((240, 220, 170), (x, y, x + 40, y + 40))
    img.save(path, format="PNG")
    return path


def test_posts_work_without_javascript(
    live_server: Any, nojs_page: Any, world: dict[str, Any], photo: Path
) -> None:
    page = nojs_page
    group_url = live_server.url + world["group"].get_absolute_url()

    # Read the feed.
    page.goto(group_url)
    welcome = page.locator(f"#post-{world['post'].pk}")
    expect(welcome).to_contain_text("Velkommen! Fortæl os om en god ting fra din uge.")
    expect(welcome.locator("strong", has_text="en god ting")).to_be_visible()
    expect(welcome).to_contain_text("Sammen")  # the theme
    expect(welcome).to_contain_text("Jeg starter: solen skinnede i dag.")
    expect(welcome.get_by_role("link", name="1 kommentar")).to_be_visible()

    # Share a post with a photo and its description: without JavaScript the
    # group page's "Skriv et opslag …" is a link to the composer's own page.
    page.get_by_role("link", name="Skriv et opslag …").click()
    composer = page.get_by_role("region", name="Skriv et opslag")
    composer.get_by_label("Hvad vil du dele?").fill(
        "Se mit nye strikketøj! Mønsteret er fra *Strikkeklubben*."
    )
    composer.get_by_label("Aktiv").check()
    composer.get_by_label(re.compile(r"^Billeder")).set_input_files(photo)
    composer.get_by_label("Beskriv billederne med ord").fill("Et ternet strikketøj i rødt og gult")
    composer.get_by_role("button", name="Del opslaget").click()
    expect(page.locator(".messages")).to_contain_text("Dit opslag er delt.")
    mine = page.locator("#feed-posts > article").first
    expect(mine).to_contain_text("Se mit nye strikketøj! Mønsteret er fra Strikkeklubben.")
    expect(mine).to_contain_text("Birthe Jensen")
    expect(mine).to_contain_text("Aktiv")
    image = mine.get_by_role("img", name="Et ternet strikketøj i rødt og gult")
    expect(image).to_be_visible()
    src = image.get_attribute("src")
    assert src
    shown = page.request.get(live_server.url + src if src.startswith("/") else src)
    assert shown.status == 200 and shown.headers["content-type"].startswith("image/")
    post = Post.objects.get(body__startswith="Se mit nye strikketøj")
    assert post.images.count() == 1

    # Comment on it from the feed: without JavaScript "Skriv en kommentar" is a
    # link to the post page's form; the answer is the post page, at the comment.
    mine.get_by_role("link", name="Skriv en kommentar").click()
    expect(page).to_have_url(re.compile(rf"/posts/{post.pk}/#comment-form$"))
    page.get_by_label("Skriv en kommentar").fill("Garnet er fra genbrugsbutikken.")
    page.get_by_role("button", name="Send kommentar").click()
    comment = Comment.objects.get(body="Garnet er fra genbrugsbutikken.")
    expect(page).to_have_url(re.compile(rf"/posts/{post.pk}/\?alle=1#comment-{comment.pk}$"))
    expect(page.locator(f"#comment-{comment.pk}")).to_contain_text(
        "Garnet er fra genbrugsbutikken."
    )

    # Reply to the admin's comment on the welcome post via "Svar" on the feed.
    page.goto(group_url)
    welcome = page.locator(f"#post-{world['post'].pk}")
    welcome.get_by_role("link", name="Svar Ingunn Sørensen").click()
    expect(page).to_have_url(re.compile(rf"/posts/{world['post'].pk}/\?svar=\d+#reply-\d+$"))
    reply_box = page.locator("details.reply-box[open]")
    reply_box.get_by_label("Dit svar").fill("Her regnede det, men jeg fik læst en god bog.")
    reply_box.get_by_role("button", name="Send svar").click()
    first = Comment.objects.get(body="Jeg starter: solen skinnede i dag.")
    replies = page.locator(f"#replies-{first.pk}")
    expect(replies).to_contain_text("Her regnede det, men jeg fik læst en god bog.")
    expect(replies).to_contain_text("Birthe Jensen")

    # React to the welcome post, change the reaction, then take it back.
    page.goto(group_url)
    reactions = page.locator(f"#reactions-post-{world['post'].pk}")
    reactions.get_by_role("button", name="Synes godt om").click()
    expect(page).to_have_url(re.compile(rf"#post-{world['post'].pk}$"))
    reactions = page.locator(f"#reactions-post-{world['post'].pk}")
    expect(reactions.get_by_role("img", name="Synes godt om: 1")).to_be_visible()
    expect(reactions.get_by_role("button", name="Synes godt om").first).to_have_attribute(
        "aria-pressed", "true"
    )
    # Without JavaScript "Flere reaktioner" is a page of its own with every choice.
    reactions.get_by_role("link", name="Flere reaktioner").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vælg en reaktion")
    expect(page.get_by_role("button", name="Synes godt om")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.get_by_role("button", name="Knus").click()
    reactions = page.locator(f"#reactions-post-{world['post'].pk}")
    expect(reactions.get_by_role("img", name="Knus: 1")).to_be_visible()
    expect(reactions.get_by_role("img", name="Synes godt om: 1")).to_have_count(0)
    reactions.get_by_role("button", name="Knus", pressed=True).first.click()
    reactions = page.locator(f"#reactions-post-{world['post'].pk}")
    expect(reactions.locator(".reaction-count")).to_have_count(0)
    # And a reaction on a comment.
    admin_comment = page.locator(f"#comment-{first.pk}")
    admin_comment.locator(f"#reactions-comment-{first.pk}").get_by_role(
        "button", name="Synes godt om"
    ).click()
    expect(
        page.locator(f"#reactions-comment-{first.pk}").get_by_role("img", name="Synes godt om: 1")
    ).to_be_visible()

    # Edit the post.
    page.goto(live_server.url + post.get_absolute_url())
    page.get_by_role("article").get_by_role("link", name="Redigér").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Redigér opslag")
    page.get_by_label("Tekst").fill("Se mit nye strikketøj! Mønsteret er fra biblioteket.")
    page.get_by_role("button", name="Gem ændringer").click()
    expect(page.locator(".messages")).to_contain_text("Opslaget er gemt.")
    body = page.locator(f"#post-{post.pk}-body")
    expect(body).to_contain_text("Mønsteret er fra biblioteket.")
    expect(body).to_contain_text("redigeret")
    page.get_by_text("Se tidligere udgaver").click()
    expect(page.locator("details.revisions")).to_contain_text("Mønsteret er fra *Strikkeklubben*.")

    # Edit the comment.
    page.locator(f"#comment-{comment.pk}").get_by_role("link", name="Redigér").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Redigér kommentar")
    page.get_by_label("Skriv en kommentar").fill("Garnet er fra genbrugsbutikken i Vejle.")
    page.get_by_role("button", name="Gem ændringer").click()
    expect(page.locator(".messages")).to_contain_text("Kommentaren er gemt.")
    expect(page.locator(f"#comment-{comment.pk}")).to_contain_text(
        "Garnet er fra genbrugsbutikken i Vejle."
    )
    expect(page.locator(f"#comment-{comment.pk}")).to_contain_text("redigeret")

    # Delete the comment, then the post.
    page.locator(f"#comment-{comment.pk}").get_by_role("link", name="Slet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vil du slette kommentaren?")
    page.get_by_role("button", name="Ja, slet kommentaren").click()
    expect(page.locator(".messages")).to_contain_text("Kommentaren er slettet.")
    expect(page.locator(f"#comment-{comment.pk}")).to_have_count(0)
    expect(page.get_by_role("main")).not_to_contain_text("genbrugsbutikken")

    page.get_by_role("article").get_by_role("link", name="Slet").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vil du slette opslaget?")
    page.get_by_role("button", name="Ja, slet opslaget").click()
    expect(page.locator(".messages")).to_contain_text("Opslaget er slettet.")
    expect(page).to_have_url(group_url)
    expect(page.get_by_role("main")).not_to_contain_text("strikketøj")
    expect(page.locator(f"#post-{world['post'].pk}")).to_be_visible()


def test_no_script_runs(live_server: Any, nojs_page: Any, world: dict[str, Any]) -> None:
    """The context really has JavaScript off: htmx never loads, so the forms above
    were plain posts."""
    nojs_page.goto(live_server.url + world["group"].get_absolute_url())
    nojs_page.wait_for_load_state("load")
    # A script that would mark the page cannot run.
    nojs_page.set_content(
        "<p id='x'>før</p><script>document.getElementById('x').textContent='efter'</script>"
    )
    expect(nojs_page.locator("#x")).to_have_text("før")
