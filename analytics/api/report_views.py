"""The KPI report and the cases behind its figures: ``GET /api/v1/kpis/`` and ``GET /api/v1/kpis/cases/``
(who may call them: ``analytics.api.base``)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from analytics import kpis
from analytics.api.base import (
    BAD_QUERY,
    DRILL_PARAMETERS,
    FORBIDDEN,
    READ_REPORT,
    REPORT_PARAMETERS,
    SOURCE_PARAMETER,
    UNAUTHENTICATED,
    KpiView,
    error,
    parse_query,
)
from analytics.api.serializers import DrillCaseSerializer, ReportSerializer
from core.pagination import KeysetOrdering, KeysetPagination


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
        req = parse_query(request.query_params)
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
        req = parse_query(params)
        cases = kpis.drill_down(
            req, params.get("kpi", ""), value=params.get("value") or None, bucket=params.get("bucket") or None
        )
        page = self.paginate_queryset(cases)
        return self.get_paginated_response(DrillCaseSerializer(page, many=True).data)
