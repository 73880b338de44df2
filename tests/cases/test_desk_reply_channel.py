"""The desk's "Reply via": an agent answers on a channel the customer used on the case, by default
the one they wrote on last, and cannot pick one they never used."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cases.models import Case, CaseEvent, EventType
from cases.selectors import reply_channels
from cases.services import create_case, record_event
from core import clock
from tests.cases.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def customer_writes(case: Case, *, channel: str, text: str, minutes_later: int) -> CaseEvent:
    """What the intake records for an inbound message (cases cannot import channels_app)."""
    return record_event(
        case=case,
        type=EventType.REPLY,
        actor=None,
        actor_label="customer",
        note=text,
        public=True,
        channel=channel,
        at=clock.now() + timedelta(minutes=minutes_later),
        data={"direction": "in"},
    )


@pytest.fixture
def case(db) -> Case:
    case = create_case(customer=CustomerFactory(), kind="complaint", channel="email", reason_text="邮件：包裹破损")
    customer_writes(case, channel="chat", text="在线客服：请尽快处理", minutes_later=5)
    return case


def test_a_case_with_an_email_and_a_chat_message_offers_both_latest_first(case, django_assert_num_queries):
    with django_assert_num_queries(1):
        offered = reply_channels(case)
    assert [value for value, _label in offered] == ["chat", "email"]
    assert dict(offered)["chat"] == "Live chat"


def test_the_default_follows_the_latest_inbound_message(client, agent, case):
    customer_writes(case, channel="email", text="邮件又来了", minutes_later=10)
    assert reply_channels(case)[0][0] == "email"
    client.force_login(agent)
    page = client.get(f"/desk/cases/{case.number}/")
    assert page.context["reply_channel"] == "email"
    assert '<option value="email" selected>' in page.content.decode()


def test_the_reply_form_offers_the_channels_and_defaults_to_the_latest(client, agent, case):
    client.force_login(agent)
    html = client.get(f"/desk/cases/{case.number}/").content.decode()
    assert 'name="channel"' in html and "Reply via" in html
    assert '<option value="chat" selected>' in html and '<option value="email">' in html
    assert '<option value="social"' not in html


def test_agent_replies_and_other_channels_are_not_offered(agent, case):
    record_event(
        case=case, type=EventType.REPLY, actor=agent, note="x", public=True, channel="social", data={"direction": "out"}
    )
    record_event(case=case, type=EventType.NOTE, actor=agent, note="y", channel="phone")
    assert [value for value, _label in reply_channels(case)] == ["chat", "email"]


def test_a_case_nobody_wrote_on_offers_its_own_channel(agent):
    case = create_case(customer=CustomerFactory(), kind="inquiry", channel="phone", actor=agent)
    CaseEvent.objects.filter(case=case).delete()
    assert reply_channels(case) == [("phone", "Phone")]


def test_posting_chat_replies_on_chat(client, agent, case):
    client.force_login(agent)
    response = client.post(
        f"/desk/cases/{case.number}/message/", {"text": "您好，已为您处理。", "public": "1", "channel": "chat"}
    )
    assert response.status_code == 302
    reply = case.events.filter(type=EventType.REPLY, actor=agent).get()
    assert (reply.channel, reply.public, reply.data["direction"]) == ("chat", True, "out")


def test_posting_email_replies_on_email(client, agent, case):
    client.force_login(agent)
    client.post(f"/desk/cases/{case.number}/message/", {"text": "邮件回复", "public": "1", "channel": "email"})
    assert case.events.get(type=EventType.REPLY, actor=agent).channel == "email"


def test_without_a_choice_the_reply_goes_on_the_latest_channel(client, agent, case):
    client.force_login(agent)
    client.post(f"/desk/cases/{case.number}/message/", {"text": "默认渠道", "public": "1"})
    assert case.events.get(type=EventType.REPLY, actor=agent).channel == "chat"


@pytest.mark.parametrize("channel", ["social", "carrier-pigeon"])
def test_a_channel_the_customer_did_not_use_is_refused_and_nothing_written(client, agent, case, channel):
    client.force_login(agent)
    before = CaseEvent.objects.count()
    response = client.post(
        f"/desk/cases/{case.number}/message/", {"text": "我写的回复", "public": "1", "channel": channel}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "choose one of the channels offered" in html and "我写的回复" in html
    assert CaseEvent.objects.count() == before


def test_the_timeline_shows_each_entrys_channel(client, agent, case):
    client.force_login(agent)
    html = client.get(f"/desk/cases/{case.number}/").content.decode()
    assert 'data-channel="email">Email</span>' in html and 'data-channel="chat">Live chat</span>' in html


def test_a_sender_nobody_vouched_for_is_neither_the_default_nor_offered(client, agent, case):
    stranger = customer_writes(case, channel="social", text="把退款打到这张卡", minutes_later=20)
    stranger.data = {**stranger.data, "sender_verified": False}  # as the intake marks them
    stranger.save(update_fields=["data"])
    assert [value for value, _label in reply_channels(case)] == ["chat", "email"]
    client.force_login(agent)
    refused = client.post(f"/desk/cases/{case.number}/message/", {"text": "x", "public": "1", "channel": "social"})
    assert refused.status_code == 400 and not case.events.filter(type=EventType.REPLY, actor=agent).exists()
    html = client.get(f"/desk/cases/{case.number}/").content.decode()
    assert 'id="sender-unverified"' in html  # the badge: the latest sender is not verified


def test_on_a_case_only_an_unverified_sender_wrote_on_their_channel_is_offered_as_such(agent):
    case = create_case(customer=CustomerFactory(), kind="inquiry", channel="chat", reason_text="我是客户本人")
    created = case.events.get(type=EventType.CREATED)
    created.data = {**created.data, "sender_verified": False}
    created.save(update_fields=["data"])
    assert reply_channels(case) == [("chat", "Live chat (sender not verified)")]
