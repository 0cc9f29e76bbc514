"""The feed, the post page and every posts URL through the Django test Client:
query counts, keyset pagination, theme filter, the post form with photos,
and who may reach what."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from groups.models import Group, SubGroup
from posts import services
from posts.models import Comment, ContentState, Post, PostImage, Reaction
from tests.conftest import LOGIN, assert_answer, make_membership, make_user
from tests.posts.conftest import (
    COMMENT_TEXT,
    POST_TEXT,
    files_under,
    image_bytes,
    photo,
    upload,
)

pytestmark = pytest.mark.usefixtures("in_memory_channel_layer")

POST_ID = re.compile(r'<article class="post[^"]*" id="post-(\d+)"')
OLDER = re.compile(r'<a class="button secondary" href="([^"]*)">Vis ældre opslag</a>')


def post_ids(response: Any) -> list[int]:
    assert response.status_code == 200
    return [int(pk) for pk in POST_ID.findall(response.content.decode())]


def older_link(response: Any) -> str | None:
    match = OLDER.search(response.content.decode())
    return html.unescape(match.group(1)) if match else None


def feed_url(group: Group) -> str:
    return reverse("group-detail", kwargs={"group_slug": group.slug})


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# --- query counts ---------------------------------------------------------------------------


def _busy_post(author: User, others: list[User], group: Group, n: int) -> Post:
    """A post with a photo, two comments (one a reply), reactions on both."""
    post = services.post_create(
        actor=author, group=group, body=f"Opslag nummer {n}", photos=[photo()]
    )
    top = services.comment_create(actor=others[0], post=post, body=f"Kommentar {n}")
    reply = services.comment_create(actor=others[1], post=post, body="Svar", parent_id=top.pk)
    services.reaction_set(actor=others[0], post=post, kind="love")
    services.reaction_set(actor=others[1], post=post, kind="hug")
    services.reaction_set(actor=author, post=post, comment=top, kind="like")
    services.reaction_set(actor=others[0], post=post, comment=reply, kind="haha")
    return post


@pytest.fixture
def commenters(group: Group) -> list[User]:
    people = [make_user(display_name=name) for name in ("Bent Bager", "Lis Løber")]
    for person in people:
        make_membership(person, group)
    return people


def test_feed_query_count_is_the_same_for_1_and_50_posts(
    client_for: Callable[[User | None], Client],
    member: User,
    author: User,
    commenters: list[User],
    group: Group,
) -> None:
    client = client_for(member)
    url = feed_url(group)
    client.get(url)  # warm caches (session, content types)
    _busy_post(author, commenters, group, 0)
    one = count_queries(client, url)
    for n in range(1, 50):
        _busy_post(author, commenters, group, n)
    fifty = count_queries(client, url)
    assert len(post_ids(client.get(url))) == 20
    assert one == fifty, f"{one} queries for 1 post, {fifty} for 50"


def test_feed_query_count_is_the_same_with_pinned_posts_and_on_page_2(
    client_for: Callable[[User | None], Client],
    member: User,
    author: User,
    admin: User,
    commenters: list[User],
    group: Group,
) -> None:
    client = client_for(member)
    url = feed_url(group)
    client.get(url)
    for n in range(25):
        _busy_post(author, commenters, group, n)
    first = count_queries(client, url)
    page_2 = older_link(client.get(url))
    assert page_2
    second = count_queries(client, url + page_2)
    oldest = list(Post.objects.order_by("id")[:3])
    services.post_set_pinned(actor=admin, post=oldest[0], pinned=True)
    one_pinned = count_queries(client, url)
    for post in oldest[1:]:
        services.post_set_pinned(actor=admin, post=post, pinned=True)
    three_pinned = count_queries(client, url)
    # Pinned posts cost their own (constant) queries on page 1 only.
    assert one_pinned == three_pinned
    assert second <= first <= one_pinned


def test_post_page_query_count_is_the_same_for_1_and_50_comments(
    client_for: Callable[[User | None], Client],
    member: User,
    author: User,
    commenters: list[User],
    group: Group,
) -> None:
    client = client_for(member)
    post = _busy_post(author, commenters, group, 0)
    url = post.get_absolute_url()
    client.get(url)
    one = count_queries(client, url)
    for n in range(49):
        top = services.comment_create(actor=commenters[n % 2], post=post, body=f"Mere {n}")
        services.comment_create(actor=author, post=post, body=f"Svar {n}", parent_id=top.pk)
        services.reaction_set(actor=member, post=post, comment=top, kind="wow")
    services.reaction_set(actor=member, post=post, kind="sad")
    fifty = count_queries(client, url)
    assert one == fifty, f"{one} queries for 1 comment thread, {fifty} for 50"


def test_feed_query_count_is_the_same_for_1_and_50_posts_for_a_moderator(
    client_for: Callable[[User | None], Client],
    moderator: User,
    author: User,
    commenters: list[User],
    group: Group,
) -> None:
    """Moderators see held items and more controls: still no query per post."""
    client = client_for(moderator)
    url = feed_url(group)
    client.get(url)
    _busy_post(author, commenters, group, 0)
    one = count_queries(client, url)
    for n in range(1, 50):
        _busy_post(author, commenters, group, n)
    services.post_create(actor=author, group=group, body="Afventer", state=ContentState.PENDING)
    fifty = count_queries(client, url)
    assert one == fifty


# --- keyset pagination -----------------------------------------------------------------------


def _posts_at(author: User, group: Group, stamps: list[Any]) -> list[Post]:
    return [
        services.post_create(actor=author, group=group, body=f"Opslag {i}", created_at=when)
        for i, when in enumerate(stamps)
    ]


def test_new_posts_do_not_make_page_2_skip_or_repeat(
    client_for: Callable[[User | None], Client], member: User, author: User, group: Group
) -> None:
    start = timezone.now() - timedelta(hours=2)
    posts = _posts_at(author, group, [start + timedelta(minutes=i) for i in range(25)])
    newest_first = [p.pk for p in reversed(posts)]
    client = client_for(member)

    page_1 = client.get(feed_url(group))
    assert post_ids(page_1) == newest_first[:20]
    link = older_link(page_1)
    assert link is not None

    _posts_at(author, group, [timezone.now() + timedelta(seconds=i) for i in range(5)])

    page_2 = client.get(feed_url(group) + link)
    assert post_ids(page_2) == newest_first[20:]  # exactly the 5 oldest
    assert older_link(page_2) is None


def test_pagination_is_exact_when_posts_share_a_timestamp(
    client_for: Callable[[User | None], Client], member: User, author: User, group: Group
) -> None:
    same = timezone.now() - timedelta(hours=1)
    posts = _posts_at(author, group, [same] * 25)
    client = client_for(member)
    page_1 = client.get(feed_url(group))
    first = post_ids(page_1)
    link = older_link(page_1)
    assert link
    _posts_at(author, group, [same] * 3)  # even new posts with the very same time
    second = post_ids(client.get(feed_url(group) + link))
    assert len(first) == 20
    assert not set(first) & set(second)
    assert set(first) | set(second) == {p.pk for p in posts}


def test_pinned_post_is_first_on_page_1_and_not_repeated(
    client_for: Callable[[User | None], Client],
    member: User,
    author: User,
    admin: User,
    group: Group,
) -> None:
    start = timezone.now() - timedelta(hours=2)
    posts = _posts_at(author, group, [start + timedelta(minutes=i) for i in range(25)])
    services.post_set_pinned(actor=admin, post=posts[0], pinned=True)
    client = client_for(member)
    page_1 = client.get(feed_url(group))
    first = post_ids(page_1)
    assert first[0] == posts[0].pk
    second = post_ids(client.get(feed_url(group) + (older_link(page_1) or "")))
    seen = first + second
    assert len(seen) == len(set(seen)) == 25


@pytest.mark.parametrize("cursor", ["nonsense", "2024-13-45T99:00:00_1", "_", "x_y", "%00"])
def test_garbage_cursor_shows_the_first_page(
    cursor: str,
    client_for: Callable[[User | None], Client],
    member: User,
    post: Post,
    group: Group,
) -> None:
    response = client_for(member).get(feed_url(group), {"før": cursor})
    assert post.pk in post_ids(response)


# --- theme filter ---------------------------------------------------------------------------


def test_theme_filter_shows_only_that_theme(
    client_for: Callable[[User | None], Client], member: User, author: User, group: Group
) -> None:
    aktiv = services.post_create(actor=author, group=group, body="Gåtur", theme="aktiv")
    sammen = services.post_create(actor=author, group=group, body="Kaffe", theme="sammen")
    plain = services.post_create(actor=author, group=group, body="Ingen")
    client = client_for(member)
    assert post_ids(client.get(feed_url(group), {"tema": "aktiv"})) == [aktiv.pk]
    assert post_ids(client.get(feed_url(group), {"tema": "sammen"})) == [sammen.pk]
    assert post_ids(client.get(feed_url(group), {"tema": "meningsfuld"})) == []
    everything = [plain.pk, sammen.pk, aktiv.pk]
    assert post_ids(client.get(feed_url(group))) == everything
    assert post_ids(client.get(feed_url(group), {"tema": "<script>"})) == everything


def test_theme_filter_is_kept_on_the_older_link(
    client_for: Callable[[User | None], Client], member: User, author: User, group: Group
) -> None:
    start = timezone.now() - timedelta(hours=2)
    for i in range(45):
        services.post_create(
            actor=author,
            group=group,
            body=f"{i}",
            theme="aktiv" if i % 2 else "sammen",
            created_at=start + timedelta(minutes=i),
        )
    for i in range(20):
        services.post_create(actor=author, group=group, body=f"uden {i}")
    client = client_for(member)
    page_1 = client.get(feed_url(group), {"tema": "sammen"})
    link = older_link(page_1)
    assert link and "tema=sammen" in link
    ids = post_ids(page_1) + post_ids(client.get(feed_url(group) + link))
    assert set(ids) == set(Post.objects.filter(theme="sammen").values_list("pk", flat=True))
    assert len(ids) == len(set(ids)) == 23


# --- the post form ----------------------------------------------------------------------------


def test_post_form_with_photos_stores_post_and_images(
    client_for: Callable[[User | None], Client], member: User, group: Group
) -> None:
    response = client_for(member).post(
        reverse("post-create", kwargs={"group_slug": group.slug}),
        {
            "body": "Mine nye *sokker*",
            "theme": "meningsfuld",
            "photos": [
                upload(image_bytes("JPEG", size=(800, 600)), "sok1.jpg"),
                upload(image_bytes("PNG"), "sok2.png", "image/png"),
            ],
            "alt_texts": "Røde sokker\nBlå sokker",
        },
    )
    assert response.status_code == 302
    post = Post.objects.get()
    assert (post.author, post.body, post.theme) == (member, "Mine nye *sokker*", "meningsfuld")
    assert list(post.images.values_list("alt_text", flat=True)) == ["Røde sokker", "Blå sokker"]
    assert len(files_under(django_settings.PRIVATE_MEDIA_ROOT)) == 4  # display + thumbnail each
    assert files_under(django_settings.MEDIA_ROOT) == []  # nothing where /media/ reaches
    page = client_for(member).get(feed_url(group)).content.decode()
    for image in post.images.all():
        assert reverse("post-photo", args=[group.slug, image.pk, "thumb"]) in page
    assert 'alt="Røde sokker"' in page


@pytest.mark.parametrize(
    ("data", "name", "error"),
    [
        (b"Bare tekst\n" * 30, "kat.jpg", "Filen er ikke et billede"),
        (None, "halv.jpg", "beskadiget eller ufuldstændigt"),
        (None, "bombe.png", "for mange pixels"),
    ],
)
def test_bad_photo_shows_a_danish_error_and_stores_nothing(
    data: bytes | None,
    name: str,
    error: str,
    client_for: Callable[[User | None], Client],
    member: User,
    group: Group,
) -> None:
    from tests.posts.conftest import png_with_size

    if name == "halv.jpg":
        whole = image_bytes("JPEG", size=(300, 200), noise=True, quality=95)
        data = whole[: len(whole) // 2]
    elif name == "bombe.png":
        data = png_with_size(50_000, 50_000)
    assert data is not None
    response = client_for(member).post(
        reverse("post-create", kwargs={"group_slug": group.slug}),
        {
            "body": "Mit fine strikketøj",
            "photos": [upload(image_bytes(), "god.jpg"), upload(data, name)],
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert error in page
    assert name in page
    assert "Mit fine strikketøj" in page  # what they wrote is kept
    assert not Post.objects.exists()
    assert not PostImage.objects.exists()
    assert files_under(django_settings.PRIVATE_MEDIA_ROOT) == []


def test_too_many_photos_through_the_form_is_refused_in_danish(
    client_for: Callable[[User | None], Client], member: User, group: Group
) -> None:
    response = client_for(member).post(
        reverse("post-create", kwargs={"group_slug": group.slug}),
        {"body": "Elleve", "photos": [upload(image_bytes(), f"{i}.jpg") for i in range(11)]},
    )
    assert response.status_code == 400
    assert "Du kan højst vedhæfte 10 billeder" in response.content.decode()
    assert not Post.objects.exists()
    assert files_under(django_settings.PRIVATE_MEDIA_ROOT) == []


@pytest.mark.parametrize(
    ("body", "error"),
    [("", "Skriv noget, før du deler opslaget."), ("x" * 10_001, "10000")],
)
def test_empty_or_too_long_body_through_the_form_is_refused(
    body: str, error: str, client_for: Callable[[User | None], Client], member: User, group: Group
) -> None:
    response = client_for(member).post(
        reverse("post-create", kwargs={"group_slug": group.slug}), {"body": body}
    )
    assert response.status_code == 400
    assert error in response.content.decode().replace("\xa0", "").replace("10.000", "10000")
    assert not Post.objects.exists()


def test_muted_member_gets_a_danish_error_from_the_form(
    client_for: Callable[[User | None], Client], member: User, group: Group
) -> None:
    from groups.models import Membership

    Membership.objects.filter(user=member, group=group).update(
        muted_until=timezone.now() + timedelta(days=1)
    )
    response = client_for(member).post(
        reverse("post-create", kwargs={"group_slug": group.slug}), {"body": "Hej"}
    )
    assert response.status_code in (400, 403)
    assert not Post.objects.exists()


def test_comment_and_reaction_through_the_views(
    client_for: Callable[[User | None], Client], member: User, post: Post, group: Group
) -> None:
    client = client_for(member)
    response = client.post(
        reverse("comment-create", kwargs={"group_slug": group.slug, "post_id": post.pk}),
        {"body": "Smukt!"},
    )
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#comment-{comment.pk}")
    client.post(
        reverse("post-react", kwargs={"group_slug": group.slug, "post_id": post.pk}),
        {"kind": "love"},
    )
    client.post(
        reverse("comment-react", kwargs={"group_slug": group.slug, "comment_id": comment.pk}),
        {"kind": "hug", "next": "//evil.example/"},
    )
    assert Reaction.objects.count() == 2
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Smukt!" in page


def test_reaction_view_on_a_post_of_another_group_is_404(
    client_for: Callable[[User | None], Client], member: User, group: Group
) -> None:
    from tests.conftest import make_group

    other_admin = make_user()
    other = make_group(admin=other_admin)
    foreign = services.post_create(actor=other_admin, group=other, body="Andet sted")
    response = client_for(member).post(
        reverse("post-react", kwargs={"group_slug": group.slug, "post_id": foreign.pk}),
        {"kind": "like"},
    )
    assert response.status_code == 404
    assert not Reaction.objects.exists()


def test_react_redirect_never_leaves_the_site(
    client_for: Callable[[User | None], Client], member: User, post: Post, group: Group
) -> None:
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = client_for(member).post(
            reverse("post-react", kwargs={"group_slug": group.slug, "post_id": post.pk}),
            {"kind": "like", "next": target},
        )
        assert response.status_code == 302
        location = response["Location"]
        assert location.startswith("/") and not location.startswith(("//", "/\\")), location


# --- authorization matrix -------------------------------------------------------------------------

ROLES = [
    "anonymous",
    "outsider",
    "pending",
    "banned",
    "member",
    "author",
    "moderator",
    "staff",
    "admin",
]
NON_MEMBERS = {"anonymous", "outsider", "pending", "banned"}

# url name -> (method, data, {role: status}); roles not listed take the "member" status.
MATRIX: dict[str, tuple[str, dict[str, str], dict[str, int]]] = {
    "group-detail": ("get", {}, {"member": 200}),
    "post-detail": ("get", {}, {"member": 200}),
    "post-edit": ("get", {}, {"member": 403, "author": 200}),
    "post-delete": ("get", {}, {"member": 403, "author": 200, "moderator": 200, "admin": 200}),
    "post-pin": ("post", {"pinned": "1"}, {"member": 403, "staff": 302, "admin": 302}),
    "post-react": ("post", {"kind": "like"}, {"member": 302}),
    "post-reactions": ("get", {}, {"member": 200}),
    "comment-create": ("post", {"body": "Endnu en kommentar"}, {"member": 302}),
    "comment-edit": ("get", {}, {"member": 403, "author": 200}),
    "comment-delete": ("get", {}, {"member": 403, "author": 200, "moderator": 200, "admin": 200}),
    "comment-react": ("post", {"kind": "hug"}, {"member": 302}),
    "mention-search": ("get", {"q": "Kir"}, {"member": 200}),
    "post-create": ("post", {"body": "Et nyt opslag"}, {"member": 302}),
    "post-photo": ("get", {}, {"member": 200}),
}


def expected_status(url_name: str, role: str) -> int:
    if url_name == "group-detail" and role in NON_MEMBERS:
        return 200  # the closed group's public face, without its content
    if role == "anonymous":
        return 302  # to the login page
    if role in NON_MEMBERS:
        return 404  # non-members do not learn what is inside
    statuses = MATRIX[url_name][2]
    return statuses.get(role, statuses["member"])


@pytest.fixture
def comment(author: User, post: Post) -> Comment:
    return services.comment_create(actor=author, post=post, body=COMMENT_TEXT)


def url_for(url_name: str, group: Group, post: Post, comment: Comment) -> str:
    kwargs: dict[str, Any] = {"group_slug": group.slug}
    if url_name == "post-photo":
        return reverse(url_name, kwargs={**kwargs, "image_id": _photo_on(post).pk, "size": "thumb"})
    if url_name.startswith("post-") and url_name not in ("post-create",):
        kwargs["post_id"] = post.pk
    if url_name == "comment-create":
        kwargs["post_id"] = post.pk
    elif url_name.startswith("comment-"):
        kwargs["comment_id"] = comment.pk
    return reverse(url_name, kwargs=kwargs)


def _photo_on(post: Post) -> PostImage:
    """A photo on the matrix's post (stored as the posts service stores one)."""
    image = post.images.first()
    if image is None:
        image = PostImage(post=post, alt_text="Et billede", width=64, height=48)
        image.image.save("a.jpg", ContentFile(image_bytes()), save=False)
        image.thumbnail.save("a-thumb.jpg", ContentFile(image_bytes()), save=False)
        image.width, image.height = 64, 48
        image.save()
    return image


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url_name", list(MATRIX))
def test_authorization_matrix(
    url_name: str,
    role: str,
    request: pytest.FixtureRequest,
    client_for: Callable[[User | None], Client],
    group: Group,
    post: Post,
    comment: Comment,
    everyone: dict[str, User | None],
    author: User,
) -> None:
    user = author if role == "author" else everyone[role]
    method, data, _ = MATRIX[url_name]
    url = url_for(url_name, group, post, comment)
    response = getattr(client_for(user), method)(url, data)
    expected = expected_status(url_name, role)
    if role == "anonymous" and expected == 302:
        expected = LOGIN
    assert_answer(response, expected, f"{role} {method} {url}")
    if response.streaming:  # the photo, for those who may see the post
        assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
        return
    body = response.content.decode()
    if role in NON_MEMBERS:
        assert POST_TEXT not in body
        assert COMMENT_TEXT not in body
        assert "Kirsten Skribentsen" not in body
        assert "Kirsten" not in body
    elif url_name in ("group-detail", "post-detail"):
        assert POST_TEXT in body and COMMENT_TEXT in body


