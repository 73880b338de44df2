"""The additive measures behind the KPIs, aggregated per (local day, dimension value).

One aggregator serves three sources, so the definitions exist once:

- ``CaseFact`` rows (``Source.facts()``): what the daily rollup is built from and what today's live
  blend and filtered reports read;
- ``analytics.facts.raw_facts()`` (``Source.raw()``): the same columns computed from the raw rows on
  the fly: the "live recomputation" the tests compare the rollups with, and the naive baseline of
  the benchmarks;
- the daily rollup tables themselves, summed by ``analytics.kpis``.

Survey, invitation, product and order measures always read their own raw tables (answers,
invitations, case lines, order lines), which are already one row per event.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    BigIntegerField,
    CharField,
    Count,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.db.models.sql.constants import MULTI

from analytics.facts import COST_COLUMNS, NOT_RETURNED, RETURN_KINDS, raw_facts, reporting_zone
from analytics.models import CaseFact
from cases.models import CaseKind, CaseLine, Order, OrderLine
from feedback.models import SurveyInvitation, SurveyResponse

DIMENSIONS = ("channel", "kind", "reason", "team", "agent", "product", "tier", "complaint_category")
# The CaseFact column of each dimension.
FACT_COLUMN = {
    "channel": "channel",
    "kind": "kind",
    "reason": "reason",
    "team": "team_id",
    "agent": "agent_id",
    "product": "product_id",
    "tier": "tier",
    "complaint_category": "complaint_category",  # the case's current classification
}

CASE_MEASURES = (
    "created",
    "created_resolved",
    "complaints",
    "units_returned",
    *COST_COLUMNS,
    "fr_count",
    "fr_seconds",
    "resolved",
    "resolution_seconds",
    "fcr",
    "reopened",
    "fr_due",
    "fr_met",
    "res_due",
    "res_met",
)
ANSWER_MEASURES = (
    "answers",
    "csat_n",
    "csat_sum",
    "csat_satisfied",
    "nps_n",
    "nps_promoters",
    "nps_detractors",
    "ces_n",
    "ces_sum",
    "survey_complaints",
)
SURVEY_MEASURES = (*ANSWER_MEASURES, "invited", "invited_answered")
MEASURES = CASE_MEASURES + SURVEY_MEASURES
MONEY_MEASURES = frozenset(COST_COLUMNS)


def empty() -> dict:
    return {m: (Decimal("0.00") if m in MONEY_MEASURES else 0) for m in MEASURES}


def rows_of(qs: QuerySet) -> list[dict]:
    """The rows of a ``values()`` queryset as dicts, as Django's ValuesIterable names them, but without
    running every value through the fields' converters.

    For the rollups' sums (ints, Decimals and dates, which psycopg2 already returns as such) the
    converters were a third of a dashboard request. SQLite (the embedded default) returns sums of
    money as floats, so there the converters stay."""
    if connection.vendor != "postgresql":
        return list(qs)
    query = qs.query
    names = (
        list(query.selected)
        if query.selected
        else [*query.extra_select, *query.values_select, *query.annotation_select]
    )
    width = len(names)
    out: list[dict] = []
    for chunk in query.get_compiler(qs.db).execute_sql(MULTI):
        out.extend(dict(zip(names, row[:width], strict=True)) for row in chunk)
    return out


def add_into(target: dict, source: dict) -> None:
    for name in MEASURES:
        target[name] += source.get(name) or 0


@dataclass(frozen=True)
class Source:
    """Where case facts come from: the ``CaseFact`` table, or computed from the raw rows."""

    live: bool

    @classmethod
    def facts(cls) -> Source:
        return cls(live=False)

    @classmethod
    def raw(cls) -> Source:
        return cls(live=True)

    def col(self, name: str) -> str:
        return f"f_{name}" if self.live else name

    def queryset(self, filters: dict[str, str] | None = None) -> QuerySet:
        qs = raw_facts() if self.live else CaseFact.objects.all()
        for dim, value in (filters or {}).items():
            qs = qs.filter(**match(self.col(FACT_COLUMN[dim]), dim, value))
        return qs


# Dimensions held as ids: the empty value selects "none" (unassigned, no team, no product).
NULLABLE = frozenset({"team", "agent", "product"})


def match(column: str, dim: str, value: str) -> dict:
    """The lookup selecting one value of a dimension ("" is NULL for the id dimensions)."""
    if dim in NULLABLE:
        return {f"{column}__isnull": True} if value == "" else {column: int(value)}
    return {column: value}


def _dim_expr(source: Source, dim: str):
    if dim == "all":
        return Value("", output_field=CharField())
    return Coalesce(Cast(F(source.col(FACT_COLUMN[dim])), CharField()), Value(""))


# --- case measures --------------------------------------------------------------------------------


def int_sum(column: str):
    """SUM of an integer column as bigint: PostgreSQL sums integers as numeric, and the rollups' rows
    are read without Django's converters (``rows_of``), which would otherwise have made them ints."""
    return Cast(Sum(column), BigIntegerField())


