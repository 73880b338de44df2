"""Where a report's measures come from: the days the refresh has sealed are read from the daily
tables (``DailyStat``, ``DailyProductStat``, ``DailyOrderStat``), the days after (today) and any
filtered request from ``CaseFact``, and ``source="live"`` recomputes everything from the raw rows
(``analytics.measures``). Also what a person reads for each value of a dimension."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.utils.translation import gettext as _

from analytics import measures
from analytics.kpis.query import ReportRequest
from analytics.measures import MEASURES, Source, add_into, empty, rows_of
from analytics.models import DailyOrderStat, DailyProductStat, DailyStat, RollupState
from cases.models import CaseKind, Channel, ComplaintCategory, CustomerTier, Product, ReasonCode, Team

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


def product_units(plan: Plan, req: ReportRequest) -> dict[tuple[int, str], dict]:
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


def value_labels(dim: str, values: Iterable[str]) -> dict[str, str]:
    """What a person reads for each value of a dimension."""
    choices = {
        "channel": Channel,
        "kind": CaseKind,
        "reason": ReasonCode,
        "tier": CustomerTier,
        "complaint_category": ComplaintCategory,
    }.get(dim)
    if choices is not None:
        choice_names = {**{value: str(label) for value, label in choices.choices}, "": str(_("Not classified"))}
        return {v: choice_names.get(v, v) for v in values}
    ids = [int(v) for v in values if v]
    names: dict[int, str]
    if dim == "team":
        names = dict(Team.objects.filter(pk__in=ids).values_list("pk", "name"))
    elif dim == "agent":
        users = get_user_model().objects.filter(pk__in=ids)
        names = {u.pk: (u.get_full_name() or u.get_username()) for u in users}
    else:
        names = {p.pk: f"{p.sku} {p.name}" for p in Product.objects.filter(pk__in=ids)}
    none = {"team": _("No team"), "agent": _("Unassigned"), "product": _("No product")}[dim]
    return {v: (names.get(int(v), v) if v else none) for v in values}
