"""The KPIs of DESIGN.md §5: one definition each, used by the dashboard, the API and the exports.

A report covers a range of local days (``settings.TIME_ZONE``), and each KPI selects its rows by
the day *its own event* happened: first response time by the day of the first agent reply,
resolution time, first-contact resolution and reopen rate by the day of resolution, SLA compliance
by the day the target fell due, survey KPIs by the day of the answer (response rate: the day the
invitation was sent), complaint rate and cost per case by the day the case was created, return
rate by the day the order was placed (units sold) and the day the return was opened (units
returned). Every KPI can be split by one dimension and filtered by any (``measures.DIMENSIONS``).

Where the figures come from (``report(source=…)``):

- ``"rollup"`` (the default): the daily tables for the days the refresh has sealed, blended with a
  live aggregation of ``CaseFact`` for the days after (today); with filters, ``CaseFact`` directly.
  Medians and p90s are always computed exactly over ``CaseFact`` (indexed by day).
- ``"live"``: everything recomputed from the raw rows (cases, events, clocks, costs, lines,
  answers, orders); the reference the rollups are tested against, and the benchmarks' baseline.

Rates are fractions (0–1) and ``None`` when their denominator is 0; times are hours; money is a
string with two decimals, in the shop's currency (one currency is assumed).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from analytics import measures
from analytics.facts import COST_COLUMNS, reporting_zone
from analytics.measures import DIMENSIONS, FACT_COLUMN, MEASURES, Source, add_into, empty, match, rows_of
from analytics.models import DailyOrderStat, DailyProductStat, DailyStat, KpiTarget, RollupState
from analytics.rollups import local_today
from cases.models import Case, CaseKind, CaseStatus, Channel, CustomerTier, Product, ReasonCode, Team
from core import clock

MAX_DAYS = 1100
CENT = Decimal("0.01")


class BadRequest(ValueError):
    """A report request that cannot be answered; ``message`` says what to change."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class ReportRequest:
    start: date
    end: date
    split: str | None = None
    filters: dict[str, str] = field(default_factory=dict)

    @property
    def days(self) -> tuple[date, date]:
        return (self.start, self.end)


# --- the definitions ------------------------------------------------------------------------------


def rate(numerator: int, denominator: int) -> float | None:
    return None if not denominator else numerator / denominator


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 4)


def duration(count: int, total_seconds: int, p50: float | None, p90: float | None) -> dict:
    """A duration KPI: mean = Σ seconds ÷ count; median and p90 by linear interpolation
    (``percentile_cont``) over the individual cases; all in hours."""
    return {
        "count": count,
        "mean_hours": _hours(total_seconds / count) if count else None,
        "median_hours": _hours(p50) if count else None,
        "p90_hours": _hours(p90) if count else None,
    }


def first_response(m: dict, p: tuple) -> dict:
    """First response time: created → first public reply by an agent (wall clock), over the cases
    whose first agent reply fell in the period."""
    return duration(m["fr_count"], m["fr_seconds"], *p)


def resolution_time(m: dict, p: tuple) -> dict:
    """Resolution time: created → resolved (wall clock, the latest resolution), over the cases
    resolved in the period that are resolved or closed now."""
    return duration(m["resolved"], m["resolution_seconds"], *p)


def first_contact_resolution(m: dict) -> float | None:
    """FCR = resolved cases never reopened and with at most one public agent reply ÷ resolved cases."""
    return rate(m["fcr"], m["resolved"])


def resolution_rate(m: dict) -> float | None:
    """Resolution rate = cases created in the period that are resolved or closed ÷ cases created."""
    return rate(m["created_resolved"], m["created"])


def reopen_rate(m: dict) -> float | None:
    """Reopen rate = cases resolved in the period that had been reopened ÷ cases resolved."""
    return rate(m["reopened"], m["resolved"])


def sla_first_response(m: dict) -> float | None:
    """SLA compliance (first response) = first-response targets met ÷ targets due in the period
    (a target counts once decided: met when its clock stopped unbreached, missed when breached)."""
    return rate(m["fr_met"], m["fr_due"])


def sla_resolution(m: dict) -> float | None:
    """SLA compliance (resolution) = resolution targets met ÷ resolution targets due in the period."""
    return rate(m["res_met"], m["res_due"])