def measure_sum(column: str):
    """A measure's SUM: money stays numeric (Decimal), counts and seconds are bigint."""
    return Sum(column) if column in COST_COLUMNS else int_sum(column)


def _groups(source: Source) -> list[tuple[str, Q, dict]]:
    c = source.col
    return [
        (
            "created_day",
            Q(),
            {
                "created": Count("pk"),
                "created_resolved": Count("pk", filter=Q(**{c("is_resolved"): True})),
                "complaints": Count("pk", filter=Q(**{c("kind"): CaseKind.COMPLAINT})),
                "units_returned": int_sum(c("units_returned")),
                **{column: Sum(c(column)) for column in COST_COLUMNS},
            },
        ),
        (
            "first_reply_day",
            Q(**{f"{c('first_reply_day')}__isnull": False}),
            {"fr_count": Count("pk"), "fr_seconds": int_sum(c("first_reply_seconds"))},
        ),
        (
            "resolved_day",
            Q(**{f"{c('resolved_day')}__isnull": False}),
            {
                "resolved": Count("pk"),
                "resolution_seconds": int_sum(c("resolution_seconds")),
                "fcr": Count("pk", filter=Q(**{c("reopened"): 0, f"{c('agent_replies')}__lte": 1})),
                "reopened": Count("pk", filter=Q(**{f"{c('reopened')}__gt": 0})),
            },
        ),
        (
            "fr_due_day",
            Q(**{f"{c('fr_met')}__isnull": False, f"{c('fr_due_day')}__isnull": False}),
            {"fr_due": Count("pk"), "fr_met": Count("pk", filter=Q(**{c("fr_met"): True}))},
        ),
        (
            "res_due_day",
            Q(**{f"{c('res_met')}__isnull": False, f"{c('res_due_day')}__isnull": False}),
            {"res_due": Count("pk"), "res_met": Count("pk", filter=Q(**{c("res_met"): True}))},
        ),
    ]


def _at_filter(column: str, days: tuple[date, date] | list[date]) -> Q:
    """Rows whose timestamp ``column`` falls on these local days, as timestamp ranges (an index
    on the timestamp serves it, where a filter on the truncated date could not)."""
    tz = reporting_zone()

    def bounds(first: date, last: date) -> Q:
        low = datetime.combine(first, time.min, tzinfo=tz)
        high = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz)
        return Q(**{f"{column}__gte": low, f"{column}__lt": high})

    if isinstance(days, tuple):
        return bounds(*days)
    q = Q(pk__in=[])
    for day in days:
        q |= bounds(day, day)
    return q


def _day_filter(column: str, days: tuple[date, date] | list[date]) -> Q:
    if isinstance(days, tuple):
        return Q(**{f"{column}__gte": days[0], f"{column}__lte": days[1]})
    return Q(**{f"{column}__in": list(days)})


def case_measures(
    source: Source, *, days, dim: str = "all", filters: dict[str, str] | None = None
) -> dict[tuple[date, str], dict]:
    """Case measures per (day, value of ``dim``) for ``days`` (a (first, last) range or a list)."""
    out: dict[tuple[date, str], dict] = defaultdict(empty)
    base = source.queryset(filters)
    for day_column, where, aggregates in _groups(source):
        column = source.col(day_column)
        rows = (
            base.filter(where & _day_filter(column, days))
            .annotate(_v=_dim_expr(source, dim))
            .order_by()
            .values(column, "_v")
            .annotate(**aggregates)
        )
        # The raw source's seconds come back as numeric (EXTRACT EPOCH): its rows keep Django's converters.
        for row in rows if source.live else rows_of(rows):
            target = out[(row[column], row["_v"])]
            for name in aggregates:
                target[name] += row[name] or 0
    return out


# --- survey measures ------------------------------------------------------------------------------


