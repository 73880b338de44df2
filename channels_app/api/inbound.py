"""Inbound webhooks: a raw email posted into an inbox, and a social platform's messages.

No user signs in here: each call is signed with the channel's secret (``channels_app.signing``:
HMAC-SHA256 over timestamp and body, at most 5 minutes old). Answers: 202 with what happened to
each message (``duplicate`` true when it had arrived before: nothing changed), 400 for a body
that is no message, 401 for a bad or stale signature, 404 for an unknown or inactive channel.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from channels_app import signing, social
from channels_app.email import receiving
from channels_app.email.parsing import MailRejected
from channels_app.models import EmailInbox, SocialAccount
from core.api import ErrorSerializer
from core.errors import InvalidInput

SIGNATURE_PARAMETERS = [
    OpenApiParameter(
        signing.TIMESTAMP_HEADER, str, OpenApiParameter.HEADER, required=True, description=_("Unix seconds.")
    ),
    OpenApiParameter(
        signing.SIGNATURE_HEADER,
        str,
        OpenApiParameter.HEADER,
        required=True,
        description=_("sha256=<hex HMAC-SHA256 of '<timestamp>.' + body with the channel's secret>"),
    ),
]


class IntakeAnswer(serializers.Serializer):
    message = serializers.IntegerField(help_text=_("The stored message's id."))
    case = serializers.CharField(allow_null=True, help_text=_("The case it joined or opened; null when ignored."))
    created_case = serializers.BooleanField()
    duplicate = serializers.BooleanField(help_text=_("It had arrived before: nothing changed."))
    ignored = serializers.BooleanField(help_text=_("Automatic mail (auto-reply, bounce): kept, no case."))


class SocialIntakeAnswer(serializers.Serializer):
    results = IntakeAnswer(many=True)


def answer(result) -> dict:
    return {
        "message": result.message.pk,
        "case": result.case.number if result.case else None,
        "created_case": result.created_case,
        "duplicate": result.duplicate,
        "ignored": result.message.status == "ignored",
    }


class RawParser(BaseParser):
    """Accept any body: the views read ``request.body`` themselves (the signature covers its bytes)."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return {}


class SignedWebhookView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [RawParser]
    throttle_classes: list = []

    def _verify(self, request, secret: str) -> bytes:
        body = request.body
        signing.verify(
            secret=secret,
            timestamp=request.headers.get(signing.TIMESTAMP_HEADER),
            signature=request.headers.get(signing.SIGNATURE_HEADER),
            body=body,
        )
        return body


class EmailInboundView(SignedWebhookView):
    @extend_schema(
        summary="Post one raw email (RFC 822) into an inbox",
        parameters=SIGNATURE_PARAMETERS,
        request={"message/rfc822": bytes},
        responses={
            202: IntakeAnswer,
            400: OpenApiResponse(ErrorSerializer),
            401: OpenApiResponse(ErrorSerializer),
            404: OpenApiResponse(ErrorSerializer),
        },
        tags=["channels"],
    )
    def post(self, request, code: str):
        inbox = EmailInbox.objects.filter(code=code, active=True).first()
        if inbox is None:
            raise NotFound(_("There is no active inbox “%(code)s”.") % {"code": code})
        raw = self._verify(request, inbox.webhook_secret)
        try:
            result = receiving.ingest(inbox=inbox, raw=raw)
        except MailRejected as exc:
            raise InvalidInput(exc.message)
        return Response(answer(result), status=status.HTTP_202_ACCEPTED)


class SocialInboundView(SignedWebhookView):
    @extend_schema(
        summary="A social platform's messages for one account (JSON, see channels_app.social)",
        parameters=SIGNATURE_PARAMETERS,
        request={"application/json": dict},
        responses={
            202: SocialIntakeAnswer,
            400: OpenApiResponse(ErrorSerializer),
            401: OpenApiResponse(ErrorSerializer),
            404: OpenApiResponse(ErrorSerializer),
        },
        tags=["channels"],
    )
    def post(self, request, code: str):
        account = SocialAccount.objects.filter(code=code, active=True).first()
        if account is None:
            raise NotFound(_("There is no active social media account “%(code)s”.") % {"code": code})
        results = social.receive_webhook(
            account=account,
            body=request.body,
            timestamp=request.headers.get(signing.TIMESTAMP_HEADER),
            signature=request.headers.get(signing.SIGNATURE_HEADER),
        )
        return Response({"results": [answer(r) for r in results]}, status=status.HTTP_202_ACCEPTED)
