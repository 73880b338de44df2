"""The API's views: parse the request, call one service or selector, render the answer.

Who may call what (the roles are the groups of core/roles.py; anonymous is 401, a signed-in user
without the permissions 403):

========================================  =============================================
endpoint                                  who
========================================  =============================================
GET  /orders/{number}/                    view_order: integration, agent, manager, admin
                                          (phone, email, address masked but for
                                          integration and superusers: cases.masking)
PUT  /orders/{number}/                    add/change order and customer: integration, admin
GET  /cases/                              view_case + view_caseevent: agent, manager, admin
POST /cases/                              add_case: agent, manager, integration, admin
GET  /cases/{number}/                     view_case + view_caseevent: agent, manager, admin
GET  /cases/{number}/transitions/         view_case + view_caseevent: agent, manager, admin
POST /cases/{number}/transitions/{name}/  view_case, then the step's own permission
                                          (work/decide/reopen): agent, manager, admin; the
                                          integration role holds none of them, so it gets 403
POST /cases/{number}/messages/            view_case, then work_case (the service): agent, manager, admin
GET  /cases/{number}/refunds/             view_case + view_refund: agent, manager, admin, integration
POST /refunds/{id}/outcome/               view_refund + settle_refund: integration, manager, admin
GET  /notifications/                      view_notification (own only): agent, manager, admin
POST /notifications/{id}/read/            view_notification; someone else's is a 404
GET  /revisits/                           view_revisittask: agent, manager, admin
POST /revisits/{id}/complete/             view + change_revisittask: agent, manager, admin
========================================  =============================================
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import masking as privacy
from cases import notifications, selectors, services
from cases.api.filters import CaseFilter
from cases.api.pagination import CasePagination
from cases.api.permissions import (
    COMPLETE_REVISIT,
    CREATE_CASE,
    READ_CASES,
    READ_NOTIFICATIONS,
    READ_ORDER,
    READ_REFUNDS,
    READ_REVISITS,
    SETTLE_REFUND,
    TRANSITION_CASE,
    UPSERT_ORDER,
)
from cases.api.serializers import (
    CaseDetailSerializer,
    CaseIn,
    CaseListSerializer,
    CaseSerializer,
    MessageIn,
    NotificationSerializer,
    OrderIn,
    OrderSerializer,
    RefundOutcomeIn,
    RefundSerializer,
    RevisitDoneIn,
    RevisitTaskSerializer,
    TransitionIn,
    TransitionOptionSerializer,
)
from cases.catalog import orders
from cases.models import Case, Order, Refund
from cases.money import ledger as refunds
from cases.sla import follow_ups
from core.api import ErrorSerializer, HasRolePermissions, SignedInRequest

ORDER_NUMBER = OpenApiParameter("number", str, OpenApiParameter.PATH, description="The shop's order number.")
CASE_NUMBER = OpenApiParameter("number", str, OpenApiParameter.PATH, description="The case number (RMA-2026-000123).")
STEP_NAME = OpenApiParameter("name", str, OpenApiParameter.PATH, description="The step, e.g. approve, resolve.")


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


UNAUTHENTICATED = error("Not signed in (no or a bad token or session).")
FORBIDDEN = error("The user's role does not allow this.")


def _case_or_404(number: str, user, *, detail: bool = False) -> Case:
    case = selectors.case_detail(number=number) if detail else selectors.case_by_number(number=number)
    if case is None or not selectors.can_see(user, case):
        raise NotFound(_("There is no case %(number)s.") % {"number": number})
    return case


# --- orders ---------------------------------------------------------------------------------------


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


# --- cases ----------------------------------------------------------------------------------------


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
        return Response(CaseDetailSerializer(_case_or_404(number, request.user, detail=True)).data)


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
        options = selectors.transition_options(case=_case_or_404(number, request.user), user=request.user)
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
        case = _case_or_404(number, request.user)
        payload = TransitionIn(data=request.data)
        payload.is_valid(raise_exception=True)
        params = dict(payload.validated_data)
        version = params.pop("version", None)
        note = params.pop("note", "")
        services.transition_case(
            case=case, name=name, actor=request.user, note=note, expected_version=version, **params
        )
        return Response(CaseDetailSerializer(_case_or_404(number, request.user, detail=True)).data)


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
        case = _case_or_404(number, request.user)
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
        case = _case_or_404(number, request.user)
        payload = MessageIn(data=request.data)
        payload.is_valid(raise_exception=True)
        services.add_message(case=case, actor=request.user, **payload.validated_data)
        return Response(
            CaseDetailSerializer(_case_or_404(number, request.user, detail=True)).data, status=status.HTTP_201_CREATED
        )


# --- notifications and revisits -----------------------------------------------------------------

LIMIT = OpenApiParameter("limit", int, description="How many, newest first (1-200, default 50).")


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit", "50")
    if not raw.isdigit() or not 1 <= int(raw) <= 200:
        raise ValidationError({"limit": [_("Give a number from 1 to 200.")]})
    return int(raw)


def _flag(request: Request, name: str) -> bool | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    if raw not in ("0", "1", "true", "false"):
        raise ValidationError({name: [_("Give 1 or 0.")]})
    return raw in ("1", "true")


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
        rows = selectors.notifications_for(user=request.user, unread_only=bool(_flag(request, "unread")))
        return Response(NotificationSerializer(rows[: _limit(request)], many=True).data)


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
        return Response(NotificationSerializer(notifications.mark_read(notification=row)).data)


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
            user=request.user, mine=bool(_flag(request, "mine")), done=_flag(request, "done")
        )
        return Response(RevisitTaskSerializer(rows[: _limit(request)], many=True).data)


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