def _first_product(outer: str) -> Subquery:
    return Subquery(
        CaseLine.objects.filter(case=OuterRef(outer)).order_by("id").values("order_line__product_id")[:1],
        output_field=BigIntegerField(),
    )


RESPONSE_DIM = {
    "channel": "channel",
    "kind": "kind",
    "reason": "case__reason_code",
    "team": "team_id",
    "agent": "agent_id",
    "tier": "customer__tier",
    "complaint_category": "case__complaint_category",
}
INVITATION_DIM = {
    "channel": "case__channel",
    "kind": "case__kind",
    "reason": "case__reason_code",
    "team": "case__team_id",
    "agent": "case__assignee_id",
    "tier": "case__customer__tier",
    "complaint_category": "case__complaint_category",
}


def _dim_of(mapping: dict[str, str], dim: str, outer: str):
    if dim == "all":
        return Value("", output_field=CharField())
    if dim == "product":
        return Coalesce(Cast(_first_product(outer), CharField()), Value(""))
    return Coalesce(Cast(F(mapping[dim]), CharField()), Value(""))


def _filtered(qs: QuerySet, mapping: dict[str, str], outer: str, filters: dict[str, str] | None) -> QuerySet:
    for dim, value in (filters or {}).items():
        if dim == "product":
            qs = qs.annotate(_fp=_first_product(outer)).filter(**match("_fp", dim, value))
        else:
            qs = qs.filter(**match(mapping[dim], dim, value))
    return qs


def survey_measures(*, days, dim: str = "all", filters: dict[str, str] | None = None) -> dict[tuple[date, str], dict]:
    """Answers per (day answered, value) and invitations per (day sent, value)."""
    tz = reporting_zone()
    out: dict[tuple[date, str], dict] = defaultdict(empty)
    answers = (
        _filtered(SurveyResponse.objects.all(), RESPONSE_DIM, "case", filters)
        .filter(_at_filter("answered_at", days))
        .annotate(_day=TruncDate("answered_at", tzinfo=tz), _v=_dim_of(RESPONSE_DIM, dim, "case"))
        .filter(_day_filter("_day", days))
        .order_by()
        .values("_day", "_v")
        .annotate(
            answers=Count("pk"),
            csat_n=Count("pk", filter=Q(csat__isnull=False)),
            csat_sum=Sum("csat"),
            csat_satisfied=Count("pk", filter=Q(csat__gte=4)),
            nps_n=Count("pk", filter=Q(nps__isnull=False)),
            nps_promoters=Count("pk", filter=Q(nps__gte=9)),
            nps_detractors=Count("pk", filter=Q(nps__lte=6)),
            ces_n=Count("pk", filter=Q(ces__isnull=False)),
            ces_sum=Sum("ces"),
            survey_complaints=Count("pk", filter=Q(complaint=True)),
        )
    )
    for row in rows_of(answers):
        target = out[(row["_day"], row["_v"])]
        for name in ANSWER_MEASURES:
            target[name] += row[name] or 0
    invitations = (
        _filtered(SurveyInvitation.objects.all(), INVITATION_DIM, "case", filters)
        .filter(_at_filter("sent_at", days))
        .annotate(_day=TruncDate("sent_at", tzinfo=tz), _v=_dim_of(INVITATION_DIM, dim, "case"))
        .filter(_day_filter("_day", days))
        .order_by()
        .values("_day", "_v")
        .annotate(invited=Count("pk"), invited_answered=Count("pk", filter=Q(answered_at__isnull=False)))
    )
    for row in rows_of(invitations):
        target = out[(row["_day"], row["_v"])]
        target["invited"] += row["invited"]
        target["invited_answered"] += row["invited_answered"]
    return out


def all_measures(source: Source, *, days, dim: str = "all", filters=None) -> dict[tuple[date, str], dict]:
    out = case_measures(source, days=days, dim=dim, filters=filters)
    for key, values in survey_measures(days=days, dim=dim, filters=filters).items():
        add_into(out[key], values)
    return out


# --- products and orders --------------------------------------------------------------------------

PRODUCT_COUNTS = (
    "units_returned",
    "lines_inspected",
    "grade_a",
    "grade_b",
    "grade_c",
    "grade_d",
    "restock",
    "refurbish",
    "scrap",
    "return_to_supplier",
)

