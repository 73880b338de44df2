"""The refund approval matrix: an agent's refund above the limit waits for a manager's approval.

Who: the limit binds agents through the workbench and the API alike; only users with
approve_refund (managers, admins) grant or turn down a request; a manager edits the matrix.
It fails closed: a role without a row needs approval for any refund (issue 16).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from cases.models import ApprovalLimit, ApprovalRequest, CaseStatus
from cases.money.approvals import approval_limit
from cases.services import LineRequest, create_case, transition_case
from tests.cases.factories import OrderLineFactory
from tests.clients import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits():
    ApprovalLimit.objects.update_or_create(
        role="agent", resolution_type="refund", defaults={"max_amount": Decimal("100.00")}
    )
    ApprovalLimit.objects.update_or_create(
        role="manager", resolution_type="refund", defaults={"max_amount": Decimal("5000.00")}
    )


@pytest.fixture
def refund_case(agent):
    line = OrderLineFactory(quantity=1, unit_price=Decimal("399.00"))
    case = create_case(
        customer=line.order.customer,
        kind="refund_only",
        channel="portal",
        order=line.order,
        lines=[LineRequest(order_line=line, quantity=1)],
    )
    transition_case(case=case, name="approve", actor=agent)
    return case


def test_the_limit_is_the_most_generous_of_the_users_roles(limits, agent, manager, admin_user):
    assert approval_limit(user=agent, resolution_type="refund") == Decimal("100.00")
    assert approval_limit(user=manager, resolution_type="refund") == Decimal("5000.00")
    ApprovalLimit.objects.filter(role="agent", resolution_type="partial_refund").delete()
    assert approval_limit(user=agent, resolution_type="partial_refund") == Decimal("0.00"), "no row: fails closed"
    assert approval_limit(user=admin_user, resolution_type="refund") is None


def test_an_agent_within_the_limit_resolves_at_once(limits, agent, refund_case):
    transition_case(case=refund_case, name="resolve", actor=agent, resolution_type="refund", refund_amount="80")
    assert refund_case.status == CaseStatus.RESOLVED


def test_above_the_limit_the_agent_asks_and_a_manager_approves_in_the_workbench(
    client, limits, agent, manager, refund_case
):
    client.force_login(agent)
    url = f"/desk/cases/{refund_case.number}/"
    response = client.post(
        url + "steps/resolve/",
        {
            "version": refund_case.version,
            "resolution_type": "refund",
            "refund_amount": "399.00",
            "resolution_note": "全额",
        },
    )
    assert response.status_code == 403
    assert "above your approval limit of 100.00" in response.content.decode()
    assert 'id="ask-approval"' in response.content.decode()
    refund_case.refresh_from_db()
    assert refund_case.status == CaseStatus.APPROVED
    response = client.post(
        url + "approval/", {"resolution_type": "refund", "refund_amount": "399.00", "resolution_note": "全额"}
    )
    assert response.status_code == 302
    request = ApprovalRequest.objects.get(case=refund_case)
    assert request.decided_at is None and request.requested_by == agent
    assert client.post(url + "approval/decide/", {"approve": "1"}).status_code == 403, "agents cannot approve"
    queue = [c.number for c, _ in client.get("/desk/?queue=approval").context["rows"]]
    assert queue == [refund_case.number]

    client.force_login(manager)
    assert client.post(url + "approval/decide/", {"approve": "1", "note": "OK"}).status_code == 302
    refund_case.refresh_from_db()
    assert refund_case.status == CaseStatus.RESOLVED and refund_case.refund_amount == Decimal("399.00")
    request.refresh_from_db()
    assert request.approved and request.decided_by == manager
    assert refund_case.events.get(type="transition", transition="resolve").actor == manager


def test_a_manager_turns_a_request_down_and_the_case_stays_open(limits, agent, manager, refund_case):
    from cases.services import decide_approval, request_approval

    request = request_approval(case=refund_case, actor=agent, resolution_type="refund", refund_amount="399")
    decide_approval(request=request, actor=manager, approve=False, note="太高")
    refund_case.refresh_from_db()
    assert refund_case.status == CaseStatus.APPROVED
    request.refresh_from_db()
    assert request.approved is False


def test_the_api_enforces_the_same_limit(limits, agent, refund_case):
    response = token_client(agent).post(
        f"/api/v1/cases/{refund_case.number}/transitions/resolve/",
        {"resolution_type": "refund", "refund_amount": "399.00"},
        format="json",
    )
    assert response.status_code == 403 and "approval limit" in response.json()["detail"]
    refund_case.refresh_from_db()
    assert refund_case.status == CaseStatus.APPROVED


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"resolution_type": "goodwill_coupon", "refund_amount": ""}, "Only a refund needs an approval"),
        ({"resolution_type": "refund", "refund_amount": "99999"}, "more than can still be refunded"),
    ],
)
def test_a_bad_approval_request_is_refused(client, limits, agent, refund_case, fields, message):
    client.force_login(agent)
    response = client.post(f"/desk/cases/{refund_case.number}/approval/", fields)
    assert response.status_code == 400 and message in response.content.decode()
    assert not ApprovalRequest.objects.exists()


def test_only_one_request_waits_per_case(limits, agent, refund_case):
    from cases.exceptions import InvalidInput
    from cases.services import request_approval

    request_approval(case=refund_case, actor=agent, resolution_type="refund", refund_amount="300")
    with pytest.raises(InvalidInput, match="already waits"):
        request_approval(case=refund_case, actor=agent, resolution_type="refund", refund_amount="200")


def test_default_limits_ship_as_data(db):
    rows = dict(
        ApprovalLimit.objects.values_list("role", "resolution_type").annotate().values_list("role", "max_amount")
    )
    assert set(ApprovalLimit.objects.values_list("resolution_type", flat=True)) == {
        "refund",
        "return_and_refund",
        "partial_refund",
        "price_protection",
    }
    assert rows == {"agent": Decimal("500.00"), "manager": Decimal("5000.00")}


def test_managers_edit_the_matrix_and_agents_only_read_it(client, agent, manager):
    row = ApprovalLimit.objects.get(role="agent", resolution_type="refund")
    client.force_login(manager)
    data = {"role": "agent", "resolution_type": "refund", "max_amount": "200.00"}
    assert client.post(f"/admin/cases/approvallimit/{row.pk}/change/", data).status_code == 302
    row.refresh_from_db()
    assert row.max_amount == Decimal("200.00")
    client.force_login(agent)
    assert client.get("/admin/cases/approvallimit/").status_code == 200
    assert (
        client.post(f"/admin/cases/approvallimit/{row.pk}/change/", {**data, "max_amount": "9999"}).status_code == 403
    )
    row.refresh_from_db()
    assert row.max_amount == Decimal("200.00")
