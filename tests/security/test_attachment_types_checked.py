"""Attachment rows stored before the photo check (or written by any path that trusted the client's
label) keep the type the client declared. Two guards: the data migration
``cases.0019_attachment_checked_types`` re-checks the bytes of every row that claims an image type
and records the real one (``application/octet-stream`` when the bytes are no image), and the desk
and the portal show a file inline only when its bytes prove its recorded type; anything else is a
download (octet-stream, ``Content-Disposition: attachment``, nosniff, a sandboxing CSP).
"""

from __future__ import annotations

import importlib
import io

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from cases.models import Attachment
from channels_app import portal
from tests.accounts.factories import UserFactory
from tests.cases.factories import CaseFactory

pytestmark = pytest.mark.django_db

HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, fmt)
    return out.getvalue()


def stored_the_old_way(case, name: str, declared: str, data: bytes) -> Attachment:
    """A row as the portal wrote it before the photo check: the client's label, the bytes as sent."""
    row = Attachment(case=case, original_name=name, content_type=declared, size=len(data), public=True)
    row.file.save(name, ContentFile(data), save=True)
    return row


@pytest.fixture
def old_rows():
    case = CaseFactory()
    rows = {
        "html.png": stored_the_old_way(case, "html.png", "image/png", HTML),
        "report.jpg": stored_the_old_way(case, "report.jpg", "image/jpeg", PDF),
        "mislabelled.jpg": stored_the_old_way(case, "mislabelled.jpg", "image/jpeg", image("PNG")),
        "real.jpg": stored_the_old_way(case, "real.jpg", "image/jpeg", image("JPEG")),
        "real.gif": stored_the_old_way(case, "real.gif", "image/gif", image("GIF")),
        "cut.png": stored_the_old_way(case, "cut.png", "image/png", image("PNG")[:30]),
        "notes.pdf": stored_the_old_way(case, "notes.pdf", "application/pdf", PDF),
    }
    gone = stored_the_old_way(case, "gone.webp", "image/webp", image("WEBP"))
    gone.file.delete(save=False)
    rows["gone.webp"] = gone
    return case, rows


def check_stored_types() -> None:
    importlib.import_module("cases.migrations.0019_attachment_checked_types").check_types(apps, None)


def test_the_migration_records_the_type_the_bytes_prove(old_rows):
    _case, rows = old_rows

    check_stored_types()

    types = {name: Attachment.objects.get(pk=row.pk).content_type for name, row in rows.items()}
    assert types == {
        "html.png": "application/octet-stream",
        "report.jpg": "application/octet-stream",
        "mislabelled.jpg": "image/png",
        "real.jpg": "image/jpeg",
        "real.gif": "image/gif",
        "cut.png": "application/octet-stream",  # a truncated image is not shown either
        "notes.pdf": "application/pdf",  # not an image type: never shown inline, left as it is
        "gone.webp": "application/octet-stream",  # no bytes to prove anything
    }
    check_stored_types()  # a second run changes nothing
    assert {name: Attachment.objects.get(pk=row.pk).content_type for name, row in rows.items()} == types


def served(where: str, case, row: Attachment):
    if where == "desk":
        client = Client()
        client.force_login(UserFactory(username="types-agent", role="agent"))
        return client.get(reverse("desk:photo", args=[case.number, row.pk]))
    client = Client()
    session = client.session
    session[portal.SESSION_KEY] = {
        "customer": case.customer.pk,
        "until": (timezone.now() + portal.SESSION_TTL).isoformat(),
    }
    session.save()
    return client.get(reverse("portal:photo", args=[case.number, row.pk]))


@pytest.mark.parametrize("where", ["desk", "portal"])
def test_a_row_written_the_old_way_is_only_downloaded_even_before_the_migration(old_rows, where):
    case, rows = old_rows
    for name in ("html.png", "report.jpg", "cut.png"):
        response = served(where, case, rows[name])
        assert response.status_code == 200, name
        assert response["Content-Type"] == "application/octet-stream", name
        assert response["Content-Disposition"].startswith("attachment;"), name
        assert response["X-Content-Type-Options"] == "nosniff" and "sandbox" in response["Content-Security-Policy"]


@pytest.mark.parametrize("where", ["desk", "portal"])
def test_real_photos_are_shown_by_their_recorded_type(old_rows, where):
    case, rows = old_rows
    check_stored_types()
    for name, expected in (("real.jpg", "image/jpeg"), ("real.gif", "image/gif"), ("mislabelled.jpg", "image/png")):
        response = served(where, case, rows[name])
        assert response["Content-Type"] == expected and "Content-Disposition" not in response, name
        assert response["X-Content-Type-Options"] == "nosniff", name
