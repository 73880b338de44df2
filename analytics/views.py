"""The manager's dashboard pages (/dashboard/, namespace ``dashboard``): KPI tiles and charts, the
cases behind a figure, the agents' scorecards and their weights, the KPI targets, the export routes.

Thin views: every figure comes from ``analytics.kpis`` (``report``, ``drill_down``) and
``analytics.scorecards``; a view checks who may see it, parses the query (``kpis.parse_request``:
bad input is the page again with the message and status 400) and only shapes the figures for the
template and, as JSON in the page (``json_script``), for ``static/dashboard/dashboard.js``, which
draws the ECharts charts from it (no inline script).

Who: desk staff (``cases.desk.views.desk_required``: anonymous visitors go to the desk sign-in page,
users without a desk role get 403) holding ``analytics.view_dashboard`` (managers) for every page
and export; an agent (``analytics.view_own_scorecard``) opens only their own scorecard. Writes need
their model permission on top: ``change_scorecardsettings`` (weights), ``add/change/delete_kpitarget``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from analytics import exports, kpis, scorecards
from analytics.models import Comparison, KpiTarget, ScorecardSettings
from cases.desk.views import desk_required
from cases.models import CaseKind, Channel, CostKind, CustomerTier, Product, ReasonCode, Team
from cases.roles import AGENT, MANAGER

VIEW_DASHBOARD = "analytics.view_dashboard"
OWN_SCORECARD = "analytics.view_own_scorecard"
CHANGE_WEIGHTS = (VIEW_DASHBOARD, "analytics.change_scorecardsettings")
PAGE_SIZE = 50
# The query keys of a report (kpis.parse_request reads them); the drill-down adds kpi/value/bucket.
REPORT_KEYS = ("start", "end", "preset", "split", *kpis.DIMENSIONS)
NONE = "none"  # the query's value for "no team", "unassigned", "no product"
DRILL_KEYS = ("kpi", "value", "bucket")
COMPARISON_SIGNS = {"le": "≤", "ge": "≥", "lt": "<", "gt": ">"}
AREAS = ("speed", "attitude", "professionalism", "efficiency", "satisfaction")


def _require(request, *perms: str) -> None:
    if not request.user.has_perms(perms):
        raise PermissionDenied


def _message(error: kpis.BadRequest) -> str:
    return str(getattr(error, "message", "") or (error.args[0] if error.args else error))


def _report_query(query) -> dict[str, str]:
    """The report's part of a query string, empty values left out (links keep only what was chosen)."""
    return {key: query[key] for key in REPORT_KEYS if query.get(key)}


