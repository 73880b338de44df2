"""Cases: the list (the queue, filtered, keyset pages), opening a case, one case with its timeline."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import selectors, services
from cases.api.filters import CaseFilter
from cases.api.pagination import CasePagination
from cases.api.permissions import CREATE_CASE, READ_CASES
from cases.api.serializers import CaseDetailSerializer, CaseIn, CaseListSerializer, CaseSerializer
from cases.api.views.common import CASE_NUMBER, FORBIDDEN, UNAUTHENTICATED, case_or_404, error
from core.api import HasRolePermissions, SignedInRequest


class CaseListView(GenericAPIView):
    """The case list (the queue) and opening a case."""

    permission_classes = [HasRolePermissions]
    required_permissions = {"GET": READ_CASES, "POST": CREATE_CASE}
    filterset_class = CaseFilter
    pagination_class = CasePagination
    serializer_class = CaseListSerializer

    def get_queryset(self):
        return selectors.case_list().filter(selectors.visible_to(self.request.user))

    @extend_schema(
        operation_id="case_list",
        responses={200: CaseListSerializer(many=True), 400: OpenApiResponse(description="A bad filter or cursor.")},
    )
    def get(self, request: Request) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(CaseListSerializer(page, many=True).data)

    @extend_schema(
        operation_id="case_create",
        request=CaseIn,
        responses={
            201: OpenApiResponse(CaseSerializer, description="Opened; goods cases are already decided by the policy."),
            400: OpenApiResponse(description="Field errors, or {detail, code} from the service."),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
        },
    )
    def post(self, request: SignedInRequest) -> Response:
        payload = CaseIn(data=request.data)
        payload.is_valid(raise_exception=True)
        case = services.create_case(actor=request.user, **payload.validated_data)
        created = selectors.case_detail(number=case.number)
        return Response(CaseSerializer(created).data, status=status.HTTP_201_CREATED)


class CaseDetailView(APIView):
    permission_classes = [HasRolePermissions]
    required_permissions = {"GET": READ_CASES}

    @extend_schema(
        operation_id="case_retrieve",
        parameters=[CASE_NUMBER],
        responses={200: CaseDetailSerializer, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: error("No such case.")},
    )
    def get(self, request: SignedInRequest, number: str) -> Response:
        return Response(CaseDetailSerializer(case_or_404(number, request.user, detail=True)).data)
