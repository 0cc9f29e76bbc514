"""The rules of posts/services.py, one rule per test."""

from __future__ import annotations

import io
import struct
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from PIL import Image

from accounts.models import User
from groups.models import Group, Membership, SubGroup
from posts import services
from posts.models import (
    BODY_MAX_LENGTH,
    Comment,
    CommentRevision,
    ContentState,
    FeedEvent,
    Mention,
    Post,
    PostImage,
    PostRevision,
    Reaction,
)
from tests.conftest import make_group, make_user
from tests.posts.conftest import (
    POST_TEXT,
    files_under,
    image_bytes,
    make_post,
    photo,
    png_with_size,
    raw_exif,
)

pytestmark = pytest.mark.usefixtures("in_memory_channel_layer")


def messages_of(excinfo: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(excinfo.value.messages)


def mute(user: User, group: Group) -> None:
    Membership.objects.filter(user=user, group=group).update(
        muted_until=timezone.now() + timedelta(days=2)
    )


def nothing_stored() -> None:
    assert Post.objects.count() == 0
    assert PostImage.objects.count() == 0
    assert FeedEvent.objects.count() == 0
    assert files_under(django_settings.PRIVATE_MEDIA_ROOT) == []


# --- who may post ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["member", "moderator", "staff", "admin"])
def test_post_create_succeeds_for_every_active_member(
    role: str, request: pytest.FixtureRequest, group: Group
) -> None:
    user = request.getfixturevalue(role)
    post = services.post_create(actor=user, group=group, body="Hej *alle*", theme="aktiv")
    assert post.author == user
    assert post.state == ContentState.VISIBLE
    assert post.body_html == "<p>Hej <em>alle</em></p>"
    assert FeedEvent.objects.filter(kind="post.created", post=post).count() == 1


@pytest.mark.parametrize("role", ["outsider", "pending", "banned"])
def test_post_create_is_404_for_non_members(
    role: str, request: pytest.FixtureRequest, group: Group
) -> None:
    user = request.getfixturevalue(role)
    with pytest.raises(Http404):
        services.post_create(actor=user, group=group, body="Hej")
    assert Post.objects.count() == 0


def test_post_create_in_subgroup_succeeds_for_subgroup_member(
    subgroup: SubGroup, member: User, group: Group
) -> None:
    post = services.post_create(actor=member, group=group, subgroup=subgroup, body="Torsdag?")
    assert post.subgroup == subgroup


def test_post_create_in_subgroup_is_404_for_group_member_outside_it(
    subgroup: SubGroup, staff: User, group: Group
) -> None:
    with pytest.raises(Http404):
        services.post_create(actor=staff, group=group, subgroup=subgroup, body="Hej")


def test_post_create_in_subgroup_is_denied_to_admin_who_only_watches_it(
    subgroup: SubGroup, admin: User, group: Group
) -> None:
    with pytest.raises(PermissionDenied):
        services.post_create(actor=admin, group=group, subgroup=subgroup, body="Hej")


def test_post_create_in_subgroup_of_another_group_is_refused(member: User, group: Group) -> None:
    other = make_group(admin=make_user())
    from tests.conftest import make_subgroup

    foreign = make_subgroup(other, members=[member])
    with pytest.raises(Http404):
        services.post_create(actor=member, group=group, subgroup=foreign, body="Hej")


# --- muted members --------------------------------------------------------------------


def test_post_create_fails_in_danish_if_member_is_muted(member: User, group: Group) -> None:
    mute(member, group)
    with pytest.raises(ValidationError) as excinfo:
        services.post_create(actor=member, group=group, body="Hej")
    assert "pause" in messages_of(excinfo)
    assert Post.objects.count() == 0


def test_comment_create_fails_in_danish_if_member_is_muted(
    member: User, group: Group, post: Post
) -> None:
    mute(member, group)
    with pytest.raises(ValidationError) as excinfo:
        services.comment_create(actor=member, post=post, body="Hej")
    assert "Du kan ikke skrive i gruppen" in messages_of(excinfo)
    assert Comment.objects.count() == 0


def test_reaction_set_fails_in_danish_if_member_is_muted(
    member: User, group: Group, post: Post
) -> None:
    mute(member, group)
    with pytest.raises(ValidationError) as excinfo:
        services.reaction_set(actor=member, post=post, kind="hug")
    assert "Du kan ikke skrive i gruppen" in messages_of(excinfo)
    assert Reaction.objects.count() == 0


def test_a_mute_that_has_run_out_does_not_stop_writing(member: User, group: Group) -> None:
    Membership.objects.filter(user=member, group=group).update(
        muted_until=timezone.now() - timedelta(minutes=1)
    )
    assert services.post_create(actor=member, group=group, body="Jeg er tilbage").pk


# --- bodies ---------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["", "   \n\t  "])
def test_post_create_refuses_empty_body_and_stores_nothing(
    body: str, member: User, group: Group
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        services.post_create(actor=member, group=group, body=body, photos=[photo()])
    assert "Skriv noget" in messages_of(excinfo)
    nothing_stored()


def test_post_create_refuses_body_over_10000_chars_and_stores_nothing(
    member: User, group: Group
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        services.post_create(
            actor=member, group=group, body="x" * (BODY_MAX_LENGTH + 1), photos=[photo()]
        )
    assert "for lang" in messages_of(excinfo)
    nothing_stored()


def test_post_create_accepts_exactly_10000_chars(member: User, group: Group) -> None:
    post = services.post_create(actor=member, group=group, body="x" * BODY_MAX_LENGTH)
    assert len(post.body) == BODY_MAX_LENGTH


def test_comment_create_refuses_empty_body(member: User, post: Post) -> None:
    with pytest.raises(ValidationError):
        services.comment_create(actor=member, post=post, body="  ")
    assert Comment.objects.count() == 0


def test_post_create_refuses_unknown_theme(member: User, group: Group) -> None:
    with pytest.raises(ValidationError):
        services.post_create(actor=member, group=group, body="Hej", theme="politik")
    assert Post.objects.count() == 0


def test_script_in_body_is_stored_as_text_never_as_html(member: User, group: Group) -> None:
    post = services.post_create(
        actor=member, group=group, body="<script>alert(1)</script> <b onmouseover=x>hej</b>"
    )
    assert "<script" not in post.body_html
    assert "<b" not in post.body_html
    assert "&lt;script&gt;" in post.body_html


# --- photos ---------------------------------------------------------------------------


def test_post_create_stores_display_size_thumbnail_and_alt_text(member: User, group: Group) -> None:
    big = image_bytes("JPEG", size=(2400, 1200))
    post = services.post_create(
        actor=member, group=group, body="Se mit strikketøj", photos=[photo(big, alt="Rød hue")]
    )
    image = post.images.get()
    assert image.alt_text == "Rød hue"
    assert (image.width, image.height) == (1600, 800)
    with Image.open(image.thumbnail.path) as thumb:
        assert max(thumb.size) == 480
    assert len(files_under(django_settings.PRIVATE_MEDIA_ROOT)) == 2


def test_post_create_accepts_png_and_webp_by_content(member: User, group: Group) -> None:
    post = services.post_create(
        actor=member,
        group=group,
        body="To billeder",
        photos=[
            photo(image_bytes("PNG"), name="uden-endelse"),
            photo(image_bytes("WEBP"), name="billede.jpg"),
        ],
    )
    assert post.images.count() == 2


def test_post_create_refuses_more_than_10_photos_and_stores_nothing(
    member: User, group: Group
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        services.post_create(
            actor=member, group=group, body="Mange", photos=[photo() for _ in range(11)]
        )
    assert "højst vedhæfte 10 billeder" in messages_of(excinfo)
    nothing_stored()


def test_post_create_accepts_exactly_10_photos(member: User, group: Group) -> None:
    post = services.post_create(
        actor=member, group=group, body="Ti", photos=[photo() for _ in range(10)]
    )
    assert post.images.count() == 10


def test_text_file_named_jpg_is_refused_and_nothing_is_stored(member: User, group: Group) -> None:
    text = photo(b"Dette er bare tekst, ikke et billede.\n" * 20, name="kat.jpg")
    with pytest.raises(ValidationError) as excinfo:
        # A good photo first: it must not be left behind either.
        services.post_create(actor=member, group=group, body="Min kat", photos=[photo(), text])
    message = messages_of(excinfo)
    assert "kat.jpg" in message
    assert "Filen er ikke et billede" in message
    nothing_stored()


def test_truncated_jpeg_is_refused_and_nothing_is_stored(member: User, group: Group) -> None:
    whole = image_bytes("JPEG", size=(300, 200), noise=True, quality=95)
    broken = photo(whole[: len(whole) * 2 // 3], name="halv.jpg")
    with pytest.raises(ValidationError) as excinfo:
        services.post_create(actor=member, group=group, body="Halvt", photos=[broken])
    assert "beskadiget eller ufuldstændigt" in messages_of(excinfo)
    nothing_stored()


def test_50000_by_50000_png_is_refused_without_decoding_it(member: User, group: Group) -> None:
    bomb = png_with_size(50_000, 50_000)
    assert len(bomb) < 200
    with Image.open(io.BytesIO(png_with_size(7, 9))) as check:  # the header patch works
        assert check.size == (7, 9)
    with pytest.raises(ValidationError) as excinfo:
        services.post_create(
            actor=member, group=group, body="Stort", photos=[photo(bomb, name="bombe.png")]
        )
    assert "for mange pixels" in messages_of(excinfo)
    nothing_stored()


def test_image_just_over_the_pixel_limit_is_refused(
    member: User, group: Group, settings: Any
) -> None:
    settings.SAMMEN_MAX_IMAGE_PIXELS = 100 * 100
    with pytest.raises(ValidationError) as excinfo:
        services.post_create(
            actor=member, group=group, body="Stort", photos=[photo(image_bytes(size=(101, 100)))]
        )
    assert "for mange pixels" in messages_of(excinfo)
    nothing_stored()


def test_file_over_the_byte_limit_is_refused(member: User, group: Group, settings: Any) -> None:
    settings.SAMMEN_MAX_IMAGE_BYTES = 1000
    data = image_bytes("PNG", size=(200, 200), noise=True)
    assert len(data) > 1000
    with pytest.raises(ValidationError) as excinfo:
        services.post_create(actor=member, group=group, body="Tungt", photos=[photo(data)])
    assert "for stort" in messages_of(excinfo)
    nothing_stored()


def test_gif_is_refused_even_though_pillow_reads_it(member: User, group: Group) -> None:
    with pytest.raises(ValidationError) as excinfo:
        services.post_create(
            actor=member, group=group, body="Gif", photos=[photo(image_bytes("GIF"), "a.gif")]
        )
    assert "JPEG, PNG, WebP eller HEIC" in messages_of(excinfo)
    nothing_stored()


def _exif_with_gps(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Telefonfabrikken"  # Make
    exif[0x0110] = "Model 9"  # Model
    if orientation is not None:
        exif[0x0112] = orientation
    exif[0x8825] = {  # GPSInfo: Aarhus
        1: "N",
        2: (56.0, 9.0, 36.0),
        3: "E",
        4: (10.0, 12.0, 36.0),
    }
    return exif


def test_exif_and_gps_are_removed_from_stored_photos(member: User, group: Group) -> None:
    source = image_bytes("JPEG", size=(120, 80), exif=_exif_with_gps())
    with Image.open(io.BytesIO(source)) as check:  # the test photo really carries GPS
        assert check.getexif().get_ifd(0x8825)
    post = services.post_create(actor=member, group=group, body="Tur", photos=[photo(source)])
    image = post.images.get()
    for field in (image.image, image.thumbnail):
        raw = Path(field.path).read_bytes()
        assert b"Exif" not in raw
        assert b"Telefonfabrikken" not in raw
        with Image.open(field.path) as stored:
            assert not stored.getexif()
            assert "exif" not in stored.info


def test_exif_orientation_is_applied_before_it_is_dropped(member: User, group: Group) -> None:
    # Stored 200 wide and 100 high, to be shown rotated 90 degrees (Orientation 6).
    source = image_bytes("JPEG", size=(200, 100), exif=_exif_with_gps(orientation=6))
    post = services.post_create(actor=member, group=group, body="Op", photos=[photo(source)])
    image = post.images.get()
    assert (image.width, image.height) == (100, 200)


@pytest.mark.parametrize(
    "bad_tag",
    [
        (0x010F, 12, struct.pack("<d", 1.5)),  # Make as a double
        (0x010F, 5, struct.pack("<II", 3, 2)),  # Make as a fraction
        (0x011A, 2, b"abc\x00"),  # XResolution as text
    ],
    ids=["make-double", "make-rational", "xresolution-text"],
)
def test_photo_with_wrongly_typed_exif_is_oriented_and_stored_not_a_crash(
    bad_tag: tuple[int, int, bytes], member: User, group: Group
) -> None:
    source = image_bytes("JPEG", size=(200, 100), exif=raw_exif(6, bad_tag))
    post = services.post_create(
        actor=member, group=group, body="Fra telefonen", photos=[photo(source)]
    )
    image = post.images.get()
    assert (image.width, image.height) == (100, 200)
    with Image.open(image.image.path) as stored:
        assert not stored.getexif()


def _heic_bytes() -> bytes:
    pillow_heif = pytest.importorskip("pillow_heif")
    if not pillow_heif.libheif_info().get("encoders", {}).get("x265") and not getattr(
        pillow_heif.options, "HEIF_ENCODER", None
    ):
        pytest.skip("this libheif has no HEVC encoder to make a HEIC test file with")
    try:
        heif = pillow_heif.from_pillow(Image.new("RGB", (90, 60), (30, 160, 90)))
        buf = io.BytesIO()
        heif.save(buf, format="HEIF", quality=60)
    except Exception as exc:  # pragma: no cover - depends on the system's libheif
        pytest.skip(f"cannot encode HEIC here: {exc}")
    return buf.getvalue()


def test_heic_from_a_phone_is_accepted_and_stored_as_jpeg(member: User, group: Group) -> None:
    data = _heic_bytes()
    post = services.post_create(
        actor=member, group=group, body="Fra telefonen", photos=[photo(data, "IMG_0001.HEIC")]
    )
    image = post.images.get()
    assert image.image.name.endswith(".jpg")
    assert (image.width, image.height) == (90, 60)
    with Image.open(image.image.path) as stored:
        assert stored.format == "JPEG"


def test_files_already_stored_are_deleted_if_the_transaction_fails(
    member: User, group: Group
) -> None:
    with (
        mock.patch.object(services, "record_event", side_effect=RuntimeError("db gone")),
        pytest.raises(RuntimeError),
    ):
        services.post_create(
            actor=member, group=group, body="To billeder", photos=[photo(), photo()]
        )
    nothing_stored()


# --- comments and replies ---------------------------------------------------------------


def test_reply_to_a_reply_is_attached_to_the_top_level_comment(
    member: User, author: User, post: Post
) -> None:
    top = services.comment_create(actor=member, post=post, body="Første")
    reply = services.comment_create(actor=author, post=post, body="Svar", parent_id=top.pk)
    deeper = services.comment_create(
        actor=member, post=post, body="Svar på svar", parent_id=reply.pk
    )
    assert reply.parent_id == top.pk
    assert deeper.parent_id == top.pk


def test_reply_to_a_comment_on_another_post_is_refused(
    member: User, author: User, group: Group, post: Post
) -> None:
    other = make_post(author, group)
    foreign = services.comment_create(actor=author, post=other, body="Her")
    with pytest.raises(ValidationError):
        services.comment_create(actor=member, post=post, body="Svar", parent_id=foreign.pk)
    assert post.comments.count() == 0


def test_comment_on_a_pending_post_is_refused(member: User, author: User, group: Group) -> None:
    held = make_post(author, group, state=ContentState.PENDING)
    with pytest.raises((ValidationError, Http404)):
        services.comment_create(actor=member, post=held, body="Hej")
    assert Comment.objects.count() == 0


def test_comment_create_is_404_for_non_member(outsider: User, post: Post) -> None:
    with pytest.raises(Http404):
        services.comment_create(actor=outsider, post=post, body="Hej")


def test_comment_edit_keeps_the_earlier_text(member: User, post: Post) -> None:
    comment = services.comment_create(actor=member, post=post, body="Førstee")
    services.comment_update(actor=member, comment=comment, body="Første")
    comment.refresh_from_db()
    assert comment.body == "Første"
    assert comment.edited_at is not None
    assert list(CommentRevision.objects.values_list("body", flat=True)) == ["Førstee"]


def test_comment_edit_by_someone_else_is_denied(member: User, moderator: User, post: Post) -> None:
    comment = services.comment_create(actor=member, post=post, body="Mit")
    with pytest.raises(PermissionDenied):
        services.comment_update(actor=moderator, comment=comment, body="Ændret")


@pytest.mark.parametrize("deleter", ["member", "moderator", "admin"])
def test_comment_delete_by_author_or_moderator(
    deleter: str, request: pytest.FixtureRequest, member: User, post: Post
) -> None:
    comment = services.comment_create(actor=member, post=post, body="Mit")
    services.comment_delete(actor=request.getfixturevalue(deleter), comment=comment)
    comment.refresh_from_db()
    assert comment.state == ContentState.REMOVED


def test_comment_delete_by_another_member_is_denied(member: User, author: User, post: Post) -> None:
    comment = services.comment_create(actor=author, post=post, body="Mit")
    with pytest.raises(PermissionDenied):
        services.comment_delete(actor=member, comment=comment)


def test_comment_count_follows_creates_and_deletes(
    member: User, author: User, moderator: User, post: Post
) -> None:
    first = services.comment_create(actor=member, post=post, body="1")
    services.comment_create(actor=author, post=post, body="2", parent_id=first.pk)
    third = services.comment_create(actor=moderator, post=post, body="3")
    post.refresh_from_db()
    assert post.comment_count == 3
    services.comment_delete(actor=moderator, comment=third)
    services.comment_delete(actor=moderator, comment=third)  # twice: counted once
    post.refresh_from_db()
    assert post.comment_count == 2
    assert post.comment_count == post.comments.filter(state=ContentState.VISIBLE).count()


# --- reactions --------------------------------------------------------------------------


def test_reaction_is_one_per_person_changeable_and_removable(member: User, post: Post) -> None:
    services.reaction_set(actor=member, post=post, kind="like")
    services.reaction_set(actor=member, post=post, kind="like")
    assert Reaction.objects.filter(user=member, post=post).count() == 1
    services.reaction_set(actor=member, post=post, kind="hug")
    reaction = Reaction.objects.get(user=member, post=post)
    assert reaction.kind == "hug"
    post.refresh_from_db()
    assert post.reaction_count == 1
    services.reaction_set(actor=member, post=post, kind=None)
    services.reaction_set(actor=member, post=post, kind=None)
    post.refresh_from_db()
    assert post.reaction_count == 0
    assert not Reaction.objects.exists()


def test_reaction_counts_stay_right_over_many_people(
    member: User, author: User, moderator: User, staff: User, admin: User, post: Post
) -> None:
    for user, kind in [(member, "like"), (author, "love"), (moderator, "haha"), (staff, "sad")]:
        services.reaction_set(actor=user, post=post, kind=kind)
    services.reaction_set(actor=member, post=post, kind="wow")  # changed, not added
    services.reaction_set(actor=staff, post=post, kind=None)  # removed
    services.reaction_set(actor=admin, post=post, kind=None)  # had none: no-op
    post.refresh_from_db()
    assert post.reaction_count == 3 == Reaction.objects.filter(post=post).count()
    assert sorted(Reaction.objects.values_list("kind", flat=True)) == ["haha", "love", "wow"]


def test_reaction_on_a_comment_counts_on_the_comment(
    member: User, author: User, post: Post
) -> None:
    comment = services.comment_create(actor=author, post=post, body="Hej")
    services.reaction_set(actor=member, post=post, comment=comment, kind="love")
    comment.refresh_from_db()
    post.refresh_from_db()
    assert comment.reaction_count == 1
    assert post.reaction_count == 0
    assert Reaction.objects.get().comment == comment


def test_unknown_reaction_kind_is_refused(member: User, post: Post) -> None:
    with pytest.raises(ValidationError):
        services.reaction_set(actor=member, post=post, kind="angry")
    assert not Reaction.objects.exists()


def test_reaction_on_a_post_in_another_group_is_404(member: User) -> None:
    other_admin = make_user()
    other = make_group(admin=other_admin)
    foreign = make_post(other_admin, other, "Andet sted")
    with pytest.raises(Http404):
        services.reaction_set(actor=member, post=foreign, kind="like")
    assert not Reaction.objects.exists()


def test_reaction_on_a_comment_of_another_post_is_refused(
    member: User, author: User, group: Group, post: Post
) -> None:
    other = make_post(author, group)
    foreign_comment = services.comment_create(actor=author, post=other, body="Her")
    with pytest.raises(ValidationError):
        services.reaction_set(actor=member, post=post, comment=foreign_comment, kind="like")
    assert not Reaction.objects.exists()


def test_reaction_is_404_for_non_member(outsider: User, post: Post) -> None:
    with pytest.raises(Http404):
        services.reaction_set(actor=outsider, post=post, kind="like")


# --- edit, delete, pin --------------------------------------------------------------------


def test_post_edit_keeps_a_revision_of_the_earlier_text(author: User, post: Post) -> None:
    updated = services.post_update(actor=author, post=post, body="Ny tekst", theme="aktiv")
    assert updated.body == "Ny tekst"
    assert updated.body_html == "<p>Ny tekst</p>"
    assert updated.theme == "aktiv"
    assert updated.edited_at is not None
    revision = PostRevision.objects.get(post=post)
    assert revision.body == POST_TEXT
    assert revision.edited_by == author


def test_post_edit_by_another_member_or_moderator_is_denied(
    member: User, moderator: User, post: Post
) -> None:
    for user in (member, moderator):
        with pytest.raises(PermissionDenied):
            services.post_update(actor=user, post=post, body="Kapret", theme="")
    post.refresh_from_db()
    assert post.body == POST_TEXT
    assert not PostRevision.objects.exists()


@pytest.mark.parametrize("deleter", ["author", "moderator", "admin"])
def test_post_delete_by_author_or_moderator(
    deleter: str, request: pytest.FixtureRequest, post: Post
) -> None:
    services.post_delete(actor=request.getfixturevalue(deleter), post=post)
    post.refresh_from_db()
    assert post.state == ContentState.REMOVED
    assert FeedEvent.objects.filter(kind="post.deleted", post_ref=post.pk).exists()


@pytest.mark.parametrize("deleter", ["member", "staff"])
def test_post_delete_by_another_member_is_denied(
    deleter: str, request: pytest.FixtureRequest, post: Post
) -> None:
    with pytest.raises(PermissionDenied):
        services.post_delete(actor=request.getfixturevalue(deleter), post=post)
    post.refresh_from_db()
    assert post.state == ContentState.VISIBLE


def test_post_delete_by_outsider_is_404(outsider: User, post: Post) -> None:
    with pytest.raises(Http404):
        services.post_delete(actor=outsider, post=post)


@pytest.mark.parametrize("pinner", ["admin", "staff"])
def test_pin_by_admin_or_staff(pinner: str, request: pytest.FixtureRequest, post: Post) -> None:
    services.post_set_pinned(actor=request.getfixturevalue(pinner), post=post, pinned=True)
    post.refresh_from_db()
    assert post.pinned


@pytest.mark.parametrize("pinner", ["author", "member", "moderator"])
def test_pin_by_anyone_else_is_denied(
    pinner: str, request: pytest.FixtureRequest, post: Post
) -> None:
    with pytest.raises(PermissionDenied):
        services.post_set_pinned(actor=request.getfixturevalue(pinner), post=post, pinned=True)
    post.refresh_from_db()
    assert not post.pinned


def test_post_create_pinned_by_member_is_denied(member: User, group: Group) -> None:
    with pytest.raises(PermissionDenied):
        services.post_create(actor=member, group=group, body="Vigtigt!", pinned=True)
    assert Post.objects.count() == 0


# --- mentions -----------------------------------------------------------------------------


def test_mentions_are_recorded_for_group_members_only(
    author: User, member: User, moderator: User, outsider: User, banned: User, group: Group
) -> None:
    # Display names: Mikkel Medlemsen, Mona Moderatorsen, Oda Udenforsen, Bodil Udelukkesen.
    post = services.post_create(
        actor=author,
        group=group,
        body=(
            "Tak til @Mikkel Medlemsen og @mona moderatorsen! "
            "Også @Oda Udenforsen og @Bodil Udelukkesen og @Kirsten Skribentsen."
        ),
    )
    assert set(Mention.objects.filter(post=post).values_list("user_id", flat=True)) == {
        member.pk,
        moderator.pk,
    }


def test_mentions_in_a_comment_point_at_the_comment(author: User, member: User, post: Post) -> None:
    comment = services.comment_create(actor=author, post=post, body="Hvad siger @Mikkel Medlemsen?")
    mention = Mention.objects.get()
    assert (mention.user, mention.post, mention.comment) == (member, post, comment)


def test_email_address_is_not_a_mention(author: User, member: User, group: Group) -> None:
    services.post_create(actor=author, group=group, body="Skriv til mikkel@Mikkel Medlemsen")
    assert not Mention.objects.exists()


# --- many posts at once (the weekly plan's publisher) ------------------------------------


def _many(actor: User, group: Group, bodies: list[str]) -> list[services.NewPost]:
    return [services.NewPost(actor=actor, group=group, subgroup=None, body=b) for b in bodies]


def test_post_create_many_stores_each_post_as_post_create_would(
    author: User, member: User, group: Group
) -> None:
    posts = services.post_create_many(
        items=_many(author, group, ["Første *opslag*", "Hej @Mikkel Medlemsen", "Tredje"])
    )
    assert [p.body for p in Post.objects.order_by("id")] == [p.body for p in posts]
    assert posts[0].body_html == "<p>Første <em>opslag</em></p>"
    assert all(p.author == author and p.state == ContentState.VISIBLE for p in posts)
    assert [e.post_ref for e in FeedEvent.objects.order_by("id")] == [p.pk for p in posts]
    assert set(Post.objects.values_list("version", flat=True)) == {1}
    assert list(Mention.objects.values_list("user_id", "post_id")) == [(member.pk, posts[1].pk)]


def test_post_create_many_stores_nothing_if_one_item_fails_its_checks(
    author: User, outsider: User, group: Group
) -> None:
    with pytest.raises(ValidationError):
        services.post_create_many(items=_many(author, group, ["Fint", "   ", "Også fint"]))
    with pytest.raises(Http404):
        services.post_create_many(
            items=[*_many(author, group, ["Fint"]), *_many(outsider, group, ["Udefra"])]
        )
    assert not Post.objects.exists() and not FeedEvent.objects.exists()


def test_post_create_many_leaves_posts_moderation_would_hold_to_post_create(
    author: User, group: Group
) -> None:
    """A new member's first post is held, the second not: only post_create,
    one at a time, can tell them apart, so the lot is refused."""
    from moderation.models import ModerationSettings

    ModerationSettings.objects.update_or_create(group=group, defaults={"hold_first_posts": 1})
    with pytest.raises(services.HeldItem):
        services.post_create_many(items=_many(author, group, ["Hej alle", "Og igen"]))
    assert not Post.objects.exists()
    first, second = (
        services.post_create(actor=author, group=group, body=b) for b in ("Hej alle", "Og igen")
    )
    assert (first.state, second.state) == (ContentState.PENDING, ContentState.VISIBLE)
