"""Validating and normalising uploaded images (avatars, group covers).

Images are judged by their content, never their name: Pillow must recognise a
permitted format, the pixel count is bounded before decoding (decompression
bombs), the whole image is decoded (truncated files fail here, not later),
orientation is applied and every piece of metadata (EXIF, GPS) is dropped by
re-encoding only the pixels.
"""

from __future__ import annotations

import io
import uuid
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

# HEIC is what iPhones send; pillow-heif teaches Pillow to read it.
register_heif_opener()

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF"}


def process_image(
    upload: UploadedFile, *, max_side: int, square: bool = False
) -> ContentFile[bytes]:
    """Return a cleaned JPEG (or PNG when it has transparency) no larger than
    `max_side` pixels on its longest side, or raise ValidationError in Danish."""
    return encode_image(load_image(upload), max_side=max_side, square=square)


def process_photo(upload: UploadedFile) -> tuple[ContentFile[bytes], ContentFile[bytes]]:
    """A post photo: a display size (1600 px) and a thumbnail (480 px)."""
    image = load_image(upload)
    return encode_image(image, max_side=1600), encode_image(image, max_side=480)


def load_image(upload: UploadedFile) -> Image.Image:
    """Open, bound, fully decode and orient an upload, or raise ValidationError."""
    if upload.size and upload.size > settings.SAMMEN_MAX_IMAGE_BYTES:
        raise ValidationError(
            _("Billedet er for stort. Det må højst fylde %(mb)d MB.")
            % {"mb": settings.SAMMEN_MAX_IMAGE_BYTES // (1024 * 1024)},
            code="too_large",
        )
    max_pixels = settings.SAMMEN_MAX_IMAGE_PIXELS
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as probe:
                if probe.format not in ALLOWED_FORMATS:
                    raise ValidationError(
                        _(
                            "Filen er ikke et billede, vi kan bruge. "
                            "Brug JPEG, PNG, WebP eller HEIC."
                        ),
                        code="bad_format",
                    )
                width, height = probe.size
                if width * height > max_pixels:
                    raise ValidationError(
                        _("Billedet har for mange pixels. Brug et mindre billede."),
                        code="too_many_pixels",
                    )
                probe.load()
                try:
                    image = ImageOps.exif_transpose(probe)
                except Exception:
                    # EXIF that Pillow reads but cannot write back (a wrongly typed tag).
                    image = _orient_without_exif(probe)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("Billedet har for mange pixels. Brug et mindre billede."),
            code="too_many_pixels",
        ) from None
    except UnidentifiedImageError:
        raise ValidationError(
            _("Filen er ikke et billede, vi kan bruge. Brug JPEG, PNG, WebP eller HEIC."),
            code="bad_format",
        ) from None
    except (OSError, SyntaxError, ValueError):
        raise ValidationError(
            _("Billedet er beskadiget eller ufuldstændigt. Prøv et andet billede."),
            code="broken",
        ) from None

    return image


_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _orient_without_exif(image: Image.Image) -> Image.Image:
    """What exif_transpose does, without re-serialising the EXIF we drop anyway."""
    try:
        orientation = image.getexif().get(0x0112)
    except Exception:
        orientation = None
    method = _ORIENTATION.get(orientation) if isinstance(orientation, int) else None
    return image.transpose(method) if method is not None else image.copy()


def encode_image(image: Image.Image, *, max_side: int, square: bool = False) -> ContentFile[bytes]:
    """Re-encode only the pixels, scaled down to `max_side`."""
    if square:
        image = ImageOps.fit(image, (max_side, max_side), Image.Resampling.LANCZOS)
    else:
        image = image.copy()
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)

    has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    out = io.BytesIO()
    if has_alpha:
        # Only the pixels are copied: no info dict, so no EXIF or text chunks survive.
        clean = Image.new("RGBA", image.size)
        clean.paste(image.convert("RGBA"))
        clean.save(out, format="PNG", optimize=True)
        ext = "png"
    else:
        clean = Image.new("RGB", image.size)
        clean.paste(image.convert("RGB"))
        clean.save(out, format="JPEG", quality=85, optimize=True)
        ext = "jpg"
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{ext}")
