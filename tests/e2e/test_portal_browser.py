"""The whole return in a real headless Chromium (Debian's package, driven by Playwright): look up
the order, verify with the emailed code, ask for a return with a photo, see the RMA and the slip,
enter the tracking number, see the status change after the agent's step; once in English and once
in Chinese, on a phone-sized screen. Screenshots go to test-artifacts/portal/.
"""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pytest
from django.core import mail
from PIL import Image

from cases.models import Case, CaseStatus
from cases.services import transition_case
from tests.browser import ARTIFACTS_ROOT, PHONE
from tests.cases.factories import make_order

ARTIFACTS = ARTIFACTS_ROOT / "portal"


def photo_file(tmp_path: Path) -> Path:
    path = tmp_path / "damage.jpg"
    image = Image.new("RGB", (64, 48), (180, 40, 40))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def whole_return(live_server, browser, tmp_path, agent, *, number, email, language, texts):
    order = make_order(number, email, language)
    began = time.monotonic()
    context = browser.new_context(viewport=PHONE, locale="en-US")
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url) if r.resource_type == "document" else None)
    page.goto(f"{live_server.url}/portal/")
    if language != "en":
        page.select_option("#language", "zh-hans")
        page.click("form.lang button")
        page.wait_for_selector("text=" + texts["send_code"])
    shot(page, f"{language}-1-start")
    page.fill("#order_number", number)
    page.fill("#contact", email)
    page.click("text=" + texts["send_code"])
    page.wait_for_url("**/portal/verify/")
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    page.fill("#code", code)
    shot(page, f"{language}-2-code")
    page.press("#code", "Enter")  # the keyboard is enough
    page.wait_for_url(f"**/portal/orders/{number}/")
    line = order.lines.get()
    page.select_option(f"#qty_{line.pk}", "1")
    page.select_option("#reason", "damaged")
    page.fill("#reason_text", texts["reason"])
    page.set_input_files("#photos", str(photo_file(tmp_path)))
    shot(page, f"{language}-3-request")
    page.click("text=" + texts["send_request"])
    page.wait_for_url("**/portal/cases/**")
    case = Case.objects.get(order=order)
    assert case.status == CaseStatus.APPROVED
    assert case.number in page.inner_text("main")
    assert texts["approved"] in page.inner_text("main")
    shot(page, f"{language}-4-approved")

    slip = page.request.get(f"{live_server.url}/portal/cases/{case.number}/slip.pdf")
    assert slip.status == 200 and slip.body().startswith(b"%PDF") and case.number.encode() in slip.body()

    page.select_option("#carrier", "SF")
    page.fill("#tracking", "SF123456789012")
    page.click("text=" + texts["save_tracking"])
    page.wait_for_selector("#status")
    assert texts["in_transit"] in page.inner_text("#status")
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_TRANSIT and case.return_tracking_number == "SF123456789012"

    print(f"\n{language}: the whole return took {time.monotonic() - began:.1f} s and {len(requests)} page loads")
    transition_case(case=case, name="receive", actor=agent)
    page.reload()
    assert texts["received"] in page.inner_text("#status")
    shot(page, f"{language}-5-received")
    context.close()
    return requests


@pytest.mark.slow
def test_a_whole_return_in_english_on_a_phone(live_server, browser, tmp_path, shop):
    requests = whole_return(
        live_server,
        browser,
        tmp_path,
        shop,
        number="SO-E2E-1",
        email="alex@example.com",
        language="en",
        texts={
            "send_code": "Send me a code",
            "reason": "The seam is torn.",
            "send_request": "Send my request",
            "approved": "Approved.",
            "save_tracking": "Save the tracking number",
            "in_transit": "In transit",
            "received": "Received",
        },
    )
    # Start, code, order, case, tracking and the reload: a handful of page loads for the whole return.
    assert len(requests) <= 12, requests


@pytest.mark.slow
def test_a_whole_return_in_chinese(live_server, browser, tmp_path, shop):
    whole_return(
        live_server,
        browser,
        tmp_path,
        shop,
        number="SO-E2E-2",
        email="wang@example.com",
        language="zh-hans",
        texts={
            "send_code": "发送验证码",
            "reason": "衣服缝线开裂。",
            "send_request": "提交申请",
            "approved": "已批准",
            "save_tracking": "保存运单号",
            "in_transit": "退货在途",
            "received": "已收货",
        },
    )
