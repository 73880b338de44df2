"""The browser of the end-to-end tests: Debian's Chromium driven by Playwright (``make
/usr/bin/chromium`` installs it). The ``browser`` fixture is a pytest plugin that tests/conftest.py
loads, so any test folder can ask for it; screenshots go under ``test-artifacts/<area>/`` (or
``$TEST_ARTIFACTS/<area>/``)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS_ROOT = Path(os.environ.get("TEST_ARTIFACTS", Path(__file__).resolve().parents[1] / "test-artifacts"))
PHONE = {"width": 390, "height": 844}

# Every chart box holds a drawn canvas, and the trend chart has one point per day.
CHARTS_DRAWN = """() => {
  const boxes = Array.from(document.querySelectorAll('.chart'));
  if (!boxes.length || !window.echarts) return false;
  const drawn = boxes.every(el => {
    const canvas = el.querySelector('canvas');
    return canvas && canvas.width > 0 && canvas.height > 0 && window.echarts.getInstanceByDom(el);
  });
  const trend = document.getElementById('chart-trend');
  return drawn && (!trend || window.echarts.getInstanceByDom(trend).getOption().series[0].data.length > 0);
}"""


@pytest.fixture
def browser():
    """A headless Chromium of this test's own."""
    # Imported here so that a run without the browser tests needs no Playwright.
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test are
    # still plain synchronous calls between its steps.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        try:
            yield browser
        finally:
            browser.close()
            # The test's ORM calls ran beside Playwright's event loop, on connections of their own
            # context: close them here, or they keep a session open on the test database.
            connections.close_all()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
