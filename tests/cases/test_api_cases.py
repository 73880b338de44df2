"""GET/POST /api/v1/cases/ and GET /api/v1/cases/{number}/.

Who: agents, managers and admins list and read cases (view_case + view_caseevent); they and the
integration open cases (add_case). The integration cannot browse the queue or read the internal
timeline (403); anonymous is 401; a user without a role 403.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from cases import services
from cases.models import Case, CaseEvent, CaseStatus, PolicyOutcome
from tests.accounts.factories import UserFactory
from tests.cases.factories import (
    CaseFactory,
    CustomerFactory,
    OrderFactory,
    OrderLineFactory,
    ReturnPolicyRuleFactory,
    TeamFactory,
)
from tests.clients import token_client

pytestmark = pytest.mark.django_db

LIST = "/api/v1/cases/"


def numbers(response) -> list[str]:
    return [row["number"] for row in response.json()["results"]]


# --- list: who ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["agent", "manager", "admin_user"])
def test_staff_roles_list_cases(request, role):
    case = CaseFactory()
    response = token_client(request.getfixturevalue(role)).get(LIST)
    assert response.status_code == 200
    assert numbers(response) == [case.number]
    row = response.json()["results"][0]
    assert row["customer"]["id"] == case.customer_id
    assert row["order"] == case.order.number
    assert response.json()["next"] is None


@pytest.mark.parametrize("role", ["integration_user", "outsider"])
def test_integration_and_outsider_may_not_list(request, role):
    response = token_client(request.getfixturevalue(role)).get(LIST)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_anonymous_list_is_401():
    response = APIClient().get(LIST)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"


# --- list: filters, ordering, pages ---------------------------------------------------------------


def test_filters_narrow_the_list(agent, manager):
    team = TeamFactory(code="returns")
    target = CaseFactory(kind="exchange", channel="email", priority="high", assignee=agent, team=team)
    Case.objects.filter(pk=target.pk).update(status=CaseStatus.APPROVED)
    others = [
        CaseFactory(kind="return", channel="portal", priority="normal", assignee=manager),
        CaseFactory(kind="complaint", channel="chat", priority="urgent", order=None),
    ]
    client = token_client(agent)
    for query in (
        {"status": "approved"},
        {"kind": "exchange"},
        {"channel": "email"},
        {"priority": "high"},
        {"assignee": agent.pk},
        {"team": "returns"},
        {"customer": target.customer_id},
        {"order": target.order.number},
    ):
        response = client.get(LIST, query)
        assert response.status_code == 200, query
        assert numbers(response) == [target.number], query
    both = client.get(f"{LIST}?status=approved&status=new")
    assert set(numbers(both)) == {target.number, *(c.number for c in others)}


def test_an_unknown_filter_value_is_400(agent):
    response = token_client(agent).get(LIST, {"status": "lost"})
    assert response.status_code == 400
    assert "status" in response.json()


def test_default_order_is_next_sla_deadline_first_and_cases_without_one_last(agent):
    now = timezone.now()
    late = CaseFactory(sla_due_at=now + timedelta(hours=5))
    none = CaseFactory(sla_due_at=None)
    soon = CaseFactory(sla_due_at=now + timedelta(hours=1))
    overdue = CaseFactory(sla_due_at=now - timedelta(hours=1))
    response = token_client(agent).get(LIST)
    assert numbers(response) == [overdue.number, soon.number, late.number, none.number]


def test_newest_first_on_request_and_unknown_ordering_is_400(agent):
    now = timezone.now()
    old = CaseFactory(created_at=now - timedelta(days=2))
    new = CaseFactory(created_at=now)
    middle = CaseFactory(created_at=now - timedelta(days=1))
    client = token_client(agent)
    assert numbers(client.get(LIST, {"ordering": "-created_at"})) == [new.number, middle.number, old.number]
    bad = client.get(LIST, {"ordering": "priority"})
    assert bad.status_code == 400
    assert "ordering" in bad.json()


def walk(client, params: dict) -> list[list[str]]:
    """Every page of the list, following ``next``."""
    pages = []
    response = client.get(LIST, params)
    while True:
        assert response.status_code == 200, response.json()
        pages.append(numbers(response))
        if response.json()["next"] is None:
            return pages
        response = client.get(response.json()["next"])


def test_cursor_pages_cover_the_sla_queue_without_duplicates_or_gaps(agent):
    # Ties on sla_due_at and several cases without one: the id breaks ties on both sides of NULL.
    now = timezone.now()
    dues = [now + timedelta(hours=h) for h in (3, 1, 1, 2)] + [None] * 4 + [now - timedelta(hours=1)] * 2
    cases = [CaseFactory(sla_due_at=due) for due in dues]
    expected = [c.number for c in sorted(cases, key=lambda c: (c.sla_due_at is None, c.sla_due_at or now, c.pk))]
    pages = walk(token_client(agent), {"page_size": 3})
    assert [len(page) for page in pages] == [3, 3, 3, 1]
    assert [number for page in pages for number in page] == expected


def test_cursor_pages_newest_first_with_equal_creation_times(agent):
    now = timezone.now()
    cases = [CaseFactory(created_at=now - timedelta(minutes=i // 2)) for i in range(7)]
    expected = [c.number for c in sorted(cases, key=lambda c: (c.created_at, c.pk), reverse=True)]
    pages = walk(token_client(agent), {"page_size": 2, "ordering": "-created_at"})
    assert [number for page in pages for number in page] == expected


def test_a_case_added_while_paging_neither_repeats_nor_shifts_rows(agent):
    now = timezone.now()
    cases = [CaseFactory(sla_due_at=now + timedelta(hours=h)) for h in range(1, 5)]
    client = token_client(agent)
    first = client.get(LIST, {"page_size": 2})
    CaseFactory(sla_due_at=now)  # sorts before the cursor: not on the next page
    second = client.get(first.json()["next"])
    assert numbers(first) + numbers(second) == [c.number for c in cases]


@pytest.mark.parametrize("params", [{"cursor": "garbage"}, {"page_size": 0}, {"page_size": 1000}])
def test_a_bad_cursor_or_page_size_is_400(agent, params):
    CaseFactory()
    assert token_client(agent).get(LIST, params).status_code == 400


def test_a_cursor_of_the_other_ordering_is_400(agent):
    CaseFactory.create_batch(3)
    client = token_client(agent)
    next_link = client.get(LIST, {"page_size": 1}).json()["next"]
    cursor = re.search(r"cursor=([^&]+)", next_link).group(1)
    response = client.get(LIST, {"cursor": cursor, "ordering": "-created_at"})
    assert response.status_code == 400


def count_list_queries(user) -> int:
    client = token_client(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, {"page_size": 100})
    assert response.status_code == 200
    return len(queries), len(response.json()["results"])


def test_the_list_costs_the_same_queries_for_1_and_50_cases(agent):
    team = TeamFactory()
    CaseFactory(assignee=agent, team=team)
    one, rows = count_list_queries(agent)
    assert rows == 1
    for _ in range(49):
        CaseFactory(assignee=UserFactory(), team=TeamFactory())
    fifty, rows = count_list_queries(agent)
    assert rows == 50
    assert fifty == one
    assert one == 4  # the token with its user, the permissions (user, groups), the page


# --- create ---------------------------------------------------------------------------------------


@pytest.fixture
def window_rule(db):
    """The shop's 7-day return window, the only rule."""
    return ReturnPolicyRuleFactory()


