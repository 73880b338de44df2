"""Phone: the workbench's "Log a call" and the telephony webhook.

A logged or pushed call is one phone ``Message`` and one timeline entry; an inbound call is the
customer speaking (it joins their open case or opens one), an outbound call is the agent's
response (it stops the response clocks) and is sent nowhere; a retried event changes nothing.
"""

from __future__ import annotations

import json
import time

import pytest
from django.urls import include, path

from aftersales.urls import urlpatterns as project_urlpatterns
from cases.models import Case, CaseEvent, CaseStatus, Customer, EventType, Notification
from cases.services import create_case
from channels_app import phone, signing
from channels_app.models import ContactIdentity, Message, PhoneLine
from tests.accounts.factories import UserFactory
from tests.cases.factories import CustomerFactory, TeamFactory

# The project includes "Log a call" at /desk/calls/; until it does, this module is the urlconf.
urlpatterns = list(project_urlpatterns)
if not any(getattr(p, "namespace", None) == "desk_calls" for p in urlpatterns):
    urlpatterns.insert(0, path("desk/calls/", include("channels_app.desk_urls")))

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

URL = "/desk/calls/new/"
NUMBER = "+86 138 0013 8000"


def complaint(customer, **kw) -> Case:
    return create_case(customer=customer, kind="complaint", channel="email", **kw)


def form(**overrides) -> dict:
    data = {
        "direction": "in",
        "number": NUMBER,
        "duration": "2:05",
        "summary": "客户来电询问退款进度。",
        "outcome": "follow_up",
        "case": "",
        "line": "",
    }
    data.update(overrides)
    return data


def counts() -> tuple[int, int, int, int]:
    return Message.objects.count(), CaseEvent.objects.count(), Case.objects.count(), Customer.objects.count()


# --- who -------------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_sign_in_page(client):
    for response in (client.get(URL), client.post(URL, form())):
        assert response.status_code == 302 and response["Location"].startswith("/desk/login/")
    assert Message.objects.count() == 0


@pytest.mark.parametrize("role", ["outsider", "integration_user"])
def test_users_without_the_desk_role_are_refused(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(URL).status_code == 403
    assert client.post(URL, form()).status_code == 403
    assert Message.objects.count() == 0


def test_desk_staff_who_may_not_work_cases_are_refused(client):
    from django.contrib.auth.models import Permission

    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="cases", codename__in=["view_case", "view_caseevent"])
    )
    client.force_login(viewer)
    assert client.get(URL).status_code == 403
    assert client.post(URL, form()).status_code == 403


def test_an_agent_gets_the_form_prefilled_from_the_case(client, agent):
    customer = CustomerFactory(phone="+8613800138000")
    case = complaint(customer)
    client.force_login(agent)
    page = client.get(f"{URL}?case={case.number}")
    assert page.status_code == 200
    html = page.content.decode()
    # The number is shown masked only (no reveal here); left empty, the call uses it (test_phone_privacy.py).
    assert "Log a call" in html and case.number in html and "+*********8000" in html
    assert "+8613800138000" not in html
    assert 'id="log-call"' in client.get(f"/desk/cases/{case.number}/").content.decode()


# --- logging a call --------------------------------------------------------------------------------------


def test_a_call_from_a_known_number_joins_the_customers_open_case(client, agent):
    customer = CustomerFactory(phone="+8613800138000")
    case = complaint(customer)
    client.force_login(agent)
    response = client.post(URL, form(number="138-0013-8000"))
    assert response.status_code == 302 and response["Location"].startswith(f"/desk/cases/{case.number}/")
    message = Message.objects.get(channel="phone")
    assert (message.case, message.customer, message.direction) == (case, customer, "in")
    assert message.data["call"] == {
        "duration": 125,
        "outcome": "follow_up",
        "event": "ended",
        "logged_by": "agent-a",
    }
    event = message.event
    assert (event.type, event.public, event.channel, event.actor_id) == (EventType.REPLY, True, "phone", None)
    assert event.actor_label == "customer" and event.data["direction"] == "in"
    assert event.data["logged_by"] == "agent-a" and event.note == "客户来电询问退款进度。"
    assert Case.objects.count() == 1
    assert ContactIdentity.objects.filter(customer=customer, kind="phone", value="+8613800138000").exists()


def test_a_call_from_an_unknown_number_opens_a_phone_inquiry(client, agent):
    client.force_login(agent)
    response = client.post(URL, form(number="+86 139 1111 2222"))
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.kind, case.channel, case.status) == ("inquiry", "phone", CaseStatus.NEW)
    assert case.customer.phone == "+8613911112222"
    created = case.events.get(type=EventType.CREATED)
    assert created.actor_label == "customer" and created.data["logged_by"] == "agent-a"
    assert Message.objects.get().event == created


def test_a_call_about_a_given_case_joins_that_case(client, agent):
    customer = CustomerFactory(phone="+8613800138000")
    older = complaint(customer)
    newer = complaint(customer)
    client.force_login(agent)
    response = client.post(URL, form(case=older.number.lower()))
    assert response.status_code == 302 and older.number in response["Location"]
    assert Message.objects.get().case == older
    assert not newer.events.filter(type=EventType.REPLY).exists()


