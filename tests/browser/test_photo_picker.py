"""The composer asks for photos in Danish (issue 18): Chromium's own file
button reads "Choose Files" in the browser's language. With JavaScript
(static/js/sammen-photos.js) a large "Vælg billeder" button and a Danish count
take its place; the native input stays in the tab order, only unseen. Without
JavaScript the native control is there and works."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from PIL import Image
from playwright.sync_api import expect

from .conftest import login
from .test_accessibility import (
    _assert_no_violations,
    world,  # noqa: F401  (the same small community)
)

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 740}


def _jpeg() -> dict[str, Any]:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buf, format="JPEG")
    return {"name": "kaffe.jpg", "mimeType": "image/jpeg", "buffer": buf.getvalue()}


def test_the_photo_button_is_danish_reachable_by_keyboard_and_posts_a_photo(
    live_server: Any,
    login_as: Any,
    world: dict[str, Any],  # noqa: F811
) -> None:
    group = world["group"]
    page = login_as(world["member"])
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + reverse("post-create", args=[group.slug]))
    button = page.locator("label.photo-button")
    status = page.locator(".photo-status")
    native = page.locator("input[type='file'][name='photos']")
    expect(button).to_have_text("Vælg billeder")
    expect(status).to_have_text("Ingen billeder valgt")
    box = button.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44, box
    # The native control (with its English "Choose Files") is out of sight ...
    native_box = native.bounding_box()
    assert native_box is not None and native_box["width"] <= 1, native_box
    # ... but a keyboard reaches it from the text field, and its focus shows on the button.
    page.get_by_label("Hvad vil du dele?").fill("Kaffe på torvet")
    page.get_by_label("Hvad vil du dele?").focus()
    for _ in range(12):
        page.keyboard.press("Tab")
        if native.evaluate("el => el === document.activeElement"):
            break
    expect(native).to_be_focused()
    assert button.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"
    _assert_no_violations(page)
    native.set_input_files(_jpeg())
    expect(status).to_have_text("1 billede valgt")
    page.get_by_label("Beskriv billederne med ord").fill("En kop kaffe på torvet")
    page.get_by_role("button", name="Del opslaget").click()
    expect(page.locator(".messages")).to_contain_text("Dit opslag er delt.")
    article = page.locator("article", has_text="Kaffe på torvet").first
    expect(article.get_by_role("img", name="En kop kaffe på torvet")).to_be_visible()


def test_the_count_says_how_many_photos(
    live_server: Any,
    login_as: Any,
    world: dict[str, Any],  # noqa: F811
) -> None:
    page = login_as(world["member"])
    page.goto(live_server.url + reverse("post-create", args=[world["group"].slug]))
    page.locator("input[type='file'][name='photos']").set_input_files([_jpeg(), _jpeg()])
    expect(page.locator(".photo-status")).to_have_text("2 billeder valgt")


def test_without_javascript_the_native_photo_control_stays(
    live_server: Any,
    browser: Any,
    world: dict[str, Any],  # noqa: F811
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale="da-DK")
    page = context.new_page()
    login(page, live_server.url, world["member"].email)
    page.goto(live_server.url + reverse("post-create", args=[world["group"].slug]))
    native = page.get_by_label("Billeder (valgfrit)", exact=True)
    expect(native).to_be_visible()
    expect(page.locator("label.photo-button")).to_have_count(0)
    native.set_input_files(_jpeg())
    page.get_by_label("Hvad vil du dele?").fill("Uden JavaScript, med billede")
    page.get_by_role("button", name="Del opslaget").click()
    expect(page.locator(".messages")).to_contain_text("Dit opslag er delt.")
    expect(page.locator("ul.photos img").first).to_be_visible()
    context.close()
