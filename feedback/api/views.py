"""The feedback API's views: parse the request, call one service or selector, render the answer.

Who may call what (the roles of core/roles.py; anonymous is 401, a signed-in user without the
permissions 403):

=====================================  ==========================================================
endpoint                               who
=====================================  ==========================================================
POST /responses/import/                add_surveyresponse: integration (the survey tool), manager, admin
GET  /responses/                       view_surveyresponse: agent, manager, admin, integration
GET  /responses/export/                view_surveyresponse + view_feedbacksettings: manager, admin
                                       (the whole period's answers with comments leave the system:
                                       the people who run the surveys, not every reader)
POST /free/                            add_freefeedback: integration (the shop forwards it), admin
=====================================  ==========================================================
"""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ErrorSerializer, HasRolePermissions
from feedback import importing, services
from feedback.api.filters import EXPORT_FILTERS, IgnoreFormatParameter, ResponseFilter, ResponsePagination
from feedback.api.serializers import (
    IMPORT_LIMIT_HELP,
    ExportRowSerializer,
    FreeFeedbackIn,
    FreeFeedbackSerializer,
    ImportRejectedSerializer,
    ImportResultSerializer,
    ResponseImportRowIn,
    SurveyResponseSerializer,
)

IMPORT_RESPONSES = ("feedback.add_surveyresponse",)
READ_RESPONSES = ("feedback.view_surveyresponse",)
# Only the roles that configure the feedback (managers, admins) export it.
EXPORT_RESPONSES = ("feedback.view_surveyresponse", "feedback.view_feedbacksettings")
SUBMIT_FREE_FEEDBACK = ("feedback.add_freefeedback",)


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


UNAUTHENTICATED = error("Not signed in (no or a bad token or session).")
FORBIDDEN = error("The user's role does not allow this.")


# --- survey responses ----------------------------------------------------------------------------------


class ResponseImportView(APIView):
    """A batch of answers from an external survey tool: all or nothing, idempotent by ``external_id``."""

    permission_classes = [HasRolePermissions]
    required_permissions = {"POST": IMPORT_RESPONSES}

    @extend_schema(
        operation_id="feedback_response_import",
        request=ResponseImportRowIn(many=True),
        responses={
            201: OpenApiResponse(ImportResultSerializer, description="Stored (some rows may be duplicates)."),
            200: OpenApiResponse(ImportResultSerializer, description="Every row was stored before: nothing changed."),
            400: OpenApiResponse(
                ImportRejectedSerializer,
                description=f"Not an array of 1 to {importing.MAX_BATCH} rows, or bad rows (details.rows: "
                "each row's index, external id and {field: [messages]}); nothing written.",
            ),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            409: error("The same answers are being imported by another request right now; send again."),
        },
        description=IMPORT_LIMIT_HELP
        + " Each answer is stored with the case's customer, agent, team, channel and kind; low scores and "
        "complaints open a revisit task, as answers through the survey link do.",
    )
    def post(self, request: Request) -> Response:
        result = importing.import_responses(rows=request.data)
        body = ImportResultSerializer(result).data
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


class ResponseListView(GenericAPIView):
    """The survey answers, newest first, a page at a time."""

    permission_classes = [HasRolePermissions]
    required_permissions = {"GET": READ_RESPONSES}
    filterset_class = ResponseFilter
    pagination_class = ResponsePagination
    serializer_class = SurveyResponseSerializer

    def get_queryset(self):
        return importing.response_list(user=self.request.user)

    @extend_schema(
        operation_id="feedback_response_list",
        responses={
            200: SurveyResponseSerializer(many=True),
            400: OpenApiResponse(description="A bad filter or cursor."),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
        },
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(SurveyResponseSerializer(page, many=True).data)


EXPORT_FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}


class ResponseExportView(GenericAPIView):
    """Every answer of a period as a file, streamed: CSV for a spreadsheet (UTF-8 with BOM), or JSON."""

    permission_classes = [HasRolePermissions]
    required_permissions = {"GET": EXPORT_RESPONSES}
    filterset_class = ResponseFilter
    renderer_classes = [JSONRenderer]
    content_negotiation_class = IgnoreFormatParameter
    pagination_class = None

    def get_queryset(self):
        return importing.response_list(user=self.request.user)

    @extend_schema(
        operation_id="feedback_response_export",
        parameters=[
            OpenApiParameter(
                "format", str, enum=list(EXPORT_FORMATS), default="csv", description="The file format (default csv)."
            ),
            *EXPORT_FILTERS,
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description="CSV with a byte order mark and a header row: " + ", ".join(importing.EXPORT_COLUMNS),
            ),
            (200, "application/json"): OpenApiResponse(ExportRowSerializer(many=True), description="The same rows."),
            400: OpenApiResponse(description="A bad filter or format."),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
        },
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        fmt = request.query_params.get("format") or "csv"
        if fmt not in EXPORT_FORMATS:
            raise ValidationError(
                {"format": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(EXPORT_FORMATS)}]}
            )
        responses = self.filter_queryset(self.get_queryset())
        chunks = importing.csv_lines(responses) if fmt == "csv" else importing.json_chunks(responses)
        answer = StreamingHttpResponse(chunks, content_type=EXPORT_FORMATS[fmt])
        answer["Content-Disposition"] = f'attachment; filename="{importing.export_filename(fmt=fmt)}"'
        return answer


# --- free feedback -------------------------------------------------------------------------------------


class FreeFeedbackView(APIView):
    """Feedback not about a case, forwarded from a channel: categorised by keywords, routed to a team."""

    permission_classes = [HasRolePermissions]
    required_permissions = {"POST": SUBMIT_FREE_FEEDBACK}

    @extend_schema(
        operation_id="feedback_free_create",
        request=FreeFeedbackIn,
        responses={
            201: OpenApiResponse(FreeFeedbackSerializer, description="Stored, with the category chosen."),
            400: OpenApiResponse(description="Field errors, or {detail, code} from the service; nothing written."),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
        },
    )
    def post(self, request: Request) -> Response:
        payload = FreeFeedbackIn(data=request.data)
        payload.is_valid(raise_exception=True)
        feedback = services.submit_free_feedback(**payload.validated_data)
        return Response(FreeFeedbackSerializer(feedback).data, status=status.HTTP_201_CREATED)
