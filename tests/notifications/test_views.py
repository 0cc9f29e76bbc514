"""The notification centre, the bell, levels and following, as people use them."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accounts.models import User
from groups.models import Group
from notifications import mail, mailing
from notifications.models import (
    Follow,
    GroupDefault,
    Kind,
    Level,
    MailKind,
    Notification,
    Preference,
)
from posts import services as post_services
from posts.models import Post
from tests.conftest import LOGIN, MatrixRow, assert_answer, make_membership, make_user
from tests.conftest import matrix_params as _matrix_params

pytestmark = pytest.mark.django_db

L = LOGIN
# fmt: off
MATRIX: list[MatrixRow] = [
    # url name                  method   anon outs pend bann memb mod  staff admin
    ("notifications",           "get",  (L,  200, 200, 200, 200, 200, 200, 200)),
    ("notifications-read-all",  "post", (L,  302, 302, 302, 302, 302, 302, 302)),
    ("notification-settings",   "get",  (L,  200, 200, 200, 200, 200, 200, 200)),
    ("notification-settings",   "post", (L,  404, 404, 404, 302, 302, 302, 302)),
    # The member's own notification: everyone else is told it does not exist.
    ("notification-open",       "get",  (L,  404, 404, 404, 302, 404, 404, 404)),
    ("post-follow",             "post", (L,  404, 404, 404, 302, 302, 302, 302)),
    ("notification-mail-settings", "post", (L, 302, 302, 302, 302, 302, 302, 302)),
    ("notification-mail-resume", "post", (L,  302, 302, 302, 302, 302, 302, 302)),
    # The signed link is the key: whoever holds it (a mail client) may use it.
    ("mail-unsubscribe",        "get",  (200, 200, 200, 200, 200, 200, 200, 200)),
    ("mail-unsubscribe",        "post", (200, 200, 200, 200, 200, 200, 200, 200)),
    # Those who plan the group's posts.
    ("digest-preview",          "get",  (L,  404, 404, 404, 403, 403, 200, 200)),
]
# fmt: on


@pytest.fixture
def world(group: Group, member: User, staff: User) -> dict[str, Any]:
    post = post_services.post_create(actor=member, group=group, body="Ugens gåtur i skoven")
    comment = post_services.comment_create(actor=staff, post=post, body="Jeg kommer!")
    return {"post": post, "comment": comment, "note": Notification.objects.get(recipient=member)}


def path_for(name: str, w: dict[str, Any]) -> str:
    if name == "notification-open":
        return reverse(name, kwargs={"notification_id": w["note"].pk})
    if name == "post-follow":
        post = w["post"]
        return reverse(name, kwargs={"group_slug": post.group.slug, "post_id": post.pk})
    if name == "mail-unsubscribe":
        row = mailing.mail_settings_for(w["note"].recipient)
        return reverse(name, kwargs={"token": mail.unsubscribe_token(row, MailKind.DIGEST)})
    if name == "digest-preview":
        return reverse(name, kwargs={"group_slug": w["post"].group.slug})
    return reverse(name)


@pytest.mark.parametrize(("name", "method", "role", "expected"), _matrix_params(MATRIX))
def test_notifications_matrix(
    name: str,
    method: str,
    role: str,
    expected: Any,
    world: dict[str, Any],
    group: Group,
    everyone: dict[str, User | None],
    client_for: Any,
) -> None:
    viewer = everyone[role]
    before = (
        sorted(Notification.objects.values_list("id", "read_at")),
        sorted(Follow.objects.values_list("user_id", "following")),
        sorted(Preference.objects.values_list("user_id", "level")),
    )
    data = {"following": "0", f"level-{group.pk}": Level.ALL} if method == "post" else None
    client = client_for(viewer)
    path = path_for(name, world)
    response = client.post(path, data) if method == "post" else client.get(path)
    assert_answer(response, expected, f"{role} {method} {name}")
    if response.status_code in (403, 404) or expected == L:
        after = (
            sorted(Notification.objects.values_list("id", "read_at")),
            sorted(Follow.objects.values_list("user_id", "following")),
            sorted(Preference.objects.values_list("user_id", "level")),
        )
        assert after == before, "a refused request changed something"
    if response.status_code == 200 and role != "member":
        assert "Jeg kommer!" not in response.content.decode()


def test_the_centre_shows_the_reply_and_leads_to_the_exact_comment(
    world: dict[str, Any], member: User, client_for: Any
) -> None:
    client = client_for(member)
    page = client.get(reverse("notifications")).content.decode()
    assert "har svaret dig i «Ugens gåtur i skoven»" in page
    assert "Ny</span>" in page
    note = world["note"]
    response = client.get(reverse("notification-open", args=[note.pk]))
    assert response.status_code == 302
    assert response["Location"].endswith(f"#comment-{world['comment'].pk}")
    note.refresh_from_db()
    assert note.read_at is not None


def test_the_bell_counts_unread_on_every_page_and_mark_all_read_clears_it(
    world: dict[str, Any], member: User, client_for: Any
) -> None:
    client = client_for(member)
    home = client.get("/").content.decode()
    assert 'id="bell-count"' in home and ">1<span" in home
    response = client.post(reverse("notifications-read-all"), follow=True)
    assert "Alle beskeder er markeret som læst." in response.content.decode()
    assert 'id="bell-count" data-label-one' in response.content.decode()
    assert Notification.objects.filter(recipient=member, read_at__isnull=True).count() == 0


def test_grouped_rows_say_how_many(group: Group, member: User, client_for: Any) -> None:
    post = post_services.post_create(actor=member, group=group, body="Strikkeopskrift")
    for i in range(3):
        other = make_user(f"k{i}@example.org", f"Karen {i}")
        make_membership(other, group)
        post_services.reaction_set(actor=other, post=post, comment=None, kind="like")
    page = client_for(member).get(reverse("notifications")).content.decode()
    assert "Karen 2 og 2 andre har reageret på dit opslag «Strikkeopskrift»" in page


def test_an_empty_centre_says_so(outsider: User, client_for: Any) -> None:
    page = client_for(outsider).get(reverse("notifications")).content.decode()
    assert "Du har ingen beskeder endnu." in page


def test_someone_elses_notification_is_404_and_stays_unread(
    world: dict[str, Any], staff: User, client_for: Any
) -> None:
    note = world["note"]
    assert client_for(staff).get(reverse("notification-open", args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


@pytest.mark.parametrize("rows", [1, 500])
def test_the_centre_and_the_bell_cost_the_same_queries_for_1_and_500(
    rows: int,
    group: Group,
    member: User,
    client_for: Any,
    django_assert_max_num_queries: Any,
) -> None:
    post = post_services.post_create(actor=member, group=group, body="Mange svar")
    others = [make_user(f"n{i}@example.org", f"Navn {i}") for i in range(3)]
    Notification.objects.bulk_create(
        Notification(
            recipient=member,
            kind=Kind.COMMENT if i % 2 else Kind.REACTION,
            group=group,
            post=post if i == 0 else None,
            actor=others[i % 3],
            object_id=i,
        )
        for i in range(rows)
    )
    client = client_for(member)
    client.get("/")  # the session is in the cache from here on
    with django_assert_max_num_queries(CENTRE_QUERIES):
        assert client.get(reverse("notifications")).status_code == 200


# user, unread count (the bell), the page's count, one page of rows with their group,
# post and actor, the reader's memberships and sub-group memberships (re-check), the
# unread count for "Marker alle".
CENTRE_QUERIES = 8


def test_levels_are_saved_and_a_bad_level_changes_nothing(
    group: Group, member: User, client_for: Any
) -> None:
    client = client_for(member)
    page = client.get(reverse("notification-settings")).content.decode()
    assert "Som gruppen: Normal" in page
    client.post(reverse("notification-settings"), {f"level-{group.pk}": Level.ALL})
    assert Preference.objects.get(user=member, group=group).level == Level.ALL
    response = client.post(
        reverse("notification-settings"), {f"level-{group.pk}": "everything"}, follow=True
    )
    assert "Vælg et af niveauerne på listen." in response.content.decode()
    assert Preference.objects.get(user=member, group=group).level == Level.ALL


def test_only_an_administrator_sets_the_group_default(
    group: Group, member: User, admin: User, client_for: Any
) -> None:
    assert (
        "default-" not in client_for(member).get(reverse("notification-settings")).content.decode()
    )
    assert (
        f"default-{group.pk}"
        in client_for(admin).get(reverse("notification-settings")).content.decode()
    )
    response = client_for(member).post(
        reverse("notification-settings"), {f"default-{group.pk}": Level.ALL}
    )
    assert response.status_code == 403
    assert not GroupDefault.objects.exists()


def test_follow_button_on_the_post_page(
    world: dict[str, Any], member: User, staff: User, client_for: Any
) -> None:
    post: Post = world["post"]
    client = client_for(member)
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Følg ikke" in page  # the author follows their post
    client.post(reverse("post-follow", args=[post.group.slug, post.pk]), {"following": "0"})
    page = client.get(post.get_absolute_url()).content.decode()
    assert ">Følg<" in page
    assert Follow.objects.get(user=member, post=post).following is False


def test_a_subgroup_level_only_for_those_who_read_the_subgroup(
    group: Group, subgroup: Any, member: User, staff: User, client_for: Any
) -> None:
    field = f"level-{group.pk}-{subgroup.pk}"
    page = client_for(member).get(reverse("notification-settings")).content.decode()
    assert f'name="{field}"' in page
    client_for(member).post(reverse("notification-settings"), {field: Level.MENTIONS})
    assert Preference.objects.get(user=member, subgroup=subgroup).level == Level.MENTIONS

    response = client_for(staff).post(reverse("notification-settings"), {field: Level.ALL})
    assert response.status_code == 403
    assert not Preference.objects.filter(user=staff).exists()
