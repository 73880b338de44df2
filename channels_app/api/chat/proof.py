"""The visitor proves who they are: ``POST chat/sessions/{token}/code/`` asks for the one-time code,
``POST chat/sessions/{token}/verify/`` enters it (``channels_app.chat.proof``)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from channels_app import chat
from channels_app.api.chat.base import ChatView
from channels_app.api.chat.serializers import (
    FORBIDDEN,
    NOT_FOUND,
    ORIGIN,
    TOKEN,
    TOO_MANY,
    ChatCodeIn,
    ChatCodeSentOut,
    ChatVerifiedOut,
    ChatVerifyIn,
    error,
)
from core.client_ip import client_ip


class ChatCodeView(ChatView):
    @extend_schema(
        operation_id="chat_code_request",
        summary="Ask for the one-time code that proves the visitor is the customer they named",
        parameters=[TOKEN, ORIGIN],
        request=ChatCodeIn,
        responses={
            202: ChatCodeSentOut,
            400: error("No order number to send a code for, a bad via, the chat ended or is verified already."),
            403: FORBIDDEN,
            404: NOT_FOUND,
            429: TOO_MANY,
        },
        tags=["chat"],
    )
    def post(self, request: Request, token: str) -> Response:
        session = self.session(token)
        data = self.payload(request)
        chat.request_code(
            session=session,
            ip=client_ip(request),
            order_number=data.get("order_number", ""),
            via=data.get("via", "email"),
        )
        return Response(
            {
                "detail": _(
                    "If this order is yours, we have sent a code to the email or phone on file for it. Enter it here."
                )
            },
            status=status.HTTP_202_ACCEPTED,
        )


class ChatVerifyView(ChatView):
    @extend_schema(
        operation_id="chat_code_verify",
        summary="Enter the one-time code: the chat becomes the customer's verified channel",
        parameters=[TOKEN, ORIGIN],
        request=ChatVerifyIn,
        responses={
            200: ChatVerifiedOut,
            400: error("A wrong, used or expired code, or none asked for; nothing changes."),
            403: FORBIDDEN,
            404: NOT_FOUND,
            429: TOO_MANY,
        },
        tags=["chat"],
    )
    def post(self, request: Request, token: str) -> Response:
        session = self.session(token)
        data = self.payload(request)
        chat.prove(session=session, code=data.get("code"), ip=client_ip(request))
        return Response({"verified": True, "detail": _("Thank you: you are verified.")})
