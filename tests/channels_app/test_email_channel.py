"""Email in and out: the signed raw-message webhook, threading, participants, automatic mail,
attachments, the IMAP poller against a real Dovecot and replies through a real SMTP server."""

from __future__ import annotations

import time

import pytest
from django.core import mail as django_mail
from django.test import override_settings
from django.urls import reverse

from cases.models import Case, CaseEvent, CaseStatus, EventType
from cases.selectors import reply_channels
from cases.services import add_message, create_case, record_event
from channels_app import intake, replies
from channels_app.email import receiving
from channels_app.models import ContactIdentity, DeliveryStatus, EmailInbox, ImapAfterRead, Message, RawEmail
from tests.cases.factories import CustomerFactory, OrderFactory
from tests.channels_app.mailtools import post_signed, raw_email

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox():
    return EmailInbox.objects.create(code="service", name="Service", address="service@shop.example.com")


def post_mail(client, inbox, raw: bytes, **kwargs):
    url = reverse("channels:email-inbound", args=[inbox.code])
    return post_signed(client, url, secret=inbox.webhook_secret, body=raw, content_type="message/rfc822", **kwargs)


# --- the webhook ------------------------------------------------------------------------------------


def test_a_new_sender_gets_a_customer_and_an_email_case(client, inbox):
    response = post_mail(client, inbox, raw_email(subject="鞋子开胶了", body="刚买一周的鞋子就开胶了，怎么办？"))
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["created_case"] is True and body["duplicate"] is False
    case = Case.objects.get(number=body["case"])
    assert case.channel == "email" and case.kind == "inquiry"
    assert case.customer.email == "wang.fang@example.cn" and case.customer.name == "Wang Fang"
    assert case.customer.language == "zh-hans"
    assert case.subject == "鞋子开胶了"
    assert "开胶" in case.events.get(type=EventType.CREATED).note
    assert ContactIdentity.objects.filter(customer=case.customer, kind="email", value="wang.fang@example.cn").exists()
    message = Message.objects.get(pk=body["message"])
    assert message.case == case and message.inbox == inbox and message.direction == "in"
    assert RawEmail.objects.get(message=message).content.tobytes().startswith(b"From:") or message.raw.size > 0


def test_the_same_message_twice_is_stored_once(client, inbox):
    raw = raw_email(message_id="<once@example.cn>")
    first = post_mail(client, inbox, raw).json()
    again = post_mail(client, inbox, raw)
    assert again.status_code == 202
    assert again.json()["duplicate"] is True and again.json()["message"] == first["message"]
    assert Message.objects.count() == 1 and Case.objects.count() == 1
    assert CaseEvent.objects.filter(type__in=[EventType.CREATED, EventType.REPLY]).count() == 1


def test_a_message_without_message_id_is_deduplicated_by_its_hash(client, inbox):
    raw = raw_email(message_id="")
    assert b"Message-ID" not in raw
    first = post_mail(client, inbox, raw).json()
    second = post_mail(client, inbox, raw).json()
    assert second["duplicate"] is True and second["message"] == first["message"]


