"""A complaint's classification over the API: its category and severity, set or corrected with a reason."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import services
from cases.api.permissions import CLASSIFY_COMPLAINT
from cases.api.serializers import CaseDetailSerializer, ClassifyIn
from cases.api.views.common import CASE_NUMBER, FORBIDDEN, UNAUTHENTICATED, case_or_404, error
from core.api import HasRolePermissions, SignedInRequest


class CaseClassifyView(APIView):
    """Set or correct a complaint's category and severity (one event with who and why; the SLA follows)."""

    permission_classes = [HasRolePermissions]
    required_permissions = {"POST": CLASSIFY_COMPLAINT}

    @extend_schema(
        operation_id="case_classify",
        parameters=[CASE_NUMBER],
        request=ClassifyIn,
        responses={
            200: OpenApiResponse(CaseDetailSerializer, description="Classified; the case with its timeline."),
            400: OpenApiResponse(
                description="An unknown category or severity, no reason, not a complaint, or the case is closed; "
                "nothing written."
            ),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: error("No such case."),
            409: error("The case changed since the version given; nothing written."),
        },
    )
    def post(self, request: SignedInRequest, number: str) -> Response:
        case = case_or_404(number, request.user)
        payload = ClassifyIn(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        services.classify_complaint(
            case=case,
            actor=request.user,
            category=data["category"],
            severity=data["severity"],
            reason=data["reason"],
            expected_version=data.get("version"),
        )
        return Response(CaseDetailSerializer(case_or_404(number, request.user, detail=True)).data)
