"""The KPI report and the cases behind a figure as files: CSV (UTF-8 with BOM) and XLSX.

Nothing here computes a KPI: the report is ``kpis.report`` laid out as tables (``report_sections``)
and the drill-down is ``kpis.drill_down``'s queryset, streamed. The tables are the same in both
formats: in the CSV one section after another (a title line, a header line, the rows, an empty
line), in the XLSX one sheet each. Headers and labels are in the active language.

Rates are written as percentages (0.97 -> 97.0, unit "%"), times in hours, money as decimals.
Text that comes from the shop (SKUs, product and supplier names, categories) could start like a
formula; such a cell gets a leading apostrophe so a spreadsheet shows it as text (CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from analytics import kpis
from analytics.facts import reporting_zone
from analytics.models import Comparison, Dimension
from cases.models import CaseKind, CaseStatus, Channel

BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DRILL_CHUNK = 2000
CENT = Decimal("0.01")

# Units of the figures (the "unit" column of the totals).
COUNT, ANSWERS, HOURS, PERCENT, POINTS, SCORE5, SCORE7, MONEY, NUMBER = (
    "count",
    "answers",
    "hours",
    "percent",
    "points",
    "score5",
    "score7",
    "money",
    "number",
)
UNIT_LABELS = {
    COUNT: gettext_lazy("cases"),
    ANSWERS: gettext_lazy("answers"),
    HOURS: gettext_lazy("hours"),
    PERCENT: "%",
    POINTS: gettext_lazy("points (-100 to 100)"),
    SCORE5: gettext_lazy("score (1-5)"),
    SCORE7: gettext_lazy("score (1-7, lower is easier)"),
    MONEY: gettext_lazy("amount"),
    NUMBER: "",
}
# The unit of each scalar KPI of ``kpis.KPI_LABELS`` (the names ``kpis.flat`` and targets use).
UNITS = {
    "first_response_mean_hours": HOURS,
    "first_response_median_hours": HOURS,
    "first_response_p90_hours": HOURS,
    "resolution_mean_hours": HOURS,
    "resolution_median_hours": HOURS,
    "resolution_p90_hours": HOURS,
    "first_contact_resolution": PERCENT,
    "resolution_rate": PERCENT,
    "reopen_rate": PERCENT,
    "sla_first_response": PERCENT,
    "sla_resolution": PERCENT,
    "csat_rate": PERCENT,
    "csat_mean": SCORE5,
    "nps": POINTS,
    "ces_mean": SCORE7,
    "survey_response_rate": PERCENT,
    "complaint_rate": PERCENT,
    "return_rate": PERCENT,
    "cost_per_case": MONEY,
}
# The counts behind the KPIs, shown before them: (path in KPIS, label, unit).
COUNTS = (
    (("cases_created",), gettext_lazy("Cases created"), COUNT),
    (("cases_resolved",), gettext_lazy("Cases resolved"), COUNT),
    (("first_response", "count"), gettext_lazy("First responses measured"), COUNT),
    (("resolution_time", "count"), gettext_lazy("Resolutions measured"), COUNT),
    (("csat", "answers"), gettext_lazy("CSAT answers"), ANSWERS),
    (("nps", "answers"), gettext_lazy("NPS answers"), ANSWERS),
    (("ces", "answers"), gettext_lazy("CES answers"), ANSWERS),
)
COST_PARTS = (
    ("refund", gettext_lazy("Refunds")),
    ("compensation", gettext_lazy("Compensation")),
    ("shipping_out", gettext_lazy("Shipping out")),
    ("shipping_back", gettext_lazy("Shipping back")),
    ("repair", gettext_lazy("Repair")),
    ("handling", gettext_lazy("Handling")),
    ("total", gettext_lazy("Total")),
    ("per_case", gettext_lazy("Per case")),
)


def unit_of(name: str) -> str:
    return UNITS.get(name, NUMBER)


@dataclass
class Section:
    """One table of the export: a sheet of the XLSX, a block of the CSV."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)


# --- values -----------------------------------------------------------------------------------------


