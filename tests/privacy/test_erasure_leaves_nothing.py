"""Erasure leaves nothing: a customer who has touched every channel is erased through the service
the admin's action and the command call, then every text, varchar, JSON and binary column of every
table of the database, and every file under the media folder, is searched for their name, email
addresses, phone (E.164 and the national form), social handle, shop id and order numbers.

The only place allowed to keep any of them is the order record the law requires a shop to keep
(``cases_order.number``, see ``cases.personal_data.ORDER_RECORD``); the search must find the
order numbers there, which also proves it searches at all."""

from __future__ import annotations

import io
import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from psycopg2 import sql

from cases import services as cases_services
from cases.models import OPEN_STATUSES, Attachment, Case, CaseKind, Customer
from cases.services import LineRequest, create_case, transition_case
from cases.sla import follow_ups
from channels_app import chat, phone, portal, shop_webhooks, signing, social
from channels_app.email import receiving
from channels_app.models import (
    ChatWidget,
    ContactIdentity,
    EmailInbox,
    Message,
    RawEmail,
    ShopWebhook,
    SocialAccount,
    WebhookDelivery,
    WebhookDeliveryStatus,
)
from feedback import services as feedback
from feedback.models import FreeFeedback, Survey, SurveyRule
from privacy import services
from tests.accounts.factories import UserFactory
from tests.cases.factories import CustomerFactory, OrderFactory, OrderLineFactory
from tests.channels_app.mailtools import raw_email

pytestmark = pytest.mark.django_db

NAME = "欧阳娜娜"
EMAIL = "ouyang.nana@example.cn"
WORK_EMAIL = "nana.office@example.cn"
E164 = "+8613987654321"
NATIONAL = "13987654321"
HANDLE = "nana_weibo_77"
SHOP_ID = "shop-cust-9911"
ORDERS = ("SO-77100001", "SO-77100002")
PERSONAL = (NAME, EMAIL, WORK_EMAIL, E164, NATIONAL, HANDLE, SHOP_ID, *ORDERS)

# (table, column) -> the values the law lets stay there, and why.
KEPT_BY_LAW = {
    ("cases_order", "number"): (set(ORDERS), "the order record a shop must keep (cases.personal_data.ORDER_RECORD)"),
}


class Shop:
    """The shop's webhook receiver, a real HTTP server on a free port: records what it is sent."""

    def __init__(self):
        self.bodies: list[bytes] = []
        shop = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                shop.bodies.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"


@pytest.fixture(autouse=True)
def no_counts_from_earlier_runs():
    cache.clear()  # the rate limits count in this run's cache: the portal code and chat starts below
    yield
    cache.clear()


@pytest.fixture
def shop(settings):
    settings.OUTGOING_ALLOW_PRIVATE_NETWORKS = True  # the shop is in-house: a server on this machine
    server = Shop()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def jpeg() -> SimpleUploadedFile:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="JPEG")
    return SimpleUploadedFile(f"{NAME}-破损.jpg", out.getvalue(), content_type="image/jpeg")


def finish(case: Case, actor) -> None:
    """Take a case out of the open statuses the way an agent would."""
    case.refresh_from_db()
    if case.status not in OPEN_STATUSES:
        return
    if case.kind in (CaseKind.COMPLAINT, CaseKind.INQUIRY):
        if case.status == "new":
            case = transition_case(case=case, name="start", actor=actor)
        transition_case(case=case, name="resolve", actor=actor, resolution_type="answered")
    else:
        transition_case(case=case, name="cancel", actor=actor)