CASE_LINE_DIM = {
    "channel": "case__channel",
    "kind": "case__kind",
    "reason": "case__reason_code",
    "team": "case__team_id",
    "agent": "case__assignee_id",
    "tier": "case__customer__tier",
    "product": "order_line__product_id",
    "complaint_category": "case__complaint_category",
}


def returned_lines(*, days, filters: dict[str, str] | None = None) -> list[Mapping[str, Any]]:
    """Returned units and inspection results per (day the case was created, product, reason)."""
    tz = reporting_zone()
    qs = CaseLine.objects.filter(case__kind__in=RETURN_KINDS, order_line__product_id__isnull=False).exclude(
        case__status__in=NOT_RETURNED
    )
    for dim, value in (filters or {}).items():
        qs = qs.filter(**match(CASE_LINE_DIM[dim], dim, value))
    grade = "case__inspection_grade"
    return list(
        qs.filter(_at_filter("case__created_at", days))
        .annotate(_day=TruncDate("case__created_at", tzinfo=tz))
        .filter(_day_filter("_day", days))
        .order_by()
        .values("_day", "order_line__product_id", "case__reason_code")
        .annotate(
            units_returned=Sum("quantity"),
            lines_inspected=Count("pk", filter=~Q(**{grade: ""})),
            grade_a=Count("pk", filter=Q(**{grade: "A"})),
            grade_b=Count("pk", filter=Q(**{grade: "B"})),
            grade_c=Count("pk", filter=Q(**{grade: "C"})),
            grade_d=Count("pk", filter=Q(**{grade: "D"})),
            restock=Count("pk", filter=Q(disposition="restock")),
            refurbish=Count("pk", filter=Q(disposition="refurbish")),
            scrap=Count("pk", filter=Q(disposition="scrap")),
            return_to_supplier=Count("pk", filter=Q(disposition="return_to_supplier")),
        )
    )


def units_sold(*, days, product: str | None = None) -> list[Mapping[str, Any]]:
    """Units sold per (day the order was placed, product)."""
    tz = reporting_zone()
    qs = OrderLine.objects.filter(product_id__isnull=False)
    if product:
        qs = qs.filter(product_id=product)
    return list(
        qs.filter(_at_filter("order__placed_at", days))
        .annotate(_day=TruncDate("order__placed_at", tzinfo=tz))
        .filter(_day_filter("_day", days))
        .order_by()
        .values("_day", "product_id")
        .annotate(units=Sum("quantity"))
    )


def orders_placed(*, days) -> dict[date, int]:
    tz = reporting_zone()
    rows = (
        Order.objects.filter(_at_filter("placed_at", days))
        .annotate(_day=TruncDate("placed_at", tzinfo=tz))
        .filter(_day_filter("_day", days))
        .order_by()
        .values("_day")
        .annotate(n=Count("pk"))
    )
    return {row["_day"]: row["n"] for row in rows}


# --- percentiles ----------------------------------------------------------------------------------


class PercentileCont(Aggregate):
    """PostgreSQL's ``percentile_cont(p) WITHIN GROUP (ORDER BY x)``: linear interpolation."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def percentile_of(values: list[float], fraction: float) -> float | None:
    """The same interpolation in Python: value at position fraction × (n − 1) of the sorted list."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


DURATIONS = {
    "first_response": ("first_reply_day", "first_reply_seconds"),
    "resolution_time": ("resolved_day", "resolution_seconds"),
}


def duration_percentiles(
    source: Source, *, kpi: str, days, dim: str = "all", filters=None
) -> dict[str, tuple[float | None, float | None]]:
    """Median and p90 (seconds) of a duration KPI per value of ``dim``."""
    day_column, seconds = (source.col(name) for name in DURATIONS[kpi])
    qs = (
        source.queryset(filters)
        .filter(_day_filter(day_column, days) & Q(**{f"{seconds}__isnull": False}))
        .annotate(_v=_dim_expr(source, dim))
        .order_by()
    )
    if connection.vendor == "postgresql":
        rows = qs.values("_v").annotate(p50=PercentileCont(seconds, 0.5), p90=PercentileCont(seconds, 0.9))
        return {row["_v"]: (row["p50"], row["p90"]) for row in rows}
    grouped: dict[str, list[float]] = defaultdict(list)
    for value, secs in qs.values_list("_v", seconds):
        grouped[value].append(float(secs))
    return {v: (percentile_of(s, 0.5), percentile_of(s, 0.9)) for v, s in grouped.items()}
