"""The KPI API (/api/v1/kpis/): parse the query, call ``analytics.kpis`` or ``scorecards``, answer.

Every figure is the KPI module's own: the report is ``kpis.report``'s dict as it is, the
drill-down ``kpis.drill_down``'s cases, the scorecards ``scorecards.scorecards``'. A bad query
(``kpis.BadRequest``) is a 400 ``{"detail": message, "field": name}`` (``KpiView`` maps it, for
every view here); anonymous is 401, a signed-in user without the permission 403.

This module holds what the views share: the permissions, the schema's parameters and answers, and
the base view; the views are in ``report_views`` (the report, its cases) and ``scorecard_views``.

Who may call what (the roles of core/roles.py):

=====================================  ==========================================================
endpoint                               who
=====================================  ==========================================================
GET /                                  view_dashboard: manager, admin; ``source=live`` (recomputed
                                       from the raw rows, slow): superusers only
GET /cases/                            view_dashboard: manager, admin
GET /scorecards/                       view_dashboard: every agent's card; view_own_scorecard
                                       (agents): only their own
GET /scorecards/{agent_id}/            view_dashboard: anyone's; view_own_scorecard: one's own,
                                       anyone else's is 403
GET /scorecards/weights/               view_dashboard + view_scorecardsettings: manager, admin
PUT /scorecards/weights/               view_dashboard + change_scorecardsettings: manager, admin
=====================================  ==========================================================
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics import kpis
from analytics.api.serializers import BadRequestSerializer
from cases.models import CaseKind, Channel, ComplaintCategory, CustomerTier, ReasonCode
from core.api import ErrorSerializer, HasRolePermissions

VIEW_DASHBOARD = "analytics.view_dashboard"
OWN_SCORECARD = "analytics.view_own_scorecard"
READ_REPORT = (VIEW_DASHBOARD,)
READ_WEIGHTS = (VIEW_DASHBOARD, "analytics.view_scorecardsettings")
CHANGE_WEIGHTS = (VIEW_DASHBOARD, "analytics.change_scorecardsettings")
SOURCES = ("rollup", "live")
# A scorecard's period: the report's days only (a card is already one agent's).
PERIOD_KEYS = ("start", "end", "preset")


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


UNAUTHENTICATED = error("Not signed in (no or a bad token or session).")
FORBIDDEN = error("The user's role does not allow this.")
BAD_QUERY = OpenApiResponse(
    BadRequestSerializer, description="A bad query parameter: `detail` says what to change, `field` which one."
)

# --- the query parameters (kpis.parse_request reads them) -----------------------------------------

PERIOD_PARAMETERS = [
    OpenApiParameter(
        "start", OpenApiTypes.DATE, description="First local day (YYYY-MM-DD), included; default: 29 days before end."
    ),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last local day (YYYY-MM-DD), included; default: today."),
    OpenApiParameter(
        "preset",
        str,
        enum=list(kpis.PRESETS),
        description="A named period instead of start and end (days up to today).",
    ),
]
ID_OR_NONE = "An id, or `none` for {what}."
REPORT_PARAMETERS = [
    *PERIOD_PARAMETERS,
    OpenApiParameter(
        "split", str, enum=list(kpis.DIMENSIONS), description="Give the KPIs per value of this dimension too (rows)."
    ),
    OpenApiParameter("channel", str, enum=Channel.values, description="Only cases of this channel."),
    OpenApiParameter("kind", str, enum=CaseKind.values, description="Only cases of this kind."),
    OpenApiParameter("reason", str, enum=ReasonCode.values, description="Only cases with this reason."),
    OpenApiParameter("tier", str, enum=CustomerTier.values, description="Only customers of this tier."),
    OpenApiParameter(
        "complaint_category",
        str,
        enum=ComplaintCategory.values,
        description="Only complaints of this category (the case's current classification).",
    ),
    OpenApiParameter("team", str, description="Only this team's cases. " + ID_OR_NONE.format(what="no team")),
    OpenApiParameter("agent", str, description="Only this agent's cases. " + ID_OR_NONE.format(what="unassigned")),
    OpenApiParameter(
        "product", str, description="Only cases about this product. " + ID_OR_NONE.format(what="no product")
    ),
]
SOURCE_PARAMETER = OpenApiParameter(
    "source",
    str,
    enum=list(SOURCES),
    default="rollup",
    description="`rollup`: the daily tables blended with today's facts (default); `live`: recomputed from "
    "the raw rows (slow; superusers only, others get 403).",
)
DRILL_PARAMETERS = [
    OpenApiParameter(
        "kpi", str, required=True, enum=list(kpis.DRILL_KPIS), description="The figure whose cases to list."
    ),
    OpenApiParameter(
        "value",
        str,
        description="Only the cases of this split row (its `value`; `none` for the empty one); needs `split`.",
    ),
    OpenApiParameter(
        "bucket",
        str,
        enum=[bucket for bucket, *_rest in kpis.BUCKETS],
        description="Only the open cases of this age bucket (with `kpi=backlog`).",
    ),
]


# --- the base ---------------------------------------------------------------------------------------------


class KpiView(APIView):
    """A view of this API: ``kpis.BadRequest`` from the KPI module is the 400 ``{detail, field}``."""

    permission_classes = [HasRolePermissions]

    def handle_exception(self, exc):
        if isinstance(exc, kpis.BadRequest):
            return Response({"detail": str(exc.message), "field": exc.field or None}, status=400)
        return super().handle_exception(exc)


def parse_query(query, keys: tuple[str, ...] | None = None) -> kpis.ReportRequest:
    """The report request of a query (only ``keys`` of it, when given); a bad one raises ``kpis.BadRequest``."""
    if keys is not None:
        query = {key: query.get(key) for key in keys if query.get(key) is not None}
    return kpis.parse_request(query)