def touch_every_channel(*, agent, manager, client, shop) -> Customer:
    customer = CustomerFactory(name=NAME, email=EMAIL, phone=E164, external_id=SHOP_ID)
    first = OrderFactory(customer=customer, number=ORDERS[0], shipping_address=f"{NAME} 上海市徐汇区 {NATIONAL}")
    line = OrderLineFactory(order=first, unit_price=Decimal("300.00"))
    second = OrderFactory(customer=customer, number=ORDERS[1])
    second_line = OrderLineFactory(order=second, unit_price=Decimal("120.00"))
    ShopWebhook.objects.create(name="Shop", url=shop.url)

    # The portal: a one-time code, a return with photos (then withdrawn), free feedback signed in
    # and, not signed in, with her address as the contact.
    portal.request_code(order_number=ORDERS[0], contact=EMAIL, ip="198.51.100.7")
    returned = portal.submit_request(
        customer=customer,
        order=first,
        request=portal.ReturnRequest(
            kind="return",
            reason_code="damaged",
            reason_text=f"{NAME}: 收到时已经破损，电话 {NATIONAL}",
            quantities={line.pk: 1},
            variants={},
        ),
        photos=[jpeg()],
    )
    assert returned.attachments.count() == 1
    portal.send_message(case=returned, text=f"我的订单 {ORDERS[0]}，请联系 {E164}")
    portal_client = client
    session = portal_client.session
    session[portal.SESSION_KEY] = {"customer": customer.pk, "until": "2999-01-01T00:00:00+00:00"}
    session.save()
    assert portal_client.post("/feedback/new/", {"text": f"网站很难用，{NAME}"}).status_code == 302
    FreeFeedback.objects.create(
        channel="portal", text=f"订单 {ORDERS[1]} 没到", contact=EMAIL.upper(), created_at=first.placed_at
    )

    # Email: a mail that opens a case, one from her office address matched only by the order number
    # (flagged, naming the sender), and an out-of-office reply (stored raw, no case, no customer).
    inbox = EmailInbox.objects.create(code="service", name="Service", address="service@shop.example.com")
    receiving.ingest(
        inbox=inbox,
        raw=raw_email(sender=f"{NAME} <{EMAIL}>", subject=f"订单 {ORDERS[1]}", body=f"我是{NAME}，电话 {E164}"),
    )
    receiving.ingest(
        inbox=inbox, raw=raw_email(sender=f"Nana <{WORK_EMAIL}>", subject="退款", body=f"订单号 {ORDERS[0]}")
    )
    assert Message.objects.exclude(flag="").filter(flag__contains=WORK_EMAIL).exists()
    automatic = receiving.ingest(
        inbox=inbox,
        raw=raw_email(
            sender=f"{NAME} <{EMAIL}>",
            subject="自动回复: 外出",
            body=f"{NAME} 外出中，急事请拨 {NATIONAL}",
            headers={"Auto-Submitted": "auto-replied"},
        ),
    )
    assert automatic.message.customer_id is None and RawEmail.objects.filter(message=automatic.message).exists()

    # Chat, phone (a call with notes), social media (a handle an agent linked to her).
    widget = ChatWidget.objects.create(name="Shop", code="shop")
    started = chat.start_session(
        widget=widget, email=EMAIL, name=NAME, text=f"订单 {ORDERS[0]} 怎么退？", ip="198.51.100.8"
    )
    chat.post_visitor_message(session=started.session, text=f"我的电话 {NATIONAL}")
    phone.log_call(
        actor=agent,
        direction="in",
        number=NATIONAL,
        duration_seconds=65,
        summary=f"{NAME} 来电询问订单 {ORDERS[1]}",
        outcome="follow_up",
    )
    account = SocialAccount.objects.create(code="weibo", name="Weibo", provider="console")
    ContactIdentity.objects.create(customer=customer, kind="social", provider="weibo", value=HANDLE, display=HANDLE)
    body = json.dumps(
        {"id": "w-1", "from": {"id": HANDLE, "name": NAME}, "text": f"@客服 {ORDERS[1]} 还没退款", "thread": "t-9"}
    ).encode()
    headers = signing.signed_headers(secret=account.secret, body=body)
    social.receive_webhook(
        account=account,
        body=body,
        timestamp=headers[signing.TIMESTAMP_HEADER],
        signature=headers[signing.SIGNATURE_HEADER],
    )

    # A rejection with a reason naming her; a refund turned down then approved, notes naming her.
    rejected = create_case(
        customer=customer,
        kind="return",
        channel="portal",
        order=second,
        actor=agent,
        lines=[LineRequest(order_line=second_line, quantity=1)],
    )
    rejected.refresh_from_db()
    assert rejected.status == "new"
    transition_case(case=rejected, name="reject", actor=agent, reason=f"{NAME} 的商品已超过七天，{E164}")
    refund = create_case(
        customer=customer,
        kind="refund_only",
        channel="email",
        order=second,
        actor=agent,
        lines=[LineRequest(order_line=second_line, quantity=1)],
    )
    refund.refresh_from_db()
    if refund.status == "new":
        refund = transition_case(case=refund, name="approve", actor=agent)
    asked = cases_services.request_approval(
        case=refund, actor=agent, resolution_type="refund", refund_amount="120.00", resolution_note=f"{NAME} 要求退款"
    )
    cases_services.decide_approval(request=asked, actor=manager, approve=False, note=f"{NAME} 先寄回商品 {NATIONAL}")
    refund.refresh_from_db()
    asked = cases_services.request_approval(
        case=refund, actor=agent, resolution_type="refund", refund_amount="120.00", resolution_note=f"再次申请 {NAME}"
    )
    cases_services.decide_approval(request=asked, actor=manager, approve=True, note=f"同意给 {NAME} 退款")

    for case in Case.objects.filter(customer=customer):
        finish(case, agent)

    # A survey answer with a comment (a low score: a revisit task for the team lead) and a revisit.
    survey = Survey.objects.create(code="csat", name="CSAT", ask_csat=True, ask_comment=True)
    SurveyRule.objects.create(survey=survey, position=10)
    answered = Case.objects.filter(customer=customer, status="resolved").order_by("pk").first()
    invitation = feedback.invite(case=answered)
    feedback.answer(invitation=invitation, data={"csat": "1", "comment": f"{NAME} 很不满意，{E164}"})
    task, _created = follow_ups.create_revisit(case=answered, reason="sample", note=f"回访 {NAME} {NATIONAL}")
    follow_ups.complete_revisit(task=task, actor=agent, outcome=f"{NAME} 表示理解")

    # The shop received its events (customer id, order numbers); nothing waits to be sent.
    while shop_webhooks.deliver_due():
        pass
    assert not WebhookDelivery.objects.filter(status=WebhookDeliveryStatus.PENDING).exists()
    assert any(SHOP_ID.encode() in b for b in shop.bodies) and any(ORDERS[1].encode() in b for b in shop.bodies)
    return customer


