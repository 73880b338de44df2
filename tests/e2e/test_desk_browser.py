"""An agent works a return in the workbench in a real headless Chromium while the customer
watches it on the portal: the agent signs in, finds the new return in the queue, replies, approves
it, records the receipt and a passed inspection and issues the refund; the portal shows each step.
Screenshots go to test-artifacts/desk/.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from cases.models import Case, CaseStatus
from tests.browser import ARTIFACTS_ROOT
from tests.cases.factories import CustomerFactory, OrderFactory, OrderLineFactory

DESK_ARTIFACTS = ARTIFACTS_ROOT / "desk"


def shot(page, name: str) -> None:
    DESK_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DESK_ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.mark.slow
def test_an_agent_works_a_return_and_the_portal_shows_each_step(live_server, browser, shop):
    customer = CustomerFactory(email="li@example.com", language="en", name="Li Lei")
    # Placed and shipped but not delivered yet: the policy sends the request to an agent.
    order = OrderFactory(
        number="SO-DESK-1",
        customer=customer,
        status="shipped",
        placed_at=timezone.now() - timedelta(days=2),
        delivered_at=None,
    )
    line = OrderLineFactory(order=order, name="Rain jacket", quantity=1, unit_price="299.00")
    began = time.monotonic()

    # The customer asks on the portal.
    portal = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    portal.goto(f"{live_server.url}/portal/")
    portal.fill("#order_number", order.number)
    portal.fill("#contact", customer.email)
    portal.click("text=Send me a code")
    portal.wait_for_url("**/portal/verify/")
    portal.fill("#code", re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1))
    portal.press("#code", "Enter")
    portal.wait_for_url(f"**/portal/orders/{order.number}/")
    portal.select_option(f"#qty_{line.pk}", "1")
    portal.select_option("#reason", "wrong_size")
    portal.click("text=Send my request")
    portal.wait_for_url("**/portal/cases/**")
    case = Case.objects.get(order=order)
    assert case.status == CaseStatus.NEW
    assert "An agent will review your request" in portal.inner_text("main")

    # The agent signs in and finds it.
    desk = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    desk.goto(f"{live_server.url}/desk/")
    desk.wait_for_url("**/desk/login/**")
    desk.fill("#id_username", "agent-e2e")
    desk.fill("#id_password", "correct horse battery staple")
    desk.click("button:has-text('Sign in')")
    desk.wait_for_url("**/desk/")
    desk.click("text=All open")
    desk.wait_for_url("**/desk/?queue=open")  # the open queue is shown before we click into it
    shot(desk, "1-queue")
    desk.click(f"text={case.number}")
    desk.wait_for_url(f"**/desk/cases/{case.number}/")

    desk.fill("#text", "We have your request and will approve it now.")
    desk.click("button:has-text('Send reply')")
    desk.wait_for_selector("text=We have your request and will approve it now.")
    portal.reload()
    assert "We have your request and will approve it now." in portal.inner_text("main")

    def agent_step(label: str, status: str, **fields) -> None:
        for selector, value in fields.items():
            if desk.locator(f"select{selector}").count():
                desk.select_option(selector, value)
            else:
                desk.fill(selector, value)
        desk.click(f"button:has-text('{label}')")
        desk.wait_for_function(
            "s => document.querySelector('#status').textContent.trim() === s", arg=status, timeout=10_000
        )
        portal.reload()
        assert portal.inner_text("#status").strip() == status, (label, portal.inner_text("#status"))

    agent_step("Approve", "Approved")
    shot(desk, "2-approved")
    assert "Print the return slip" in portal.inner_text("main")

    portal.select_option("#carrier", "SF")
    portal.fill("#tracking", "SF123456789012")
    portal.click("text=Save the tracking number")
    portal.wait_for_selector("#status")
    desk.reload()
    assert desk.inner_text("#status").strip() == "In transit"

    agent_step("Receive at warehouse", "Received")
    agent_step("Record inspection", "Inspected", **{"#passed": "1", "#grade": "A", "#inspection_note": "As new"})
    agent_step(
        "Resolve",
        "Resolved",
        **{"#resolution_type": "return_and_refund", "#refund_amount": "299.00", "#resolution_note": "Refunded"},
    )
    shot(desk, "3-resolved")
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED and str(case.refund_amount) == "299.00"
    portal_text = portal.inner_text("main")
    for status in ("Approved", "In transit", "Received", "Inspected", "Resolved"):
        assert status in portal_text, status
    print(f"\nthe whole return, customer and agent, took {time.monotonic() - began:.1f} s")


def sign_in(chromium, live_server):
    desk = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
    desk.goto(f"{live_server.url}/desk/login/")
    desk.fill("#id_username", "agent-e2e")
    desk.fill("#id_password", "correct horse battery staple")
    desk.click("button:has-text('Sign in')")
    desk.wait_for_url("**/desk/")
    return desk


def step(desk, label: str, status: str, **fields) -> None:
    for selector, value in fields.items():
        if desk.locator(f"select{selector}").count():
            desk.select_option(selector, value)
        else:
            desk.fill(selector, value)
    desk.click(f"button:has-text('{label}')")
    desk.wait_for_function(
        "s => document.querySelector('#status').textContent.trim() === s", arg=status, timeout=10_000
    )


@pytest.mark.slow
def test_an_agent_works_a_complaint_from_start_to_finish(live_server, browser, shop):
    from cases.services import create_case

    case = create_case(
        customer=CustomerFactory(language="en", name="Ann Lee"),
        kind="complaint",
        channel="email",
        subject="Courier was rude",
        reason_text="The courier threw the parcel over the fence.",
    )
    desk = sign_in(browser, live_server)
    desk.click("text=All open")
    desk.wait_for_url("**/desk/?queue=open")  # the queue is there before we type into its search box
    desk.fill("#q", "threw the parcel")
    desk.press("#q", "Enter")
    desk.wait_for_url("**q=threw*")  # the results replaced the queue before we click one
    desk.click(f"text={case.number}")
    desk.wait_for_url(f"**/desk/cases/{case.number}/")
    documents, partial = [], []
    desk.on("request", lambda r: documents.append(r.url) if r.resource_type == "document" else None)
    desk.on("request", lambda r: partial.append(r.url) if r.headers.get("hx-request") == "true" else None)
    step(desk, "Start work", "In progress")
    assert documents == [] and partial, "the step swapped the page's main part (htmx), no full page load"
    desk.fill("#text", "We are sorry. We have reported the courier.")
    desk.goto(f"{live_server.url}/desk/")  # away, and back: a half-written reply is kept
    desk.goto(f"{live_server.url}/desk/cases/{case.number}/")
    assert desk.input_value("#text") == "We are sorry. We have reported the courier."
    desk.click("button:has-text('Send reply')")
    desk.wait_for_selector("text=We have reported the courier.")
    assert desk.input_value("#text") == "", "a sent reply is not offered again"
    step(desk, "Resolve", "Resolved", **{"#resolution_type": "goodwill_coupon", "#resolution_note": "Coupon 20"})
    step(desk, "Close", "Closed")
    shot(desk, "complaint-closed")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.first_responded_at is not None


@pytest.mark.slow
def test_an_agent_works_an_exchange_and_sends_the_replacement(live_server, browser, shop):
    from cases.services import LineRequest, create_case, transition_case
    from tests.cases.factories import ProductVariantFactory

    line = OrderLineFactory(order=OrderFactory(number="SO-EX-1"), name="Sneakers 41", quantity=1)
    wanted = ProductVariantFactory(product=line.product, name="42 / white")
    case = create_case(
        customer=line.order.customer,
        kind="exchange",
        channel="portal",
        order=line.order,
        reason_code="wrong_size",
        lines=[LineRequest(order_line=line, quantity=1, requested_variant=wanted)],
    )
    desk = sign_in(browser, live_server)
    desk.goto(f"{live_server.url}/desk/cases/{case.number}/")
    if case.status == CaseStatus.NEW:
        step(desk, "Approve", "Approved")
    case.refresh_from_db()
    transition_case(case=case, name="ship_return", actor=None, carrier="SF", tracking_number="SF123456789012")
    desk.reload()
    step(desk, "Receive at warehouse", "Received")
    step(desk, "Record inspection", "Inspected", **{"#passed": "1", "#grade": "A"})
    desk.select_option("#rep-carrier", "SF")
    desk.fill("#rep-tracking", "SF987654321098")
    desk.click("button:has-text('Save the shipment')")
    desk.wait_for_selector("#replacement")
    step(desk, "Resolve", "Resolved", **{"#resolution_type": "exchange"})
    shot(desk, "exchange-resolved")
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED and case.replacement_tracking_number == "SF987654321098"