def csat(m: dict) -> dict:
    """CSAT = answers of 4 or 5 ÷ all CSAT answers (scale 1–5); mean = Σ score ÷ answers."""
    n = m["csat_n"]
    return {"answers": n, "rate": rate(m["csat_satisfied"], n), "mean": round(m["csat_sum"] / n, 4) if n else None}


def nps(m: dict) -> dict:
    """NPS = % answers 9–10 − % answers 0–6 (scale 0–10), from −100 to 100."""
    n = m["nps_n"]
    score = round(100 * (m["nps_promoters"] - m["nps_detractors"]) / n, 4) if n else None
    return {"answers": n, "score": score}


def ces(m: dict) -> dict:
    """CES = mean of the answers (scale 1–7, lower is easier)."""
    n = m["ces_n"]
    return {"answers": n, "mean": round(m["ces_sum"] / n, 4) if n else None}


def survey_response_rate(m: dict) -> float | None:
    """Survey response rate = invitations sent in the period that were answered ÷ invitations sent."""
    return rate(m["invited_answered"], m["invited"])


def complaint_rate(m: dict, orders: int) -> float | None:
    """Complaint rate = complaint cases created ÷ orders placed in the period (all orders, also in
    a split: a row's share of the shop's rate)."""
    return rate(m["complaints"], orders)


def return_rate(returned: int, sold: int) -> float | None:
    """Return rate = units returned (lines of return and exchange cases not rejected or cancelled,
    by the day the case was opened) ÷ units sold (by the day the order was placed)."""
    return rate(returned, sold)


def cost(m: dict) -> dict:
    """Cost per case = (refunds + compensation + shipping out + shipping back + repair + handling)
    of the cases created in the period ÷ those cases."""
    parts = {column.removeprefix("cost_"): Decimal(m[column]) for column in COST_COLUMNS}
    total = sum(parts.values(), Decimal("0"))
    cases = m["created"]
    return {
        "cases": cases,
        "total": str(total.quantize(CENT)),
        "per_case": str((total / cases).quantize(CENT)) if cases else None,
        **{name: str(value.quantize(CENT)) for name, value in parts.items()},
    }


def kpis_of(m: dict, *, fr: tuple, res: tuple, orders: int, returned_sold: tuple[int, int] | None) -> dict:
    """Every KPI from one set of measures (and the percentiles, orders and units that go with it)."""
    return {
        "cases_created": m["created"],
        "cases_resolved": m["resolved"],
        "first_response": first_response(m, fr),
        "resolution_time": resolution_time(m, res),
        "first_contact_resolution": first_contact_resolution(m),
        "resolution_rate": resolution_rate(m),
        "reopen_rate": reopen_rate(m),
        "sla_first_response": sla_first_response(m),
        "sla_resolution": sla_resolution(m),
        "csat": csat(m),
        "nps": nps(m),
        "ces": ces(m),
        "survey_response_rate": survey_response_rate(m),
        "complaint_rate": complaint_rate(m, orders),
        "return_rate": return_rate(*returned_sold) if returned_sold else None,
        "cost": cost(m),
    }


# The scalar figures a target can be set on, with their labels.
KPI_LABELS = {
    "first_response_mean_hours": gettext_lazy("First response time, mean (hours)"),
    "first_response_median_hours": gettext_lazy("First response time, median (hours)"),
    "first_response_p90_hours": gettext_lazy("First response time, p90 (hours)"),
    "resolution_mean_hours": gettext_lazy("Resolution time, mean (hours)"),
    "resolution_median_hours": gettext_lazy("Resolution time, median (hours)"),
    "resolution_p90_hours": gettext_lazy("Resolution time, p90 (hours)"),
    "first_contact_resolution": gettext_lazy("First-contact resolution"),
    "resolution_rate": gettext_lazy("Resolution rate"),
    "reopen_rate": gettext_lazy("Reopen rate"),
    "sla_first_response": gettext_lazy("SLA compliance, first response"),
    "sla_resolution": gettext_lazy("SLA compliance, resolution"),
    "csat_rate": gettext_lazy("CSAT (share of 4 and 5)"),
    "csat_mean": gettext_lazy("CSAT, mean score"),
    "nps": gettext_lazy("NPS"),
    "ces_mean": gettext_lazy("CES, mean (lower is easier)"),
    "survey_response_rate": gettext_lazy("Survey response rate"),
    "complaint_rate": gettext_lazy("Complaint rate"),
    "return_rate": gettext_lazy("Return rate"),
    "cost_per_case": gettext_lazy("Cost per case"),
}
KPI_NAMES = tuple(KPI_LABELS)


