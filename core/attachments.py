"""Files people uploaded, served without letting them run: an image is shown inline only when its bytes
prove its recorded type; anything else (a customer's HTML, SVG, PDF or script, a row stored under its
sender's label) is only ever downloaded, as octet-stream, with nosniff and a sandboxing CSP. The desk and
the portal serve attachments through ``attachment_response``.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from PIL import Image, UnidentifiedImageError

# What the desk and the portal show inline, by Pillow's name for the format; anything else downloads.
SHOWN_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}


def shown_type(data: bytes, *, recorded: str) -> str | None:
    """``recorded`` when ``data`` proves it (a whole JPEG, PNG, WebP or GIF of that format, as
    Pillow reads it), else None: the file is then only downloaded. A row stored before the photo
    check, or by a path that trusted the sender's label, is not shown by that label."""
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
    return recorded if SHOWN_TYPES.get(fmt) == recorded else None  # type: ignore[arg-type]  # None finds none


def attachment_response(attachment: Any) -> HttpResponse:
    """Shown in the page only when the bytes prove the recorded photo type (``shown_type``);
    anything else (a customer's HTML, PDF, script, a row stored under its sender's label) is only
    ever downloaded."""
    with attachment.file.open("rb") as stored:
        data = stored.read()
    inline = shown_type(data, recorded=attachment.content_type)
    response = HttpResponse(data, content_type=inline or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if not inline:
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(attachment.original_name)}"
    return response
