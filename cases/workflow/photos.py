"""Photos from customers and the warehouse: real JPEG / PNG / WebP images only, re-encoded so
their metadata (EXIF, GPS) goes, under a size and pixel limit, stored under random names."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from cases.exceptions import InvalidInput
from core.attachments import SHOWN_TYPES, shown_type

MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
IMAGE_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}


class PhotoRejected(InvalidInput):
    """Not a photo we keep: the message says which file and why."""


@dataclass(frozen=True)
class Photo:
    name: str
    content_type: str
    data: bytes


def clean_photo(upload: UploadedFile[bytes]) -> Photo:
    """A real JPEG / PNG / WebP image, re-encoded without its metadata (EXIF, GPS), under the size limit."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    label = (upload.name or "photo").replace("\\", "/").rsplit("/", 1)[-1][:80] or "photo"
    if upload.size > MAX_PHOTO_BYTES:  # type: ignore[operator]  # an upload has a size
        raise PhotoRejected(
            _("“%(name)s” is larger than %(mb)s MB; send a smaller photo.")
            % {"name": label, "mb": MAX_PHOTO_BYTES // 2**20}
        )
    raw = upload.read(MAX_PHOTO_BYTES + 1)
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            fmt = probe.format
            probe.verify()
        if fmt not in IMAGE_FORMATS:
            raise UnidentifiedImageError(fmt)
        image: Image.Image = Image.open(io.BytesIO(raw))
        if image.width * image.height > MAX_PIXELS:
            raise PhotoRejected(_("“%(name)s” has too many pixels; send a smaller photo.") % {"name": label})
        image = ImageOps.exif_transpose(image)
        out = io.BytesIO()
        if fmt == "JPEG":
            image.convert("RGB").save(out, "JPEG", quality=88)
        else:
            image.save(out, fmt)
    except PhotoRejected:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise PhotoRejected(
            _("“%(name)s” is not a JPEG, PNG or WebP photo. Choose a photo file.") % {"name": label}
        ) from None
    content_type, ext = IMAGE_FORMATS[fmt]
    return Photo(name=f"{uuid.uuid4().hex}.{ext}", content_type=content_type, data=out.getvalue())


__all__ = ["SHOWN_TYPES", "Photo", "PhotoRejected", "clean_photo", "shown_type"]
