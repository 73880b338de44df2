"""The live chat widget in a real headless Chromium (Debian's package, driven by Playwright): a
page embeds it with one script tag, the visitor starts a chat and writes, proves who they are with
the one-time code (a wrong code first), an agent answers on channel chat, the answer appears in the
widget (by server-sent events, and by polling where there is no EventSource), a reload continues
the chat; once on the site's own demo page in English, once on a "shop" of another origin (CORS
for real, preflights included) in Chinese. Screenshots go to test-artifacts/chat/.
"""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail
from django.core.cache import cache

from cases.services import add_message
from channels_app.api.chat import events as chat_api
from channels_app.models import ChatSession, ChatWidget, Message
from tests.accounts.factories import UserFactory
from tests.browser import ARTIFACTS_ROOT
from tests.cases.factories import CustomerFactory, OrderFactory

CHAT_ARTIFACTS = ARTIFACTS_ROOT / "chat"


def shot(page, name: str) -> None:
    CHAT_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(CHAT_ARTIFACTS / f"{name}.png"))


@pytest.fixture
def chat_site(transactional_db, settings):
    cache.clear()
    settings.CHAT_SSE_SECONDS = 4  # streams end soon, so the browser reconnects during the test
    agent = UserFactory(username="agent-chat", role="agent", first_name="Li", last_name="Na")
    widget = ChatWidget.objects.create(code="shop", name="Demo shop", greeting="Hello from the demo shop!")
    yield agent, widget
    # An event stream notices that its browser left at its next heartbeat (HEARTBEAT_SECONDS):
    # let the live server's streams end before the database is emptied.
    time.sleep(chat_api.HEARTBEAT_SECONDS + 1)


def wait_for_session(timeout: float = 10) -> ChatSession:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        session = ChatSession.objects.select_related("case").filter(case__isnull=False).first()
        if session is not None:
            return session
        time.sleep(0.1)
    raise AssertionError("no chat session with a case")


@pytest.mark.slow
@pytest.mark.urls("tests.e2e.chat_urls")
def test_a_visitor_chats_with_an_agent_in_the_widget(live_server, chat_site, browser):
    agent, widget = chat_site
    customer = CustomerFactory(email="alex@example.com", name="Alex Smith", language="en")
    OrderFactory(number="SO-1234", customer=customer)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/chat/demo/?widget={widget.key}")

    page.click("button.launcher")
    page.wait_for_selector("#chat-email")
    shot(page, "en-1-start")
    page.click("button:has-text('Start chat')")  # neither email nor order number: refused in the page
    assert page.inner_text(".start .error") == "Give your email address or your order number."
    assert ChatSession.objects.count() == 0

    page.fill("#chat-email", "alex@example.com")
    page.fill("#chat-name", "Alex")
    page.fill("#chat-first", "My parcel has not arrived. <b>Help</b>")
    page.click("button:has-text('Start chat')")
    page.wait_for_selector("li.in[data-id]")
    assert "Hello from the demo shop!" in page.inner_text("ol")
    # Text is text: the markup the visitor typed is shown, not rendered.
    assert "<b>Help</b>" in page.inner_text("li.in") and page.locator("li.in b").count() == 0
    session = wait_for_session()
    assert session.customer == customer and session.case.customer == customer

    page.fill("#chat-text", "It is order SO-1234.")
    page.press("#chat-text", "Enter")
    page.wait_for_selector("li.in[data-id]:has-text('It is order SO-1234.')")
    assert Message.objects.filter(chat_session=session, direction="in").count() == 2

    # The email alone proves nothing: the widget offers the one-time code step.
    assert page.is_visible("form.verify") and session.unverified
    page.fill("#chat-code-order", "SO-1234")
    page.click("button:has-text('Send code by email')")
    page.wait_for_selector("form.verify p:has-text('we have sent a code')")
    assert mail.outbox[-1].to == ["alex@example.com"]
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    page.fill("#chat-code", "000000" if code != "000000" else "111111")
    page.click("button:has-text('Verify')")
    page.wait_for_selector("form.verify .error:has-text('not valid')")
    session.refresh_from_db()
    assert session.unverified
    shot(page, "en-2-code-step")
    page.fill("#chat-code", code)
    page.click("button:has-text('Verify')")
    page.wait_for_selector("li.note:has-text('you are verified')")
    assert not page.is_visible("form.verify")
    session.refresh_from_db()
    assert not session.unverified and session.verified_by == "code"

    began = time.monotonic()
    add_message(case=session.case, actor=agent, text="Sorry about that! It ships today.", public=True, channel="chat")
    page.wait_for_selector("li.out:has-text('Sorry about that! It ships today.')", timeout=10_000)
    print(f"\nthe agent's reply reached the widget in {time.monotonic() - began:.1f} s")
    assert "Li" in page.inner_text("li.out .who")
    shot(page, "en-3-reply")

    # A reload continues the chat (the token is in localStorage), and replies still arrive,
    # also after the server closed the first stream (CHAT_SSE_SECONDS) and the browser reconnected.
    page.reload()
    page.wait_for_selector("li.out:has-text('Sorry about that! It ships today.')")
    assert page.locator("li.in[data-id]").count() == 2
    time.sleep(5)
    add_message(case=session.case, actor=agent, text="Tracking: SF1234567890.", public=True, channel="chat")
    page.wait_for_selector("li.out:has-text('Tracking: SF1234567890.')", timeout=10_000)
    assert page.locator("li.out").count() == 2  # each reply once

    page.click("button.end")
    page.wait_for_selector("text=This chat has ended.")
    session.refresh_from_db()
    assert session.ended_at is not None
    shot(page, "en-4-ended")
    page.click("text=Start a new chat")
    page.wait_for_selector("#chat-email")
    assert errors == []
    context.close()


