"""Photos from customers and the warehouse: real JPEG / PNG / WebP images only, re-encoded so
their metadata (EXIF, GPS) goes, under a size and pixel limit, stored under random names."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass

from django.utils.translation import gettext as _

from cases.exceptions import InvalidInput

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


def clean_photo(upload) -> Photo:
    """A real JPEG / PNG / WebP image, re-encoded without its metadata (EXIF, GPS), under the size limit."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    label = (upload.name or "photo").replace("\\", "/").rsplit("/", 1)[-1][:80] or "photo"
    if upload.size > MAX_PHOTO_BYTES:
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
        image = Image.open(io.BytesIO(raw))
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


# What the desk and the portal show inline, by Pillow's name for the format; anything else downloads.
SHOWN_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}


def shown_type(data: bytes, *, recorded: str) -> str | None:
    """``recorded`` when ``data`` proves it (a whole JPEG, PNG, WebP or GIF of that format, as
    Pillow reads it), else None: the file is then only downloaded. A row stored before the photo
    check, or by a path that trusted the sender's label, is not shown by that label."""
    from PIL import Image, UnidentifiedImageError

    if recorded not in SHOWN_TYPES.values():
        return None
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # verify() does not decode: a cut-off file fails here
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    return recorded if SHOWN_TYPES.get(fmt) == recorded else None
