"""The refund ledger (issue 16): a case never refunds its order twice, approvals fail closed.

Findings replayed through the surfaces a person uses (the workbench, the API), then the ledger's
rules one by one. The property test and the race test are beside this file.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from cases.exceptions import InvalidInput
from cases.models import ApprovalLimit, CaseEvent, CaseStatus, CostKind, CostLine, EventType, Refund, RefundStatus
from cases.money import ledger as refunds
from cases.money.approvals import remaining_without_approval
from cases.services import LineRequest, add_cost_line, create_case, transition_case
from channels_app.models import ShopWebhook, WebhookDelivery
from tests.accounts.factories import UserFactory
from tests.cases.factories import OrderFactory, OrderLineFactory
from tests.clients import token_client

pytestmark = pytest.mark.django_db

PAID = Decimal("582.00")
REFUND_RESOLVE_QUERIES = 26
PLAIN_RESOLVE_QUERIES = 17
REFUND_PANEL_QUERIES = 7


def complaint_case(order, actor=None):
    """A complaint about the whole order (no lines), being worked on."""
    case = create_case(customer=order.customer, kind="complaint", channel="email", order=order)
    transition_case(case=case, name="start", actor=actor)
    return case


def refund_only_case(order, lines=None, actor=None):
    """A refund-only case on ``lines`` of the order (all of them by default), approved."""
    lines = list(order.lines.all()) if lines is None else lines
    case = create_case(
        customer=order.customer,
        kind="refund_only",
        channel="portal",
        order=order,
        lines=[LineRequest(order_line=line, quantity=line.quantity) for line in lines],
    )
    if case.status == CaseStatus.NEW:
        transition_case(case=case, name="approve", actor=actor)
    return case


@pytest.fixture
def order():
    line = OrderLineFactory(quantity=1, unit_price=PAID)
    return line.order


@pytest.fixture
def shop_endpoint():
    return ShopWebhook.objects.create(name="Shop", url="https://shop.example.com/hooks")


def desk_step(client, case, name, **fields):
    case.refresh_from_db()
    return client.post(f"/desk/cases/{case.number}/steps/{name}/", {"version": case.version, **fields})


# --- finding 1: one case refunds its order again and again -------------------------------------------


def test_resolving_a_reopened_case_again_does_not_refund_again(client, manager, order, shop_endpoint):
    case = refund_only_case(order, lines=list(order.lines.all()), actor=manager)
    client.force_login(manager)
    for _round in range(3):
        response = desk_step(client, case, "resolve", resolution_type="refund", refund_amount="582.00")
        assert response.status_code == 302, response.content.decode()[:500]
        assert desk_step(client, case, "reopen").status_code == 302
    refund = Refund.objects.get(case=case)
    assert refund.amount == PAID and refund.currency == "CNY" and refund.status == RefundStatus.REQUESTED
    assert CostLine.objects.filter(case=case, kind=CostKind.REFUND).count() == 1
    assert CaseEvent.objects.filter(case=case, type=EventType.REFUND).count() == 1
    deliveries = WebhookDelivery.objects.filter(event_type="refund.requested")
    assert deliveries.count() == 1
    payload = deliveries.get().payload["data"]["refund"]
    assert payload["id"] == refund.pk and payload["key"] == refund.key and payload["amount"] == "582.00"


def test_a_resolve_above_what_is_left_is_refused_with_the_amount_left(client, manager, order):
    case = refund_only_case(order, actor=manager)
    other = complaint_case(order, actor=manager)
    transition_case(case=case, name="resolve", actor=manager, resolution_type="refund", refund_amount="500.00")
    client.force_login(manager)
    response = desk_step(client, other, "resolve", resolution_type="refund", refund_amount="100.00")
    assert response.status_code == 400
    assert "82.00 is left" in response.content.decode()
    other.refresh_from_db()
    assert other.status == CaseStatus.IN_PROGRESS and not other.refunds.exists()


def test_a_second_resolve_asks_only_for_the_difference(manager, order):
    case = refund_only_case(order, actor=manager)
    transition_case(case=case, name="resolve", actor=manager, resolution_type="partial_refund", refund_amount="100")
    transition_case(case=case, name="reopen", actor=manager)
    transition_case(case=case, name="resolve", actor=manager, resolution_type="refund", refund_amount="300")
    assert list(case.refunds.values_list("amount", flat=True)) == [Decimal("100.00"), Decimal("200.00")]
    case.refresh_from_db()
    assert case.refund_amount == Decimal("300.00")
    assert refunds.refundable_amount(case=case) == Decimal("282.00")


def test_a_refund_is_never_lowered(manager, order):
    case = refund_only_case(order, actor=manager)
    transition_case(case=case, name="resolve", actor=manager, resolution_type="refund", refund_amount="300")
    transition_case(case=case, name="reopen", actor=manager)
    with pytest.raises(InvalidInput, match="already refunded 300.00"):
        transition_case(case=case, name="resolve", actor=manager, resolution_type="refund", refund_amount="100")
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS and case.refunds.count() == 1


def test_a_reopened_case_resolved_without_money_keeps_its_refund(manager, order):
    case = refund_only_case(order, actor=manager)
    transition_case(case=case, name="resolve", actor=manager, resolution_type="refund", refund_amount="300")
    transition_case(case=case, name="reopen", actor=manager)
    transition_case(case=case, name="resolve", actor=manager, resolution_type="goodwill_coupon")
    case.refresh_from_db()
    assert case.refund_amount == Decimal("300.00") and case.refunds.get().status == RefundStatus.REQUESTED


def test_per_line_refunds_never_exceed_what_the_line_was_paid():
    first = OrderLineFactory(quantity=1, unit_price=Decimal("100.00"))
    second = OrderLineFactory(order=first.order, quantity=1, unit_price=Decimal("50.00"))
    admin = UserFactory(username="root-ledger", role="admin")
    on_second = refund_only_case(first.order, lines=[second], actor=admin)
    with pytest.raises(InvalidInput, match="50.00 is left"):
        transition_case(case=on_second, name="resolve", actor=admin, resolution_type="refund", refund_amount="60")
    transition_case(case=on_second, name="resolve", actor=admin, resolution_type="refund", refund_amount="50")
    part = on_second.refunds.get().lines.get()
    assert part.order_line == second and part.amount == Decimal("50.00")
    assert refunds.order_is_within_paid(order=first.order)


def test_the_refund_is_in_the_orders_currency_whatever_the_case_says(manager, order, shop_endpoint):
    case = refund_only_case(order, actor=manager)
    type(case).objects.filter(pk=case.pk).update(currency="USD")
    case.refresh_from_db()
    transition_case(case=case, name="resolve", actor=manager, resolution_type="refund", refund_amount="10")
    assert case.refunds.get().currency == "CNY"
    payload = WebhookDelivery.objects.get(event_type="refund.requested").payload
    assert payload["data"]["refund"]["currency"] == "CNY"


def test_a_replayed_refund_key_makes_no_second_refund(manager, order):
    case = refund_only_case(order, actor=manager)
    first = refunds.request_refund(case=case, total=Decimal("10"), resolution_type="refund", actor=manager, key="k-1")
    again = refunds.request_refund(case=case, total=Decimal("20"), resolution_type="refund", actor=manager, key="k-1")
    assert again == first and Refund.objects.count() == 1


# --- refund cost lines come from the ledger only ------------------------------------------------------


def test_an_agent_cannot_record_a_refund_cost_by_hand(client, agent, order):
    case = refund_only_case(order, actor=agent)
    client.force_login(agent)
    response = client.post(f"/desk/cases/{case.number}/costs/", {"kind": "refund", "amount": "99.00"})
    assert response.status_code == 400
    assert "refund ledger" in response.content.decode()
    assert not CostLine.objects.filter(case=case).exists()
    with pytest.raises(InvalidInput):
        add_cost_line(case=case, actor=agent, kind="refund", amount="1")


def test_the_cost_form_offers_no_refund_kind(client, agent, order):
    case = refund_only_case(order, actor=agent)
    client.force_login(agent)
    page = client.get(f"/desk/cases/{case.number}/").content.decode()
    assert 'id="cost-kind"' in page and '<option value="refund">' not in page.split('id="cost-kind"')[1][:600]


# --- finding 2: approvals fail closed ---------------------------------------------------------------------


def test_on_a_fresh_install_an_agent_cannot_refund_4397_without_approval(agent):
    line = OrderLineFactory(quantity=1, unit_price=Decimal("4397.00"))
    case = refund_only_case(line.order, actor=agent)
    response = token_client(agent).post(
        f"/api/v1/cases/{case.number}/transitions/resolve/",
        {"resolution_type": "refund", "refund_amount": "4397.00"},
        format="json",
    )
    assert response.status_code == 403, response.json()
    assert "approval limit of 500.00" in response.json()["detail"]
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED and not Refund.objects.exists()


def test_a_role_without_a_row_needs_approval_for_any_refund(agent, order):
    ApprovalLimit.objects.filter(role="agent").delete()
    case = refund_only_case(order, actor=agent)
    response = token_client(agent).post(
        f"/api/v1/cases/{case.number}/transitions/resolve/",
        {"resolution_type": "refund", "refund_amount": "0.01"},
        format="json",
    )
    assert response.status_code == 403 and response.json()["code"] == "needs_approval"


def test_limits_count_the_cases_earlier_refunds_and_compensation(agent, order):
    case = refund_only_case(order, actor=agent)
    transition_case(case=case, name="resolve", actor=agent, resolution_type="refund", refund_amount="300")
    add_cost_line(case=case, actor=agent, kind="compensation", amount="150")
    assert remaining_without_approval(user=agent, case=case) == Decimal("50.00")
    transition_case(case=case, name="reopen", actor=agent)
    response = token_client(agent).post(
        f"/api/v1/cases/{case.number}/transitions/resolve/",
        {"resolution_type": "refund", "refund_amount": "400.00"},
        format="json",
    )
    assert response.status_code == 403 and "550.00" in response.json()["detail"]
    assert case.refunds.count() == 1


def test_a_manager_above_their_own_limit_cannot_approve_and_an_administrator_can(client, agent, manager, admin_user):
    from cases.exceptions import NeedsApproval
    from cases.services import decide_approval, request_approval

    line = OrderLineFactory(quantity=1, unit_price=Decimal("8000.00"))
    case = refund_only_case(line.order, actor=agent)
    request = request_approval(case=case, actor=agent, resolution_type="refund", refund_amount="6000")
    with pytest.raises(NeedsApproval):
        decide_approval(request=request, actor=manager, approve=True)
    request.refresh_from_db()
    assert request.decided_at is None and not case.refunds.exists()
    decide_approval(request=request, actor=admin_user, approve=True)
    refund = case.refunds.get()
    assert refund.amount == Decimal("6000.00") and refund.approval == request
    assert refund.requested_by == agent and refund.approved_by == admin_user
    assert refund.key == f"approval-{request.pk}"


def test_the_case_page_shows_how_much_the_agent_may_still_refund(client, agent, order):
    case = refund_only_case(order, actor=agent)
    transition_case(case=case, name="resolve", actor=agent, resolution_type="refund", refund_amount="120")
    transition_case(case=case, name="reopen", actor=agent)
    client.force_login(agent)
    page = client.get(f"/desk/cases/{case.number}/").content.decode()
    assert "Refunded on this case: 120.00 CNY" in page
    assert "still refundable on the order: 462.00 CNY" in page
    assert "You may still refund 380.00 CNY without approval" in page


# --- the refund's outcome ---------------------------------------------------------------------------


def test_the_shop_reports_a_failed_refund_and_its_amount_may_be_refunded_again(manager, integration_user, order):
    case = refund_only_case(order, actor=manager)
    transition_case(case=case, name="resolve", actor=manager, resolution_type="refund", refund_amount="582")
    refund = case.refunds.get()
    shop = token_client(integration_user)
    response = shop.post(f"/api/v1/refunds/{refund.pk}/outcome/", {"status": "failed", "note": "card expired"})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "failed"
    assert not CostLine.objects.filter(case=case, kind=CostKind.REFUND).exists()
    assert refunds.refundable_amount(case=case) == PAID
    again = shop.post(f"/api/v1/refunds/{refund.pk}/outcome/", {"status": "failed"})
    assert again.status_code == 200, "the same answer twice is idempotent"
    other = shop.post(f"/api/v1/refunds/{refund.pk}/outcome/", {"status": "succeeded"})
    assert other.status_code == 400 and "already" in other.json()["detail"]


@pytest.mark.parametrize("status", ["", "paid", None])
def test_a_bad_outcome_is_a_400_and_changes_nothing(manager, integration_user, order, status):
    case = refund_only_case(order, actor=manager)
    transition_case(case=case, name="resolve", actor=manager, resolution_type="refund", refund_amount="5")
    refund = case.refunds.get()
    response = token_client(integration_user).post(
        f"/api/v1/refunds/{refund.pk}/outcome/", {"status": status}, format="json"
    )
    assert response.status_code == 400
    refund.refresh_from_db()
    assert refund.status == RefundStatus.REQUESTED


def test_who_may_read_refunds_and_report_outcomes(agent, manager, integration_user, outsider, order):
    case = refund_only_case(order, actor=manager)
    transition_case(case=case, name="resolve", actor=manager, resolution_type="refund", refund_amount="5")
    refund = case.refunds.get()
    listing = f"/api/v1/cases/{case.number}/refunds/"
    outcome = f"/api/v1/refunds/{refund.pk}/outcome/"
    assert token_client(agent).get(listing).json()[0]["amount"] == "5.00"
    assert token_client(manager).get(listing).status_code == 200
    assert token_client(outsider).get(listing).status_code == 403
    from rest_framework.test import APIClient

    assert APIClient().get(listing).status_code == 401
    assert token_client(agent).post(outcome, {"status": "succeeded"}).status_code == 403
    assert token_client(outsider).post(outcome, {"status": "succeeded"}).status_code == 403
    assert APIClient().post(outcome, {"status": "succeeded"}).status_code == 401
    assert (
        token_client(integration_user).post("/api/v1/refunds/999999/outcome/", {"status": "failed"}).status_code == 404
    )
    refund.refresh_from_db()
    assert refund.status == RefundStatus.REQUESTED
    assert token_client(manager).post(outcome, {"status": "succeeded"}).status_code == 200


def test_refunds_made_before_the_ledger_are_carried_into_it(manager):
    """The data migration's function on a refund cost line written the old way."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("cases.migrations.0017_refund_ledger_data")
    case = complaint_case(OrderFactory(paid_amount=Decimal("100.00")), actor=manager)
    old = CostLine.objects.create(case=case, kind=CostKind.REFUND, amount=Decimal("40.00"), currency="CNY")
    migration.forwards(apps, None)
    refund = Refund.objects.get(cost_line=old)
    assert refund.amount == Decimal("40.00") and refund.key == f"legacy-costline-{old.pk}"
    assert refunds.refundable_amount(case=case) == Decimal("60.00")