@pytest.mark.slow
@pytest.mark.urls("tests.e2e.chat_urls")
def test_the_widget_on_a_shop_of_another_origin_polls_without_eventsource(live_server, chat_site, browser):
    agent, widget = chat_site
    site = live_server.url  # http://localhost:<port>
    shop = site.replace("localhost", "127.0.0.1")  # another origin, same machine
    assert shop != site
    widget.allowed_origins = shop
    widget.save()
    CustomerFactory(email="wang@example.com", name="王小明", language="zh-hans")

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.add_init_script("delete window.EventSource;")  # an old browser: the widget polls
    page = context.new_page()
    api_calls: list[tuple[str, str]] = []
    page.on("request", lambda r: api_calls.append((r.method, r.url)) if "/api/v1/channels/chat/" in r.url else None)
    page.goto(f"{shop}/test-shop/?widget={widget.code}")

    page.click("button.launcher")
    assert page.inner_text("button.launcher").startswith("在线客服")
    page.fill("#chat-email", "wang@example.com")
    page.fill("#chat-first", "你好，我想换货。")
    page.click("button:has-text('开始咨询')")
    page.wait_for_selector("li.in[data-id]")
    session = wait_for_session()
    add_message(case=session.case, actor=agent, text="您好，请问换什么尺码？", public=True, channel="chat")
    page.wait_for_selector("li.out:has-text('您好，请问换什么尺码？')", timeout=10_000)
    shot(page, "zh-1-reply-by-polling")
    # A JSON POST to another origin was preceded by a preflight (Playwright does not list those) and
    # its answer was readable: the CORS headers work for real.
    assert ("POST", f"{site}/api/v1/channels/chat/sessions/") in api_calls
    assert not any("/events/" in url for _method, url in api_calls)
    assert any("/messages/?after=" in url for method, url in api_calls if method == "GET")

    # The same shop on an origin the widget does not list: refused, and the page says so.
    widget.allowed_origins = "https://elsewhere.example.com"
    widget.save()
    other = context.new_page()
    other.goto(f"{shop}/test-shop/?widget={widget.code}")
    other.evaluate("localStorage.clear()")
    other.reload()
    other.click("button.launcher")
    other.fill("#chat-email", "wang@example.com")
    other.click("button:has-text('开始咨询')")
    other.wait_for_selector(".start .error:has-text('出错了')")
    assert ChatSession.objects.count() == 1
    context.close()
