"""The agents' scorecards and their weights: ``/api/v1/kpis/scorecards/`` (who may call what:
``analytics.api.base``)."""

from __future__ import annotations

from typing import cast

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from analytics import scorecards
from analytics.api.base import (
    BAD_QUERY,
    CHANGE_WEIGHTS,
    FORBIDDEN,
    OWN_SCORECARD,
    PERIOD_KEYS,
    PERIOD_PARAMETERS,
    READ_WEIGHTS,
    UNAUTHENTICATED,
    VIEW_DASHBOARD,
    KpiView,
    error,
    parse_query,
)
from analytics.api.serializers import ScorecardSerializer, WeightsSerializer
from analytics.models import ScorecardSettings


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
        req = parse_query(request.query_params, PERIOD_KEYS)
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
        req = parse_query(request.query_params, PERIOD_KEYS)
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