def test_non_members_change_nothing_through_any_url(
    client_for: Callable[[User | None], Client],
    group: Group,
    post: Post,
    comment: Comment,
    outsider: User,
    banned: User,
    pending: User,
) -> None:
    for user in (None, outsider, banned, pending):
        client = client_for(user)
        for url_name, (_method, data, _) in MATRIX.items():
            client.post(url_for(url_name, group, post, comment), data)
    assert Post.objects.count() == 1
    assert Comment.objects.count() == 1
    assert not Reaction.objects.exists()
    post.refresh_from_db()
    assert (post.state, post.pinned) == (ContentState.VISIBLE, False)


def test_delete_post_through_the_view_by_moderator(
    client_for: Callable[[User | None], Client], moderator: User, post: Post, group: Group
) -> None:
    url = reverse("post-delete", kwargs={"group_slug": group.slug, "post_id": post.pk})
    assert client_for(moderator).post(url).status_code == 302
    post.refresh_from_db()
    assert post.state == ContentState.REMOVED
    member_page = client_for(moderator).get(feed_url(group)).content.decode()
    assert POST_TEXT not in member_page
    assert client_for(moderator).get(post.get_absolute_url()).status_code == 404


def test_held_post_is_shown_to_author_and_moderator_only(
    client_for: Callable[[User | None], Client],
    member: User,
    author: User,
    moderator: User,
    group: Group,
) -> None:
    held = services.post_create(
        actor=author, group=group, body="Venter på en moderator", state=ContentState.PENDING
    )
    assert "Venter på en moderator" not in client_for(member).get(feed_url(group)).content.decode()
    assert client_for(member).get(held.get_absolute_url()).status_code == 404
    for user in (author, moderator):
        assert "Venter på en moderator" in client_for(user).get(feed_url(group)).content.decode()
        assert client_for(user).get(held.get_absolute_url()).status_code == 200