@pytest.mark.parametrize(
    "tamper",
    ["no_headers", "wrong_secret", "stale", "future", "body_changed"],
)
def test_the_webhook_refuses_unsigned_forged_and_replayed_calls(client, inbox, tamper):
    raw = raw_email()
    url = reverse("channels:email-inbound", args=[inbox.code])
    now = int(time.time())
    if tamper == "no_headers":
        response = client.post(url, data=raw, content_type="message/rfc822")
    elif tamper == "wrong_secret":
        response = post_signed(client, url, secret="not-the-secret", body=raw, content_type="message/rfc822")
    elif tamper == "stale":
        response = post_mail(client, inbox, raw, timestamp=now - 301)
    elif tamper == "future":
        response = post_mail(client, inbox, raw, timestamp=now + 301)
    else:
        from channels_app import signing

        headers = signing.signed_headers(secret=inbox.webhook_secret, body=raw)
        response = client.post(url, data=raw + b"tampered", content_type="message/rfc822", headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "bad_signature" and response.json()["detail"]
    assert Message.objects.count() == 0 and Case.objects.count() == 0


def test_an_unknown_or_inactive_inbox_is_404(client, inbox):
    raw = raw_email()
    response = post_signed(
        client,
        "/api/v1/channels/email/nope/inbound/",
        secret=inbox.webhook_secret,
        body=raw,
        content_type="message/rfc822",
    )
    assert response.status_code == 404
    inbox.active = False
    inbox.save()
    assert post_mail(client, inbox, raw).status_code == 404
    assert Message.objects.count() == 0


@pytest.mark.parametrize("raw", [b"", b"\x00\x01\x02 not a mail", b"Subject: no sender\r\n\r\nhello"])
def test_bytes_that_are_no_mail_get_a_clear_400_and_change_nothing(client, inbox, raw):
    response = post_mail(client, inbox, raw)
    assert response.status_code == 400
    assert response.json()["detail"]
    assert Message.objects.count() == 0 and Case.objects.count() == 0


# --- threading and participants ----------------------------------------------------------------------


def test_a_reply_with_the_case_number_in_the_subject_joins_that_case(client, inbox):
    customer = CustomerFactory(email="li.lei@example.cn")
    case = create_case(customer=customer, kind="complaint", channel="portal", subject="快递太慢")
    raw = raw_email(sender="li.lei@example.cn", subject=f"Re: [{case.number}] 快递太慢", body="还是没有收到")
    body = post_mail(client, inbox, raw).json()
    assert body["case"] == case.number and body["created_case"] is False
    event = case.events.get(type=EventType.REPLY)
    assert event.data["direction"] == "in" and event.channel == "email" and event.note == "还是没有收到"


def test_a_reply_threads_by_in_reply_to_our_own_message_id(client, inbox, agent):
    first = post_mail(client, inbox, raw_email(subject="Broken zip", body="The zip broke.")).json()
    case = Case.objects.get(number=first["case"])
    add_message(case=case, actor=agent, text="Sorry! We will send a new one.", channel="email")
    ours = Message.objects.get(direction="out")
    raw = raw_email(subject="Thanks", body="Great, thank you", in_reply_to=f"<{ours.external_id}>")
    again = post_mail(client, inbox, raw).json()
    assert again["case"] == case.number and again["created_case"] is False


def test_a_stranger_quoting_a_case_number_gets_a_new_flagged_case(client, inbox):
    owner = CustomerFactory(email="owner@example.cn")
    case = create_case(customer=owner, kind="complaint", channel="email", subject="My order")
    raw = raw_email(sender="stranger@evil.example", subject=f"Re: [{case.number}] My order", body="Send me the address")
    body = post_mail(client, inbox, raw).json()
    assert body["created_case"] is True and body["case"] != case.number
    new = Case.objects.get(number=body["case"])
    assert new.customer != owner
    assert new.tags.filter(name="check-sender").exists()
    assert case.number in new.events.get(type=EventType.NOTE).note
    assert not case.events.filter(type=EventType.REPLY).exists()
    assert Message.objects.get(pk=body["message"]).flag


def test_a_stranger_naming_an_order_joins_no_case_and_gets_none_of_the_customers_replies(client, inbox, agent):
    victim = CustomerFactory(email="victim@example.cn")
    OrderFactory(number="SO55443322", customer=victim)
    first = post_mail(client, inbox, raw_email(sender="victim@example.cn", body="Where is my refund?")).json()
    case = Case.objects.get(number=first["case"])
    raw = raw_email(sender="mallory@evil.example", subject="订单 SO55443322", body="Send my refund to this new card")
    body = post_mail(client, inbox, raw).json()

    # An address not on file that names an order: a case of its own, each entry flagged unverified.
    assert body["created_case"] is True and body["case"] != case.number
    own = Case.objects.get(number=body["case"])
    assert own.events.get(type=EventType.CREATED).data["sender_verified"] is False
    assert Message.objects.get(pk=body["message"]).data["sender_verified"] is False
    # Should a message of theirs land on the customer's case (a chat's case, a merge), it is not
    # followed: the agent's reply and the survey link go to the verified sender.
    intake.receive(
        intake.Inbound(
            channel="email",
            dedupe_key="test:stranger-on-case",
            identity_kind="email",
            identity_value="mallory@evil.example",
            text="Me again",
            case=case,
            sender_verified=False,
        )
    )
    assert reply_channels(case)[0][0] == "email"
    add_message(case=case, actor=agent, text="Your refund of 582.00 is on its way.", channel="email")
    assert Message.objects.get(case=case, direction="out").recipient == "victim@example.cn"
    record_event(case=case, type=EventType.SURVEY, actor=None, public=True, channel="email", note="/feedback/s/x/")
    assert set(Message.objects.filter(case=case, direction="out").values_list("recipient", flat=True)) == {
        "victim@example.cn"
    }
    # On their own case the agent may talk to them (the desk shows them as not verified); a survey
    # link goes to the address on file, never to them.
    add_message(case=own, actor=agent, text="Which order do you mean?", channel="email")
    assert Message.objects.get(case=own, direction="out").recipient == "mallory@evil.example"
    record_event(case=own, type=EventType.SURVEY, actor=None, public=True, channel="email", note="/feedback/s/y/")
    survey = Message.objects.get(case=own, direction="out", text__contains="/feedback/s/")
    assert survey.recipient == "victim@example.cn"


def test_a_stranger_forging_references_gets_a_new_case(client, inbox, agent):
    owner = CustomerFactory(email="owner2@example.cn")
    first = post_mail(client, inbox, raw_email(sender="owner2@example.cn", body="Where is my refund?")).json()
    case = Case.objects.get(number=first["case"])
    add_message(case=case, actor=agent, text="On its way.", channel="email")
    ours = Message.objects.get(direction="out")
    forged = raw_email(sender="mallory@evil.example", body="What is the address?", references=f"<{ours.external_id}>")
    body = post_mail(client, inbox, forged).json()
    assert body["case"] != case.number and body["created_case"] is True
    assert Case.objects.get(number=body["case"]).customer != owner


def test_an_order_number_mentioned_links_the_sender_to_that_customer_unverified(client, inbox):
    order = OrderFactory(number="SO99887766")
    raw = raw_email(sender="other.address@example.cn", subject="关于订单 SO99887766", body="我想退货")
    body = post_mail(client, inbox, raw).json()
    case = Case.objects.get(number=body["case"])
    assert case.customer == order.customer and case.order == order
    assert ContactIdentity.objects.get(value="other.address@example.cn").verified is False
    assert case.tags.filter(name="check-sender").exists()
    # The same sender writes again on that case: they opened it, so they are a participant.
    follow = raw_email(sender="other.address@example.cn", subject=f"Re: [{case.number}] 关于订单", body="照片在附件")
    assert post_mail(client, inbox, follow).json()["case"] == case.number


def test_a_message_to_a_closed_case_opens_a_new_linked_one(client, inbox, agent):
    customer = CustomerFactory(email="again@example.cn")
    case = create_case(customer=customer, kind="inquiry", channel="email", subject="Size?")
    from cases.services import transition_case

    transition_case(case=case, name="start", actor=agent)
    transition_case(case=case, name="resolve", actor=agent, resolution_type="answered")
    transition_case(case=Case.objects.get(pk=case.pk), name="close", actor=agent)
    raw = raw_email(sender="again@example.cn", subject=f"Re: [{case.number}] Size?", body="One more question")
    body = post_mail(client, inbox, raw).json()
    new = Case.objects.get(number=body["case"])
    assert body["created_case"] is True and case in new.related.all()
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CLOSED


# --- automatic mail -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers,sender",
    [
        ({"Auto-Submitted": "auto-replied"}, "wang.fang@example.cn"),
        ({"Precedence": "bulk"}, "news@example.cn"),
        ({"X-Autoreply": "yes"}, "wang.fang@example.cn"),
        ({}, "MAILER-DAEMON@mx.example.cn"),
    ],
)
def test_automatic_mail_never_opens_a_case_and_gets_no_answer(client, inbox, headers, sender):
    raw = raw_email(sender=sender, subject="Out of office", body="I am away", headers=headers)
    body = post_mail(client, inbox, raw).json()
    assert body["ignored"] is True and body["case"] is None
    assert Case.objects.count() == 0
    message = Message.objects.get()
    assert message.status == DeliveryStatus.IGNORED and message.data["automatic"]
    assert RawEmail.objects.filter(message=message).exists()
    assert Message.objects.filter(direction="out").count() == 0 and len(django_mail.outbox) == 0


