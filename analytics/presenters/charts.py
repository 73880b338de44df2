"""What ``static/dashboard/dashboard.js`` draws: a report shaped into plain arrays per chart, labels
already translated, rates in percent (``chart_data``), embedded in the page with ``json_script``."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from analytics.presenters.figures import NONE, TILES, chart_number, dig, tile_label
from cases.models import CostKind


def chart_data(report: dict, query: dict[str, str]) -> dict:
    """Every chart of the dashboard, from one report; ``query`` is the report's query for drill links."""
    returns = report.get("returns", {})
    defects = report.get("defects", {})
    return {
        "lang": get_language() or "en",
        "drill": {"url": reverse("dashboard:cases"), "query": query},
        "labels": _labels(),
        "trend": _trend(report.get("trend", [])),
        "backlog": _backlog(report.get("backlog", {})),
        "cost": _cost(report.get("total", {}).get("cost", {})),
        "returns_by_product": _by_product(returns.get("by_product", []), "return_rate", units=True),
        "returns_by_category": {
            "names": [row.get("category") or "—" for row in returns.get("by_category", [])],
            "rates": [chart_number(row.get("return_rate"), "rate") for row in returns.get("by_category", [])],
            "units": [row.get("units_returned", 0) for row in returns.get("by_category", [])],
        },
        "returns_by_reason": {
            "names": [str(row.get("label") or row.get("reason")) for row in returns.get("by_reason", [])],
            "keys": [row.get("reason") for row in returns.get("by_reason", [])],
            "rates": [chart_number(row.get("return_rate"), "rate") for row in returns.get("by_reason", [])],
            "units": [row.get("units_returned", 0) for row in returns.get("by_reason", [])],
        },
        "defects_by_product": _by_product(defects.get("by_product", []), "defect_rate", units=False),
        "defects_by_supplier": {
            "names": [row.get("supplier") or "—" for row in defects.get("by_supplier", [])],
            "rates": [chart_number(row.get("defect_rate"), "rate") for row in defects.get("by_supplier", [])],
        },
        "split": _split(report) if report.get("split") else None,
    }


def _labels() -> dict[str, str]:
    return {
        "created": _("Created"),
        "resolved": _("Resolved"),
        "first_response": _("First response, mean (h)"),
        "resolution": _("Resolution, mean (h)"),
        "return_rate": _("Return rate (%)"),
        "units_returned": _("Units returned"),
        "defect_rate": _("Defect rate (%)"),
        "nodata": _("No data in this period"),
    }


def _trend(trend: list[dict]) -> dict:
    return {
        "days": [row["day"] for row in trend],
        "created": [row.get("created", 0) for row in trend],
        "resolved": [row.get("resolved", 0) for row in trend],
        "first_response": [chart_number(row.get("first_response_mean_hours"), "hours") for row in trend],
        "resolution": [chart_number(row.get("resolution_mean_hours"), "hours") for row in trend],
    }


def _backlog(backlog: dict) -> dict:
    buckets = backlog.get("buckets", [])
    return {
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
    }


def _cost(cost: dict) -> list[dict]:
    return [
        {"key": kind, "name": str(label), "value": float(Decimal(str(cost.get(kind) or "0")))}
        for kind, label in CostKind.choices
    ]


def _by_product(rows: list[dict], rate_key: str, *, units: bool) -> dict:
    """A bar chart per product (returns or defects): names, product ids for the drill, rates."""
    chart = {
        "names": [row.get("sku") or row.get("name") or "" for row in rows],
        "ids": [row.get("product_id") for row in rows],
        "rates": [chart_number(row.get(rate_key), "rate") for row in rows],
    }
    if units:
        chart["units"] = [row.get("units_returned", 0) for row in rows]
    return chart


def _split(report: dict) -> dict:
    """The split's rows and, per KPI tile, one value per row."""
    rows = report.get("rows") or []
    return {
        "dimension": report["split"],
        "rows": [
            {"value": row["value"] or NONE, "label": str(row.get("label") or row["value"] or "—")} for row in rows
        ],
        "metrics": [
            {
                "key": tile.key,
                "label": tile_label(tile),
                "drill": tile.drill,
                "percent": tile.fmt == "rate",
                "values": [chart_number(dig(row["kpis"], tile.path), tile.fmt) for row in rows],
            }
            for tile in TILES
        ],
    }
