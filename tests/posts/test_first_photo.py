"""The first photo a page shows loads at once (issue 18): the first photo of
the first post on a feed page and on a post's own page is neither lazy nor
late (fetchpriority="high"); every other photo stays lazy. The cards are
cached per post and shared between pages, so the order is the page's to mark."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from groups.models import Group
from posts import services
from posts.templatetags.post_cards import first_photo_eager
from tests.posts.conftest import photo

pytestmark = pytest.mark.usefixtures("in_memory_channel_layer", "fresh_cache")


def _eager(tag: str) -> bool:
    return 'loading="lazy"' not in tag and 'fetchpriority="high"' in tag


def _lazy(tag: str) -> bool:
    return 'loading="lazy"' in tag and "fetchpriority" not in tag


def _photo_tags(html: str) -> list[str]:
    tags: list[str] = []
    for block in re.findall(r'<ul class="photos.*?</ul>', html, flags=re.S):
        tags += re.findall(r"<img [^>]*>", block)
    return tags


def test_the_first_photo_on_a_feed_page_and_a_post_page_loads_eagerly(
    client_for: Callable[[User | None], Client], group: Group, member: User, admin: User
) -> None:
    older = services.post_create(
        actor=admin, group=group, body="Ældre", photos=[photo(alt="a"), photo(alt="b")]
    )
    newest = services.post_create(
        actor=admin, group=group, body="Nyest", photos=[photo(alt="c"), photo(alt="d")]
    )
    reader = client_for(member)
    for _ in range(2):  # rendered, then from the card cache
        html = reader.get(reverse("group-detail", args=[group.slug])).content.decode()
        tags = _photo_tags(html)
        assert len(tags) == 4
        assert _eager(tags[0]), tags[0]
        assert all(_lazy(tag) for tag in tags[1:]), tags

    # On each post's own page its first photo is the first; the newest's card
    # (cached by the feed above with a lazy first photo) is made eager there too.
    for post in (newest, older):
        html = reader.get(post.get_absolute_url()).content.decode()
        tags = _photo_tags(html)
        assert len(tags) == 2
        assert _eager(tags[0]) and _lazy(tags[1]), tags

    # Pinned first: the pinned post's first photo is the page's first.
    services.post_set_pinned(actor=admin, post=older, pinned=True)
    html = reader.get(reverse("group-detail", args=[group.slug])).content.decode()
    tags = _photo_tags(html)
    assert 'alt="a"' in tags[0] and _eager(tags[0]), tags
    assert all(_lazy(tag) for tag in tags[1:]), tags


def test_a_card_without_photos_is_left_as_it_was() -> None:
    card = '<article><img src="/avatar.png" loading="lazy" alt=""></article>'
    assert first_photo_eager(card) == card
