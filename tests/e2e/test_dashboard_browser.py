"""The manager's dashboard in a real headless Chromium (Debian's package, driven by Playwright): a
manager signs in, the KPI page draws its ECharts charts from the page's JSON (no console error),
a click on a backlog bar and on a KPI tile opens the cases behind it, the page switches to Chinese,
and an agent's scorecard draws its radar chart. Screenshots go to test-artifacts/dashboard/.
"""

from __future__ import annotations

import pytest

from analytics import rollups
from cases.services import LineRequest, add_cost_line, add_message, create_case, transition_case
from tests.accounts.factories import UserFactory
from tests.browser import ARTIFACTS_ROOT, CHARTS_DRAWN
from tests.cases.factories import CustomerFactory, OrderFactory, OrderLineFactory, ProductFactory, TeamFactory

DASHBOARD_ARTIFACTS = ARTIFACTS_ROOT / "dashboard"
DESKTOP = {"width": 1366, "height": 900}
PASSWORD = "correct horse battery staple"


def shot(page, name: str) -> None:
    DASHBOARD_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DASHBOARD_ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def shop(transactional_db):
    """A manager, an agent and cases of the last days, refreshed into the rollups."""
    manager = UserFactory(username="manager-e2e", role="manager")
    agent = UserFactory(username="agent-e2e", role="agent", first_name="Wei", last_name="Li")
    team = TeamFactory(name="After-sales East")
    open_case = None
    for n, channel in enumerate(("email", "chat", "phone", "email", "portal")):
        case = create_case(customer=CustomerFactory(), kind="complaint", channel=channel, team=team, assignee=agent)
        case = transition_case(case=case, name="start", actor=agent)
        add_message(case=case, actor=agent, text="Thank you, we are on it.")
        if n % 2 == 0:
            transition_case(case=case, name="resolve", actor=agent, resolution_type="answered")
        else:
            open_case = case
    # Two returns of one product, inspected (one defective) and refunded.
    product = ProductFactory(sku="SKU-RAIN-1", name="Rain jacket", supplier="Hangzhou Textile Co.")
    for grade in ("A", "C"):
        order = OrderFactory()
        line = OrderLineFactory(order=order, product=product, quantity=2)
        case = create_case(
            customer=order.customer,
            kind="return",
            channel="portal",
            order=order,
            lines=[LineRequest(order_line=line, quantity=1)],
            reason_code="defective" if grade == "C" else "wrong_size",
            team=team,
            assignee=agent,
        )
        if case.status == "new":
            case = transition_case(case=case, name="approve", actor=agent)
        case = transition_case(case=case, name="ship_return", actor=agent, carrier="SF", tracking_number="SF1234567890")
        case = transition_case(case=case, name="receive", actor=agent)
        case = transition_case(case=case, name="inspect", actor=agent, passed=grade == "A", grade=grade)
        add_cost_line(case=case, actor=agent, kind="shipping_back", amount="15.00")
        transition_case(
            case=case, name="resolve", actor=agent, resolution_type="return_and_refund", refund_amount="199.00"
        )
    rollups.refresh()
    return {"manager": manager, "agent": agent, "open_case": open_case}


def sign_in(browser, live_server, username: str, next_url: str):
    # Reduced motion: the charts draw at once (no growing bars), so a click hits the finished bar.
    page = browser.new_context(viewport=DESKTOP, locale="en-US", reduced_motion="reduce").new_page()
    problems: list[str] = []
    # The desk's sign-in page has no icon, so the browser asks for /favicon.ico there: not ours.
    page.on(
        "console",
        lambda message: (
            problems.append(f"{message.text} {message.location.get('url', '')}")
            if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico")
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server.url}/desk/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"**{next_url}**")
    return page, problems


def click_chart(page, chart_id: str, series: int, index: int, *, middle: bool = True) -> None:
    """Click one bar (its middle) or one point of an ECharts chart, where ECharts itself puts it."""
    page.locator(f"#{chart_id}").scroll_into_view_if_needed()
    x, y = page.evaluate(
        """([id, series, index, middle]) => {
          const chart = window.echarts.getInstanceByDom(document.getElementById(id));
          const value = chart.getOption().series[series].data[index];
          return chart.convertToPixel({seriesIndex: series}, [index, middle ? value / 2 : value]);
        }""",
        [chart_id, series, index, middle],
    )
    box = page.locator(f"#{chart_id}").bounding_box()
    assert 0 <= box["y"] + y <= page.viewport_size["height"], "the bar is on the screen"
    page.mouse.click(box["x"] + x, box["y"] + y)


