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

This package is the one entry point: other code imports ``analytics.kpis`` and calls ``report``,
``cached_report``, ``drill_down`` and ``parse_request``; what else other code reads (the formulas,
``Plan``, ``BUCKETS``, labels ...) is re-exported here (``__all__``). Its modules, each importing
only those listed before it:

- ``formulas``: the definitions of §5, one function per KPI with its formula in its docstring;
- ``query``: the request (period, split, filters) parsed from query parameters, ``BadRequest``;
- ``sources``: which days come from the daily tables and which are computed (``Plan``), the
  measures per day and per split value, value labels;
- ``sections``: backlog and aging, returns and defects, split rows, the daily trend, targets;
- ``drill``: the cases behind a figure.

Underneath, one direction too: ``analytics.facts`` ← ``analytics.measures`` ← ``analytics.rollups``
← this package; ``analytics.models`` imports none of them (the names a target can be set on are in
``analytics.kpi_names``).
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from analytics.facts import reporting_zone
from analytics.kpi_names import KPI_LABELS, KPI_NAMES
from analytics.kpis.drill import DRILL_KPIS, drill_down
from analytics.kpis.formulas import (
    ces,
    complaint_rate,
    cost,
    csat,
    duration,
    first_contact_resolution,
    first_response,
    flat,
    kpis_of,
    nps,
    rate,
    reopen_rate,
    resolution_rate,
    resolution_time,
    return_rate,
    sla_first_response,
    sla_resolution,
    survey_response_rate,
    target_met,
)
from analytics.kpis.query import MAX_DAYS, PRESETS, BadRequest, ReportRequest, parse_request
from analytics.kpis.sections import BUCKETS, backlog, returns_and_defects, split_rows, targets, trend
from analytics.kpis.sources import Plan, by_day, by_value, live_measures, orders_in, percentiles, value_labels
from analytics.measures import DIMENSIONS, add_into, empty
from analytics.models import RollupState
from analytics.rollups import local_today
from core import clock

__all__ = [
    "BUCKETS",
    "DIMENSIONS",
    "DRILL_KPIS",
    "KPI_LABELS",
    "KPI_NAMES",
    "MAX_DAYS",
    "PRESETS",
    "BadRequest",
    "Plan",
    "ReportRequest",
    "by_day",
    "by_value",
    "cached_report",
    "ces",
    "complaint_rate",
    "cost",
    "csat",
    "drill_down",
    "duration",
    "empty",
    "first_contact_resolution",
    "first_response",
    "flat",
    "kpis_of",
    "live_measures",
    "nps",
    "orders_in",
    "parse_request",
    "percentiles",
    "rate",
    "reopen_rate",
    "report",
    "resolution_rate",
    "resolution_time",
    "return_rate",
    "sla_first_response",
    "sla_resolution",
    "survey_response_rate",
    "target_met",
    "targets_changed",
    "value_labels",
]


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
    returns, defects, returned_sold = returns_and_defects(plan, req)
    p_fr = percentiles(plan, req, "first_response", "all").get("", (None, None))
    p_res = percentiles(plan, req, "resolution_time", "all").get("", (None, None))
    total_kpis = kpis_of(total, fr=p_fr, res=p_res, orders=orders, returned_sold=returned_sold)
    rows = split_rows(plan, req, req.split, live, orders) if req.split else []
    daily = trend(req, days)
    compared = targets(flat(total_kpis))
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
        "trend": daily,
        "backlog": backlog(plan, req),
        "returns": returns,
        "defects": defects,
        "targets": compared,
    }


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