def test_the_refunding_resolve_costs_a_pinned_number_of_queries(django_assert_num_queries, admin_user, order):
    """The ledger's share of a resolve: the order lock, the case's and the order's live refunds, the
    line's room, the refund, its line, its cost line and its event (docs/performance.md, "Refund
    resolve", measures the time)."""
    case = refund_only_case(order, actor=admin_user)
    plain = refund_only_case(OrderLineFactory(quantity=1, unit_price=PAID).order, actor=admin_user)
    with django_assert_num_queries(REFUND_RESOLVE_QUERIES):
        transition_case(case=case, name="resolve", actor=admin_user, resolution_type="refund", refund_amount="50")
    with django_assert_num_queries(PLAIN_RESOLVE_QUERIES):
        transition_case(case=plain, name="resolve", actor=admin_user, resolution_type="goodwill_coupon")


def test_the_timelines_say_what_was_refunded(client, manager, integration_user, order):
    """The desk shows the refund with its id; the customer's portal page says the money is on its way,
    then that it was paid."""
    from django.utils import timezone

    from channels_app import portal

    case = refund_only_case(order, actor=manager)
    transition_case(case=case, name="resolve", actor=manager, resolution_type="refund", refund_amount="582")
    refund = case.refunds.get()
    client.force_login(manager)
    assert f"Refund R{refund.pk}: 582.00 CNY · Requested" in client.get(f"/desk/cases/{case.number}/").content.decode()

    shopper = type(client)()
    session = shopper.session
    session[portal.SESSION_KEY] = {
        "customer": case.customer_id,
        "until": (timezone.now() + portal.SESSION_TTL).isoformat(),
    }
    session.save()
    page = shopper.get(f"/portal/cases/{case.number}/").content.decode()
    assert "A refund of 582.00 CNY is on its way to you." in page
    token_client(integration_user).post(f"/api/v1/refunds/{refund.pk}/outcome/", {"status": "succeeded"})
    page = shopper.get(f"/portal/cases/{case.number}/").content.decode()
    assert "Your refund of 582.00 CNY has been paid." in page


def test_the_refund_panel_of_the_case_page_costs_a_pinned_number_of_queries(django_assert_num_queries, agent, order):
    """The user's groups and limits, the ledger's standing (two), the compensation, the refunds and
    their lines: the same number however many resolutions the matrix has."""
    from cases.selectors import case_money

    case = refund_only_case(order, actor=agent)
    transition_case(case=case, name="resolve", actor=agent, resolution_type="refund", refund_amount="100")
    case.refresh_from_db()
    with django_assert_num_queries(REFUND_PANEL_QUERIES):
        money = case_money(case=case, user=agent)
    assert (money["refunded"], money["left"], money["without_approval"]) == (
        Decimal("100.00"),
        Decimal("482.00"),
        Decimal("400.00"),
    )
