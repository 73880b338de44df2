"""The report and the drill-down as files: CSV (UTF-8 with BOM, one section per table) and XLSX
(one sheet per table); headers in the active language; shop text cannot run as a formula."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from django.http import StreamingHttpResponse
from django.utils import translation
from openpyxl import load_workbook

from analytics import exports, kpis
from cases.models import CaseKind
from cases.services import LineRequest, create_case
from tests.accounts.factories import UserFactory
from tests.analytics.kpi_data import SHANGHAI, freeze, refreshed, worked_case
from tests.cases.factories import CustomerFactory, OrderFactory, OrderLineFactory, ProductFactory, TeamFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
REQ = kpis.ReportRequest(start=NOW.date().replace(day=1), end=NOW.date())
SPLIT = kpis.ReportRequest(start=REQ.start, end=REQ.end, split="channel")
# What a shop could put in a SKU or a name: each would run as a formula in a spreadsheet.
HOSTILE = {"sku": '=HYPERLINK("http://evil")', "name": "@SUM(A1:A9)", "supplier": "+cmd|' /C calc'!A0"}
HOSTILE_CATEGORY = "-2+3"


@pytest.fixture
def now(monkeypatch):
    return freeze(monkeypatch, NOW)


@pytest.fixture
def data(now, agent):
    """Three worked cases (email, chat, email) and a return of a product the shop named with formulas."""
    team = TeamFactory(code="care", name="售后一组")
    made = [
        worked_case(now, agent=agent, team=team, channel=channel, created=datetime(2026, 11, day, 9, tzinfo=SHANGHAI))
        for day, channel in ((3, "email"), (5, "chat"), (9, "email"))
    ]
    now.at = datetime(2026, 11, 12, 9, tzinfo=SHANGHAI)
    product = ProductFactory(**HOSTILE, category=HOSTILE_CATEGORY)
    customer = CustomerFactory()
    order = OrderFactory(customer=customer, placed_at=now.at - timedelta(days=2), delivered_at=now.at)
    line = OrderLineFactory(order=order, product=product, quantity=2)
    made.append(
        create_case(
            customer=customer,
            kind=CaseKind.RETURN,
            channel="portal",
            order=order,
            lines=[LineRequest(order_line=line, quantity=1)],
            team=team,
        )
    )
    refreshed(now, NOW)
    return made


def csv_sections(content: bytes) -> dict[str, list[list[str]]]:
    """The CSV's sections by title: each its header row and data rows."""
    assert content.startswith("\ufeff".encode())
    sections, title = {}, None
    for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))):
        if not row:
            title = None
        elif title is None:
            title = row[0]
            sections[title] = []
        else:
            sections[title].append(row)
    return sections


def drill_rows(response: StreamingHttpResponse) -> list[list[str]]:
    content = b"".join(response.streaming_content)
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


# --- CSV -------------------------------------------------------------------------------------------


def test_the_csv_has_the_kpi_rows_of_the_report(data):
    response = exports.report_csv(REQ)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="kpis-2026-11-01-2026-11-20.csv"'
    sections = csv_sections(response.content)
    report = kpis.report(REQ)
    totals = sections["Totals"]
    assert totals[0] == ["KPI", "Value", "Unit"]
    by_label = {row[0]: row[1:] for row in totals[1:]}
    assert by_label["Cases created"] == [str(report["total"]["cases_created"]), "cases"] == ["4", "cases"]
    assert by_label["Cases resolved"] == ["3", "cases"]
    rate = report["total"]["resolution_rate"]
    assert by_label[str(kpis.KPI_LABELS["resolution_rate"])] == [str(round(rate * 100, 2)), "%"]
    median = report["total"]["resolution_time"]["median_hours"]
    assert by_label[str(kpis.KPI_LABELS["resolution_median_hours"])] == [str(round(median, 2)), "hours"]
    assert {str(label) for label in kpis.KPI_LABELS.values()} <= set(by_label)
    assert set(sections) == {
        "Report",
        "Totals",
        "Daily trend",
        "Backlog",
        "Returns by product",
        "Returns by category",
        "Returns by reason",
        "Defects by product",
        "Defects by supplier",
        "Cost breakdown",
        "Targets",
    }
    trend = sections["Daily trend"]
    assert len(trend) == 1 + 20  # the header and one row per day
    assert trend[3][:3] == ["2026-11-03", "1", "0"]


def test_the_csv_has_the_split_rows_only_with_a_split(data):
    sections = csv_sections(exports.report_csv(SPLIT).content)
    rows = sections["By Channel"]
    assert rows[0][:2] == ["Channel", "Code"]
    created = {row[1]: row[2] for row in rows[1:]}
    assert created == {"email": "2", "chat": "1", "portal": "1"}
    assert "By Channel" not in csv_sections(exports.report_csv(REQ).content)


def test_the_csv_names_the_period_and_the_filters_as_people_read_them(data):
    team = data[0].team
    req = kpis.ReportRequest(start=REQ.start, end=REQ.end, filters={"team": str(team.pk), "channel": "email"})
    about = dict(csv_sections(exports.report_csv(req).content)["Report"][1:])
    assert about["First day"] == "2026-11-01" and about["Last day"] == "2026-11-20"
    assert about["Filters"] == "Channel: Email, Team: 售后一组"
    assert about["Split by"] == "–"


def test_the_csv_headers_are_chinese_under_zh_hans(data):
    with translation.override("zh-hans"):
        sections = csv_sections(exports.report_csv(SPLIT).content)
        expected_totals = [translation.gettext("KPI"), translation.gettext("Value"), translation.gettext("Unit")]
    split_rows = next(rows for title, rows in sections.items() if rows and rows[0][0] == "渠道")
    assert {row[0] for row in split_rows[1:]} >= {"邮件"}
    assert any(rows[0] == expected_totals for rows in sections.values())
    categories = next(rows for rows in sections.values() if rows and rows[0][0] == "分类")
    assert categories[1][0] == "'" + HOSTILE_CATEGORY