# --- what the tiles show ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    """One KPI figure: where it sits in a KPIS dict, how it reads, and which cases are behind it.

    ``key`` is the KPI's name as ``kpis.KPI_LABELS`` and ``KpiTarget.kpi`` spell it.
    """

    key: str
    path: tuple[str, ...]
    fmt: str  # count, hours, rate, score, nps, money
    drill: str | None
    label: object
    count: tuple[str, ...] | None = None  # the number of cases or answers the figure rests on


TILES = (
    Tile("cases_created", ("cases_created",), "count", "created", gettext_lazy("Cases created")),
    Tile("cases_resolved", ("cases_resolved",), "count", "resolved", gettext_lazy("Cases resolved")),
    Tile(
        "first_response_mean_hours",
        ("first_response", "mean_hours"),
        "hours",
        "first_response",
        gettext_lazy("First response time, mean"),
        ("first_response", "count"),
    ),
    Tile(
        "first_response_median_hours",
        ("first_response", "median_hours"),
        "hours",
        "first_response",
        gettext_lazy("First response time, median"),
        ("first_response", "count"),
    ),
    Tile(
        "first_response_p90_hours",
        ("first_response", "p90_hours"),
        "hours",
        "first_response",
        gettext_lazy("First response time, 90th percentile"),
        ("first_response", "count"),
    ),
    Tile(
        "resolution_mean_hours",
        ("resolution_time", "mean_hours"),
        "hours",
        "resolved",
        gettext_lazy("Resolution time, mean"),
        ("resolution_time", "count"),
    ),
    Tile(
        "resolution_median_hours",
        ("resolution_time", "median_hours"),
        "hours",
        "resolved",
        gettext_lazy("Resolution time, median"),
        ("resolution_time", "count"),
    ),
    Tile(
        "resolution_p90_hours",
        ("resolution_time", "p90_hours"),
        "hours",
        "resolved",
        gettext_lazy("Resolution time, 90th percentile"),
        ("resolution_time", "count"),
    ),
    Tile(
        "first_contact_resolution",
        ("first_contact_resolution",),
        "rate",
        "fcr",
        gettext_lazy("First-contact resolution"),
    ),
    Tile("resolution_rate", ("resolution_rate",), "rate", "created", gettext_lazy("Resolution rate")),
    Tile("reopen_rate", ("reopen_rate",), "rate", "reopened", gettext_lazy("Reopen rate")),
    Tile(
        "sla_first_response",
        ("sla_first_response",),
        "rate",
        "sla_first_response_missed",
        gettext_lazy("SLA compliance, first response"),
    ),
    Tile(
        "sla_resolution",
        ("sla_resolution",),
        "rate",
        "sla_resolution_missed",
        gettext_lazy("SLA compliance, resolution"),
    ),
    Tile("csat_rate", ("csat", "rate"), "rate", None, gettext_lazy("CSAT"), ("csat", "answers")),
    Tile("csat_mean", ("csat", "mean"), "score", None, gettext_lazy("CSAT, mean score"), ("csat", "answers")),
    Tile("nps", ("nps", "score"), "nps", None, gettext_lazy("NPS"), ("nps", "answers")),
    Tile("ces_mean", ("ces", "mean"), "score", None, gettext_lazy("CES, mean"), ("ces", "answers")),
    Tile("survey_response_rate", ("survey_response_rate",), "rate", None, gettext_lazy("Survey response rate")),
    Tile("complaint_rate", ("complaint_rate",), "rate", "complaints", gettext_lazy("Complaint rate")),
    Tile("return_rate", ("return_rate",), "rate", "returns", gettext_lazy("Return rate")),
    Tile("cost_per_case", ("cost", "per_case"), "money", "cost", gettext_lazy("Cost per case"), ("cost", "cases")),
)
TILE_BY_KEY = {tile.key: tile for tile in TILES}


def _dig(data: dict, path: tuple[str, ...]):
    for step in path:
        if not isinstance(data, dict):
            return None
        data = data.get(step)
    return data


def _label(tile: Tile) -> str:
    return str(kpis.KPI_LABELS.get(tile.key, tile.label))


def _number(value, fmt: str):
    """The figure as a plain number for a chart (rates in percent), or None."""
    if value is None:
        return None
    if fmt == "rate":
        return round(float(value) * 100, 1)
    if fmt == "count":
        return int(value)
    return round(float(value), 2)


def show(value, fmt: str) -> str:
    """The figure as a person reads it, in the page's language."""
    if value is None or value == "":
        return "—"
    if fmt == "count":
        return number_format(int(value), force_grouping=True)
    if fmt == "hours":
        return _("%(hours)s h") % {"hours": number_format(float(value), 1, force_grouping=True)}
    if fmt == "rate":
        return f"{number_format(float(value) * 100, 1)} %"
    if fmt == "money":
        return number_format(Decimal(str(value)), 2, force_grouping=True)
    if fmt == "nps":
        return number_format(float(value), 1)
    return number_format(float(value), 2)


def _target_text(target: dict, fmt: str) -> str:
    return f"{COMPARISON_SIGNS.get(target['comparison'], target['comparison'])} {show(target['target'], fmt)}"


def _tiles(figures: dict, targets: dict[str, dict], drill) -> list[dict]:
    rows = []
    for tile in TILES:
        value = _dig(figures, tile.path)
        target = targets.get(tile.key)
        rows.append(
            {
                "key": tile.key,
                "label": _label(tile),
                "value": show(value, tile.fmt),
                "count": None if tile.count is None else _dig(figures, tile.count),
                "url": drill(tile.drill) if tile.drill and drill else "",
                "target": None
                if target is None
                else {"text": _target_text(target, tile.fmt), "met": target.get("met")},
            }
        )
    return rows


