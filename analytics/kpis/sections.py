"""The parts of a report beyond the KPIs of §5: backlog and aging, returns and defects by product,
category, reason and supplier, the daily trend and the targets compared with the figures.

Each section reads through ``analytics.kpis.sources`` (sealed days from the daily tables, live
days from the facts) and computes its rates with ``analytics.kpis.formulas``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy

from analytics import measures
from analytics.kpi_names import KPI_LABELS
from analytics.kpis.formulas import cost, hours, kpis_of, rate, return_rate, target_met
from analytics.kpis.query import ReportRequest
from analytics.kpis.sources import Plan, by_value, percentiles, product_units, value_labels
from analytics.measures import empty
from analytics.models import KpiTarget
from cases.models import CaseStatus, Product, ReasonCode
from core import clock

# --- backlog and aging ----------------------------------------------------------------------------

BUCKETS = (
    ("lt1d", gettext_lazy("< 1 day"), 0, 1),
    ("1to3d", gettext_lazy("1–3 days"), 1, 3),
    ("3to7d", gettext_lazy("3–7 days"), 3, 7),
    ("7to14d", gettext_lazy("7–14 days"), 7, 14),
    ("gt14d", gettext_lazy("> 14 days"), 14, None),
)


def bucket_q(column: str, low: int, high: int | None, now) -> Q:
    q = Q(**{f"{column}__lte": now - timedelta(days=low)})
    if high is not None:
        q &= Q(**{f"{column}__gt": now - timedelta(days=high)})
    return q


def backlog(plan: Plan, req: ReportRequest) -> dict:
    """Backlog and aging: the cases open now, by status and by age (now − created) bucket."""
    src = plan.facts
    now = clock.now()
    created = src.col("created_at")
    rows = (
        src.queryset(req.filters)
        .filter(**{src.col("is_open"): True})
        .values(src.col("status"))
        .annotate(**{b: Count("pk", filter=bucket_q(created, lo, hi, now)) for b, _l, lo, hi in BUCKETS})
        .order_by()
    )
    labels = dict(CaseStatus.choices)
    order = {status: n for n, status in enumerate(CaseStatus.values)}
    by_status = sorted(
        (
            {
                "status": row[src.col("status")],
                "label": str(labels.get(row[src.col("status")], row[src.col("status")])),
                "count": sum(row[b] for b, *_ in BUCKETS),
                "by_age": {b: row[b] for b, *_ in BUCKETS},
            }
            for row in rows
        ),
        key=lambda r: order.get(r["status"], 99),
    )
    return {
        "total": sum(r["count"] for r in by_status),
        "buckets": [{"bucket": b, "label": str(label)} for b, label, *_ in BUCKETS],
        "by_status": by_status,
    }


# --- returns and defects --------------------------------------------------------------------------


def returns_and_defects(plan: Plan, req: ReportRequest) -> tuple[dict, dict, tuple[int, int]]:
    """The returns section (by product, category and reason), the defects section (by product and
    supplier) and the shop's (units returned, units sold) for the return rate."""
    sold, returned, by_reason = _units(product_units(plan, req))
    products = {
        p["pk"]: p
        for p in Product.objects.filter(pk__in=set(sold) | set(returned)).values(
            "pk", "sku", "name", "category", "supplier"
        )
    }
    total_sold = sum(sold.values())
    total_returned = sum(r["units_returned"] for r in returned.values())
    returns = _returns(sold, returned, by_reason, products, total_sold)
    return returns, _defects(returned, products), (total_returned, total_sold)


def _units(per: dict[tuple[int, str], dict]) -> tuple[dict[int, int], dict[int, dict], dict[str, int]]:
    """Units sold per product, returned and inspected per product, units returned per reason."""
    sold: dict[int, int] = defaultdict(int)
    returned: dict[int, dict] = defaultdict(lambda: dict.fromkeys(measures.PRODUCT_COUNTS, 0))
    by_reason: dict[str, int] = defaultdict(int)
    for (product_id, reason), values in per.items():
        sold[product_id] += values["units_sold"]
        if reason:
            by_reason[reason] += values["units_returned"]
            for name in measures.PRODUCT_COUNTS:
                returned[product_id][name] += values[name]
    return sold, returned, by_reason


def _returns(
    sold: dict[int, int], returned: dict[int, dict], by_reason: dict[str, int], products: dict, total_sold: int
) -> dict:
    by_product: list[dict[str, Any]] = sorted(
        (
            {
                "product_id": pk,
                "sku": products.get(pk, {}).get("sku", ""),
                "name": products.get(pk, {}).get("name", ""),
                "category": products.get(pk, {}).get("category", ""),
                "supplier": products.get(pk, {}).get("supplier", ""),
                "units_sold": sold.get(pk, 0),
                "units_returned": returned[pk]["units_returned"] if pk in returned else 0,
                "return_rate": return_rate(returned[pk]["units_returned"] if pk in returned else 0, sold.get(pk, 0)),
            }
            for pk in set(sold) | set(returned)
        ),
        key=lambda r: (-r["units_returned"], -(r["return_rate"] or 0), r["sku"]),
    )
    categories: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in by_product:
        categories[row["category"]][0] += row["units_sold"]
        categories[row["category"]][1] += row["units_returned"]
    reason_names = dict(ReasonCode.choices)
    by_category: list[dict[str, Any]] = [
        {"category": c, "units_sold": s, "units_returned": r, "return_rate": return_rate(r, s)}
        for c, (s, r) in categories.items()
    ]
    reasons: list[dict[str, Any]] = [
        {
            "reason": reason,
            "label": str(reason_names.get(reason, reason)),
            "units_returned": units,
            "return_rate": return_rate(units, total_sold),
        }
        for reason, units in by_reason.items()
    ]
    returns = {
        "by_product": by_product[:20],
        "by_category": sorted(by_category, key=lambda r: (-r["units_returned"], r["category"])),
        "by_reason": sorted(reasons, key=lambda r: (-r["units_returned"], r["reason"])),
    }
    return returns