@pytest.mark.parametrize(
    ("role", "status"),
    [("member", 200), ("sub_only", 200), ("moderator", 200), ("admin", 200), ("staff", 404)],
)
def test_subgroup_post_page_is_for_subgroup_members_and_moderators(
    role: str,
    status: int,
    request: pytest.FixtureRequest,
    client_for: Callable[[User | None], Client],
    member: User,
    group: Group,
    subgroup: SubGroup,
) -> None:
    sub_post = services.post_create(
        actor=member, group=group, subgroup=subgroup, body="Torsdagsstrik hos Sigrid"
    )
    client = client_for(request.getfixturevalue(role))
    response = client.get(sub_post.get_absolute_url())
    assert response.status_code == status
    assert ("Torsdagsstrik hos Sigrid" in response.content.decode()) is (status == 200)
    sub_feed = client.get(subgroup.get_absolute_url()).content.decode()
    assert ("Torsdagsstrik hos Sigrid" in sub_feed) is (status == 200)
    assert "Torsdagsstrik" not in client.get(feed_url(group)).content.decode()


def test_subgroup_post_form_is_404_for_group_member_outside_it(
    client_for: Callable[[User | None], Client], staff: User, group: Group, subgroup: SubGroup
) -> None:
    url = reverse(
        "subgroup-post-create", kwargs={"group_slug": group.slug, "subgroup_slug": subgroup.slug}
    )
    response = client_for(staff).post(url, {"body": "Ind ad bagdøren"})
    assert response.status_code == 404
    assert not Post.objects.exists()