def test_shop_text_that_looks_like_a_formula_is_written_as_text(data):
    sections = csv_sections(exports.report_csv(REQ).content)
    product = sections["Returns by product"][1]
    assert product[:4] == [
        "'" + HOSTILE["sku"],
        "'" + HOSTILE["name"],
        "'" + HOSTILE_CATEGORY,
        "'" + HOSTILE["supplier"],
    ]
    assert product[4:6] == ["2", "1"]  # sold, returned
    assert sections["Returns by category"][1][0] == "'" + HOSTILE_CATEGORY
    cells = [cell for rows in sections.values() for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "@"))]
    assert not [cell for cell in cells if cell.startswith("-") and not cell[1:].replace(".", "").isdigit()]


# --- XLSX ------------------------------------------------------------------------------------------


def test_the_xlsx_opens_and_has_one_sheet_per_table(data):
    response = exports.report_xlsx(SPLIT)
    assert response["Content-Type"] == exports.XLSX_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="kpis-2026-11-01-2026-11-20.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "Report",
        "Totals",
        "By Channel",
        "Daily trend",
        "Backlog",
        "Returns by product",
        "Returns by category",
        "Returns by reason",
        "Defects by product",
        "Defects by supplier",
        "Cost breakdown",
        "Targets",
    ]
    totals = list(book["Totals"].iter_rows(values_only=True))
    assert totals[0] == ("KPI", "Value", "Unit")
    assert ("Cases created", 4, "cases") in totals
    assert book["Totals"]["A1"].font.bold
    assert book["Daily trend"].max_row == 21
    product = next(book["Returns by product"].iter_rows(min_row=2, values_only=True))
    assert product[:4] == (
        "'" + HOSTILE["sku"],
        "'" + HOSTILE["name"],
        "'" + HOSTILE_CATEGORY,
        "'" + HOSTILE["supplier"],
    )
    assert all(cell.data_type != "f" for row in book["Returns by product"].iter_rows() for cell in row)


def test_the_xlsx_sheet_names_are_in_the_active_language(data):
    with translation.override("zh-hans"):
        book = load_workbook(io.BytesIO(exports.report_xlsx(SPLIT).content))
        expected = [translation.gettext("Report"), translation.gettext("Totals")]
    assert book.sheetnames[:2] == expected
    assert "渠道" in book.sheetnames[2]  # by channel
    assert list(book[book.sheetnames[2]].iter_rows(max_row=1, max_col=1, values_only=True)) == [("渠道",)]


def test_sheet_names_are_valid_and_unique():
    used: set[str] = set()
    names = [exports._sheet_title(title, used) for title in ("Returns: by product/SKU [all]", "a" * 40, "a" * 40)]
    assert names[0] == "Returns  by product SKU  all"
    assert names[1] == "a" * 31 and names[2] == "a" * 29 + " 2"


# --- the drill-down CSV ----------------------------------------------------------------------------


def test_the_drill_down_csv_lists_the_cases_behind_the_figure(data, agent):
    response = exports.cases_csv(REQ, "created")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"] == 'attachment; filename="kpi-cases-created-2026-11-01-2026-11-20.csv"'
    rows = drill_rows(response)
    assert rows[0] == ["Case number", "Kind", "Channel", "Status", "Created at", "Agent", "Team"]
    assert [row[0] for row in rows[1:]] == [case.number for case in reversed(data)]
    assert rows[-1][1:] == ["Inquiry", "Email", "Resolved", "2026-11-03 09:00", "Li Na", "售后一组"]


def test_the_drill_down_csv_of_a_split_row(data):
    rows = drill_rows(exports.cases_csv(SPLIT, "created", value="email"))
    assert [row[0] for row in rows[1:]] == [data[2].number, data[0].number]
    resolved = drill_rows(exports.cases_csv(REQ, "resolved"))
    assert {row[0] for row in resolved[1:]} == {case.number for case in data[:3]}


def test_the_drill_down_csv_is_in_the_active_language(data):
    with translation.override("zh-hans"):
        rows = drill_rows(exports.cases_csv(REQ, "created"))
    assert rows[0][:4] == ["工单号", "类型", "渠道", "状态"]
    assert rows[-1][2] == "邮件"


def test_the_drill_down_csv_refuses_an_unknown_figure_before_streaming(data):
    with pytest.raises(kpis.BadRequest) as refused:
        exports.cases_csv(REQ, "happiness")
    assert refused.value.field == "kpi"


def test_the_drill_down_csv_reads_the_cases_in_chunks(data, monkeypatch):
    seen = []
    original = type(kpis.drill_down(REQ, "created")).iterator

    def iterator(self, chunk_size=None):
        seen.append(chunk_size)
        return original(self, chunk_size=chunk_size)

    monkeypatch.setattr(type(kpis.drill_down(REQ, "created")), "iterator", iterator)
    drill_rows(exports.cases_csv(REQ, "created"))
    assert seen == [exports.DRILL_CHUNK] == [2000]


def test_an_agent_name_is_the_username_when_there_is_no_full_name(now):
    nameless = UserFactory(username="agent-z", role="agent")
    case = worked_case(now, agent=nameless, created=datetime(2026, 11, 4, 9, tzinfo=SHANGHAI))
    refreshed(now, NOW)
    rows = drill_rows(exports.cases_csv(REQ, "created"))
    assert rows[1][0] == case.number and rows[1][5] == "agent-z" and rows[1][6] == ""