def test_an_auto_reply_to_a_case_does_not_land_on_it(client, inbox):
    customer = CustomerFactory(email="ooo@example.cn")
    case = create_case(customer=customer, kind="complaint", channel="email", subject="Late")
    raw = raw_email(
        sender="ooo@example.cn", subject=f"自动回复: [{case.number}] Late", headers={"Auto-Submitted": "auto-replied"}
    )
    post_mail(client, inbox, raw)
    assert not case.events.filter(type=EventType.REPLY).exists()


# --- attachments --------------------------------------------------------------------------------------


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_attachments_are_kept_on_the_case_by_their_content_under_safe_names(client, inbox, agent):
    raw = raw_email(
        body="照片见附件",
        attachments=[
            ("../../etc/破损.png", "application/octet-stream", PNG),
            ("说明.txt", "text/plain", "文字".encode()),
        ],
    )
    body = post_mail(client, inbox, raw).json()
    case = Case.objects.get(number=body["case"])
    files = {a.original_name: a for a in case.attachments.all()}
    assert set(files) == {"破损.png", "说明.txt"}
    png = files["破损.png"]
    assert png.content_type == "image/png"  # sniffed from the bytes, not the declared octet-stream
    assert ".." not in png.file.name and png.file.name.endswith(".png")
    assert Message.objects.get(pk=body["message"]).files.count() == 2
    client.force_login(agent)
    shown = client.get(reverse("desk:photo", args=[case.number, files["说明.txt"].pk]))
    assert shown.status_code == 200 and shown["Content-Disposition"].startswith("attachment")