# --- the filters ---------------------------------------------------------------------------------------


def _agent_choices() -> list[tuple[str, str]]:
    users = (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=(AGENT, MANAGER))
        .distinct()
        .order_by("username")
        .only("pk", "username", "first_name", "last_name")
    )
    return [(str(u.pk), u.get_full_name() or u.get_username()) for u in users]


def _product_choices(report: dict | None, current: str) -> list[tuple[str, str]]:
    """The products worth picking: the report's top returned ones and the one chosen (not the catalogue)."""
    seen = {}
    for row in (report or {}).get("returns", {}).get("by_product", []):
        if row.get("product_id") is not None:
            seen[str(row["product_id"])] = f"{row.get('sku', '')} {row.get('name', '')}".strip()
    if current and current not in seen and current.isdigit():
        product = Product.objects.filter(pk=int(current)).only("sku", "name").first()
        if product is not None:
            seen[current] = f"{product.sku} {product.name}"
    return sorted(seen.items(), key=lambda item: item[1])


def _filter_fields(query, report: dict | None) -> list[dict]:
    """Each dimension's select: its name, title, options and the chosen value."""
    options = {
        "channel": Channel.choices,
        "kind": CaseKind.choices,
        "reason": ReasonCode.choices,
        "team": [(str(t.pk), t.name) for t in Team.objects.order_by("name").only("pk", "name")]
        + [(NONE, _("No team"))],
        "agent": _agent_choices() + [(NONE, _("Unassigned"))],
        "product": _product_choices(report, query.get("product", "")) + [(NONE, _("No product"))],
        "tier": CustomerTier.choices,
    }
    return [
        {"name": dim, "title": DIMENSION_LABELS[dim], "options": options[dim], "current": query.get(dim, "")}
        for dim in kpis.DIMENSIONS
    ]


DIMENSION_LABELS = {
    "channel": gettext_lazy("Channel"),
    "kind": gettext_lazy("Kind"),
    "reason": gettext_lazy("Reason"),
    "team": gettext_lazy("Team"),
    "agent": gettext_lazy("Agent"),
    "product": gettext_lazy("Product"),
    "tier": gettext_lazy("Customer tier"),
}


PRESET_LABELS = {
    "last_7": gettext_lazy("Last 7 days"),
    "last_30": gettext_lazy("Last 30 days"),
    "last_90": gettext_lazy("Last 90 days"),
    "this_month": gettext_lazy("This month"),
    "last_month": gettext_lazy("Last month"),
}


def _presets(query) -> list[dict]:
    """Links to the preset periods (``kpis.PRESETS``), keeping the split and the filters."""
    keep = {k: v for k, v in _report_query(query).items() if k not in ("start", "end")}
    return [
        {
            "label": PRESET_LABELS.get(name, name),
            "query": urlencode({**keep, "preset": name}),
            "current": query.get("preset") == name,
        }
        for name in kpis.PRESETS
    ]


def _request_query(req: kpis.ReportRequest) -> dict[str, str]:
    """The parsed request as a query (dates filled in, a preset resolved), for links and drill-downs."""
    query = {"start": req.start.isoformat(), "end": req.end.isoformat()}
    if req.split:
        query["split"] = req.split
    # "" is "no team / unassigned / no product" in a parsed filter; the query spells it "none".
    query.update({k: (v or NONE) for k, v in req.filters.items()})
    return query


# --- the dashboard -------------------------------------------------------------------------------------


