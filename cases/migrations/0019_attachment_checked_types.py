"""Attachment rows stored before the photo check (cases.workflow.photos) carry the type the client
declared. Each row that claims an image type the pages show inline (JPEG, PNG, WebP, GIF) gets the
type its bytes prove, read with Pillow as the check reads them; bytes that are no such image (HTML,
a PDF, a cut-off file) or a missing file get ``application/octet-stream``, a download. Other rows
are left as they are: they are never shown inline. Running it again changes nothing.

Self-contained (no import of the app's code), so it reads the same whatever the code becomes.
"""

import io

from django.db import migrations
from PIL import Image, UnidentifiedImageError

# Pillow's format name -> the type recorded, for the types the desk and the portal show inline.
SHOWN = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
OPAQUE = "application/octet-stream"
MAX_BYTES = 64 * 1024 * 1024  # larger than any upload limit; a bigger "image" is not read


def proven_type(data: bytes) -> str:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # verify() does not decode; a cut-off file fails here
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return OPAQUE
    return SHOWN.get(fmt, OPAQUE)


def read(row) -> bytes | None:
    try:
        with row.file.open("rb") as stored:
            data = stored.read(MAX_BYTES + 1)
    except (OSError, ValueError):
        return None
    return data if len(data) <= MAX_BYTES else None


def check_types(apps, schema_editor):
    Attachment = apps.get_model("cases", "Attachment")
    rows = Attachment.objects.filter(content_type__in=SHOWN.values()).only("pk", "file", "content_type")
    for row in rows.iterator(chunk_size=500):
        data = read(row) if row.file else None
        checked = proven_type(data) if data else OPAQUE
        if checked != row.content_type:
            Attachment.objects.filter(pk=row.pk).update(content_type=checked)


class Migration(migrations.Migration):
    dependencies = [("cases", "0018_notification_outbox")]

    operations = [migrations.RunPython(check_types, migrations.RunPython.noop, elidable=True)]
