"""Converting an email's inquiry into a return in headless Chromium: the agent opens "Convert or reclassify"
from the case page, picks the customer's order and two lines, and the return policy decides at once; the
customer (zh-Hans) reads the decision in Chinese on the case's timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import Case, CaseKind, CaseStatus, EventType
from cases.services import create_case
from tests.cases.factories import CustomerFactory, OrderFactory, OrderLineFactory

pytestmark = pytest.mark.slow


def test_an_agent_converts_an_email_into_a_return_with_two_lines(live_server, browser, shop):
    customer = CustomerFactory(name="王小明", language="zh-hans")
    order = OrderFactory(
        number="SO-E2E-JACKET",
        customer=customer,
        placed_at=timezone.now() - timedelta(days=4),
        delivered_at=timezone.now() - timedelta(days=2),
    )
    jacket = OrderLineFactory(order=order, line_no=1, name="Down jacket 羽绒服", quantity=1)
    socks = OrderLineFactory(order=order, line_no=2, name="Socks 袜子", quantity=2)
    case = create_case(
        customer=customer,
        kind=CaseKind.INQUIRY,
        channel="email",
        subject="The jacket arrived torn, I want my money back",
    )
    page = browser.new_context(locale="zh-CN").new_page()
    page.goto(f"{live_server.url}/desk/")
    page.fill("#id_username", "agent-e2e")
    page.fill("#id_password", "correct horse battery staple")
    page.click("button[type=submit]")
    page.wait_for_url("**/desk/")
    page.goto(f"{live_server.url}/desk/cases/{case.number}/")
    page.click("#convert-link")
    page.wait_for_url(f"**/desk/cases/{case.number}/conversion/")
    page.select_option("#convert-kind", "return")
    page.fill("#convert-order", order.number)
    page.fill(f"input[name=qty_{jacket.pk}]", "1")
    page.fill(f"input[name=qty_{socks.pk}]", "2")
    page.select_option("#convert-reason", "no_reason")
    page.fill("#convert-text", "衣服到货就破了，我要退款")
    page.click("#convert button[type=submit]")
    page.wait_for_url(f"**/desk/cases/{case.number}/")

    case = Case.objects.get(pk=case.pk)
    assert (case.kind, case.status) == (CaseKind.RETURN, CaseStatus.APPROVED)
    assert sorted((ln.order_line.line_no, ln.quantity) for ln in case.lines.all()) == [(1, 1), (2, 2)]
    decision = case.events.get(type=EventType.POLICY)
    assert "七天无理由退货" in decision.note
    assert page.locator("text=七天无理由退货").first.is_visible()  # the decision on the timeline