def test_an_outbound_call_is_the_agents_response_and_is_sent_nowhere(client, agent):
    customer = CustomerFactory(phone="+8613800138000")
    case = complaint(customer)
    assert case.first_responded_at is None
    client.force_login(agent)
    response = client.post(URL, form(direction="out", outcome="resolved", summary="已电话告知客户退款到账。"))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.first_responded_at is not None
    message = Message.objects.get()
    assert (message.direction, message.channel, message.status, message.case) == ("out", "phone", "sent", case)
    event = message.event
    assert (event.type, event.public, event.actor, event.channel) == (EventType.REPLY, True, agent, "phone")
    assert event.data["direction"] == "out" and event.data["call"]["outcome"] == "resolved"
    assert Message.objects.filter(direction="out").exclude(channel="phone").count() == 0


def test_an_outbound_call_emails_the_customer_nothing(client, agent):
    case = complaint(CustomerFactory(phone="+8613800138000"))
    before = Notification.objects.filter(case=case, user__isnull=True).count()
    client.force_login(agent)
    assert client.post(URL, form(direction="out", outcome="resolved")).status_code == 302
    assert Notification.objects.filter(case=case, user__isnull=True).count() == before


def test_an_unanswered_outbound_call_is_a_note_and_no_response(client, agent):
    case = complaint(CustomerFactory(phone="+8613800138000"))
    client.force_login(agent)
    assert client.post(URL, form(direction="out", outcome="no_answer", duration="0")).status_code == 302
    case.refresh_from_db()
    assert case.first_responded_at is None
    event = Message.objects.get().event
    assert (event.type, event.public) == (EventType.NOTE, False)


def test_a_requested_call_back_tags_the_case_once(client, agent):
    case = complaint(CustomerFactory(phone="+8613800138000"))
    client.force_login(agent)
    client.post(URL, form(outcome="call_back"))
    client.post(URL, form(outcome="call_back", summary="又打来了"))
    assert list(case.tags.values_list("name", flat=True)) == [phone.CALL_BACK_TAG]
    assert case.events.filter(type=EventType.NOTE, data__flag=phone.CALL_BACK_TAG).count() == 1


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"summary": "  "}, "This field is required"),
        ({"duration": "abc"}, "mm:ss"),
        ({"duration": "1:75"}, "mm:ss"),
        ({"duration": "999999"}, "24 hours"),
        ({"number": "call me"}, "phone number"),
        ({"case": "RMA-2026-999999"}, "There is no case RMA-2026-999999"),
        ({"direction": "sideways"}, "Select a valid choice"),
        ({"outcome": "maybe"}, "Select a valid choice"),
    ],
)
def test_bad_input_shows_the_form_again_with_400_and_writes_nothing(client, agent, overrides, message):
    complaint(CustomerFactory(phone="+8613800138000"))
    client.force_login(agent)
    before = counts()
    response = client.post(URL, form(**overrides))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert overrides.get("summary", "客户来电询问退款进度。").strip() in html, "what the agent typed is kept"
    assert counts() == before


def test_a_closed_case_is_refused(client, agent):
    case = complaint(CustomerFactory(phone="+8613800138000"))
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED)
    client.force_login(agent)
    before = counts()
    response = client.post(URL, form(case=case.number))
    assert response.status_code == 400 and "is closed" in response.content.decode()
    assert counts() == before


def test_a_case_of_a_team_the_agent_does_not_see_is_unknown(client, agent, settings):
    settings.DESK_TEAMS_RESTRICT = True
    case = complaint(CustomerFactory(phone="+8613800138000"), team=TeamFactory())
    client.force_login(agent)
    response = client.post(URL, form(case=case.number))
    assert response.status_code == 400 and f"There is no case {case.number}" in response.content.decode()
    assert Message.objects.count() == 0


def test_durations_read_seconds_and_minutes():
    assert [phone.parse_duration(v) for v in ("", "0", "90", "1:30", "01:02:03", 45)] == [0, 0, 90, 90, 3723, 45]
    assert phone.format_duration(3723) == "1:02:03" and phone.format_duration(125) == "2:05"


# --- the telephony webhook -------------------------------------------------------------------------------


@pytest.fixture
def line(db):
    return PhoneLine.objects.create(code="hotline", name="Hotline", number="400-800-1234")


def events_url(code: str = "hotline") -> str:
    return f"/api/v1/channels/phone/{code}/events/"


def call_event(**overrides) -> dict:
    data = {
        "call_id": "c-100",
        "event": "ended",
        "direction": "inbound",
        "from": NUMBER,
        "to": "400-800-1234",
        "duration": 183,
    }
    data.update(overrides)
    return data