def delivered_line(days_ago: int, quantity: int = 2):
    customer = CustomerFactory(external_id="C-77")
    order = OrderFactory(customer=customer, delivered_at=timezone.now() - timedelta(days=days_ago))
    return OrderLineFactory(order=order, line_no=1, quantity=quantity)


def new_case(for_order, **changes) -> dict:
    payload = {
        "order": for_order.number,
        "kind": "return",
        "channel": "portal",
        "reason_code": "no_reason",
        "reason_text": "Too small",
        "lines": [{"order_line": 1, "quantity": 1, "opened": False}],
    }
    payload.update(changes)
    return payload


def test_a_return_within_the_window_is_approved_with_the_explanation(agent, window_rule):
    line = delivered_line(days_ago=2)
    response = token_client(agent).post(LIST, new_case(line.order), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["policy_outcome"]) == (CaseStatus.APPROVED, PolicyOutcome.APPROVE)
    assert "7" in body["policy_explanation_text"] and body["policy_explanation_text"]
    assert body["customer"]["external_id"] == "C-77"
    assert body["lines"] == [
        {"order_line": 1, "sku": line.sku, "name": line.name, "quantity": 1, "opened": False, "requested_variant": None}
    ]
    case = Case.objects.get(number=body["number"])
    assert CaseEvent.objects.filter(case=case, type="created", actor=agent).exists()


def test_a_return_after_the_window_is_rejected(agent, window_rule):
    line = delivered_line(days_ago=20)
    body = token_client(agent).post(LIST, new_case(line.order), format="json").json()
    assert (body["status"], body["policy_outcome"]) == (CaseStatus.REJECTED, PolicyOutcome.REJECT)
    assert body["rejection_reason"]