@pytest.mark.slow
def test_a_manager_reads_the_dashboard_and_drills_into_the_cases(live_server, browser, shop):
    page, problems = sign_in(browser, live_server, "manager-e2e", "/dashboard/")
    page.wait_for_function(CHARTS_DRAWN, timeout=15_000)
    assert page.inner_text("#tile-cases_created .value").strip() == "7"
    assert page.inner_text("#tile-cases_resolved .value").strip() == "5"
    trend = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('chart-trend')).getOption().series[0].data"
    )
    assert sum(trend) == 7 and len(trend) == 30
    shot(page, "1-dashboard-en")

    # A bar of the backlog (open cases younger than a day, first status) lists the open cases.
    click_chart(page, "chart-backlog", 0, 0)
    page.wait_for_url("**/dashboard/cases/?**")
    assert "kpi=backlog" in page.url and "bucket=lt1d" in page.url
    assert shop["open_case"].number in page.inner_text("#cases")
    assert page.inner_text("#count").strip() == "2 cases"
    shot(page, "2-drill-down-backlog")

    # A point of the daily trend lists the cases created that day.
    page.go_back()
    page.wait_for_function(CHARTS_DRAWN, timeout=15_000)
    days = page.evaluate("() => JSON.parse(document.getElementById('dashboard-data').textContent).trend.days")
    click_chart(page, "chart-trend", 0, len(days) - 1, middle=False)
    page.wait_for_url("**/dashboard/cases/?**kpi=created**")
    assert f"start={days[-1]}" in page.url and f"end={days[-1]}" in page.url
    assert page.locator("#cases tbody tr").count() == 7

    # A KPI tile lists the cases behind it; a case number opens the workbench.
    page.go_back()
    page.wait_for_function(CHARTS_DRAWN, timeout=15_000)
    page.click("#tile-cases_created")
    page.wait_for_url("**/dashboard/cases/?**kpi=created**")
    assert page.locator("#cases tbody tr").count() == 7
    assert page.locator(f"#cases a[href='/desk/cases/{shop['open_case'].number}/']").count() == 1

    # A split by channel draws one bar per channel; its bar opens that channel's cases.
    page.goto(f"{live_server.url}/dashboard/?split=channel")
    page.wait_for_function(CHARTS_DRAWN, timeout=15_000)
    labels = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('chart-split')).getOption().xAxis[0].data"
    )
    assert labels[0] == "Web portal"  # the most cases first: one complaint and two returns
    shot(page, "3-split-by-channel")
    click_chart(page, "chart-split", 0, labels.index("Email"))
    page.wait_for_url("**/dashboard/cases/?**value=email**")
    assert page.locator("#cases tbody tr").count() == 2

    # In Chinese.
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_function(CHARTS_DRAWN, timeout=15_000)
    page.select_option("#language", "zh-hans")
    page.click("form.lang button")
    page.wait_for_function("() => document.documentElement.lang === 'zh-hans'")
    page.wait_for_function(CHARTS_DRAWN, timeout=15_000)
    assert page.inner_text("label[for='f-channel']").strip() == "渠道"
    assert "切换" in page.inner_text("form.lang")
    shot(page, "4-dashboard-zh")

    # Every agent's scorecard, and the targets.
    page.goto(f"{live_server.url}/dashboard/scorecards/")
    assert page.locator(f"#agent-{shop['agent'].pk}").count() == 1
    shot(page, "5-scorecards-zh")
    page.goto(f"{live_server.url}/dashboard/targets/")
    assert page.locator("#targets tbody tr").count() == 4  # the defaults of DESIGN.md §5
    shot(page, "6-targets-zh")
    assert problems == []


@pytest.mark.slow
def test_an_agent_sees_their_own_scorecard_with_its_radar_chart(live_server, browser, shop):
    agent = shop["agent"]
    page, problems = sign_in(browser, live_server, "agent-e2e", "/dashboard/scorecards/")
    page.wait_for_url(f"**/dashboard/scorecards/{agent.pk}/")
    page.wait_for_function(CHARTS_DRAWN, timeout=15_000)
    values = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('chart-radar')).getOption().series[0].data[0].value"
    )
    assert len(values) == 5 and any(values)
    assert "Wei Li" in page.inner_text("h1")
    shot(page, "7-scorecard-agent")
    assert problems == []
