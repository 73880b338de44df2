"""Social media webhooks (signature, replay, duplicates, adapters) and the promise of the issue:
one customer writing by email, chat and social media ends up in one case timeline, and agents
answer each on its own channel."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from cases.models import Case, EventType
from cases.services import add_message
from channels_app import intake, replies, signing
from channels_app.identity import merge_customers
from channels_app.models import ChatSession, ChatWidget, ContactIdentity, EmailInbox, Message, SocialAccount
from tests.cases.factories import CaseFactory, CustomerFactory, OrderFactory
from tests.channels_app.mailtools import post_json_signed, post_signed, raw_email

pytestmark = pytest.mark.django_db


@pytest.fixture
def account():
    return SocialAccount.objects.create(code="weibo", name="Weibo", provider="console")


def social_url(account):
    return reverse("channels:social-webhook", args=[account.code])


def payload(mid="m-1", sender="u-42", text="我的包裹坏了", name="小王"):
    return {"id": mid, "from": {"id": sender, "name": name}, "text": text, "thread": "t-1"}


def test_a_signed_social_message_opens_a_case(client, account):
    response = post_json_signed(client, social_url(account), secret=account.secret, payload=payload())
    assert response.status_code == 202, response.content
    [result] = response.json()["results"]
    case = Case.objects.get(number=result["case"])
    assert case.channel == "social" and case.customer.name == "小王"
    assert ContactIdentity.objects.get(kind="social", provider="weibo", value="u-42").customer == case.customer


def test_a_replayed_social_call_changes_nothing(client, account):
    body = json.dumps(payload()).encode()
    ts = int(time.time())
    first = post_signed(
        client, social_url(account), secret=account.secret, body=body, content_type="application/json", timestamp=ts
    )
    again = post_signed(
        client, social_url(account), secret=account.secret, body=body, content_type="application/json", timestamp=ts
    )
    assert first.status_code == again.status_code == 202
    assert again.json()["results"][0]["duplicate"] is True
    assert Message.objects.count() == 1 and Case.objects.count() == 1


def test_a_batch_with_a_repeated_provider_id_stores_it_once(client, account):
    batch = {"messages": [payload("m-1"), payload("m-2", text="还有照片"), payload("m-1")]}
    results = post_json_signed(client, social_url(account), secret=account.secret, payload=batch).json()["results"]
    assert [r["duplicate"] for r in results] == [False, False, True]
    assert len({r["case"] for r in results}) == 1  # the second message joins the case the first opened


@pytest.mark.parametrize("tamper", ["unsigned", "wrong_secret", "stale", "body_changed"])
def test_the_social_webhook_refuses_bad_signatures(client, account, tamper):
    body = json.dumps(payload()).encode()
    url = social_url(account)
    if tamper == "unsigned":
        response = client.post(url, data=body, content_type="application/json")
    elif tamper == "wrong_secret":
        response = post_signed(client, url, secret="guess", body=body, content_type="application/json")
    elif tamper == "stale":
        response = post_signed(
            client,
            url,
            secret=account.secret,
            body=body,
            content_type="application/json",
            timestamp=int(time.time()) - 600,
        )
    else:
        headers = signing.signed_headers(secret=account.secret, body=body)
        response = client.post(
            url, data=body.replace(b"u-42", b"u-43"), content_type="application/json", headers=headers
        )
    assert response.status_code == 401 and response.json()["detail"]
    assert Message.objects.count() == 0


@pytest.mark.parametrize(
    "bad",
    [
        b"not json",
        b"[]",
        json.dumps({"id": "x", "text": "no sender"}).encode(),
        json.dumps({"id": "", "from": {"id": "u"}, "text": "empty id"}).encode(),
        json.dumps({"id": "x", "from": {"id": "u"}, "text": ""}).encode(),
        json.dumps({"id": "x", "from": {"id": "u"}, "text": "t" * 5001}).encode(),
        json.dumps({"messages": [payload("ok"), {"id": "bad"}]}).encode(),
    ],
)
def test_bad_social_payloads_get_400_and_store_nothing(client, account, bad):
    response = post_signed(
        client, social_url(account), secret=account.secret, body=bad, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["detail"]
    assert Message.objects.count() == 0 and Case.objects.count() == 0


def test_an_unknown_social_account_is_404(client, account):
    body = json.dumps(payload()).encode()
    response = post_signed(
        client,
        "/api/v1/channels/social/none/webhook/",
        secret=account.secret,
        body=body,
        content_type="application/json",
    )
    assert response.status_code == 404


class Shop(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 - the http.server API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Shop.received.append((dict(self.headers), body))
        answer = json.dumps({"id": "platform-reply-7"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def test_the_generic_adapter_posts_a_signed_reply(account, agent, settings):
    settings.OUTGOING_ALLOW_PRIVATE_NETWORKS = True  # the platform here is http on 127.0.0.1
    server = ThreadingHTTPServer(("127.0.0.1", 0), Shop)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Shop.received = []
    try:
        account.provider, account.reply_url = "generic", f"http://127.0.0.1:{server.server_port}/reply"
        account.save()
        result = intake.receive(
            intake.Inbound(
                channel="social",
                dedupe_key="social:x:1",
                external_id="m-9",
                identity_kind="social",
                identity_value="u-7",
                identity_provider=account.code,
                text="hello",
                links={"social_account": account},
                data={"thread": "t-9"},
            )
        )
        add_message(case=result.case, actor=agent, text="Hi! How can we help?", channel="social")
        out = Message.objects.get(direction="out")
        assert replies.deliver(message_id=out.pk) is True
        [(headers, body)] = Shop.received
        signing.verify(
            secret=account.secret,
            timestamp=headers[signing.TIMESTAMP_HEADER],
            signature=headers[signing.SIGNATURE_HEADER],
            body=body,
        )
        sent = json.loads(body)
        assert sent["to"] == "u-7" and sent["text"] == "Hi! How can we help?" and sent["in_reply_to"] == "m-9"
        assert sent["thread"] == "t-9"
        out.refresh_from_db()
        assert out.status == "sent" and out.external_id == "platform-reply-7"
    finally:
        server.shutdown()


# --- one customer, one timeline ----------------------------------------------------------------------------


def test_email_chat_and_social_from_one_customer_land_in_one_timeline(client, account, agent):
    inbox = EmailInbox.objects.create(code="cs", name="CS", address="cs@shop.example.com")
    customer = CustomerFactory(email="chen.jing@example.cn", phone="+8613900001111")
    # Email opens the case.
    raw = raw_email(sender="Chen Jing <chen.jing@example.cn>", subject="耳机左边没声音", body="左耳没有声音")
    post_signed(
        client,
        reverse("channels:email-inbound", args=[inbox.code]),
        secret=inbox.webhook_secret,
        body=raw,
        content_type="message/rfc822",
    )
    case = Case.objects.get(customer=customer)
    # Chat: the visitor gave their email, so the widget's session is theirs.
    widget = ChatWidget.objects.create(code="shop", name="Shop chat")
    from django.utils import timezone

    session = ChatSession.objects.create(widget=widget, customer=customer, started_at=timezone.now())
    chat = intake.receive(
        intake.Inbound(
            channel="chat",
            dedupe_key=f"chat:{session.pk}:1",
            identity_kind="email",
            identity_value="chen.jing@example.cn",
            text="我在线等",
            links={"chat_session": session},
        )
    )
    session.case = chat.case
    session.save()
    # Social: a manager links the handle to the customer (or the customer wrote from a known handle).
    ContactIdentity.objects.create(customer=customer, kind="social", provider="weibo", value="chenjing88")
    post_json_signed(
        client,
        social_url(account),
        secret=account.secret,
        payload=payload("w-1", sender="@ChenJing88", text="微博也问一下"),
    )
    assert chat.case == case
    timeline = list(case.events.filter(type__in=[EventType.CREATED, EventType.REPLY]).order_by("created_at", "id"))
    assert [(e.channel, e.data.get("direction", "in")) for e in timeline] == [
        ("email", "in"),
        ("chat", "in"),
        ("social", "in"),
    ]
    assert Case.objects.count() == 1
    # Agents answer each on its own channel.
    for channel, text in (("email", "邮件回复"), ("chat", "在线回复"), ("social", "微博回复")):
        add_message(case=case, actor=agent, text=text, channel=channel)
    outs = {m.channel: m for m in Message.objects.filter(direction="out")}
    assert set(outs) == {"email", "chat", "social"}
    assert outs["email"].recipient == "chen.jing@example.cn" and outs["email"].inbox == inbox
    assert outs["chat"].chat_session == session and outs["chat"].status == "sent"
    assert outs["social"].recipient == "@ChenJing88"
    assert outs["social"].social_account == account


def test_a_manager_merges_two_customers_and_their_cases_follow(manager):
    keep = CustomerFactory(email="keep@example.cn")
    dup = CustomerFactory(email="dup@example.cn", phone="+8613700000000")
    ContactIdentity.objects.create(customer=dup, kind="social", provider="weibo", value="dup")
    case = CaseFactory(customer=dup, order=OrderFactory(customer=dup))
    merge_customers(source=dup, target=keep, actor=manager)
    case.refresh_from_db()
    assert case.customer == keep and case.order.customer == keep
    assert ContactIdentity.objects.filter(customer=keep, value="dup").exists()
    assert ContactIdentity.objects.filter(customer=keep, kind="email", value="dup@example.cn").exists()
    assert not type(keep).objects.filter(pk=dup.pk).exists()
    assert "merged" in case.events.get(type=EventType.UPDATED).note


def test_an_agent_may_not_merge_customers(agent):
    from core.errors import Forbidden

    a, b = CustomerFactory(), CustomerFactory()
    with pytest.raises(Forbidden):
        merge_customers(source=a, target=b, actor=agent)
    assert type(a).objects.filter(pk=a.pk).exists()
