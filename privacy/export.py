"""Building a person's export: a ZIP written in a stream, file by file and row
by row, so 5,000 posts and 2,000 photos never sit in memory (zipstream-ng
yields the archive in chunks; the storage writes them as they come)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

import zipstream
from django.conf import settings
from django.core.files.storage import Storage
from django.template.loader import render_to_string
from django.utils import timezone, translation

from posts.models import PostImage
from privacy import sources
from privacy.registry import Source
from privacy.selectors import privacy_page
from scheduler.models import ScheduledPhoto

CHUNK = 64 * 1024
ROWS_PER_QUERY = 2000


def _rows(source: Source, user: Any, ctx: sources.Context) -> Iterator[dict[str, Any]]:
    assert source.columns is not None
    for row in source.queryset(user).iterator(chunk_size=ROWS_PER_QUERY):
        yield source.columns(row, ctx)


def _json_lines(source: Source, user: Any, ctx: sources.Context) -> Iterator[bytes]:
    """A JSON array, one row per line, encoded as it is read."""
    yield b"[\n"
    first = True
    for row in _rows(source, user, ctx):
        prefix = b"" if first else b",\n"
        first = False
        yield prefix + json.dumps(row, ensure_ascii=False).encode()
    yield b"\n]\n"


def _csv_value(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "ja" if value else "nej"
    return value


def _csv_lines(source: Source, user: Any, ctx: sources.Context) -> Iterator[bytes]:
    """CSV for Danish Excel: UTF-8 with a byte order mark, ';' between fields."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    header_written = False
    yield "\ufeff".encode()
    for row in _rows(source, user, ctx):
        if not header_written:
            writer.writerow(list(row))
            header_written = True
        writer.writerow([_csv_value(v) for v in row.values()])
        if buffer.tell() > CHUNK:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if not header_written and source.columns is not None:
        writer.writerow(["id"])
    yield buffer.getvalue().encode()


def _file_chunks(storage: Storage, name: str) -> Iterator[bytes]:
    try:
        handle = storage.open(name, "rb")
    except FileNotFoundError:
        return
    with handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def exported_sources() -> list[Source]:
    return [s for s in sources.SOURCES if s.file is not None and s.installed]


def readme(user: Any) -> str:
    """LÆS_MIG.txt: what each file is and the art. 15 facts, in Danish."""
    with translation.override("da"):
        return render_to_string(
            "privacy/export_readme.txt",
            {
                "user": user,
                "files": exported_sources(),
                "page": privacy_page(),
                "made_at": timezone.now(),
                "settings": settings,
            },
        )


def archive(user: Any) -> zipstream.ZipStream:
    """The person's whole export as a lazily built ZIP: nothing is read from
    the database or the storage until the stream is iterated."""
    ctx = sources.Context(user)
    zs = zipstream.ZipStream(compress_type=zipstream.ZIP_DEFLATED, sized=False)
    zs.add(readme(user).encode(), "LÆS_MIG.txt")
    for source in exported_sources():
        zs.add(_json_lines(source, user, ctx), f"{source.file}.json")
        zs.add(_csv_lines(source, user, ctx), f"{source.file}.csv")
    # Photos at their stored (display) size; the thumbnail is a copy of the same.
    for image in (
        PostImage.objects.filter(post__author=user)
        .order_by("pk")
        .iterator(chunk_size=ROWS_PER_QUERY)
    ):
        zs.add(
            _file_chunks(image.image.storage, image.image.name),
            sources.photo_arcname(image),
            compress_type=zipstream.ZIP_STORED,
        )
    for photo in ScheduledPhoto.objects.filter(scheduled_post__author=user).order_by("pk"):
        zs.add(
            _file_chunks(photo.image.storage, photo.image.name),
            sources.scheduled_photo_arcname(photo),
            compress_type=zipstream.ZIP_STORED,
        )
    if user.avatar:
        zs.add(
            _file_chunks(user.avatar.storage, user.avatar.name),
            "profilbillede/" + user.avatar.name.rsplit("/", 1)[-1],
            compress_type=zipstream.ZIP_STORED,
        )
    return zs


class StreamReader(io.RawIOBase):
    """A read()-able file over a stream of chunks, for Storage.save(): the
    archive goes to the storage as it is made."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._buffer = b""
        self.written = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if size < 0:
            out, self._buffer = self._buffer, b""
        else:
            out, self._buffer = self._buffer[:size], self._buffer[size:]
        self.written += len(out)
        return out
