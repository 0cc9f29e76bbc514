"""Helpers for the posts app: an author in the group, posts made through the
service, and image files built in memory (valid, broken and hostile)."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from accounts.models import User
from groups.models import Group
from posts import services
from posts.models import Post
from tests.conftest import make_membership, make_user

# Distinctive strings, so a leak is a plain substring of a page or a socket message.
POST_TEXT = "Hemmelig strikkeopskrift med blåbærgarn"
COMMENT_TEXT = "Tak for opskriften, Kirsten"


@pytest.fixture
def author(group: Group) -> User:
    """An ordinary member who writes the post the other roles look at."""
    user = make_user("author@example.org", "Kirsten Skribentsen")
    make_membership(user, group)
    return user


@pytest.fixture
def post(author: User, group: Group) -> Post:
    return services.post_create(actor=author, group=group, body=POST_TEXT, theme="sammen")


def feed_page(client: Client, group: Group) -> str:
    """The group's feed page as the client's member sees it."""
    response = client.get(reverse("group-detail", kwargs={"group_slug": group.slug}))
    assert response.status_code == 200
    return response.content.decode()


def make_post(actor: User, group: Group, body: str = "Et opslag", **kwargs: Any) -> Post:
    return services.post_create(actor=actor, group=group, body=body, **kwargs)


# --- images ---------------------------------------------------------------------------


def image_bytes(
    fmt: str = "JPEG",
    size: tuple[int, int] = (64, 48),
    color: tuple[int, ...] = (200, 120, 40),
    mode: str = "RGB",
    noise: bool = False,
    **save: Any,
) -> bytes:
    if noise:
        image = Image.frombytes(mode, size, _noise(size[0] * size[1] * len(mode)))
    else:
        image = Image.new(mode, size, color)
    buf = io.BytesIO()
    image.save(buf, format=fmt, **save)
    return buf.getvalue()


def _noise(n: int) -> bytes:
    # Deterministic, incompressible-ish bytes (so a truncated JPEG really lacks data).
    out = bytearray()
    x = 2463534242
    while len(out) < n:
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        out += x.to_bytes(4, "little")
    return bytes(out[:n])


def upload(data: bytes, name: str = "foto.jpg", content_type: str = "image/jpeg") -> Any:
    return SimpleUploadedFile(name, data, content_type=content_type)


def photo(data: bytes | None = None, name: str = "foto.jpg", alt: str = "") -> Any:
    return services.PhotoUpload(file=upload(data or image_bytes(), name), alt_text=alt)


def png_with_size(width: int, height: int) -> bytes:
    """A tiny valid PNG whose header claims width x height (CRC fixed), the
    cheap way to make a decompression bomb."""
    data = bytearray(image_bytes("PNG", size=(1, 1), mode="L", color=(0,)))
    # signature (8) + length (4) + b"IHDR" (4) + 13 bytes of header + CRC (4)
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF
    data[29:33] = struct.pack(">I", crc)
    return bytes(data)


def files_under(root: Any) -> list[Path]:
    root = Path(root)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def raw_exif(orientation: int, bad_tag: tuple[int, int, bytes]) -> bytes:
    """An APP1 EXIF block with Orientation and one wrongly typed tag (as a buggy
    phone or editor writes it): Pillow reads it but cannot write it back.
    `bad_tag` is (tag, TIFF type, value bytes stored after the IFD)."""
    tag, typ, value = bad_tag
    value_offset = 8 + 2 + 12 * 2 + 4
    entries = struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack(
        "<HHII", tag, typ, 1, value_offset
    )
    ifd = struct.pack("<H", 2) + entries + struct.pack("<I", 0)
    return b"Exif\x00\x00" + b"II*\x00" + struct.pack("<I", 8) + ifd + value
