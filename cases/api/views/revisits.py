"""Revisit (回访) tasks over the API: the list, and completing one with its outcome."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import selectors
from cases.api.permissions import COMPLETE_REVISIT, READ_REVISITS
from cases.api.serializers import RevisitDoneIn, RevisitTaskSerializer
from cases.api.views.common import FORBIDDEN, LIMIT, UNAUTHENTICATED, error, flag_param, limit_param
from cases.sla import follow_ups
from core.api import HasRolePermissions, SignedInRequest


class RevisitListView(APIView):
    """Revisit (回访) tasks: the sampled resolved cases and every low score."""

    permission_classes = [HasRolePermissions]
    required_permissions = {"GET": READ_REVISITS}

    @extend_schema(
        operation_id="revisit_list",
        parameters=[
            LIMIT,
            OpenApiParameter("mine", str, description="1: only the tasks assigned to me."),
            OpenApiParameter("done", str, description="1: done ones; 0: open ones; absent: both."),
        ],
        responses={
            200: RevisitTaskSerializer(many=True),
            400: OpenApiResponse(description="A bad filter: {parameter: [messages]}."),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
        },
    )
    def get(self, request: SignedInRequest) -> Response:
        rows = selectors.revisit_tasks(
            user=request.user, mine=bool(flag_param(request, "mine")), done=flag_param(request, "done")
        )
        return Response(RevisitTaskSerializer(rows[: limit_param(request)], many=True).data)


class RevisitCompleteView(APIView):
    permission_classes = [HasRolePermissions]
    required_permissions = {"POST": COMPLETE_REVISIT}

    @extend_schema(
        operation_id="revisit_complete",
        request=RevisitDoneIn,
        responses={
            200: OpenApiResponse(RevisitTaskSerializer, description="Done (a second call keeps the first outcome)."),
            400: OpenApiResponse(description="Field errors: {field: [messages]}; nothing written."),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: error("No such task."),
        },
    )
    def post(self, request: SignedInRequest, pk: int) -> Response:
        task = selectors.revisit_tasks(user=request.user).filter(pk=pk).first()
        if task is None:
            raise NotFound(_("There is no revisit task %(id)s.") % {"id": pk})
        payload = RevisitDoneIn(data=request.data)
        payload.is_valid(raise_exception=True)
        task = follow_ups.complete_revisit(task=task, actor=request.user, outcome=payload.validated_data["outcome"])
        return Response(RevisitTaskSerializer(task).data)