def post_event(client, body, *, secret: str, code: str = "hotline", timestamp: int | None = None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = signing.signed_headers(secret=secret, body=raw, timestamp=timestamp)
    return client.post(events_url(code), data=raw, content_type="application/json", headers=headers)


def test_a_signed_ended_call_is_stored_on_the_callers_case(client, line):
    customer = CustomerFactory(phone="+8613800138000")
    case = complaint(customer)
    response = post_event(client, call_event(summary="问发票"), secret=line.secret)
    assert response.status_code == 202
    body = response.json()
    message = Message.objects.get()
    assert body == {
        "message": message.pk,
        "case": case.number,
        "created_case": False,
        "duplicate": False,
        "ignored": False,
    }
    assert (message.phone_line, message.external_id, message.direction) == (line, "c-100", "in")
    assert message.dedupe_key == "phone:hotline:c-100:ended"
    assert message.event.note == "问发票" and message.event.data["call"]["duration"] == 183


def test_a_retried_call_event_changes_nothing(client, line):
    first = post_event(client, call_event(), secret=line.secret).json()
    before = counts()
    again = post_event(client, call_event(), secret=line.secret)
    assert again.status_code == 202
    assert again.json()["message"] == first["message"] and again.json()["duplicate"] is True
    assert counts() == before


@pytest.mark.parametrize("event", ["ringing", "answered"])
def test_ringing_and_answered_are_acknowledged_and_ignored(client, line, event):
    response = post_event(client, call_event(event=event), secret=line.secret)
    assert response.status_code == 202 and response.json()["ignored"] is True
    assert counts() == (0, 0, 0, 0)


@pytest.mark.parametrize("event", ["missed", "voicemail"])
def test_a_missed_call_or_voicemail_asks_for_a_call_back(client, line, event):
    customer = CustomerFactory(phone="+8613800138000")
    case = complaint(customer)
    payload = call_event(event=event, duration=20, recording_url="https://pbx.example.com/r/1.mp3")
    response = post_event(client, payload, secret=line.secret)
    assert response.status_code == 202 and response.json()["case"] == case.number
    assert case.tags.filter(name=phone.CALL_BACK_TAG).exists()
    reply = Message.objects.get().event
    # The timeline names the number masked (its last four digits); the message keeps it whole.
    assert reply.data["direction"] == "in" and "8000." in reply.note.replace(" (0:20)", "") and "138" not in reply.note
    assert event != "voicemail" or "https://pbx.example.com/r/1.mp3" in reply.note


def test_a_missed_call_from_a_stranger_opens_a_case_to_call_back(client, line):
    response = post_event(client, call_event(event="missed", duration=0), secret=line.secret)
    assert response.status_code == 202 and response.json()["created_case"] is True
    case = Case.objects.get()
    assert case.channel == "phone" and case.tags.filter(name=phone.CALL_BACK_TAG).exists()


def test_an_outbound_call_by_a_named_agent_is_their_response(client, line, agent):
    case = complaint(CustomerFactory(phone="+8613800138000"))
    payload = call_event(direction="outbound", **{"from": "400-800-1234", "to": NUMBER}, agent="agent-a")
    response = post_event(client, payload, secret=line.secret)
    assert response.status_code == 202 and response.json()["case"] == case.number
    case.refresh_from_db()
    assert case.first_responded_at is not None
    event = Message.objects.get().event
    assert (event.actor, event.type, event.data["direction"]) == (agent, EventType.REPLY, "out")


@pytest.mark.parametrize("tamper", ["unsigned", "wrong_secret", "stale", "body_changed"])
def test_a_badly_signed_or_stale_call_event_is_refused(client, line, tamper):
    raw = json.dumps(call_event()).encode()
    if tamper == "unsigned":
        response = client.post(events_url(), data=raw, content_type="application/json")
    elif tamper == "wrong_secret":
        response = post_event(client, raw, secret="guess")
    elif tamper == "stale":
        response = post_event(client, raw, secret=line.secret, timestamp=int(time.time()) - 301)
    else:
        headers = signing.signed_headers(secret=line.secret, body=raw)
        response = client.post(
            events_url(), data=raw.replace(b"c-100", b"c-101"), content_type="application/json", headers=headers
        )
    assert response.status_code == 401 and response.json()["code"] == "bad_signature"
    assert counts() == (0, 0, 0, 0)


def test_an_unknown_or_inactive_line_is_404(client, line):
    assert post_event(client, call_event(), secret=line.secret, code="nope").status_code == 404
    PhoneLine.objects.filter(pk=line.pk).update(active=False)
    assert post_event(client, call_event(), secret=line.secret).status_code == 404
    assert Message.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        json.dumps({"event": "ended", "from": NUMBER}).encode(),
        json.dumps(call_event(event="exploded")).encode(),
        json.dumps(call_event(direction="sideways")).encode(),
        json.dumps(call_event(**{"from": "anonymous"})).encode(),
        json.dumps(call_event(duration=-1)).encode(),
        json.dumps(call_event(recording_url="javascript:alert(1)")).encode(),
        json.dumps(call_event(summary=["not", "text"])).encode(),
    ],
)
def test_a_malformed_call_event_is_400_and_stores_nothing(client, line, body):
    response = post_event(client, body, secret=line.secret)
    assert response.status_code == 400 and response.json()["detail"]
    assert counts() == (0, 0, 0, 0)
