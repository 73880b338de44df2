"""The state machine over the API: the steps open to a case now, and taking one."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import selectors, services
from cases.api.permissions import READ_CASES, TRANSITION_CASE
from cases.api.serializers import CaseDetailSerializer, TransitionIn, TransitionOptionSerializer
from cases.api.views.common import CASE_NUMBER, FORBIDDEN, STEP_NAME, UNAUTHENTICATED, case_or_404, error
from core.api import HasRolePermissions, SignedInRequest


class CaseTransitionListView(APIView):
    permission_classes = [HasRolePermissions]
    required_permissions = {"GET": READ_CASES}

    @extend_schema(
        operation_id="case_transitions",
        parameters=[CASE_NUMBER],
        responses={
            200: TransitionOptionSerializer(many=True),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: error("No such case."),
        },
        description="The steps leaving the case's status now, each with whether this user may take it and why not.",
    )
    def get(self, request: SignedInRequest, number: str) -> Response:
        options = selectors.transition_options(case=case_or_404(number, request.user), user=request.user)
        return Response(TransitionOptionSerializer(options, many=True).data)


class CaseTransitionView(APIView):
    permission_classes = [HasRolePermissions]
    required_permissions = {"POST": TRANSITION_CASE}

    @extend_schema(
        operation_id="case_transition",
        parameters=[CASE_NUMBER, STEP_NAME],
        request=TransitionIn,
        responses={
            200: CaseDetailSerializer,
            400: error("No such step, not from this status, a condition unmet, or bad inputs."),
            401: UNAUTHENTICATED,
            403: error("The user's role may not take this step."),
            404: error("No such case."),
            409: error("The case changed since the client read it (version); reload and retry."),
        },
    )
    def post(self, request: SignedInRequest, number: str, name: str) -> Response:
        case = case_or_404(number, request.user)
        payload = TransitionIn(data=request.data)
        payload.is_valid(raise_exception=True)
        params = dict(payload.validated_data)
        version = params.pop("version", None)
        note = params.pop("note", "")
        services.transition_case(
            case=case, name=name, actor=request.user, note=note, expected_version=version, **params
        )
        return Response(CaseDetailSerializer(case_or_404(number, request.user, detail=True)).data)