def text_columns() -> list[tuple[str, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.table_name, c.column_name, c.data_type
            FROM information_schema.columns c
            JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
              AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea')
            ORDER BY 1, 2
            """
        )
        return cursor.fetchall()


def found_in_database() -> dict[tuple[str, str], set[str]]:
    """Every (table, column) holding any of the personal values (case-insensitive), and which."""
    found: dict[tuple[str, str], set[str]] = {}
    columns = text_columns()
    assert len(columns) > 100, "the search really walks the schema"
    values = [*PERSONAL, *(v.lower() for v in PERSONAL), *(v.upper() for v in PERSONAL)]
    with connection.cursor() as cursor:
        for table, column, data_type in columns:
            if data_type == "bytea":
                match = sql.SQL("position(convert_to(v, 'UTF8') in t.{}) > 0").format(sql.Identifier(column))
            else:
                match = sql.SQL("strpos(lower(t.{}::text), lower(v)) > 0").format(sql.Identifier(column))
            query = sql.SQL(
                "SELECT DISTINCT v FROM unnest(%s::text[]) AS v WHERE EXISTS (SELECT 1 FROM {} AS t WHERE {})"
            )
            cursor.execute(query.format(sql.Identifier(table), match), [values])
            hits = {v for (v,) in cursor.fetchall()}
            if hits:
                found[(table, column)] = {p for p in PERSONAL if p in hits or p.lower() in hits or p.upper() in hits}
    return found


def found_in_files(root: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in root.rglob("*") if root.exists() else ():
        if path.is_file():
            content = path.read_bytes().lower()
            hits = {v for v in PERSONAL if v.lower().encode() in content}
            hits |= {v for v in PERSONAL if v in path.name}
            if hits:
                found[str(path.relative_to(root))] = hits
    return found


def test_an_erased_customer_who_used_every_channel_is_found_nowhere_but_in_the_order_record(
    client, agent, media, shop, django_capture_on_commit_callbacks
):
    manager = UserFactory(username="manager-erase", role="manager")
    customer = touch_every_channel(agent=agent, manager=manager, client=client, shop=shop)
    before = found_in_database()
    for table, column in (
        ("channels_app_message", "flag"),
        ("cases_caseevent", "data"),
        ("feedback_freefeedback", "text"),
        ("channels_app_rawemail", "content"),
        ("channels_app_webhookdelivery", "payload"),
        ("cases_customer", "name"),
        ("channels_app_contactidentity", "value"),
    ):
        assert (table, column) in before, f"the data set really puts personal data in {table}.{column}"
    photos = [media / a.file.name for a in Attachment.objects.filter(case__customer=customer)]
    assert photos and all(p.is_file() for p in photos), "the photo is on disk before"

    with django_capture_on_commit_callbacks(execute=True):
        services.erase_customer(customer=customer, actor=UserFactory(username="dpo", role="admin"), reason="DSR-77")

    left = found_in_database()
    for place, (allowed, _why) in KEPT_BY_LAW.items():
        assert left.pop(place, set()) == allowed, place
    assert left == {}
    assert found_in_files(media) == {}
    assert not any(p.exists() for p in photos), "the photos' files are deleted"
