"""Live chat API: who the visitor is, one timeline with the customer's case, idempotent messages,
the agent's reply back by polling and server-sent events, origins, limits, and what a stranger
can (not) learn."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Case, CaseEvent, CaseKind, CaseStatus, Channel, EventType
from cases.services import add_message, create_case, transition_case
from channels_app import chat
from channels_app.api.chat import events as chat_api
from channels_app.models import ChatSession, ChatWidget, Message
from tests.cases.factories import CustomerFactory, OrderFactory

SHOP = "https://shop.example.com"


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()  # the per-IP and per-session counters live in the cache
    yield
    cache.clear()


@pytest.fixture
def widget(db):
    return ChatWidget.objects.create(code="shop", name="Shop chat", greeting="Hi, this is the shop.")


def start(client, widget, origin: str | None = None, ip: str = "10.0.0.1", **body):
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    return client.post(
        reverse("channels:chat-start"),
        json.dumps({"widget": widget.key if widget else "nope", **body}),
        content_type="application/json",
        REMOTE_ADDR=ip,
        **headers,
    )


def say(client, token: str, text, client_id: str | None = None, origin: str | None = None):
    body = {"text": text} if client_id is None else {"text": text, "client_id": client_id}
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    return client.post(
        reverse("channels:chat-messages", args=[token]), json.dumps(body), content_type="application/json", **headers
    )


def poll(client, token: str, after: int = 0, **headers):
    return client.get(reverse("channels:chat-messages", args=[token]), {"after": after}, **headers)


def open_case(customer, order=None) -> Case:
    return create_case(
        customer=customer,
        kind=CaseKind.INQUIRY,
        channel=Channel.EMAIL,
        actor_label="customer",
        order=order,
        subject="Where is my parcel?",
        reason_text="Where is my parcel?",
    )


def stream_text(response) -> str:
    return b"".join(response.streaming_content).decode()


# --- who the visitor is -----------------------------------------------------------------------------


def test_start_by_email_alone_never_joins_the_customers_open_case_nor_reveals_it(client, widget):
    customer = CustomerFactory(email="wang@example.com", name="王小明")
    order = OrderFactory(customer=customer)
    case = open_case(customer, order)
    response = start(client, widget, email="Wang@Example.com", name="Xiaoming", text="Any news on my parcel?")

    assert response.status_code == 201
    body = response.json()
    session = ChatSession.objects.get(pk=body["session"])
    # Anyone can type an email: the chat is the customer's, but on a case of its own, so the visitor
    # neither reads nor receives the answers of the customer's open case.
    assert session.customer == customer and session.case != case and session.case.channel == Channel.CHAT
    assert body["token"] == session.token and body["greeting"] == "Hi, this is the shop."
    assert body["case"] == session.case.number  # the case this chat opened is the visitor's to see
    raw = response.content.decode()
    assert case.number not in raw and "王小明" not in raw and order.number not in raw
    message = Message.objects.get(chat_session=session)
    assert message.case == session.case and message.customer == customer and message.direction == "in"
    assert body["message"] == {
        "id": message.pk,
        "direction": "in",
        "author": "Xiaoming",
        "text": "Any news on my parcel?",
        "created_at": body["message"]["created_at"],
        "client_id": "",
    }
    assert not case.events.filter(type=EventType.REPLY).exists()
    case = session.case
    note = case.events.get(type=EventType.NOTE, data__chat_session=session.pk)
    assert not note.public and "wang@example.com" in note.note.lower() and "not verified" in note.note


def test_start_by_order_number_and_its_email_opens_a_case_for_that_order(client, widget):
    customer = CustomerFactory(email="li@example.com")
    OrderFactory(number="SO-CHAT-1", customer=customer)
    other = open_case(customer)  # about something else: the chat about the order gets its own case
    response = start(client, widget, email="li@example.com", order_number="SO-CHAT-1", text="The zip is broken.")

    assert response.status_code == 201
    session = ChatSession.objects.get(pk=response.json()["session"])
    assert session.customer == customer
    assert session.case != other and session.case.customer == customer and session.case.channel == Channel.CHAT
    assert response.json()["case"] == session.case.number  # this chat opened it: the visitor may know it
    note = session.case.events.get(type=EventType.NOTE, data__chat_session=session.pk)
    assert "SO-CHAT-1" in note.note and not note.public


def test_order_number_and_its_email_do_not_join_the_open_case_of_that_order(client, widget):
    customer = CustomerFactory(email="li@example.com")
    order = OrderFactory(number="SO-CHAT-2", customer=customer)
    case = open_case(customer, order)
    response = start(client, widget, email="li@example.com", order_number="SO-CHAT-2", text="Hello again")
    session = ChatSession.objects.get(pk=response.json()["session"])
    # Anyone who knows both could type them: a case of its own until the visitor proves it.
    assert session.case != case and session.case.order == order and response.json()["verified"] is False
    assert session.unverified and session.claimed_order == order
    assert session.case.events.get(type=EventType.CREATED).data["sender_verified"] is False


def test_someone_elses_order_number_with_another_email_does_not_attach_the_visitor(client, widget):
    victim = CustomerFactory(email="victim@example.com", name="Victim Name")
    order = OrderFactory(number="SO-VICTIM", customer=victim)
    case = open_case(victim, order)
    events_before = case.events.count()

    wrong = start(
        client, widget, email="stranger@example.com", order_number="SO-VICTIM", text="Order SO-VICTIM: refund me"
    )
    unknown = start(client, widget, email="stranger2@example.com", order_number="SO-NOSUCH", text="Refund me")
    alone = start(client, widget, order_number="SO-VICTIM", text="About order SO-VICTIM")

    for response in (wrong, unknown, alone):
        assert response.status_code == 201
        body = response.json()
        assert set(body) == {"token", "session", "case", "greeting", "message", "verified"}
        session = ChatSession.objects.get(pk=body["session"])
        assert session.customer != victim and session.case.customer != victim
        assert "Victim Name" not in response.content.decode()
        assert Message.objects.get(chat_session=session).customer != victim
    case.refresh_from_db()
    assert case.events.count() == events_before
    # The agent reads why: the order given was not the visitor's.
    stranger_case = ChatSession.objects.get(pk=wrong.json()["session"]).case
    assert "SO-VICTIM" in stranger_case.events.get(type=EventType.NOTE).note
    # Writing on afterwards, naming the order, still does not attach them.
    token = alone.json()["token"]
    assert say(client, token, "My order is SO-VICTIM, really").status_code == 201
    assert not Message.objects.filter(customer=victim).exists()


def test_a_chat_started_without_text_opens_its_case_with_the_first_message(client, widget):
    customer = CustomerFactory(email="chen@example.com")
    response = start(client, widget, email="chen@example.com")
    body = response.json()
    assert response.status_code == 201 and body["case"] is None and body["message"] is None
    assert Message.objects.count() == 0
    posted = say(client, body["token"], "Can I change my address?")
    assert posted.status_code == 201
    session = ChatSession.objects.get(pk=body["session"])
    assert session.case.customer == customer and posted.json()["case"] == session.case.number
    assert Message.objects.get().customer == customer


def test_a_message_on_a_chat_whose_case_is_closed_opens_a_new_linked_case(client, widget):
    CustomerFactory(email="zhao@example.com")
    body = start(client, widget, email="zhao@example.com", text="First question").json()
    first = ChatSession.objects.get(pk=body["session"]).case
    Case.objects.filter(pk=first.pk).update(status=CaseStatus.CLOSED)
    assert say(client, body["token"], "One more thing").status_code == 201
    session = ChatSession.objects.get(pk=body["session"])
    assert session.case != first and first in session.case.related.all()


# --- messages ---------------------------------------------------------------------------------------


def test_messages_are_idempotent_by_client_id(client, widget):
    CustomerFactory(email="sun@example.com")
    token = start(client, widget, email="sun@example.com", text="hi").json()["token"]
    first = say(client, token, "Is it in stock?", client_id="m-1")
    again = say(client, token, "Is it in stock?", client_id="m-1")
    other = say(client, token, "Is it in stock?", client_id="m-2")

    assert first.status_code == 201 and first.json()["duplicate"] is False
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["message"]["id"] == first.json()["message"]["id"]
    assert first.json()["message"]["client_id"] == "m-1"
    assert other.status_code == 201
    assert Message.objects.filter(chat_session__token=token).count() == 3
    session = ChatSession.objects.get(token=token)
    assert session.case.events.filter(type=EventType.REPLY).count() == 2  # the first message opened it


def test_polling_returns_the_agents_chat_reply_after_the_visitors_message(client, widget, agent):
    CustomerFactory(email="zhou@example.com")
    body = start(client, widget, email="zhou@example.com", name="Zhou", text="Does it fit a 15-inch laptop?").json()
    session = ChatSession.objects.get(pk=body["session"])
    add_message(case=session.case, actor=agent, text="Yes, up to 16 inches.", public=True, channel="chat")

    everything = poll(client, body["token"]).json()
    assert [(m["direction"], m["text"], m["author"]) for m in everything["messages"]] == [
        ("in", "Does it fit a 15-inch laptop?", "Zhou"),
        ("out", "Yes, up to 16 inches.", "Li"),  # the agent's first name, not their user name
    ]
    assert everything["more"] is False and everything["ended"] is False
    newer = poll(client, body["token"], after=body["message"]["id"]).json()["messages"]
    assert [m["text"] for m in newer] == ["Yes, up to 16 inches."]
    assert poll(client, body["token"], after=newer[0]["id"]).json()["messages"] == []


def test_polling_pages_by_one_hundred(client, widget, agent):
    CustomerFactory(email="page@example.com")
    body = start(client, widget, email="page@example.com", text="hello").json()
    session = ChatSession.objects.get(pk=body["session"])
    for n in range(100):
        add_message(case=session.case, actor=agent, text=f"reply {n}", public=True, channel="chat")
    page = poll(client, body["token"]).json()
    assert len(page["messages"]) == 100 and page["more"] is True
    rest = poll(client, body["token"], after=page["messages"][-1]["id"]).json()
    assert [m["text"] for m in rest["messages"]] == ["reply 99"] and rest["more"] is False


def test_the_event_stream_sends_new_messages_as_they_come(client, widget, agent, settings, monkeypatch):
    settings.CHAT_SSE_SECONDS = 0.6
    monkeypatch.setattr(chat_api, "POLL_SECONDS", 0.05)
    CustomerFactory(email="wu@example.com")
    body = start(client, widget, email="wu@example.com", text="Hello?").json()
    session = ChatSession.objects.get(pk=body["session"])

    response = client.get(
        reverse("channels:chat-events", args=[body["token"]]),
        {"after": body["message"]["id"]},
        HTTP_ACCEPT="text/event-stream",
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/event-stream")
    assert response["Cache-Control"] == "no-cache"
    frames = iter(response.streaming_content)
    assert next(frames).decode().startswith("retry: 3000")
    # The stream is open; the agent answers now and the next poll sends it.
    add_message(case=session.case, actor=agent, text="Hello! How can I help?", public=True, channel="chat")
    rest = b"".join(frames).decode()
    reply = Message.objects.get(chat_session=session, direction="out")
    assert f"id: {reply.pk}\nevent: message\ndata: " in rest
    data = json.loads(rest.split("data: ", 1)[1].split("\n", 1)[0])
    assert data["text"] == "Hello! How can I help?" and data["direction"] == "out" and data["id"] == reply.pk
    assert "Hello?" not in rest  # what came before ``after`` is not sent again

    # Reconnecting with Last-Event-ID: nothing new, the stream just ends after its time.
    again = client.get(
        reverse("channels:chat-events", args=[body["token"]]),
        {"after": body["message"]["id"]},
        HTTP_ACCEPT="text/event-stream",
        HTTP_LAST_EVENT_ID=str(reply.pk),
    )
    assert "event: message" not in stream_text(again)


def test_the_event_stream_says_when_the_chat_ended(client, widget, settings, monkeypatch):
    settings.CHAT_SSE_SECONDS = 5
    monkeypatch.setattr(chat_api, "POLL_SECONDS", 0.05)
    CustomerFactory(email="end@example.com")
    token = start(client, widget, email="end@example.com", text="bye").json()["token"]
    assert client.post(reverse("channels:chat-end", args=[token])).status_code == 200
    text = stream_text(client.get(reverse("channels:chat-events", args=[token]), HTTP_ACCEPT="text/event-stream"))
    assert "event: message" in text and text.endswith("event: ended\ndata: {}\n\n")


def test_a_heartbeat_keeps_a_quiet_stream_open(client, widget, settings, monkeypatch):
    settings.CHAT_SSE_SECONDS = 0.3
    monkeypatch.setattr(chat_api, "POLL_SECONDS", 0.05)
    monkeypatch.setattr(chat_api, "HEARTBEAT_SECONDS", 0.1)
    CustomerFactory(email="quiet@example.com")
    body = start(client, widget, email="quiet@example.com", text="hm").json()
    text = stream_text(
        client.get(reverse("channels:chat-events", args=[body["token"]]), {"after": body["message"]["id"]})
    )
    assert ": keep-alive\n\n" in text and "event: message" not in text


def test_streams_can_be_switched_off_and_then_the_widget_polls(client, widget, settings):
    settings.CHAT_SSE_SECONDS = 0
    CustomerFactory(email="nostream@example.com")
    token = start(client, widget, email="nostream@example.com", text="hi").json()["token"]
    response = client.get(reverse("channels:chat-events", args=[token]), HTTP_ACCEPT="text/event-stream")
    assert response.status_code == 503 and json.loads(response.content)["code"] == "streaming_off"
    assert poll(client, token).status_code == 200


def test_ending_a_chat_stops_writing_but_not_reading(client, widget):
    CustomerFactory(email="qian@example.com")
    token = start(client, widget, email="qian@example.com", text="thanks").json()["token"]
    ended = client.post(reverse("channels:chat-end", args=[token]))
    assert ended.status_code == 200 and ended.json()["ended_at"]
    assert client.post(reverse("channels:chat-end", args=[token])).json() == ended.json()
    count = Message.objects.count()
    refused = say(client, token, "one more")
    assert refused.status_code == 400 and refused.json()["code"] == "chat_ended"
    assert Message.objects.count() == count
    page = poll(client, token).json()
    assert page["ended"] is True and [m["text"] for m in page["messages"]] == ["thanks"]


# --- origins and CORS -------------------------------------------------------------------------------


def test_only_the_widgets_allowed_origins_may_use_it(client, widget):
    widget.allowed_origins = f"{SHOP}\nhttps://m.shop.example.com/"
    widget.save()
    CustomerFactory(email="he@example.com")

    refused = start(client, widget, origin="https://evil.example.net", email="he@example.com", text="hi")
    assert refused.status_code == 403 and refused.json()["code"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in refused
    assert ChatSession.objects.count() == 0 and Message.objects.count() == 0

    allowed = start(client, widget, origin=SHOP, email="he@example.com", text="hi")
    assert allowed.status_code == 201
    assert allowed["Access-Control-Allow-Origin"] == SHOP and "Origin" in allowed["Vary"]
    token = allowed.json()["token"]
    assert start(client, widget, origin="https://m.shop.example.com", email="he@example.com").status_code == 201
    # The site's own pages (the demo page) and callers without an Origin (servers) are not refused.
    assert start(client, widget, origin="http://testserver", email="he@example.com").status_code == 201
    assert start(client, widget, email="he@example.com").status_code == 201

    count = Message.objects.count()
    assert say(client, token, "from elsewhere", origin="https://evil.example.net").status_code == 403
    assert poll(client, token, HTTP_ORIGIN="https://evil.example.net").status_code == 403
    assert client.post(reverse("channels:chat-end", args=[token]), HTTP_ORIGIN="null").status_code == 403
    assert Message.objects.count() == count and ChatSession.objects.get(token=token).ended_at is None
    ok = poll(client, token, HTTP_ORIGIN=SHOP)
    assert ok.status_code == 200 and ok["Access-Control-Allow-Origin"] == SHOP


def test_the_cors_preflight_is_answered(client, widget):
    for url in (reverse("channels:chat-start"), reverse("channels:chat-messages", args=["any-token"])):
        response = client.options(
            url,
            HTTP_ORIGIN=SHOP,
            HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
            HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
        )
        assert response.status_code == 204
        assert response["Access-Control-Allow-Origin"] == SHOP
        assert "POST" in response["Access-Control-Allow-Methods"]
        assert "Content-Type" in response["Access-Control-Allow-Headers"]


# --- limits -----------------------------------------------------------------------------------------


def test_chat_starts_are_limited_per_ip(client, widget):
    CustomerFactory(email="many@example.com")
    for _n in range(chat.START_LIMIT):
        assert start(client, widget, email="many@example.com").status_code == 201
    sessions = ChatSession.objects.count()
    refused = start(client, widget, email="many@example.com", text="again")
    assert refused.status_code == 429 and refused.json()["code"] == "too_many_attempts"
    assert ChatSession.objects.count() == sessions and Message.objects.count() == 0
    assert start(client, widget, ip="10.0.0.2", email="many@example.com").status_code == 201


def test_messages_are_limited_per_session(client, widget):
    CustomerFactory(email="flood@example.com")
    token = start(client, widget, email="flood@example.com").json()["token"]
    for n in range(chat.MESSAGE_LIMIT):
        assert say(client, token, f"message {n}").status_code == 201
    assert say(client, token, "one too many").status_code == 429
    assert Message.objects.count() == chat.MESSAGE_LIMIT


# --- who may read and write -------------------------------------------------------------------------


def test_only_the_token_opens_a_session_and_each_visitor_sees_only_their_own(client, widget, agent):
    customer = CustomerFactory(email="shared@example.com")
    order = OrderFactory(customer=customer)
    a = start(client, widget, email="shared@example.com", order_number=order.number, text="I am visitor A").json()
    b = start(client, widget, email="shared@example.com", order_number=order.number, text="I am visitor B").json()
    case = ChatSession.objects.get(pk=b["session"]).case
    # Neither proved to be the customer: each chat is on a case of its own.
    assert ChatSession.objects.get(pk=a["session"]).case != case and case.customer == customer

    # Anonymous, with the token: allowed.
    assert [m["text"] for m in poll(client, a["token"]).json()["messages"]] == ["I am visitor A"]
    assert [m["text"] for m in poll(client, b["token"]).json()["messages"]] == ["I am visitor B"]
    # The agent's chat reply on B's case goes to B's session only.
    add_message(case=case, actor=agent, text="Answer for B", public=True, channel="chat")
    assert "Answer for B" not in poll(client, a["token"]).content.decode()
    assert "Answer for B" in poll(client, b["token"]).content.decode()

    # No token, a wrong one, or a near miss: 404, and nothing written.
    count = Message.objects.count()
    assert client.get("/api/v1/channels/chat/sessions//messages/").status_code == 404
    for token in ("not-a-token", a["token"][:-1], a["token"] + "x"):
        assert poll(client, token).status_code == 404
        response = say(client, token, "let me in")
        assert response.status_code == 404 and response.json()["code"] == "not_found"
        assert client.post(reverse("channels:chat-end", args=[token])).status_code == 404
        assert client.get(reverse("channels:chat-events", args=[token])).status_code == 404
    assert Message.objects.count() == count
    # A signed-in agent's cookie gives no access either: the token is the only credential.
    client.force_login(agent)
    assert poll(client, "not-a-token").status_code == 404


def test_a_deactivated_widget_closes_its_sessions(client, widget):
    CustomerFactory(email="off@example.com")
    token = start(client, widget, email="off@example.com", text="hi").json()["token"]
    ChatWidget.objects.filter(pk=widget.pk).update(active=False)
    assert poll(client, token).status_code == 404
    assert say(client, token, "hello?").status_code == 404


# --- bad input: a 4xx and nothing written -----------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"email": "", "order_number": ""}, 400),
        ({"name": "Only a name"}, 400),
        ({"email": "not-an-email"}, 400),
        ({"email": ["x@example.com"]}, 400),
        ({"email": "x@example.com", "text": "x" * 5001}, 400),
        ({"email": "x@example.com", "text": 12}, 400),
        ({"email": "x@example.com", "text": "hi", "client_id": "no spaces allowed"}, 400),
        ({"email": "x@example.com", "order_number": "S" * 65}, 400),
        ({"email": "x@example.com", "name": "n" * 201}, 400),
        ({"widget": "unknown-key", "email": "x@example.com"}, 404),
        ({"widget": None, "email": "x@example.com"}, 404),
    ],
)
def test_a_bad_start_is_refused_and_writes_nothing(client, widget, body, expected):
    payload = {"widget": widget.key, **body}
    response = client.post(reverse("channels:chat-start"), json.dumps(payload), content_type="application/json")
    assert response.status_code == expected
    assert response.json()["detail"] and response.json()["code"]
    assert ChatSession.objects.count() == 0 and Message.objects.count() == 0 and Case.objects.count() == 0


def test_an_inactive_widget_or_a_body_that_is_no_object_is_refused(client, widget):
    CustomerFactory(email="x@example.com")
    for payload, expected in (([1, 2], 400), ("text", 400), ("{broken", 400)):
        data = payload if isinstance(payload, str) and payload.startswith("{") else json.dumps(payload)
        response = client.post(reverse("channels:chat-start"), data, content_type="application/json")
        assert response.status_code == expected and response.json()["detail"]
    widget.active = False
    widget.save()
    response = start(client, widget, email="x@example.com", text="hi")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert ChatSession.objects.count() == 0 and Message.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"text": ""},
        {"text": "   \n "},
        {"text": None},
        {"text": "x" * 5001},
        {"text": ["a"]},
        {"text": "hi", "client_id": "é"},
    ],
)
def test_a_bad_message_is_refused_and_writes_nothing(client, widget, body):
    CustomerFactory(email="bad@example.com")
    token = start(client, widget, email="bad@example.com", text="first").json()["token"]
    messages, events = Message.objects.count(), CaseEvent.objects.count()
    response = client.post(
        reverse("channels:chat-messages", args=[token]), json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["detail"]
    assert Message.objects.count() == messages and CaseEvent.objects.count() == events


def test_a_bad_after_is_refused(client, widget):
    CustomerFactory(email="after@example.com")
    token = start(client, widget, email="after@example.com").json()["token"]
    for after in ("abc", "-1", "1.5"):
        assert poll(client, token, after=after).status_code == 400
        response = client.get(reverse("channels:chat-events", args=[token]), {"after": after})
        assert response.status_code == 400


def test_polling_costs_the_same_queries_for_one_message_or_many(client, widget, agent, django_assert_num_queries):
    customer = CustomerFactory(email="count@example.com")
    order = OrderFactory(customer=customer)
    token = start(client, widget, email="count@example.com", order_number=order.number, text="first").json()["token"]
    poll(client, token)
    with CaptureQueriesContext(connection) as one:
        assert len(poll(client, token).json()["messages"]) == 1
    session = ChatSession.objects.get(token=token)
    for n in range(5):
        add_message(case=session.case, actor=agent, text=f"answer {n}", public=True, channel="chat")
    with django_assert_num_queries(len(one)):
        assert len(poll(client, token).json()["messages"]) == 6


def test_the_demo_page_embeds_an_active_widget_and_refuses_others(client, widget):
    page = client.get("/chat/demo/", {"widget": widget.key})
    assert page.status_code == 200 and widget.key in page.content.decode() and "widget.js" in page.content.decode()
    assert client.get("/chat/demo/").status_code == 404
    assert client.get("/chat/demo/", {"widget": "no-such-key"}).status_code == 404
    widget.active = False
    widget.save()
    assert client.get("/chat/demo/", {"widget": widget.key}).status_code == 404


# --- identities nobody borrows (issue 16, finding 5) ------------------------------------------------


def borrowed_chat(client, widget):
    """The victim has an open case on their order; a stranger who knows the order number and the
    email on it starts a chat."""
    victim = CustomerFactory(email="victim@example.com", name="Victim Name")
    order = OrderFactory(number="SO-BORROW", customer=victim)
    case = open_case(victim, order)
    response = start(
        client, widget, email="victim@example.com", order_number="SO-BORROW", text="Send my refund to my new card"
    )
    assert response.status_code == 201
    return case, response.json()


def test_a_stranger_with_the_order_number_and_its_email_joins_no_open_case_and_reads_no_reply(client, widget, agent):
    case, body = borrowed_chat(client, widget)
    events = case.events.count()
    session = ChatSession.objects.get(pk=body["session"])

    assert session.case != case and body["case"] == session.case.number
    assert case.events.count() == events and not Message.objects.filter(case=case).exists()
    # The agent answers the customer's case from the desk, on the channel it offers by default.
    client.force_login(agent)
    response = client.post(
        f"/desk/cases/{case.number}/message/", {"text": "Your refund of 582.00 goes to card 1234", "public": "1"}
    )
    assert response.status_code == 302
    client.logout()
    assert case.events.get(type=EventType.REPLY, actor=agent).channel != Channel.CHAT
    assert "582.00" not in poll(client, body["token"]).content.decode()
    assert not Message.objects.filter(chat_session=session, direction="out").exists()


def test_a_survey_link_never_goes_to_a_chat_nobody_verified(client, widget, agent):
    from feedback.models import Survey, SurveyRule
    from feedback.services import invite

    case, body = borrowed_chat(client, widget)
    session = ChatSession.objects.get(pk=body["session"])
    SurveyRule.objects.create(survey=Survey.objects.create(code="csat", name="CSAT", ask_csat=True), position=1)
    for own in (case, session.case):
        own.refresh_from_db()
        transition_case(case=own, name="start", actor=agent)
        transition_case(case=own, name="resolve", actor=agent, resolution_type="answered")
        assert invite(case=own) is not None
    assert not Message.objects.filter(chat_session=session, direction="out").exists()
    assert "/feedback/s/" not in poll(client, body["token"]).content.decode()


def ask_code(client, token: str, ip: str = "10.0.0.1", **body):
    return client.post(
        reverse("channels:chat-code", args=[token]), json.dumps(body), content_type="application/json", REMOTE_ADDR=ip
    )


def enter_code(client, token: str, code, ip: str = "10.0.0.1"):
    return client.post(
        reverse("channels:chat-verify", args=[token]),
        json.dumps({"code": code}),
        content_type="application/json",
        REMOTE_ADDR=ip,
    )


def code_from_mail() -> str:
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def test_the_code_goes_to_the_email_on_file_and_proves_the_chat(client, widget, agent):
    case, body = borrowed_chat(client, widget)
    session = ChatSession.objects.get(pk=body["session"])
    asked = ask_code(client, body["token"])
    assert asked.status_code == 202 and asked.json()["detail"]
    assert mail.outbox[-1].to == ["victim@example.com"] and "SO-BORROW" in mail.outbox[-1].subject
    assert "victim@example.com" not in asked.content.decode()

    proven = enter_code(client, body["token"], code_from_mail())
    assert proven.status_code == 200 and proven.json()["verified"] is True
    session.refresh_from_db()
    assert not session.unverified and session.verified_by == "code"
    proof = session.case.events.get(data__chat_session=session.pk, data__proof="code")
    assert proof.data["sender_verified"] is True and not proof.public
    # Now a verified channel of the customer: it stays on its own case, and replies reach it.
    assert say(client, body["token"], "Thanks, it is me").status_code == 201
    assert ChatSession.objects.get(pk=session.pk).case == session.case != case
    add_message(case=session.case, actor=agent, text="Your refund is on its way", public=True, channel="chat")
    assert "Your refund is on its way" in poll(client, body["token"]).content.decode()


def test_a_chat_proven_before_its_first_message_joins_the_open_case_of_that_order(client, widget):
    customer = CustomerFactory(email="li@example.com")
    order = OrderFactory(number="SO-CHAT-3", customer=customer)
    case = open_case(customer, order)
    body = start(client, widget, email="li@example.com", order_number="SO-CHAT-3").json()
    assert body["verified"] is False and ask_code(client, body["token"]).status_code == 202
    assert enter_code(client, body["token"], code_from_mail()).status_code == 200
    assert say(client, body["token"], "Hello again").status_code == 201
    assert ChatSession.objects.get(pk=body["session"]).case == case


def test_a_wrong_code_is_a_400_with_a_message_and_changes_nothing(client, widget):
    case, body = borrowed_chat(client, widget)
    session = ChatSession.objects.get(pk=body["session"])
    ask_code(client, body["token"])
    right = code_from_mail()
    events = CaseEvent.objects.count()
    for wrong in (str((int(right) + 1) % 10**6).zfill(6), "", None, ["123456"]):
        refused = enter_code(client, body["token"], wrong)
        assert refused.status_code == 400 and refused.json()["detail"]
    session.refresh_from_db()
    assert session.unverified and CaseEvent.objects.count() == events
    assert enter_code(client, body["token"], right).status_code == 200  # 1 wrong try of 5 counted


def test_an_expired_code_is_refused(client, widget, monkeypatch):
    from datetime import timedelta

    from core import clock

    _case, body = borrowed_chat(client, widget)
    ask_code(client, body["token"])
    code = code_from_mail()
    later = clock.now() + timedelta(minutes=11)
    monkeypatch.setattr(clock, "now", lambda: later)
    refused = enter_code(client, body["token"], code)
    assert refused.status_code == 400 and "expired" in refused.json()["detail"]
    assert ChatSession.objects.get(pk=body["session"]).unverified


def test_too_many_tries_use_up_the_code_and_the_address_is_limited(client, widget):
    from channels_app.portal import CODE_ATTEMPTS

    _case, body = borrowed_chat(client, widget)
    ask_code(client, body["token"])
    right = code_from_mail()
    wrong = str((int(right) + 1) % 10**6).zfill(6)
    for _n in range(CODE_ATTEMPTS):
        assert enter_code(client, body["token"], wrong).status_code == 400
    assert enter_code(client, body["token"], right).status_code == 400  # the code is spent
    assert ChatSession.objects.get(pk=body["session"]).unverified
    # Guessing on with new codes runs into the portal's limits: codes per order, tries per address.
    statuses = [ask_code(client, body["token"]).status_code for _n in range(6)]
    assert statuses[-1] == 429
    statuses = [enter_code(client, body["token"], wrong).status_code for _n in range(20)]
    assert statuses[-1] == 429 and ChatSession.objects.get(pk=body["session"]).unverified


def test_a_code_is_sent_only_for_the_claimed_customers_order_and_the_answer_is_the_same(client, widget):
    other = OrderFactory(number="SO-OTHER", customer=CustomerFactory(email="other@example.com"))
    CustomerFactory(email="mine@example.com")
    body = start(client, widget, email="mine@example.com", text="hi").json()
    no_order = ask_code(client, body["token"])
    assert no_order.status_code == 400 and no_order.json()["detail"]
    not_mine = ask_code(client, body["token"], order_number=other.number)
    assert not_mine.status_code == 202 and not mail.outbox
    assert ChatSession.objects.get(pk=body["session"]).claimed_order is None
    assert ask_code(client, body["token"], via="pigeon").status_code == 400


def test_a_phone_code_goes_to_the_phone_on_file(client, widget, settings, monkeypatch):
    sent = []
    monkeypatch.setattr("channels_app.portal.send_sms", lambda phone, text: sent.append((phone, text)))
    victim = CustomerFactory(email="tel@example.com", phone="+8613800138000")
    OrderFactory(number="SO-TEL", customer=victim)
    body = start(client, widget, email="tel@example.com", order_number="SO-TEL", text="hi").json()
    assert ask_code(client, body["token"], via="phone").status_code == 202
    assert [phone for phone, _text in sent] == ["+8613800138000"] and not mail.outbox
    code = re.search(r"\b(\d{6})\b", sent[0][1]).group(1)
    assert enter_code(client, body["token"], code).status_code == 200


def test_the_desk_shows_the_unverified_badge_and_an_agent_may_link_the_chat(client, widget, agent):
    _case, body = borrowed_chat(client, widget)
    session = ChatSession.objects.get(pk=body["session"])
    client.force_login(agent)
    html = client.get(f"/desk/cases/{session.case.number}/").content.decode()
    assert 'id="sender-unverified"' in html and "Sender not verified" in html
    assert 'class="badge unverified">sender not verified' in html

    url = reverse("desk_chats:link", args=[session.case.number])
    events = CaseEvent.objects.count()
    refused = client.post(url, {"reason": "  "})
    assert refused.status_code == 400 and "how you checked" in refused.content.decode()
    assert CaseEvent.objects.count() == events and ChatSession.objects.get(pk=session.pk).unverified

    linked = client.post(url, {"reason": "Named the last four digits of the card and the delivery address"})
    assert linked.status_code == 302
    session.refresh_from_db()
    assert not session.unverified and session.verified_by == "agent"
    event = session.case.events.get(data__proof="agent")
    assert event.actor == agent and "delivery address" in event.note and event.data["sender_verified"] is True
    assert 'id="sender-unverified"' not in client.get(f"/desk/cases/{session.case.number}/").content.decode()
    again = client.post(url, {"reason": "again"})
    assert again.status_code == 400 and CaseEvent.objects.count() == events + 1


def test_only_an_agent_may_link_a_chat(client, widget, agent):
    from tests.accounts.factories import UserFactory

    _case, body = borrowed_chat(client, widget)
    session = ChatSession.objects.get(pk=body["session"])
    url = reverse("desk_chats:link", args=[session.case.number])
    reason = {"reason": "I trust them"}
    # A visitor (no sign-in): to the sign-in page. The customer with their chat token: no way in.
    assert client.post(url, reason).status_code == 302
    assert client.post(url, reason, HTTP_AUTHORIZATION=f"Bearer {body['token']}").status_code == 302
    # A signed-in user without the desk role (an outsider): 403.
    client.force_login(UserFactory(username="outsider"))
    assert client.post(url, reason).status_code == 403
    assert ChatSession.objects.get(pk=session.pk).unverified
    assert not CaseEvent.objects.filter(data__proof="agent").exists()
    # GET is no way to link either.
    client.force_login(agent)
    assert client.get(url).status_code == 405
    assert client.post(url, reason).status_code == 302 and not ChatSession.objects.get(pk=session.pk).unverified


def test_a_code_sent_for_another_chat_does_not_prove_this_one(client, widget):
    _case, first = borrowed_chat(client, widget)
    second = start(client, widget, email="victim@example.com", order_number="SO-BORROW", text="me too").json()
    ask_code(client, first["token"])
    code = code_from_mail()
    assert enter_code(client, second["token"], code).status_code == 400  # never asked for one
    ask_code(client, second["token"])
    for _n in range(5):  # guesses in the second chat spend its own code, not the first chat's
        enter_code(client, second["token"], "000000" if code != "000000" else "111111")
    assert enter_code(client, first["token"], code).status_code == 200
    assert ChatSession.objects.get(pk=second["session"]).unverified