def figures(block: dict) -> list[tuple[str, Any, str]]:
    """Every scalar of a KPI block as (label, spreadsheet value, unit): the counts, each KPI of
    ``kpis.KPI_LABELS`` (values by ``kpis.flat``), then the total cost."""
    rows = [(str(label), convert(_dig(block, path), unit), unit) for path, label, unit in COUNTS]
    flat = kpis.flat(block)
    rows += [(str(kpis.KPI_LABELS[name]), convert(flat[name], unit_of(name)), unit_of(name)) for name in kpis.KPI_NAMES]
    rows.append((_("Cost, total"), convert(block["cost"]["total"], MONEY), MONEY))
    return rows


def _dig(block: dict, path: tuple[str, ...]) -> Any:
    for key in path:
        block = block[key]
    return block


def convert(value: Any, unit: str) -> Any:
    """A figure of the report as a spreadsheet number: rates in percent, money as Decimal."""
    if value is None:
        return None
    if unit == PERCENT:
        return round(value * 100, 2)
    if unit == MONEY:
        return Decimal(str(value)).quantize(CENT)
    if isinstance(value, float):
        return round(value, 2)
    return value


def safe_cell(value: Any) -> Any:
    """The value to write: text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _day(iso: str) -> date:
    return date.fromisoformat(iso)


def target_result(met: bool | None) -> str:
    if met is None:
        return "–"
    return _("met") if met else _("missed")


# --- the report as tables ---------------------------------------------------------------------------------


def report_sections(report: dict) -> list[Section]:
    """The report as tables, titles and headers in the active language (the split rows only with a split)."""
    sections = [_about(report), _totals(report)]
    if report["split"]:
        sections.append(_split_rows(report))
    sections += [
        _trend(report),
        _backlog(report),
        *_returns(report),
        *_defects(report),
        _costs(report),
        _targets(report),
    ]
    return sections


def _about(report: dict) -> Section:
    period = report["period"]
    split = report["split"]
    filters = ", ".join(
        f"{Dimension(name).label}: {_filter_label(name, value)}" for name, value in sorted(report["filters"].items())
    )
    rows = [
        [_("First day"), _day(period["start"])],
        [_("Last day"), _day(period["end"])],
        [_("Days"), period["days"]],
        [_("Time zone"), period["time_zone"]],
        [_("Split by"), str(Dimension(split).label) if split else "–"],
        [_("Filters"), filters or "–"],
        [_("Source"), _("live") if report["source"] == "live" else _("daily rollups")],
        [_("Generated at"), report["generated_at"]],
    ]
    return Section("about", _("Report"), [_("Item"), _("Value")], rows)


def _filter_label(dim: str, value: str) -> str:
    """A filter's value as a person reads it (the team's name, not its id; "none" as "No team")."""
    raw = "" if value == "none" else value
    return str(kpis.value_labels(dim, [raw]).get(raw, value))


def _totals(report: dict) -> Section:
    rows = [[label, value, str(UNIT_LABELS[unit])] for label, value, unit in figures(report["total"])]
    return Section("totals", _("Totals"), [_("KPI"), _("Value"), _("Unit")], rows)


def _split_rows(report: dict) -> Section:
    dimension = Dimension(report["split"]).label
    columns = figures(report["total"])
    headers = [str(dimension), _("Code")]
    headers += [f"{label} (%)" if unit == PERCENT else label for label, _value, unit in columns]
    rows = [[row["label"], row["value"], *(value for _l, value, _u in figures(row["kpis"]))] for row in report["rows"]]
    return Section("rows", _("By %(dimension)s") % {"dimension": dimension}, headers, rows)


def _trend(report: dict) -> Section:
    headers = [
        _("Day"),
        str(COUNTS[0][1]),
        str(COUNTS[1][1]),
        str(kpis.KPI_LABELS["first_response_mean_hours"]),
        str(kpis.KPI_LABELS["resolution_mean_hours"]),
        f"{kpis.KPI_LABELS['csat_rate']} (%)",
        _("Cost, total"),
    ]
    rows = [
        [
            _day(day["day"]),
            day["created"],
            day["resolved"],
            convert(day["first_response_mean_hours"], HOURS),
            convert(day["resolution_mean_hours"], HOURS),
            convert(day["csat_rate"], PERCENT),
            convert(day["cost_total"], MONEY),
        ]
        for day in report["trend"]
    ]
    return Section("trend", _("Daily trend"), headers, rows)


def _backlog(report: dict) -> Section:
    backlog = report["backlog"]
    buckets = backlog["buckets"]
    headers = [_("Status"), _("Open cases"), *(str(b["label"]) for b in buckets)]
    rows = [
        [status["label"], status["count"], *(status["by_age"].get(b["bucket"], 0) for b in buckets)]
        for status in backlog["by_status"]
    ]
    rows.append([_("All open cases"), backlog["total"], *("" for _b in buckets)])
    return Section("backlog", _("Backlog"), headers, rows)


def _returns(report: dict) -> list[Section]:
    returns = report["returns"]
    sold, returned, rate = _("Units sold"), _("Units returned"), _("Return rate (%)")
    by_product = Section(
        "returns_by_product",
        _("Returns by product"),
        [_("SKU"), _("Product"), _("Category"), _("Supplier"), sold, returned, rate],
        [
            [
                p["sku"],
                p["name"],
                p["category"],
                p["supplier"],
                p["units_sold"],
                p["units_returned"],
                convert(p["return_rate"], PERCENT),
            ]
            for p in returns["by_product"]
        ],
    )
    by_category = Section(
        "returns_by_category",
        _("Returns by category"),
        [_("Category"), sold, returned, rate],
        [
            [c["category"], c["units_sold"], c["units_returned"], convert(c["return_rate"], PERCENT)]
            for c in returns["by_category"]
        ],
    )
    by_reason = Section(
        "returns_by_reason",
        _("Returns by reason"),
        [_("Reason"), returned, rate],
        [[r["label"], r["units_returned"], convert(r["return_rate"], PERCENT)] for r in returns["by_reason"]],
    )
    return [by_product, by_category, by_reason]


def _defects(report: dict) -> list[Section]:
    defects = report["defects"]
    outcomes = [_("Restocked"), _("Refurbished"), _("Scrapped"), _("Returned to supplier")]
    by_product = Section(
        "defects_by_product",
        _("Defects by product"),
        [
            _("SKU"),
            _("Product"),
            _("Supplier"),
            _("Inspected"),
            _("Grade A"),
            _("Grade B"),
            _("Grade C"),
            _("Grade D"),
            *outcomes,
            _("Defect rate (%)"),
        ],
        [
            [
                p["sku"],
                p["name"],
                p["supplier"],
                p["inspected"],
                p["grade_a"],
                p["grade_b"],
                p["grade_c"],
                p["grade_d"],
                p["restock"],
                p["refurbish"],
                p["scrap"],
                p["return_to_supplier"],
                convert(p["defect_rate"], PERCENT),
            ]
            for p in defects["by_product"]
        ],
    )
    by_supplier = Section(
        "defects_by_supplier",
        _("Defects by supplier"),
        [_("Supplier"), _("Inspected"), _("Defective"), _("Scrapped"), _("Returned to supplier"), _("Defect rate (%)")],
        [
            [
                s["supplier"],
                s["inspected"],
                s["defective"],
                s["scrap"],
                s["return_to_supplier"],
                convert(s["defect_rate"], PERCENT),
            ]
            for s in defects["by_supplier"]
        ],
    )
    return [by_product, by_supplier]


def _costs(report: dict) -> Section:
    cost = report["total"]["cost"]
    rows = [[str(label), convert(cost[key], MONEY)] for key, label in COST_PARTS]
    rows.append([_("Cases"), cost["cases"]])
    return Section("costs", _("Cost breakdown"), [_("Cost"), _("Amount")], rows)


def _targets(report: dict) -> Section:
    comparisons = dict(Comparison.choices)
    rows = [
        [
            t["label"],
            str(comparisons.get(t["comparison"], t["comparison"])),
            convert(t["target"], unit_of(t["kpi"])),
            convert(t["actual"], unit_of(t["kpi"])),
            str(UNIT_LABELS[unit_of(t["kpi"])]),
            target_result(t["met"]),
        ]
        for t in report["targets"]
    ]
    headers = [_("KPI"), _("Comparison"), _("Target"), _("Actual"), _("Unit"), _("Result")]
    return Section("targets", _("Targets"), headers, rows)


# --- files ---------------------------------------------------------------------------------------------------


def report_filename(report: dict, *, fmt: str) -> str:
    period = report["period"]
    return f"kpis-{period['start']}-{period['end']}.{fmt}"


def csv_text(report: dict) -> str:
    """The report as one CSV document (with the byte order mark Excel needs to read UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out)
    for index, section in enumerate(report_sections(report)):
        if index:
            writer.writerow([])
        writer.writerow([safe_cell(section.title)])
        writer.writerow([safe_cell(h) for h in section.headers])
        writer.writerows([safe_cell(v) for v in row] for row in section.rows)
    return BOM + out.getvalue()


