"""Refunds: the ledger's refunds of a case, and the shop's report of what became of one."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import selectors
from cases.api.permissions import READ_REFUNDS, SETTLE_REFUND
from cases.api.serializers import RefundOutcomeIn, RefundSerializer
from cases.api.views.common import CASE_NUMBER, FORBIDDEN, UNAUTHENTICATED, case_or_404, error
from cases.models import Refund
from cases.money import ledger as refunds
from core.api import HasRolePermissions, SignedInRequest


class CaseRefundListView(APIView):
    """The refunds the ledger holds for a case (requested, succeeded, failed, cancelled)."""

    permission_classes = [HasRolePermissions]
    required_permissions = {"GET": READ_REFUNDS}

    @extend_schema(
        operation_id="case_refunds",
        parameters=[CASE_NUMBER],
        responses={200: RefundSerializer(many=True), 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: error("No such case.")},
    )
    def get(self, request: SignedInRequest, number: str) -> Response:
        case = case_or_404(number, request.user)
        rows = selectors.case_refunds(case=case)
        return Response(RefundSerializer(rows, many=True).data)


class RefundOutcomeView(APIView):
    """The shop reports what became of a refund it was asked for: succeeded, failed or cancelled.

    Once: the same answer again is answered as before (idempotent), another answer is a 400. A
    failed or cancelled refund no longer counts against the order: its amount may be refunded again.
    """

    permission_classes = [HasRolePermissions]
    required_permissions = {"POST": SETTLE_REFUND}

    @extend_schema(
        operation_id="refund_outcome",
        parameters=[OpenApiParameter("pk", int, OpenApiParameter.PATH, description="The refund's id.")],
        request=RefundOutcomeIn,
        responses={
            200: RefundSerializer,
            400: error("Not a known outcome, or the refund was already settled otherwise."),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: error("No such refund."),
        },
    )
    def post(self, request: SignedInRequest, pk: int) -> Response:
        refund = Refund.objects.filter(pk=pk).first()
        if refund is None:
            raise NotFound(_("There is no refund %(id)s.") % {"id": pk})
        payload = RefundOutcomeIn(data=request.data)
        payload.is_valid(raise_exception=True)
        refund = refunds.settle_refund(refund=refund, actor=request.user, **payload.validated_data)
        return Response(RefundSerializer(selectors.case_refunds(case=refund.case).get(pk=refund.pk)).data)
