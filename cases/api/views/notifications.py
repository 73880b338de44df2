"""The signed-in user's notifications (SLA warnings and breaches, stalled shipments, revisits): list, mark read."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import selectors
from cases.api.permissions import READ_NOTIFICATIONS
from cases.api.serializers import NotificationSerializer
from cases.api.views.common import FORBIDDEN, LIMIT, UNAUTHENTICATED, error, flag_param, limit_param
from cases.notifications import mark_read
from core.api import HasRolePermissions, SignedInRequest


class NotificationListView(APIView):
    """The signed-in user's notifications (SLA warnings and breaches, stalled shipments, revisits)."""

    permission_classes = [HasRolePermissions]
    required_permissions = {"GET": READ_NOTIFICATIONS}

    @extend_schema(
        operation_id="notification_list",
        parameters=[LIMIT, OpenApiParameter("unread", str, description="1: only the unread ones.")],
        responses={
            200: NotificationSerializer(many=True),
            400: OpenApiResponse(description="A bad filter: {parameter: [messages]}."),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
        },
    )
    def get(self, request: SignedInRequest) -> Response:
        rows = selectors.notifications_for(user=request.user, unread_only=bool(flag_param(request, "unread")))
        return Response(NotificationSerializer(rows[: limit_param(request)], many=True).data)


class NotificationReadView(APIView):
    permission_classes = [HasRolePermissions]
    required_permissions = {"POST": READ_NOTIFICATIONS}

    @extend_schema(
        operation_id="notification_read",
        request=None,
        responses={
            200: NotificationSerializer,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: error("Not yours, or none."),
        },
    )
    def post(self, request: SignedInRequest, pk: int) -> Response:
        row = selectors.notifications_for(user=request.user).filter(pk=pk).first()
        if row is None:
            raise NotFound(_("There is no notification %(id)s for you.") % {"id": pk})
        return Response(NotificationSerializer(mark_read(notification=row)).data)
