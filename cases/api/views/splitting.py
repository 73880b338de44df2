"""Splitting a message out of a case into a new case, and merging a case into another open case of its
customer, over the API (``cases.services.split_message``, ``cases.services.merge_case``).

Who: staff who may work cases (agents, managers, admins: ``cases.view_case`` and ``cases.work_case``);
anonymous 401, other roles 403, a case the user may not see 404. Bad input is a 400 with a message and
writes nothing.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import services
from cases.api.serializers import CaseDetailSerializer
from cases.api.views.common import CASE_NUMBER, FORBIDDEN, UNAUTHENTICATED, case_or_404, error
from cases.models import CaseKind
from core.api import HasRolePermissions, SignedInRequest

WORK_CASES = ("cases.view_case", "cases.work_case")


class SplitIn(serializers.Serializer):
    event = serializers.IntegerField(min_value=1, help_text="The id of the timeline entry (a reply or a note).")
    kind = serializers.ChoiceField(
        choices=[CaseKind.INQUIRY.value, CaseKind.COMPLAINT.value], default=CaseKind.INQUIRY.value
    )
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class MergeIn(serializers.Serializer):
    into = serializers.CharField(max_length=32, help_text="The number of the open case this one is merged into.")
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class CaseSplitView(APIView):
    """Move one message of the case into a new case of the same customer; both timelines say so."""

    permission_classes = [HasRolePermissions]
    required_permissions = {"POST": WORK_CASES}

    @extend_schema(
        operation_id="case_split",
        parameters=[CASE_NUMBER],
        request=SplitIn,
        responses={
            201: OpenApiResponse(CaseDetailSerializer, description="The new case, with its timeline."),
            400: error("No such message on the case, or not a message; nothing written."),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: error("No such case."),
        },
    )
    def post(self, request: SignedInRequest, number: str) -> Response:
        case = case_or_404(number, request.user)
        payload = SplitIn(data=request.data)
        payload.is_valid(raise_exception=True)
        new = services.split_message(
            case=case,
            event_id=payload.validated_data["event"],
            actor=request.user,
            kind=payload.validated_data["kind"],
            subject=payload.validated_data["subject"],
        )
        return Response(
            CaseDetailSerializer(case_or_404(new.number, request.user, detail=True)).data,
            status=status.HTTP_201_CREATED,
        )


class CaseMergeView(APIView):
    """Merge this open case into another open case of the same customer: its timeline, messages, lines
    and SLA clocks move there, and this case closes (cancelled, ``merged_into`` set)."""

    permission_classes = [HasRolePermissions]
    required_permissions = {"POST": WORK_CASES}

    @extend_schema(
        operation_id="case_merge",
        parameters=[CASE_NUMBER],
        request=MergeIn,
        responses={
            200: OpenApiResponse(CaseDetailSerializer, description="The case merged into, with its timeline."),
            400: error("Another customer's case, a closed case, the case itself; nothing written."),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: error("No such case."),
        },
    )
    def post(self, request: SignedInRequest, number: str) -> Response:
        case = case_or_404(number, request.user)
        payload = MergeIn(data=request.data)
        payload.is_valid(raise_exception=True)
        into = services.merge_case(
            duplicate=case,
            into_number=payload.validated_data["into"],
            actor=request.user,
            reason=payload.validated_data["reason"],
        )
        return Response(CaseDetailSerializer(case_or_404(into.number, request.user, detail=True)).data)
