"""The cases behind a figure of the report: the drill-down of the dashboard, the API and the CSV."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from analytics.facts import COST_COLUMNS
from analytics.kpis.query import BadRequest, ReportRequest
from analytics.kpis.sections import BUCKETS, bucket_q
from analytics.measures import FACT_COLUMN, Source, match
from cases.models import Case, CaseKind
from core import clock

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
        facts = facts.filter(bucket_q("created_at", low, high, clock.now()))
    return (
        Case.objects.filter(pk__in=facts.values("case_id"))
        .select_related("assignee", "team", "customer")
        .order_by("-created_at", "-id")
    )
