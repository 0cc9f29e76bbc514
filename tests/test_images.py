"""sammen.images: images are judged by content, bounded, and stripped of metadata."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from sammen.images import process_image


def upload(data: bytes, name: str = "billede.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def jpeg_with_gps(size: tuple[int, int] = (64, 32), orientation: int | None = None) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Telefonen"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (55.0, 40.0, 12.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (12.0, 34.0, 56.0)
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    buf = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buf, format="JPEG", exif=exif)
    return buf.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that *claims* width x height: cheap to make, expensive to decode."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def test_the_crafted_input_really_carries_gps_data() -> None:
    with Image.open(io.BytesIO(jpeg_with_gps())) as img:
        gps = img.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert gps[ExifTags.GPS.GPSLatitudeRef] == "N"


def test_process_image_drops_all_exif_including_gps() -> None:
    result = process_image(upload(jpeg_with_gps()), max_side=256)

    with Image.open(io.BytesIO(result.read())) as out:
        assert out.format == "JPEG"
        assert "exif" not in out.info
        assert dict(out.getexif()) == {}
        assert out.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert str(result.name).endswith(".jpg")
    assert "billede" not in str(result.name)  # the uploaded name is not reused


def test_process_image_applies_the_orientation_before_dropping_it() -> None:
    # Orientation 6: the camera was turned; the stored 64x32 pixels are shown 32x64.
    result = process_image(upload(jpeg_with_gps((64, 32), orientation=6)), max_side=256)
    with Image.open(io.BytesIO(result.read())) as out:
        assert out.size == (32, 64)


def test_process_image_scales_down_to_max_side() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (2000, 1000)).save(buf, format="PNG")
    result = process_image(upload(buf.getvalue(), "stor.png"), max_side=400)
    with Image.open(io.BytesIO(result.read())) as out:
        assert out.size == (400, 200)


def test_process_image_keeps_transparency_as_png() -> None:
    buf = io.BytesIO()
    Image.new("RGBA", (20, 20), (0, 0, 0, 0)).save(buf, format="PNG")
    result = process_image(upload(buf.getvalue(), "logo.png"), max_side=64)
    with Image.open(io.BytesIO(result.read())) as out:
        assert out.format == "PNG"
        assert out.mode == "RGBA"


def test_process_image_refuses_a_text_file_named_jpg() -> None:
    with pytest.raises(ValidationError) as excinfo:
        process_image(upload(b"Kaere dagbog, i dag ..."), max_side=256)
    assert excinfo.value.code == "bad_format"
    assert "Filen er ikke et billede" in excinfo.value.messages[0]


def test_process_image_refuses_a_format_that_is_not_allowed() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, format="GIF")
    with pytest.raises(ValidationError) as excinfo:
        process_image(upload(buf.getvalue(), "animation.jpg"), max_side=256)
    assert excinfo.value.code == "bad_format"


def test_process_image_refuses_a_truncated_image() -> None:
    buf = io.BytesIO()
    Image.effect_noise((300, 300), 80).convert("RGB").save(buf, format="JPEG", quality=95)
    data = buf.getvalue()

    with pytest.raises(ValidationError) as excinfo:
        process_image(upload(data[: len(data) // 2]), max_side=256)
    assert excinfo.value.code == "broken"
    assert "beskadiget eller ufuldstændigt" in excinfo.value.messages[0]


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (20000, 20000),  # far past Pillow's own decompression-bomb limit
        (8000, 6000),  # 48 MP: under Pillow's limit, over Sammen's 40 MP
    ],
)
def test_process_image_refuses_too_many_pixels_without_decoding(width: int, height: int) -> None:
    data = png_header_only(width, height)
    assert len(data) < 200

    with pytest.raises(ValidationError) as excinfo:
        process_image(upload(data, "bombe.png"), max_side=256)
    assert excinfo.value.code == "too_many_pixels"
    assert "for mange pixels" in excinfo.value.messages[0]


def test_process_image_refuses_a_file_over_the_byte_limit(settings: object) -> None:
    settings.SAMMEN_MAX_IMAGE_BYTES = 1024 * 1024  # type: ignore[attr-defined]
    big = upload(b"\xff" * (1024 * 1024 + 1))
    with pytest.raises(ValidationError) as excinfo:
        process_image(big, max_side=256)
    assert excinfo.value.code == "too_large"
    assert "1 MB" in excinfo.value.messages[0]
