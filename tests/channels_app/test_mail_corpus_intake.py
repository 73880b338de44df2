"""The mail corpus through the real inbound webhook: for every file, the expected customer, case,
text and attachments (or, for automatic mail, no case at all). The parser's own expectations per
file are in mail_corpus/expected.yaml; this test reads the same file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.urls import reverse

from cases.models import Case, Customer, EventType
from channels_app.models import ContactIdentity, DeliveryStatus, EmailInbox, Message
from tests.channels_app.mailtools import post_signed

CORPUS = Path(__file__).parent / "mail_corpus"
EXPECTED = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_corpus_mail_lands_on_the_expected_customer_and_case(client, settings, name):
    expected = EXPECTED[name]
    if expected.get("max_attachment_bytes"):
        settings.MAIL_MAX_ATTACHMENT_BYTES = expected["max_attachment_bytes"]
    inbox = EmailInbox.objects.create(code="corpus", name="Corpus", address="service@example.com")
    raw = (CORPUS / name).read_bytes()
    response = post_signed(
        client,
        reverse("channels:email-inbound", args=[inbox.code]),
        secret=inbox.webhook_secret,
        body=raw,
        content_type="message/rfc822",
    )
    assert response.status_code == 202, response.content
    body = response.json()
    message = Message.objects.get(pk=body["message"])
    assert message.raw.content.tobytes() == raw  # kept exactly as it came, for audit
    if expected["is_auto"]:
        assert body["ignored"] is True and body["case"] is None
        assert message.status == DeliveryStatus.IGNORED
        assert Case.objects.count() == 0 and Customer.objects.count() == 0
        return
    case = Case.objects.get(number=body["case"])
    assert body["created_case"] is True and case.channel == "email"
    # The customer is the sender: a new customer reachable at that address.
    assert ContactIdentity.objects.get(kind="email", value=expected["from_address"]).customer == case.customer
    assert case.customer.email == expected["from_address"]
    if expected.get("from_name"):
        assert case.customer.name == expected["from_name"]
    # The timeline shows the new words, not the quoted history.
    note = case.events.get(type=EventType.CREATED).note
    for part in expected.get("new_text_contains", []):
        assert part in note, part
    for part in expected.get("new_text_excludes", []):
        assert part not in note, part
    # Attachments: kept on the case under their (sanitized) names, inline images included.
    kept = sorted(a.original_name for a in case.attachments.all())
    wanted = expected.get("attachments", [])
    assert len(kept) == len(wanted) and message.files.count() == len(wanted)
    assert set(a["filename"] for a in wanted if "filename" in a) <= set(kept)
    for name in kept:
        assert "/" not in name and "\\" not in name and not name.startswith(".") and len(name) <= 150
    for stored in case.attachments.all():
        assert stored.file.name.rsplit("/", 1)[-1] != stored.original_name  # stored under a random name