INVALID_SHEET_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})


def xlsx_bytes(report: dict) -> bytes:
    """The report as a workbook, one sheet per table, headers in bold."""
    book = Workbook(write_only=True)
    used: set[str] = set()
    for section in report_sections(report):
        sheet = book.create_sheet(_sheet_title(section.title, used))
        header = []
        for text in section.headers:
            cell = WriteOnlyCell(sheet, value=safe_cell(text))
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        for row in section.rows:
            sheet.append([safe_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(title: str, used: set[str]) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of []:*?/\\, unique in the book."""
    base = title.translate(INVALID_SHEET_CHARS).strip(" '")[:31].strip() or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" {n}"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _report(req: kpis.ReportRequest, source: str) -> dict:
    # From the rollups through the dashboard's cache: the file has the figures the page showed.
    return kpis.cached_report(req) if source == "rollup" else kpis.report(req, source=source)


def report_csv(req: kpis.ReportRequest, *, source: str = "rollup") -> HttpResponse:
    """The report of ``req`` as a CSV download."""
    report = _report(req, source)
    return _attachment(HttpResponse(csv_text(report), content_type=CSV_TYPE), report_filename(report, fmt="csv"))


def report_xlsx(req: kpis.ReportRequest, *, source: str = "rollup") -> HttpResponse:
    """The report of ``req`` as an XLSX download."""
    report = _report(req, source)
    return _attachment(HttpResponse(xlsx_bytes(report), content_type=XLSX_TYPE), report_filename(report, fmt="xlsx"))


# --- the drill-down --------------------------------------------------------------------------------------------


class _Line:
    """A file for ``csv.writer`` that hands back what was written (one line at a time)."""

    def write(self, text: str) -> str:
        return text


def cases_csv(
    req: kpis.ReportRequest, kpi: str, value: str | None = None, bucket: str | None = None
) -> StreamingHttpResponse:
    """The cases behind a figure as a CSV download, streamed ``DRILL_CHUNK`` rows at a time.

    The queryset is built (and a bad ``kpi`` refused with ``kpis.BadRequest``) before the response
    starts; the labels are taken in the request's language now, since the rows are written later,
    while the response is sent.
    """
    cases = kpis.drill_down(req, kpi, value=value, bucket=bucket)
    headers = [_("Case number"), _("Kind"), _("Channel"), _("Status"), _("Created at"), _("Agent"), _("Team")]
    labels = {
        "kind": {v: str(label) for v, label in CaseKind.choices},
        "channel": {v: str(label) for v, label in Channel.choices},
        "status": {v: str(label) for v, label in CaseStatus.choices},
    }
    zone = reporting_zone()

    def lines() -> Iterator[str]:
        writer = csv.writer(_Line())
        yield BOM + writer.writerow(headers)
        for case in cases.iterator(chunk_size=DRILL_CHUNK):
            row = [
                case.number,
                labels["kind"].get(case.kind, case.kind),
                labels["channel"].get(case.channel, case.channel),
                labels["status"].get(case.status, case.status),
                timezone.localtime(case.created_at, zone).strftime("%Y-%m-%d %H:%M"),
                _person(case.assignee),
                case.team.name if case.team else "",
            ]
            yield writer.writerow([safe_cell(v) for v in row])

    filename = f"kpi-cases-{kpi}-{req.start.isoformat()}-{req.end.isoformat()}.csv"
    response = StreamingHttpResponse(lines(), content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _person(user: Any) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
