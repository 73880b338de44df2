"""Starting and ending a chat: ``POST chat/sessions/`` and ``POST chat/sessions/{token}/end/``."""

from __future__ import annotations

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
    ChatEndedOut,
    ChatStartedOut,
    ChatStartIn,
    error,
    started_out,
)
from core.client_ip import client_ip


class ChatStartView(ChatView):
    @extend_schema(
        operation_id="chat_session_start",
        summary="Start a chat (the visitor's details, optionally the first message)",
        parameters=[ORIGIN],
        request=ChatStartIn,
        responses={
            201: ChatStartedOut,
            400: error("Bad input (no email nor order number, a bad email, a text too long); nothing written."),
            403: FORBIDDEN,
            404: NOT_FOUND,
            429: TOO_MANY,
        },
        tags=["chat"],
    )
    def post(self, request: Request) -> Response:
        data = self.payload(request)
        widget = chat.widget_for(key=data.get("widget", ""), origin=self.origin, own_origin=self.own_origin)
        started = chat.start_session(
            widget=widget,
            email=data.get("email", ""),
            order_number=data.get("order_number", ""),
            name=data.get("name", ""),
            text=data.get("text", ""),
            client_id=data.get("client_id", ""),
            ip=client_ip(request),
        )
        return Response(started_out(started=started, widget=widget), status=status.HTTP_201_CREATED)


class ChatEndView(ChatView):
    @extend_schema(
        operation_id="chat_session_end",
        summary="The visitor ends the chat (again: nothing changes)",
        parameters=[TOKEN, ORIGIN],
        request=None,
        responses={200: ChatEndedOut, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["chat"],
    )
    def post(self, request: Request, token: str) -> Response:
        session = chat.end_session(session=self.session(token))
        return Response(ChatEndedOut(session).data)
