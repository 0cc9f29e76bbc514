"""Limits on the writes a member can repeat (sammen/ratelimit.py): each one holds
with a Danish message, keeps what the person wrote, and stores nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from groups.models import Group, Membership
from posts.models import Comment, Post, PostImage, Reaction
from posts.services import comment_create, post_create
from tests.conftest import make_group
from tests.posts.conftest import files_under, image_bytes, upload

pytestmark = pytest.mark.django_db

ROOMY = {"user": "1000/h", "ip": "1000/h"}


@pytest.fixture
def limits(settings: Any) -> Any:
    """`limits(action, user=..., ip=...)`: tight limits for one action, roomy for the rest."""

    def set_limit(action: str, *, user: str = "1000/h", ip: str = "1000/h") -> None:
        settings.SAMMEN_RATE_LIMITS = {
            **{name: ROOMY for name in django_settings.SAMMEN_RATE_LIMITS},
            action: {"user": user, "ip": ip},
        }

    return set_limit


def _text(response: Any) -> str:
    return response.content.decode()


def _comment_url(group: Group, post: Post) -> str:
    return reverse("comment-create", kwargs={"group_slug": group.slug, "post_id": post.pk})


def test_a_comment_over_the_limit_is_refused_in_danish_and_keeps_the_text(
    limits: Any, client_for: Any, member: User, group: Group
) -> None:
    limits("comment", user="2/h")
    post = post_create(actor=member, group=group, body="Hvad strikker I?")
    client = client_for(member)
    for n in range(2):
        assert client.post(_comment_url(group, post), {"body": f"Sokker {n}"}).status_code == 302

    response = client.post(_comment_url(group, post), {"body": "Min tredje kommentar"})

    assert response.status_code == 429
    body = _text(response)
    assert "Din kommentar blev ikke sendt" in body
    assert "Du har skrevet mange kommentarer på kort tid." in body
    # How long depends on where the limit's hour stands: "Vent et minut" near its end.
    assert re.search(r"Vent (et minut|\d+ minutter), og prøv så igen\.", body)
    assert "Min tredje kommentar" in body  # what they wrote is still in the form
    assert Comment.objects.count() == 2


def test_a_reply_over_the_limit_keeps_its_text_and_what_it_answers(
    limits: Any, client_for: Any, member: User, staff: User, group: Group
) -> None:
    limits("comment", user="1/h")
    post = post_create(actor=member, group=group, body="Hvad strikker I?")
    parent = comment_create(actor=staff, post=post, body="Sokker!")
    client = client_for(member)
    client.post(_comment_url(group, post), {"body": "Første"})

    response = client.post(
        _comment_url(group, post), {"body": "Hvilket garn?", "parent": str(parent.pk)}
    )

    assert response.status_code == 429
    body = _text(response)
    assert "Dit svar blev ikke sendt" in body
    assert "Hvilket garn?" in body
    assert f'name="parent" value="{parent.pk}"' in body
    assert Comment.objects.filter(parent=parent).count() == 0


def test_a_comment_over_the_limit_with_htmx_gets_the_message_as_text(
    limits: Any, client_for: Any, member: User, group: Group
) -> None:
    limits("comment", user="1/h")
    post = post_create(actor=member, group=group, body="Hej")
    client = client_for(member)
    client.post(_comment_url(group, post), {"body": "En"}, HTTP_HX_REQUEST="true")

    response = client.post(_comment_url(group, post), {"body": "To"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 429
    assert _text(response).startswith("Du har skrevet mange kommentarer på kort tid.")
    assert Comment.objects.count() == 1


def test_a_post_over_the_limit_is_refused_on_the_group_page_with_the_text_kept(
    limits: Any, client_for: Any, member: User, group: Group
) -> None:
    limits("post", user="1/h")
    client = client_for(member)
    url = reverse("post-create", kwargs={"group_slug": group.slug})
    assert client.post(url, {"body": "Første opslag"}).status_code == 302

    response = client.post(url, {"body": "Mit andet opslag om haven"})

    assert response.status_code == 429
    body = _text(response)
    assert "Du har delt mange opslag på kort tid." in body
    assert "Mit andet opslag om haven" in body
    assert Post.objects.count() == 1


def test_photos_over_the_upload_limit_store_neither_post_nor_file(
    limits: Any, client_for: Any, member: User, group: Group
) -> None:
    limits("upload", user="2/h")
    response = client_for(member).post(
        reverse("post-create", kwargs={"group_slug": group.slug}),
        {"body": "Tre billeder", "photos": [upload(image_bytes(), f"{i}.jpg") for i in range(3)]},
    )

    assert response.status_code == 429
    assert "Du har lagt mange billeder op på kort tid." in _text(response)
    assert "Tre billeder" in _text(response)
    assert not Post.objects.exists()
    assert not PostImage.objects.exists()
    assert files_under(django_settings.PRIVATE_MEDIA_ROOT) == []


def test_reactions_over_the_limit_are_refused(
    limits: Any, client_for: Any, member: User, group: Group
) -> None:
    limits("reaction", user="2/h")
    post = post_create(actor=member, group=group, body="Hej")
    url = reverse("post-react", kwargs={"group_slug": group.slug, "post_id": post.pk})
    client = client_for(member)
    for kind in ("like", "love"):
        assert client.post(url, {"kind": kind}, HTTP_HX_REQUEST="true").status_code == 204

    response = client.post(url, {"kind": "haha"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 429
    assert "Du har reageret mange gange på kort tid." in _text(response)
    assert Reaction.objects.get().kind == "love"


def test_join_requests_over_the_limit_keep_the_answers(
    limits: Any, client_for: Any, outsider: User, group: Group, admin: User
) -> None:
    limits("join", user="1/h")
    other = make_group("Naboerne", slug="naboerne", admin=admin, questions=["Hvorfor?"])
    client = client_for(outsider)
    first = client.post(
        reverse("group-join", args=[other.slug]), {"answer_0": "Naboskab", "accept_rules": "on"}
    )
    assert first.status_code == 302

    response = client.post(
        reverse("group-join", args=[group.slug]),
        {"answer_0": "Jeg vil gerne møde folk.", "answer_1": "Avisen", "accept_rules": "on"},
    )

    assert response.status_code == 429
    assert "Du har sendt mange anmodninger på kort tid." in _text(response)
    assert "Jeg vil gerne møde folk." in _text(response)
    assert not Membership.objects.filter(user=outsider, group=group).exists()


def test_the_address_limit_counts_everyone_behind_one_address(
    limits: Any, client_for: Any, member: User, staff: User, group: Group
) -> None:
    limits("comment", user="100/h", ip="2/h")
    post = post_create(actor=member, group=group, body="Hej")
    assert client_for(member).post(_comment_url(group, post), {"body": "1"}).status_code == 302
    assert client_for(staff).post(_comment_url(group, post), {"body": "2"}).status_code == 302

    same_address = client_for(member).post(_comment_url(group, post), {"body": "3"})
    elsewhere = client_for(member).post(
        _comment_url(group, post), {"body": "4"}, REMOTE_ADDR="192.0.2.7"
    )

    assert same_address.status_code == 429
    assert elsewhere.status_code == 302
    assert sorted(Comment.objects.values_list("body", flat=True)) == ["1", "2", "4"]


def test_behind_a_proxy_the_address_comes_from_the_configured_header(
    settings: Any, limits: Any, client_for: Any, member: User, group: Group
) -> None:
    settings.RATELIMIT_IP_META_KEY = "HTTP_X_REAL_IP"
    limits("comment", user="100/h", ip="1/h")
    post = post_create(actor=member, group=group, body="Hej")
    client: Client = client_for(member)

    first = client.post(_comment_url(group, post), {"body": "a"}, HTTP_X_REAL_IP="198.51.100.1")
    other = client.post(_comment_url(group, post), {"body": "b"}, HTTP_X_REAL_IP="198.51.100.2")
    again = client.post(_comment_url(group, post), {"body": "c"}, HTTP_X_REAL_IP="198.51.100.1")

    assert (first.status_code, other.status_code, again.status_code) == (302, 302, 429)


def test_a_cache_that_does_not_answer_lifts_the_limit_instead_of_failing_the_write(
    settings: Any, limits: Any, client_for: Any, member: User, group: Group
) -> None:
    # A real Redis client against a port where nothing listens: Redis is down.
    settings.CACHES = {
        **settings.CACHES,
        "down": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5},
        },
    }
    settings.RATELIMIT_USE_CACHE = "down"
    limits("comment", user="1/h")
    post = post_create(actor=member, group=group, body="Hej")
    client = client_for(member)

    statuses = [client.post(_comment_url(group, post), {"body": b}).status_code for b in "ab"]

    assert statuses == [302, 302]
    assert Comment.objects.count() == 2


def test_default_limits_stop_a_scanner_but_not_a_lively_member(
    client_for: Any, member: User, group: Group
) -> None:
    """With the shipped settings: 30 comments in a few minutes pass, the 31st is
    refused (the audit's scanner sent 1,553 in five minutes)."""
    post = post_create(actor=member, group=group, body="Hej")
    client = client_for(member)
    # The counters live in fixed windows: on a slow machine 31 requests could
    # straddle a window's end and start counting again (a CI run did). The
    # clock stands still: all 31 are in one window, as a scanner's would be.
    with time_machine.travel(timezone.now(), tick=False):
        statuses = [
            client.post(
                _comment_url(group, post), {"body": f"k{n}"}, HTTP_HX_REQUEST="true"
            ).status_code
            for n in range(31)
        ]
    assert statuses == [204] * 30 + [429]
