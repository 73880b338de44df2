"""The workbench's keyboard shortcuts in a real headless Chromium: j/k and o through the queue, r and n to
write a reply or an internal note and Ctrl+Enter to send it, / to search, ? for the list (in English and
in Chinese), and no shortcut while typing in a field."""

from __future__ import annotations

import pytest

from cases.models import CaseEvent
from cases.services import create_case
from tests.cases.factories import CustomerFactory

pytestmark = pytest.mark.slow


def sign_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/desk/")
    page.wait_for_url("**/desk/login/**")
    page.fill("#id_username", "agent-e2e")
    page.fill("#id_password", "correct horse battery staple")
    page.click("button[type=submit]")
    page.wait_for_url("**/desk/")


def open_cases(n: int) -> list:
    return [
        create_case(customer=CustomerFactory(name=f"Shortcut {i}"), kind="inquiry", channel="email", subject=f"S{i}")
        for i in range(n)
    ]


def test_an_agent_works_the_queue_and_a_case_from_the_keyboard(live_server, browser, shop):
    open_cases(3)
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US").new_page()
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/desk/?queue=open")
    numbers = page.locator("tr[data-kb-row] td:first-child a").all_inner_texts()
    assert len(numbers) == 3

    # Typing in the search box is typing, not a shortcut.
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("jk")
    assert page.input_value("#q") == "jk"
    assert page.locator("tr.kb-current").count() == 0
    page.keyboard.press("Escape")
    page.fill("#q", "")
    page.evaluate("document.activeElement.blur()")

    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    page.keyboard.press("j")
    assert page.locator("tr.kb-current td:first-child a").inner_text() == numbers[1]
    page.keyboard.press("o")
    page.wait_for_url(f"**/desk/cases/{numbers[1]}/")

    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == "text"
    page.keyboard.type("We are on it.")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("text=We are on it.")
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("n")
    page.keyboard.type("Called the warehouse.")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("text=Called the warehouse.")
    sent = {e.note: e.type for e in CaseEvent.objects.filter(case__number=numbers[1], type__in=["reply", "note"])}
    assert sent == {"We are on it.": "reply", "Called the warehouse.": "note"}

    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("a")
    assert page.evaluate("document.activeElement.id") == "assignee"
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("?")
    assert page.locator("dialog#shortcuts").is_visible()
    assert "Next / previous case in the queue" in page.inner_text("dialog#shortcuts")
    page.keyboard.press("Escape")
    assert not page.locator("dialog#shortcuts").is_visible()


def test_the_list_of_shortcuts_speaks_chinese(live_server, browser, shop):
    page = browser.new_context(locale="zh-CN").new_page()
    sign_in(page, live_server)
    page.keyboard.press("?")
    text = page.inner_text("dialog#shortcuts")
    assert "键盘快捷键" in text and "写内部备注" in text
