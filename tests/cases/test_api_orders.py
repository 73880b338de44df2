"""PUT/GET /api/v1/orders/{number}/: the shop pushes its orders in, idempotently.

Who: the integration role (and admin) may push; agents, managers and the integration may read;
anonymous is 401, a user without a role 403.
"""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from cases.models import CaseLine, CaseStatus, Customer, Order, OrderLine, Product
from tests.cases.factories import CaseFactory
from tests.cases.shop_payloads import order_payload
from tests.clients import token_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/orders/{}/"


@pytest.fixture
def shop(integration_user):
    return token_client(integration_user)


def push(client, number="SO-1", payload=None):
    return client.put(URL.format(number), payload or order_payload(), format="json")


def test_first_push_creates_order_customer_lines_and_products_201(shop):
    response = push(shop)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == "SO-1"
    assert body["paid_amount"] == "229.00"  # no total given: the sum of the lines
    assert body["customer"]["external_id"] == "C-1001"
    assert [line["line_no"] for line in body["lines"]] == [1, 2]
    assert body["lines"][1]["product"] == {
        "sku": "SOCK-5",
        "name": "Socks, 5 pairs",
        "category": "underwear",
        "flags": ["hygiene"],
        "returnable": True,
        "supplier": "",
    }
    order = Order.objects.get(number="SO-1")
    assert order.customer.tier == "vip"
    assert order.lines.get(line_no=1).product.category == "apparel"
    assert Product.objects.filter(sku__in=["TS-BLK-M", "SOCK-5"]).count() == 2


def test_identical_repeat_changes_nothing_and_answers_the_same(shop):
    first = push(shop)
    order = Order.objects.get(number="SO-1")
    stamps = (order.updated_at, list(OrderLine.objects.filter(order=order).values_list("pk", flat=True)))
    second = push(shop)
    assert second.status_code == 200
    assert second.json() == first.json()
    order.refresh_from_db()
    assert (order.updated_at, list(OrderLine.objects.filter(order=order).values_list("pk", flat=True))) == stamps
    assert Customer.objects.count() == 1


def test_update_changes_fields_adds_updates_and_removes_lines(shop):
    push(shop)
    payload = order_payload(status="cancelled", paid_amount="10.00")
    payload["customer"]["tier"] = "regular"
    payload["lines"] = [
        {**payload["lines"][0], "quantity": 3, "paid_amount": "270.00"},
        {"line_no": 3, "sku": "CAP-1", "name": "Cap", "quantity": 1, "unit_price": "59.00", "paid_amount": "59.00"},
    ]
    response = push(shop, payload=payload)
    assert response.status_code == 200, response.json()
    order = Order.objects.get(number="SO-1")
    assert (order.status, order.paid_amount, order.customer.tier) == ("cancelled", Decimal("10.00"), "regular")
    assert dict(order.lines.values_list("line_no", "quantity")) == {1: 3, 3: 1}
    assert order.lines.get(line_no=3).product is None  # no product given and none known by that SKU
    assert [line["line_no"] for line in response.json()["lines"]] == [1, 3]


def test_a_line_without_product_links_to_the_known_product_of_its_sku(shop):
    push(shop)
    payload = order_payload()
    for line in payload["lines"]:
        line.pop("product")
    push(shop, number="SO-2", payload=payload)
    assert OrderLine.objects.get(order__number="SO-2", line_no=2).product.flags == ["hygiene"]


def claim(order_number: str, line_no: int, quantity: int, status: str = CaseStatus.NEW) -> CaseLine:
    order = Order.objects.get(number=order_number)
    case = CaseFactory(order=order, customer=order.customer)
    if status != CaseStatus.NEW:
        type(case).objects.filter(pk=case.pk).update(status=status)
    return CaseLine.objects.create(case=case, order_line=order.lines.get(line_no=line_no), quantity=quantity)


def test_removing_a_line_a_live_case_claims_is_409_and_nothing_changes(shop):
    push(shop)
    claimed = claim("SO-1", 2, 1)
    payload = order_payload(status="cancelled")
    payload["customer"]["name"] = "Changed"
    payload["lines"] = payload["lines"][:1]
    response = push(shop, payload=payload)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "order_conflict"
    assert "Line 2 cannot be removed" in body["detail"] and claimed.case.number in body["detail"]
    order = Order.objects.get(number="SO-1")
    assert order.status == "delivered" and order.lines.count() == 2
    assert order.customer.name == "王小明"  # the customer update was rolled back with the rest