@override_settings(MAIL_MAX_ATTACHMENT_BYTES=100)
def test_an_oversized_attachment_is_skipped_and_the_mail_kept(client, inbox):
    raw = raw_email(body="big file", attachments=[("big.bin", "application/octet-stream", b"x" * 5000)])
    body = post_mail(client, inbox, raw).json()
    message = Message.objects.get(pk=body["message"])
    assert message.files.count() == 0
    assert message.data["skipped_attachments"] and message.data["skipped_attachments"][0][0] == "big.bin"


def test_html_from_mail_is_stored_sanitized(client, inbox):
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "x@example.cn", inbox.address, "html"
    msg["Message-ID"] = "<html-1@example.cn>"
    msg.set_content('<p onclick="evil()">Hi<script>alert(1)</script><img src=x onerror=alert(2)></p>', subtype="html")
    body = post_mail(client, inbox, msg.as_bytes()).json()
    message = Message.objects.get(pk=body["message"])
    assert "Hi" in message.text
    lowered = message.html.lower()
    assert "<script" not in lowered and "onerror" not in lowered and "onclick" not in lowered


# --- out: threading headers through a real SMTP server --------------------------------------------------


def test_a_reply_leaves_from_the_inbox_with_threading_headers(client, inbox, agent, smtp_sink, settings):
    inbox.smtp_host, inbox.smtp_port, inbox.smtp_tls, inbox.from_name = "127.0.0.1", smtp_sink.port, False, "售后服务"
    inbox.save()
    raw = raw_email(
        subject="杯子碎了", body="收到时杯子是碎的", message_id="<cup-1@example.cn>", references="<older@example.cn>"
    )
    body = post_mail(client, inbox, raw).json()
    case = Case.objects.get(number=body["case"])
    add_message(case=case, actor=agent, text="很抱歉，我们马上补发。", channel="email")
    out = Message.objects.get(direction="out")
    assert replies.deliver(message_id=out.pk) is True
    got = smtp_sink.wait_for(1, timeout=10)[0]
    parsed = got.message
    assert parsed["From"].addresses[0].addr_spec == "service@shop.example.com"
    assert parsed["To"].addresses[0].addr_spec == "wang.fang@example.cn"
    assert f"[{case.number}]" in str(parsed["Subject"])
    assert parsed["In-Reply-To"] == "<cup-1@example.cn>"
    assert parsed["References"].split() == ["<older@example.cn>", "<cup-1@example.cn>"]
    assert str(parsed["Message-ID"]).strip() == f"<{out.external_id}>"  # a long id is folded onto its own line
    assert "马上补发" in parsed.get_body(("plain",)).get_content()
    out.refresh_from_db()
    assert out.status == DeliveryStatus.SENT and out.sent_at is not None
    # Delivered once: a second call (a retried task) sends nothing more.
    assert replies.deliver(message_id=out.pk) is False
    time.sleep(0.3)
    assert len(smtp_sink.messages) == 1
    # The email reply replaces the plain notification: the customer gets one email, not two.
    assert not case.notifications.filter(kind="case_update", body__contains="马上补发").exists()