def test_mention_search_lists_group_members_only(
    client_for: Callable[[User | None], Client],
    member: User,
    author: User,
    outsider: User,
    group: Group,
) -> None:
    make_user(display_name="Kirsten Udenfor")
    response = client_for(member).get(
        reverse("mention-search", kwargs={"group_slug": group.slug}), {"q": "kir"}
    )
    assert response.json() == {"names": ["Kirsten Skribentsen"]}


def test_every_pinned_post_is_shown_even_when_many_are_pinned(
    client_for: Callable[[User | None], Client],
    member: User,
    author: User,
    admin: User,
    group: Group,
) -> None:
    start = timezone.now() - timedelta(hours=2)
    posts = _posts_at(author, group, [start + timedelta(minutes=i) for i in range(10)])
    for post in posts[:7]:
        services.post_set_pinned(actor=admin, post=post, pinned=True)
    client = client_for(member)
    page = client.get(feed_url(group))
    seen = post_ids(page)
    link = older_link(page)
    while link:
        page = client.get(feed_url(group) + link)
        seen += post_ids(page)
        link = older_link(page)
    assert sorted(seen) == sorted(p.pk for p in posts)
    assert seen[:7] == [p.pk for p in reversed(posts[:7])]  # pinned first, newest first


# --- photos are group content ---------------------------------------------------------------