def test_reducing_a_line_below_what_live_cases_claim_is_409(shop):
    push(shop)
    claim("SO-1", 1, 2)
    payload = copy.deepcopy(order_payload())
    payload["lines"][0]["quantity"] = 1
    response = push(shop, payload=payload)
    assert response.status_code == 409
    assert "cannot go down to 1" in response.json()["detail"]
    assert OrderLine.objects.get(order__number="SO-1", line_no=1).quantity == 2


def test_reducing_to_exactly_the_claim_or_below_a_released_claim_is_fine(shop):
    push(shop)
    claim("SO-1", 1, 1)
    claim("SO-1", 1, 1, status=CaseStatus.REJECTED)  # released: holds no units
    payload = copy.deepcopy(order_payload())
    payload["lines"][0]["quantity"] = 1
    response = push(shop, payload=payload)
    assert response.status_code == 200, response.json()
    assert OrderLine.objects.get(order__number="SO-1", line_no=1).quantity == 1


def test_removing_a_line_only_a_rejected_case_names_is_still_409(shop):
    # The case's audit keeps pointing at the line (CaseLine.order_line is PROTECT).
    push(shop)
    claim("SO-1", 2, 1, status=CaseStatus.REJECTED)
    payload = order_payload()
    payload["lines"] = payload["lines"][:1]
    assert push(shop, payload=payload).status_code == 409


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"placed_at": "yesterday"}, "placed_at"),
        ({"currency": "yuan"}, "currency"),
        ({"lines": []}, "lines"),
        ({"customer": {"name": "no id"}}, "customer"),
        ({"delivered_at": "2026-02-01T00:00:00+08:00"}, "delivered_at"),
    ],
)
def test_invalid_orders_are_400_with_field_messages_and_write_nothing(shop, change, field):
    response = push(shop, payload=order_payload(**change))
    assert response.status_code == 400
    assert field in response.json()
    assert not Order.objects.exists() and not Customer.objects.exists()


def test_invalid_lines_name_the_problem(shop):
    payload = order_payload()
    payload["lines"][0]["quantity"] = 0
    payload["lines"][1]["product"]["flags"] = ["radioactive"]
    body = push(shop, payload=payload).json()
    # DRF reports list items by their index.
    assert "quantity" in body["lines"]["0"]
    assert "flags" in body["lines"]["1"]["product"]
    assert not Order.objects.exists()


def test_duplicate_line_numbers_are_400(shop):
    payload = order_payload()
    payload["lines"][1]["line_no"] = 1
    response = push(shop, payload=payload)
    assert response.status_code == 400
    assert "repeated: 1" in str(response.json()["lines"])


def test_get_returns_the_order_and_404_for_an_unknown_number(shop, agent, manager):
    push(shop)
    for user in (agent, manager):
        response = token_client(user).get(URL.format("SO-1"))
        assert response.status_code == 200
        assert response.json()["customer"]["name"] == "王小明"
    missing = shop.get(URL.format("SO-404"))
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


def test_staff_with_a_session_can_read_orders(shop, agent):
    push(shop)
    client = APIClient()
    client.force_login(agent)
    assert client.get(URL.format("SO-1")).status_code == 200


def test_anonymous_is_401_with_how_to_authenticate():
    response = APIClient().put(URL.format("SO-1"), order_payload(), format="json")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"
    assert APIClient().get(URL.format("SO-1")).status_code == 401


def test_a_bad_token_is_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get(URL.format("SO-1")).status_code == 401


@pytest.mark.parametrize("role", ["agent", "manager", "outsider"])
def test_only_the_integration_and_admin_may_push_orders(request, role):
    response = push(token_client(request.getfixturevalue(role)))
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Order.objects.exists()


def test_admin_may_push_orders(admin_user):
    assert push(token_client(admin_user)).status_code == 201


def test_outsider_may_not_read_orders(shop, outsider):
    push(shop)
    assert token_client(outsider).get(URL.format("SO-1")).status_code == 403


def test_an_order_with_cases_cannot_move_to_another_customer(shop):
    push(shop)
    claim("SO-1", 1, 1, status=CaseStatus.CANCELLED)
    payload = order_payload()
    payload["customer"] = {**payload["customer"], "external_id": "C-2002", "name": "Someone else"}
    response = push(shop, payload=payload)
    assert response.status_code == 409
    assert "another customer" in response.json()["detail"]
    assert Order.objects.get(number="SO-1").customer.external_id == "C-1001"
    assert not Customer.objects.filter(external_id="C-2002").exists()


def test_an_order_without_cases_may_move_to_another_customer(shop):
    push(shop)
    payload = order_payload()
    payload["customer"] = {**payload["customer"], "external_id": "C-2002", "name": "Someone else"}
    assert push(shop, payload=payload).status_code == 200
    assert Order.objects.get(number="SO-1").customer.external_id == "C-2002"
