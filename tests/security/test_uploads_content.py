"""Uploads are judged by their bytes, not their names: a ".png" that is really HTML, an SVG with a
script or an executable is refused where only photos belong (the portal's request form, the
warehouse's photos on the desk) and kept as inert bytes where any file may come (mail attachments,
through the email webhook of the API), then served only as a download: ``application/octet-stream``,
``Content-Disposition: attachment``, ``X-Content-Type-Options: nosniff`` and a sandboxing CSP.
"""

from __future__ import annotations

import io
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from cases.models import Attachment, Case
from channels_app.models import EmailInbox
from tests.accounts.factories import UserFactory
from tests.cases.factories import (
    CaseFactory,
    CustomerFactory,
    OrderFactory,
    OrderLineFactory,
    ReturnPolicyFactory,
    ReturnPolicyRuleFactory,
)
from tests.channels_app.mailtools import post_signed
from tests.clients import portal_session

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """The attachments these tests write go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


def real_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, "PNG")
    return out.getvalue()


HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + b"\x80\x00\x00\x00" + b"PE\x00\x00"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
FAKES = {"html": HTML, "svg": SVG, "exe": EXE, "elf": ELF}


@pytest.fixture
def order(settings):
    cache.clear()  # the portal's rate-limit counters
    ReturnPolicyRuleFactory(policy=ReturnPolicyFactory())
    customer = CustomerFactory()
    order = OrderFactory(customer=customer)
    OrderLineFactory(order=order)
    return order


def ask_with_photo(order, name: str, content: bytes, content_type: str = "image/png"):
    client = portal_session(Client(), order.customer)
    line = order.lines.get()
    return client.post(
        reverse("portal:order", args=[order.number]),
        {
            "kind": "return",
            "reason": "damaged",
            "reason_text": "broken",
            f"qty_{line.pk}": "1",
            "photos": SimpleUploadedFile(name, content, content_type=content_type),
        },
    )


@pytest.mark.parametrize("fake", sorted(FAKES))
def test_the_portal_refuses_a_png_that_is_not_an_image_and_writes_nothing(order, fake):
    response = ask_with_photo(order, "photo.png", FAKES[fake])
    assert response.status_code == 400
    assert "is not a JPEG, PNG or WebP photo" in response.content.decode()
    assert not Case.objects.filter(order=order).exists() and not Attachment.objects.exists()


def test_a_png_with_html_after_its_image_data_is_stored_re_encoded_without_it(order):
    polyglot = real_png() + HTML
    response = ask_with_photo(order, "evil.html", polyglot, content_type="text/html")
    assert response.status_code == 302
    stored = Attachment.objects.get(case__order=order)
    data = stored.file.open("rb").read()
    assert b"<script" not in data and data.startswith(b"\x89PNG")
    assert stored.content_type == "image/png" and stored.file.name.endswith(".png")  # the bytes decided
    served = portal_session(Client(), order.customer).get(reverse("portal:photo", args=[stored.case.number, stored.pk]))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("fake", sorted(FAKES))
def test_the_desk_refuses_warehouse_photos_that_are_not_images(client, fake):
    agent = UserFactory(username="wh-agent", role="agent")
    case = CaseFactory()
    client.force_login(agent)
    response = client.post(
        reverse("desk:warehouse_photos", args=[case.number]),
        {"photos": SimpleUploadedFile("shelf.jpg", FAKES[fake], content_type="image/jpeg")},
    )
    assert response.status_code == 400
    assert not case.attachments.exists()


# --- mail attachments through the API (the email webhook) ---------------------------------------------


@pytest.fixture
def mailed(client):
    """One mail with a real photo and every fake, each labelled by its sender as an image."""
    inbox = EmailInbox.objects.create(code="up", name="Mail", address="service@shop.example.com")
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "Li Lei <li.lei@example.cn>", inbox.address, "photos"
    msg["Message-ID"] = make_msgid(domain="example.cn")
    msg.set_content("see attached")
    msg.add_attachment(real_png(), maintype="image", subtype="png", filename="real.png")
    msg.add_attachment(HTML, maintype="image", subtype="png", filename="html.png")
    msg.add_attachment(SVG, maintype="image", subtype="svg+xml", filename="drawing.svg")
    msg.add_attachment(EXE, maintype="image", subtype="png", filename="exe.png")
    msg.add_attachment(HTML, maintype="text", subtype="html", filename="page.html")
    answer = post_signed(
        client,
        reverse("channels:email-inbound", args=[inbox.code]),
        secret=inbox.webhook_secret,
        body=msg.as_bytes(),
        content_type="message/rfc822",
    )
    assert answer.status_code == 202, answer.content
    case = Case.objects.get(number=answer.json()["case"])
    return case, {a.original_name: a for a in case.attachments.all()}


def test_mail_attachments_are_typed_by_their_bytes_not_their_label(mailed):
    _case, files = mailed
    assert files["real.png"].content_type == "image/png"
    for name in ("html.png", "drawing.svg", "page.html"):
        assert files[name].content_type == "application/octet-stream", name
        assert files[name].file.name.endswith(".bin"), name
    assert files["exe.png"].content_type not in ("image/png", "text/html")
    assert not files["exe.png"].file.name.endswith(".png")


@pytest.mark.parametrize("where", ["desk", "portal"])
def test_a_fake_image_is_only_ever_downloaded_never_shown(mailed, where):
    case, files = mailed
    if where == "desk":
        client = Client()
        client.force_login(UserFactory(username="dl-agent", role="agent"))
        url = lambda a: reverse("desk:photo", args=[case.number, a.pk])  # noqa: E731
    else:
        client = portal_session(Client(), case.customer)
        url = lambda a: reverse("portal:photo", args=[case.number, a.pk])  # noqa: E731
    for name in ("html.png", "drawing.svg", "exe.png", "page.html"):
        served = client.get(url(files[name]))
        assert served.status_code == 200, name
        assert served["Content-Type"] == "application/octet-stream", name
        assert served["Content-Disposition"].startswith("attachment;"), name
        assert served["X-Content-Type-Options"] == "nosniff", name
        assert "sandbox" in served["Content-Security-Policy"], name
    photo = client.get(url(files["real.png"]))
    assert photo["Content-Type"] == "image/png" and "Content-Disposition" not in photo
    assert photo["X-Content-Type-Options"] == "nosniff"
