"""Any message becomes the right case: converting an inquiry into a return (exchange, repair, refund
only, complaint) and reclassifying a case's kind and reason, through the service, the desk and the API.

Found by trying the product: an email saying "the jacket arrived torn, I want my money back" opened an
inquiry and nothing could make it a return. Who may: agents, managers, admins (cases.work_case); the
integration role, a user without a role and anonymous visitors may not. Bad input is a 400 with a
message and nothing written; a stale version a 409.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from cases import services
from cases.models import (
    Case,
    CaseEvent,
    CaseKind,
    CaseStatus,
    Channel,
    ClockKind,
    EventType,
    PolicyOutcome,
    ReasonCode,
    SlaPolicy,
)
from cases.policy.library import load_templates
from tests.cases.factories import CustomerFactory, OrderFactory, OrderLineFactory, ProductVariantFactory
from tests.clients import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def cn_rules(db):
    return load_templates(region="CN")


def jacket_email(*, language: str = "zh-hans", quantity: int = 1, delivered_days_ago: int = 2) -> Case:
    """The inquiry an email opens: the customer has an order with a jacket (and socks) delivered lately."""
    customer = CustomerFactory(language=language, name="王小明")
    order = OrderFactory(
        number="SO-JACKET",
        customer=customer,
        placed_at=timezone.now() - timedelta(days=delivered_days_ago + 2),
        delivered_at=timezone.now() - timedelta(days=delivered_days_ago),
    )
    OrderLineFactory(order=order, line_no=1, name="Down jacket 羽绒服", quantity=quantity)
    OrderLineFactory(order=order, line_no=2, name="Socks 袜子", quantity=2)
    return services.create_case(
        customer=customer,
        kind=CaseKind.INQUIRY,
        channel=Channel.EMAIL,
        subject="The jacket arrived torn, I want my money back",
        reason_text="The jacket arrived torn, I want my money back",
    )


def line(case: Case, line_no: int):
    return case.customer.orders.get().lines.get(line_no=line_no)


def convert_url(case: Case) -> str:
    return f"/api/v1/cases/{case.number}/convert/"


def reclassify_url(case: Case) -> str:
    return f"/api/v1/cases/{case.number}/reclassify/"


def event_count(case: Case) -> int:
    return CaseEvent.objects.filter(case=case).count()


# --- the jacket story ---------------------------------------------------------------------------------


def test_the_torn_jacket_email_becomes_a_return_through_the_api(cn_rules, agent):
    inquiry = jacket_email()
    inquiry_events = list(inquiry.events.values_list("pk", flat=True))
    response = token_client(agent).post(
        convert_url(inquiry),
        {
            "kind": "return",
            "order": "SO-JACKET",
            "lines": [{"order_line": 1, "quantity": 1}],
            "reason_code": "no_reason",
            "reason_text": "Torn on arrival; wants the money back.",
            "version": inquiry.version,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["number"] == inquiry.number  # the same case, the same timeline
    assert body["kind"] == "return"
    assert body["status"] == "approved"
    case = Case.objects.get(pk=inquiry.pk)
    assert case.kind == CaseKind.RETURN and case.order.number == "SO-JACKET"
    assert [(ln.order_line.line_no, ln.quantity) for ln in case.lines.all()] == [(1, 1)]
    assert set(inquiry_events) < set(case.events.values_list("pk", flat=True))
    conversion = case.events.get(type=EventType.UPDATED, data__converted_from="inquiry")
    assert conversion.data["to"] == "return"
    assert conversion.actor == agent
    # The policy decided as for the portal, and the customer (zh-hans) reads why in Chinese.
    assert case.policy_outcome == PolicyOutcome.APPROVE
    decision = case.events.get(type=EventType.POLICY)
    assert decision.public
    assert "七天无理由退货" in decision.note


def test_the_torn_jacket_email_becomes_a_return_through_the_desk(cn_rules, client, agent):
    inquiry = jacket_email(language="en")
    client.force_login(agent)
    page = client.get(f"/desk/cases/{inquiry.number}/")
    assert page.status_code == 200
    assert f"/desk/cases/{inquiry.number}/conversion/" in page.content.decode()
    form = client.get(f"/desk/cases/{inquiry.number}/conversion/")
    assert form.status_code == 200
    jacket = line(inquiry, 1)
    assert f'name="qty_{jacket.pk}"' in form.content.decode()
    response = client.post(
        f"/desk/cases/{inquiry.number}/convert/",
        {
            "kind": "return",
            "order": "SO-JACKET",
            f"qty_{jacket.pk}": "1",
            f"qty_{line(inquiry, 2).pk}": "",
            "reason_code": "no_reason",
            "reason_text": "Torn on arrival.",
            "version": str(inquiry.version),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/desk/cases/{inquiry.number}/"
    case = Case.objects.get(pk=inquiry.pk)
    assert (case.kind, case.status) == (CaseKind.RETURN, CaseStatus.APPROVED)
    decision = case.events.get(type=EventType.POLICY)
    assert "7-day" in decision.note  # an English-speaking customer reads it in English
    shown = client.get(f"/desk/cases/{inquiry.number}/").content.decode()
    assert "Return and refund" in shown


def test_a_late_return_is_rejected_with_the_reason_in_the_customers_language(cn_rules, agent):
    inquiry = jacket_email(delivered_days_ago=30)
    services.convert_case(
        case=inquiry,
        actor=agent,
        kind=CaseKind.RETURN,
        order=inquiry.customer.orders.get(),
        lines=[services.LineRequest(order_line=line(inquiry, 1), quantity=1)],
        reason_code=ReasonCode.NO_REASON,
    )
    inquiry.refresh_from_db()
    assert inquiry.status == CaseStatus.REJECTED
    assert inquiry.policy_outcome == PolicyOutcome.REJECT
    with translation.override("zh-hans"):
        assert "七天无理由退货" in inquiry.rejection_reason


def test_an_exchange_names_the_wanted_variant(cn_rules, agent):
    inquiry = jacket_email()
    jacket = line(inquiry, 1)
    variant = ProductVariantFactory(product=jacket.product, sku="JACKET-L", name="L / black")
    response = token_client(agent).post(
        convert_url(inquiry),
        {
            "kind": "exchange",
            "order": "SO-JACKET",
            "lines": [{"order_line": 1, "quantity": 1, "requested_variant": "JACKET-L"}],
            "reason_code": "wrong_size",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert Case.objects.get(pk=inquiry.pk).lines.get().requested_variant == variant


def test_an_inquiry_becomes_a_complaint_about_an_order_without_lines(agent):
    inquiry = jacket_email()
    services.convert_case(
        case=inquiry,
        actor=agent,
        kind=CaseKind.COMPLAINT,
        order=inquiry.customer.orders.get(),
        reason_code=ReasonCode.SERVICE,
    )
    inquiry.refresh_from_db()
    assert (inquiry.kind, inquiry.status, inquiry.policy_outcome) == (
        CaseKind.COMPLAINT,
        CaseStatus.NEW,
        PolicyOutcome.NOT_APPLICABLE,
    )
    assert not inquiry.lines.exists()


# --- bad input: a clear 400, nothing written --------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"kind": "return", "order": "SO-NOPE", "lines": [{"order_line": 1, "quantity": 1}]}, "no order SO-NOPE"),
        ({"kind": "return", "order": "SO-JACKET", "lines": [{"order_line": 9, "quantity": 1}]}, "has no line 9"),
        ({"kind": "return", "order": "SO-JACKET", "lines": []}, "at least one order line"),
        ({"kind": "return", "order": "SO-JACKET", "lines": [{"order_line": 2, "quantity": 3}]}, "only 2 bought"),
        (
            {
                "kind": "return",
                "order": "SO-JACKET",
                "lines": [{"order_line": 1, "quantity": 1, "requested_variant": "X"}],
            },
            "no variant X",
        ),
        ({"kind": "inquiry", "order": "SO-JACKET"}, "inquiry"),
        ({"kind": "complaint", "order": "SO-JACKET", "lines": [{"order_line": 1, "quantity": 1}]}, "no order lines"),
    ],
)
def test_bad_conversions_are_refused_with_a_message_and_write_nothing(agent, payload, message):
    inquiry = jacket_email()
    before = event_count(inquiry)
    response = token_client(agent).post(convert_url(inquiry), {"reason_code": "damaged", **payload}, format="json")
    assert response.status_code == 400
    assert message in response.content.decode()
    case = Case.objects.get(pk=inquiry.pk)
    assert (case.kind, case.version, case.order_id) == (CaseKind.INQUIRY, inquiry.version, None)
    assert event_count(case) == before and not case.lines.exists()


def test_an_order_of_another_customer_is_refused(agent):
    inquiry = jacket_email()
    OrderLineFactory(order=OrderFactory(number="SO-OTHER"), line_no=1)
    response = token_client(agent).post(
        convert_url(inquiry),
        {"kind": "return", "order": "SO-OTHER", "lines": [{"order_line": 1, "quantity": 1}], "reason_code": "damaged"},
        format="json",
    )
    assert response.status_code == 400
    assert "does not belong to this customer" in response.json()["detail"]
    assert Case.objects.get(pk=inquiry.pk).kind == CaseKind.INQUIRY


def test_units_already_claimed_by_another_case_cannot_be_claimed_again(cn_rules, agent):
    inquiry = jacket_email()
    socks = line(inquiry, 2)
    services.create_case(
        customer=inquiry.customer,
        kind=CaseKind.RETURN,
        channel=Channel.PORTAL,
        order=socks.order,
        lines=[services.LineRequest(order_line=socks, quantity=1)],
        reason_code=ReasonCode.NO_REASON,
    )
    response = token_client(agent).post(
        convert_url(inquiry),
        {"kind": "return", "order": "SO-JACKET", "lines": [{"order_line": 2, "quantity": 2}], "reason_code": "damaged"},
        format="json",
    )
    assert response.status_code == 400
    assert "only 1 left to claim" in response.json()["detail"]
    assert not Case.objects.get(pk=inquiry.pk).lines.exists()


def test_a_case_that_is_no_longer_new_or_has_lines_cannot_be_converted(cn_rules, agent):
    inquiry = jacket_email()
    services.transition_case(case=inquiry, name="start", actor=agent)
    response = token_client(agent).post(
        convert_url(inquiry),
        {"kind": "return", "order": "SO-JACKET", "lines": [{"order_line": 1, "quantity": 1}], "reason_code": "damaged"},
        format="json",
    )
    assert response.status_code == 400
    assert "only a new case can be converted" in response.json()["detail"]


def test_a_stale_version_is_a_409_and_writes_nothing(agent):
    inquiry = jacket_email()
    response = token_client(agent).post(
        convert_url(inquiry),
        {
            "kind": "return",
            "order": "SO-JACKET",
            "lines": [{"order_line": 1, "quantity": 1}],
            "reason_code": "damaged",
            "version": inquiry.version - 1 if inquiry.version > 1 else inquiry.version + 1,
        },
        format="json",
    )
    assert response.status_code == 409
    assert Case.objects.get(pk=inquiry.pk).kind == CaseKind.INQUIRY


def test_the_desk_shows_a_refused_conversion_again_with_the_message(client, agent):
    inquiry = jacket_email()
    client.force_login(agent)
    response = client.post(
        f"/desk/cases/{inquiry.number}/convert/",
        {"kind": "return", "order": "SO-JACKET", "reason_code": "damaged", "reason_text": "torn sleeve"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choose at least one order line" in body
    assert "torn sleeve" in body  # what the agent typed stays
    assert Case.objects.get(pk=inquiry.pk).kind == CaseKind.INQUIRY


def test_the_desk_refuses_quantities_on_lines_of_another_order(client, agent):
    inquiry = jacket_email()
    other = OrderLineFactory(order=OrderFactory(customer=inquiry.customer, number="SO-SECOND"), line_no=1)
    client.force_login(agent)
    response = client.post(
        f"/desk/cases/{inquiry.number}/convert/",
        {"kind": "return", "order": "SO-JACKET", f"qty_{other.pk}": "1", "reason_code": "damaged"},
    )
    assert response.status_code == 400
    assert "lines of the chosen order" in response.content.decode()


# --- reclassify -------------------------------------------------------------------------------------------


def test_an_inquiry_is_reclassified_as_a_complaint_with_who_and_why(agent):
    inquiry = jacket_email()
    response = token_client(agent).post(
        reclassify_url(inquiry),
        {"kind": "complaint", "reason_code": "service", "why": "The customer is complaining, not asking."},
        format="json",
    )
    assert response.status_code == 200, response.content
    case = Case.objects.get(pk=inquiry.pk)
    assert (case.kind, case.reason_code) == (CaseKind.COMPLAINT, ReasonCode.SERVICE)
    event = case.events.get(data__has_key="reclassified")
    assert event.actor == agent
    assert event.note == "The customer is complaining, not asking."
    assert event.data["reclassified"] == {"kind": ["inquiry", "complaint"], "reason": ["other", "service"]}


def test_reclassifying_through_the_desk(client, agent):
    inquiry = jacket_email()
    client.force_login(agent)
    response = client.post(
        f"/desk/cases/{inquiry.number}/reclassify/",
        {"kind": "complaint", "reason_code": "other", "why": "an angry email", "version": str(inquiry.version)},
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=inquiry.pk).kind == CaseKind.COMPLAINT


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"kind": "complaint", "why": ""}, "why"),
        ({"kind": "inquiry", "why": "same"}, "Nothing to change"),
        ({"kind": "return", "why": "wants money"}, "convert it"),
        ({"why": "no field"}, "new kind, the new reason, or both"),
    ],
)
def test_bad_reclassifications_are_refused_and_write_nothing(agent, payload, message):
    inquiry = jacket_email()
    before = event_count(inquiry)
    response = token_client(agent).post(reclassify_url(inquiry), payload, format="json")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert event_count(inquiry) == before
    assert Case.objects.get(pk=inquiry.pk).kind == CaseKind.INQUIRY


def test_a_decided_return_keeps_its_kind_and_reason(cn_rules, agent):
    inquiry = jacket_email()
    case = services.convert_case(
        case=inquiry,
        actor=agent,
        kind=CaseKind.RETURN,
        order=inquiry.customer.orders.get(),
        lines=[services.LineRequest(order_line=line(inquiry, 1), quantity=1)],
        reason_code=ReasonCode.NO_REASON,
    )
    for payload, message in [
        ({"kind": "inquiry", "why": "oops"}, "has order lines"),
        ({"reason_code": "defective", "why": "it is broken"}, "decided case"),
    ]:
        response = token_client(agent).post(reclassify_url(case), payload, format="json")
        assert response.status_code == 400
        assert message in response.json()["detail"]


# --- the SLA follows the new kind ---------------------------------------------------------------------


def test_the_sla_clocks_follow_the_new_kind(agent):
    SlaPolicy.objects.create(name="Complaints, 2 hours", position=1, kinds=["complaint"], first_response_minutes=120)
    inquiry = jacket_email()
    first = inquiry.clocks.get(kind=ClockKind.FIRST_RESPONSE)
    assert first.target_seconds == 24 * 3600
    services.convert_case(
        case=inquiry, actor=agent, kind=CaseKind.COMPLAINT, order=None, reason_code=ReasonCode.SERVICE
    )
    first.refresh_from_db()
    assert first.target_seconds == 2 * 3600
    assert first.policy.name == "Complaints, 2 hours"
    services.reclassify_case(case=inquiry, actor=agent, kind=CaseKind.INQUIRY, why="a question after all")
    first.refresh_from_db()
    assert first.target_seconds == 24 * 3600


# --- who may ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["agent", "manager", "admin_user"])
def test_staff_who_work_cases_may_convert_and_reclassify(request, role):
    inquiry = jacket_email()
    api = token_client(request.getfixturevalue(role))
    response = api.post(reclassify_url(inquiry), {"kind": "complaint", "why": "a complaint"}, format="json")
    assert response.status_code == 200
    response = api.post(
        convert_url(inquiry),
        {
            "kind": "repair",
            "order": "SO-JACKET",
            "lines": [{"order_line": 1, "quantity": 1}],
            "reason_code": "defective",
        },
        format="json",
    )
    assert response.status_code == 200


@pytest.mark.parametrize(("role", "status"), [("integration_user", 403), ("outsider", 403)])
def test_others_may_not_convert_or_reclassify(request, role, status):
    inquiry = jacket_email()
    api = token_client(request.getfixturevalue(role))
    for url, payload in [
        (convert_url(inquiry), {"kind": "complaint", "reason_code": "service"}),
        (reclassify_url(inquiry), {"kind": "complaint", "why": "x"}),
    ]:
        assert api.post(url, payload, format="json").status_code == status
    assert Case.objects.get(pk=inquiry.pk).kind == CaseKind.INQUIRY


def test_anonymous_callers_get_401(client):
    inquiry = jacket_email()
    from rest_framework.test import APIClient

    assert APIClient().post(convert_url(inquiry), {}, format="json").status_code == 401
    assert APIClient().post(reclassify_url(inquiry), {}, format="json").status_code == 401


def test_the_desk_pages_refuse_those_without_the_role(client, integration_user, outsider, agent):
    inquiry = jacket_email()
    anonymous = client.get(f"/desk/cases/{inquiry.number}/conversion/")
    assert anonymous.status_code == 302 and "/desk/login/" in anonymous["Location"]
    for user in (integration_user, outsider):
        client.force_login(user)
        assert client.get(f"/desk/cases/{inquiry.number}/conversion/").status_code == 403
        response = client.post(f"/desk/cases/{inquiry.number}/reclassify/", {"kind": "complaint", "why": "x"})
        assert response.status_code == 403
    assert Case.objects.get(pk=inquiry.pk).kind == CaseKind.INQUIRY


def test_a_desk_user_without_work_case_is_refused_by_the_service(client, agent):
    from tests.accounts.factories import UserFactory

    reader = UserFactory(username="reader", is_staff=True)
    reader.user_permissions.add(*agent.groups.get().permissions.filter(codename__in=["view_case", "view_caseevent"]))
    inquiry = jacket_email()
    client.force_login(reader)
    response = client.post(f"/desk/cases/{inquiry.number}/reclassify/", {"kind": "complaint", "why": "x"})
    assert response.status_code == 403
    assert Case.objects.get(pk=inquiry.pk).kind == CaseKind.INQUIRY


def test_the_conversion_page_runs_a_fixed_number_of_queries_however_many_orders(client, agent):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    inquiry = jacket_email()
    client.force_login(agent)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/desk/cases/{inquiry.number}/conversion/").status_code == 200
        return len(captured)

    few = queries()
    for n in range(3):
        order = OrderFactory(customer=inquiry.customer, number=f"SO-MORE-{n}")
        for line_no in (1, 2, 3):
            ProductVariantFactory(product=OrderLineFactory(order=order, line_no=line_no).product)
    assert queries() == few