def test_a_kind_no_rule_covers_goes_to_review(agent, window_rule):
    line = delivered_line(days_ago=2)
    body = token_client(agent).post(LIST, new_case(line.order, kind="exchange"), format="json").json()
    assert (body["status"], body["policy_outcome"]) == (CaseStatus.NEW, PolicyOutcome.REVIEW)


def test_the_explanation_reads_in_the_request_language(agent, window_rule):
    line = delivered_line(days_ago=2, quantity=3)
    english = token_client(agent, "en").post(LIST, new_case(line.order), format="json").json()
    chinese = token_client(agent, "zh-hans").post(LIST, new_case(line.order), format="json").json()
    assert re.search(r"[\u4e00-\u9fff]", chinese["policy_explanation_text"])
    assert not re.search(r"[\u4e00-\u9fff]", english["policy_explanation_text"])


def test_the_integration_opens_a_case_naming_the_customer_by_shop_id(integration_user, window_rule):
    line = delivered_line(days_ago=2)
    payload = new_case(line.order, customer_external_id="C-77", channel="api")
    response = token_client(integration_user).post(LIST, payload, format="json")
    assert response.status_code == 201, response.json()
    assert "events" not in response.json()  # the timeline is for staff


def test_a_complaint_needs_no_order_and_is_not_decided(manager):
    customer = CustomerFactory()
    payload = {"customer": customer.pk, "kind": "complaint", "channel": "phone", "subject": "Rude courier"}
    body = token_client(manager).post(LIST, payload, format="json").json()
    assert (body["status"], body["policy_outcome"], body["order"]) == ("new", "not_applicable", None)
    assert body["policy_explanation_text"] == ""


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"order": "SO-NOPE"}, "order"),
        ({"kind": "teleport"}, "kind"),
        ({"lines": [{"order_line": 9, "quantity": 1}]}, "lines"),
        ({"customer": 999999}, "customer"),
        ({"customer": 1, "customer_external_id": "C-77"}, "customer"),
    ],
)
def test_bad_references_are_400_per_field_and_open_nothing(agent, change, field):
    line = delivered_line(days_ago=2)
    response = token_client(agent).post(LIST, new_case(line.order, **change), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Case.objects.exists()


def test_a_service_refusal_is_400_with_detail_and_code(agent):
    line = delivered_line(days_ago=2, quantity=1)
    response = token_client(agent).post(
        LIST, new_case(line.order, lines=[{"order_line": 1, "quantity": 5}]), format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "only 1 bought" in response.json()["detail"]
    assert not Case.objects.exists()


def test_a_goods_case_without_lines_is_400(agent):
    line = delivered_line(days_ago=2)
    response = token_client(agent).post(LIST, new_case(line.order, lines=[]), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_outsider_may_not_open_cases_and_anonymous_is_401(outsider):
    line = delivered_line(days_ago=2)
    assert token_client(outsider).post(LIST, new_case(line.order), format="json").status_code == 403
    assert APIClient().post(LIST, new_case(line.order), format="json").status_code == 401
    assert not Case.objects.exists()


# --- retrieve -------------------------------------------------------------------------------------


def test_retrieve_has_lines_the_whole_timeline_and_the_explanation(agent, window_rule):
    line = delivered_line(days_ago=2)
    order = line.order
    case = services.create_case(
        customer=order.customer,
        order=order,
        kind="return",
        channel="portal",
        reason_code="no_reason",
        lines=[services.LineRequest(order_line=line, quantity=1)],
    )
    services.record_event(case=case, type="note", actor=agent, note="Called the customer", public=False)
    response = token_client(agent).get(f"{LIST}{case.number}/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "approved"
    assert [e["type"] for e in body["events"]] == ["created", "policy", "transition", "note"]
    assert body["events"][-1] == {
        **body["events"][-1],
        "note": "Called the customer",
        "public": False,
        "actor_label": "Li Na",
    }
    assert body["lines"][0]["order_line"] == 1
    assert body["policy_explanation_text"]


def test_retrieve_of_an_unknown_number_is_404(agent):
    response = token_client(agent).get(f"{LIST}RMA-1999-000001/")
    assert response.status_code == 404
    assert response.json() == {"detail": "There is no case RMA-1999-000001.", "code": "not_found"}


@pytest.mark.parametrize(("role", "status"), [("integration_user", 403), ("outsider", 403), ("manager", 200)])
def test_who_may_read_a_case(request, role, status):
    case = CaseFactory()
    assert token_client(request.getfixturevalue(role)).get(f"{LIST}{case.number}/").status_code == status


def test_anonymous_read_is_401():
    case = CaseFactory()
    assert APIClient().get(f"{LIST}{case.number}/").status_code == 401