def _chart_data(report: dict, query: dict[str, str]) -> dict:
    """What dashboard.js draws: plain arrays per chart, labels already translated, rates in percent."""
    trend = report.get("trend", [])
    backlog = report.get("backlog", {})
    buckets = backlog.get("buckets", [])
    cost = report.get("total", {}).get("cost", {})
    returns = report.get("returns", {})
    defects = report.get("defects", {})
    data = {
        "lang": get_language() or "en",
        "drill": {"url": reverse("dashboard:cases"), "query": query},
        "labels": {
            "created": _("Created"),
            "resolved": _("Resolved"),
            "first_response": _("First response, mean (h)"),
            "resolution": _("Resolution, mean (h)"),
            "return_rate": _("Return rate (%)"),
            "units_returned": _("Units returned"),
            "defect_rate": _("Defect rate (%)"),
            "nodata": _("No data in this period"),
        },
        "trend": {
            "days": [row["day"] for row in trend],
            "created": [row.get("created", 0) for row in trend],
            "resolved": [row.get("resolved", 0) for row in trend],
            "first_response": [_number(row.get("first_response_mean_hours"), "hours") for row in trend],
            "resolution": [_number(row.get("resolution_mean_hours"), "hours") for row in trend],
        },
        "backlog": {
            "buckets": [b["bucket"] for b in buckets],
            "bucket_labels": [str(b.get("label", b["bucket"])) for b in buckets],
            "series": [
                {
                    "status": row["status"],
                    "name": str(row.get("label", row["status"])),
                    "data": [row.get("by_age", {}).get(b["bucket"], 0) for b in buckets],
                }
                for row in backlog.get("by_status", [])
            ],
        },
        "cost": [
            {"key": kind, "name": str(label), "value": float(Decimal(str(cost.get(kind) or "0")))}
            for kind, label in CostKind.choices
        ],
        "returns_by_product": {
            "names": [row.get("sku") or row.get("name") or "" for row in returns.get("by_product", [])],
            "ids": [row.get("product_id") for row in returns.get("by_product", [])],
            "rates": [_number(row.get("return_rate"), "rate") for row in returns.get("by_product", [])],
            "units": [row.get("units_returned", 0) for row in returns.get("by_product", [])],
        },
        "returns_by_category": {
            "names": [row.get("category") or "—" for row in returns.get("by_category", [])],
            "rates": [_number(row.get("return_rate"), "rate") for row in returns.get("by_category", [])],
            "units": [row.get("units_returned", 0) for row in returns.get("by_category", [])],
        },
        "returns_by_reason": {
            "names": [str(row.get("label") or row.get("reason")) for row in returns.get("by_reason", [])],
            "keys": [row.get("reason") for row in returns.get("by_reason", [])],
            "rates": [_number(row.get("return_rate"), "rate") for row in returns.get("by_reason", [])],
            "units": [row.get("units_returned", 0) for row in returns.get("by_reason", [])],
        },
        "defects_by_product": {
            "names": [row.get("sku") or row.get("name") or "" for row in defects.get("by_product", [])],
            "ids": [row.get("product_id") for row in defects.get("by_product", [])],
            "rates": [_number(row.get("defect_rate"), "rate") for row in defects.get("by_product", [])],
        },
        "defects_by_supplier": {
            "names": [row.get("supplier") or "—" for row in defects.get("by_supplier", [])],
            "rates": [_number(row.get("defect_rate"), "rate") for row in defects.get("by_supplier", [])],
        },
        "split": None,
    }
    rows = report.get("rows") or []
    if report.get("split"):
        data["split"] = {
            "dimension": report["split"],
            "rows": [
                {"value": row["value"] or NONE, "label": str(row.get("label") or row["value"] or "—")} for row in rows
            ],
            "metrics": [
                {
                    "key": tile.key,
                    "label": _label(tile),
                    "drill": tile.drill,
                    "percent": tile.fmt == "rate",
                    "values": [_number(_dig(row["kpis"], tile.path), tile.fmt) for row in rows],
                }
                for tile in TILES
            ],
        }
    return data


def _row(row: dict, rate_key: str, url: str = "") -> dict:
    """A returns or defects table row with its rate as text and the link to its cases."""
    return {**row, "rate_text": show(row.get(rate_key), "rate"), "url": url}