def test_a_failed_send_is_retried_with_backoff_and_nothing_is_lost(inbox, agent):
    from django.utils import timezone

    inbox.smtp_host, inbox.smtp_port, inbox.smtp_tls = "127.0.0.1", 1, False  # nothing listens on port 1
    inbox.save()
    customer = CustomerFactory(email="retry@example.cn")
    case = create_case(customer=customer, kind="inquiry", channel="email", subject="Hi")
    Message.objects.create(
        direction="in",
        channel="email",
        case=case,
        inbox=inbox,
        sender="retry@example.cn",
        status="received",
        created_at=timezone.now(),
        external_id="m1@x",
    )
    add_message(case=case, actor=agent, text="Answer", channel="email")
    out = Message.objects.get(direction="out")
    assert replies.deliver(message_id=out.pk) is False
    out.refresh_from_db()
    assert out.status == DeliveryStatus.PENDING and out.attempts == 1 and out.last_error
    assert out.next_attempt_at > timezone.now()
    assert replies.deliver_due() == 0  # not due yet


# --- IMAP: a real Dovecot -----------------------------------------------------------------------------


@pytest.mark.slow
def test_the_poller_takes_new_mail_once_and_leaves_the_mailbox_intact(dovecot, inbox):
    inbox.imap_host, inbox.imap_port, inbox.imap_ssl = dovecot.host, dovecot.port, False
    inbox.imap_user, inbox.imap_password = dovecot.user, dovecot.password
    inbox.save()
    dovecot.append(raw_email(subject="第一封", body="第一封邮件", message_id="<imap-1@example.cn>"))
    dovecot.append(raw_email(subject="OOO", body="away", headers={"Auto-Submitted": "auto-replied"}))
    dovecot.append(raw_email(subject="第二封", body="第二封邮件", sender="zhao@example.cn"))
    report = receiving.poll_inbox(inbox=inbox)
    assert (report.fetched, report.new, report.automatic, report.duplicates) == (3, 2, 1, 0)
    assert Case.objects.count() == 2
    messages = dovecot.list_messages("INBOX")
    assert len(messages) == 3  # nothing deleted
    assert all(m.seen and not m.deleted for m in messages)
    # The same message arriving again (a resend, or a second folder) is one message.
    dovecot.append(raw_email(subject="第一封", body="第一封邮件", message_id="<imap-1@example.cn>"))
    again = receiving.poll_inbox(inbox=inbox)
    assert (again.fetched, again.new, again.duplicates) == (1, 0, 1)
    assert Message.objects.filter(direction="in").count() == 3
    inbox.refresh_from_db()
    assert inbox.last_polled_at is not None and inbox.last_error == ""


