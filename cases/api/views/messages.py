"""Writing on a case over the API: a reply to the customer or an internal note."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import services
from cases.api.permissions import TRANSITION_CASE
from cases.api.serializers import CaseDetailSerializer, MessageIn
from cases.api.views.common import CASE_NUMBER, FORBIDDEN, UNAUTHENTICATED, case_or_404, error
from core.api import HasRolePermissions, SignedInRequest


class CaseMessageView(APIView):
    """Write on a case: a reply to the customer (shown on the portal and emailed) or an internal note."""

    permission_classes = [HasRolePermissions]
    required_permissions = {"POST": TRANSITION_CASE}

    @extend_schema(
        operation_id="case_message",
        parameters=[CASE_NUMBER],
        request=MessageIn,
        responses={
            201: OpenApiResponse(CaseDetailSerializer, description="Written; the case with its timeline."),
            400: OpenApiResponse(description="Field errors, or the case is closed; nothing written."),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: error("No such case."),
        },
    )
    def post(self, request: SignedInRequest, number: str) -> Response:
        case = case_or_404(number, request.user)
        payload = MessageIn(data=request.data)
        payload.is_valid(raise_exception=True)
        services.add_message(case=case, actor=request.user, **payload.validated_data)
        return Response(
            CaseDetailSerializer(case_or_404(number, request.user, detail=True)).data, status=status.HTTP_201_CREATED
        )