def _dashboard_context(request, req: kpis.ReportRequest | None, report: dict | None) -> dict:
    query = _request_query(req) if req else _report_query(request.GET)
    shown = {**_report_query(request.GET), **query}
    drill_url = reverse("dashboard:cases")

    def drill(kpi: str, **extra) -> str:
        return f"{drill_url}?{urlencode({**query, 'kpi': kpi, **extra})}"

    context = {
        "section": "home",
        "query": shown,
        "query_string": urlencode(query),
        "dimensions": [(dim, DIMENSION_LABELS[dim]) for dim in kpis.DIMENSIONS],
        "filters": _filter_fields(shown, report),
        "presets": _presets(shown),
        "report": report,
    }
    if report is None:
        return context
    targets = {t["kpi"]: t for t in report.get("targets", [])}
    backlog = report.get("backlog", {})
    returns, defects = report.get("returns", {}), report.get("defects", {})
    context.update(
        {
            "tiles": _tiles(report["total"], targets, drill),
            "generated_at": datetime.fromisoformat(report["generated_at"]) if report.get("generated_at") else None,
            "backlog_total": backlog.get("total", 0),
            "backlog_url": drill("backlog"),
            "other_targets": [
                {**t, "text": _target_text(t, "score"), "actual_text": show(t.get("actual"), "score")}
                for key, t in targets.items()
                if key not in TILE_BY_KEY
            ],
            "data": _chart_data(report, query),
            "backlog_rows": [
                {
                    "label": row.get("label", row["status"]),
                    "count": row.get("count", 0),
                    "cells": [
                        (row.get("by_age", {}).get(b["bucket"], 0), drill("backlog", bucket=b["bucket"]))
                        for b in backlog.get("buckets", [])
                    ],
                }
                for row in backlog.get("by_status", [])
            ],
            "backlog_buckets": [
                {"label": b.get("label", b["bucket"]), "url": drill("backlog", bucket=b["bucket"])}
                for b in backlog.get("buckets", [])
            ],
            "trend_rows": [
                {
                    **row,
                    "created_url": drill("created", start=row["day"], end=row["day"]),
                    "resolved_url": drill("resolved", start=row["day"], end=row["day"]),
                    "first_response": show(row.get("first_response_mean_hours"), "hours"),
                    "resolution": show(row.get("resolution_mean_hours"), "hours"),
                }
                for row in report.get("trend", [])
            ],
            "cost_rows": [
                (str(label), show(report["total"].get("cost", {}).get(kind), "money"))
                for kind, label in CostKind.choices
            ],
            "cost_total": show(report["total"].get("cost", {}).get("total"), "money"),
            "returns_by_product": [
                _row(row, "return_rate", drill("returns", product=str(row["product_id"])))
                for row in returns.get("by_product", [])
            ],
            "returns_by_category": [_row(row, "return_rate") for row in returns.get("by_category", [])],
            "returns_by_reason": [
                _row(row, "return_rate", drill("returns", reason=row["reason"])) for row in returns.get("by_reason", [])
            ],
            "defects_by_product": [
                _row(row, "defect_rate", drill("returns", product=str(row["product_id"])))
                for row in defects.get("by_product", [])
            ],
            "defects_by_supplier": [_row(row, "defect_rate") for row in defects.get("by_supplier", [])],
            "split_label": DIMENSION_LABELS.get(report.get("split") or "", ""),
            "split_tiles": [(tile.key, _label(tile)) for tile in TILES],
            "split_rows": [
                {
                    "label": row.get("label") or row["value"] or "—",
                    "url": drill("created", value=row["value"] or NONE),
                    "cells": [show(_dig(row["kpis"], tile.path), tile.fmt) for tile in TILES],
                }
                for row in report.get("rows") or []
            ],
        }
    )
    return context


@require_GET
@desk_required
def home(request):
    """The KPI dashboard for a period, filters and an optional split."""
    _require(request, VIEW_DASHBOARD)
    try:
        req = kpis.parse_request(request.GET)
    except kpis.BadRequest as error:
        context = _dashboard_context(request, None, None)
        return render(request, "dashboard/home.html", {**context, "error": _message(error)}, status=400)
    report = kpis.cached_report(req)
    return render(request, "dashboard/home.html", _dashboard_context(request, req, report))


# --- the cases behind a figure ---------------------------------------------------------------------------


def _drill_args(request) -> tuple[str, str | None, str | None]:
    kpi = request.GET.get("kpi", "")
    value = request.GET.get("value") or None  # a split row's value; "none" for unassigned and the like
    bucket = request.GET.get("bucket") or None
    return kpi, value, bucket