@pytest.mark.slow
def test_the_poller_can_move_read_mail_to_a_folder(dovecot, inbox):
    inbox.imap_host, inbox.imap_port, inbox.imap_ssl = dovecot.host, dovecot.port, False
    inbox.imap_user, inbox.imap_password = dovecot.user, dovecot.password
    inbox.imap_after_read, inbox.imap_done_folder = ImapAfterRead.MOVE, "Processed"
    inbox.save()
    dovecot.append(raw_email(subject="move me", body="please"))
    assert receiving.poll_inbox(inbox=inbox).new == 1
    moved = dovecot.list_messages("Processed")
    assert len(moved) == 1 and b"move me" in moved[0].raw
    assert receiving.poll_inbox(inbox=inbox).fetched == 0


def test_a_wrong_password_is_recorded_on_the_inbox_not_raised(dovecot, inbox):
    inbox.imap_host, inbox.imap_port, inbox.imap_ssl = dovecot.host, dovecot.port, False
    inbox.imap_user, inbox.imap_password = dovecot.user, "wrong"
    inbox.save()
    result = receiving.poll_safely(inbox)
    assert isinstance(result, str)
    inbox.refresh_from_db()
    assert inbox.last_error


@pytest.mark.django_db(transaction=True)
def test_the_same_mail_arriving_twice_at_once_is_one_message_and_one_case():
    """Poller and webhook (or two pollers) take the same mail at the same moment: the unique key
    makes the second wait for the first and then find it."""
    import threading

    from django.db import connection

    inbox = EmailInbox.objects.create(code="race", name="Race", address="race@shop.example.com")
    raw = raw_email(sender="racer@example.cn", message_id="<race-1@example.cn>", body="twice at once")
    barrier, results, errors = threading.Barrier(4), [], []

    def take():
        try:
            barrier.wait(5)
            results.append(receiving.ingest(inbox=inbox, raw=raw))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert sorted(r.duplicate for r in results) == [False, True, True, True]
    assert Message.objects.count() == 1 and Case.objects.count() == 1
    assert len({r.message.pk for r in results}) == 1


def test_the_intake_costs_a_fixed_number_of_queries(django_assert_num_queries, inbox):
    """Pinned so that an N+1 or a lost index shows up here first (see docs/performance.md)."""
    receiving.ingest(inbox=inbox, raw=raw_email(sender="warm@example.cn"))  # content types, tags: cached after
    with django_assert_num_queries(28):  # a new sender: customer, identity, case, clocks, timeline, rollup marker
        first = receiving.ingest(inbox=inbox, raw=raw_email(sender="new@example.cn", message_id="<q-1@example.cn>"))
    with django_assert_num_queries(13):  # a reply on the case (and its rollup marker)
        receiving.ingest(inbox=inbox, raw=raw_email(sender="new@example.cn", subject=f"Re: [{first.case.number}] x"))
    with django_assert_num_queries(3):  # the same mail again
        assert receiving.ingest(
            inbox=inbox, raw=raw_email(sender="new@example.cn", message_id="<q-1@example.cn>")
        ).duplicate


@pytest.mark.django_db(transaction=True)
def test_two_first_mails_of_a_new_sender_at_once_make_one_customer():
    import threading

    from django.db import connection

    from cases.models import Customer

    inbox = EmailInbox.objects.create(code="race2", name="Race", address="race2@shop.example.com")
    raws = [raw_email(sender="twin@example.cn", subject=f"问题 {n}", body=f"第 {n} 封") for n in range(3)]
    barrier, errors = threading.Barrier(3), []

    def take(raw):
        try:
            barrier.wait(5)
            receiving.ingest(inbox=inbox, raw=raw)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(raw,)) for raw in raws]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert Customer.objects.filter(email="twin@example.cn").count() == 1
    assert ContactIdentity.objects.filter(value="twin@example.cn").count() == 1
    assert Message.objects.filter(customer__email="twin@example.cn").count() == 3
