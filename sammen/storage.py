"""Where files live.

Public media (avatars, group covers) is under MEDIA_ROOT and served at
MEDIA_URL. Files of closed groups (post photos, planned posts' photos, and
every private file to come: export archives, directory submissions before
approval) live under PRIVATE_MEDIA_ROOT, a folder that no URL route and no
proxy location maps: the only way out is a view that checked permission and
streams the file (sammen.http.private_file). A path trick on /media/ cannot
reach a file that is not below MEDIA_ROOT.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.functional import cached_property


class PrivateFileStorage(FileSystemStorage):
    """A file system storage under PRIVATE_MEDIA_ROOT, without URLs: asking for
    one is a programming error that would publish a private file, so it fails
    loudly. Like the default storage, it follows its setting when a test
    changes it."""

    @cached_property
    def base_location(self) -> str:
        location = self._location  # type: ignore[attr-defined]
        return str(self._value_or_setting(location, settings.PRIVATE_MEDIA_ROOT))

    def _clear_cached_properties(self, setting: str, **kwargs: Any) -> None:
        super()._clear_cached_properties(setting, **kwargs)  # type: ignore[arg-type]
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name: str | None) -> str:
        raise ValueError(
            "Private files have no public URL; serve them through a view that checks permission."
        )


def private_storage() -> Storage:
    """The storage of private files (STORAGES["private"]), for a FileField's
    `storage=` callable: migrations keep the reference, not the folder."""
    return storages["private"]


def is_within(inner: Any, outer: Any) -> bool:
    """Whether folder `inner` is `outer` or below it (both resolved)."""
    inner_path, outer_path = Path(inner).resolve(), Path(outer).resolve()
    return inner_path == outer_path or outer_path in inner_path.parents


def move_public_to_private(folder: str) -> int:
    """Move what an older version stored below MEDIA_ROOT/<folder> to the same
    names below PRIVATE_MEDIA_ROOT (run by the migrations that made a field
    private). Idempotent: a file already moved is not touched again. Returns
    how many files were moved."""
    public_root = Path(settings.MEDIA_ROOT)
    source = public_root / folder
    if not source.is_dir():
        return 0
    private_root = Path(settings.PRIVATE_MEDIA_ROOT)
    moved = 0
    for path in sorted(source.rglob("*")):
        if not path.is_file():
            continue
        target = private_root / path.relative_to(public_root)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            # Stored names are random: the same name is the same file, already moved.
            path.unlink()
        else:
            shutil.move(path, target)
            moved += 1
    for folder_path in sorted(source.rglob("*"), reverse=True):
        if folder_path.is_dir() and not any(folder_path.iterdir()):
            folder_path.rmdir()
    if not any(source.iterdir()):
        source.rmdir()
    return moved
