"""The shop's orders: read one (contact data masked for staff), push one (create or update, idempotently)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import masking as privacy
from cases import selectors
from cases.api.permissions import READ_ORDER, UPSERT_ORDER
from cases.api.serializers import OrderIn, OrderSerializer
from cases.api.views.common import FORBIDDEN, ORDER_NUMBER, UNAUTHENTICATED, error
from cases.catalog import orders
from cases.models import Order
from core.api import HasRolePermissions, SignedInRequest


class OrderView(APIView):
    """The shop's order by its number: read it, or push it (create or update, idempotently)."""

    permission_classes = [HasRolePermissions]
    required_permissions = {"GET": READ_ORDER, "PUT": UPSERT_ORDER}

    @extend_schema(
        operation_id="order_retrieve",
        parameters=[ORDER_NUMBER],
        responses={200: OrderSerializer, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: error("No such order.")},
    )
    def get(self, request: SignedInRequest, number: str) -> Response:
        order = selectors.order_detail(number=number)
        if order is None:
            raise NotFound(_("There is no order %(number)s.") % {"number": number})
        # Staff read the contact data masked; the shop's integration (and superusers) in full.
        masked = not privacy.api_sees_full_contact(request.user)
        return Response(OrderSerializer(order, context={"mask_contact": masked}).data)

    @extend_schema(
        operation_id="order_upsert",
        parameters=[ORDER_NUMBER],
        request=OrderIn,
        responses={
            200: OpenApiResponse(OrderSerializer, description="Updated, or already exactly so (nothing changed)."),
            201: OpenApiResponse(OrderSerializer, description="Created."),
            400: OpenApiResponse(description="Field errors: {field: [messages]}; nothing written."),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            409: error("A case refers to a line that would be removed or reduced below its claim; nothing written."),
        },
    )
    def put(self, request: Request, number: str) -> Response:
        if len(number) > Order._meta.get_field("number").max_length:  # type: ignore[operator]  # it has one
            raise ValidationError({"number": [_("The order number is too long.")]})
        payload = OrderIn(data=request.data)
        payload.is_valid(raise_exception=True)
        _order, created = orders.upsert_order(number=number, data=payload.to_order_data())
        data = OrderSerializer(selectors.order_detail(number=number)).data
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