def flat(k: dict) -> dict[str, float | None]:
    """The scalar figures of a KPIS dict, by the names of ``KPI_LABELS``."""
    return {
        "first_response_mean_hours": k["first_response"]["mean_hours"],
        "first_response_median_hours": k["first_response"]["median_hours"],
        "first_response_p90_hours": k["first_response"]["p90_hours"],
        "resolution_mean_hours": k["resolution_time"]["mean_hours"],
        "resolution_median_hours": k["resolution_time"]["median_hours"],
        "resolution_p90_hours": k["resolution_time"]["p90_hours"],
        "first_contact_resolution": k["first_contact_resolution"],
        "resolution_rate": k["resolution_rate"],
        "reopen_rate": k["reopen_rate"],
        "sla_first_response": k["sla_first_response"],
        "sla_resolution": k["sla_resolution"],
        "csat_rate": k["csat"]["rate"],
        "csat_mean": k["csat"]["mean"],
        "nps": k["nps"]["score"],
        "ces_mean": k["ces"]["mean"],
        "survey_response_rate": k["survey_response_rate"],
        "complaint_rate": k["complaint_rate"],
        "return_rate": k["return_rate"],
        "cost_per_case": None if k["cost"]["per_case"] is None else float(k["cost"]["per_case"]),
    }


def target_met(comparison: str, actual: float | None, target: Decimal) -> bool | None:
    if actual is None:
        return None
    value = float(target)
    return {
        "le": actual <= value,
        "ge": actual >= value,
        "lt": actual < value,
        "gt": actual > value,
    }[comparison]


# --- parsing a request ----------------------------------------------------------------------------

PRESETS = ("last_7", "last_30", "last_90", "this_month", "last_month")


def _preset(name: str, today: date) -> tuple[date, date]:
    if name.startswith("last_") and name[5:].isdigit():
        return today - timedelta(days=int(name[5:]) - 1), today
    first = today.replace(day=1)
    if name == "this_month":
        return first, today
    last_month_end = first - timedelta(days=1)
    return last_month_end.replace(day=1), last_month_end


def _choices(dim: str) -> set[str] | None:
    return {
        "channel": set(Channel.values),
        "kind": set(CaseKind.values),
        "reason": set(ReasonCode.values),
        "tier": set(CustomerTier.values),
    }.get(dim)


