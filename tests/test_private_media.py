"""Private files live outside every public folder (sammen/storage.py), and the
public media route is an allow-list (sammen/views.py). The live probes are in
tests/test_probes.py; these check the pieces one by one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from sammen.storage import move_public_to_private, private_storage
from sammen.views import public_media_path_ok


@pytest.mark.parametrize(
    "path",
    ["avatars/3f2a9c.jpg", "covers/ab12cd.png", "avatars/a_b-c.webp", "avatars/x_AbC1234.jpeg"],
)
def test_public_media_allows_avatar_and_cover_files(path: str) -> None:
    assert public_media_path_ok(path)


@pytest.mark.parametrize(
    "path",
    [
        "posts/2026/11/ab.jpg",
        "/posts/2026/11/ab.jpg",
        "./posts/2026/11/ab.jpg",
        "x/../posts/2026/11/ab.jpg",
        "avatars/../posts/2026/11/ab.jpg",
        "avatars/..",
        "avatars/.hidden.jpg",
        "avatars/a.jpg.",
        "avatars/a.jpg ",
        "avatars/a\\..\\b.jpg",
        "avatars/a.jpg/",
        "avatars//a.jpg",
        "AVATARS/a.jpg",
        "avatars/a.html",
        "avatars/a.svg",
        "avatars/sub/a.jpg",
        "avatars/a.jpg\x00.png",
        "",
        "avatars/",
    ],
)
def test_public_media_refuses_every_other_path(path: str) -> None:
    assert not public_media_path_ok(path)


def test_a_file_left_below_media_posts_by_an_older_version_is_not_served(
    settings: Any, client: Any
) -> None:
    stale = Path(settings.MEDIA_ROOT) / "posts" / "2026" / "11" / "old.jpg"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"\xff\xd8private")
    for path in ("/media/posts/2026/11/old.jpg", "/media//posts/2026/11/old.jpg"):
        assert client.get(path).status_code == 404


def test_private_files_have_no_url() -> None:
    with pytest.raises(ValueError, match="no public URL"):
        private_storage().url("posts/2026/11/ab.jpg")


def test_private_storage_follows_its_setting(settings: Any, tmp_path: Path) -> None:
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "elsewhere"
    assert private_storage().path("posts/a.jpg") == str(tmp_path / "elsewhere" / "posts/a.jpg")


@pytest.mark.parametrize(
    ("private", "public"),
    [("media/private", "media"), ("media", "media"), ("data", "data/media")],
)
def test_start_up_refuses_a_private_folder_inside_a_public_one(
    private: str, public: str, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / public
    settings.PRIVATE_MEDIA_ROOT = tmp_path / private
    with pytest.raises(SystemCheckError, match="PRIVATE_MEDIA_ROOT"):
        call_command("check")


def test_start_up_accepts_separate_folders(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    call_command("check")


def test_upgrade_moves_photos_out_of_the_public_folder_once(settings: Any, tmp_path: Path) -> None:
    media, private = Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_MEDIA_ROOT)
    photo = media / "posts" / "2026" / "11" / "a.jpg"
    planned = media / "posts" / "scheduled" / "2026" / "11" / "thumbs" / "b.jpg"
    avatar = media / "avatars" / "c.jpg"
    for path in (photo, planned, avatar):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(path.name.encode())

    assert move_public_to_private("posts") == 2
    assert move_public_to_private("posts") == 0  # the second migration finds nothing

    assert (private / "posts/2026/11/a.jpg").read_bytes() == b"a.jpg"
    assert (private / "posts/scheduled/2026/11/thumbs/b.jpg").read_bytes() == b"b.jpg"
    assert not (media / "posts").exists()
    assert avatar.exists()  # public files stay


@pytest.mark.django_db
def test_every_answer_to_a_signed_in_person_is_private_no_store(
    client_for: Any, member: Any, group: Any
) -> None:
    signed_in = client_for(member)
    for path in ("/", group.get_absolute_url(), "/healthz", "/accounts/login/"):
        policy = signed_in.get(path)["Cache-Control"]
        assert "private" in policy and "no-store" in policy, (path, policy)
    # A visitor without a session gets the public face without that mark.
    assert "no-store" not in client_for(None).get(group.get_absolute_url()).get("Cache-Control", "")
