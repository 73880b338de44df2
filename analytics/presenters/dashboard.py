"""The dashboard page and the cases behind a figure, as the templates read them: a report (from
``analytics.kpis``) shaped into tiles, tables with their drill-down links, the filter selects and the
preset links; the charts' data comes from ``analytics.presenters.charts``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from analytics import kpis
from analytics.presenters.charts import chart_data
from analytics.presenters.figures import (
    DIMENSION_LABELS,
    DRILL_LABELS,
    NONE,
    PRESET_LABELS,
    TILE_BY_KEY,
    TILES,
    dig,
    show,
    target_text,
    tile_label,
    tiles,
    value_label,
)
from cases.models import CaseKind, Channel, ComplaintCategory, CostKind, CustomerTier, Product, ReasonCode, Team
from core.roles import AGENT, MANAGER

# The query keys of a report (kpis.parse_request reads them); the drill-down adds kpi/value/bucket.
REPORT_KEYS = ("start", "end", "preset", "split", *kpis.DIMENSIONS)

Drill = Callable[..., str]


def report_query(query: Mapping[str, str]) -> dict[str, str]:
    """The report's part of a query string, empty values left out (links keep only what was chosen)."""
    return {key: query[key] for key in REPORT_KEYS if query.get(key)}


def request_query(req: kpis.ReportRequest) -> dict[str, str]:
    """The parsed request as a query (dates filled in, a preset resolved), for links and drill-downs."""
    query = {"start": req.start.isoformat(), "end": req.end.isoformat()}
    if req.split:
        query["split"] = req.split
    # "" is "no team / unassigned / no product" in a parsed filter; the query spells it "none".
    query.update({k: (v or NONE) for k, v in req.filters.items()})
    return query


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
        "complaint_category": ComplaintCategory.choices,
    }
    return [
        {"name": dim, "title": DIMENSION_LABELS[dim], "options": options[dim], "current": query.get(dim, "")}
        for dim in kpis.DIMENSIONS
    ]


def _presets(query) -> list[dict]:
    """Links to the preset periods (``kpis.PRESETS``), keeping the split and the filters."""
    keep = {k: v for k, v in report_query(query).items() if k not in ("start", "end")}
    return [
        {
            "label": PRESET_LABELS.get(name, name),
            "query": urlencode({**keep, "preset": name}),
            "current": query.get("preset") == name,
        }
        for name in kpis.PRESETS
    ]


def _row(row: dict, rate_key: str, url: str = "") -> dict:
    """A returns or defects table row with its rate as text and the link to its cases."""
    return {**row, "rate_text": show(row.get(rate_key), "rate"), "url": url}


# --- the dashboard page --------------------------------------------------------------------------------


def dashboard_context(get: Mapping[str, str], req: kpis.ReportRequest | None, report: dict | None) -> dict:
    """The dashboard page for the query ``get``: the period, filters and presets, and with a report
    (``req`` parsed from ``get``) its tiles, charts and tables; without one (a refused query) only the form."""
    query = request_query(req) if req else report_query(get)
    shown = {**report_query(get), **query}
    drill_url = reverse("dashboard:cases")

    def drill(kpi: str, **extra) -> str:
        return f"{drill_url}?{urlencode({**query, 'kpi': kpi, **extra})}"

    context: dict[str, Any] = {
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
    context.update(
        {
            "tiles": tiles(report["total"], targets, drill),
            "generated_at": datetime.fromisoformat(report["generated_at"]) if report.get("generated_at") else None,
            "other_targets": [
                {**t, "text": target_text(t, "score"), "actual_text": show(t.get("actual"), "score")}
                for key, t in targets.items()
                if key not in TILE_BY_KEY
            ],
            "data": chart_data(report, query),
            **_backlog_tables(report.get("backlog", {}), drill),
            "trend_rows": _trend_rows(report.get("trend", []), drill),
            "cost_rows": [
                (str(label), show(report["total"].get("cost", {}).get(kind), "money"))
                for kind, label in CostKind.choices
            ],
            "cost_total": show(report["total"].get("cost", {}).get("total"), "money"),
            **_returns_tables(report.get("returns", {}), report.get("defects", {}), drill),
            **_split_table(report, drill),
        }
    )
    return context


def _backlog_tables(backlog: dict, drill: Drill) -> dict:
    """The backlog's total and its status × age table, each cell linking to its cases."""
    return {
        "backlog_total": backlog.get("total", 0),
        "backlog_url": drill("backlog"),
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
    }


def _trend_rows(trend: list[dict], drill: Drill) -> list[dict]:
    """The daily table: each day's created and resolved cases link to those cases."""
    return [
        {
            **row,
            "created_url": drill("created", start=row["day"], end=row["day"]),
            "resolved_url": drill("resolved", start=row["day"], end=row["day"]),
            "first_response": show(row.get("first_response_mean_hours"), "hours"),
            "resolution": show(row.get("resolution_mean_hours"), "hours"),
        }
        for row in trend
    ]


def _returns_tables(returns: dict, defects: dict, drill: Drill) -> dict:
    """The returns and defects tables, a product's or reason's row linking to its returns."""
    return {
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
    }


def _split_table(report: dict, drill: Drill) -> dict:
    """The split's table: one row per value (linking to its cases), one column per tile."""
    return {
        "split_label": DIMENSION_LABELS.get(report.get("split") or "", ""),
        "split_tiles": [(tile.key, tile_label(tile)) for tile in TILES],
        "split_rows": [
            {
                "label": row.get("label") or row["value"] or "—",
                "url": drill("created", value=row["value"] or NONE),
                "cells": [show(dig(row["kpis"], tile.path), tile.fmt) for tile in TILES],
            }
            for row in report.get("rows") or []
        ],
    }


# --- the cases behind a figure ---------------------------------------------------------------------------


def drill_args(get: Mapping[str, str]) -> tuple[str, str | None, str | None]:
    """The figure (``kpi``), the split row's ``value`` ("none" for unassigned and the like), the ``bucket``."""
    kpi = get.get("kpi", "")
    value = get.get("value") or None
    bucket = get.get("bucket") or None
    return kpi, value, bucket


def back_url(get: Mapping[str, str]) -> str:
    """The dashboard with the query's report (the way back from a refused drill-down)."""
    return f"{reverse('dashboard:home')}?{urlencode(report_query(get))}"


def cases_context(get: Mapping[str, str], req: kpis.ReportRequest, page) -> dict:
    """The page of cases behind one figure: what the figure is, its split value, bucket and filters."""
    kpi, value, bucket = drill_args(get)
    query = {**request_query(req), "kpi": kpi}
    if value is not None:
        query["value"] = value
    if bucket:
        query["bucket"] = bucket
    return {
        "section": "home",
        "page": page,
        "kpi": kpi,
        "kpi_label": DRILL_LABELS.get(kpi, kpi),
        "req": req,
        "value": value,
        "value_label": value_label(req.split, value),
        "split_label": DIMENSION_LABELS.get(req.split or "", ""),
        "bucket": bucket,
        "bucket_label": next((str(label) for key, label, *_r in kpis.BUCKETS if key == bucket), bucket),
        "filters": [(DIMENSION_LABELS[k], value_label(k, v)) for k, v in req.filters.items() if v],
        "query_string": urlencode(query),
        "back_url": f"{reverse('dashboard:home')}?{urlencode(request_query(req))}",
    }
