"""One case's KPI inputs derived from its raw rows: the definition behind ``CaseFact``.

``raw_facts()`` is a queryset over ``cases.Case`` that computes every ``CaseFact`` column from the
case, its events, clocks, costs and lines. ``store_facts()`` writes it into ``analytics_casefact``
with one ``INSERT … SELECT … ON CONFLICT`` (no row passes through Python), which is how both the
incremental refresh and the full rebuild run. The same queryset, aggregated directly, is the
"live" KPI source that the tests and the benchmarks compare the rollups with.

What each column means (DESIGN.md §5):

- ``first_reply_at``: the first *public reply by an agent*: a ``reply`` event that is public, goes
  out (``data.direction == "out"``) and has a user as its actor. Transitions and automatic messages
  are not replies, so this can be later than ``Case.first_responded_at`` (which SLA clocks use).
- ``agent_replies``: how many such replies the case has (first-contact resolution allows one).
- ``resolved_at``: the case's latest resolution, only while it is resolved or closed; a reopened
  case counts again on the day it is resolved again.
- ``fr_met`` / ``res_met``: the case's first first-response clock and latest resolution clock,
  once decided: missed when breached or stopped after its due time, met when stopped in time (or
  while paused, waiting on the customer); counted on the day it fell due (a clock stopped while
  paused has no due time: the day it stopped).
- ``units_returned``: units on the lines of return and exchange cases that were not rejected or
  cancelled.
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    DateTimeField,
    DecimalField,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models import (
    Case as When_,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, TruncDate

from analytics.models import CaseFact
from cases.models import (
    Case,
    CaseEvent,
    CaseKind,
    CaseLine,
    CaseStatus,
    ClockKind,
    CostKind,
    CostLine,
    EventType,
    SlaClock,
)
from core import clock

RETURN_KINDS = (CaseKind.RETURN, CaseKind.EXCHANGE)
NOT_RETURNED = (CaseStatus.REJECTED, CaseStatus.CANCELLED)
RESOLVED_STATUSES = (CaseStatus.RESOLVED, CaseStatus.CLOSED)
OPEN = tuple(
    s
    for s in CaseStatus.values
    if s not in (CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.REJECTED, CaseStatus.CANCELLED)
)
COST_COLUMNS = {
    "cost_refund": CostKind.REFUND,
    "cost_compensation": CostKind.COMPENSATION,
    "cost_shipping_out": CostKind.SHIPPING_OUT,
    "cost_shipping_back": CostKind.SHIPPING_BACK,
    "cost_repair": CostKind.REPAIR,
    "cost_handling": CostKind.HANDLING,
}
ZERO_MONEY = Value(0, output_field=DecimalField(max_digits=14, decimal_places=2))


def reporting_zone() -> zoneinfo.ZoneInfo:
    """The shop's reporting time zone: a KPI's day is a local date there."""
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


class SecondsBetween(Func):
    """Whole seconds from ``start`` to ``end`` (rounded down), NULL if either is NULL."""

    output_field = BigIntegerField()

    def __init__(self, end: Combinable, start: Combinable):
        super().__init__(end, start)

    def as_sql(self, compiler, connection, **extra):
        end, end_params = compiler.compile(self.source_expressions[0])
        start, start_params = compiler.compile(self.source_expressions[1])
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM ({end} - {start}))) AS bigint)", [*end_params, *start_params]

    def as_sqlite(self, compiler, connection, **extra):
        end, end_params = compiler.compile(self.source_expressions[0])
        start, start_params = compiler.compile(self.source_expressions[1])
        return f"(CAST(strftime('%%s', {end}) AS integer) - CAST(strftime('%%s', {start}) AS integer))", [
            *end_params,
            *start_params,
        ]


def agent_replies() -> QuerySet:
    """Public replies by an agent on the outer case."""
    return CaseEvent.objects.filter(
        case=OuterRef("pk"), type=EventType.REPLY, public=True, actor__isnull=False, data__direction="out"
    )


def _clock(kind: str, *, latest: bool) -> QuerySet:
    order = ("-started_at", "-id") if latest else ("started_at", "id")
    return SlaClock.objects.filter(case=OuterRef("pk"), kind=kind).order_by(*order)


def _met(kind: str, *, latest: bool) -> Subquery[Any]:
    """True / False once the clock is decided, NULL before: missed when breached or stopped after
    its due time (a reply a moment late counts as late even before the sweep marks the breach),
    met when stopped in time or stopped while paused (a paused clock has no due time)."""
    clocks = _clock(kind, latest=latest)
    decided = Subquery(
        clocks.annotate(
            d=When_(
                When(breached_at__isnull=False, then=Value(False)),
                When(stopped_at__isnull=True, then=Value(None)),
                When(due_at__isnull=False, stopped_at__gt=F("due_at"), then=Value(False)),
                default=Value(True),
                output_field=BooleanField(),
            )
        ).values("d")[:1],
        output_field=BooleanField(),
    )
    return decided


def _due(kind: str, *, latest: bool) -> Subquery:
    """When the target fell due: its due time, or when it stopped if it stopped while paused."""
    return Subquery(
        _clock(kind, latest=latest).annotate(at=Coalesce("due_at", "stopped_at")).values("at")[:1],
        output_field=DateTimeField(),
    )


def _sum(qs: QuerySet, field: str, output) -> Subquery:
    return Subquery(
        qs.order_by().values("case").annotate(total=Sum(field)).values("total")[:1],
        output_field=output,
    )


def raw_facts(case_ids=None) -> QuerySet:
    """Every ``CaseFact`` column computed from the raw rows, one row per case (``f_*`` names)."""
    tz = reporting_zone()
    qs = Case.objects.all() if case_ids is None else Case.objects.filter(pk__in=list(case_ids))
    replies = agent_replies()
    first_reply = Subquery(replies.order_by("created_at", "id").values("created_at")[:1], output_field=DateTimeField())
    reply_count = Subquery(
        replies.order_by().values("case").annotate(n=Func(F("id"), function="COUNT")).values("n")[:1],
        output_field=IntegerField(),
    )
    resolved = When_(
        When(status__in=RESOLVED_STATUSES, then=F("resolved_at")), default=None, output_field=DateTimeField()
    )
    fr_due = _due(ClockKind.FIRST_RESPONSE, latest=False)
    res_due = _due(ClockKind.RESOLUTION, latest=True)
    money = DecimalField(max_digits=14, decimal_places=2)
    costs = {
        column: Coalesce(_sum(CostLine.objects.filter(case=OuterRef("pk"), kind=kind), "amount", money), ZERO_MONEY)
        for column, kind in COST_COLUMNS.items()
    }
    units = _sum(CaseLine.objects.filter(case=OuterRef("pk")), "quantity", IntegerField())
    first_product = Subquery(
        CaseLine.objects.filter(case=OuterRef("pk")).order_by("id").values("order_line__product_id")[:1],
        output_field=BigIntegerField(),
    )
    qs = qs.annotate(
        f_case_id=F("pk"),
        f_created_at=F("created_at"),
        f_created_day=TruncDate("created_at", tzinfo=tz),
        f_channel=F("channel"),
        f_kind=F("kind"),
        f_reason=F("reason_code"),
        f_complaint_category=Coalesce(F("complaint_category"), Value("")),
        f_tier=F("customer__tier"),
        f_team_id=F("team_id"),
        f_agent_id=F("assignee_id"),
        f_product_id=first_product,
        f_status=F("status"),
        f_is_open=When_(When(status__in=OPEN, then=Value(True)), default=Value(False), output_field=BooleanField()),
        f_is_resolved=When_(
            When(status__in=RESOLVED_STATUSES, then=Value(True)), default=Value(False), output_field=BooleanField()
        ),
        f_first_reply_at=first_reply,
        f_agent_replies=Coalesce(reply_count, Value(0)),
        f_resolved_at=resolved,
        f_reopened=F("reopened_count"),
        f_fr_met=_met(ClockKind.FIRST_RESPONSE, latest=False),
        f_res_met=_met(ClockKind.RESOLUTION, latest=True),
        **{f"f_{column}": expression for column, expression in costs.items()},
        f_units_returned=When_(
            When(Q(kind__in=RETURN_KINDS) & ~Q(status__in=NOT_RETURNED), then=Coalesce(units, Value(0))),
            default=Value(0),
            output_field=IntegerField(),
        ),
        f_refreshed_at=Value(clock.now(), output_field=DateTimeField()),
    ).annotate(
        f_first_reply_day=TruncDate("f_first_reply_at", tzinfo=tz),
        f_first_reply_seconds=SecondsBetween(F("f_first_reply_at"), F("created_at")),
        f_resolved_day=TruncDate("f_resolved_at", tzinfo=tz),
        f_resolution_seconds=SecondsBetween(F("f_resolved_at"), F("created_at")),
        f_fr_due_day=TruncDate(fr_due, tzinfo=tz),
        f_res_due_day=TruncDate(res_due, tzinfo=tz),
    )
    return qs


FACT_COLUMNS: list[str] = [f.column for f in CaseFact._meta.concrete_fields]  # type: ignore[misc]  # concrete: a column each


def _fact_select(case_ids=None, id_range=None) -> tuple[str, tuple]:
    names = [f"f_{column}" for column in FACT_COLUMNS]
    qs = raw_facts(case_ids).values_list(*names).order_by()
    if id_range is not None:
        qs = qs.filter(pk__gte=id_range[0], pk__lte=id_range[1])
    elif case_ids is None:
        qs = qs.filter(pk__gte=0)  # SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT
    return qs.query.sql_with_params()


def store_facts(case_ids=None, *, id_range: tuple[int, int] | None = None) -> int:
    """Recompute and upsert the facts of these cases (an id list, an id range, or all); rows written."""
    ids = None if case_ids is None else list(case_ids)
    if ids is not None and not ids:
        return 0
    sql, params = _fact_select(ids, id_range)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in FACT_COLUMNS)
    updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in FACT_COLUMNS if c != "case_id")
    table = quote(CaseFact._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {sql} ON CONFLICT (case_id) DO UPDATE SET {updates}", params)
        return cursor.rowcount
