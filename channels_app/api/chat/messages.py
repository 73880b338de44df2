"""The chat's messages: the visitor polls them (``GET``) and writes (``POST chat/sessions/{token}/messages/``)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from channels_app import chat
from channels_app.api.chat.base import ChatView, message_id
from channels_app.api.chat.serializers import (
    AFTER,
    FORBIDDEN,
    NOT_FOUND,
    ORIGIN,
    TOKEN,
    TOO_MANY,
    ChatMessageIn,
    ChatMessagePageOut,
    ChatPostedOut,
    error,
    message_page_out,
    posted_out,
)


class ChatMessagesView(ChatView):
    @extend_schema(
        operation_id="chat_messages_list",
        summary="The chat's messages after an id, both directions, oldest first (for polling)",
        parameters=[TOKEN, AFTER, ORIGIN],
        responses={200: ChatMessagePageOut, 400: error("A bad after."), 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["chat"],
    )
    def get(self, request: Request, token: str) -> Response:
        session = self.session(token)
        after = message_id(request.query_params.get("after"), "after")
        rows = chat.messages_after(session=session, after=after, limit=chat.PAGE + 1)
        chat.touch(session)
        return Response(message_page_out(session=session, rows=rows))

    @extend_schema(
        operation_id="chat_message_create",
        summary="The visitor writes",
        parameters=[TOKEN, ORIGIN],
        request=ChatMessageIn,
        responses={
            201: ChatPostedOut,
            200: OpenApiResponse(ChatPostedOut, description="This client_id was sent before: the stored message."),
            400: error("No text, a text too long, a bad client_id, or the chat has ended; nothing written."),
            403: FORBIDDEN,
            404: NOT_FOUND,
            429: TOO_MANY,
        },
        tags=["chat"],
    )
    def post(self, request: Request, token: str) -> Response:
        session = self.session(token)
        data = self.payload(request)
        posted = chat.post_visitor_message(session=session, text=data.get("text"), client_id=data.get("client_id", ""))
        body = posted_out(session=session, posted=posted)
        return Response(body, status=status.HTTP_200_OK if posted.duplicate else status.HTTP_201_CREATED)
