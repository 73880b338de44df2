"""Making a case the right case over the API: convert it (an inquiry into a return, exchange, repair,
refund-only case or complaint) and reclassify it (kind, reason). Both answer with the case as it is now."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import services
from cases.api.conversion import ConvertIn, ReclassifyIn
from cases.api.permissions import CHANGE_CLASSIFICATION
from cases.api.serializers import CaseDetailSerializer
from cases.api.views.common import CASE_NUMBER, UNAUTHENTICATED, case_or_404, error
from core.api import HasRolePermissions, SignedInRequest

ANSWERS = {
    200: CaseDetailSerializer,
    401: UNAUTHENTICATED,
    403: error("The user's role may not work on cases (cases.work_case)."),
    404: error("No such case."),
    409: error("The case changed since the client read it (version); reload and retry. Nothing was written."),
}


class CaseConvertView(APIView):
    permission_classes = [HasRolePermissions]
    required_permissions = {"POST": CHANGE_CLASSIFICATION}

    @extend_schema(
        operation_id="case_convert",
        parameters=[CASE_NUMBER],
        request=ConvertIn,
        responses={
            **ANSWERS,
            400: error(
                "Bad inputs, nothing written: an unknown order or line, an order of another customer, a "
                "quantity above what is left to claim, a variant for a kind other than exchange, or a case "
                "that is not new or already has lines."
            ),
        },
        description=(
            "Turn a new case without lines (an inquiry from email, chat, phone, social) into a return, "
            "exchange, repair, refund-only case or complaint about the customer's order. The case keeps its "
            "number and timeline; one `updated` event records `converted_from` and `to`. For goods kinds the "
            "return policy decides at once, as for the portal: approve, reject (with the reason in the "
            "customer's language) or review."
        ),
    )
    def post(self, request: SignedInRequest, number: str) -> Response:
        case = case_or_404(number, request.user)
        payload = ConvertIn(data=request.data)
        payload.is_valid(raise_exception=True)
        services.convert_case(case=case, actor=request.user, **payload.validated_data)
        return Response(CaseDetailSerializer(case_or_404(number, request.user, detail=True)).data)


class CaseReclassifyView(APIView):
    permission_classes = [HasRolePermissions]
    required_permissions = {"POST": CHANGE_CLASSIFICATION}

    @extend_schema(
        operation_id="case_reclassify",
        parameters=[CASE_NUMBER],
        request=ReclassifyIn,
        responses={
            **ANSWERS,
            400: error(
                "Bad inputs, nothing written: no why, nothing to change, a closed case, a kind change the "
                "case's lines or policy decision no longer allow, or a reason the policy decided on."
            ),
        },
        description=(
            "Correct the case's kind (between inquiry and complaint; between goods kinds while there are no "
            "lines and no decision) and/or reason, with why; one `updated` event records `reclassified`."
        ),
    )
    def post(self, request: SignedInRequest, number: str) -> Response:
        case = case_or_404(number, request.user)
        payload = ReclassifyIn(data=request.data)
        payload.is_valid(raise_exception=True)
        services.reclassify_case(case=case, actor=request.user, **payload.validated_data)
        return Response(CaseDetailSerializer(case_or_404(number, request.user, detail=True)).data)