def _defects(returned: dict[int, dict], products: dict) -> dict:
    defect_rows = []
    suppliers: dict[str, dict] = defaultdict(
        lambda: {"inspected": 0, "defective": 0, "scrap": 0, "return_to_supplier": 0}
    )
    for pk, values in returned.items():
        if not values["lines_inspected"]:
            continue
        info = products.get(pk, {})
        defective = values["grade_c"] + values["grade_d"]
        defect_rows.append(
            {
                "product_id": pk,
                "sku": info.get("sku", ""),
                "name": info.get("name", ""),
                "supplier": info.get("supplier", ""),
                "inspected": values["lines_inspected"],
                **{name: values[name] for name in measures.PRODUCT_COUNTS[2:]},
                "defect_rate": rate(defective, values["lines_inspected"]),
            }
        )
        s = suppliers[info.get("supplier", "")]
        s["inspected"] += values["lines_inspected"]
        s["defective"] += defective
        s["scrap"] += values["scrap"]
        s["return_to_supplier"] += values["return_to_supplier"]
    return {
        "by_product": sorted(defect_rows, key=lambda r: (-(r["grade_c"] + r["grade_d"]), r["sku"]))[:20],
        "by_supplier": sorted(
            (
                {"supplier": name, **v, "defect_rate": rate(v["defective"], v["inspected"])}
                for name, v in suppliers.items()
            ),
            key=lambda r: (-r["defective"], r["supplier"]),
        ),
    }


def all_products(plan: Plan, req: ReportRequest) -> list[dict]:
    """(units returned, units sold) of every product, for a report split by product."""
    per = product_units(plan, req)
    units: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for (pk, reason), values in per.items():
        units[pk][0] += values["units_returned"] if reason else 0
        units[pk][1] += values["units_sold"]
    return [{"product_id": pk, "units_returned": r, "units_sold": s} for pk, (r, s) in units.items()]


# --- the split rows, the trend, the targets -------------------------------------------------------


def split_rows(plan: Plan, req: ReportRequest, split: str, live: dict, orders: int) -> list[dict]:
    """Every KPI per value of ``split`` (the request's; ``live`` as from ``live_measures(plan, req,
    split)``), most cases created first."""
    per_value = by_value(plan, req, split, live)
    fr = percentiles(plan, req, "first_response", split)
    res = percentiles(plan, req, "resolution_time", split)
    labels = value_labels(split, list(per_value))
    product_units_sold = (
        {str(r["product_id"]): (r["units_returned"], r["units_sold"]) for r in all_products(plan, req)}
        if split == "product"
        else {}
    )
    rows: list[dict[str, Any]] = []
    for value, values in per_value.items():
        kpis = kpis_of(
            values,
            fr=fr.get(value, (None, None)),
            res=res.get(value, (None, None)),
            orders=orders,
            returned_sold=product_units_sold.get(value),
        )
        rows.append({"value": value, "label": labels[value], "kpis": kpis})
    rows.sort(key=lambda r: (-r["kpis"]["cases_created"], r["label"]))
    return rows


def trend(req: ReportRequest, days: dict[date, dict]) -> list[dict]:
    """One row per day of the period: cases created and resolved, mean times, CSAT, costs."""
    rows = []
    for n in range((req.end - req.start).days + 1):
        day = req.start + timedelta(days=n)
        m = days.get(day) or empty()
        c = cost(m)
        rows.append(
            {
                "day": day.isoformat(),
                "created": m["created"],
                "resolved": m["resolved"],
                "first_response_mean_hours": hours(m["fr_seconds"] / m["fr_count"]) if m["fr_count"] else None,
                "resolution_mean_hours": hours(m["resolution_seconds"] / m["resolved"]) if m["resolved"] else None,
                "csat_rate": rate(m["csat_satisfied"], m["csat_n"]),
                "cost_total": c["total"],
            }
        )
    return rows


def targets(figures: dict[str, float | None]) -> list[dict]:
    """The active targets, each with the figure it is compared with and whether it is met."""
    return [
        {
            "kpi": t.kpi,
            "label": str(KPI_LABELS.get(t.kpi, t.kpi)),
            "comparison": t.comparison,
            "target": float(t.value),
            "actual": figures.get(t.kpi),
            "met": target_met(t.comparison, figures.get(t.kpi), t.value),
        }
        for t in KpiTarget.objects.filter(active=True).order_by("kpi")
    ]
