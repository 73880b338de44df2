"""The telephony webhook: a phone system posts its call events for one line.

``POST /api/v1/channels/phone/<line code>/events/`` with one JSON object, signed with the line's
secret (``channels_app.signing``)::

    {"call_id": "c-1", "event": "ended", "direction": "inbound", "from": "+86 138 0013 8000",
     "to": "400-800-1234", "duration": 125, "recording_url": "https://...", "agent": "li.na",
     "summary": "..."}

``ended``, ``missed`` and ``voicemail`` are stored (once per line, call id and event: a retried
call changes nothing); ``ringing`` and ``answered`` are acknowledged and ignored. Answers: 202,
400 for a body that is no call event, 401 for a bad or stale signature, 404 for an unknown or
inactive line.
"""

from __future__ import annotations

import json

from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from channels_app import phone
from channels_app.api.inbound import SIGNATURE_PARAMETERS, SignedWebhookView
from channels_app.models import PhoneLine
from core.api import ErrorSerializer
from core.errors import InvalidInput


class CallEventIn(serializers.Serializer):
    """The body, for the schema only: the view validates the signed bytes itself (``phone``)."""

    call_id = serializers.CharField(max_length=200, help_text=gettext_lazy("The phone system's id of the call."))
    event = serializers.ChoiceField(choices=phone.CallEvent.choices)
    direction = serializers.ChoiceField(choices=["inbound", "outbound"], required=False, default="inbound")
    # "from" is a Python keyword: declared below.
    to = serializers.CharField(max_length=64, required=False, help_text=gettext_lazy("The number called."))
    duration = serializers.IntegerField(min_value=0, required=False, help_text=gettext_lazy("Seconds."))
    recording_url = serializers.URLField(required=False)
    agent = serializers.CharField(
        max_length=150, required=False, help_text=gettext_lazy("Username of the agent on the call.")
    )
    summary = serializers.CharField(max_length=phone.MAX_SUMMARY, required=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.CharField(max_length=64, help_text=gettext_lazy("The calling number."))
        return fields


CallEventAnswer = inline_serializer(
    name="PhoneCallEventAnswer",
    fields={
        "message": serializers.IntegerField(
            allow_null=True, help_text=gettext_lazy("The stored call's message id; null when ignored.")
        ),
        "case": serializers.CharField(allow_null=True, help_text=gettext_lazy("The case it joined or opened.")),
        "created_case": serializers.BooleanField(),
        "duplicate": serializers.BooleanField(help_text=gettext_lazy("It had arrived before: nothing changed.")),
        "ignored": serializers.BooleanField(help_text=gettext_lazy("Ringing or answered: acknowledged, not stored.")),
    },
)


class PhoneEventView(SignedWebhookView):
    @extend_schema(
        operation_id="phone_call_event",
        summary="A telephony system's call event for one phone line",
        parameters=SIGNATURE_PARAMETERS,
        request=CallEventIn,
        responses={
            202: CallEventAnswer,
            400: OpenApiResponse(ErrorSerializer),
            401: OpenApiResponse(ErrorSerializer),
            404: OpenApiResponse(ErrorSerializer),
        },
        examples=[
            OpenApiExample(
                "missed call",
                value={"call_id": "c-1", "event": "missed", "direction": "inbound", "from": "+8613800138000"},
                request_only=True,
            )
        ],
        tags=["phone"],
    )
    def post(self, request, code: str):
        line = PhoneLine.objects.filter(code=code, active=True).select_related("team").first()
        if line is None:
            raise NotFound(_("There is no active phone line “%(code)s”.") % {"code": code})
        body = self._verify(request, line.secret)
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise InvalidInput(_("The body is not valid JSON."))
        result = phone.receive_call_event(line=line, payload=payload)
        return Response(
            {
                "message": result.message.pk if result.message else None,
                "case": result.case.number if result.case else None,
                "created_case": result.created_case,
                "duplicate": result.duplicate,
                "ignored": result.ignored,
            },
            status=status.HTTP_202_ACCEPTED,
        )


urlpatterns = [
    path("phone/<slug:code>/events/", PhoneEventView.as_view(), name="phone-events"),
]
