"""Opening a case from the desk, splitting a message out of it and merging it back, in headless Chromium
(issue 18): the pages an agent uses for a phone call, as the agent clicks through them."""

from __future__ import annotations

import pytest

from cases.models import Case, CaseStatus, Notification
from tests.accounts.factories import UserFactory
from tests.cases.factories import CustomerFactory

pytestmark = pytest.mark.slow


def test_an_agent_opens_splits_and_merges_cases_in_the_browser(live_server, browser, shop):
    customer = CustomerFactory(name="欧阳娜娜", phone="+8613800138000")
    UserFactory(username="wang.wei", role="agent")
    page = browser.new_context(locale="zh-CN").new_page()
    page.goto(f"{live_server.url}/desk/")
    page.fill("#id_username", "agent-e2e")
    page.fill("#id_password", "correct horse battery staple")
    page.click("button[type=submit]")
    page.wait_for_url("**/desk/")

    # A phone call: find the customer by her number from the menu's "New case", open a complaint.
    page.click("a[href='/desk/new-case/']")
    page.wait_for_url("**/desk/new-case/")
    page.fill("#q", "13800138000")
    page.click("form[role=search] button[type=submit]")
    page.check(f"#customer-{customer.pk}")
    page.select_option("#kind", "complaint")
    page.select_option("#source", "phone")
    page.fill("#text", "快递员态度恶劣\n另外：发票抬头写错了")
    page.click("#new-case button[type=submit]")
    page.wait_for_url("**/desk/cases/*/")
    first = Case.objects.get(customer=customer)
    assert page.locator("text=快递员态度恶劣").first.is_visible()

    # A note for a colleague; then that note becomes a case of its own.
    page.fill("#text", "@wang.wei 发票的问题请你跟进")
    page.click("button[name=public][value='0']")
    page.wait_for_selector("text=发票的问题请你跟进")
    assert Notification.objects.filter(user__username="wang.wei", kind="mention", case=first).exists()
    note_form = page.locator("form.split-form").last
    note_form.locator("select").select_option("inquiry")
    note_form.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: first.number not in url)
    second = Case.objects.exclude(pk=first.pk).get(customer=customer)
    assert second.number in page.url and page.locator("text=发票的问题请你跟进").first.is_visible()

    # It was the same matter after all: merge the new case back into the first.
    page.fill("#other", first.number)
    page.click("button[name=merge][value='1']")
    # The page comes back with the "merged into" notice linking the first case.
    page.wait_for_selector(f"p.notice a[href='/desk/cases/{first.number}/']")
    second.refresh_from_db()
    assert second.status == CaseStatus.CANCELLED and second.merged_into == first
    page.goto(f"{live_server.url}/desk/cases/{first.number}/")
    assert page.locator("text=发票的问题请你跟进").first.is_visible()
