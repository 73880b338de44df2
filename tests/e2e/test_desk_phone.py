"""The workbench on a phone (390 px wide, in headless Chromium): the queue, a case, a reply and a step fit
the screen with no sideways scrolling, and work."""

from __future__ import annotations

import pytest

from cases.models import CaseEvent, CaseStatus
from cases.services import create_case
from tests.cases.factories import CustomerFactory

pytestmark = pytest.mark.slow

PHONE = {"width": 390, "height": 844}


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_an_agent_works_a_case_on_a_phone(live_server, browser, shop):
    case = create_case(
        customer=CustomerFactory(name="欧阳娜娜 Nana"),
        kind="complaint",
        channel="email",
        subject="The parcel arrived open and the jacket inside is torn at the sleeve",
    )
    page = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True).new_page()
    page.goto(f"{live_server.url}/desk/")
    page.fill("#id_username", "agent-e2e")
    page.fill("#id_password", "correct horse battery staple")
    page.click("button[type=submit]")
    page.wait_for_url("**/desk/")
    page.goto(f"{live_server.url}/desk/?queue=open")
    assert page.locator(f"text={case.number}").is_visible()
    assert fits(page), "the queue scrolls sideways on a phone"
    # Each row reads as a card: the case number on one line, not squeezed into a column.
    lines = page.evaluate("document.querySelector('tr[data-kb-row] a').getClientRects().length")
    assert lines == 1, "the case number breaks over several lines"

    page.click(f"text={case.number}")
    page.wait_for_url(f"**/desk/cases/{case.number}/")
    assert fits(page), "the case page scrolls sideways on a phone"
    page.fill("#text", "我们已收到，正在处理。")
    page.locator("#text").scroll_into_view_if_needed()
    page.click("button[name=public][value='1']")
    page.wait_for_selector("text=我们已收到，正在处理。")
    assert CaseEvent.objects.filter(case=case, type="reply", note="我们已收到，正在处理。").exists()
    assert fits(page)
    start = page.locator("form[data-step='start'] button[type=submit]")
    start.scroll_into_view_if_needed()
    box = start.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    start.click()
    page.wait_for_load_state("networkidle")
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
