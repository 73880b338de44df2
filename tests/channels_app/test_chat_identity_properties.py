"""Nothing joins a customer's cases without proof (issue 16), whatever a stranger tries in the chat.

A customer has an open case on their order. A stranger, who can read the shop's public pages and
may know the customer's order number and email (in any spelling), but never reads the customer's
mailbox, starts a chat with any mix of claims, writes, asks for codes to be sent and guesses codes,
in any order (hypothesis). After every sequence:

* nothing the stranger wrote is on the customer's case, and the case has no new event;
* the chat is not a verified channel of the customer (a visitor who claims nobody is a new customer);
* the agent's reply on the customer's case never reaches the stranger's chat.
"""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from cases.models import Channel, EventType
from cases.services import add_message, create_case
from channels_app.models import ChatSession, ChatWidget, Message
from tests.accounts.factories import UserFactory
from tests.cases.factories import CustomerFactory, OrderFactory, OrderLineFactory

VICTIM_EMAIL = "victim@example.com"
VICTIM_ORDER = "SO-PROP-1"

emails = st.sampled_from([VICTIM_EMAIL, VICTIM_EMAIL.upper(), f"  {VICTIM_EMAIL} ", "stranger@example.com", "", None])
orders = st.sampled_from([VICTIM_ORDER, VICTIM_ORDER.lower(), "SO-STRANGER", "SO-NONE", "", None])
actions = st.lists(
    st.one_of(
        st.tuples(st.just("say"), st.text(min_size=1, max_size=30)),
        st.tuples(st.just("ask"), st.sampled_from(["email", "phone"]), orders),
        st.tuples(st.just("guess"), st.from_regex(r"\A[0-9]{6}\Z")),
    ),
    max_size=6,
)


def post(client: Client, name: str, args: list, body: dict):
    return client.post(
        reverse(name, args=args), json.dumps(body), content_type="application/json", REMOTE_ADDR="198.51.100.7"
    )


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(  # the best-informed stranger: the customer's email and order, a code sent, a guess, a message
    email=VICTIM_EMAIL,
    order_number=VICTIM_ORDER,
    first="It is me",
    steps=[("ask", "email", None), ("guess", "123456"), ("say", "refund to my new card")],
)
@given(email=emails, order_number=orders, first=st.text(min_size=1, max_size=30), steps=actions)
def test_a_stranger_never_gets_into_the_customers_case(email, order_number, first, steps):
    cache.clear()  # the per-address limits start anew for each sequence
    mail.outbox = []
    with transaction.atomic():
        victim = CustomerFactory(email=VICTIM_EMAIL, name="Victim Name", phone="+8613800138000")
        order = OrderFactory(number=VICTIM_ORDER, customer=victim)
        OrderLineFactory(order=order)
        case = create_case(customer=victim, kind="complaint", channel="email", order=order)
        stranger = CustomerFactory(email="stranger@example.com")
        OrderFactory(number="SO-STRANGER", customer=stranger)
        widget = ChatWidget.objects.create(code="prop", name="Prop chat")
        agent = UserFactory(username="prop-agent", role="agent")
        events_before = set(case.events.values_list("pk", flat=True))

        client = Client()
        body = {"widget": widget.key, "text": first}
        if email is not None:
            body["email"] = email
        if order_number is not None:
            body["order_number"] = order_number
        started = post(client, "channels:chat-start", [], body)
        assert started.status_code in (201, 400, 429), started.content
        if started.status_code == 201:
            token = started.json()["token"]
            for step in steps:
                if step[0] == "say":
                    post(client, "channels:chat-messages", [token], {"text": step[1]})
                elif step[0] == "ask":
                    ask = {"via": step[1]} | ({"order_number": step[2]} if step[2] is not None else {})
                    post(client, "channels:chat-code", [token], ask)
                else:
                    sent = {m for mail_ in mail.outbox for m in re.findall(r"\b(\d{6})\b", mail_.body)}
                    assume(step[1] not in sent)  # a lucky guess of one in a million is not a proof failure
                    post(client, "channels:chat-verify", [token], {"code": step[1]})

            session = ChatSession.objects.get(token=token)
            # A visitor who claims nobody is a customer of their own; one who claims the victim stays
            # unverified: never a verified channel of the victim without the code.
            assert session.customer_id != victim.pk or session.unverified, "proved without the code"
            assert session.case_id != case.pk
            assert not Message.objects.filter(chat_session=session, case=case).exists()
            add_message(case=case, actor=agent, text="Your refund goes to card 1234", public=True)
            assert not Message.objects.filter(chat_session=session, direction="out").exists()
            poll = client.get(reverse("channels:chat-messages", args=[token]), {"after": 0})
            assert "card 1234" not in poll.content.decode()
        new_events = case.events.exclude(pk__in=events_before)
        assert not new_events.exclude(type=EventType.REPLY, actor=agent).exists(), list(new_events.values())
        assert all(e.channel != Channel.CHAT for e in new_events)
        transaction.set_rollback(True)