def _date(query: Mapping[str, str], name: str) -> date | None:
    text = (query.get(name) or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequest(
            _("%(field)s must be a date written YYYY-MM-DD, not %(value)r.") % {"field": name, "value": text[:40]},
            name,
        ) from None


def parse_request(query: Mapping[str, str]) -> ReportRequest:
    """A report request from query parameters: ``start``, ``end`` (YYYY-MM-DD, inclusive) or
    ``preset``; ``split``; one filter per dimension (``none`` selects no team / agent / product)."""
    today = local_today()
    preset = (query.get("preset") or "").strip()
    if preset:
        if preset not in PRESETS:
            raise BadRequest(
                _("Unknown period %(value)r: use one of %(names)s.")
                % {"value": preset[:40], "names": ", ".join(PRESETS)},
                "preset",
            )
        start, end = _preset(preset, today)
    else:
        end = _date(query, "end") or today
        start = _date(query, "start") or end - timedelta(days=29)
    if start > end:
        raise BadRequest(_("The period starts after it ends: swap start and end."), "start")
    if (end - start).days + 1 > MAX_DAYS:
        raise BadRequest(_("The period is too long: choose at most %(n)s days.") % {"n": MAX_DAYS}, "start")
    split = (query.get("split") or "").strip() or None
    if split is not None and split not in DIMENSIONS:
        raise BadRequest(
            _("Cannot split by %(value)r: use one of %(names)s.")
            % {"value": split[:40], "names": ", ".join(DIMENSIONS)},
            "split",
        )
    filters: dict[str, str] = {}
    for dim in DIMENSIONS:
        value = (query.get(dim) or "").strip()
        if not value:
            continue
        allowed = _choices(dim)
        if allowed is not None:
            if value not in allowed:
                raise BadRequest(_("Unknown %(field)s %(value)r.") % {"field": dim, "value": value[:40]}, dim)
        elif value == "none":
            value = ""
        elif not value.isdigit() or len(value) > 18:
            raise BadRequest(
                _("%(field)s must be an id number or 'none', not %(value)r.") % {"field": dim, "value": value[:40]}, dim
            )
        filters[dim] = value
    return ReportRequest(start=start, end=end, split=split, filters=filters)


# --- reading the measures -------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """Which days come from the daily tables (``sealed``) and which are computed from facts."""

    source: str
    sealed: tuple[date, date] | None
    live: tuple[date, date] | None

    @classmethod
    def of(cls, req: ReportRequest, source: str) -> Plan:
        if source == "live" or req.filters:
            return cls(source, None, req.days)
        through = RollupState.get_solo().sealed_through
        if through is None or through < req.start:
            return cls(source, None, req.days)
        if through >= req.end:
            return cls(source, req.days, None)
        return cls(source, (req.start, through), (through + timedelta(days=1), req.end))

    @property
    def facts(self) -> Source:
        return Source.raw() if self.source == "live" else Source.facts()


MEASURE_SUMS = {name: measures.measure_sum(name) for name in MEASURES}


def live_measures(plan: Plan, req: ReportRequest, dim: str = "all") -> dict[tuple[date, str], dict]:
    """The measures of the plan's live days per (day, value of ``dim``); {} when every day is sealed.

    Every case (answer, invitation) has exactly one value of a dimension, so the rows of one split
    also sum to the day's totals: a report with a split computes its live part once, for both."""
    return measures.all_measures(plan.facts, days=plan.live, dim=dim, filters=req.filters) if plan.live else {}


def by_day(plan: Plan, req: ReportRequest, live: dict | None = None) -> dict[date, dict]:
    """Measures per day: sealed days from the daily rows, live days from ``live`` (any split) or computed."""
    out: dict[date, dict] = defaultdict(empty)
    if plan.sealed:
        rows = DailyStat.objects.filter(dim="all", day__gte=plan.sealed[0], day__lte=plan.sealed[1]).values(
            "day", *MEASURES
        )
        for row in rows_of(rows):
            add_into(out[row["day"]], row)
    for (day, _value), values in (live_measures(plan, req) if live is None else live).items():
        add_into(out[day], values)
    return out


def by_value(plan: Plan, req: ReportRequest, dim: str, live: dict | None = None) -> dict[str, dict]:
    """Measures per value of ``dim`` over the period; ``live`` as from ``live_measures(plan, req, dim)``."""
    out: dict[str, dict] = defaultdict(empty)
    if plan.sealed:
        rows = (
            DailyStat.objects.filter(dim=dim, day__gte=plan.sealed[0], day__lte=plan.sealed[1])
            .values("value")
            .annotate(**MEASURE_SUMS)
        )
        for row in rows_of(rows):
            add_into(out[row["value"]], row)
    for (_day, value), values in (live_measures(plan, req, dim) if live is None else live).items():
        add_into(out[value], values)
    return out


def orders_in(plan: Plan) -> int:
    total = 0
    if plan.sealed:
        total += (
            DailyOrderStat.objects.filter(day__gte=plan.sealed[0], day__lte=plan.sealed[1]).aggregate(n=Sum("orders"))[
                "n"
            ]
            or 0
        )
    if plan.live:
        total += sum(measures.orders_placed(days=plan.live).values())
    return total


PRODUCT_SUMS = {name: measures.measure_sum(name) for name in ("units_sold", *measures.PRODUCT_COUNTS)}


def _products(plan: Plan, req: ReportRequest) -> dict[tuple[int, str], dict]:
    """Per (product, reason): units returned and inspected; per (product, ""): units sold."""
    out: dict[tuple[int, str], dict] = defaultdict(lambda: dict.fromkeys(PRODUCT_SUMS, 0))
    if plan.sealed:
        rows = (
            DailyProductStat.objects.filter(day__gte=plan.sealed[0], day__lte=plan.sealed[1])
            .values("product_id", "reason")
            .annotate(**PRODUCT_SUMS)
        )
        for row in rows_of(rows):
            target = out[(row["product_id"], row["reason"])]
            for name in PRODUCT_SUMS:
                target[name] += row[name] or 0
    if plan.live:
        for line in measures.returned_lines(days=plan.live, filters=req.filters):
            target = out[(line["order_line__product_id"], line["case__reason_code"])]
            for name in measures.PRODUCT_COUNTS:
                target[name] += line[name] or 0
        product = req.filters.get("product")
        for sale in measures.units_sold(days=plan.live, product=product or None):
            out[(sale["product_id"], "")]["units_sold"] += sale["units"] or 0
    return out


def percentiles(plan: Plan, req: ReportRequest, kpi: str, dim: str) -> dict[str, tuple]:
    return measures.duration_percentiles(plan.facts, kpi=kpi, days=req.days, dim=dim, filters=req.filters)


# --- labels of dimension values -------------------------------------------------------------------


def value_labels(dim: str, values) -> dict[str, str]:
    """What a person reads for each value of a dimension."""
    choices = {"channel": Channel, "kind": CaseKind, "reason": ReasonCode, "tier": CustomerTier}.get(dim)
    if choices is not None:
        names = dict(choices.choices)
        return {v: str(names.get(v, v)) for v in values}
    ids = [int(v) for v in values if v]
    if dim == "team":
        names = dict(Team.objects.filter(pk__in=ids).values_list("pk", "name"))
    elif dim == "agent":
        from django.contrib.auth import get_user_model

        users = get_user_model().objects.filter(pk__in=ids)
        names = {u.pk: (u.get_full_name() or u.get_username()) for u in users}
    else:
        names = {p.pk: f"{p.sku} {p.name}" for p in Product.objects.filter(pk__in=ids)}
    none = {"team": _("No team"), "agent": _("Unassigned"), "product": _("No product")}[dim]
    return {v: (names.get(int(v), v) if v else none) for v in values}


# --- the report -----------------------------------------------------------------------------------

BUCKETS = (
    ("lt1d", gettext_lazy("< 1 day"), 0, 1),
    ("1to3d", gettext_lazy("1–3 days"), 1, 3),
    ("3to7d", gettext_lazy("3–7 days"), 3, 7),
    ("7to14d", gettext_lazy("7–14 days"), 7, 14),
    ("gt14d", gettext_lazy("> 14 days"), 14, None),
)


def _bucket_q(column: str, low: int, high: int | None, now) -> Q:
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
        .annotate(**{b: Count("pk", filter=_bucket_q(created, lo, hi, now)) for b, _l, lo, hi in BUCKETS})
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


def _products_section(plan: Plan, req: ReportRequest) -> tuple[dict, dict, tuple[int, int]]:
    per = _products(plan, req)
    sold: dict[int, int] = defaultdict(int)
    returned: dict[int, dict] = defaultdict(lambda: dict.fromkeys(measures.PRODUCT_COUNTS, 0))
    by_reason: dict[str, int] = defaultdict(int)
    for (product_id, reason), values in per.items():
        sold[product_id] += values["units_sold"]
        if reason:
            by_reason[reason] += values["units_returned"]
            for name in measures.PRODUCT_COUNTS:
                returned[product_id][name] += values[name]
    products = {
        p["pk"]: p
        for p in Product.objects.filter(pk__in=set(sold) | set(returned)).values(
            "pk", "sku", "name", "category", "supplier"
        )
    }
    total_sold = sum(sold.values())
    total_returned = sum(r["units_returned"] for r in returned.values())
    by_product = sorted(
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
    returns = {
        "by_product": by_product[:20],
        "by_category": sorted(
            (
                {"category": c, "units_sold": s, "units_returned": r, "return_rate": return_rate(r, s)}
                for c, (s, r) in categories.items()
            ),
            key=lambda r: (-r["units_returned"], r["category"]),
        ),
        "by_reason": sorted(
            (
                {
                    "reason": reason,
                    "label": str(reason_names.get(reason, reason)),
                    "units_returned": units,
                    "return_rate": return_rate(units, total_sold),
                }
                for reason, units in by_reason.items()
            ),
            key=lambda r: (-r["units_returned"], r["reason"]),
        ),
    }
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
    defects = {
        "by_product": sorted(defect_rows, key=lambda r: (-(r["grade_c"] + r["grade_d"]), r["sku"]))[:20],
        "by_supplier": sorted(
            (
                {"supplier": name, **v, "defect_rate": rate(v["defective"], v["inspected"])}
                for name, v in suppliers.items()
            ),
            key=lambda r: (-r["defective"], r["supplier"]),
        ),
    }
    return returns, defects, (total_returned, total_sold)


def report(req: ReportRequest, *, source: str = "rollup") -> dict:
    """Every KPI of §5 for the request: totals, split rows, daily trend, backlog, returns, defects,
    costs and targets (the structure is documented in docs/analytics.md)."""
    if source not in ("rollup", "live"):
        raise BadRequest(_("Unknown source %(value)r: use rollup or live.") % {"value": source[:20]}, "source")
    plan = Plan.of(req, source)
    live = live_measures(plan, req, req.split or "all")
    days = by_day(plan, req, live)
    total = empty()
    for values in days.values():
        add_into(total, values)
    orders = orders_in(plan)
    returns, defects, returned_sold = _products_section(plan, req)
    p_fr = percentiles(plan, req, "first_response", "all").get("", (None, None))
    p_res = percentiles(plan, req, "resolution_time", "all").get("", (None, None))
    total_kpis = kpis_of(total, fr=p_fr, res=p_res, orders=orders, returned_sold=returned_sold)
    rows = []
    if req.split:
        per_value = by_value(plan, req, req.split, live)
        fr = percentiles(plan, req, "first_response", req.split)
        res = percentiles(plan, req, "resolution_time", req.split)
        labels = value_labels(req.split, list(per_value))
        product_units = (
            {str(r["product_id"]): (r["units_returned"], r["units_sold"]) for r in _all_products(plan, req)}
            if req.split == "product"
            else {}
        )
        for value, values in per_value.items():
            kpis = kpis_of(
                values,
                fr=fr.get(value, (None, None)),
                res=res.get(value, (None, None)),
                orders=orders,
                returned_sold=product_units.get(value),
            )
            rows.append({"value": value, "label": labels[value], "kpis": kpis})
        rows.sort(key=lambda r: (-r["kpis"]["cases_created"], r["label"]))
    trend = []
    for n in range((req.end - req.start).days + 1):
        day = req.start + timedelta(days=n)
        m = days.get(day) or empty()
        c = cost(m)
        trend.append(
            {
                "day": day.isoformat(),
                "created": m["created"],
                "resolved": m["resolved"],
                "first_response_mean_hours": _hours(m["fr_seconds"] / m["fr_count"]) if m["fr_count"] else None,
                "resolution_mean_hours": _hours(m["resolution_seconds"] / m["resolved"]) if m["resolved"] else None,
                "csat_rate": rate(m["csat_satisfied"], m["csat_n"]),
                "cost_total": c["total"],
            }
        )
    figures = flat(total_kpis)
    targets = [
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
    return {
        "period": {
            "start": req.start.isoformat(),
            "end": req.end.isoformat(),
            "days": (req.end - req.start).days + 1,
            "time_zone": str(reporting_zone()),
        },
        "split": req.split,
        "filters": {dim: (value or "none") for dim, value in req.filters.items()},
        "source": source,
        "generated_at": clock.now().astimezone(reporting_zone()).isoformat(),
        "total": total_kpis,
        "rows": rows,
        "trend": trend,
        "backlog": backlog(plan, req),
        "returns": returns,
        "defects": defects,
        "targets": targets,
    }


def _all_products(plan: Plan, req: ReportRequest) -> list[dict]:
    per = _products(plan, req)
    units: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for (pk, reason), values in per.items():
        units[pk][0] += values["units_returned"] if reason else 0
        units[pk][1] += values["units_sold"]
    return [{"product_id": pk, "units_returned": r, "units_sold": s} for pk, (r, s) in units.items()]


# --- the cache ------------------------------------------------------------------------------------

TARGETS_GENERATION = "analytics:targets-generation"


def cached_report(req: ReportRequest) -> dict:
    """``report(req)`` from the rollups, kept up to ``ANALYTICS_CACHE_SECONDS`` and dropped as soon
    as a refresh changes the rollups or a manager changes a target (the key holds both counters)."""
    seconds = settings.ANALYTICS_CACHE_SECONDS
    if not seconds:
        return report(req)
    key_parts = [
        req.start.isoformat(),
        req.end.isoformat(),
        req.split,
        sorted(req.filters.items()),
        get_language(),
        RollupState.get_solo().generation,
        cache.get(TARGETS_GENERATION, 0),
        local_today().isoformat(),
    ]
    key = "analytics:report:" + hashlib.sha256(json.dumps(key_parts).encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = report(req)
        cache.set(key, found, seconds)
    return found


def targets_changed() -> None:
    """A target was added, changed or deleted: cached reports are stale."""
    try:
        cache.incr(TARGETS_GENERATION)
    except ValueError:
        cache.set(TARGETS_GENERATION, 1, None)


# --- drill-down -----------------------------------------------------------------------------------

DRILL_KPIS = {
    "created": ("created_day", Q()),
    "resolved": ("resolved_day", Q()),
    "first_response": ("first_reply_day", Q()),
    "fcr": ("resolved_day", Q(reopened=0, agent_replies__lte=1)),
    "reopened": ("resolved_day", Q(reopened__gt=0)),
    "sla_first_response_missed": ("fr_due_day", Q(fr_met=False)),
    "sla_resolution_missed": ("res_due_day", Q(res_met=False)),
    "complaints": ("created_day", Q(kind=CaseKind.COMPLAINT)),
    "returns": ("created_day", Q(units_returned__gt=0)),
    "cost": ("created_day", None),
    "backlog": (None, Q(is_open=True)),
}


def drill_down(req: ReportRequest, kpi: str, *, value: str | None = None, bucket: str | None = None) -> QuerySet:
    """The cases behind a figure, newest first: ``value`` narrows to one split row (of
    ``req.split``), ``bucket`` to one backlog age bucket (only for ``kpi="backlog"``)."""
    if kpi not in DRILL_KPIS:
        raise BadRequest(
            _("Unknown figure %(value)r: use one of %(names)s.") % {"value": kpi[:40], "names": ", ".join(DRILL_KPIS)},
            "kpi",
        )
    day_column, where = DRILL_KPIS[kpi]
    facts = Source.facts().queryset(req.filters)
    if day_column is not None:
        facts = facts.filter(**{f"{day_column}__gte": req.start, f"{day_column}__lte": req.end})
    if where is None:  # cost: any cost recorded
        where = Q()
        for column in COST_COLUMNS:
            where |= Q(**{f"{column}__gt": 0})
    facts = facts.filter(where)
    if value is not None:
        if not req.split:
            raise BadRequest(_("A value needs a split: say which dimension it belongs to."), "value")
        try:
            facts = facts.filter(**match(FACT_COLUMN[req.split], req.split, "" if value == "none" else value))
        except ValueError:
            raise BadRequest(
                _("%(value)r is not a value of %(dim)s.") % {"value": value[:40], "dim": req.split}, "value"
            ) from None
    if bucket:
        found = [b for b in BUCKETS if b[0] == bucket]
        if kpi != "backlog" or not found:
            raise BadRequest(_("Unknown age bucket %(value)r.") % {"value": bucket[:20]}, "bucket")
        _b, _label, low, high = found[0]
        facts = facts.filter(_bucket_q("created_at", low, high, clock.now()))
    return (
        Case.objects.filter(pk__in=facts.values("case_id"))
        .select_related("assignee", "team", "customer")
        .order_by("-created_at", "-id")
    )


__all__ = [
    "BadRequest",
    "ReportRequest",
    "parse_request",
    "report",
    "cached_report",
    "drill_down",
    "DRILL_KPIS",
    "KPI_LABELS",
    "KPI_NAMES",
    "DIMENSIONS",
    "empty",
]
