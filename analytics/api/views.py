"""The KPI API's views (/api/v1/kpis/): parse the query, call ``analytics.kpis`` or ``scorecards``, answer.

Every figure is the KPI module's own: the report is ``kpis.report``'s dict as it is, the
drill-down ``kpis.drill_down``'s cases, the scorecards ``scorecards.scorecards``'. A bad query
(``kpis.BadRequest``) is a 400 ``{"detail": message, "field": name}`` (``KpiView`` maps it, for
every view here); anonymous is 401, a signed-in user without the permission 403.

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

from typing import cast

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics import kpis, scorecards
from analytics.api.serializers import (
    BadRequestSerializer,
    DrillCaseSerializer,
    ReportSerializer,
    ScorecardSerializer,
    WeightsSerializer,
)
from analytics.models import ScorecardSettings
from cases.models import CaseKind, Channel, CustomerTier, ReasonCode
from core.api import ErrorSerializer, HasRolePermissions
from core.pagination import KeysetOrdering, KeysetPagination

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


def _request(query, keys: tuple[str, ...] | None = None) -> kpis.ReportRequest:
    if keys is not None:
        query = {key: query.get(key) for key in keys if query.get(key) is not None}
    return kpis.parse_request(query)


# --- the report and its cases --------------------------------------------------------------------------------


class ReportView(KpiView):
    """Every KPI of a period: totals, split rows, daily trend, backlog, returns, defects, costs, targets."""

    required_permissions = {"GET": READ_REPORT}

    @extend_schema(
        operation_id="kpi_report",
        parameters=[*REPORT_PARAMETERS, SOURCE_PARAMETER],
        responses={
            200: ReportSerializer,
            400: BAD_QUERY,
            401: UNAUTHENTICATED,
            403: error("The user's role does not allow this, or `source=live` by someone not a superuser."),
        },
        description="The figures of `analytics.kpis.report` (from the rollups: cached for "
        "`ANALYTICS_CACHE_SECONDS`, dropped as soon as the rollups or the targets change). Rates are "
        "fractions 0-1 (null without a denominator), times hours, money strings with two decimals; days "
        "are local days in `period.time_zone`, and each KPI counts by the day its own event happened.",
    )
    def get(self, request: Request) -> Response:
        req = _request(request.query_params)
        source = request.query_params.get("source") or "rollup"
        if source == "rollup":
            # Through the dashboard's cache (dropped when the rollups or the targets change).
            return Response(kpis.cached_report(req))
        if source == "live" and not request.user.is_superuser:
            raise PermissionDenied(_("Only administrators may recompute the report live."))
        return Response(kpis.report(req, source=source))  # an unknown source is a 400 from kpis


class DrillPagination(KeysetPagination):
    """Newest case first, by keyset on (created_at, id): the order of ``kpis.drill_down``."""

    orderings = {"-created_at": KeysetOrdering("created_at", descending=True)}
    default_ordering = "-created_at"

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.ordering_query_param:
                parameter["description"] = "`-created_at`: newest case first (the only order)."
        return parameters


class DrillDownView(KpiView, GenericAPIView):
    """The cases behind a figure of the report, a page at a time (at most 100)."""

    required_permissions = {"GET": READ_REPORT}
    pagination_class = DrillPagination
    serializer_class = DrillCaseSerializer
    filter_backends: list = []

    @extend_schema(
        operation_id="kpi_cases",
        parameters=[*DRILL_PARAMETERS, *REPORT_PARAMETERS],
        responses={
            200: DrillCaseSerializer(many=True),
            400: OpenApiResponse(
                description="A bad query parameter ({detail, field}), or a bad cursor or page size of the "
                "page ({parameter: [messages]})."
            ),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
        },
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        req = _request(params)
        cases = kpis.drill_down(
            req, params.get("kpi", ""), value=params.get("value") or None, bucket=params.get("bucket") or None
        )
        page = self.paginate_queryset(cases)
        return self.get_paginated_response(DrillCaseSerializer(page, many=True).data)


# --- scorecards ------------------------------------------------------------------------------------------------


class MaySeeScorecards(BasePermission):
    """Managers (every card) and agents (their own): ``view_dashboard`` or ``view_own_scorecard``."""

    message = gettext_lazy("Your role does not allow this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return user.has_perm(VIEW_DASHBOARD) or user.has_perm(OWN_SCORECARD)


class ScorecardListView(KpiView):
    """The agents' scorecards of a period, best score first; an agent gets only their own."""

    permission_classes = [MaySeeScorecards]

    @extend_schema(
        operation_id="kpi_scorecard_list",
        parameters=PERIOD_PARAMETERS,
        responses={200: ScorecardSerializer(many=True), 400: BAD_QUERY, 401: UNAUTHENTICATED, 403: FORBIDDEN},
    )
    def get(self, request: Request) -> Response:
        req = _request(request.query_params, PERIOD_KEYS)
        own = None if request.user.has_perm(VIEW_DASHBOARD) else [cast(int, request.user.pk)]  # signed in: a pk
        return Response(scorecards.scorecards(req, agent_ids=own))


class ScorecardView(KpiView):
    """One agent's scorecard: the five areas, the weighted score and the agent's KPIs."""

    permission_classes = [MaySeeScorecards]

    @extend_schema(
        operation_id="kpi_scorecard",
        parameters=[
            OpenApiParameter("agent_id", int, OpenApiParameter.PATH, description="The agent's user id."),
            *PERIOD_PARAMETERS,
        ],
        responses={
            200: ScorecardSerializer,
            400: BAD_QUERY,
            401: UNAUTHENTICATED,
            403: error("Someone else's card, asked by a user who may see only their own."),
            404: error("No such active user."),
        },
    )
    def get(self, request: Request, agent_id: int) -> Response:
        if agent_id != request.user.pk and not request.user.has_perm(VIEW_DASHBOARD):
            raise PermissionDenied(_("You may see your own scorecard only."))
        req = _request(request.query_params, PERIOD_KEYS)
        cards = scorecards.scorecards(req, agent_ids=[agent_id])
        if not cards:
            raise NotFound(_("There is no scorecard for user %(id)s.") % {"id": agent_id})
        return Response(cards[0])


class WeightsView(KpiView):
    """The scorecard's weights: read them, or set all five at once (they sum to 100)."""

    required_permissions = {"GET": READ_WEIGHTS, "PUT": CHANGE_WEIGHTS}

    @extend_schema(
        operation_id="kpi_scorecard_weights",
        responses={200: WeightsSerializer, 401: UNAUTHENTICATED, 403: FORBIDDEN},
    )
    def get(self, request: Request) -> Response:
        return Response(ScorecardSettings.get_solo().weights())

    @extend_schema(
        operation_id="kpi_scorecard_weights_update",
        request=WeightsSerializer,
        responses={
            200: OpenApiResponse(WeightsSerializer, description="Saved; the weights now."),
            400: OpenApiResponse(
                description="A missing or bad weight ({field: [messages]}), weights that do not sum to "
                "100 ({detail, field}) or a body that is no JSON ({detail, code}); nothing saved.",
            ),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
        },
    )
    def put(self, request: Request) -> Response:
        payload = WeightsSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        saved = scorecards.save_weights(weights=payload.validated_data, actor=request.user)
        return Response(saved.weights())
