"""The phone desk pages show no full phone number without a reveal (issue 16): the call form is not
prefilled with the customer's number (it shows it masked and uses it when the field is left empty),
and the timeline texts of calls (the note, the "call back" flag) carry the number masked; the full
number stays in the call's message (sender / recipient) and the customer record, shown on the case
page after a reveal with a reason, which is audited."""

from __future__ import annotations

import pytest

from cases.models import Case, CaseEvent, EventType
from cases.services import create_case
from channels_app import phone
from channels_app.models import Message
from privacy.models import AuditAction, AuditLog
from tests.cases.factories import CustomerFactory, TeamFactory

pytestmark = pytest.mark.django_db

URL = "/desk/calls/new/"
PHONE = "+8613800138000"
MASKED = "+*********8000"


def complaint(customer) -> Case:
    return create_case(customer=customer, kind="complaint", channel="email", subject="坏了")


def form(**overrides) -> dict:
    data = {
        "direction": "in",
        "number": "",
        "duration": "2:05",
        "summary": "客户来电询问退款进度。",
        "outcome": "follow_up",
        "case": "",
        "line": "",
    }
    data.update(overrides)
    return data


def test_the_call_form_of_a_case_shows_the_customers_number_masked_only(client, agent):
    case = complaint(CustomerFactory(phone=PHONE))
    client.force_login(agent)
    html = client.get(f"{URL}?case={case.number}").content.decode()
    assert case.number in html and MASKED in html
    assert PHONE not in html and "13800138000" not in html
    assert not AuditLog.objects.filter(action=AuditAction.REVEAL_CONTACT).exists()


def test_a_call_on_a_case_without_a_typed_number_uses_the_customers_number(client, agent):
    case = complaint(CustomerFactory(phone=PHONE))
    client.force_login(agent)
    response = client.post(URL, form(case=case.number))
    assert response.status_code == 302 and response["Location"].startswith(f"/desk/cases/{case.number}/")
    message = Message.objects.get(channel="phone")
    assert (message.case, message.sender) == (case, PHONE)


def test_a_call_without_a_number_or_a_case_is_refused_and_writes_nothing(client, agent):
    client.force_login(agent)
    response = client.post(URL, form())
    assert response.status_code == 400
    assert "phone number" in response.content.decode()
    assert not Message.objects.exists()


def test_the_number_of_a_case_the_agent_may_not_see_is_not_used(client, settings, agent):
    settings.DESK_TEAMS_RESTRICT = True
    case = complaint(CustomerFactory(phone=PHONE))
    Case.objects.filter(pk=case.pk).update(team=TeamFactory())
    client.force_login(agent)
    assert MASKED not in client.get(f"{URL}?case={case.number}").content.decode()
    response = client.post(URL, form(case=case.number))
    assert response.status_code == 400
    assert PHONE not in response.content.decode() and MASKED not in response.content.decode()
    assert not Message.objects.exists()


def test_call_notes_on_the_case_page_show_the_number_masked_until_revealed(client, agent):
    case = complaint(CustomerFactory(phone=PHONE))
    client.force_login(agent)
    client.post(URL, form(number=PHONE, case=case.number, outcome="call_back"))
    texts = [e.note for e in CaseEvent.objects.filter(case=case)] + [m.text for m in Message.objects.all()]
    assert any(MASKED in t for t in texts)
    assert not [t for t in texts if "13800138000" in t]
    assert case.events.filter(type=EventType.NOTE, data__flag=phone.CALL_BACK_TAG).exists()
    page = client.get(f"/desk/cases/{case.number}/").content.decode()
    assert "13800138000" not in page and MASKED in page
    client.post(f"/desk/cases/{case.number}/reveal-contact/", {"reason": "客户要求回电"})
    assert PHONE in client.get(f"/desk/cases/{case.number}/").content.decode()
    assert AuditLog.objects.filter(action=AuditAction.REVEAL_CONTACT, case_number=case.number).count() == 1


def test_a_telephony_missed_call_note_masks_the_number():
    text = phone._call_text(
        direction="in", number=PHONE, duration=0, summary="", event=phone.CallEvent.MISSED, recording_url=""
    )
    assert MASKED in text and "13800138000" not in text
