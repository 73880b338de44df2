"""The queue's faster hands in headless Chromium (issue 18): an agent filters the queue, saves the
filters as a view and sees its count in the side bar, then selects 20 cases and bulk-assigns them to
a colleague: 20 cases assigned, 20 events, a summary of the outcome."""

from __future__ import annotations

import pytest

from cases.models import Case, CaseEvent, EventType, SavedView
from cases.services import create_case
from tests.accounts.factories import UserFactory
from tests.cases.factories import CustomerFactory

pytestmark = pytest.mark.slow


def test_an_agent_saves_a_view_sees_its_count_and_bulk_assigns_20_cases(live_server, browser, shop):
    colleague = UserFactory(username="agent-colleague", role="agent")
    urgent = [
        create_case(customer=CustomerFactory(), kind="complaint", channel="email", priority="urgent") for _ in range(20)
    ]
    create_case(customer=CustomerFactory(), kind="complaint", channel="email", priority="low")
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US").new_page()
    page.goto(f"{live_server.url}/desk/")
    page.fill("#id_username", "agent-e2e")
    page.fill("#id_password", "correct horse battery staple")
    page.click("button[type=submit]")
    page.wait_for_url("**/desk/")

    page.goto(f"{live_server.url}/desk/?queue=open&priority=urgent")
    page.fill("#view-name", "Urgent now")
    page.click("#save-view-form button[type=submit]")
    page.wait_for_selector("#saved-views a[aria-current=page]")
    item = page.locator("#saved-views li", has_text="Urgent now")
    assert item.locator(".count").inner_text() == "20"
    view = SavedView.objects.get()
    assert view.filters == {"queue": "open", "priority": "urgent"}

    for case in urgent:
        page.check(f"input[name=cases][value='{case.number}']")
    page.select_option("#bulk-action", "assign")
    page.select_option("#bulk-assignee", str(colleague.pk))
    page.click("#bulk-submit")
    page.wait_for_selector("#bulk-done-count")
    assert "Done on 20 cases." in page.inner_text("#bulk-done-count")
    assert Case.objects.filter(assignee=colleague).count() == 20
    assert CaseEvent.objects.filter(type=EventType.ASSIGNED, case__in=urgent).count() == 20
