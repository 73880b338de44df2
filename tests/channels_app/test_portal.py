"""The self-service portal: find the order, prove who you are, ask, know at once, follow.

Who: anyone may ask for a code; only a verified session sees its own customer's orders and cases
(another customer's is a 404, no session goes back to the start); staff accounts play no part.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from PIL import Image

from cases.models import (
    Attachment,
    Case,
    CaseEvent,
    CaseStatus,
    Notification,
    NotificationKind,
    PolicyOutcome,
    ReturnPolicy,
)
from cases.policy.library import load_templates
from cases.services import transition_case
from channels_app.models import PortalCode
from tests.cases.factories import CustomerFactory, OrderFactory, OrderLineFactory, ProductVariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def policies():
    load_templates(region="CN", reset_shop=False)
    assert ReturnPolicy.objects.exists()


@pytest.fixture
def order(policies):
    customer = CustomerFactory(email="wang@example.com", phone="+86 138 0000 1111", language="zh-hans")
    order = OrderFactory(
        number="SO-7001",
        customer=customer,
        placed_at=timezone.now() - timedelta(days=4),
        delivered_at=timezone.now() - timedelta(days=2),
    )
    OrderLineFactory(order=order, line_no=1, name="T-shirt", quantity=2)
    return order


def code_from_mail() -> str:
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def signed_in(client: Client, order, contact="wang@example.com") -> Client:
    assert client.post("/portal/", {"order_number": order.number, "contact": contact}).status_code == 302
    response = client.post("/portal/verify/", {"code": code_from_mail()})
    assert response.status_code == 302, response.content[:300]
    return client


def jpeg(size=(40, 30), exif_gps=True) -> io.BytesIO:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    exif = Image.Exif()
    if exif_gps:
        exif[0x8825] = {2: (31.0, 14.0, 0.0)}  # GPSInfo: a latitude
        exif[0x010F] = "PhoneMaker"
    image.save(out, "JPEG", exif=exif)
    out.seek(0)
    out.name = "broken-shirt.jpg"
    return out


def ask(client, order, **fields):
    line = order.lines.get()
    data = {"kind": "return", "reason": "no_reason", "reason_text": "", f"qty_{line.pk}": "1"}
    data.update(fields)
    return client.post(f"/portal/orders/{order.number}/", data)


# --- finding the order ---------------------------------------------------------------------------------


def test_the_right_email_gets_a_code_and_the_code_opens_the_order(client, order):
    response = client.post("/portal/", {"order_number": "SO-7001", "contact": "WANG@example.com"})
    assert response.status_code == 302 and response["Location"] == "/portal/verify/"
    assert mail.outbox[-1].to == ["wang@example.com"]
    assert "SO-7001" in mail.outbox[-1].subject
    assert PortalCode.objects.get().code_hash != code_from_mail(), "only a hash of the code is kept"
    response = client.post("/portal/verify/", {"code": code_from_mail()})
    assert response["Location"] == "/portal/orders/SO-7001/"
    page = client.get("/portal/orders/SO-7001/")
    assert page.status_code == 200 and "T-shirt" in page.content.decode()


def test_a_phone_number_in_another_format_gets_the_code_by_sms(client, order, capsys):
    client.post("/portal/", {"order_number": "SO-7001", "contact": "13800001111"})
    assert "SMS to +86 138 0000 1111" in capsys.readouterr().out
    assert not mail.outbox


@pytest.mark.parametrize(
    "number, contact", [("SO-7001", "someone@example.com"), ("SO-9999", "wang@example.com"), ("SO-7001", "13900000000")]
)
def test_wrong_details_get_the_same_neutral_answer_and_no_code(client, order, number, contact):
    response = client.post("/portal/", {"order_number": number, "contact": contact}, follow=True)
    assert response.status_code == 200
    assert "If the order number and the email or phone match an order" in response.content.decode()
    assert not mail.outbox and not PortalCode.objects.exists()


def test_a_wrong_code_is_refused_and_five_wrong_codes_burn_it(client, order):
    client.post("/portal/", {"order_number": "SO-7001", "contact": "wang@example.com"})
    good = code_from_mail()
    for _ in range(5):
        response = client.post("/portal/verify/", {"code": "000000" if good != "000000" else "111111"})
        assert response.status_code == 400
        assert "not valid or has expired" in response.content.decode()
    assert client.post("/portal/verify/", {"code": good}).status_code == 400, "five misses use the code up"
    assert client.get("/portal/my/").status_code == 302


def test_an_expired_code_is_refused(client, order):
    client.post("/portal/", {"order_number": "SO-7001", "contact": "wang@example.com"})
    PortalCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.post("/portal/verify/", {"code": code_from_mail()}).status_code == 400


def test_requests_for_codes_are_limited_per_order(client, order):
    for _ in range(5):
        client.post("/portal/", {"order_number": "SO-7001", "contact": "nobody@example.com"})
    response = client.post("/portal/", {"order_number": "SO-7001", "contact": "wang@example.com"})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert not mail.outbox


def test_requests_for_codes_are_limited_per_ip(client, order):
    for n in range(10):
        client.post("/portal/", {"order_number": f"SO-X{n}", "contact": "a@example.com"})
    assert client.post("/portal/", {"order_number": "SO-7001", "contact": "wang@example.com"}).status_code == 429


def test_empty_details_get_a_clear_message(client, order):
    response = client.post("/portal/", {"order_number": "", "contact": ""})
    assert response.status_code == 400
    assert "Give the order number" in response.content.decode()


# --- who sees what -----------------------------------------------------------------------------------------


def test_pages_need_the_verified_session(client, order):
    for path in ("/portal/my/", "/portal/orders/SO-7001/", "/portal/cases/RMA-2026-000001/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/portal/"


def test_another_customers_order_and_case_are_not_found(client, order):
    other = OrderFactory(number="SO-8001")
    OrderLineFactory(order=other)
    stranger = signed_in(Client(), other, contact=other.customer.email)
    case = ask(stranger, other)
    assert case.status_code == 302
    number = Case.objects.get(order=other).number
    mine = signed_in(client, order)
    assert mine.get("/portal/orders/SO-8001/").status_code == 404
    assert mine.get(f"/portal/cases/{number}/").status_code == 404
    assert mine.get(f"/portal/cases/{number}/slip.pdf").status_code == 404
    assert mine.post(f"/portal/cases/{number}/cancel/").status_code == 404
    assert Case.objects.get(number=number).status != CaseStatus.CANCELLED


def test_csrf_is_enforced(order):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/portal/", {"order_number": "SO-7001", "contact": "wang@example.com"}).status_code == 403
    assert not mail.outbox


# --- asking and knowing at once ------------------------------------------------------------------------------


def test_the_order_page_says_what_the_policy_allows_per_line(client, order):
    page = signed_in(client, order).get("/portal/orders/SO-7001/").content.decode()
    assert "How many (up to 2)" in page or "最多 2" in page
    assert "7" in page  # the 7-day period is explained


def test_a_return_within_seven_days_is_approved_with_rma_address_and_slip(client, order):
    signed_in(client, order)
    response = ask(client, order)
    case = Case.objects.get(order=order)
    assert response["Location"] == f"/portal/cases/{case.number}/"
    assert case.status == CaseStatus.APPROVED and case.channel == "portal"
    page = client.get(response["Location"]).content.decode()
    assert case.number in page and "退货仓" in page
    slip = client.get(f"/portal/cases/{case.number}/slip.pdf")
    assert slip.status_code == 200 and slip["Content-Type"] == "application/pdf"
    assert slip.content.startswith(b"%PDF") and case.number.encode() in slip.content
    # The decision reached the customer by email (outbox), in Chinese.
    note = Notification.objects.get(case=case, kind=NotificationKind.CASE_UPDATE)
    assert note.email == "wang@example.com" and case.number in note.subject


def test_a_damaged_item_needs_photos_and_they_are_stored_without_gps(client, order):
    signed_in(client, order)
    ask(client, order, reason="damaged", photos=[jpeg(), jpeg()])
    case = Case.objects.get(order=order)
    photos = list(case.attachments.all())
    assert len(photos) == 2
    for photo in photos:
        with Image.open(photo.file.open("rb")) as image:
            assert image.format == "JPEG"
            assert 0x8825 not in image.getexif() and 0x010F not in image.getexif(), "metadata stripped"
        assert "broken-shirt" not in photo.file.name
        served = client.get(f"/portal/cases/{case.number}/photos/{photo.pk}/")
        assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert Client().get(f"/portal/cases/{case.number}/photos/{photos[0].pk}/").status_code == 302


def test_a_late_return_is_rejected_with_the_reason(client, policies):
    customer = CustomerFactory(email="late@example.com")
    order = OrderFactory(
        number="SO-7002",
        customer=customer,
        placed_at=timezone.now() - timedelta(days=30),
        delivered_at=timezone.now() - timedelta(days=20),
    )
    OrderLineFactory(order=order)
    signed_in(client, order, contact="late@example.com")
    ask(client, order)
    case = Case.objects.get(order=order)
    assert case.status == CaseStatus.REJECTED
    page = client.get(f"/portal/cases/{case.number}/").content.decode()
    assert "We cannot accept this request" in page
    assert client.get(f"/portal/cases/{case.number}/slip.pdf").status_code == 404


def test_an_exchange_asks_for_the_wanted_variant(client, order):
    line = order.lines.get()
    variant = ProductVariantFactory(product=line.product, name="L / black")
    signed_in(client, order)
    response = ask(client, order, kind="exchange")
    assert response.status_code == 400 and "the size or colour you want" in response.content.decode()
    assert not Case.objects.exists()
    ask(client, order, kind="exchange", **{f"variant_{line.pk}": str(variant.pk)})
    assert Case.objects.get().lines.get().requested_variant == variant


@pytest.mark.parametrize(
    "photo, message",
    [
        (("fake.jpg", b"this is not an image at all"), "is not a JPEG, PNG or WebP photo"),
        (("../../x.jpg", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "is not a JPEG, PNG or WebP photo"),
        (("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), "is not a JPEG"),
        (("big.jpg", b"\xff\xd8" + b"0" * (8 * 1024 * 1024 + 10)), "larger than 8 MB"),
    ],
)
def test_bad_photos_get_a_clear_error_and_nothing_is_stored(client, order, photo, message):
    name, content = photo
    upload = io.BytesIO(content)
    upload.name = name
    signed_in(client, order)
    response = ask(client, order, reason="damaged", photos=[upload])
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "../" not in response.content.decode().split("error")[1][:200]
    assert not Case.objects.exists() and not Attachment.objects.exists()


def test_a_5000_line_reason_gets_a_clear_error_and_nothing_is_stored(client, order):
    signed_in(client, order)
    response = ask(client, order, reason_text="太长了\n" * 5000)
    assert response.status_code == 400
    assert "too long" in response.content.decode()
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"kind": "complaint"}, "Choose what you would like"),
        ({"reason": "bored"}, "Choose a reason"),
        ({"qty_1": "x"}, "whole number"),
    ],
)
def test_a_bad_request_is_refused_with_a_message(client, order, fields, message):
    signed_in(client, order)
    line = order.lines.get()
    if "qty_1" in fields:
        fields = {f"qty_{line.pk}": fields["qty_1"]}
    response = ask(client, order, **fields)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Case.objects.exists()


def test_no_item_chosen_and_more_than_bought_are_refused(client, order):
    signed_in(client, order)
    line = order.lines.get()
    assert ask(client, order, **{f"qty_{line.pk}": "0"}).status_code == 400
    response = ask(client, order, **{f"qty_{line.pk}": "5"})
    assert response.status_code == 400 and "only 2 bought" in response.content.decode()
    assert not Case.objects.exists()


# --- following ------------------------------------------------------------------------------------------------


def approved_case(client, order) -> Case:
    signed_in(client, order)
    ask(client, order)
    return Case.objects.get(order=order)


def test_the_customer_enters_a_tracking_number_checked_against_the_carrier(client, order):
    case = approved_case(client, order)
    url = f"/portal/cases/{case.number}/tracking/"
    bad = client.post(url, {"carrier": "SF", "tracking": "12345"})
    assert bad.status_code == 400 and "does not look like" in bad.content.decode()
    assert client.post(url, {"carrier": "FEDEX", "tracking": "SF123456789012"}).status_code == 400
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED
    assert client.post(url, {"carrier": "SF", "tracking": "sf 1234 5678 9012"}).status_code == 302
    case.refresh_from_db()
    assert (case.status, case.return_carrier, case.return_tracking_number) == ("in_transit", "SF", "SF123456789012")
    assert client.post(url, {"carrier": "SF", "tracking": "SF123456789013"}).status_code == 400, "only once"


def test_messages_land_in_the_timeline_the_agent_sees(client, order, agent):
    case = approved_case(client, order)
    client.post(f"/portal/cases/{case.number}/message/", {"text": "什么时候退款？"})
    event = CaseEvent.objects.get(case=case, type="reply")
    assert event.public and event.data == {"direction": "in"} and event.actor_label == "customer"
    assert client.post(f"/portal/cases/{case.number}/message/", {"text": "  "}).status_code == 400
    page = client.get(f"/portal/cases/{case.number}/").content.decode()
    assert "什么时候退款？" in page


def test_the_customer_cancels_before_shipping_but_not_after(client, order):
    case = approved_case(client, order)
    assert client.post(f"/portal/cases/{case.number}/cancel/").status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CANCELLED
    assert client.post(f"/portal/cases/{case.number}/cancel/").status_code == 400


def test_the_status_follows_the_agents_steps(client, order, agent):
    case = approved_case(client, order)
    client.post(f"/portal/cases/{case.number}/tracking/", {"carrier": "SF", "tracking": "SF123456789012"})
    case.refresh_from_db()
    transition_case(case=case, name="receive", actor=agent)
    page = client.get(f"/portal/cases/{case.number}/").content.decode()
    assert "Received" in page or "已收货" in page
    assert Notification.objects.filter(case=case, kind=NotificationKind.CASE_UPDATE).count() >= 3


def test_a_request_under_review_says_when_to_expect_an_answer(client, policies):
    customer = CustomerFactory(email="review@example.com")
    order = OrderFactory(number="SO-7003", customer=customer, delivered_at=None, status="shipped")
    OrderLineFactory(order=order)
    signed_in(client, order, contact="review@example.com")
    ask(client, order)
    case = Case.objects.get(order=order)
    assert case.policy_outcome == PolicyOutcome.REVIEW
    page = client.get(f"/portal/cases/{case.number}/").content.decode()
    assert "An agent will review your request" in page or "客服将审核" in page
    assert case.first_response_due_at is not None


def test_the_portal_speaks_chinese(client, order):
    page = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "订单号" in page


def test_the_agents_reply_shows_on_the_portal(client, order, agent):
    from cases.services import add_message

    case = approved_case(client, order)
    add_message(case=case, actor=agent, text="已收到，请尽快寄回。")
    page = client.get(f"/portal/cases/{case.number}/").content.decode()
    assert "已收到，请尽快寄回。" in page


def test_a_damaged_item_without_photos_is_not_approved(client, order):
    signed_in(client, order)
    ask(client, order, reason="damaged")
    assert Case.objects.get().status != CaseStatus.APPROVED
