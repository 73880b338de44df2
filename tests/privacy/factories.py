"""The privacy tests' customer: personal data in every place the product keeps some (the
erasure, export, masking and retention tests look for it everywhere afterwards)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from cases.models import Attachment, Case
from cases.services import add_cost_line, add_message, create_case, transition_case
from channels_app.models import ChatSession, ContactIdentity, Message, PortalCode, RawEmail
from feedback.models import SurveyResponse
from tests.cases.factories import CustomerFactory, OrderFactory, attach
from tests.channels_app.factories import ChatWidgetFactory
from tests.feedback.factories import FreeFeedbackFactory

PHONE = "+8613912345678"
EMAIL = "zhang.wei@example.cn"
ADDRESS = "上海市徐汇区漕溪北路 88 号 1201 室"
SECRET_TEXTS = ("我的身份证在照片里", "请寄到我家楼下", "张伟 13912345678")


@dataclass
class Rich:
    customer: object
    order: object
    closed: Case
    resolved: Case
    attachment: Attachment
    inbound: Message


def make_rich_customer(agent) -> Rich:
    """A customer with an order (address), a closed and a resolved case (texts, notes, a cost, a
    photo), an inbound email with its raw bytes, identities, a chat, a portal code, a survey
    answer with a comment and free feedback."""
    customer = CustomerFactory(name="张伟", email=EMAIL, phone=PHONE, external_id="shop-778")
    order = OrderFactory(customer=customer, shipping_address=ADDRESS)
    closed = create_case(
        customer=customer,
        kind="complaint",
        channel="email",
        actor=agent,
        order=order,
        subject=SECRET_TEXTS[0],
        reason_text=SECRET_TEXTS[1],
    )
    add_message(case=closed, actor=agent, text=f"您好 {customer.name}，已处理。")
    add_message(case=closed, actor=agent, text=SECRET_TEXTS[2], public=False)
    add_cost_line(case=closed, actor=agent, kind="compensation", amount="20.00", note="张伟 的补偿")
    closed = transition_case(case=closed, name="start", actor=agent)
    closed = transition_case(case=closed, name="resolve", actor=agent, resolution_type="answered")
    closed = transition_case(case=closed, name="close", actor=agent)
    resolved = create_case(customer=customer, kind="inquiry", channel="chat", actor=agent, subject="发票抬头 张伟")
    resolved = transition_case(case=resolved, name="start", actor=agent)
    resolved = transition_case(case=resolved, name="resolve", actor=agent, resolution_type="answered")
    attachment = attach(closed)
    inbound = Message.objects.create(
        direction="in",
        channel="email",
        case=closed,
        customer=customer,
        dedupe_key="test:<m1@example.cn>",
        external_id="<m1@example.cn>",
        sender=EMAIL,
        sender_name="张伟",
        recipient="service@shop.example",
        subject="退款",
        text=SECRET_TEXTS[1],
        status="received",
        created_at=timezone.now(),
    )
    RawEmail.objects.create(message=inbound, content=f"From: {EMAIL}\r\n\r\nhello".encode(), size=30)
    ContactIdentity.objects.create(customer=customer, kind="email", value=EMAIL, display=EMAIL)
    ContactIdentity.objects.create(customer=customer, kind="phone", value=PHONE.lstrip("+"), display=PHONE)
    widget = ChatWidgetFactory(name="Shop", code="shop")
    ChatSession.objects.create(widget=widget, customer=customer, case=resolved, started_at=timezone.now())
    PortalCode.objects.create(
        order=order,
        customer=customer,
        sent_to=EMAIL,
        code_hash="0" * 64,
        created_at=timezone.now(),
        expires_at=timezone.now() + timedelta(minutes=10),
    )
    SurveyResponse.objects.create(
        case=closed,
        customer=customer,
        agent=agent,
        channel="email",
        csat=2,
        comment="张伟: 太慢了",
        answered_at=timezone.now(),
    )
    FreeFeedbackFactory(
        customer=customer, channel="portal", text="网站很难用 张伟", contact=PHONE, created_at=timezone.now()
    )
    return Rich(customer, order, closed, resolved, attachment, inbound)
