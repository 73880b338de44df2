"""The chat's new messages as server-sent events (``GET chat/sessions/{token}/events/``)."""

from __future__ import annotations

import json
import time

from django.core.serializers.json import DjangoJSONEncoder
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from channels_app import chat
from channels_app.api.chat.base import ChatView, EventStreamRenderer, message_id
from channels_app.api.chat.serializers import (
    AFTER,
    FORBIDDEN,
    NOT_FOUND,
    ORIGIN,
    TOKEN,
    TOO_MANY,
    ChatMessageOut,
    error,
)
from channels_app.models import Message

# A comment when nothing else was sent for this long: proxies keep the connection, and a visitor who
# left is noticed at the next write (the worker is then free), not only at CHAT_SSE_SECONDS.
HEARTBEAT_SECONDS = 2
POLL_SECONDS = 1.0


def _frame(message: Message) -> str:
    data = json.dumps(ChatMessageOut(message).data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return f"id: {message.pk}\nevent: message\ndata: {data}\n\n"


def event_stream(*, session_id: int, after: int, seconds: float):
    """The frames of one stream: new messages as ``message`` events, a comment now and then so
    proxies keep the connection, ``ended`` when the visitor's chat ends; then it closes and the
    EventSource reconnects (``retry``) with Last-Event-ID."""
    yield "retry: 3000\n: connected\n\n"
    quiet_since = time.monotonic()
    for rows in chat.watch(session_id=session_id, after=after, seconds=seconds, poll=POLL_SECONDS):
        if rows is None:
            yield "event: ended\ndata: {}\n\n"
            return
        for message in rows:
            yield _frame(message)
            quiet_since = time.monotonic()
        if time.monotonic() - quiet_since >= HEARTBEAT_SECONDS:
            yield ": keep-alive\n\n"
            quiet_since = time.monotonic()


class ChatEventsView(ChatView):
    renderer_classes = [JSONRenderer, EventStreamRenderer]

    @extend_schema(
        operation_id="chat_events",
        summary="New messages as server-sent events",
        description=(
            "A text/event-stream: `id: <message id>`, `event: message`, `data: <the message as JSON>` for each "
            "message after `after` (or the Last-Event-ID header, whichever is later), comments as heartbeats, "
            "`event: ended` when the chat ends. The stream closes after CHAT_SSE_SECONDS (25 s by default); "
            "the EventSource then reconnects by itself. CHAT_SSE_SECONDS = 0 turns streams off (503): the widget "
            "then polls."
        ),
        parameters=[
            TOKEN,
            AFTER,
            ORIGIN,
            OpenApiParameter(
                "Last-Event-ID", str, OpenApiParameter.HEADER, required=False, description="Sent by the EventSource."
            ),
        ],
        responses={
            (200, "text/event-stream"): OpenApiResponse(OpenApiTypes.STR, description="The event stream."),
            (400, "application/json"): error("A bad after."),
            (403, "application/json"): FORBIDDEN,
            (404, "application/json"): NOT_FOUND,
            (429, "application/json"): TOO_MANY,
            (503, "application/json"): error("Streams are off (CHAT_SSE_SECONDS = 0): poll the messages instead."),
        },
        tags=["chat"],
    )
    def get(self, request: Request, token: str):
        session = self.session(token)
        after = max(
            message_id(request.query_params.get("after"), "after"),
            message_id(request.headers.get("Last-Event-ID"), "Last-Event-ID"),
        )
        seconds = chat.open_stream(session=session)
        chat.touch(session)
        response = StreamingHttpResponse(
            event_stream(session_id=session.pk, after=after, seconds=seconds),
            content_type="text/event-stream; charset=utf-8",
        )
        response["Cache-Control"] = "no-cache"
        response["X-Accel-Buffering"] = "no"  # nginx: pass each frame on at once
        return response