@require_GET
@desk_required
def cases(request):
    """The cases behind one figure of the dashboard, newest first, 50 a page."""
    _require(request, VIEW_DASHBOARD)
    kpi, value, bucket = _drill_args(request)
    back = f"{reverse('dashboard:home')}?{urlencode(_report_query(request.GET))}"
    try:
        req = kpis.parse_request(request.GET)
        queryset = kpis.drill_down(req, kpi, value=value, bucket=bucket)
    except kpis.BadRequest as error:
        return render(
            request,
            "dashboard/cases.html",
            {"section": "home", "error": _message(error), "page": None, "back_url": back},
            status=400,
        )
    paginator = Paginator(queryset, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = {**_request_query(req), "kpi": kpi}
    if value is not None:
        query["value"] = value
    if bucket:
        query["bucket"] = bucket
    return render(
        request,
        "dashboard/cases.html",
        {
            "section": "home",
            "page": page,
            "kpi": kpi,
            "kpi_label": DRILL_LABELS.get(kpi, kpi),
            "req": req,
            "value": value,
            "value_label": _value_label(req.split, value),
            "split_label": DIMENSION_LABELS.get(req.split or "", ""),
            "bucket": bucket,
            "bucket_label": next((str(label) for key, label, *_r in kpis.BUCKETS if key == bucket), bucket),
            "filters": [(DIMENSION_LABELS[k], _value_label(k, v)) for k, v in req.filters.items() if v],
            "query_string": urlencode(query),
            "back_url": f"{reverse('dashboard:home')}?{urlencode(_request_query(req))}",
        },
    )


DRILL_LABELS = {
    "created": gettext_lazy("Cases created"),
    "resolved": gettext_lazy("Cases resolved"),
    "first_response": gettext_lazy("Cases with a first response"),
    "fcr": gettext_lazy("Cases resolved at first contact"),
    "reopened": gettext_lazy("Resolved cases later reopened"),
    "sla_first_response_missed": gettext_lazy("Cases that missed the first response target"),
    "sla_resolution_missed": gettext_lazy("Cases that missed the resolution target"),
    "complaints": gettext_lazy("Complaints"),
    "backlog": gettext_lazy("Open cases (backlog)"),
    "returns": gettext_lazy("Returns"),
    "cost": gettext_lazy("Cases with costs"),
}


def _value_label(dim: str | None, value: str | None) -> str:
    """A dimension value as a person reads it (a team's name rather than its id)."""
    if value is None or dim is None:
        return ""
    value = "" if value == NONE else value
    try:
        return kpis.value_labels(dim, [value])[value]
    except (KeyError, ValueError):
        return value


# --- scorecards ------------------------------------------------------------------------------------------


def _period_fields(query) -> dict:
    return {"start": query.get("start", ""), "end": query.get("end", "")}


def _card_row(card: dict) -> dict:
    figures = card.get("kpis") or {}
    return {
        **card,
        "areas": [(card.get("scores", {}).get(area), card.get("weights", {}).get(area)) for area in AREAS],
        "figures": [show(_dig(figures, TILE_BY_KEY[key].path), TILE_BY_KEY[key].fmt) for key in SCORECARD_KPIS],
        "score_text": "—" if card.get("score") is None else number_format(card["score"], 2),
    }


SHOP_ONLY = frozenset({"complaint_rate", "return_rate"})
# The KPIs a scorecard table shows (the rest are on one agent's card).
SCORECARD_KPIS = (
    "cases_resolved",
    "first_response_mean_hours",
    "resolution_mean_hours",
    "first_contact_resolution",
    "reopen_rate",
    "csat_rate",
)


def _weights_from(post) -> dict[str, str]:
    return {area: post.get(f"weight_{area}", "").strip()[:10] for area in AREAS}


def _scorecards_page(request, req, *, error: str = "", status: int = 200, weights: dict | None = None):
    cards = scorecards.scorecards(req) if req is not None else []  # best score first
    settings_ = ScorecardSettings.get_solo()
    current = weights or {area: str(value) for area, value in settings_.weights().items()}
    return render(
        request,
        "dashboard/scorecards.html",
        {
            "section": "scorecards",
            "error": error,
            "rows": [_card_row(card) for card in cards],
            "areas": [(area, scorecards.AREA_LABELS.get(area, area)) for area in AREAS],
            "kpi_headers": [_label(TILE_BY_KEY[key]) for key in SCORECARD_KPIS],
            "weights": [(area, scorecards.AREA_LABELS.get(area, area), current.get(area, "")) for area in AREAS],
            "may_change_weights": request.user.has_perms(CHANGE_WEIGHTS),
            "period": _period_fields(request.GET),
            "req": req,
            "query_string": urlencode(_request_query(req)) if req else "",
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@desk_required
def scorecard_list(request):
    """Managers: every agent's scorecard for the period, and the weights. Agents: their own card."""
    if not request.user.has_perm(VIEW_DASHBOARD):
        if request.method == "GET" and request.user.has_perm(OWN_SCORECARD):
            own = reverse("dashboard:scorecard", args=[request.user.pk])
            return redirect(f"{own}?{request.GET.urlencode()}" if request.GET else own)
        raise PermissionDenied
    try:
        req = kpis.parse_request({k: v for k, v in request.GET.items() if k in ("start", "end")})
    except kpis.BadRequest as error:
        return _scorecards_page(request, None, error=_message(error), status=400)
    if request.method == "POST":
        _require(request, *CHANGE_WEIGHTS)
        raw = _weights_from(request.POST)
        try:
            scorecards.save_weights(weights=raw, actor=request.user)
        except kpis.BadRequest as error:
            return _scorecards_page(request, req, error=_message(error), status=400, weights=raw)
        return redirect(f"{reverse('dashboard:scorecards')}?{request.GET.urlencode()}")
    return _scorecards_page(request, req)


@require_GET
@desk_required
def scorecard(request, agent_id: int):
    """One agent's scorecard: the five areas (radar chart), the KPIs and how each area is scored."""
    if agent_id == request.user.pk:
        if not (request.user.has_perm(OWN_SCORECARD) or request.user.has_perm(VIEW_DASHBOARD)):
            raise PermissionDenied
    else:
        _require(request, VIEW_DASHBOARD)
    agent = get_object_or_404(get_user_model(), pk=agent_id)
    manager = request.user.has_perm(VIEW_DASHBOARD)
    try:
        req = kpis.parse_request({k: v for k, v in request.GET.items() if k in ("start", "end")})
    except kpis.BadRequest as error:
        return render(
            request,
            "dashboard/scorecard.html",
            {"section": "scorecards", "error": _message(error), "agent": agent, "card": None},
            status=400,
        )
    cards = scorecards.scorecards(req, agent_ids=[agent_id])
    if not cards:
        raise Http404
    card = cards[0]
    drill_base = {**_request_query(req), "agent": str(agent_id)}
    drill_url = reverse("dashboard:cases")

    def drill(kpi: str) -> str:
        return f"{drill_url}?{urlencode({**drill_base, 'kpi': kpi})}" if manager else ""

    area_labels = [str(scorecards.AREA_LABELS.get(area, area)) for area in AREAS]
    row = _card_row(card)
    # Complaint and return rates are the shop's (per order, per unit sold), not an agent's.
    tiles = [t for t in _tiles(card.get("kpis") or {}, {}, drill) if t["key"] not in SHOP_ONLY]
    return render(
        request,
        "dashboard/scorecard.html",
        {
            "section": "scorecards",
            "agent": agent,
            "card": row,
            "tiles": tiles,
            "areas": [(label, score, weight) for label, (score, weight) in zip(area_labels, row["areas"], strict=True)],
            "bands": scorecards.explain_bands(),
            "period": _period_fields(request.GET),
            "req": req,
            "manager": manager,
            "data": {
                "lang": get_language() or "en",
                "radar": {
                    "name": card.get("name") or agent.get_username(),
                    "indicators": [{"name": label, "max": 5} for label in area_labels],
                    "values": [card.get("scores", {}).get(area) or 0 for area in AREAS],
                },
            },
        },
    )


# --- KPI targets -----------------------------------------------------------------------------------------

# The KPIs a target makes sense on: the scalar figures kpis.report compares targets with.
TARGET_KPIS = tuple(key for key in kpis.KPI_NAMES if key in TILE_BY_KEY)


class KpiTargetForm(forms.ModelForm):
    kpi = forms.ChoiceField(label=gettext_lazy("KPI"), choices=())

    class Meta:
        model = KpiTarget
        fields = ["kpi", "comparison", "value", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kpi"].choices = [(key, _label(TILE_BY_KEY[key])) for key in TARGET_KPIS]
        self.fields["comparison"].choices = Comparison.choices


def _targets_page(request, *, form=None, edit=None, error: str = "", status: int = 200):
    targets = list(KpiTarget.objects.order_by("kpi"))
    labels = {key: _label(TILE_BY_KEY[key]) for key in TARGET_KPIS}
    may_change = request.user.has_perm("analytics.change_kpitarget")

    def edit_form(target: KpiTarget):
        """The row's edit form: the one just refused (with its errors), else a fresh one."""
        if edit is not None and edit.instance.pk == target.pk:
            return edit
        return KpiTargetForm(instance=target, prefix=f"t{target.pk}") if may_change else None

    return render(
        request,
        "dashboard/targets.html",
        {
            "section": "targets",
            "error": error,
            "rows": [
                {
                    "target": t,
                    "label": labels.get(t.kpi, t.kpi),
                    "text": _target_text(
                        {"comparison": t.comparison, "target": t.value},
                        TILE_BY_KEY[t.kpi].fmt if t.kpi in TILE_BY_KEY else "score",
                    ),
                    "form": edit_form(t),
                    "open": edit is not None and edit.instance.pk == t.pk,
                }
                for t in targets
            ],
            "form": form or KpiTargetForm(),
            "may_add": request.user.has_perm("analytics.add_kpitarget"),
            "may_change": may_change,
            "may_delete": request.user.has_perm("analytics.delete_kpitarget"),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@desk_required
def targets(request):
    """The KPI targets: list them; POST adds one."""
    _require(request, VIEW_DASHBOARD, "analytics.view_kpitarget")
    if request.method == "POST":
        _require(request, "analytics.add_kpitarget")
        form = KpiTargetForm(request.POST)
        if not form.is_valid():
            return _targets_page(request, form=form, error=_("The target was not saved: see below."), status=400)
        form.save()
        return redirect("dashboard:targets")
    return _targets_page(request)


@require_POST
@desk_required
def target_edit(request, pk: int):
    """Change one target."""
    _require(request, VIEW_DASHBOARD, "analytics.change_kpitarget")
    target = get_object_or_404(KpiTarget, pk=pk)
    form = KpiTargetForm(request.POST, instance=target, prefix=f"t{pk}")
    if not form.is_valid():
        target.refresh_from_db()
        return _targets_page(request, edit=form, error=_("The target was not saved: see below."), status=400)
    form.save()
    return redirect("dashboard:targets")


@require_POST
@desk_required
def target_delete(request, pk: int):
    """Delete one target."""
    _require(request, VIEW_DASHBOARD, "analytics.delete_kpitarget")
    get_object_or_404(KpiTarget, pk=pk).delete()
    return redirect("dashboard:targets")


# --- exports (analytics.exports writes the files) -------------------------------------------------------


def _parsed_or_400(request):
    try:
        return kpis.parse_request(request.GET), None
    except kpis.BadRequest as error:
        return None, HttpResponseBadRequest(_message(error), content_type="text/plain; charset=utf-8")


@require_GET
@desk_required
def export_csv(request):
    _require(request, VIEW_DASHBOARD)
    req, refused = _parsed_or_400(request)
    if refused:
        return refused
    return exports.report_csv(req)


@require_GET
@desk_required
def export_xlsx(request):
    _require(request, VIEW_DASHBOARD)
    req, refused = _parsed_or_400(request)
    if refused:
        return refused
    return exports.report_xlsx(req)


@require_GET
@desk_required
def cases_csv(request):
    _require(request, VIEW_DASHBOARD)
    req, refused = _parsed_or_400(request)
    if refused:
        return refused
    kpi, value, bucket = _drill_args(request)
    try:
        return exports.cases_csv(req, kpi, value, bucket)
    except kpis.BadRequest as error:
        return HttpResponseBadRequest(_message(error), content_type="text/plain; charset=utf-8")
