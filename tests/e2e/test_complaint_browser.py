"""An urgent logistics complaint in headless Chromium: an email's complaint lands in the complaint team's
queue (the shipped routing rule); the agent classifies it on the case page, logistics and urgent, and the
first response is then due within the hour, on the page and in the database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cases.models import Case, CaseKind, ClockKind, ClockState, EventType
from cases.services import create_case
from tests.cases.factories import CustomerFactory

pytestmark = pytest.mark.slow


def test_an_urgent_logistics_complaint_is_routed_and_gets_a_one_hour_clock(live_server, browser, shop):
    case = create_case(
        customer=CustomerFactory(name="李雷", language="zh-hans"),
        kind=CaseKind.COMPLAINT,
        channel="email",
        subject="快递五天没动，包裹丢了",
    )
    assert case.team is not None and case.team.code == "complaints"
    case.team.members.add(shop)

    page = browser.new_context(locale="en-US").new_page()
    page.goto(f"{live_server.url}/desk/")
    page.fill("#id_username", "agent-e2e")
    page.fill("#id_password", "correct horse battery staple")
    page.click("button[type=submit]")
    page.wait_for_url("**/desk/")
    page.goto(f"{live_server.url}/desk/cases/{case.number}/")
    page.select_option("#complaint-category", "logistics")
    page.select_option("#complaint-severity", "urgent")
    page.fill("#complaint-reason", "parcel lost, customer waiting for a gift")
    with page.expect_response(lambda r: r.url.endswith("/classify/") and r.request.method == "POST") as posted:
        page.click("#classify button[type=submit]")
    assert posted.value.status in (200, 302), posted.value.status
    page.locator("text=parcel lost, customer waiting for a gift").first.wait_for()

    case = Case.objects.get(pk=case.pk)
    assert (case.complaint_category, case.complaint_severity) == ("logistics", "urgent")
    first = case.clocks.get(kind=ClockKind.FIRST_RESPONSE, state=ClockState.RUNNING)
    assert first.policy.name == "Urgent complaints"
    # Business time counts whole seconds: the fraction of a second used before the recompute is not.
    assert timedelta(hours=1) <= first.due_at - first.started_at < timedelta(hours=1, seconds=1)
    assert case.events.filter(type=EventType.UPDATED, note__startswith="parcel lost").count() == 1
    assert page.locator("#complaint-severity").input_value() == "urgent"
    assert page.locator("text=parcel lost, customer waiting for a gift").first.is_visible()  # on the timeline