def _post_with_photo(author: Any, group: Any) -> Any:
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from posts.services import PhotoUpload

    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (30, 120, 60)).save(buffer, format="JPEG")
    upload = SimpleUploadedFile("have.jpg", buffer.getvalue(), content_type="image/jpeg")
    return services.post_create(
        actor=author, group=group, body="Min have", photos=[PhotoUpload(upload, "En have")]
    )


@pytest.mark.parametrize("size", ["full", "thumb"])
def test_post_photo_is_served_to_members_only(
    client_for: Any, member: User, outsider: User, author: User, group: Group, size: str
) -> None:
    image = _post_with_photo(author, group).images.get()
    url = reverse("post-photo", args=[group.slug, image.pk, size])

    response = client_for(member).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert "private" in response["Cache-Control"]

    assert client_for(outsider).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302  # to the login page


def test_post_photo_file_is_not_reachable_as_public_media(
    client_for: Any, outsider: User, author: User, group: Group
) -> None:
    image = _post_with_photo(author, group).images.get()
    assert client_for(outsider).get(f"/media/{image.image.name}").status_code == 404
    assert client_for(outsider).get(f"/media/{image.thumbnail.name}").status_code == 404
    with pytest.raises(ValueError, match="no public URL"):
        image.image.url  # noqa: B018 - asking is the mistake being guarded


def test_feed_links_photos_through_the_checked_view(
    client_for: Any, member: User, author: User, group: Group
) -> None:
    image = _post_with_photo(author, group).images.get()
    page = client_for(member).get(reverse("group-detail", args=[group.slug])).content.decode()
    assert reverse("post-photo", args=[group.slug, image.pk, "thumb"]) in page
    assert image.thumbnail.name not in page
